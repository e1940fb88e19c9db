// Where the viewer's parts sit in the window: a menu bar on top, the side
// panel on the left, the time bar along the bottom, the map in the rest.
// A plain function so that tests find the map on a screenshot.
#pragma once

#include "core/camera.hpp"

namespace tisheng::view {

struct ScreenLayout {
    Rect menu, sidebar, map, timebar;
};

inline constexpr double menu_height = 22;
inline constexpr double sidebar_width = 400;
inline constexpr double timebar_height = 86;

ScreenLayout screen_layout(double width, double height);

}  // namespace tisheng::view
