// Coverage: the nearest-site index, reach pairs, the cost matrix and the
// incremental reach tracker (2SFCA, the surfaces, the region grid and mask
// and GeoTIFF output: test_coverage_surfaces.cpp). Each is checked against
// an independent brute-force computation on small seeded data, with the odd
// cases (ties, coincident points, a site exactly at the radius, no sites,
// points outside the sites' extent, one site).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "tisheng/coverage/coverage.hpp"
#include "tisheng/core/error.hpp"
#include "support/coverage_points.hpp"
#include "test_support.hpp"

using namespace tisheng;
using namespace tisheng::coverage;
using namespace tisheng::test;
namespace fs = std::filesystem;

namespace {

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

// Random opening, closing and weight changes, compared with a count from
// scratch after each step. `deferred`: sites are marked open or closed, and
// the marks applied every few steps (then compared), as a replication does.
void run_random_sequence(std::uint64_t seed, std::shared_ptr<const RadiusPairs> pairs, const std::vector<double>& cost,
                         std::size_t demand_points, bool with_industries, bool deferred = false) {
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
        if (op < 7) {
            const auto j = static_cast<std::uint32_t>(rng() % sites);
            open[j] = op < 4;  // sometimes already so
            if (deferred) t.mark(j, op < 4);
            else if (op < 4) t.open(j);
            else t.close(j);
            ASSERT_EQ(t.is_open(j), op < 4) << "step " << step;
        } else {
            const auto i = static_cast<std::uint32_t>(rng() % demand_points);
            const double v = op == 9 ? weight[i] : w(rng);  // op 9: an unchanged weight
            t.set_weight(i, v);
            weight[i] = v;
        }
        if (deferred) {
            if (rng() % 6 != 0 && step != 699) continue;
            t.apply_marked();
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
    // Marked, and applied every few steps in the grid order of the sites
    // (with sites opened and closed again between two applications).
    {
        SCOPED_TRACE("deferred, listed");
        run_random_sequence(7, listed(radii), cost, demand.size(), true, true);
    }
    for (const std::size_t keep : {std::size_t{0}, std::size_t{5'000'000}}) {
        SCOPED_TRACE("deferred, grid, pairs kept up to " + std::to_string(keep));
        run_random_sequence(8, std::make_shared<const RadiusPairs>(demand, sites, radii, std::vector<std::int32_t>{},
                                                                   std::vector<std::uint32_t>{}, keep), cost, demand.size(), true, true);
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
