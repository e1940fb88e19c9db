// Coverage: 2SFCA, the distance and accessibility surfaces, the region
// grid and mask, and GeoTIFF output (the nearest-site index, reach pairs,
// the cost matrix and the reach tracker: test_coverage.cpp). Each is checked
// against an independent brute-force computation or hand-computed numbers on
// small seeded data.
#include <gtest/gtest.h>

#include <gdal_priv.h>
#include <ogr_spatialref.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "tisheng/coverage/coverage.hpp"
#include "tisheng/core/error.hpp"
#include "tisheng/model/region.hpp"
#include "support/coverage_points.hpp"
#include "test_support.hpp"

using namespace tisheng;
using namespace tisheng::coverage;
using namespace tisheng::test;
namespace fs = std::filesystem;

// ===========================================================================
// 2SFCA

namespace {

// Independent decay weights (x = d / catchment).
double ref_weight(Decay d, double cost, double catchment) {
    if (cost > catchment) return 0;
    const double x = cost / catchment;
    switch (d) {
        case Decay::none: return 1;
        case Decay::step: return x <= 1.0 / 3 ? 1.0 : x <= 2.0 / 3 ? 0.68 : 0.22;
        case Decay::linear: return 1 - x;
        case Decay::gaussian: return (std::exp(-x * x / 2) - std::exp(-0.5)) / (1 - std::exp(-0.5));
    }
    return NAN;
}

constexpr Decay all_decays[] = {Decay::none, Decay::step, Decay::linear, Decay::gaussian};

}  // namespace

TEST(Coverage2sfca, DecayWeights) {
    const double c = 3000;
    EXPECT_EQ(to_string(Decay::none), "none");
    EXPECT_EQ(to_string(Decay::step), "step");
    EXPECT_EQ(to_string(Decay::linear), "linear");
    EXPECT_EQ(to_string(Decay::gaussian), "gaussian");
    for (Decay d : all_decays) {
        SCOPED_TRACE(to_string(d));
        EXPECT_DOUBLE_EQ(decay_weight(d, 0, c), 1.0);
        EXPECT_EQ(decay_weight(d, 1.5 * c, c), 0.0);
        EXPECT_EQ(decay_weight(d, std::nextafter(c, inf), c), 0.0);
        EXPECT_EQ(decay_weight(d, 1e9, c), 0.0);
        EXPECT_EQ(decay_weight(d, unreachable, c), 0.0);
        // Monotone, non-increasing and within [0, 1] across the catchment.
        double last = 1;
        for (int k = 0; k <= 300; ++k) {
            const double w = decay_weight(d, c * k / 300, c);
            EXPECT_LE(w, last + 1e-15);
            EXPECT_GE(w, 0.0);
            EXPECT_NEAR(w, ref_weight(d, c * k / 300, c), 1e-12);
            last = w;
        }
    }
    EXPECT_EQ(decay_weight(Decay::none, c / 2, c), 1.0);
    EXPECT_EQ(decay_weight(Decay::none, c, c), 1.0);
    // Step: the thirds of the catchment (Luo & Qi 2009), the boundaries in the nearer third.
    EXPECT_EQ(decay_weight(Decay::step, c / 6, c), 1.0);
    EXPECT_EQ(decay_weight(Decay::step, c / 3, c), 1.0);
    EXPECT_EQ(decay_weight(Decay::step, c / 2, c), 0.68);
    EXPECT_EQ(decay_weight(Decay::step, 2 * c / 3, c), 0.68);
    EXPECT_EQ(decay_weight(Decay::step, 5 * c / 6, c), 0.22);
    EXPECT_EQ(decay_weight(Decay::step, c, c), 0.22);
    EXPECT_DOUBLE_EQ(decay_weight(Decay::linear, c / 2, c), 0.5);
    EXPECT_DOUBLE_EQ(decay_weight(Decay::linear, c, c), 0.0);
    // Gaussian: 1 at 0, 0 at the catchment; (e^-1/8 - e^-1/2) / (1 - e^-1/2) = 0.70137 at half.
    EXPECT_NEAR(decay_weight(Decay::gaussian, c / 2, c), 0.7013665732, 1e-9);
    EXPECT_NEAR(decay_weight(Decay::gaussian, c, c), 0.0, 1e-15);
}

