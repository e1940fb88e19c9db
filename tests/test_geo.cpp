#include <gtest/gtest.h>

#include <cmath>
#include <thread>
#include <vector>

#include "tisheng/geo/geo.hpp"

using namespace tisheng;

namespace {
MultiPolygon<LonLat> square(double x0, double y0, double size) {
    return {{{{x0, y0}, {x0, y0 + size}, {x0 + size, y0 + size}, {x0 + size, y0}, {x0, y0}}, {}}};
}
}  // namespace

// Published test vector of the GCJ-02 forward formula (SOURCES.md of the
// shared boundaries): tolerance 1e-7 degrees (~1 cm).
TEST(Geo, Gcj02Forward_matchesPublishedVector) {
    LonLat g = wgs84_to_gcj02({128.543, 37.065});
    EXPECT_NEAR(g.lon, 128.5482055, 1e-7);
    EXPECT_NEAR(g.lat, 37.0656510, 1e-7);
}

TEST(Geo, Gcj02Inverse_roundTripsBelowOneMillimetre) {
    for (LonLat w : {LonLat{113.0783, 22.5931}, LonLat{118.5871, 24.9082}, LonLat{87.6, 43.8}}) {
        LonLat back = gcj02_to_wgs84(wgs84_to_gcj02(w));
        EXPECT_NEAR(back.lon, w.lon, 1e-8);
        EXPECT_NEAR(back.lat, w.lat, 1e-8);
    }
}

TEST(Geo, Gcj02Offset_isAboutHalfAKilometreInJiangmen) {
    LonLat w{113.08, 22.59};
    double d = haversine_m(w, wgs84_to_gcj02(w));
    EXPECT_GT(d, 300);
    EXPECT_LT(d, 800);
}

TEST(Geo, Bd09_roundTripsThroughGcj02) {
    LonLat w{118.6, 24.9};
    LonLat bd = from_wgs84(w, CoordSys::bd09);
    EXPECT_GT(std::abs(bd.lon - w.lon), 0.005);  // Baidu adds its own offset
    LonLat back = to_wgs84(bd, CoordSys::bd09);
    EXPECT_NEAR(back.lon, w.lon, 2e-6);  // BD-09's inverse is approximate (~0.2 m)
    EXPECT_NEAR(back.lat, w.lat, 2e-6);
}

TEST(Geo, Gcj02_isIdentityOutsideChina) {
    LonLat p{2.35, 48.85};
    EXPECT_EQ(wgs84_to_gcj02(p), p);
    EXPECT_EQ(gcj02_to_wgs84(p), p);
}

TEST(Geo, ParseCoordSys_acceptsTheThreeNames) {
    EXPECT_EQ(parse_coord_sys("gcj02"), CoordSys::gcj02);
    EXPECT_EQ(parse_coord_sys("bd09"), CoordSys::bd09);
    EXPECT_FALSE(parse_coord_sys("WGS84").has_value());
}

TEST(Geo, MetricCrs_utmZoneOfJiangmenAndQuanzhou) {
    EXPECT_EQ(MetricCrs::utm_for({112.7, 22.3}).epsg(), 32649);
    EXPECT_EQ(MetricCrs::utm_for({118.4, 25.0}).epsg(), 32650);
}

TEST(Geo, MetricCrs_distancesAgreeWithGreatCircleWithinHalfPercent) {
    MetricCrs crs = MetricCrs::utm_for({113.0, 22.5});
    LonLat a{113.0, 22.5}, b{113.2, 22.7};
    MetricPoint pa = crs.forward(a), pb = crs.forward(b);
    double planar = std::hypot(pa.x - pb.x, pa.y - pb.y);
    EXPECT_NEAR(planar / haversine_m(a, b), 1.0, 0.005);
    LonLat back = crs.inverse(pa);
    EXPECT_NEAR(back.lon, a.lon, 1e-9);
    EXPECT_NEAR(back.lat, a.lat, 1e-9);
}

