// Calibration (calibrate.hpp): parameter recovery from synthetic returns,
// observations the model cannot reproduce, the observation file's checks,
// determinism, resume, and the fitted scenario.
#include <gtest/gtest.h>

#include <cmath>

#include "test_support.hpp"
#include "tisheng/analysis/calibrate.hpp"
#include "tisheng/simulate/simulate.hpp"
#include "tisheng/core/text.hpp"

namespace tisheng {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

/// A copy of a shipped scenario in `dir` with its `calibrate:` section
/// replaced by `block` (and its data_dir made absolute).
fs::path scenario_with(const TempDir& dir, const std::string& city, const std::string& block) {
    std::string text = test::slurp(test::source_dir() / "scenarios" / (city + "-baseline.yaml"));
    const std::size_t a = text.find("\ncalibrate:\n");
    const std::size_t b = text.find("\n\n", a + 1);
    EXPECT_NE(a, std::string::npos);
    text = text.substr(0, a + 1) + block + text.substr(b + 1);
    const std::string dd = "data_dir: ../datasets/" + city;
    const std::size_t d = text.find(dd);
    EXPECT_NE(d, std::string::npos);
    text.replace(d, dd.size(), "data_dir: " + (test::source_dir() / "datasets" / city).string());
    const fs::path file = dir / (city + ".yaml");
    test::write(file, text);
    return file;
}

std::vector<Date> year_ends(std::initializer_list<int> years) {
    std::vector<Date> out;
    for (int y : years) out.push_back(Date::from_ymd(y, 12, 31));
    return out;
}

/// P(met) of each target over `reps` replications of `s`.
std::vector<double> p_met(const Scenario& s, int reps) {
    MonteCarloOptions mc;
    mc.replications = reps;
    const Results r = simulate(s, mc);
    std::vector<double> out;
    for (std::size_t t = 0; t < s.programme.targets.size(); ++t) out.push_back(p_targets_met(r, {t}));
    return out;
}

// A reduced budget: fewer points and steps, not fewer replications per
// value (with few common replications the estimate follows their luck:
// docs/calibration.md).
CalibrationOptions small_budget() {
    CalibrationOptions o;
    o.replications = 100;
    o.screen = 20;
    o.starts = 1;
    o.max_evaluations = 60;
    o.draws = 60;
    o.predictive_replications = 10;
    o.threads = 2;
    return o;
}

struct Recovery {
    std::vector<std::pair<std::string, double>> truth;
    CalibrationResult fit;
    std::vector<double> truth_p_met;
};

/// Observes replication 0 of the scenario at the true values, calibrates to it.
Recovery recover(const fs::path& file, const std::vector<std::pair<std::string, double>>& truth, const std::vector<Date>& dates,
                 const TempDir& dir) {
    Recovery r;
    r.truth = truth;
    LoadOptions lo;
    for (const auto& [path, v] : truth) lo.overrides.push_back(path + "=" + exact_number(v));
    const Scenario truth_scenario = load_scenario(file, lo);
    test::write(dir / "observed.csv", simulated_observations(truth_scenario, 0, dates));
    r.truth_p_met = p_met(truth_scenario, 300);
    const Scenario s = load_scenario(file);
    const ObservationSet obs = read_observations(dir / "observed.csv", s, Simulator(s).layout());
    r.fit = calibrate(s, obs, small_budget());
    return r;
}

void expect_recovered(const Recovery& r, double p_met_tolerance) {
    ASSERT_EQ(r.fit.parameters.size(), r.truth.size());
    for (std::size_t k = 0; k < r.truth.size(); ++k) {
        const ParameterFit& f = r.fit.parameters[k];
        EXPECT_EQ(f.range.path, r.truth[k].first);
        EXPECT_LE(f.q05, r.truth[k].second) << f.range.path << ": estimate " << f.estimate << ", 90 % interval " << f.q05 << " .. " << f.q95;
        EXPECT_GE(f.q95, r.truth[k].second) << f.range.path << ": estimate " << f.estimate << ", 90 % interval " << f.q05 << " .. " << f.q95;
    }
    for (std::size_t t = 0; t < r.truth_p_met.size(); ++t)
        EXPECT_NEAR(r.fit.p_met_fitted[t], r.truth_p_met[t], p_met_tolerance) << "target " << t;
}

// The stated tolerance of the predictive P(met) against the truth's, 0.2:
// the truth's own P(met) is estimated from 300 replications (±0.05 at
// 95 %); the observed return is one replication, and the fitted P(met)
// follows it (in the Jiangmen test's return two districts fell short of the
// 2023 minimum, and a threshold target's P(met) moves steeply with the
// adoption hazard, whose interval spans ±20 %).
constexpr double p_met_tolerance = 0.2;

// The truth differs from the scenario's assumptions (pilot 0.04, staff
// 0.9); the promotion phase's hazard is set to its true value and not
// fitted (docs/calibration.md: with budget-bound years it is the least
// linear parameter, and its interval covered the truth in 3 of 4 trials).
TEST(CalibrateRecovery, JiangmenTrueValuesLieInTheirIntervals_andPredictivePMetIsNearTheTruths) {
    TempDir dir;
    std::string block = "calibrate:\n  behaviour.adoption.phases.pilot: [0.002, 0.5]\n  behaviour.standard_pass.staff: [0.5, 1.0]\n";
    const fs::path file = scenario_with(dir, "jiangmen", block);
    std::string text = test::slurp(file);
    text.replace(text.find("promotion: 0.08"), 15, "promotion: 0.05");
    test::write(file, text);
    const Recovery r = recover(file, {{"behaviour.adoption.phases.pilot", 0.02}, {"behaviour.standard_pass.staff", 0.75}},
                               year_ends({2023, 2024}), dir);
    expect_recovered(r, p_met_tolerance);
    // Informative data: the pilot's hazard is pinned well inside its range.
    EXPECT_LT(r.fit.parameters[0].q95 - r.fit.parameters[0].q05, 0.1 * (0.5 - 0.002));
    // The assumed values (pilot 0.04) build far more by 2023 than the truth.
    EXPECT_GT(r.fit.p_met_assumed[0], r.fit.p_met_fitted[0] + 0.1);
}

TEST(CalibrateRecovery, QuanzhouTrueValuesLieInTheirIntervals_andPredictivePMetIsNearTheTruths) {
    TempDir dir;
    const fs::path file = scenario_with(dir, "quanzhou",
                                        "calibrate:\n  behaviour.apply.existing: [0.05, 1.0]\n  behaviour.apply.new: [0.05, 1.0]\n");
    const Recovery r = recover(file, {{"behaviour.apply.existing", 0.25}, {"behaviour.apply.new", 0.15}}, year_ends({2020, 2021, 2022}), dir);
    expect_recovered(r, p_met_tolerance);
}

TEST(Calibrate, ObservationTheModelCannotReproduceIsAClearErrorNotAFit) {
    TempDir dir;
    const fs::path file = scenario_with(dir, "jiangmen", "calibrate:\n  behaviour.adoption.phases.pilot: [0.002, 0.5]\n");
    test::write(dir / "observed.csv",
                "unit,date,measure,value\n440703,2023-12-31,已建,3\n440704,2023-12-31,已建,5000\n440704,2024-12-31,在建,2\n");
    const Scenario s = load_scenario(file);
    const ObservationSet obs = read_observations(dir / "observed.csv", s, Simulator(s).layout());
    CalibrationOptions o = small_budget();
    o.screen = 12;
    try {
        (void)calibrate(s, obs, o);
        FAIL() << "a count of 5000 stations in one district was fitted";
    } catch (const InvalidInput& e) {
        ASSERT_EQ(e.problems().size(), 1u);
        const std::string m = e.problems()[0].str();
        EXPECT_NE(m.find("observed.csv:3"), std::string::npos) << m;
        EXPECT_NE(m.find("5000"), std::string::npos) << m;
        EXPECT_NE(m.find("cannot reproduce"), std::string::npos) << m;
    }
}

TEST(Calibrate, ObservationFileErrorsNameTheLineAndColumn) {
    TempDir dir;
    const Scenario s = load_scenario(test::source_dir() / "scenarios/jiangmen-baseline.yaml");
    const Simulator sim(s);
    test::write(dir / "bad.csv",
                "unit,date,measure,value\n"
                "蓬江区,2023-12-31,已建,3\n"      // fine: a name
                "440799,2023-12-31,已建,3\n"      // unknown unit
                "440703,2023-12-30,已建,3\n"      // not a month end
                "440703,2024-12-31,已见,3\n"      // unknown measure
                "440704,2024-12-31,在建,-1\n"     // negative
                "440703,2023-12-31,built,4\n");   // the same as line 2 (built = 已建)
    try {
        (void)read_observations(dir / "bad.csv", s, sim.layout());
        FAIL();
    } catch (const InvalidInput& e) {
        std::string all;
        for (const auto& p : e.problems()) all += p.str() + "\n";
        EXPECT_EQ(e.problems().size(), 5u) << all;
        EXPECT_NE(all.find("bad.csv:3: error: field 'unit': unknown unit '440799'"), std::string::npos) << all;
        EXPECT_NE(all.find("bad.csv:4: error: field 'date': expected a month end"), std::string::npos) << all;
        EXPECT_NE(all.find("bad.csv:5: error: field 'measure': unknown measure '已见' (expected one of: 已建, built, 在建"), std::string::npos) << all;
        EXPECT_NE(all.find("bad.csv:6: error: field 'value': expected a count >= 0"), std::string::npos) << all;
        EXPECT_NE(all.find("bad.csv:7: error: field 'measure': the same unit, date and measure as line 2"), std::string::npos) << all;
    }
    test::write(dir / "header.csv", "district,date,measure,count\n440703,2023-12-31,已建,3\n");
    EXPECT_THROW((void)read_observations(dir / "header.csv", s, sim.layout()), InputError);
}

TEST(Calibrate, ScenarioRangesExpandStarsAndRejectBadKeys) {
    const Scenario s = load_scenario(test::source_dir() / "scenarios/jiangmen-baseline.yaml");
    ASSERT_EQ(s.calibrate.size(), 8u);  // four phases, four elements of the standard
    EXPECT_EQ(s.calibrate[0].path, "behaviour.adoption.phases.mobilisation");
    EXPECT_EQ(s.calibrate[7].path, "behaviour.standard_pass.funding");
    EXPECT_DOUBLE_EQ(s.calibrate[1].value, 0.04);
    EXPECT_TRUE(log_uniform(s.calibrate[0]));
    EXPECT_FALSE(log_uniform(s.calibrate[4]));

    TempDir dir;
    const fs::path bad = scenario_with(dir, "jiangmen",
                                       "calibrate:\n  behaviour.adoption.phase.pilot: [0.01, 0.5]\n"
                                       "  behaviour.standard_pass.staff: [0.9, 0.5]\n  behaviour.plan_days[*]: [1, 90]\n");
    try {
        (void)load_scenario(bad);
        FAIL();
    } catch (const InvalidInput& e) {
        std::string all;
        for (const auto& p : e.problems()) all += p.str() + "\n";
        EXPECT_EQ(e.problems().size(), 2u) << all;
        EXPECT_NE(all.find("'behaviour.adoption.phase.pilot' names no number of the scenario"), std::string::npos) << all;
        EXPECT_NE(all.find("did you mean 'behaviour.adoption.phases.pilot'"), std::string::npos) << all;
        EXPECT_NE(all.find("expected lo < hi"), std::string::npos) << all;
    }
}

TEST(Calibrate, SameResultWhateverTheThreads_andAResumedRunEndsAsAnUninterruptedOne) {
    TempDir dir;
    const fs::path file = scenario_with(dir, "quanzhou", "calibrate:\n  behaviour.apply.existing: [0.05, 1.0]\n  behaviour.reapply: [0.05, 1.0]\n");
    const Scenario s = load_scenario(file);
    test::write(dir / "observed.csv", test::slurp(test::source_dir() / "datasets/observed/quanzhou-returns-synthetic.csv"));
    const ObservationSet obs = read_observations(dir / "observed.csv", s, Simulator(s).layout());
    CalibrationOptions o = small_budget();
    o.threads = 1;
    const CalibrationResult one = calibrate(s, obs, o);
    o.threads = 2;
    const CalibrationResult two = calibrate(s, obs, o);
    EXPECT_EQ(one.state.theta, two.state.theta);
    EXPECT_EQ(one.state.cov_z, two.state.cov_z);
    EXPECT_EQ(one.p_met_fitted, two.p_met_fitted);

    // Killed after the first estimate: the checkpoint holds two stages.
    const std::string fp = calibration_fingerprint(s, obs, o);
    CalibrationOptions killed = o;
    killed.on_stage = [&](const CalibrationState& st) {
        write_checkpoint(dir.path, fp, st);
        if (st.stage == 2) throw std::runtime_error("killed");
    };
    EXPECT_THROW((void)calibrate(s, obs, killed), std::runtime_error);
    CalibrationState saved = read_checkpoint(dir.path, fp);
    EXPECT_EQ(saved.stage, 2);
    EXPECT_TRUE(read_checkpoint(dir.path, "another").theta1.empty());  // another calibration's checkpoint is not taken
    const CalibrationResult resumed = calibrate(s, obs, o, saved);
    EXPECT_EQ(resumed.state.theta, two.state.theta);
    EXPECT_EQ(resumed.state.cov_z, two.state.cov_z);
    EXPECT_EQ(resumed.p_met_fitted, two.p_met_fitted);

    // The fitted scenario: the estimates, marked calibrated, and it loads.
    write_calibration(dir / "out", s, obs, two, o, "2026-12-06T00:00:00Z");
    const Scenario fitted = load_scenario(dir / "out" / "fitted.yaml");
    // Re-emitted, a quoted "350500" stays text: no number without a source appears.
    EXPECT_EQ(summarise_provenance(fitted).without, summarise_provenance(s).without);
    EXPECT_EQ(summarise_provenance(fitted).by_kind.at(SourceKind::calibrated), s.calibrate.size());
    for (std::size_t k = 0; k < s.calibrate.size(); ++k) {
        const auto in = std::find_if(fitted.inputs.begin(), fitted.inputs.end(), [&](const InputValue& x) { return x.path == s.calibrate[k].path; });
        ASSERT_NE(in, fitted.inputs.end());
        EXPECT_DOUBLE_EQ(std::stod(in->value), two.parameters[k].estimate);
        ASSERT_TRUE(in->source.has_value());
        EXPECT_EQ(in->source->kind, SourceKind::calibrated);
        EXPECT_NE(in->source->note.find(obs.digest), std::string::npos);
    }
    const std::string html = test::slurp(dir / "out" / "calibration.html");
    for (const auto& f : two.parameters) EXPECT_NE(html.find(f.range.path), std::string::npos);
}

}  // namespace
}  // namespace tisheng