// Two sites and three demand points on a line (metres), catchment 3000 m:
//
//   S0 (x=0, supply 10)      S1 (x=3000, supply 20)
//   D0 x=500  weight 100:  d(S0) = 500,  d(S1) = 2500
//   D1 x=1500 weight 200:  d(S0) = 1500, d(S1) = 1500
//   D2 x=4000 weight 50:   d(S0) = 4000 (outside), d(S1) = 1000 (= c/3)
//
// none:   R0 = 10/(100+200) = 1/30;  R1 = 20/(100+200+50) = 2/35
//         A0 = A1 = 1/30 + 2/35 = 0.0904762;  A2 = 2/35 = 0.0571429
// step:   W(500) = 1, W(1500) = 0.68, W(2500) = 0.22, W(1000) = 1 (c/3 is in the first third)
//         R0 = 10/(100 + 0.68*200) = 10/236;  R1 = 20/(0.22*100 + 0.68*200 + 50) = 20/208
//         A0 = R0 + 0.22 R1 = 0.0635267;  A1 = 0.68 (R0 + R1) = 0.0941982;  A2 = R1 = 0.0961538
// linear: W = 1 - d/3000: 5/6, 1/2, 1/6, 2/3
//         R0 = 10/(500/6 + 100) = 3/55;  R1 = 20/(100/6 + 100 + 100/3) = 2/15
//         A0 = 5/6*3/55 + 1/6*2/15 = 0.0676768;  A1 = (3/55 + 2/15)/2 = 0.0939394;  A2 = 2/3*2/15 = 4/45
// gaussian: W(x) = (exp(-x²/2) - exp(-1/2)) / (1 - exp(-1/2)) at x = d/c:
//         W(1/6) = 0.964945, W(1/2) = 0.701367, W(5/6) = 0.254448, W(1/3) = 0.862656
//         R0 = 10/(0.964945*100 + 0.701367*200) = 0.0422355
//         R1 = 20/(0.254448*100 + 0.701367*200 + 0.862656*50) = 0.0957621
//         A0 = 0.0651214;  A1 = 0.0967869;  A2 = 0.0826098
TEST(Coverage2sfca, HandComputedTwoSitesThreeDemandPoints) {
    const double c = 3000;
    Reach pairs;
    pairs.offset = {0, 2, 5};
    pairs.demand = {0, 1, 0, 1, 2};
    pairs.cost = {500, 1500, 2500, 1500, 1000};
    // reach() gives the same pairs from the points.
    const Points sites{{X0, Y0}, {X0 + 3000, Y0}}, demand{{X0 + 500, Y0}, {X0 + 1500, Y0}, {X0 + 4000, Y0}};
    const Reach built = reach(demand, sites, c);
    EXPECT_EQ(built.offset, pairs.offset);
    EXPECT_EQ(built.demand, pairs.demand);
    EXPECT_EQ(built.cost, pairs.cost);

    const std::vector<double> supply{10, 20}, weight{100, 200, 50};
    struct Expect {
        Decay decay;
        double r0, r1, a0, a1, a2;
    };
    const double g16 = 0.9649454688, g12 = 0.7013665732, g56 = 0.2544483341, g13 = 0.8626563100;
    const double gr0 = 10 / (g16 * 100 + g12 * 200), gr1 = 20 / (g56 * 100 + g12 * 200 + g13 * 50);
    const Expect cases[] = {
        {Decay::none, 1.0 / 30, 2.0 / 35, 1.0 / 30 + 2.0 / 35, 1.0 / 30 + 2.0 / 35, 2.0 / 35},
        {Decay::step, 10.0 / 236, 20.0 / 208, 10.0 / 236 + 0.22 * 20 / 208, 0.68 * (10.0 / 236 + 20.0 / 208), 20.0 / 208},
        {Decay::linear, 3.0 / 55, 2.0 / 15, 5.0 / 6 * 3 / 55 + 1.0 / 6 * 2 / 15, (3.0 / 55 + 2.0 / 15) / 2, 4.0 / 45},
        {Decay::gaussian, gr0, gr1, g16 * gr0 + g56 * gr1, g12 * (gr0 + gr1), g13 * gr1},
    };
    for (const Expect& e : cases) {
        SCOPED_TRACE(to_string(e.decay));
        const auto r = site_ratios(pairs, supply, weight, e.decay, c);
        ASSERT_EQ(r.size(), 2u);
        EXPECT_NEAR(r[0], e.r0, 1e-9);
        EXPECT_NEAR(r[1], e.r1, 1e-9);
        const auto a = accessibility(pairs, r, 3, e.decay, c);
        ASSERT_EQ(a.size(), 3u);
        EXPECT_NEAR(a[0], e.a0, 1e-9);
        EXPECT_NEAR(a[1], e.a1, 1e-9);
        EXPECT_NEAR(a[2], e.a2, 1e-9);
        // The supply is allocated in full: Σ D_i A_i = Σ S_j.
        EXPECT_NEAR(100 * a[0] + 200 * a[1] + 50 * a[2], 30.0, 1e-9);
    }
    // The rounded numbers of the comment.
    EXPECT_NEAR(gr0, 0.0422355, 1e-7);
    EXPECT_NEAR(g16 * gr0 + g56 * gr1, 0.0651214, 1e-7);
    EXPECT_NEAR(10.0 / 236 + 0.22 * 20 / 208, 0.0635267, 1e-7);
}