// Sweep workers project with copies of the base region's CRS at the same
// time: each thread must get the single-threaded answer, bit for bit.
TEST(Geo, MetricCrs_copiesOnFourThreadsAgreeWithOneThread) {
    const MetricCrs crs = MetricCrs::utm_for({113.0, 22.5});
    std::vector<LonLat> points;
    for (int i = 0; i < 4000; ++i) points.push_back({112.3 + (i % 100) * 0.01, 21.5 + (i / 100) * 0.03});
    std::vector<MetricPoint> expected;
    for (const auto& p : points) expected.push_back(crs.forward(p));
    std::vector<std::vector<MetricPoint>> got(4);
    std::vector<std::vector<LonLat>> back(4);
    {
        std::vector<std::jthread> threads;
        for (std::size_t t = 0; t < got.size(); ++t)
            threads.emplace_back([&, t, copy = crs] {
                for (const auto& p : points) got[t].push_back(copy.forward(p));
                for (const auto& m : got[t]) back[t].push_back(copy.inverse(m));
                EXPECT_EQ(copy.epsg(), 32649);
                EXPECT_FALSE(copy.wkt().empty());
            });
    }
    for (std::size_t t = 0; t < got.size(); ++t) {
        EXPECT_EQ(got[t], expected) << "thread " << t;
        for (std::size_t i = 0; i < points.size(); ++i) {
            EXPECT_NEAR(back[t][i].lon, points[i].lon, 1e-9);
            EXPECT_NEAR(back[t][i].lat, points[i].lat, 1e-9);
        }
    }
}

TEST(Geo, MetricCrs_rejectsGeographicEpsg) { EXPECT_THROW(MetricCrs::from_epsg(4326), std::exception); }

TEST(Geo, PolygonIndex_locatesInsideOutsideAndOnSharedBorder) {
    PolygonIndex idx({square(0, 0, 1), square(1, 0, 1)});
    EXPECT_EQ(idx.locate({0.5, 0.5}), 0u);
    EXPECT_EQ(idx.locate({1.5, 0.5}), 1u);
    EXPECT_EQ(idx.locate({1.0, 0.5}), 0u);  // shared border: lowest index
    EXPECT_FALSE(idx.locate({2.5, 0.5}).has_value());
    EXPECT_NEAR(idx.depth(0, {0.5, 0.2}), 0.2, 1e-12);
    EXPECT_EQ(idx.depth(0, {1.5, 0.5}), 0.0);
}

TEST(Geo, PolygonIndex_holeIsOutside) {
    MultiPolygon<LonLat> ring = square(0, 0, 3);
    ring[0].holes.push_back({{1, 1}, {2, 1}, {2, 2}, {1, 2}, {1, 1}});
    PolygonIndex idx({ring});
    EXPECT_FALSE(idx.locate({1.5, 1.5}).has_value());
    EXPECT_EQ(idx.locate({0.5, 1.5}), 0u);
}

TEST(Geo, ValidityProblem_reportsBowtie) {
    MultiPolygon<LonLat> bowtie{{{{0, 0}, {1, 1}, {1, 0}, {0, 1}, {0, 0}}, {}}};
    EXPECT_FALSE(validity_problem(bowtie).empty());  // the corpus checks the message on real data
    EXPECT_TRUE(validity_problem(square(0, 0, 1)).empty());
    EXPECT_FALSE(validity_problem({}).empty());
}

TEST(Geo, AreaKm2_ofATenthDegreeSquareAtTheEquator) {
    // 0.1° x 0.1° near the equator: 11.132 km x 11.057 km.
    EXPECT_NEAR(area_km2(square(0, -0.05, 0.1)), 123.1, 1.0);
}

TEST(Geo, LabelPoint_liesInsideAConcavePolygon) {
    // A U shape whose centroid falls in the notch.
    MultiPolygon<LonLat> u{{{{0, 0}, {0, 3}, {1, 3}, {1, 1}, {2, 1}, {2, 3}, {3, 3}, {3, 0}, {0, 0}}, {}}};
    LonLat p = label_point(u);
    PolygonIndex idx({u});
    EXPECT_TRUE(idx.locate(p).has_value());
}
