// Coverage: the nearest-site index, reach pairs, the cost matrix, the
// incremental reach tracker, 2SFCA, the distance and accessibility surfaces,
// the region grid and mask, and GeoTIFF output. Each is checked against an
// independent brute-force computation on small seeded data, with the odd
// cases (ties, coincident points, a site exactly at the radius, no sites,
// points outside the sites' extent, one site).
#include <gtest/gtest.h>

#include <gdal_priv.h>
#include <ogr_spatialref.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "tisheng/coverage/coverage.hpp"
#include "tisheng/core/error.hpp"
#include "tisheng/model/region.hpp"
#include "test_support.hpp"

using namespace tisheng;
using namespace tisheng::coverage;
using namespace tisheng::test;
namespace fs = std::filesystem;

namespace {

using Points = std::vector<MetricPoint>;
constexpr double inf = std::numeric_limits<double>::infinity();

// A UTM-like neighbourhood, so that coordinates are large (precision matters).
constexpr double X0 = 400000, Y0 = 2480000;
constexpr Box city{X0, Y0, X0 + 20000, Y0 + 20000};

Points uniform_points(std::mt19937_64& rng, std::size_t n, Box b) {
    std::uniform_real_distribution<double> ux(b.min_x, b.max_x), uy(b.min_y, b.max_y);
    Points out(n);
    for (auto& p : out) {
        p.x = ux(rng);
        p.y = uy(rng);
    }
    return out;
}

Points clustered_points(std::mt19937_64& rng, std::size_t n, Box b, std::size_t clusters, double sigma) {
    const Points centres = uniform_points(rng, clusters, b);
    std::normal_distribution<double> nd(0, sigma);
    std::uniform_int_distribution<std::size_t> pick(0, clusters - 1);
    Points out(n);
    for (auto& p : out) {
        const MetricPoint c = centres[pick(rng)];
        p.x = c.x + nd(rng);
        p.y = c.y + nd(rng);
    }
    return out;
}

Points concat(std::initializer_list<Points> parts) {
    Points out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

double dist2(MetricPoint a, MetricPoint b) { return (a.x - b.x) * (a.x - b.x) + (a.y - b.y) * (a.y - b.y); }

Box grow(Box b, double by) { return {b.min_x - by, b.min_y - by, b.max_x + by, b.max_y + by}; }

Box extent(const Points& pts) {
    Box b{inf, inf, -inf, -inf};
    for (const auto& p : pts) {
        b.min_x = std::min(b.min_x, p.x);
        b.min_y = std::min(b.min_y, p.y);
        b.max_x = std::max(b.max_x, p.x);
        b.max_y = std::max(b.max_y, p.y);
    }
    return b;
}

// A radius r whose float rounding lies above it, so that a pair at exactly
// distance r has a float cost > r unless the code takes care.
double radius_rounding_up(double from) {
    for (double r = from;; r += 0.1)
        if (static_cast<double>(static_cast<float>(r)) > r) return r;
}

// ---------------------------------------------------------------------------
// Nearest-site cases

struct SiteCase {
    std::string name;
    Points sites, points;
};

std::vector<SiteCase> nearest_cases() {
    std::vector<SiteCase> cases;
    std::mt19937_64 rng(20240611);
    {  // clustered sites; points uniform over three times the extent (many outside) and clustered
        Points sites = clustered_points(rng, 200, city, 8, 900);
        const Box e = extent(sites);
        Points pts = concat({uniform_points(rng, 30000, grow(e, 20000)), clustered_points(rng, 24000, city, 8, 1500), sites,
                             Points{{e.min_x, e.min_y}, {e.max_x, e.max_y}, {e.min_x, e.max_y}, {e.max_x, e.min_y}}});
        cases.push_back({"clustered", std::move(sites), std::move(pts)});
    }
    {  // uniform sites
        Points sites = uniform_points(rng, 500, city);
        Points pts = concat({uniform_points(rng, 52000, grow(city, 3000)), clustered_points(rng, 2000, city, 3, 200)});
        cases.push_back({"uniform", std::move(sites), std::move(pts)});
    }
    {  // a lattice of sites, some doubled; points on a half-step lattice: exact ties between 2 and 4 sites
        Points sites;
        for (int i = 0; i < 10; ++i)
            for (int j = 0; j < 10; ++j) sites.push_back({X0 + 100.0 * i, Y0 + 100.0 * j});
        for (int k = 0; k < 10; ++k) sites.push_back(sites[static_cast<std::size_t>(k * 7)]);
        Points pts;
        for (int i = -10; i < 30; ++i)
            for (int j = -10; j < 30; ++j) pts.push_back({X0 + 50.0 * i, Y0 + 50.0 * j});
        cases.push_back({"lattice ties", std::move(sites), std::move(pts)});
    }
    {  // twenty coincident sites and one elsewhere
        Points sites(20, MetricPoint{X0 + 500, Y0 + 500});
        sites.push_back({X0 + 2500, Y0 + 1500});
        cases.push_back({"coincident", std::move(sites), uniform_points(rng, 5000, grow(Box{X0, Y0, X0 + 3000, Y0 + 2000}, 2000))});
    }
    {  // every site at one place
        Points sites(5, MetricPoint{X0 + 1234.5, Y0 + 987.25});
        Points pts = uniform_points(rng, 3000, grow(Box{X0, Y0, X0 + 3000, Y0 + 2000}, 100));
        pts.push_back(sites[0]);
        cases.push_back({"all coincident", std::move(sites), std::move(pts)});
    }
    {  // collinear sites (no extent in y)
        Points sites;
        for (int i = 0; i < 30; ++i) sites.push_back({X0 + 37.0 * i * i, Y0 + 700});
        cases.push_back({"collinear", std::move(sites), uniform_points(rng, 5000, grow(Box{X0, Y0, X0 + 33000, Y0 + 1400}, 500))});
    }
    {  // one site
        Points sites{{X0 + 10, Y0 + 20}};
        Points pts = uniform_points(rng, 2000, grow(city, 1000));
        pts.push_back(sites[0]);
        cases.push_back({"one site", std::move(sites), std::move(pts)});
    }
    return cases;
}

double brute_nearest2(const Points& sites, MetricPoint p) {
    double best = inf;
    for (const auto& s : sites) best = std::min(best, dist2(s, p));
    return best;
}

}  // namespace

// ===========================================================================
// NearestIndex

TEST(CoverageNearestIndex, NearestMatchesBruteForce_singleAndBatchedOnOneAndThreeThreads) {
    for (const SiteCase& c : nearest_cases()) {
        SCOPED_TRACE(c.name);
        const NearestIndex index(c.sites);
        ASSERT_EQ(index.size(), c.sites.size());
        std::vector<NearestIndex::Hit> one(c.points.size()), three(c.points.size());
        index.nearest(c.points, one, 1);
        index.nearest(c.points, three, 3);
        std::size_t wrong = 0;
        for (std::size_t i = 0; i < c.points.size(); ++i) {
            const MetricPoint p = c.points[i];
            const double best = brute_nearest2(c.sites, p);
            const NearestIndex::Hit h = index.nearest(p);
            const bool ok = h.site >= 0 && static_cast<std::size_t>(h.site) < c.sites.size() &&
                            h.distance == std::sqrt(best) && dist2(c.sites[static_cast<std::size_t>(h.site)], p) == best &&
                            one[i].site == h.site && one[i].distance == h.distance && three[i].site == h.site &&
                            three[i].distance == h.distance;
            if (!ok && ++wrong <= 5)
                ADD_FAILURE() << "point " << i << " (" << p.x << ", " << p.y << "): site " << h.site << " at " << h.distance
                              << ", batched " << one[i].site << " / " << three[i].site << ", brute force distance "
                              << std::sqrt(best);
        }
        EXPECT_EQ(wrong, 0u);
    }
}

TEST(CoverageNearestIndex, NoSites_givesNoHitAndNoCandidates) {
    const NearestIndex index(Points{});
    EXPECT_EQ(index.size(), 0u);
    const auto h = index.nearest(MetricPoint{X0, Y0});
    EXPECT_EQ(h.site, -1);
    EXPECT_EQ(h.distance, unreachable);
    Points pts{{0, 0}, {X0, Y0}};
    std::vector<NearestIndex::Hit> out(2);
    index.nearest(pts, out, 3);
    for (const auto& o : out) {
        EXPECT_EQ(o.site, -1);
        EXPECT_EQ(o.distance, unreachable);
    }
    std::vector<std::uint32_t> cand{7};
    index.candidates(Box{X0, Y0, X0 + 100, Y0 + 100}, cand);
    EXPECT_TRUE(cand.empty());
}

TEST(CoverageNearestIndex, CandidatesHoldEveryTrueNearestSiteOfSampledPoints) {
    std::mt19937_64 rng(77);
    for (const SiteCase& c : nearest_cases()) {
        SCOPED_TRACE(c.name);
        const NearestIndex index(c.sites);
        const Box e = extent(c.sites);
        const double side = std::max({e.max_x - e.min_x, e.max_y - e.min_y, 100.0});
        std::uniform_real_distribution<double> u01(0, 1);
        std::vector<std::uint32_t> cand;
        std::size_t tiny_total = 0, tiny_boxes = 0;
        for (int b = 0; b < 120; ++b) {
            // Sizes from a point to a third of the extent; corners from inside the extent to well outside it.
            const int kind = b % 6;
            const double w = kind == 0 ? 0.0 : kind == 1 ? side * 0.005 : side * 0.35 * u01(rng);
            const double h = kind == 0 ? 0.0 : kind == 2 ? 0.0 : kind == 1 ? side * 0.005 : side * 0.35 * u01(rng);
            const double spread = kind == 5 ? 1.6 : 1.0;  // kind 5 straddles or leaves the extent
            const double x = e.min_x - (spread - 1) * side + u01(rng) * spread * side;
            const double y = e.min_y - (spread - 1) * side + u01(rng) * spread * side;
            const Box box{x, y, x + w, y + h};
            index.candidates(box, cand);
            if (kind == 1) {
                tiny_total += cand.size();
                ++tiny_boxes;
            }
            std::set<std::uint32_t> in(cand.begin(), cand.end());
            ASSERT_EQ(in.size(), cand.size()) << "duplicate candidates";
            for (auto s : cand) ASSERT_LT(s, c.sites.size());
            Points sample{{box.min_x, box.min_y}, {box.max_x, box.max_y}, {box.min_x, box.max_y}, {box.max_x, box.min_y},
                          {(box.min_x + box.max_x) / 2, (box.min_y + box.max_y) / 2}};
            for (int k = 0; k < 150; ++k) sample.push_back({box.min_x + u01(rng) * w, box.min_y + u01(rng) * h});
            for (const auto& p : sample) {
                const double best = brute_nearest2(c.sites, p);
                for (std::uint32_t s = 0; s < c.sites.size(); ++s)
                    if (dist2(c.sites[s], p) == best) {
                        ASSERT_TRUE(in.count(s)) << "site " << s << " is nearest to (" << p.x << ", " << p.y
                                                 << ") but not a candidate of box " << box.min_x << " " << box.min_y << " "
                                                 << box.max_x << " " << box.max_y;
                    }
            }
        }
        // The point of the index: a small box has a handful of candidates, not every site.
        if (c.sites.size() >= 100) {
            EXPECT_LT(static_cast<double>(tiny_total) / static_cast<double>(tiny_boxes), 20.0);
        }
    }
}

// ===========================================================================
// reach()

namespace {

Reach brute_reach(const Points& demand, const Points& sites, double radius) {
    Reach out;
    out.offset.push_back(0);
    for (const auto& s : sites) {
        for (std::uint32_t i = 0; i < demand.size(); ++i) {
            const double d2 = dist2(demand[i], s);
            if (d2 <= radius * radius) {
                out.demand.push_back(i);
                out.cost.push_back(static_cast<float>(std::sqrt(d2)));
            }
        }
        out.offset.push_back(static_cast<std::uint32_t>(out.demand.size()));
    }
    return out;
}

// Same pairs, costs within `tolerance` (or a float ulp beyond 16 km, where
// a float cannot hold a millimetre), and no cost above the radius: a pair
// within the radius must stay within it for whoever compares its cost.
void expect_same_pairs(const Reach& got, const Reach& want, double tolerance, double radius) {
    ASSERT_EQ(got.offset, want.offset);
    ASSERT_EQ(got.demand, want.demand);
    ASSERT_EQ(got.cost.size(), want.cost.size());
    std::size_t wrong = 0;
    for (std::size_t p = 0; p < got.cost.size(); ++p)
        if (!(std::abs(got.cost[p] - want.cost[p]) <= std::max(tolerance, 1.2e-7 * want.cost[p]) &&
              static_cast<double>(got.cost[p]) <= radius) &&
            ++wrong <= 5)
            ADD_FAILURE() << "pair " << p << ": cost " << got.cost[p] << ", expected " << want.cost[p] << " within " << radius;
}

}  // namespace

TEST(CoverageReach, MatchesBruteForce_siteMajorDemandAscending_oneAndFourThreadsIdentical) {
    std::mt19937_64 rng(4242);
    Points demand = concat({clustered_points(rng, 2000, city, 10, 700), uniform_points(rng, 1000, city)});
    demand.push_back(demand[5]);  // coincident demand points
    demand.push_back(demand[5]);
    Points sites = concat({clustered_points(rng, 200, city, 10, 700), uniform_points(rng, 60, grow(city, 3000)),
                           Points{demand[5], demand[17], {X0 - 500, Y0 - 500}, {X0 - 90000, Y0}, {X0 + 25000, Y0 + 25000}}});
    sites.push_back(sites[3]);  // coincident sites
    ASSERT_GE(sites.size(), 4u * 64);  // enough for four threads
    for (double radius : {800.0, 0.0, 2500.0, radius_rounding_up(1000.0)}) {
        SCOPED_TRACE(radius);
        const Reach one = reach(demand, sites, radius, 1);
        const Reach four = reach(demand, sites, radius, 4);
        ASSERT_EQ(one.sites(), sites.size());
        expect_same_pairs(one, brute_reach(demand, sites, radius), 1e-3, radius);
        EXPECT_EQ(one.offset, four.offset);
        EXPECT_EQ(one.demand, four.demand);
        EXPECT_EQ(one.cost, four.cost);
        if (radius == 0) {
            EXPECT_EQ(one.demand.size(), 4u);  // the coincident pairs (demand[5] three times, demand[17]), at cost 0
        }
    }
    // A radius larger than everything: every pair.
    const Points few_demand(demand.begin(), demand.begin() + 300), few_sites(sites.begin(), sites.begin() + 30);
    const Reach all = reach(few_demand, few_sites, 1e7, 2);
    EXPECT_EQ(all.demand.size(), 300u * 30u);
    expect_same_pairs(all, brute_reach(few_demand, few_sites, 1e7), 1e-3, 1e7);
}

TEST(CoverageReach, SiteExactlyAtTheRadiusIsIn_justBeyondIsOut) {
    // 3-4-5 triangles: distances exactly 5000 m.
    const MetricPoint s{X0 + 1000, Y0 + 1000};
    const Points demand{{s.x + 3000, s.y + 4000},  {s.x - 3000, s.y - 4000}, {s.x + 3000, s.y + 4000.001},
                        {s.x + 5000, s.y},         {s.x, s.y - 5000.0001},   {s.x, s.y}};
    const Reach r = reach(demand, Points{s}, 5000.0);
    EXPECT_EQ(r.offset, (std::vector<std::uint32_t>{0, 4}));
    EXPECT_EQ(r.demand, (std::vector<std::uint32_t>{0, 1, 3, 5}));
    EXPECT_EQ(r.cost, (std::vector<float>{5000, 5000, 5000, 0}));
}

TEST(CoverageReach, EmptyDemandOrSitesAndOneSite) {
    const Points demand{{X0, Y0}, {X0 + 10, Y0}};
    const Reach no_demand = reach(Points{}, demand, 100);
    EXPECT_EQ(no_demand.offset, (std::vector<std::uint32_t>{0, 0, 0}));
    EXPECT_TRUE(no_demand.demand.empty());
    const Reach no_sites = reach(demand, Points{}, 100);
    EXPECT_EQ(no_sites.sites(), 0u);
    EXPECT_TRUE(no_sites.demand.empty());
    const Reach one = reach(demand, Points{{X0 + 5, Y0 + 1}}, 6, 4);
    expect_same_pairs(one, brute_reach(demand, Points{{X0 + 5, Y0 + 1}}, 6), 1e-3, 6);
    EXPECT_EQ(one.demand.size(), 2u);
    // A site whose disc lies entirely left of / below the demand.
    const Reach away = reach(demand, Points{{X0 - 1000, Y0}, {X0, Y0 - 1000}, {X0 + 2000, Y0 + 2000}}, 50);
    EXPECT_EQ(away.offset, (std::vector<std::uint32_t>{0, 0, 0, 0}));
}

// ===========================================================================
// CostMatrix

namespace {

// The message of the tisheng error a call throws ("" if none), and whether it
// was InvalidInput / InputError.
template <class Fn>
std::string input_error_of(Fn&& fn, bool* input_kind = nullptr) {
    try {
        fn();
    } catch (const InvalidInput& e) {
        if (input_kind) *input_kind = true;
        return e.what();
    } catch (const InputError& e) {
        if (input_kind) *input_kind = true;
        return e.what();
    } catch (const Error& e) {
        if (input_kind) *input_kind = false;
        return e.what();
    }
    return "";
}

const std::vector<std::string> origin_ids{"D0", "D1", "D2", "D3"};
const std::vector<std::string> destination_ids{"S0", "S1", "S2"};

}  // namespace

TEST(CoverageCostMatrix, ReadsBomCrlfQuotedFieldsAndTheUnitAsTheCostColumn) {
    TempDir tmp;
    const fs::path file = tmp / "od.csv";
    write(file,
          "\xEF\xBB\xBF" "destination_id,origin_id,minutes\r\n"
          "S1,D0,4.5\r\n"
          "\"S0\", D1 ,12\r\n"
          "\r\n"
          "S2,D3,0\r\n"
          "S0,D0,7.25");  // no final line break
    const CostMatrix m = CostMatrix::read(file, "minutes", origin_ids, destination_ids);
    EXPECT_EQ(m.unit, "minutes");
    EXPECT_EQ(m.origins, origin_ids);
    EXPECT_EQ(m.destinations, destination_ids);
    EXPECT_EQ(m.origin, (std::vector<std::uint32_t>{0, 1, 3, 0}));
    EXPECT_EQ(m.destination, (std::vector<std::uint32_t>{1, 0, 2, 0}));
    EXPECT_EQ(m.cost, (std::vector<float>{4.5f, 12.0f, 0.0f, 7.25f}));

    const fs::path plain = tmp / "plain.csv";
    write(plain, "origin_id,destination_id,cost\nD2,S1,3\nD2,S2,1e1\n");
    const CostMatrix p = CostMatrix::read(plain, "metres", origin_ids, destination_ids);
    EXPECT_EQ(p.origin, (std::vector<std::uint32_t>{2, 2}));
    EXPECT_EQ(p.destination, (std::vector<std::uint32_t>{1, 2}));
    EXPECT_EQ(p.cost, (std::vector<float>{3.0f, 10.0f}));
}

TEST(CoverageCostMatrix, BadFilesNameTheFileTheLineAndTheField) {
    TempDir tmp;
    struct Case {
        const char* name;
        std::string text;
        std::string line;   // ":<line>:" expected in the message
        std::string field;  // expected in the message
    };
    const std::vector<Case> cases{
        {"unknown_origin", "origin_id,destination_id,cost\nD0,S0,1\nD9,S1,2\n", ":3:", "origin_id"},
        {"unknown_destination", "origin_id,destination_id,cost\nD0,S0,1\nD1,S1,2\r\nD1,S7,2\r\n", ":4:", "destination_id"},
        {"negative_cost", "origin_id,destination_id,cost\nD0,S0,-1.5\n", ":2:", "cost"},
        {"not_a_number", "origin_id,destination_id,cost\nD0,S0,1\n\nD0,S1,12 min\n", ":4:", "cost"},
        {"infinite_cost", "origin_id,destination_id,cost\nD0,S0,inf\n", ":2:", "cost"},
        {"missing_column", "origin_id,cost\nD0,1\n", ":1:", "header"},
        {"empty", "", ":1:", "header"},
        {"only_bom", "\xEF\xBB\xBF\r\n", ":1:", "header"},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.name);
        const fs::path file = tmp / (std::string(c.name) + ".csv");
        write(file, c.text);
        bool input_kind = false;
        const std::string what =
            input_error_of([&] { (void)CostMatrix::read(file, "minutes", origin_ids, destination_ids); }, &input_kind);
        ASSERT_FALSE(what.empty()) << "no error";
        EXPECT_TRUE(input_kind) << what;
        EXPECT_NE(what.find(file.string() + c.line), std::string::npos) << what;
        EXPECT_NE(what.find(c.field), std::string::npos) << what;
    }
    // Several problems are reported together.
    const fs::path many = tmp / "many.csv";
    write(many, "origin_id,destination_id,cost\nD9,S0,1\nD0,S9,1\nD0,S0,x\n");
    try {
        (void)CostMatrix::read(many, "minutes", origin_ids, destination_ids);
        ADD_FAILURE() << "no error";
    } catch (const InvalidInput& e) {
        ASSERT_EQ(e.problems().size(), 3u);
        EXPECT_EQ(e.problems()[0].where.line, 2);
        EXPECT_EQ(e.problems()[0].where.field, "origin_id");
        EXPECT_EQ(e.problems()[1].where.line, 3);
        EXPECT_EQ(e.problems()[1].where.field, "destination_id");
        EXPECT_EQ(e.problems()[2].where.line, 4);
        EXPECT_EQ(e.problems()[2].where.field, "cost");
        EXPECT_EQ(e.problems()[2].where.column, 3);
    }
    // A missing file.
    const std::string missing = input_error_of([&] { (void)CostMatrix::read(tmp / "nope.csv", "minutes", origin_ids, destination_ids); });
    EXPECT_NE(missing.find("nope.csv"), std::string::npos) << missing;
}