TEST(Coverage2sfca, RandomMatchesBruteForceAndAllocatesAllSupply) {
    std::mt19937_64 rng(31337);
    const Box area{X0, Y0, X0 + 8000, Y0 + 8000};
    Points demand = concat({clustered_points(rng, 600, area, 5, 500), uniform_points(rng, 200, area)});
    Points sites = concat({clustered_points(rng, 40, area, 5, 800), uniform_points(rng, 8, area)});
    sites.push_back({X0 - 50000, Y0});  // reaches nobody
    sites.push_back(demand[0]);         // coincident with a demand point
    const double c = 1500;
    std::uniform_real_distribution<double> u(0, 50);
    std::vector<double> weight(demand.size()), supply(sites.size());
    for (auto& w : weight) w = u(rng);
    for (std::size_t i = 0; i < weight.size(); i += 7) weight[i] = 0;
    for (auto& s : supply) s = 1 + u(rng);
    const Reach pairs = reach(demand, sites, c, 2);
    for (Decay d : all_decays) {
        SCOPED_TRACE(to_string(d));
        const auto r = site_ratios(pairs, supply, weight, d, c);
        const auto a = accessibility(pairs, r, demand.size(), d, c);
        ASSERT_EQ(r.size(), sites.size());
        ASSERT_EQ(a.size(), demand.size());
        // Brute force from exact distances.
        std::vector<double> br(sites.size(), 0), ba(demand.size(), 0);
        for (std::size_t j = 0; j < sites.size(); ++j) {
            double reached = 0;
            for (std::size_t i = 0; i < demand.size(); ++i) reached += ref_weight(d, std::sqrt(dist2(demand[i], sites[j])), c) * weight[i];
            br[j] = reached > 0 ? supply[j] / reached : 0;
        }
        for (std::size_t i = 0; i < demand.size(); ++i)
            for (std::size_t j = 0; j < sites.size(); ++j) ba[i] += ref_weight(d, std::sqrt(dist2(demand[i], sites[j])), c) * br[j];
        for (std::size_t j = 0; j < sites.size(); ++j) ASSERT_NEAR(r[j], br[j], 1e-6 * std::abs(br[j]) + 1e-15) << "site " << j;
        // Costs are floats: near the edge of the catchment a weight of linear or Gaussian decay is
        // known to about 1e-7 (a float ulp over the catchment), so allow that on every ratio summed.
        for (std::size_t i = 0; i < demand.size(); ++i) {
            double ratios_reached = 0;
            for (std::size_t j = 0; j < sites.size(); ++j)
                if (dist2(demand[i], sites[j]) <= c * c) ratios_reached += br[j];
            ASSERT_NEAR(a[i], ba[i], 1e-6 * std::abs(ba[i]) + 3e-7 * ratios_reached + 1e-15) << "demand " << i;
        }
        EXPECT_EQ(r[sites.size() - 2], 0.0);  // the far site
        double allocated = 0, offered = 0;
        for (std::size_t i = 0; i < demand.size(); ++i) allocated += weight[i] * a[i];
        for (std::size_t j = 0; j < sites.size(); ++j)
            if (r[j] > 0) offered += supply[j];
        EXPECT_GT(offered, 0.0);
        EXPECT_NEAR(allocated, offered, 1e-9 * offered);
    }
}

// ===========================================================================
// Surfaces

namespace {

std::vector<double> brute_distance(const Grid& g, const Points& sites) {
    std::vector<double> out(static_cast<std::size_t>(g.width * g.height));
    for (std::int64_t r = 0; r < g.height; ++r)
        for (std::int64_t c = 0; c < g.width; ++c)
            out[static_cast<std::size_t>(r * g.width + c)] = std::sqrt(brute_nearest2(sites, g.centre(c, r)));
    return out;
}

}  // namespace

