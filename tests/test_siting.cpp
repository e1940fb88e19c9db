// Siting solvers: the heuristic and CBC against brute force on small random
// instances (every subset of 10 candidates, with budgets, groups, fixed
// candidates and p = -1), drop analysis against re-evaluation, the conflicts
// reported before search, malformed input, OR-Library p-median optima, and
// the heuristic against CBC's optimum on a clustered max cover instance,
// and CBC's time limit on a model too large to solve within it.
// Tolerances are stated where objectives are compared: 1e-9 relative for
// plans that must be equal (float distances summed in another order).
#include <gtest/gtest.h>
#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <functional>
#include <limits>
#include <numeric>
#include <optional>
#include <string>
#include <vector>

#include "support/instances.hpp"
#include "support/orlib.hpp"
#include "test_support.hpp"
#include "tisheng/core/error.hpp"
#include "tisheng/core/random.hpp"
#include "tisheng/siting/siting.hpp"

using namespace tisheng::siting;
using tisheng::Error;
using tisheng::Infeasible;
using tisheng::MetricPoint;
using tisheng::Rng;
namespace test = tisheng::test;

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

bool close_to(double a, double b) { return std::abs(a - b) <= 1e-9 * std::max({1.0, std::abs(a), std::abs(b)}); }

// Small random instances and brute force.

struct SmallSpec {
    Objective objective = Objective::max_cover;
    int p = 3;
    bool budgets = false;  ///< 'city' and 'county', each a third of the total cost
    bool groups = false;   ///< 'north' and 'south' (min 1 each), 'variants of site 0' = {0, 1} (max 1)
    bool fixed = false;    ///< candidate 2 fixed open
    std::uint64_t seed = 1;
};

/// 30 demand points and 10 candidates in a 10 km square; covers within
/// 3 km, or Euclidean distances in metres.
Problem small_problem(const SmallSpec& spec) {
    constexpr std::size_t n = 30, m = 10;
    Rng rng(spec.seed, 0x5e1);
    std::vector<MetricPoint> demand(n), sites(m);
    Problem pr;
    pr.objective = spec.objective;
    pr.p = spec.p;
    for (auto& d : demand) {
        d = {rng.uniform(0, 10000), rng.uniform(0, 10000)};
        pr.weight.push_back(static_cast<double>(rng.integer(1, 20)));
    }
    for (auto& s : sites) s = {rng.uniform(0, 10000), rng.uniform(0, 10000)};
    pr.candidates.resize(m);
    pr.covers.resize(spec.objective == Objective::max_cover ? m : 0);
    for (std::size_t j = 0; j < m; ++j) {
        pr.candidates[j].id = "C" + std::to_string(j);
        for (std::size_t i = 0; i < n; ++i) {
            const double d = std::hypot(demand[i].x - sites[j].x, demand[i].y - sites[j].y);
            if (spec.objective == Objective::max_cover) {
                if (d <= 3000) pr.covers[j].push_back(static_cast<std::uint32_t>(i));
            } else {
                pr.distance.push_back(static_cast<float>(d));
            }
        }
    }
    if (spec.budgets) {
        pr.budgets = {{"city", 0}, {"county", 0}};
        for (auto& c : pr.candidates) {
            c.costs = {{0, 1000.0 * static_cast<double>(rng.integer(100, 900))}, {1, 1000.0 * static_cast<double>(rng.integer(50, 500))}};
            pr.budgets[0].limit += c.costs[0].second / 3;
            pr.budgets[1].limit += c.costs[1].second / 3;
        }
    }
    if (spec.groups) {
        pr.groups = {{"north", 1}, {"south", 1}, {"variants of site 0", 0, 1}};
        for (std::size_t j = 0; j < m; ++j) pr.candidates[j].groups.push_back(sites[j].y > 5000 ? 0 : 1);
        pr.candidates[0].groups.push_back(2);
        pr.candidates[1].groups.push_back(2);
    }
    if (spec.fixed) pr.candidates[2].fixed = true;
    return pr;
}

