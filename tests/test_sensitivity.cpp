// Global sensitivity (sensitivity.hpp): the factors a scenario yields, a
// ranking known in advance, and the run report's section.
#include <gtest/gtest.h>

#include "test_support.hpp"
#include "tisheng/analysis/sensitivity.hpp"
#include "tisheng/sweep/sweep_run.hpp"

namespace tisheng {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

const SensitivityResult::Outcome& outcome(const SensitivityResult& r, const std::string& column) {
    for (const auto& o : r.outcomes)
        if (o.column == column) return o;
    throw std::runtime_error("no outcome " + column);
}

double effect(const SensitivityResult& r, const std::string& column, const std::string& path) {
    for (const auto& e : outcome(r, column).ranked)
        if (r.factors[e.factor].range.path == path) return e.mu_star;
    throw std::runtime_error("no factor " + path);
}

TEST(Sensitivity, FactorsAreTheAssumptionsWithUsableRanges) {
    const Scenario s = load_scenario(test::source_dir() / "scenarios/jiangmen-baseline.yaml");
    const SensitivityPlan plan = sensitivity_factors(s);
    auto factor = [&](const std::string& path) -> const SensitivityFactor* {
        for (const auto& f : plan.factors)
            if (f.range.path == path) return &f;
        return nullptr;
    };
    auto left_out = [&](const std::string& path) {
        return std::any_of(plan.left_out.begin(), plan.left_out.end(), [&](const auto& x) { return x.first == path; });
    };
    // An assumption: half to one and a half times its value.
    ASSERT_NE(factor("behaviour.adoption.phases.pilot"), nullptr);
    EXPECT_DOUBLE_EQ(factor("behaviour.adoption.phases.pilot")->range.lo, 0.02);
    EXPECT_DOUBLE_EQ(factor("behaviour.adoption.phases.pilot")->range.hi, 0.06);
    // A probability: up to 1.
    ASSERT_NE(factor("behaviour.standard_pass.content"), nullptr);
    EXPECT_DOUBLE_EQ(factor("behaviour.standard_pass.content")->range.hi, 1.0);
    // A whole number stays whole.
    ASSERT_NE(factor("programme.eligibility.min_workforce"), nullptr);
    EXPECT_TRUE(factor("programme.eligibility.min_workforce")->range.integral);
    EXPECT_DOUBLE_EQ(factor("programme.eligibility.min_workforce")->range.hi, 75);
    // The two ends of a day range never cross: [7, 21] -> [0] at most 14, [1] at least 14.
    ASSERT_NE(factor("behaviour.relocate_days[0]"), nullptr);
    EXPECT_LE(factor("behaviour.relocate_days[0]")->range.hi, factor("behaviour.relocate_days[1]")->range.lo);
    // Not assumptions: the notice's deadlines, synthetic budgets; nor settings of the analysis.
    EXPECT_EQ(factor("programme.targets[0].required.default"), nullptr);
    EXPECT_EQ(factor("budgets.payers[1].annual_cny"), nullptr);
    EXPECT_EQ(factor("run.replications"), nullptr);
    EXPECT_EQ(factor("coverage.radii[0]"), nullptr);
    // A cost share must sum to 1 with the others: left out, with the reason.
    EXPECT_EQ(factor("costs.setup_paid_by.enterprise"), nullptr);
    EXPECT_TRUE(left_out("costs.setup_paid_by.enterprise"));
}

// Two assumptions with a known order: the pilot phase's adoption hazard
// decides how many stations stand by 2023-12-31, and the full rollout's
// hazard (from 2025) cannot change anything before 2025: its elementary
// effects on the 2023 target are exactly 0 (the same random numbers at
// every point, and the draws before 2025 do not depend on it).
TEST(Sensitivity, MorrisRanksAKnownDecisiveFactorFirstAndGivesAnIrrelevantOneZero) {
    TempDir dir;
    std::string text = test::slurp(test::source_dir() / "scenarios/jiangmen-baseline.yaml");
    for (const char* section : {"  behaviour: {assumption:", "  costs: {assumption:", "  budgets: {assumption:", "  budgets.payers[0]: {assumption:",
                                "  programme.eligibility.min_workforce: {assumption:", "  programme.eligibility.min_contract_cny: {assumption:",
                                "  programme.eligibility.min_duration_months: {assumption:", "  behaviour.area_m2: {assumption:"}) {
        const std::size_t at = text.find(section);
        ASSERT_NE(at, std::string::npos) << section;
        text.replace(text.find("{assumption:", at), 12, "{synthetic:");
    }
    text += "  behaviour.adoption.phases.pilot: {assumption: \"the decisive one\"}\n"
            "  behaviour.adoption.phases.full_rollout: {assumption: \"cannot matter before 2025\"}\n"
            "sensitivity:\n  behaviour.adoption.phases.pilot: [0.01, 0.08]\n";
    text.replace(text.find("data_dir: ../datasets/jiangmen"), 30, "data_dir: " + (test::source_dir() / "datasets/jiangmen").string());
    test::write(dir / "two.yaml", text);

    auto base = std::make_shared<const Scenario>(load_scenario(dir / "two.yaml"));
    const SensitivityPlan plan = sensitivity_factors(*base);
    ASSERT_EQ(plan.factors.size(), 2u);
    EXPECT_TRUE(plan.factors[0].from_scenario);  // the pilot's range as given
    EXPECT_DOUBLE_EQ(plan.factors[0].range.lo, 0.01);
    EXPECT_DOUBLE_EQ(plan.factors[1].range.hi, 0.375);  // full_rollout's default: 150 % of 0.25
    SensitivityOptions o;
    o.trajectories = 6;
    o.replications = 40;
    o.bootstrap = 100;
    const Sweep sw = sensitivity_sweep(base, {}, plan, o);
    EXPECT_EQ(sw.variants(), 6u * 3u);
    const SweepRunner runner(sw);
    SweepOptions so;
    so.threads = 2;
    (void)run_sweep(runner, dir / "out", so);
    const SweepStore store(dir / "out", runner, true);
    const SensitivityResult r = analyse_sensitivity(runner, store.rows(), plan, o);

    const std::string target = "p_" + column_name("stations-2023");
    EXPECT_EQ(effect(r, target, "behaviour.adoption.phases.full_rollout"), 0.0);
    EXPECT_GT(effect(r, target, "behaviour.adoption.phases.pilot"), 0.05);
    EXPECT_EQ(r.factors[outcome(r, target).ranked[0].factor].range.path, "behaviour.adoption.phases.pilot");
    // Stations built by the end (2027) depend on both.
    EXPECT_GT(effect(r, "stations_built", "behaviour.adoption.phases.full_rollout"), 0.0);

    // The run's report reads it from beside the run folder.
    write_sensitivity(dir / (base->name + "-sensitivity"), *base, r, "2026-12-06T00:00:00Z");
    const auto sum = find_sensitivity(dir / base->name, *base);
    ASSERT_TRUE(sum.has_value());
    EXPECT_TRUE(sum->same_scenario);
    ASSERT_EQ(sum->targets.size(), base->programme.targets.size());
    ASSERT_FALSE(sum->targets[0].factors.empty());
    EXPECT_EQ(sum->targets[0].factors[0].first, "behaviour.adoption.phases.pilot");
    const std::string section = sensitivity_section_html(dir / base->name, *base);
    EXPECT_NE(section.find("behaviour.adoption.phases.pilot"), std::string::npos);
    EXPECT_NE(sensitivity_section_html(dir / "elsewhere" / "run", *base).find("No sensitivity run"), std::string::npos);
}

}  // namespace
}  // namespace tisheng