TEST(CoverageSurface, DistanceSurfaceMatchesBruteForcePerCell_oneAndTwoThreadsIdentical) {
    std::mt19937_64 rng(2718);
    const Grid g{X0, Y0 + 10000, 50, 300, 200};  // 15 x 10 km
    const Box inside{X0, Y0, X0 + 15000, Y0 + 10000};
    struct Case {
        std::string name;
        Points sites;
        double relative = 0;  // extra tolerance relative to the distance (float output)
    };
    std::vector<Case> cases;
    cases.push_back({"40 clustered", clustered_points(rng, 40, inside, 5, 1200)});
    cases.push_back({"one site", Points{{X0 + 7777.7, Y0 + 3333.3}}});
    cases.push_back({"one site in a corner cell", Points{{X0 + 1, Y0 + 9999}}});
    cases.push_back({"outside the grid", concat({uniform_points(rng, 6, {X0 - 8000, Y0, X0 - 500, Y0 + 10000}),
                                                 uniform_points(rng, 4, {X0, Y0 + 10500, X0 + 15000, Y0 + 20000})})});
    Points centres;  // on cell centres (distance 0), one doubled
    for (int k = 0; k < 12; ++k) centres.push_back(g.centre(k * 23 % 300, k * 17 % 200));
    centres.push_back(centres[4]);
    cases.push_back({"on cell centres", centres});
    cases.push_back({"far away", Points{{X0 + 300000, Y0 - 200000}, {X0 - 250000, Y0 + 5000}}, 2e-7});
    for (const Case& c : cases) {
        SCOPED_TRACE(c.name);
        const auto one = distance_surface(g, c.sites, 1);
        const auto two = distance_surface(g, c.sites, 2);
        ASSERT_EQ(one.size(), static_cast<std::size_t>(g.width * g.height));
        EXPECT_TRUE(one == two) << "1 and 2 threads differ";
        const auto want = brute_distance(g, c.sites);
        double worst = 0;
        std::size_t worst_at = 0;
        for (std::size_t i = 0; i < want.size(); ++i) {
            const double err = std::abs(static_cast<double>(one[i]) - want[i]) - c.relative * want[i];
            if (!(err <= worst)) {
                worst = std::isnan(err) ? inf : err;
                worst_at = i;
            }
        }
        EXPECT_LT(worst, 0.01) << "cell " << worst_at << ": " << one[worst_at] << " m, brute force " << want[worst_at] << " m";
    }
    const auto none = distance_surface(g, Points{}, 2);
    EXPECT_TRUE(std::all_of(none.begin(), none.end(), [](float v) { return v == static_cast<float>(unreachable); }));
}

TEST(CoverageSurface, AccessSurfaceMatchesBruteForce_oneAndTwoThreadsIdentical) {
    std::mt19937_64 rng(1618);
    const Grid g{X0 + 25, Y0 + 14000, 100, 150, 140};
    const Box area{X0, Y0, X0 + 15000, Y0 + 14000};
    Points sites = concat({clustered_points(rng, 12, area, 3, 1500), Points{{X0 - 600, Y0 + 7000}, {X0 + 7000, Y0 + 14900}, {X0 - 90000, Y0}}});
    sites.push_back(g.centre(40, 40));  // a site on a cell centre
    std::vector<double> ratios(sites.size());
    std::uniform_real_distribution<double> u(0.001, 0.05);
    for (auto& r : ratios) r = u(rng);
    ratios[0] = ratios[5] = 0;  // sites that reach no demand
    const double c = 1200;
    for (Decay d : all_decays) {
        SCOPED_TRACE(to_string(d));
        const auto one = access_surface(g, sites, ratios, d, c, 1);
        const auto two = access_surface(g, sites, ratios, d, c, 2);
        ASSERT_EQ(one.size(), static_cast<std::size_t>(g.width * g.height));
        EXPECT_TRUE(one == two);
        std::size_t wrong = 0, positive = 0;
        for (std::int64_t r = 0; r < g.height; ++r)
            for (std::int64_t col = 0; col < g.width; ++col) {
                const MetricPoint p = g.centre(col, r);
                double want = 0;
                for (std::size_t j = 0; j < sites.size(); ++j) want += ref_weight(d, std::hypot(p.x - sites[j].x, p.y - sites[j].y), c) * ratios[j];
                const float got = one[static_cast<std::size_t>(r * g.width + col)];
                positive += got > 0;
                if (!(std::abs(got - want) <= 1e-6 * want + 1e-12) && ++wrong <= 5)
                    ADD_FAILURE() << "cell " << col << ", " << r << ": " << got << ", brute force " << want;
            }
        EXPECT_EQ(wrong, 0u);
        EXPECT_GT(positive, 1000u);
    }
    const auto empty = access_surface(g, Points{}, std::vector<double>{}, Decay::none, c, 2);
    EXPECT_TRUE(std::all_of(empty.begin(), empty.end(), [](float v) { return v == 0.0f; }));
}

