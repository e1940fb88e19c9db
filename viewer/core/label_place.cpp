#include "core/label_place.hpp"

#include <algorithm>
#include <cmath>

namespace tisheng::view {

namespace {
bool overlap(const Rect& a, const Rect& b) { return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h; }
}  // namespace

std::vector<PlacedLabel> place_labels(const std::vector<Rect>& boxes, const std::vector<std::size_t>& priority, const Rect& view,
                                      double max_shift) {
    std::vector<PlacedLabel> placed;
    if (view.w <= 0 || view.h <= 0) return placed;
    // Cells of the view about as large as a label; each holds the labels placed over it.
    constexpr double cell = 64;
    const auto nx = static_cast<std::ptrdiff_t>(std::ceil(view.w / cell)), ny = static_cast<std::ptrdiff_t>(std::ceil(view.h / cell));
    std::vector<std::vector<std::size_t>> cells(static_cast<std::size_t>(nx * ny));  // indices into `placed`
    auto range = [&](double lo, double hi, double origin, std::ptrdiff_t n) {
        const auto a = static_cast<std::ptrdiff_t>(std::floor((lo - origin) / cell));
        const auto b = static_cast<std::ptrdiff_t>(std::floor((hi - origin) / cell));
        return std::pair{std::clamp<std::ptrdiff_t>(a, 0, n - 1), std::clamp<std::ptrdiff_t>(b, 0, n - 1)};
    };
    auto fits = [&](const Rect& r) {
        if (r.x < view.x || r.y < view.y || r.x + r.w > view.x + view.w || r.y + r.h > view.y + view.h) return false;  // not wholly in view
        const auto [x0, x1] = range(r.x, r.x + r.w, view.x, nx);
        const auto [y0, y1] = range(r.y, r.y + r.h, view.y, ny);
        for (auto y = y0; y <= y1; ++y)
            for (auto x = x0; x <= x1; ++x)
                for (const std::size_t j : cells[static_cast<std::size_t>(y * nx + x)])
                    if (overlap(r, placed[j].box)) return false;
        return true;
    };
    // Around the anchor: below, above, right, left, then the corners; nearer first.
    constexpr double dirs[8][2] = {{0, 1}, {0, -1}, {1, 0}, {-1, 0}, {1, 1}, {-1, 1}, {1, -1}, {-1, -1}};
    for (const std::size_t i : priority) {
        const Rect& at = boxes.at(i);
        Rect r = at;
        bool ok = fits(r), leader = false;
        for (int ring = 1; !ok && max_shift > 0 && ring <= 2; ++ring)
            for (const auto& d : dirs) {
                // Clear of the anchor's own box, then further out.
                const double sx = d[0] * (at.w / 2 + 6) * ring, sy = d[1] * (at.h + 4) * ring;
                if (std::hypot(sx, sy) > max_shift) continue;
                r = {at.x + sx, at.y + sy, at.w, at.h};
                if ((ok = leader = fits(r))) break;
            }
        if (!ok) continue;
        placed.push_back({i, r, leader});
        const auto [x0, x1] = range(r.x, r.x + r.w, view.x, nx);
        const auto [y0, y1] = range(r.y, r.y + r.h, view.y, ny);
        for (auto y = y0; y <= y1; ++y)
            for (auto x = x0; x <= x1; ++x) cells[static_cast<std::size_t>(y * nx + x)].push_back(placed.size() - 1);
    }
    return placed;
}

}  // namespace tisheng::view