namespace tisheng {
namespace {

// The command end to end on the sweep machinery: 2 Open MPI ranks rank the
// assumptions exactly as one process does.
TEST(SensitivityCli, TwoRanksRankAsOneProcess) {
#ifndef TISHENG_MPIEXEC
    GTEST_SKIP() << "built without Open MPI (TISHENG_MPI)";
#else
    if (!std::filesystem::exists(TISHENG_MPIEXEC)) GTEST_SKIP() << TISHENG_MPIEXEC << " is not installed";
    test::TempDir dir;
    const std::string args = "sensitivity scenarios/quanzhou-baseline.yaml --trajectories 3 --replications 10 --threads 1 --out '";
    auto one = test::run_cli(args + (dir / "one").string() + "'");
    ASSERT_EQ(one.exit_code, 0) << one.output;
    auto two = test::run_cli_mpi(2, args + (dir / "two").string() + "'");
    ASSERT_EQ(two.exit_code, 0) << two.output;
    auto without_date = [](std::string text) {
        const std::size_t at = text.find("\"created\"");
        if (at != std::string::npos) text.erase(at, text.find('\n', at) - at);
        return text;
    };
    const std::string a = without_date(test::slurp(dir / "one" / "sensitivity.json"));
    EXPECT_NE(a.find("\"mu_star\""), std::string::npos);
    EXPECT_EQ(without_date(test::slurp(dir / "two" / "sensitivity.json")), a);
#endif
}

}  // namespace
}  // namespace tisheng