/// Objective computed here, independently of the engine.
double objective(const Problem& pr, const std::vector<std::uint32_t>& open) {
    double total = 0;
    for (std::size_t i = 0; i < pr.demand(); ++i) {
        if (pr.objective == Objective::max_cover) {
            const bool covered = std::any_of(open.begin(), open.end(), [&](auto k) {
                return std::binary_search(pr.covers[k].begin(), pr.covers[k].end(), static_cast<std::uint32_t>(i));
            });
            total += covered ? pr.weight[i] : 0;
        } else {
            double d = inf;
            for (std::uint32_t k : open) d = std::min<double>(d, pr.distance[k * pr.demand() + i]);
            total += pr.weight[i] * d;
        }
    }
    return total;
}

/// The constraints `open` breaks, named; `count` false leaves p aside.
std::vector<std::string> violations(const Problem& pr, const std::vector<std::uint32_t>& open, bool count = true) {
    std::vector<std::string> out;
    if (count && pr.p >= 0 && static_cast<int>(open.size()) != pr.p) out.push_back("p");
    for (std::uint32_t k = 0; k < pr.candidates.size(); ++k)
        if (pr.candidates[k].fixed && std::find(open.begin(), open.end(), k) == open.end()) out.push_back("fixed " + pr.candidates[k].id);
    std::vector<double> spent(pr.budgets.size(), 0);
    std::vector<int> members(pr.groups.size(), 0);
    for (std::uint32_t k : open) {
        for (const auto& [b, c] : pr.candidates[k].costs) spent[b] += c;
        for (std::uint32_t g : pr.candidates[k].groups) ++members[g];
    }
    for (std::size_t b = 0; b < spent.size(); ++b)
        if (spent[b] > pr.budgets[b].limit * (1 + 1e-12)) out.push_back("budget " + pr.budgets[b].name);
    for (std::size_t g = 0; g < members.size(); ++g)
        if (members[g] < pr.groups[g].min || members[g] > pr.groups[g].max) out.push_back("group " + pr.groups[g].name);
    if (pr.objective == Objective::p_median && open.empty()) out.push_back("empty");
    return out;
}

std::vector<std::uint32_t> members_of(std::uint32_t mask) {
    std::vector<std::uint32_t> out;
    for (std::uint32_t k = 0; mask; ++k, mask >>= 1)
        if (mask & 1) out.push_back(k);
    return out;
}

/// Best objective over every feasible subset; nullopt if none is.
std::optional<double> brute_force(const Problem& pr) {
    std::optional<double> best;
    const bool maximise = pr.objective == Objective::max_cover;
    for (std::uint32_t mask = 0; mask < (1u << pr.candidates.size()); ++mask) {
        const auto open = members_of(mask);
        if (!violations(pr, open).empty()) continue;
        const double v = objective(pr, open);
        if (!best || (maximise ? v > *best : v < *best)) best = v;
    }
    return best;
}

std::vector<std::uint32_t> open_of(const Solution& s) {
    std::vector<std::uint32_t> out;
    for (const Choice& c : s.chosen) out.push_back(c.candidate);
    return out;
}

/// Every combination of objective, constraints and p, over `seeds` seeds.
std::vector<SmallSpec> small_specs(int seeds) {
    std::vector<SmallSpec> out;
    for (Objective o : {Objective::max_cover, Objective::p_median})
        for (int p : {-1, 1, 3, 5})
            for (int constraints = 0; constraints < 8; ++constraints)
                for (int s = 1; s <= seeds; ++s) {
                    if (p == -1 && (constraints & 1) == 0) continue;  // without budgets p = -1 opens all: trivial
                    out.push_back({o, p, (constraints & 1) != 0, (constraints & 2) != 0, (constraints & 4) != 0,
                                   static_cast<std::uint64_t>(s * 1000 + p * 10 + constraints)});
                }
    return out;
}

std::string describe(const SmallSpec& s) {
    return fmt::format("{} p={} budgets={} groups={} fixed={} seed={}", s.objective == Objective::max_cover ? "max_cover" : "p_median",
                       s.p, s.budgets, s.groups, s.fixed, s.seed);
}

}  // namespace

