#include <gdal_priv.h>
#include <gtest/gtest.h>
#include <ogr_spatialref.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <iomanip>
#include <map>
#include <numbers>
#include <sstream>
#include <utility>

#include <boost/geometry/algorithms/area.hpp>
#include <boost/geometry/algorithms/correct.hpp>
#include <boost/geometry/algorithms/is_valid.hpp>
#include <boost/geometry/algorithms/sym_difference.hpp>
#include <boost/geometry/algorithms/union.hpp>
#include <boost/geometry/geometries/multi_polygon.hpp>
#include <boost/geometry/geometries/point_xy.hpp>
#include <boost/geometry/geometries/polygon.hpp>

#include "tisheng/geo/geo.hpp"
#include "tisheng/io/layers.hpp"
#include "tisheng/model/scenario.hpp"
#include "tisheng/synth/synth.hpp"
#include "test_support.hpp"

using namespace tisheng;
using namespace tisheng::test;
namespace fs = std::filesystem;

namespace {

namespace bg = boost::geometry;
using BgPoint = bg::model::d2::point_xy<double>;
using BgPolygon = bg::model::polygon<BgPoint>;
using BgMulti = bg::model::multi_polygon<BgPolygon>;

struct ShippedUnits {
    std::vector<std::string> ids;
    std::vector<MultiPolygon<LonLat>> polygons;  ///< exactly as read (no snapping, no reordering)
};

/// A region's shipped units.geojson, through the engine's own reader.
ShippedUnits read_shipped_units(const std::string& region) {
    ShippedUnits u;
    fs::path file = source_dir() / "datasets" / region / "units.geojson";
    Diagnostics diag;
    read_layer({file, file.string()}, {"adcode"}, [&](const FeatureRow& row) {
        u.ids.push_back(row.values[0].value_or("?"));
        u.polygons.push_back(row.polygons);
    }, diag);
    EXPECT_FALSE(diag.has_errors()) << region;
    return u;
}

BgPolygon to_bg(const Polygon<LonLat>& p) {
    BgPolygon out;
    for (auto q : p.outer) out.outer().emplace_back(q.lon, q.lat);
    for (const auto& h : p.holes) {
        out.inners().emplace_back();
        for (auto q : h) out.inners().back().emplace_back(q.lon, q.lat);
    }
    bg::correct(out);  // orientation is the reader's convention, not topology
    return out;
}

double segment_distance(LonLat p, LonLat a, LonLat b) {
    double dx = b.lon - a.lon, dy = b.lat - a.lat, len2 = dx * dx + dy * dy;
    double t = len2 > 0 ? std::clamp(((p.lon - a.lon) * dx + (p.lat - a.lat) * dy) / len2, 0.0, 1.0) : 0.0;
    return std::hypot(p.lon - a.lon - t * dx, p.lat - a.lat - t * dy);
}

/// Both ends of a-b on one side of the outline (to 1e-8 degrees, ~1 mm:
/// the written precision is 1e-9).
bool on_outline(LonLat a, LonLat b, const Ring<LonLat>& outline) {
    for (std::size_t k = 0; k + 1 < outline.size(); ++k)
        if (segment_distance(a, outline[k], outline[k + 1]) < 1e-8 && segment_distance(b, outline[k], outline[k + 1]) < 1e-8)
            return true;
    return false;
}

std::string str(LonLat p) {
    std::ostringstream s;
    s << std::setprecision(12) << p.lon << " " << p.lat;
    return s.str();
}

/// A raster's size, georeferencing, CRS and pixels, as GDAL reads them:
/// what must match, whatever bytes another zlib would compress them to.
struct Raster {
    int width = 0, height = 0, bands = 0;
    std::array<double, 6> transform{};
    std::string crs;
    std::vector<std::uint8_t> pixels;  ///< band-interleaved by pixel
};

Raster read_raster(const fs::path& file) {
    GDALAllRegister();
    Raster r;
    GDALDataset* ds = GDALDataset::Open(file.string().c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY);
    if (!ds) return r;
    r.width = ds->GetRasterXSize();
    r.height = ds->GetRasterYSize();
    r.bands = ds->GetRasterCount();
    ds->GetGeoTransform(r.transform.data());
    if (const OGRSpatialReference* s = ds->GetSpatialRef()) r.crs = s->GetAuthorityCode(nullptr) ? s->GetAuthorityCode(nullptr) : "";
    r.pixels.resize(static_cast<std::size_t>(r.width) * static_cast<std::size_t>(r.height) * static_cast<std::size_t>(r.bands));
    if (ds->RasterIO(GF_Read, 0, 0, r.width, r.height, r.pixels.data(), r.width, r.height, GDT_Byte, r.bands, nullptr, r.bands,
                     static_cast<GSpacing>(r.width) * r.bands, 1, nullptr) != CE_None)
        r.pixels.clear();
    GDALClose(ds);
    return r;
}

}  // namespace