TEST(CoverageCostMatrix, ReachEqualsFilteringAndDuplicatesKeepTheLowestCost) {
    std::mt19937_64 rng(99);
    std::vector<std::string> origins, destinations;
    for (int i = 0; i < 40; ++i) origins.push_back(std::string("o").append(std::to_string(i)));
    for (int j = 0; j < 12; ++j) destinations.push_back(std::string("site-").append(std::to_string(j)));
    // Costs in quarter minutes (exact as float), many pairs listed two or three times.
    std::uniform_int_distribution<int> o(0, 39), d(0, 11), q(0, 120);
    std::string text = "origin_id,destination_id,cost\n";
    std::map<std::pair<int, int>, double> lowest;  // (destination, origin) -> lowest cost
    for (int row = 0; row < 500; ++row) {
        const int oi = o(rng), di = d(rng);
        const double c = q(rng) / 4.0;
        text += origins[static_cast<std::size_t>(oi)] + "," + destinations[static_cast<std::size_t>(di)] + "," + std::to_string(c) + "\n";
        auto [it, fresh] = lowest.emplace(std::pair{di, oi}, c);
        if (!fresh) it->second = std::min(it->second, c);
    }
    TempDir tmp;
    write(tmp / "od.csv", text);
    const CostMatrix m = CostMatrix::read(tmp / "od.csv", "minutes", origins, destinations);
    ASSERT_EQ(m.cost.size(), 500u);
    for (double radius : {0.0, 7.5, 15.25, 30.0, 1000.0}) {
        SCOPED_TRACE(radius);
        Reach want;
        want.offset.push_back(0);
        for (int j = 0; j < 12; ++j) {
            for (const auto& [key, c] : lowest)  // ordered by (destination, origin)
                if (key.first == j && c <= radius) {
                    want.demand.push_back(static_cast<std::uint32_t>(key.second));
                    want.cost.push_back(static_cast<float>(c));
                }
            want.offset.push_back(static_cast<std::uint32_t>(want.demand.size()));
        }
        const Reach got = m.reach(radius);
        expect_same_pairs(got, want, 1e-3, radius);
    }
}