TEST(Siting, BruteForce_heuristicAndCbcFindTheOptimum) {
    int instances = 0, infeasible = 0, heuristic_optimal = 0;
    for (const SmallSpec& spec : small_specs(4)) {
        SCOPED_TRACE(describe(spec));
        const Problem pr = small_problem(spec);
        const auto best = brute_force(pr);
        ++instances;
        if (!best) {
            ++infeasible;
            EXPECT_THROW(solve_heuristic(pr), Infeasible);
            EXPECT_THROW(solve_exact(pr), Infeasible);
            continue;
        }
        const Solution h = solve_heuristic(pr);
        const Solution e = solve_exact(pr);
        EXPECT_TRUE(close_to(e.objective, *best)) << e.objective << " vs " << *best;
        EXPECT_TRUE(e.optimal);
        EXPECT_LE(e.gap, 1e-6);
        heuristic_optimal += close_to(h.objective, *best);
        for (const Solution* s : {&h, &e}) {
            const auto open = open_of(*s);
            EXPECT_EQ(violations(pr, open), std::vector<std::string>{}) << s->solver;
            EXPECT_TRUE(close_to(evaluate(pr, open), s->objective)) << s->solver;
            EXPECT_TRUE(close_to(objective(pr, open), s->objective)) << s->solver;
            // Fixed first, then the gains along the order; for max cover they add up to the objective.
            const auto first_free = std::find_if(s->chosen.begin(), s->chosen.end(), [&](const Choice& c) { return !pr.candidates[c.candidate].fixed; });
            EXPECT_TRUE(std::all_of(first_free, s->chosen.end(), [&](const Choice& c) { return !pr.candidates[c.candidate].fixed; }));
            double sum = 0;
            for (const Choice& c : s->chosen) sum += c.gain;
            if (pr.objective == Objective::max_cover) {
                EXPECT_TRUE(close_to(sum, s->objective)) << s->solver;
            }
            ASSERT_EQ(s->spent.size(), pr.budgets.size());
        }
    }
    // 224 instances, 64 of them infeasible. The heuristic is deterministic
    // and optimal on every feasible one here; over 400 seeds of the same
    // families (16,078 feasible instances) it missed the optimum once, by
    // 2.7 % (max cover, p = -1 with budgets and groups).
    EXPECT_EQ(heuristic_optimal, instances - infeasible) << "of " << instances - infeasible << " feasible instances";
    EXPECT_GT(infeasible, 0);
    EXPECT_LT(infeasible, instances / 3);
}

TEST(Siting, DropAnalysis_matchesReEvaluation) {
    for (const SmallSpec& spec : small_specs(1)) {
        const Problem pr = small_problem(spec);
        if (!brute_force(pr)) continue;
        SCOPED_TRACE(describe(spec));
        const Solution s = solve_heuristic(pr);
        const auto open = open_of(s);
        const auto effects = drop_analysis(pr, s);
        ASSERT_EQ(effects.size(), pr.candidates.size());
        const double sense = pr.objective == Objective::max_cover ? 1 : -1;  // benefit = sense * objective
        const auto benefit = [&](const std::vector<std::uint32_t>& plan) { return sense * objective(pr, plan); };
        const double base = benefit(open);
        for (std::uint32_t k = 0; k < pr.candidates.size(); ++k) {
            const DropEffect& e = effects[k];
            EXPECT_EQ(e.candidate, k);
            const bool is_open = std::find(open.begin(), open.end(), k) != open.end();
            std::vector<std::uint32_t> without = open;
            std::erase(without, k);
            if (is_open) {
                if (!without.empty() || pr.objective == Objective::max_cover) {
                    EXPECT_TRUE(close_to(e.loss, base - benefit(without))) << k << ": " << e.loss;
                }
                // The best swap by brute force.
                std::optional<double> best;
                for (std::uint32_t r = 0; r < pr.candidates.size(); ++r) {
                    if (std::find(open.begin(), open.end(), r) != open.end()) continue;
                    auto plan = without;
                    plan.push_back(r);
                    if (violations(pr, plan).empty() && (!best || benefit(plan) - base > *best)) best = benefit(plan) - base;
                }
                if (pr.candidates[k].fixed || !best) {
                    EXPECT_EQ(e.replacement, -1);
                    EXPECT_TRUE(std::isnan(e.swap_delta));
                } else {
                    ASSERT_GE(e.replacement, 0);
                    EXPECT_TRUE(close_to(e.swap_delta, *best)) << k << ": " << e.swap_delta << " vs " << *best;
                    auto plan = without;
                    plan.push_back(static_cast<std::uint32_t>(e.replacement));
                    EXPECT_TRUE(close_to(benefit(plan) - base, e.swap_delta));
                    EXPECT_GE(e.swap_delta, -e.loss - 1e-9);
                    // A local optimum: no swap improves.
                    EXPECT_LE(e.swap_delta, 1e-9 * std::abs(base));
                }
            } else {
                auto plan = open;
                plan.push_back(k);
                if (violations(pr, plan, false).empty()) {
                    EXPECT_TRUE(close_to(e.loss, base - benefit(plan))) << k;
                } else {
                    EXPECT_TRUE(std::isnan(e.loss)) << k;
                }
                EXPECT_EQ(e.replacement, -1);
            }
        }
    }
}

