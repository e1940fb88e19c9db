// Points aggregated into screen-sized cells when too many are in view: each
// non-empty cell becomes one disc at the mean position of its points, in
// the colour most of them have, sized by how many it holds. Zoomed in (fewer
// points in view than the threshold), every point is drawn as it is.
#pragma once

#include <cstdint>
#include <vector>

#include "core/camera.hpp"
#include "core/legend.hpp"

namespace tisheng::view {

struct Bins {
    std::vector<Vec2> centre;   ///< world
    std::vector<Rgba> colour;
    std::vector<float> size_px;
    std::vector<std::uint32_t> count;
    double cell_px = 0;         ///< the cells' side, pixels
    std::size_t points = 0;     ///< points binned (visible, drawn)
};

/// Points drawn one by one at most; beyond, aggregate().
inline constexpr std::size_t max_points_drawn = 15000;

/// How many of `points` are drawn (alpha > 0) inside the camera's view.
std::size_t points_in_view(const Camera& camera, const std::vector<Vec2>& points, const std::vector<Rgba>& colour);

/// The drawn points (alpha > 0) in view, in cells of `cell_px` pixels.
Bins aggregate(const Camera& camera, const std::vector<Vec2>& points, const std::vector<Rgba>& colour, double cell_px = 14);

}  // namespace tisheng::view