TEST(CoverageCostMatrix, ACostEqualToTheRadiusIsWithinIt) {
    TempDir tmp;
    write(tmp / "od.csv", "origin_id,destination_id,cost\nD0,S0,7.3\nD1,S0,7.31\nD2,S1,0.1\n");
    const CostMatrix m = CostMatrix::read(tmp / "od.csv", "minutes", origin_ids, destination_ids);
    const Reach r = m.reach(7.3);
    EXPECT_EQ(r.offset, (std::vector<std::uint32_t>{0, 1, 2, 2}));
    EXPECT_EQ(r.demand, (std::vector<std::uint32_t>{0, 2}));
    // And every consumer agrees that the pair is within 7.3 minutes.
    ReachTracker t(r, {0.1, 7.3}, {1, 1, 1, 1}, {0, 0, 0, 0}, 1);
    t.open(0);
    EXPECT_EQ(t.covered(1), 1.0);
    t.open(1);
    EXPECT_EQ(t.covered(0), 1.0);
    EXPECT_EQ(t.covered(1), 2.0);
    const auto ratios = site_ratios(r, std::vector<double>{10, 10, 10}, std::vector<double>{5, 5, 5, 5}, Decay::none, 7.3);
    EXPECT_DOUBLE_EQ(ratios[0], 2.0);
}