TEST(Siting, Heuristic_sameSeedSameResultAnyThreads) {
    const auto inst = test::clustered({.demand = 2000, .candidates = 200, .seed = 7});
    const Problem pr = test::covering_problem(inst, test::covers_within(inst, 3000), 15);
    const Solution a = solve_heuristic(pr, {.seed = 3, .time_limit_s = 2, .threads = 1});
    const Solution b = solve_heuristic(pr, {.seed = 3, .time_limit_s = 2, .threads = 2});
    ASSERT_EQ(a.chosen.size(), 15u);
    ASSERT_EQ(open_of(a), open_of(b));
    EXPECT_EQ(a.objective, b.objective);
}

TEST(Siting, MaxCover_heuristicWithinHalfPercentOfCbc) {
    const auto inst = test::clustered({.demand = 2000, .candidates = 200, .seed = 1});
    const auto covers = test::covers_within(inst, 3000);
    for (int p : {10, 20}) {
        SCOPED_TRACE(p);
        const Problem pr = test::covering_problem(inst, covers, p);
        const Solution h = solve_heuristic(pr);
        const Solution e = solve_exact(pr, {.time_limit_s = 60});
        ASSERT_TRUE(e.optimal);
        EXPECT_GE(h.objective, 0.995 * e.objective) << h.objective << " vs " << e.objective;
        EXPECT_LE(h.objective, e.objective + 1e-6);
        // CBC from the heuristic's plan reaches the same optimum.
        const Solution warm = solve_exact(pr, {.time_limit_s = 60, .start = &h});
        EXPECT_TRUE(close_to(warm.objective, e.objective));
    }
}

TEST(Siting, OrLibrary_heuristicWithinOnePercentAndCbcOptimalOnPmed1) {
    const auto dir = test::shared_dir() / "datasets" / "orlib-pmed";
    if (!std::filesystem::exists(dir / "pmedopt.txt")) GTEST_SKIP() << dir << " not found";
    const auto optima = test::orlib::read_optima(dir / "pmedopt.txt");
    ASSERT_EQ(optima.size(), 40u);
    int optimal = 0;
    for (int k = 1; k <= 10; ++k) {
        const std::string name = "pmed" + std::to_string(k);
        SCOPED_TRACE(name);
        const Problem pr = test::orlib::to_problem(test::orlib::read_pmed(dir / (name + ".txt")));
        const Solution h = solve_heuristic(pr);
        EXPECT_LE(h.objective, 1.01 * optima.at(name));
        EXPECT_GE(h.objective, optima.at(name));
        optimal += h.objective == optima.at(name);
    }
    EXPECT_GE(optimal, 8) << "pmed1-10 at their optimum";

    const Problem pmed1 = test::orlib::to_problem(test::orlib::read_pmed(dir / "pmed1.txt"));
    const Solution e = solve_exact(pmed1, {.time_limit_s = 60});
    EXPECT_TRUE(e.optimal);
    EXPECT_EQ(e.objective, optima.at("pmed1"));
}