// ===========================================================================
// Region grid and mask

namespace {

Ring<LonLat> rect(double lon0, double lat0, double lon1, double lat1) {
    return {{lon0, lat0}, {lon0, lat1}, {lon1, lat1}, {lon1, lat0}, {lon0, lat0}};
}

Unit make_unit(std::string id, MultiPolygon<LonLat> geometry) {
    normalise(geometry);
    Unit u;
    u.id = id;
    u.name = "区" + id;
    u.name_en = "Unit" + id;
    u.geometry = std::move(geometry);
    u.label = label_point(u.geometry);
    u.area_km2 = area_km2(u.geometry);
    return u;
}

// Around lon 113, lat 22.5 (UTM 49N): a square with a hole, a unit in two
// parts (a triangle and a square) and a concave L.
Region test_region() {
    std::vector<Unit> units;
    units.push_back(make_unit("440701", {{rect(113.000, 22.500, 113.060, 22.550), {rect(113.020, 22.515, 113.035, 22.530)}}}));
    units.push_back(make_unit("440702", {{{{113.070, 22.500}, {113.090, 22.540}, {113.110, 22.500}, {113.070, 22.500}}, {}},
                                         {rect(113.075, 22.555, 113.1003, 22.5751), {}}}));
    units.push_back(make_unit("440703", {{{{113.000, 22.560}, {113.000, 22.600}, {113.0207, 22.600}, {113.0207, 22.5753},
                                           {113.0501, 22.5753}, {113.0501, 22.560}, {113.000, 22.560}},
                                          {}}}));
    return Region("Test", "440700", std::move(units));
}

std::vector<std::vector<Ring<MetricPoint>>> projected_rings(const Region& region) {
    std::vector<std::vector<Ring<MetricPoint>>> out;
    for (const Unit& u : region.units()) {
        std::vector<Ring<MetricPoint>> rings;
        auto add = [&](const Ring<LonLat>& r) {
            Ring<MetricPoint> m;
            for (const LonLat& p : r) m.push_back(region.crs().forward(p));
            rings.push_back(std::move(m));
        };
        for (const auto& poly : u.geometry) {
            add(poly.outer);
            for (const auto& h : poly.holes) add(h);
        }
        out.push_back(std::move(rings));
    }
    return out;
}

// Even-odd crossing test over every ring of a unit.
bool inside(const std::vector<Ring<MetricPoint>>& rings, MetricPoint p) {
    bool in = false;
    for (const auto& r : rings)
        for (std::size_t k = 0; k + 1 < r.size(); ++k) {
            const MetricPoint a = r[k], b = r[k + 1];
            if ((a.y > p.y) != (b.y > p.y)) {
                const double x = a.x + (p.y - a.y) / (b.y - a.y) * (b.x - a.x);
                if (p.x < x) in = !in;
            }
        }
    return in;
}

double segment_distance(MetricPoint p, MetricPoint a, MetricPoint b) {
    const double dx = b.x - a.x, dy = b.y - a.y;
    const double t = std::clamp(((p.x - a.x) * dx + (p.y - a.y) * dy) / (dx * dx + dy * dy), 0.0, 1.0);
    return std::hypot(p.x - a.x - t * dx, p.y - a.y - t * dy);
}

}  // namespace

TEST(CoverageRegion, GridCoversTheProjectedExtentOnWholeCells) {
    const Region region = test_region();
    ASSERT_EQ(region.crs().epsg(), 32649);
    Box e{inf, inf, -inf, -inf};
    for (const auto& unit : projected_rings(region))
        for (const auto& ring : unit)
            for (const auto& p : ring) {
                e.min_x = std::min(e.min_x, p.x);
                e.min_y = std::min(e.min_y, p.y);
                e.max_x = std::max(e.max_x, p.x);
                e.max_y = std::max(e.max_y, p.y);
            }
    for (double cell : {50.0, 37.5, 1000.0}) {
        SCOPED_TRACE(cell);
        const Grid g = region_grid(region, cell, "coverage.surface.cell");
        EXPECT_EQ(g.cell, cell);
        EXPECT_EQ(std::fmod(g.x0, cell), 0.0);
        EXPECT_EQ(std::fmod(g.y0, cell), 0.0);
        EXPECT_LE(g.x0, e.min_x);
        EXPECT_GT(g.x0 + cell, e.min_x);
        EXPECT_GE(g.y0, e.max_y);
        EXPECT_LT(g.y0 - cell, e.max_y);
        EXPECT_GE(g.x0 + static_cast<double>(g.width) * cell, e.max_x);
        EXPECT_LT(g.x0 + static_cast<double>(g.width - 1) * cell, e.max_x);
        EXPECT_LE(g.y0 - static_cast<double>(g.height) * cell, e.min_y);
        EXPECT_GT(g.y0 - static_cast<double>(g.height - 1) * cell, e.min_y);
    }
}

