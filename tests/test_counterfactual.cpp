// Counterfactual re-runs (counterfactual.hpp): a lever is a cause when
// relaxing it, with every random stream the same, turns a miss into a met
// target.
#include <gtest/gtest.h>

#include <algorithm>

#include "test_support.hpp"
#include "tisheng/simulate/counterfactual.hpp"
#include "tisheng/model/scenario.hpp"
#include "tisheng/simulate/simulate.hpp"

using namespace tisheng;
using namespace tisheng::test;
namespace fs = std::filesystem;

namespace {

fs::path baseline(const char* name) { return source_dir() / "scenarios" / (std::string(name) + "-baseline.yaml"); }

Scenario load(const char* name, std::vector<std::string> overrides) {
    LoadOptions o;
    o.overrides = std::move(overrides);
    return load_scenario(baseline(name), o);
}

std::size_t lever_index(const Counterfactuals& cf, const std::string& id) {
    for (std::size_t i = 0; i < cf.levers.size(); ++i)
        if (cf.levers[i].id == id) return i;
    ADD_FAILURE() << "no lever " << id;
    return 0;
}

/// The fixes of every check of target `t`.
std::vector<const Fix*> fixes_of(const Counterfactuals& cf, const Results& r, std::size_t t) {
    std::vector<const Fix*> out;
    for (const Fix& f : cf.fixes)
        if (r.layout.checks[f.check].target == t) out.push_back(&f);
    return out;
}

}  // namespace

// Two payers that bind together: each pays a share of every station's
// set-up, both budgets are tiny, so relaxing either alone leaves the other
// holding the stations back; relaxing both meets the target.
TEST(Counterfactual, TwoPayersBindTogether_neitherAloneFixesThePairDoes) {
    Scenario s = load("jiangmen", {"run.replications=24", "budgets.payers.union.annual_cny=8000",
                                   "budgets.payers.safety_fund.annual_cny=6000", "budgets.payers.skill_subsidy.annual_cny=unlimited",
                                   "budgets.payers.city_fund.annual_cny=unlimited", "budgets.payers.city_fund.years={}",
                                   "costs.monthly_cny=0"});
    s.counterfactuals.levers = {"payer:union", "payer:safety_fund"};
    const Simulator sim(s);
    const Results r = simulate(sim);
    CounterfactualOptions o;
    o.sample = 24;
    const Counterfactuals cf = explain_misses(sim, r, o);
    ASSERT_EQ(cf.levers.size(), 2u);
    const std::size_t union_ = lever_index(cf, "payer:union"), safety = lever_index(cf, "payer:safety_fund");
    const auto fixes = fixes_of(cf, r, 1);  // stations-2024: 5 (3) per district by 2024-12-31
    ASSERT_FALSE(fixes.empty()) << "the tiny budgets must make stations-2024 miss";
    int pairs = 0;
    for (const Fix* f : fixes) {
        if (f->rerun == 0) continue;
        SCOPED_TRACE(r.layout.checks[f->check].unit);
        EXPECT_LT(f->fixed_by[union_], cf.fix_share);
        EXPECT_LT(f->fixed_by[safety], cf.fix_share);
        EXPECT_GE(f->all_fixed, cf.fix_share);
        ASSERT_EQ(f->smallest.size(), 2u);
        EXPECT_GE(f->smallest_fixed, cf.fix_share);
        EXPECT_FALSE(f->capped);
        ++pairs;
    }
    EXPECT_GT(pairs, 0);
}

// Quanzhou with money, durations, applications and reviews that never hold a
// base back: only the per-round cap (per_round: even, 10 a round) keeps 30
// bases from being named in the first two rounds.
TEST(Counterfactual, RoundCapIsTheOnlyLever) {
    Scenario s = load("quanzhou", {"run.replications=12", "programme.quota.per_round=even",
                                   "programme.targets[0].deadline=2021-12-31", "budgets.payers.city.annual_cny=unlimited",
                                   "budgets.payers.county.annual_cny=unlimited", "budgets.payers.county.units={}",
                                   "behaviour.apply={existing: 1, new: 1, recognised: 1}", "behaviour.reapply=1",
                                   "programme.review[0].pass=1", "programme.review[1].pass=1", "programme.review[2].pass=1",
                                   "programme.review[3].pass=1", "programme.review[0].pass_ineligible=0",
                                   "programme.review[1].pass_ineligible=0"});
    const Simulator sim(s);
    const Results r = simulate(sim);
    const Counterfactuals cf = explain_misses(sim, r);
    const std::size_t cap = lever_index(cf, "round_cap");
    EXPECT_EQ(std::count_if(cf.levers.begin(), cf.levers.end(), [](const Lever& l) { return l.kind == Lever::Kind::payer; }), 0)
        << "unlimited payers are no lever";
    const auto fixes = fixes_of(cf, r, 0);  // bases-30, now due 2021-12-31
    ASSERT_EQ(fixes.size(), 1u);
    const Fix& f = *fixes[0];
    EXPECT_EQ(f.missed, r.replications) << "two rounds of 10 cannot make 30";
    for (std::size_t l = 0; l < cf.levers.size(); ++l) {
        const double want = l == cap ? 1.0 : 0.0;
        EXPECT_EQ(f.fixed_by[l], want) << cf.levers[l].id;
    }
    EXPECT_EQ(f.smallest, std::vector<std::size_t>{cap});
}

