// Map labels placed without overlap: in order of priority (the caller's,
// e.g. the larger unit first), each label is drawn only where it overlaps
// no label already placed and lies inside the view. The others are left
// out (the tooltip names the unit under the mouse). A screen grid of cells keeps
// this linear in the labels, so thousands of units cost a frame nothing.
#pragma once

#include <cstddef>
#include <vector>

#include "core/camera.hpp"

namespace tisheng::view {

/// The labels to draw, as indices into `boxes` (screen rectangles), taken in
/// `priority` order (indices into `boxes`, first = most important).
std::vector<std::size_t> place_labels(const std::vector<Rect>& boxes, const std::vector<std::size_t>& priority, const Rect& view);

}  // namespace tisheng::view