TEST(Siting, OrLibrary_readerTakesTheLastOfARepeatedEdge) {
    test::TempDir tmp;
    test::write(tmp / "pmedX.txt", "3 3 1\n1 2 5\n2 3 4\n1 2 2\n");
    const auto inst = test::orlib::read_pmed(tmp / "pmedX.txt");
    ASSERT_EQ(inst.n, 3u);
    EXPECT_EQ(inst.distance[0 * 3 + 1], 2.0f);  // the last 1-2 edge
    EXPECT_EQ(inst.distance[0 * 3 + 2], 6.0f);  // 1-2-3
    EXPECT_EQ(inst.distance[2 * 3 + 0], 6.0f);
}

// Conflicts before search.

namespace {

/// Four candidates, two per unit; costs 300,000 each to 'city'.
Problem units_problem() {
    Problem pr;
    pr.weight = {1, 1, 1, 1};
    pr.covers = {{0}, {1}, {2}, {3}};
    pr.budgets = {{"city", inf}};
    pr.groups = {{"unit 蓬江区", 0}, {"unit 江海区", 0}};
    for (std::uint32_t k = 0; k < 4; ++k) pr.candidates.push_back({"B" + std::to_string(k), {{0, 300000}}, {k / 2}, false});
    pr.p = 2;
    return pr;
}

std::string conflicts_of(const Problem& pr) {
    try {
        solve_heuristic(pr);
    } catch (const Infeasible& e) {
        EXPECT_THROW(solve_exact(pr), Infeasible);
        return e.what();
    }
    return "(feasible)";
}

}  // namespace

TEST(Siting, Infeasible_groupMinimumsAboveP) {
    Problem pr = units_problem();
    pr.groups[0].min = 2;
    pr.groups[1].min = 1;
    EXPECT_EQ(infeasibility(pr), std::vector<std::string>{"groups 'unit 蓬江区' (min 2) and 'unit 江海区' (min 1) need 3 sites but p = 2"});
    EXPECT_NE(conflicts_of(pr).find("'unit 蓬江区' (min 2)"), std::string::npos);
}

TEST(Siting, Infeasible_cheapestWayToMeetAGroupExceedsABudget) {
    Problem pr = units_problem();
    pr.groups[0].min = 2;
    pr.p = 3;
    pr.candidates[1].costs[0].second = 400000;
    pr.budgets[0].limit = 650000;
    const auto found = infeasibility(pr);
    EXPECT_NE(std::find(found.begin(), found.end(),
                        "group 'unit 蓬江区' needs at least 2 sites; the 2 cheapest cost 700,000 of budget 'city' 650,000"),
              found.end())
        << ::testing::PrintToString(found);
}

TEST(Siting, Infeasible_eachKindIsNamed) {
    struct Case {
        const char* name;
        void (*edit)(Problem&);
        const char* expected;
    };
    const Case cases[] = {
        {"fixed above p", [](Problem& pr) { pr.candidates[0].fixed = pr.candidates[1].fixed = pr.candidates[2].fixed = true; },
         "3 candidates are fixed open ('B0', 'B1' and 'B2') but p = 2"},
        {"fixed over budget", [](Problem& pr) { pr.candidates[0].fixed = pr.candidates[1].fixed = true; pr.budgets[0].limit = 500000; },
         "the fixed candidates cost 600,000 of budget 'city' 500,000"},
        {"min above members", [](Problem& pr) { pr.groups[1].min = 3; }, "group 'unit 江海区' needs at least 3 sites but has 2 candidates"},
        {"min above max", [](Problem& pr) { pr.groups[1].min = 2; pr.groups[1].max = 1; }, "group 'unit 江海区' has min 2 > max 1"},
        {"fixed above max", [](Problem& pr) { pr.candidates[2].fixed = pr.candidates[3].fixed = true; pr.groups[1].max = 1; },
         "group 'unit 江海区' allows at most 1 sites but 2 fixed candidates belong to it ('B2' and 'B3')"},
        {"p over budget", [](Problem& pr) { pr.budgets[0].limit = 500000; },
         "p = 2 sites cost at least 600,000 of budget 'city' 500,000 (the 2 cheapest)"},
        {"maxima below p", [](Problem& pr) { pr.groups[0].max = 0; pr.groups[1].max = 1; pr.p = 2; },
         "p = 2 but groups 'unit 蓬江区' (max 0) and 'unit 江海区' (max 1) allow at most 1 sites"},
        {"nothing fits", [](Problem& pr) { pr.p = -1; pr.budgets[0].limit = 200000; },
         "no candidate fits: budget 'city' has 200,000 left but the cheapest candidate costs 300,000"},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.name);
        Problem pr = units_problem();
        c.edit(pr);
        const auto found = infeasibility(pr);
        EXPECT_NE(std::find(found.begin(), found.end(), c.expected), found.end()) << ::testing::PrintToString(found);
        EXPECT_NE(conflicts_of(pr).find(c.expected), std::string::npos);
    }
}