// The shipped data is synth's output at scale 1 with the default seed; the
// basemap's pixels and georeferencing (its bytes depend on the zlib build).
TEST(Synth, ShippedDatasetsAreItsOutputAtScaleOne) {
    for (const char* region : {"jiangmen", "quanzhou"}) {
        SCOPED_TRACE(region);
        TempDir d;
        auto files = synthesize({region, 1, SynthOptions{}.seed}, d.path);
        ASSERT_EQ(files.size(), 4u);
        EXPECT_EQ(files.back().filename(), "basemap.tif");
        for (const auto& f : files) {
            fs::path shipped = source_dir() / "datasets" / region / f.filename();
            ASSERT_TRUE(fs::exists(shipped)) << shipped;
            const std::string regenerate = std::string("regenerate with: tisheng synth ") + region + " --out datasets/" + region;
            if (f.extension() == ".tif") {
                const Raster a = read_raster(f), b = read_raster(shipped);
                ASSERT_FALSE(a.pixels.empty()) << f;
                EXPECT_EQ(a.width, b.width);
                EXPECT_EQ(a.height, b.height);
                EXPECT_EQ(a.bands, b.bands);
                EXPECT_EQ(a.transform, b.transform);
                EXPECT_EQ(a.crs, b.crs);
                EXPECT_TRUE(a.pixels == b.pixels) << f.filename() << "'s pixels differ from the shipped file's; " << regenerate;
                continue;
            }
            EXPECT_TRUE(slurp(f) == slurp(shipped)) << f.filename() << " differs from the shipped file; " << regenerate;
        }
    }
}

// The synthetic basemap: WGS84 RGB over the region and a margin, the same
// bytes for the same seed, relief that the seed changes, sea and land.
TEST(Synth, BasemapIsDeterministicCoversTheRegionAndHasSeaAndLand) {
    TempDir a, b, c;
    synthesize({"quanzhou", 0.05, 7}, a.path);
    synthesize({"quanzhou", 0.05, 7}, b.path);
    synthesize({"quanzhou", 0.05, 8}, c.path);
    EXPECT_TRUE(slurp(a / "basemap.tif") == slurp(b / "basemap.tif")) << "the same seed wrote different bytes";
    const Raster ra = read_raster(a / "basemap.tif"), rc = read_raster(c / "basemap.tif");
    ASSERT_FALSE(ra.pixels.empty());
    EXPECT_EQ(ra.crs, "4326");
    EXPECT_EQ(ra.bands, 3);
    EXPECT_EQ(std::max(ra.width, ra.height), 1024);
    EXPECT_FALSE(ra.pixels == rc.pixels) << "another seed, the same relief";
    EXPECT_LT(fs::file_size(a / "basemap.tif"), 600u * 1024u) << "a demo basemap should stay small";

    // Every unit (the shipped ones: the basemap does not depend on the scale) lies inside the raster.
    const Scenario s = load_scenario(source_dir() / "scenarios/quanzhou-baseline.yaml");
    const auto& t = ra.transform;
    for (const Unit& u : s.region.units()) {
        const Box bx = bounds(u.geometry);
        EXPECT_GE(bx.min_x, t[0]);
        EXPECT_LE(bx.max_x, t[0] + t[1] * ra.width);
        EXPECT_LE(bx.max_y, t[3]);
        EXPECT_GE(bx.min_y, t[3] + t[5] * ra.height);
    }
    // Sea (blue above red) off the south-east coast, land at the centre of a county.
    auto pixel = [&](LonLat p) {
        const auto col = static_cast<std::size_t>((p.lon - t[0]) / t[1]), row = static_cast<std::size_t>((p.lat - t[3]) / t[5]);
        const std::size_t i = (row * static_cast<std::size_t>(ra.width) + col) * 3;
        return std::array<int, 3>{ra.pixels[i], ra.pixels[i + 1], ra.pixels[i + 2]};
    };
    const auto sea = pixel({118.95, 24.55}), land = pixel({118.25, 25.35});
    EXPECT_GT(sea[2], sea[0] + 15) << "sea " << sea[0] << "," << sea[1] << "," << sea[2];
    EXPECT_GE(land[1], land[2]) << "land " << land[0] << "," << land[1] << "," << land[2];
    // Muted: light everywhere, so the data stays legible over it.
    std::size_t dark = 0;
    for (std::size_t i = 0; i + 2 < ra.pixels.size(); i += 3) dark += ra.pixels[i] + ra.pixels[i + 1] + ra.pixels[i + 2] < 3 * 150;
    EXPECT_EQ(dark, 0u);
}