TEST(CoverageRegion, MaskMatchesPointInPolygonAndLocate) {
    const Region region = test_region();
    const Grid g = region_grid(region, 50, "cell");
    const auto mask = region_mask(region, g);
    ASSERT_EQ(mask.size(), static_cast<std::size_t>(g.width * g.height));
    const auto units = projected_rings(region);
    std::size_t wrong = 0, located = 0, inside_cells = 0, wrong_locate = 0;
    for (std::int64_t r = 0; r < g.height; ++r)
        for (std::int64_t c = 0; c < g.width; ++c) {
            const MetricPoint p = g.centre(c, r);
            bool in = false;
            double edge = inf;
            for (const auto& rings : units) {
                in = in || inside(rings, p);
                for (const auto& ring : rings)
                    for (std::size_t k = 0; k + 1 < ring.size(); ++k) edge = std::min(edge, segment_distance(p, ring[k], ring[k + 1]));
            }
            const std::uint8_t m = mask[static_cast<std::size_t>(r * g.width + c)];
            ASSERT_TRUE(m == 0 || m == 1);
            inside_cells += m;
            if ((m != 0) != in && ++wrong <= 5)
                ADD_FAILURE() << "cell " << c << ", " << r << " (" << p.x << ", " << p.y << "): mask " << int(m) << ", point in polygon " << in
                              << ", " << edge << " m from an edge";
            // Region::locate, on the WGS84 polygons, away from the edges (lon/lat and UTM straight lines differ slightly).
            if (edge > 5 && (r + c) % 3 == 0) {
                ++located;
                if (region.locate(region.crs().inverse(p)).has_value() != (m != 0) && ++wrong_locate <= 5)
                    ADD_FAILURE() << "cell " << c << ", " << r << ": mask " << int(m) << " but locate disagrees";
            }
        }
    EXPECT_EQ(wrong, 0u);
    EXPECT_EQ(wrong_locate, 0u);
    EXPECT_GT(located, static_cast<std::size_t>(g.width * g.height) / 4);
    // The hole is empty, both parts of the two-part unit are filled.
    auto cell_of = [&](LonLat ll) {
        const MetricPoint p = region.crs().forward(ll);
        const auto c = static_cast<std::int64_t>(std::floor((p.x - g.x0) / g.cell));
        const auto r = static_cast<std::int64_t>(std::floor((g.y0 - p.y) / g.cell));
        return mask[static_cast<std::size_t>(r * g.width + c)];
    };
    EXPECT_EQ(cell_of({113.0275, 22.5225}), 0);
    EXPECT_EQ(cell_of({113.010, 22.510}), 1);
    EXPECT_EQ(cell_of({113.090, 22.510}), 1);
    EXPECT_EQ(cell_of({113.088, 22.565}), 1);
    EXPECT_EQ(cell_of({113.065, 22.530}), 0);  // between units
    EXPECT_EQ(cell_of({113.040, 22.590}), 0);  // the notch of the L
    // Area: cells x cell area against the units' areas.
    double area = 0;
    for (const Unit& u : region.units()) area += u.area_km2;
    EXPECT_NEAR(static_cast<double>(inside_cells) * 0.0025, area, 0.02 * area);
}

TEST(CoverageRegion, GridTooLargeOrBadCellThrowsInputErrorNamingTheField) {
    const Region region = test_region();
    const Grid g = region_grid(region, 50, "coverage.surface.cell");
    const std::int64_t cells = g.width * g.height;
    EXPECT_NO_THROW((void)region_grid(region, 50, "coverage.surface.cell", cells));
    try {
        (void)region_grid(region, 50, "coverage.surface.cell", cells - 1);
        ADD_FAILURE() << "no error";
    } catch (const InputError& e) {
        const std::string what = e.what();
        EXPECT_EQ(e.problem().where.field, "coverage.surface.cell");
        EXPECT_NE(what.find("coverage.surface.cell"), std::string::npos) << what;
        EXPECT_NE(what.find(std::to_string(g.width) + " x " + std::to_string(g.height)), std::string::npos) << what;
        EXPECT_NE(what.find(std::to_string(cells - 1)), std::string::npos) << what;
    }
    try {
        (void)region_grid(region, 1, "surface_cell", 1000);
        ADD_FAILURE() << "no error";
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("surface_cell"), std::string::npos) << e.what();
    }
    for (double bad : {0.0, -50.0, std::nan(""), inf}) {
        SCOPED_TRACE(bad);
        try {
            (void)region_grid(region, bad, "surface_cell");
            ADD_FAILURE() << "no error";
        } catch (const InputError& e) {
            EXPECT_EQ(e.problem().where.field, "surface_cell");
        }
    }
    EXPECT_THROW((void)region_grid(Region("Empty", "0", {}), 50, "surface_cell"), Error);
}