TEST(Siting, Infeasible_overlappingGroupsFoundBySearchAndCbc) {
    // A = {0, 1}, B = {1, 2}, C = {0, 2}, each min 2: all three sites are
    // needed but p = 2. No two groups are disjoint, so the check before
    // search cannot see it; the heuristic names the group it could not meet
    // and CBC proves it.
    Problem pr;
    pr.weight = {1, 1, 1};
    pr.covers = {{0}, {1}, {2}};
    pr.groups = {{"A", 2}, {"B", 2}, {"C", 2}};
    pr.candidates = {{"x", {}, {0, 2}, false}, {"y", {}, {0, 1}, false}, {"z", {}, {1, 2}, false}};
    pr.p = 2;
    EXPECT_TRUE(infeasibility(pr).empty());
    try {
        solve_heuristic(pr);
        ADD_FAILURE() << "feasible?";
    } catch (const Infeasible& e) {
        ASSERT_EQ(e.conflicts().size(), 2u);
        EXPECT_NE(e.conflicts()[0].find("group '"), std::string::npos) << e.what();
    }
    try {
        solve_exact(pr);
        ADD_FAILURE() << "feasible?";
    } catch (const Infeasible& e) {
        EXPECT_EQ(e.conflicts().at(0), "CBC proved the model infeasible: p = 2; group 'A' (min 2); group 'B' (min 2); group 'C' (min 2)");
    }
}

// CBC's time limit. A p-median model whose first LP relaxation alone takes
// far longer than a second (800 demand points, 400 candidates, p = 5: the
// sparse model has some 72,000 columns, and its LP relaxation took 22 s on
// the 2-core machine these figures come from), solved within 1 s and 0.2 s.
// The limit is wall clock from the call to the answer. The overshoot
// allowed, 1.5 s, is what ExactOptions::time_limit_s states for the start
// of the first LP (measured here: 0.2 s past 1 s, 0.6 s past 0.2 s), more
// under a sanitizer (the model is built in instrumented code; CBC is not).

