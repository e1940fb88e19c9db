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

/// The map split for A | B: two equal halves side by side (A left, B
/// right) with a gutter between; equal sizes keep one camera (centre and
/// zoom) showing the same ground in both.
struct SplitMap {
    Rect a, b;
};
inline constexpr double split_gutter = 4;
SplitMap split_map(const Rect& map);

}  // namespace tisheng::view