// ===========================================================================
// GeoTIFF

namespace {

std::set<std::string> listing(const fs::path& dir) {
    std::set<std::string> out;
    for (const auto& e : fs::directory_iterator(dir)) out.insert(e.path().filename().string());
    return out;
}

struct Command {
    int exit_code = -1;
    std::string output;
};

Command run(const std::string& cmd) {
    Command r;
    tisheng::test::Pipe pipe(cmd + " 2>&1");
    if (!pipe) return r;
    r.output = pipe.read_all();
    r.exit_code = pipe.close();
    return r;
}

}  // namespace

TEST(CoverageGeoTiff, WritesTiledDeflateFloat32WithNodataOutsideTheMaskAndTheRegionCrs) {
    const Region region = test_region();
    const Grid g = region_grid(region, 40, "cell");  // more than 256 cells each way: several tiles
    ASSERT_GT(g.width, 256);
    ASSERT_GT(g.height, 256);
    const auto mask = region_mask(region, g);
    Points sites;
    for (LonLat ll : {LonLat{113.01, 22.51}, LonLat{113.09, 22.51}, LonLat{113.03, 22.58}}) sites.push_back(region.crs().forward(ll));
    std::vector<float> values = distance_surface(g, sites, 2);
    // One cell inside the mask is unreachable: it becomes nodata too.
    std::size_t unreachable_cell = 0;
    while (!mask[unreachable_cell]) ++unreachable_cell;
    values[unreachable_cell] = static_cast<float>(unreachable);
    float expected_min = std::numeric_limits<float>::max();
    std::size_t data_cells = 0;
    for (std::size_t i = 0; i < values.size(); ++i)
        if (mask[i] && std::isfinite(values[i])) {
            expected_min = std::min(expected_min, values[i]);
            ++data_cells;
        }

    TempDir tmp;
    const fs::path out = tmp / "distance.tif";
    write_geotiff(out, g, values, mask, region.crs().wkt(), "distance to the nearest site (m)");
    EXPECT_EQ(listing(tmp.path), std::set<std::string>{"distance.tif"});

    GDALAllRegister();
    {
        std::unique_ptr<GDALDataset> ds(GDALDataset::Open(out.string().c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY));
        ASSERT_TRUE(ds);
        EXPECT_EQ(ds->GetRasterXSize(), g.width);
        EXPECT_EQ(ds->GetRasterYSize(), g.height);
        ASSERT_EQ(ds->GetRasterCount(), 1);
        double gt[6];
        ASSERT_EQ(ds->GetGeoTransform(gt), CE_None);
        EXPECT_EQ(gt[0], g.x0);
        EXPECT_EQ(gt[1], g.cell);
        EXPECT_EQ(gt[2], 0.0);
        EXPECT_EQ(gt[3], g.y0);
        EXPECT_EQ(gt[4], 0.0);
        EXPECT_EQ(gt[5], -g.cell);
        const OGRSpatialReference* srs = ds->GetSpatialRef();
        ASSERT_NE(srs, nullptr);
        OGRSpatialReference copy(*srs);
        if (!copy.GetAuthorityCode(nullptr)) copy.AutoIdentifyEPSG();
        ASSERT_NE(copy.GetAuthorityCode(nullptr), nullptr);
        EXPECT_EQ(std::string(copy.GetAuthorityCode(nullptr)), std::to_string(region.crs().epsg()));
        const char* compression = ds->GetMetadataItem("COMPRESSION", "IMAGE_STRUCTURE");
        ASSERT_NE(compression, nullptr);
        EXPECT_STREQ(compression, "DEFLATE");
        if (const char* predictor = ds->GetMetadataItem("PREDICTOR", "IMAGE_STRUCTURE")) {
            EXPECT_STREQ(predictor, "3");
        }
        GDALRasterBand* band = ds->GetRasterBand(1);
        EXPECT_EQ(band->GetRasterDataType(), GDT_Float32);
        int bx = 0, by = 0;
        band->GetBlockSize(&bx, &by);
        EXPECT_EQ(bx, 256);
        EXPECT_EQ(by, 256);
        int has_nodata = 0;
        EXPECT_EQ(band->GetNoDataValue(&has_nodata), -9999.0);
        EXPECT_TRUE(has_nodata);
        EXPECT_STREQ(band->GetDescription(), "distance to the nearest site (m)");
        std::vector<float> back(values.size());
        ASSERT_EQ(band->RasterIO(GF_Read, 0, 0, static_cast<int>(g.width), static_cast<int>(g.height), back.data(),
                                 static_cast<int>(g.width), static_cast<int>(g.height), GDT_Float32, 0, 0),
                  CE_None);
        std::size_t wrong = 0, nodata = 0;
        for (std::size_t i = 0; i < values.size(); ++i) {
            const bool data = mask[i] && std::isfinite(values[i]);
            nodata += back[i] == -9999.0f;
            if ((data ? back[i] != values[i] : back[i] != -9999.0f) && ++wrong <= 5)
                ADD_FAILURE() << "cell " << i << ": " << back[i] << ", wrote " << values[i] << ", mask " << int(mask[i]);
        }
        EXPECT_EQ(wrong, 0u);
        EXPECT_EQ(nodata, values.size() - data_cells);
        EXPECT_EQ(back[unreachable_cell], -9999.0f);
    }

    // gdalinfo reads it back and its statistics skip nodata (run on a copy: -stats writes an .aux.xml).
    if (run("command -v gdalinfo").exit_code == 0) {
        TempDir other;
        fs::copy_file(out, other / "copy.tif");
        const Command info = run("gdalinfo -stats '" + (other / "copy.tif").string() + "'");
        EXPECT_EQ(info.exit_code, 0) << info.output;
        const auto at = info.output.find("Minimum=");
        ASSERT_NE(at, std::string::npos) << info.output;
        EXPECT_NEAR(std::strtod(info.output.c_str() + at + 8, nullptr), expected_min, 1.5e-3) << info.output;
        EXPECT_NE(info.output.find("NoData Value=-9999"), std::string::npos) << info.output;
        EXPECT_NE(info.output.find("DEFLATE"), std::string::npos) << info.output;
    } else {
        std::printf("gdalinfo not found: the gdalinfo check is skipped\n");
    }

    // Writing again replaces the file in place (and still leaves no temporary file).
    std::vector<float> ones(values.size(), 1.0f);
    write_geotiff(out, g, ones, {}, region.crs().wkt(), "ones");
    EXPECT_EQ(listing(tmp.path), std::set<std::string>{"distance.tif"});
    {
        std::unique_ptr<GDALDataset> ds(GDALDataset::Open(out.string().c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY));
        ASSERT_TRUE(ds);
        std::vector<float> back(values.size());
        ASSERT_EQ(ds->GetRasterBand(1)->RasterIO(GF_Read, 0, 0, static_cast<int>(g.width), static_cast<int>(g.height), back.data(),
                                                 static_cast<int>(g.width), static_cast<int>(g.height), GDT_Float32, 0, 0),
                  CE_None);
        EXPECT_TRUE(std::all_of(back.begin(), back.end(), [](float v) { return v == 1.0f; })) << "an empty mask keeps every cell";
    }
}

TEST(CoverageGeoTiff, AMissingDirectoryOrAMismatchedSurfaceThrowsAndLeavesNothing) {
    const Region region = test_region();
    const Grid g{X0, Y0 + 1000, 100, 10, 10};
    const std::vector<float> values(100, 5.0f);
    const std::vector<std::uint8_t> mask(100, 1);
    TempDir tmp;
    const fs::path missing = tmp / "no-such-dir" / "surface.tif";
    const std::string what = input_error_of([&] { write_geotiff(missing, g, values, mask, region.crs().wkt(), "x"); });
    EXPECT_FALSE(what.empty()) << "no error";
    EXPECT_NE(what.find("surface.tif"), std::string::npos) << what;
    EXPECT_FALSE(fs::exists(tmp / "no-such-dir"));
    EXPECT_TRUE(listing(tmp.path).empty());

    EXPECT_THROW(write_geotiff(tmp / "a.tif", g, std::vector<float>(99, 1.0f), mask, region.crs().wkt(), "x"), Error);
    EXPECT_THROW(write_geotiff(tmp / "b.tif", g, values, std::vector<std::uint8_t>(5, 1), region.crs().wkt(), "x"), Error);
    EXPECT_TRUE(listing(tmp.path).empty());
}