TEST(Synth, SeedChangesTheDataAndScaleMultipliesIt) {
    TempDir a, b;
    synthesize({"jiangmen", 1, 1}, a.path);
    synthesize({"jiangmen", 3, 2}, b.path);
    std::string pa = slurp(a / "projects.csv"), pb = slurp(b / "projects.csv");
    EXPECT_NE(pa.substr(0, 2000), pb.substr(0, 2000));
    auto lines = [](const std::string& s) { return std::count(s.begin(), s.end(), '\n') - 1; };
    EXPECT_EQ(lines(pa), 1200);
    EXPECT_EQ(lines(pb), 3600);
}

TEST(Synth, RejectsUnknownRegionAndBadScale) {
    TempDir d;
    EXPECT_THROW(synthesize({"atlantis", 1, 1}, d.path), UsageError);
    EXPECT_THROW(synthesize({"jiangmen", 0, 1}, d.path), UsageError);
    EXPECT_THROW(synthesize({"jiangmen", -2, 1}, d.path), UsageError);
}

// Synthetic data at another scale and seed validates against the baseline
// rules: every site inside its unit, no duplicate ids.
TEST(Synth, ScaledDataValidatesWithTheBaselineScenario) {
    TempDir d;
    synthesize({"quanzhou", 2.5, 99}, d.path);
    LoadOptions o;
    o.overrides = {"data_dir=" + d.path.string()};
    Scenario s = load_scenario(source_dir() / "scenarios/quanzhou-baseline.yaml", o);
    EXPECT_EQ(s.sites.bases.size(), 275u);
    EXPECT_EQ(s.sites.demand.size(), 12500u);
}

TEST(Synth, NationalWritesARunnableScenario) {
    TempDir d;
    auto files = synthesize({"national", 0.01, 5}, d.path);
    Scenario s = load_scenario(d / "scenario.yaml");
    EXPECT_EQ(s.region.units().size(), 2800u);
    EXPECT_EQ(s.sites.projects.size(), 5000u);
}

// The shipped boundaries are a clean partition: every polygon valid, no
// sliver holes, no spikes (a ring running out and back: a dead-end line).
TEST(Synth, ShippedBoundaries_polygonsAreValidWithoutSpikesOrSliverHoles) {
    for (const char* region : {"jiangmen", "quanzhou"}) {
        SCOPED_TRACE(region);
        ShippedUnits u = read_shipped_units(region);
        ASSERT_FALSE(u.ids.empty());
        double city_area = bg::area(to_bg(Polygon<LonLat>{synth_outline(region), {}}));
        int invalid = 0, slivers = 0, spikes = 0;
        for (std::size_t i = 0; i < u.ids.size(); ++i)
            for (const auto& poly : u.polygons[i]) {
                BgPolygon p = to_bg(poly);
                std::string why;
                if (!bg::is_valid(p, why)) {
                    ++invalid;
                    ADD_FAILURE() << u.ids[i] << ": invalid polygon: " << why;
                }
                std::vector<const Ring<LonLat>*> rings{&poly.outer};
                for (const auto& h : poly.holes) rings.push_back(&h);
                for (const auto* r : rings)
                    for (std::size_t k = 1; k < r->size(); ++k) {
                        // The angle at r[k] between its two edges, below 1°: the ring turns back.
                        LonLat a = (*r)[k - 1], b = (*r)[k], c = (*r)[k + 1 < r->size() ? k + 1 : 1];
                        double ux = a.lon - b.lon, uy = a.lat - b.lat, vx = c.lon - b.lon, vy = c.lat - b.lat;
                        double angle = std::abs(std::atan2(ux * vy - uy * vx, ux * vx + uy * vy));
                        if (angle < std::numbers::pi / 180 && ++spikes <= 10)
                            ADD_FAILURE() << u.ids[i] << ": spike at " << str(b) << " (" << angle * 180 / std::numbers::pi << "°)";
                    }
                for (const auto& h : p.inners())
                    if (std::abs(bg::area(h)) < 1e-6 * city_area) {
                        ++slivers;
                        ADD_FAILURE() << u.ids[i] << ": hole of near-zero area (" << std::abs(bg::area(h)) << " deg²) at " << h.front().x()
                                      << " " << h.front().y();
                    }
            }
        EXPECT_EQ(invalid, 0);
        EXPECT_EQ(slivers, 0);
        EXPECT_EQ(spikes, 0);
    }
}

