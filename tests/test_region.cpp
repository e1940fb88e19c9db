// Region and the shipped data against the real county boundaries in
// ../shared/datasets/boundaries (GCJ-02 originals and WGS84 conversions).
// Skipped where ../shared is absent, as in a user's clone.
#include <gtest/gtest.h>

#include "tisheng/io/layers.hpp"
#include "tisheng/model/scenario.hpp"
#include "test_support.hpp"

using namespace tisheng;
using namespace tisheng::test;
namespace fs = std::filesystem;

namespace {

struct RealUnits {
    std::vector<std::string> ids;
    std::vector<MultiPolygon<LonLat>> polygons;
};

/// Real boundaries; `coords` says how to read the file (GCJ-02 files are
/// converted to WGS84 on the way in, like any declared input).
RealUnits read_real(const fs::path& file, CoordSys coords) {
    RealUnits r;
    Diagnostics diag;
    LayerSource src{file, file.filename().string()};
    src.coords = coords;
    read_layer(src, {"adcode"}, [&](const FeatureRow& row) {
        r.ids.push_back(*row.values[0]);
        r.polygons.push_back(row.polygons);
    }, diag);
    EXPECT_FALSE(diag.has_errors());
    return r;
}

fs::path boundaries() { return shared_dir() / "datasets/boundaries"; }

}  // namespace

TEST(Region, RealBoundaries_gcj02FilesConvertOntoTheirWgs84Twins) {
    if (!fs::exists(boundaries())) GTEST_SKIP() << "../shared/datasets/boundaries not present";
    RealUnits gcj = read_real(boundaries() / "jiangmen_districts.geojson", CoordSys::gcj02);
    RealUnits wgs = read_real(boundaries() / "jiangmen_districts_wgs84.geojson", CoordSys::wgs84);
    ASSERT_EQ(gcj.ids, wgs.ids);
    for (std::size_t i = 0; i < gcj.ids.size(); ++i) {
        const auto& a = gcj.polygons[i][0].outer;
        const auto& b = wgs.polygons[i][0].outer;
        ASSERT_EQ(a.size(), b.size());
        for (std::size_t k = 0; k < a.size(); k += 17) {
            EXPECT_NEAR(a[k].lon, b[k].lon, 2e-7);  // the twins were converted with the same published formula
            EXPECT_NEAR(a[k].lat, b[k].lat, 2e-7);
        }
    }
}

// Every shipped site falls in the right real district. Zone sites (Quanzhou's
// development zones, not in the real county file) must fall in a mainland county.
TEST(Region, ShippedSitesFallInTheRightRealUnit) {
    if (!fs::exists(boundaries())) GTEST_SKIP() << "../shared/datasets/boundaries not present";
    struct Case {
        const char* scenario;
        const char* real;
    };
    for (Case c : {Case{"jiangmen", "jiangmen_districts_wgs84.geojson"}, Case{"quanzhou", "quanzhou_counties_wgs84.geojson"}}) {
        SCOPED_TRACE(c.scenario);
        RealUnits real = read_real(boundaries() / c.real, CoordSys::wgs84);
        PolygonIndex index(real.polygons);
        Scenario s = load_scenario(source_dir() / "scenarios" / (std::string(c.scenario) + "-baseline.yaml"));
        std::size_t checked = 0, wrong = 0;
        auto check = [&](const std::string& id, LonLat pos, UnitIndex u) {
            ++checked;
            const std::string& unit = s.region.unit(u).id;
            auto r = index.locate(pos);
            bool ok = r && (unit.find('-') != std::string::npos ? real.ids[*r] != "350527" : real.ids[*r] == unit);
            if (!ok && ++wrong <= 10)
                ADD_FAILURE() << id << " in " << unit << " lies in real unit " << (r ? real.ids[*r] : "none") << " at "
                              << pos.lon << ", " << pos.lat;
        };
        for (const auto& p : s.sites.projects) check(p.id, p.pos, p.unit);
        for (const auto& p : s.sites.stations) check(p.id, p.pos, p.unit);
        for (const auto& p : s.sites.bases) check(p.id, p.pos, p.unit);
        for (const auto& p : s.sites.demand) check(p.id, p.pos, p.unit);
        EXPECT_EQ(wrong, 0u) << "of " << checked;
        EXPECT_GT(checked, 1000u);
    }
}

// The schematic units cover the real ones roughly: each real unit's label
// point lies in the schematic unit of the same id.
TEST(Region, SchematicUnitsContainTheRealUnitsLabelPoints) {
    if (!fs::exists(boundaries())) GTEST_SKIP() << "../shared/datasets/boundaries not present";
    RealUnits real = read_real(boundaries() / "jiangmen_districts_wgs84.geojson", CoordSys::wgs84);
    Scenario s = load_scenario(source_dir() / "scenarios/jiangmen-baseline.yaml");
    for (std::size_t i = 0; i < real.ids.size(); ++i) {
        auto u = s.region.locate(label_point(real.polygons[i]));
        ASSERT_TRUE(u.has_value()) << real.ids[i];
        EXPECT_EQ(s.region.unit(*u).id, real.ids[i]);
    }
}

TEST(Region, FindAndLocate) {
    Unit a{"1", "甲", "A", {{{{0, 0}, {0, 1}, {1, 1}, {1, 0}, {0, 0}}, {}}}, {0.5, 0.5}, 0};
    Unit b{"2", "乙", "B", {{{{1, 0}, {1, 1}, {2, 1}, {2, 0}, {1, 0}}, {}}}, {1.5, 0.5}, 0};
    Region r("测试", "000", {a, b});
    EXPECT_EQ(r.find("2"), 1u);
    EXPECT_FALSE(r.find("3").has_value());
    EXPECT_EQ(r.locate({1.5, 0.5}), 1u);
    EXPECT_FALSE(r.locate({5, 5}).has_value());
    EXPECT_EQ(r.crs().epsg(), 32631);
}