// The same counterfactuals on one thread and on three.
TEST(Counterfactual, SameNumbersForAnyThreadCount) {
    const Scenario s = load("jiangmen", {"run.replications=40"});
    const Simulator sim(s);
    const Results r = simulate(sim);
    CounterfactualOptions o;
    o.sample = 20;
    o.max_sets = 12;
    o.threads = 1;
    const Counterfactuals one = explain_misses(sim, r, o);
    o.threads = 3;
    const Counterfactuals three = explain_misses(sim, r, o);
    ASSERT_FALSE(one.fixes.empty());
    ASSERT_EQ(one.fixes.size(), three.fixes.size());
    EXPECT_EQ(one.sets_run, three.sets_run);
    for (std::size_t i = 0; i < one.fixes.size(); ++i) {
        EXPECT_EQ(one.fixes[i].fixed_by, three.fixes[i].fixed_by) << i;
        EXPECT_EQ(one.fixes[i].smallest, three.fixes[i].smallest) << i;
        EXPECT_EQ(one.fixes[i].all_value.p50, three.fixes[i].all_value.p50) << i;
    }
}

// With no lever relaxed, a variant simulator reproduces every replication
// exactly: the streams are keyed, not shared.
TEST(Counterfactual, NoLeverRelaxedReproducesTheRun) {
    const Scenario s = load("jiangmen", {});
    const Simulator sim(s);
    const Scenario same = relaxed(s, {});
    const Simulator variant(same, sim);
    for (std::uint64_t k : {0u, 7u, 31u}) {
        const Trajectory a = sim.run(k), b = variant.run(k);
        EXPECT_EQ(a.series, b.series) << k;
        EXPECT_EQ(a.project_built_on, b.project_built_on) << k;
    }
}

// Common random numbers: unlimited money changes when stations are funded,
// not when projects end or how large a station is built. A project that
// builds a station in both runs was drawn the same floor area, so it meets
// the standard in both or in neither (area is part of the standard).
TEST(Counterfactual, RelaxingMoneyLeavesOtherDrawsAlone) {
    const Scenario s = load("jiangmen", {"budgets.payers.union.annual_cny=200000"});
    const Simulator sim(s);
    std::vector<const Lever*> chosen;
    const auto all = levers(s);
    for (const Lever& l : all)
        if (l.id == "payer:union") chosen.push_back(&l);
    ASSERT_EQ(chosen.size(), 1u);
    const Scenario rich = relaxed(s, chosen);
    EXPECT_FALSE(rich.budgets.payers[1].annual_cny.has_value());
    const Simulator variant(rich, sim);
    int built_earlier = 0, built_later = 0;
    for (std::uint64_t k = 0; k < 8; ++k) {
        const Trajectory a = sim.run(k), b = variant.run(k);
        ASSERT_EQ(a.project_slot.size(), b.project_slot.size()) << "arrivals are drawn from their own streams";
        EXPECT_EQ(a.project_start, b.project_start);
        for (std::size_t p = 0; p < a.project_built_on.size(); ++p) {
            built_earlier += b.project_built_on[p] < a.project_built_on[p];
            built_later += b.project_built_on[p] > a.project_built_on[p];
        }
    }
    EXPECT_GT(built_earlier, 0) << "money was binding";
    EXPECT_LT(built_later, built_earlier) << "more money should mostly build sooner";
}

// The strict reading of 应建尽建 (100 % at every month end) stays expressible:
// one check per month end from 2025-01 and district.
TEST(Counterfactual, StrictReadingOfEveryEligibleProjectIsExpressible) {
    const Scenario s = load("jiangmen", {"run.replications=20", "programme.targets[2].check=month_end", "programme.targets[2].required=1.0"});
    const Simulator sim(s);
    const Layout& L = sim.layout();
    std::size_t strict = 0;
    for (const Check& c : L.checks)
        if (c.target == 2) {
            ++strict;
            EXPECT_EQ(c.required, 1.0);
            EXPECT_EQ(c.date, c.date.month_end());
        }
    EXPECT_EQ(strict, 36u * 8u);  // 2025-01 .. 2027-12, seven districts and the city
    const Results r = simulate(sim);
    for (std::size_t c = 0; c < L.checks.size(); ++c)
        if (L.checks[c].target == 2) {
            EXPECT_LT(r.checks[c].p_met, 1.0) << L.checks[c].date.iso();
        }
}

// A lever can break what worked: in Quanzhou, when every candidate applies
// at once the places fill with the highest-ranked candidates and some focus
// industry goes without a base, so replications that met focus-industries
// miss it. P(met | lever) counts them (it is not P(met) plus fixed misses).
TEST(Counterfactual, ALeverCanBreakReplicationsThatMet) {
    const Scenario s = load("quanzhou", {"run.replications=200"});
    const Simulator sim(s);
    const Results r = simulate(sim);
    const Counterfactuals cf = explain_misses(sim, r);
    const auto fixes = fixes_of(cf, r, 2);  // focus-industries
    ASSERT_EQ(fixes.size(), 1u);
    const Fix& f = *fixes[0];
    const double p = r.checks[f.check].p_met;
    ASSERT_GT(p, 0.0);
    ASSERT_GT(f.rerun_met, 0);
    const std::size_t apply = lever_index(cf, "application");
    EXPECT_LT(f.kept_by[apply], 1.0);
    EXPECT_LT(f.p_if(apply, p), p + (1 - p) * f.fixed_by[apply]);
    EXPECT_LT(f.p_all(p), p) << "every lever at once does worse than none here";
    EXPECT_TRUE(f.smallest.empty()) << "no set fixes 90 % of the misses";
    EXPECT_FALSE(f.capped) << "the whole search ran";
}
