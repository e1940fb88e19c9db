// What is under the cursor: the nearest point, the unit whose polygon holds
// it. R-trees are built once per data change; queries are O(log n).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "core/camera.hpp"
#include "tisheng/geo/geo.hpp"

namespace tisheng::view {

class Picker {
public:
    Picker();
    ~Picker();
    Picker(Picker&&) noexcept;
    Picker& operator=(Picker&&) noexcept;

    /// Replaces the points (world metres; index = position). O(n log n).
    void set_points(const std::vector<Vec2>& world);
    /// Replaces the units. Rings are closed and re-oriented as needed; empty
    /// units are never picked. O(total vertices + n log n).
    void set_units(const std::vector<tisheng::MultiPolygon<tisheng::MetricPoint>>& units);

    /// Nearest point to `world` within `max_dist` metres (inclusive) among
    /// those for which `visible(i)` holds (an empty function: all). Ties go
    /// to the lowest index.
    [[nodiscard]] std::optional<std::size_t> point_at(Vec2 world, double max_dist,
                                                      const std::function<bool(std::size_t)>& visible = {}) const;
    /// Lowest-index unit whose polygon covers `world` (boundary included,
    /// holes excluded).
    [[nodiscard]] std::optional<std::size_t> unit_at(Vec2 world) const;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

}  // namespace tisheng::view
