// Planar partitions from pieces that tile an area up to floating-point noise
// (Voronoi cells clipped to an outline by half-planes, zones cut out of them): one shared
// vertex set, so neighbours have identical edges, and the pieces of one
// label merged by cancelling the edges they share, not by a floating union.
#pragma once

#include <cstddef>
#include <vector>

#include "geo/detail/bg.hpp"

namespace tisheng::detail {

/// The points p with nx·x + ny·y <= c. Two neighbours built from (n, c)
/// and (-n, -c) share their line exactly.
struct HalfPlane {
    double nx = 0, ny = 0, c = 0;
    [[nodiscard]] double side(const BgPoint& p) const { return nx * p.x() + ny * p.y() - c; }
    [[nodiscard]] HalfPlane complement() const { return {-nx, -ny, -c}; }
};

/// The part of a closed ring inside `h` (Sutherland–Hodgman), closed; empty
/// if less than a triangle is left. Where the inside falls apart the parts
/// are joined by zero-width bridges along the line, which merge_partition
/// cancels. O(n).
std::vector<BgPoint> clip(const std::vector<BgPoint>& ring, const HalfPlane& h);

struct PartitionPiece {
    std::size_t label = 0;  ///< which output multipolygon it belongs to
    BgPolygon polygon;      ///< any orientation
};

/// One multipolygon per label in [0, labels), the union of that label's
/// pieces. Vertices within `snap` of each other become one vertex, and a
/// vertex within `snap` of another piece's edge is inserted into that edge,
/// so that two labels share exactly the same vertex sequence along their
/// common border; edges two pieces of a label share in opposite directions
/// cancel. Rings of near-zero area (slits left by the noise) are dropped,
/// and so are vertices that merely continue a straight border.
/// Output rings are closed, outer clockwise, holes counter-clockwise.
/// Throws Error if pieces overlap or a result is invalid.
/// O(V · E) in the pieces' vertices and edges.
std::vector<BgMulti> merge_partition(const std::vector<PartitionPiece>& pieces, std::size_t labels, double snap);

}  // namespace tisheng::detail
