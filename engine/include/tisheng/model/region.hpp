// A city and its county-level units (districts, counties, county-level
// cities, and zones that fund like counties).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tisheng/geo/geo.hpp"

namespace tisheng {

using UnitIndex = std::uint32_t;  ///< dense index into Region::units

struct Unit {
    std::string id;       ///< adcode, e.g. "440703"; zones may use their own codes
    std::string name;     ///< Chinese name, e.g. 蓬江区
    std::string name_en;  ///< pinyin, e.g. Pengjiang
    MultiPolygon<LonLat> geometry;  ///< WGS84
    LonLat label;         ///< a point inside, for labels
    double area_km2 = 0;
    friend bool operator==(const Unit&, const Unit&) = default;
};

class Region {
public:
    Region() = default;
    /// Builds the spatial index and the metric CRS (UTM of the centre unless
    /// `epsg` is given).
    Region(std::string name, std::string code, std::vector<Unit> units, std::optional<int> epsg = std::nullopt);

    [[nodiscard]] const std::string& name() const { return m_name; }
    [[nodiscard]] const std::string& code() const { return m_code; }
    [[nodiscard]] const std::vector<Unit>& units() const { return m_units; }
    [[nodiscard]] const Unit& unit(UnitIndex i) const { return m_units.at(i); }
    /// Unit index by id, or nullopt.
    [[nodiscard]] std::optional<UnitIndex> find(const std::string& id) const;
    /// Unit covering a WGS84 point, or nullopt (R-tree, then exact test).
    [[nodiscard]] std::optional<UnitIndex> locate(LonLat p) const;
    [[nodiscard]] Box bounds() const { return m_bounds; }
    [[nodiscard]] const MetricCrs& crs() const { return *m_crs; }

private:
    std::string m_name;
    std::string m_code;
    std::vector<Unit> m_units;
    Box m_bounds{};
    std::shared_ptr<PolygonIndex> m_index;
    std::shared_ptr<MetricCrs> m_crs;
};

}  // namespace tisheng
