#include "core/label_place.hpp"

#include <algorithm>
#include <cmath>

namespace tisheng::view {

namespace {
bool overlap(const Rect& a, const Rect& b) { return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h; }
}  // namespace

std::vector<std::size_t> place_labels(const std::vector<Rect>& boxes, const std::vector<std::size_t>& priority, const Rect& view) {
    std::vector<std::size_t> placed;
    if (view.w <= 0 || view.h <= 0) return placed;
    // Cells of the view about as large as a label; each holds the labels placed over it.
    constexpr double cell = 64;
    const auto nx = static_cast<std::ptrdiff_t>(std::ceil(view.w / cell)), ny = static_cast<std::ptrdiff_t>(std::ceil(view.h / cell));
    std::vector<std::vector<std::size_t>> cells(static_cast<std::size_t>(nx * ny));
    auto range = [&](double lo, double hi, double origin, std::ptrdiff_t n) {
        const auto a = static_cast<std::ptrdiff_t>(std::floor((lo - origin) / cell));
        const auto b = static_cast<std::ptrdiff_t>(std::floor((hi - origin) / cell));
        return std::pair{std::clamp<std::ptrdiff_t>(a, 0, n - 1), std::clamp<std::ptrdiff_t>(b, 0, n - 1)};
    };
    for (const std::size_t i : priority) {
        const Rect& r = boxes.at(i);
        if (r.x < view.x || r.y < view.y || r.x + r.w > view.x + view.w || r.y + r.h > view.y + view.h) continue;  // not wholly in view
        const auto [x0, x1] = range(r.x, r.x + r.w, view.x, nx);
        const auto [y0, y1] = range(r.y, r.y + r.h, view.y, ny);
        bool free = true;
        for (auto y = y0; y <= y1 && free; ++y)
            for (auto x = x0; x <= x1 && free; ++x)
                for (const std::size_t j : cells[static_cast<std::size_t>(y * nx + x)])
                    if (overlap(r, boxes[j])) {
                        free = false;
                        break;
                    }
        if (!free) continue;
        for (auto y = y0; y <= y1; ++y)
            for (auto x = x0; x <= x1; ++x) cells[static_cast<std::size_t>(y * nx + x)].push_back(i);
        placed.push_back(i);
    }
    return placed;
}

}  // namespace tisheng::view