namespace tisheng {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

// The command end to end: a calibration on 2 Open MPI ranks ends with the
// same numbers (calibration.json but its date and duration, the draws, the
// fitted scenario) as on one process.
TEST(CalibrateCli, TwoRanksGiveTheSameCalibrationAsOneProcess) {
#ifndef TISHENG_MPIEXEC
    GTEST_SKIP() << "built without Open MPI (TISHENG_MPI)";
#else
    if (!fs::exists(TISHENG_MPIEXEC)) GTEST_SKIP() << TISHENG_MPIEXEC << " is not installed";
    TempDir dir;
    const std::string args = "calibrate scenarios/quanzhou-baseline.yaml --observed datasets/observed/quanzhou-returns-synthetic.csv "
                             "--replications 20 --threads 1 --out '";
    auto one = test::run_cli(args + (dir / "one").string() + "'");
    ASSERT_EQ(one.exit_code, 0) << one.output;
    auto two = test::run_cli_mpi(2, args + (dir / "two").string() + "'");
    ASSERT_EQ(two.exit_code, 0) << two.output;
    auto without_time = [](std::string text) {
        for (const char* key : {"\"created\"", "\"seconds\""}) {
            const std::size_t at = text.find(key);
            if (at != std::string::npos) text.erase(at, text.find('\n', at) - at);
        }
        return text;
    };
    EXPECT_EQ(without_time(test::slurp(dir / "two" / "calibration.json")), without_time(test::slurp(dir / "one" / "calibration.json")));
    EXPECT_EQ(test::slurp(dir / "two" / "draws.csv"), test::slurp(dir / "one" / "draws.csv"));
    EXPECT_NE(test::slurp(dir / "one" / "fitted.yaml").find("calibrated"), std::string::npos);
#endif
}

}  // namespace
}  // namespace tisheng
