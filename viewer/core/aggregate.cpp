#include "core/aggregate.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_map>

namespace tisheng::view {

namespace {
bool drawn(const Rect& w, Vec2 p, Rgba c) { return c.a > 0 && p.x >= w.x && p.x < w.x + w.w && p.y >= w.y && p.y < w.y + w.h; }
}  // namespace

std::size_t points_in_view(const Camera& camera, const std::vector<Vec2>& points, const std::vector<Rgba>& colour) {
    const Rect w = camera.visible_world();
    std::size_t n = 0;
    for (std::size_t i = 0; i < points.size() && i < colour.size(); ++i) n += drawn(w, points[i], colour[i]);
    return n;
}

Bins aggregate(const Camera& camera, const std::vector<Vec2>& points, const std::vector<Rgba>& colour, double cell_px) {
    Bins b;
    b.cell_px = cell_px;
    const Rect w = camera.visible_world();
    const double cell = cell_px * camera.metres_per_pixel;
    if (!(cell > 0)) return b;
    // Cells anchored at the world origin, so panning moves them with the map.
    struct Cell {
        double sx = 0, sy = 0;
        std::uint32_t n = 0;
        std::vector<std::pair<std::uint32_t, std::uint32_t>> colours;  // packed colour -> points
    };
    std::unordered_map<std::uint64_t, std::size_t> index;
    std::vector<Cell> cells;
    for (std::size_t i = 0; i < points.size() && i < colour.size(); ++i) {
        const Vec2 p = points[i];
        if (!drawn(w, p, colour[i])) continue;
        const auto cx = static_cast<std::int64_t>(std::floor(p.x / cell)), cy = static_cast<std::int64_t>(std::floor(p.y / cell));
        const std::uint64_t key = (static_cast<std::uint64_t>(cx) << 32) ^ static_cast<std::uint32_t>(cy);
        auto [it, added] = index.emplace(key, cells.size());
        if (added) cells.emplace_back();
        Cell& c = cells[it->second];
        c.sx += p.x;
        c.sy += p.y;
        ++c.n;
        const Rgba q = colour[i];
        const std::uint32_t packed = (std::uint32_t{q.r} << 24) | (std::uint32_t{q.g} << 16) | (std::uint32_t{q.b} << 8) | q.a;
        auto m = std::find_if(c.colours.begin(), c.colours.end(), [&](const auto& x) { return x.first == packed; });
        if (m == c.colours.end()) c.colours.emplace_back(packed, 1);
        else ++m->second;
        ++b.points;
    }
    for (const Cell& c : cells) {
        // The colour most of its points have (the first seen on ties).
        auto best = c.colours.front();
        for (const auto& x : c.colours)
            if (x.second > best.second) best = x;
        b.centre.push_back({c.sx / c.n, c.sy / c.n});
        b.colour.push_back({static_cast<std::uint8_t>(best.first >> 24), static_cast<std::uint8_t>(best.first >> 16),
                            static_cast<std::uint8_t>(best.first >> 8), 255});
        // Area grows with the count: one point 4 px, a full cell at ~100.
        b.size_px.push_back(static_cast<float>(std::min(cell_px, 4.0 + (cell_px - 4.0) * std::sqrt(std::min(1.0, c.n / 100.0)))));
        b.count.push_back(c.n);
    }
    return b;
}

}  // namespace tisheng::view