namespace {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr double sanitizer_factor = 4;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
constexpr double sanitizer_factor = 4;
#else
constexpr double sanitizer_factor = 1;
#endif
#else
constexpr double sanitizer_factor = 1;
#endif
constexpr double exact_slack_s = 1.5 * sanitizer_factor;

Problem slow_median_problem() {
    const auto inst = test::clustered({.demand = 800, .candidates = 400, .seed = 3});
    Problem pr;
    pr.objective = Objective::p_median;
    pr.weight = inst.weight;
    pr.p = 5;
    pr.candidates.resize(inst.sites.size());
    for (std::size_t j = 0; j < inst.sites.size(); ++j) pr.candidates[j].id = "S" + std::to_string(j);
    pr.distance.resize(inst.sites.size() * inst.demand.size());
    for (std::size_t j = 0; j < inst.sites.size(); ++j)
        for (std::size_t i = 0; i < inst.demand.size(); ++i)
            pr.distance[j * inst.demand.size() + i] =
                static_cast<float>(std::hypot(inst.demand[i].x - inst.sites[j].x, inst.demand[i].y - inst.sites[j].y));
    return pr;
}

double seconds_of(const std::function<void()>& fn) {
    const auto t0 = std::chrono::steady_clock::now();
    fn();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

TEST(Siting, ExactTimeLimit_boundsTheWholeSolveAndKeepsTheWarmStart) {
    const Problem pr = slow_median_problem();
    Solution start;  // any p candidates are a plan here
    for (std::uint32_t k = 0; k < 5; ++k) start.chosen.push_back({k * 80, 0});
    std::vector<std::uint32_t> open;
    for (const Choice& c : start.chosen) open.push_back(c.candidate);
    Solution e;
    const double took = seconds_of([&] { e = solve_exact(pr, {.time_limit_s = 1, .start = &start}); });
    EXPECT_LT(took, 1 + exact_slack_s);
    EXPECT_GE(e.seconds, 1.0);
    EXPECT_TRUE(e.timed_out);
    EXPECT_FALSE(e.optimal);
    ASSERT_EQ(e.chosen.size(), 5u);
    EXPECT_LE(e.objective, evaluate(pr, open) * (1 + 1e-9));  // never worse than where it started
}

TEST(Siting, ExactTimeLimit_tooShortForAnyPlanIsACleanError) {
    const Problem pr = slow_median_problem();
    const double took = seconds_of([&] {
        try {
            (void)solve_exact(pr, {.time_limit_s = 0.2});
            ADD_FAILURE() << "a plan within 0.2 s?";
        } catch (const NoPlanInTime& e) {
            EXPECT_NE(std::string(e.what()).find("no feasible plan within 0.2 s"), std::string::npos) << e.what();
        }
    });
    EXPECT_LT(took, 0.2 + exact_slack_s);
}

TEST(Siting, Malformed_throwsErrorNamingTheField) {
    struct Case {
        const char* name;
        void (*edit)(Problem&);
        const char* expected;
    };
    const Case cases[] = {
        {"p above candidates", [](Problem& pr) { pr.p = 60; }, "p = 60 but there are only 4 candidates"},
        {"p below -1", [](Problem& pr) { pr.p = -2; }, "p = -2"},
        {"negative weight", [](Problem& pr) { pr.weight[2] = -1; }, "weight[2] is -1"},
        {"NaN weight", [](Problem& pr) { pr.weight[1] = std::nan(""); }, "weight[1] is nan"},
        {"negative cost", [](Problem& pr) { pr.candidates[3].costs[0].second = -5; }, "candidate 'B3': cost -5 for budget 'city'"},
        {"budget index", [](Problem& pr) { pr.candidates[1].costs.push_back({4, 1}); }, "candidate 'B1': a cost for budget index 4"},
        {"group index", [](Problem& pr) { pr.candidates[0].groups.push_back(9); }, "candidate 'B0': group index 9"},
        {"covers size", [](Problem& pr) { pr.covers.pop_back(); }, "covers has 3 lists for 4 candidates"},
        {"covers index", [](Problem& pr) { pr.covers[2] = {7}; }, "candidate 'B2': covers demand 7, but there are 4 demand points"},
        {"covers order", [](Problem& pr) { pr.covers[2] = {2, 1}; }, "candidate 'B2': covers must be sorted"},
        {"NaN limit", [](Problem& pr) { pr.budgets[0].limit = std::nan(""); }, "budget 'city' has limit nan"},
        {"distance size", [](Problem& pr) { pr.objective = Objective::p_median; pr.distance.assign(15, 1.0f); },
         "distance has 15 entries; expected candidates x demand = 4 x 4 = 16"},
        {"negative distance", [](Problem& pr) { pr.objective = Objective::p_median; pr.distance.assign(16, 1.0f); pr.distance[13] = -2; },
         "candidate 'B3': distance to demand 1 is -2"},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.name);
        Problem pr = units_problem();
        c.edit(pr);
        for (int solver = 0; solver < 3; ++solver) {
            try {
                if (solver == 0) solve_heuristic(pr);
                else if (solver == 1) solve_exact(pr);
                else evaluate(pr, {0});
                ADD_FAILURE() << "no error from solver " << solver;
            } catch (const Infeasible& e) {
                ADD_FAILURE() << "Infeasible, not Error: " << e.what();
            } catch (const Error& e) {
                EXPECT_NE(std::string(e.what()).find(c.expected), std::string::npos) << e.what();
            }
        }
    }
}

TEST(Siting, Evaluate_countsFixedCandidatesAndRejectsBadIndices) {
    Problem pr = units_problem();
    pr.candidates[3].fixed = true;
    EXPECT_EQ(evaluate(pr, {0}), 2.0);
    EXPECT_EQ(evaluate(pr, {0, 3, 0}), 2.0);
    EXPECT_THROW(evaluate(pr, {4}), Error);
}