// ===========================================================================
// ReachTracker

namespace {

// Covered weight from scratch: point i is covered at radius k when some open
// site j has cost[i][j] <= radius k (cost inf when the pair is not listed).
struct Scratch {
    std::vector<double> all, unit, industry, unit_total, industry_total;
    double total = 0;
};

Scratch from_scratch(const std::vector<double>& cost, std::size_t sites, const std::vector<std::uint8_t>& open,
                     const std::vector<double>& radii, const std::vector<double>& weight,
                     const std::vector<std::uint32_t>& unit, std::size_t units, const std::vector<std::uint32_t>& industry,
                     std::size_t industries) {
    const std::size_t K = radii.size();
    Scratch s;
    s.all.assign(K, 0);
    s.unit.assign(units * K, 0);
    s.industry.assign(industries * K, 0);
    s.unit_total.assign(units, 0);
    s.industry_total.assign(industries, 0);
    for (std::size_t i = 0; i < weight.size(); ++i) {
        double nearest = inf;
        for (std::size_t j = 0; j < sites; ++j)
            if (open[j]) nearest = std::min(nearest, cost[i * sites + j]);
        s.total += weight[i];
        s.unit_total[unit[i]] += weight[i];
        if (!industry.empty()) s.industry_total[industry[i]] += weight[i];
        for (std::size_t k = 0; k < K; ++k)
            if (nearest <= radii[k]) {
                s.all[k] += weight[i];
                s.unit[unit[i] * K + k] += weight[i];
                if (!industry.empty()) s.industry[industry[i] * K + k] += weight[i];
            }
    }
    return s;
}

// Every query of the tracker against the from-scratch numbers; false (with a
// failure) at the first difference.
bool same_as_scratch(const ReachTracker& t, const Scratch& s, std::size_t units, std::size_t industries,
                     const std::vector<std::uint8_t>& open, int step) {
    auto fail = [&](const std::string& what, double got, double want) {
        ADD_FAILURE() << "step " << step << ": " << what << " = " << got << ", from scratch " << want;
        return false;
    };
    if (t.total() != s.total) return fail("total", t.total(), s.total);
    for (std::size_t j = 0; j < open.size(); ++j)
        if (t.is_open(static_cast<std::uint32_t>(j)) != (open[j] != 0)) return fail("is_open " + std::to_string(j), t.is_open(static_cast<std::uint32_t>(j)), open[j]);
    for (std::size_t k = 0; k < t.radii(); ++k) {
        if (t.covered(k) != s.all[k]) return fail("covered(" + std::to_string(k) + ")", t.covered(k), s.all[k]);
        const double share = s.total > 0 ? s.all[k] / s.total : 1.0;
        if (std::abs(t.share(k) - share) > 1e-12) return fail("share", t.share(k), share);
        for (std::uint32_t u = 0; u < units; ++u) {
            const double want = s.unit[u * t.radii() + k];
            if (t.covered_in_unit(k, u) != want) return fail("covered_in_unit(" + std::to_string(k) + ", " + std::to_string(u) + ")", t.covered_in_unit(k, u), want);
            const double su = s.unit_total[u] > 0 ? want / s.unit_total[u] : 1.0;
            if (std::abs(t.share_in_unit(k, u) - su) > 1e-12) return fail("share_in_unit", t.share_in_unit(k, u), su);
        }
        for (std::uint32_t n = 0; n < industries; ++n) {
            const double want = s.industry[n * t.radii() + k];
            if (t.covered_in_industry(k, n) != want) return fail("covered_in_industry(" + std::to_string(k) + ", " + std::to_string(n) + ")", t.covered_in_industry(k, n), want);
        }
    }
    for (std::uint32_t u = 0; u < units; ++u)
        if (t.total_in_unit(u) != s.unit_total[u]) return fail("total_in_unit", t.total_in_unit(u), s.unit_total[u]);
    for (std::uint32_t n = 0; n < industries; ++n)
        if (t.total_in_industry(n) != s.industry_total[n]) return fail("total_in_industry", t.total_in_industry(n), s.industry_total[n]);
    return true;
}

// Hundreds of random open / close / set_weight steps, compared after each.
void run_random_sequence(std::uint64_t seed, std::shared_ptr<const RadiusPairs> pairs, const std::vector<double>& cost,
                         std::size_t demand_points, bool with_industries) {
    std::mt19937_64 rng(seed);
    const std::vector<double> radii = pairs->radii();
    const std::size_t sites = pairs->sites();
    const std::size_t units = 5, industries = with_industries ? 3 : 0;
    std::uniform_int_distribution<int> w(0, 30);
    std::vector<double> weight(demand_points);
    std::vector<std::uint32_t> unit(demand_points), industry;
    for (std::size_t i = 0; i < demand_points; ++i) {
        weight[i] = i % 11 == 0 ? 0 : w(rng);
        unit[i] = static_cast<std::uint32_t>(rng() % 4);  // unit 4 stays empty
        if (with_industries) industry.push_back(static_cast<std::uint32_t>(rng() % industries));
    }
    ReachTracker t(pairs, weight, unit, units, industry, industries);
    std::vector<std::uint8_t> open(sites, 0);
    ASSERT_TRUE(same_as_scratch(t, from_scratch(cost, sites, open, radii, weight, unit, units, industry, industries), units,
                                industries, open, -1));
    for (int step = 0; step < 700; ++step) {
        const auto op = rng() % 10;
        if (op < 4) {
            const auto j = static_cast<std::uint32_t>(rng() % sites);
            t.open(j);  // sometimes already open
            open[j] = 1;
        } else if (op < 7) {
            const auto j = static_cast<std::uint32_t>(rng() % sites);
            t.close(j);  // sometimes already closed
            open[j] = 0;
        } else {
            const auto i = static_cast<std::uint32_t>(rng() % demand_points);
            const double v = op == 9 ? weight[i] : w(rng);  // op 9: an unchanged weight
            t.set_weight(i, v);
            weight[i] = v;
        }
        if (!same_as_scratch(t, from_scratch(cost, sites, open, radii, weight, unit, units, industry, industries), units,
                             industries, open, step))
            return;
    }
}

}  // namespace

