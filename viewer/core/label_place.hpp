// Map labels placed without overlap: in order of priority (the caller's,
// e.g. the larger unit first), each label is drawn where it overlaps no
// label already placed and lies inside the view: at its anchor if it can,
// else, with a leader line back to the anchor, at the first free spot of
// a ring of positions around it (up to `max_shift` pixels away). The others
// are left out (the tooltip names the unit under the mouse). A screen grid
// of cells keeps this linear in the labels, so thousands of units cost a
// frame nothing.
#pragma once

#include <cstddef>
#include <vector>

#include "core/camera.hpp"

namespace tisheng::view {

struct PlacedLabel {
    std::size_t index = 0;  ///< into the boxes
    Rect box;               ///< where it is drawn
    bool leader = false;    ///< moved off its anchor: draw a line back to the anchor (the box's centre as given)
};

/// The labels to draw, in `priority` order (indices into `boxes`, the
/// screen rectangles centred on their anchors, first = most important).
/// `max_shift` 0: a label is drawn at its anchor or not at all.
std::vector<PlacedLabel> place_labels(const std::vector<Rect>& boxes, const std::vector<std::size_t>& priority, const Rect& view,
                                      double max_shift = 0);

}  // namespace tisheng::view