// Together the units cover the hand-drawn outline exactly once: no gap, no
// overlap, no hole (area of the symmetric difference, and the union's shape).
TEST(Synth, ShippedBoundaries_unionIsTheCityOutline) {
    for (const char* region : {"jiangmen", "quanzhou"}) {
        SCOPED_TRACE(region);
        ShippedUnits u = read_shipped_units(region);
        BgPolygon city = to_bg(Polygon<LonLat>{synth_outline(region), {}});
        BgMulti all;
        double sum = 0;
        for (const auto& mp : u.polygons)
            for (const auto& poly : mp) {
                BgPolygon p = to_bg(poly);
                sum += bg::area(p);
                BgMulti next;
                bg::union_(all, p, next);
                all = std::move(next);
            }
        BgMulti diff;
        bg::sym_difference(all, city, diff);
        // 1e-9 of the city: ~1,000 m² in Jiangmen, a fraction of the 1e-9° rounding's reach.
        EXPECT_LT(bg::area(diff), 1e-9 * bg::area(city)) << "the union differs from the outline";
        EXPECT_NEAR(sum, bg::area(city), 1e-9 * bg::area(city)) << "units overlap or leave gaps";
        ASSERT_EQ(all.size(), 1u) << "the union falls apart";
        EXPECT_TRUE(all[0].inners().empty()) << "the union has " << all[0].inners().size() << " holes";
    }
}

// Neighbours share identical edges: every edge (exact coordinates, either
// direction) belongs to two different units, or to one when it lies on the
// city outline. An edge used once inside the city is a gap, a slit or a
// dead-end line; one used twice by a unit is a line drawn inside it.
TEST(Synth, ShippedBoundaries_innerEdgesAreSharedByExactlyTwoUnits) {
    auto key = [](LonLat p) { return std::pair(p.lon, p.lat); };
    for (const char* region : {"jiangmen", "quanzhou"}) {
        SCOPED_TRACE(region);
        ShippedUnits u = read_shipped_units(region);
        Ring<LonLat> outline = synth_outline(region);
        std::map<std::pair<std::pair<double, double>, std::pair<double, double>>, std::vector<std::size_t>> users;
        for (std::size_t i = 0; i < u.ids.size(); ++i)
            for (const auto& poly : u.polygons[i]) {
                std::vector<const Ring<LonLat>*> rings{&poly.outer};
                for (const auto& h : poly.holes) rings.push_back(&h);
                for (const auto* r : rings)
                    for (std::size_t k = 0; k + 1 < r->size(); ++k) {
                        auto a = key((*r)[k]), b = key((*r)[k + 1]);
                        if (a != b) users[std::minmax(a, b)].push_back(i);
                    }
            }
        int dangling = 0, overused = 0, inside = 0, reported = 0;
        for (const auto& [edge, by] : users) {
            LonLat a{edge.first.first, edge.first.second}, b{edge.second.first, edge.second.second};
            std::string problem;
            if (by.size() == 1 && !on_outline(a, b, outline)) {
                ++dangling;
                problem = "used only by " + u.ids[by[0]] + " and not on the outline";
            } else if (by.size() > 2) {
                ++overused;
                problem = "used " + std::to_string(by.size()) + " times";
            } else if (by.size() == 2 && by[0] == by[1]) {
                ++inside;
                problem = "drawn twice inside " + u.ids[by[0]];
            }
            if (!problem.empty() && ++reported <= 10) ADD_FAILURE() << "edge " << str(a) << " - " << str(b) << ": " << problem;
        }
        EXPECT_EQ(dangling, 0) << "edges used once away from the outline, of " << users.size();
        EXPECT_EQ(overused, 0) << "edges used by more than two polygons";
        EXPECT_EQ(inside, 0) << "edges shared by two polygons of one unit";
    }
}