TEST(CoverageReachTracker, RandomOpenCloseSetWeightMatchesFromScratchAfterEveryStep_euclidean) {
    std::mt19937_64 rng(5150);
    const Box area{X0, Y0, X0 + 6000, Y0 + 6000};
    Points demand = concat({clustered_points(rng, 300, area, 6, 400), uniform_points(rng, 100, area)});
    Points sites = concat({clustered_points(rng, 45, area, 6, 600), uniform_points(rng, 12, grow(area, 1500))});
    sites.push_back(sites[0]);  // a coincident site
    // Points exactly at a radius: 180-240-300 and 720-960-1200 triangles.
    demand.push_back({sites[1].x + 180, sites[1].y + 240});
    demand.push_back({sites[2].x - 720, sites[2].y + 960});
    demand.push_back(sites[3]);  // at distance 0
    const std::vector<double> radii{300, 700, 1200};
    const std::vector<double> cost = [&] {
        std::vector<double> c(demand.size() * sites.size());
        for (std::size_t i = 0; i < demand.size(); ++i)
            for (std::size_t j = 0; j < sites.size(); ++j) {
                const double d = std::sqrt(dist2(demand[i], sites[j]));
                c[i * sites.size() + j] = d <= radii.back() ? d : inf;
            }
        return c;
    }();
    const Reach pairs = reach(demand, sites, radii.back(), 2);
    auto listed = [&](std::vector<double> r) { return std::make_shared<const RadiusPairs>(pairs, std::move(r)); };
    {
        SCOPED_TRACE("with industries");
        run_random_sequence(1, listed(radii), cost, demand.size(), true);
    }
    {
        SCOPED_TRACE("without industries");
        run_random_sequence(2, listed(radii), cost, demand.size(), false);
    }
    {
        SCOPED_TRACE("one radius");
        run_random_sequence(3, listed({1200}), cost, demand.size(), true);
    }
    // The pairs found from the grid of demand points: the tracker keeps its
    // state in the grid's order (slots), not the demand's. Found at every
    // toggle (kept: none, as for a city x100), or found once and kept.
    for (const std::size_t keep : {std::size_t{0}, std::size_t{5'000'000}}) {
        SCOPED_TRACE("grid, pairs kept up to " + std::to_string(keep));
        run_random_sequence(5, std::make_shared<const RadiusPairs>(demand, sites, radii, std::vector<std::int32_t>{},
                                                                   std::vector<std::uint32_t>{}, keep), cost, demand.size(), true);
        run_random_sequence(6, std::make_shared<const RadiusPairs>(demand, sites, std::vector<double>{1200}, std::vector<std::int32_t>{},
                                                                   std::vector<std::uint32_t>{}, keep), cost, demand.size(), false);
    }
}

