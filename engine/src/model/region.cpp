#include "tisheng/model/region.hpp"

#include <algorithm>
#include <cmath>

namespace tisheng {

Region::Region(std::string name, std::string code, std::vector<Unit> units, std::optional<int> epsg)
    : m_name(std::move(name)), m_code(std::move(code)), m_units(std::move(units)) {
    std::vector<MultiPolygon<LonLat>> geoms;
    m_bounds = {INFINITY, INFINITY, -INFINITY, -INFINITY};
    for (const auto& u : m_units) {
        geoms.push_back(u.geometry);
        Box b = tisheng::bounds(u.geometry);
        m_bounds.min_x = std::min(m_bounds.min_x, b.min_x);
        m_bounds.min_y = std::min(m_bounds.min_y, b.min_y);
        m_bounds.max_x = std::max(m_bounds.max_x, b.max_x);
        m_bounds.max_y = std::max(m_bounds.max_y, b.max_y);
    }
    m_index = std::make_shared<PolygonIndex>(geoms);
    LonLat centre{(m_bounds.min_x + m_bounds.max_x) / 2, (m_bounds.min_y + m_bounds.max_y) / 2};
    if (m_units.empty()) centre = {0, 0};
    m_crs = std::make_shared<MetricCrs>(epsg ? MetricCrs::from_epsg(*epsg) : MetricCrs::utm_for(centre));
}

std::optional<UnitIndex> Region::find(const std::string& id) const {
    for (std::size_t i = 0; i < m_units.size(); ++i)
        if (m_units[i].id == id) return static_cast<UnitIndex>(i);
    return std::nullopt;
}

std::optional<UnitIndex> Region::locate(LonLat p) const {
    if (!m_index) return std::nullopt;
    if (auto i = m_index->locate(p)) return static_cast<UnitIndex>(*i);
    return std::nullopt;
}

}  // namespace tisheng
