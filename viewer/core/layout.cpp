#include "core/layout.hpp"

#include <algorithm>
#include <cmath>

namespace tisheng::view {

ScreenLayout screen_layout(double width, double height) {
    ScreenLayout l;
    // On a narrow window the side panel takes at most a third.
    const double side = std::min(sidebar_width, width / 3);
    const double body = std::max(0.0, height - menu_height);
    l.menu = {0, 0, width, menu_height};
    l.sidebar = {0, menu_height, side, body};
    l.timebar = {side, height - std::min(timebar_height, body / 2), width - side, std::min(timebar_height, body / 2)};
    l.map = {side, menu_height, width - side, std::max(0.0, l.timebar.y - menu_height)};
    return l;
}

SplitMap split_map(const Rect& map) {
    const double w = std::max(0.0, std::floor((map.w - split_gutter) / 2));
    return {{map.x, map.y, w, map.h}, {map.x + map.w - w, map.y, w, map.h}};
}

}  // namespace tisheng::view
