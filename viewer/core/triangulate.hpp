// Polygons (with holes, many parts) to triangles for the GL map renderer.
#pragma once

#include <vector>

#include "core/camera.hpp"
#include "tisheng/geo/geo.hpp"

namespace tisheng::view {

struct Triangles {
    std::vector<Vec2> vertices;  ///< world metres, 3 per triangle, in no particular winding
    /// Sum of the triangles' (unsigned) areas. O(n).
    [[nodiscard]] double area() const;
};

/// Triangulates each part by the odd winding rule: holes stay empty and
/// self-intersections are split at new vertices. Rings may or may not repeat
/// their first point at the end. Empty parts and rings of fewer than three
/// distinct points are skipped; a part GLU rejects gives no triangles.
/// Thread-safe (one tessellator per call). About O(n log n).
Triangles triangulate(const tisheng::MultiPolygon<tisheng::MetricPoint>& mp);

}  // namespace tisheng::view