TEST(CoverageReachTracker, RandomSequencesMatchFromScratch_costMatrixWithDuplicates) {
    std::mt19937_64 rng(8);
    std::vector<std::string> origins, destinations;
    for (int i = 0; i < 150; ++i) origins.push_back(std::string("d").append(std::to_string(i)));
    for (int j = 0; j < 25; ++j) destinations.push_back(std::string("s").append(std::to_string(j)));
    std::vector<double> cost(150 * 25, inf);
    std::string text = "origin_id,destination_id,minutes\n";
    for (int row = 0; row < 1500; ++row) {
        const auto i = rng() % 150, j = rng() % 25;
        const double c = static_cast<double>(rng() % 100) / 4.0;  // 0 .. 24.75 minutes
        text += origins[i] + "," + destinations[j] + "," + std::to_string(c) + "\n";
        if (c <= 15) cost[i * 25 + j] = std::min(cost[i * 25 + j], c);
    }
    TempDir tmp;
    write(tmp / "od.csv", text);
    const Reach pairs = CostMatrix::read(tmp / "od.csv", "minutes", origins, destinations).reach(15);
    run_random_sequence(4, std::make_shared<const RadiusPairs>(pairs, std::vector<double>{5, 10, 15}), cost, origins.size(), true);
}

TEST(CoverageReachTracker, APairExactlyAtARadiusThatFloatRoundsUpIsCovered) {
    const double r = radius_rounding_up(700.0);
    ASSERT_GT(static_cast<double>(static_cast<float>(r)), r);
    // At the origin, so that the coordinate differences are exactly r and 2r.
    const Points sites{{0, 0}};
    const Points demand{{r, 0}, {0, -r}, {0, 2 * r}};
    const Reach pairs = reach(demand, sites, 2 * r);
    ReachTracker t(pairs, {r, 2 * r}, {3, 4, 5}, {0, 0, 0}, 1);
    t.open(0);
    EXPECT_EQ(t.covered(0), 7.0) << "points at exactly " << r << " m are within " << r << " m";
    EXPECT_EQ(t.covered(1), 12.0);
    // 2SFCA agrees: both pairs lie inside a catchment of r.
    const Reach at_r = reach(demand, sites, r);
    ASSERT_EQ(at_r.demand.size(), 2u);
    const auto ratios = site_ratios(at_r, std::vector<double>{14}, std::vector<double>{3, 4, 5}, Decay::none, r);
    EXPECT_DOUBLE_EQ(ratios[0], 2.0);
    const auto a = accessibility(at_r, ratios, 3, Decay::none, r);
    EXPECT_DOUBLE_EQ(a[0], 2.0);
    EXPECT_DOUBLE_EQ(a[1], 2.0);
}

TEST(CoverageReachTracker, NoDemandMeansShareOne_andBadArgumentsThrow) {
    const Points demand{{X0, Y0}, {X0 + 10, Y0}};
    const Reach pairs = reach(demand, Points{{X0, Y0}}, 100);
    ReachTracker t(pairs, {50, 100}, {0, 0}, {0, 1}, 3);
    t.open(0);
    EXPECT_EQ(t.total(), 0.0);
    EXPECT_EQ(t.share(0), 1.0);
    EXPECT_EQ(t.share(1), 1.0);
    EXPECT_EQ(t.share_in_unit(1, 2), 1.0);
    t.set_weight(1, 6);
    EXPECT_EQ(t.share(1), 1.0);
    EXPECT_EQ(t.share_in_unit(0, 1), 1.0);
    EXPECT_EQ(t.share_in_unit(0, 2), 1.0);  // an empty unit
    t.close(0);
    EXPECT_EQ(t.share(1), 0.0);

    ReachTracker none(reach(Points{}, Points{{X0, Y0}}, 100), {100}, {}, {}, 1);
    none.open(0);
    EXPECT_EQ(none.share(0), 1.0);

    EXPECT_THROW((void)ReachTracker(pairs, {}, {1, 1}, {0, 0}, 1), Error);
    EXPECT_THROW((void)ReachTracker(pairs, {100, 50}, {1, 1}, {0, 0}, 1), Error);
    EXPECT_THROW((void)ReachTracker(pairs, {100}, {1, 1}, {0}, 1), Error);
    EXPECT_THROW((void)ReachTracker(pairs, {100}, {1, 1}, {0, 0}, 1, {0}, 1), Error);
}

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
