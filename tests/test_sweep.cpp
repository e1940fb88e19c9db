// Sweeps: reading sweep files (grid and Latin hypercube designs), the bad-input
// corpus tests/bad_sweeps/, the analysis (sensitivity, Pareto frontier,
// Wilson interval, targets, find-min) and the results store (its refusals,
// resuming, CSV exports, determinism across threads).
#include <gtest/gtest.h>

#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <random>
#include <set>
#include <sstream>

#include "test_support.hpp"
#include "tisheng/core/error.hpp"
#include "tisheng/sweep/sweep.hpp"
#include "tisheng/sweep/sweep_analysis.hpp"
#include "tisheng/sweep/sweep_run.hpp"

namespace fs = std::filesystem;
using namespace tisheng;
using namespace tisheng::test;

namespace {

fs::path jiangmen_baseline() { return source_dir() / "scenarios/jiangmen-baseline.yaml"; }

/// A sweep file in `dir` on the Jiangmen baseline (absolute `scenario:`);
/// `body` holds everything after name and scenario.
fs::path write_sweep(const fs::path& dir, const std::string& name, const std::string& body) {
    const fs::path file = dir / (name + ".yaml");
    write(file, "name: " + name + "\nscenario: \"" + jiangmen_baseline().string() + "\"\n" + body);
    return file;
}

/// The city fund's yearly amount over `values` (no special 2023 amount),
/// the union's budget fixed.
std::string city_fund_body(int replications, const std::string& values = "[0, 2000000]") {
    return "replications: " + std::to_string(replications) +
           "\n"
           "seed: 20230808\n"
           "targets: [stations-2023, stations-2024]\n"
           "set:\n"
           "  - \"budgets.payers.city_fund.years={}\"\n"
           "  - \"budgets.payers.union.annual_cny=1000000\"\n"
           "parameters:\n"
           "  - path: budgets.payers.city_fund.annual_cny\n"
           "    values: " +
           values + "\n";
}

/// Every file of a folder (not recursive): name -> bytes.
std::map<std::string, std::string> snapshot(const fs::path& dir) {
    std::map<std::string, std::string> out;
    for (const auto& e : fs::directory_iterator(dir))
        if (e.is_regular_file()) out[e.path().filename().string()] = slurp(e.path());
    return out;
}

std::size_t count_lines(const std::string& text) { return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')); }

/// The message of whatever tisheng error `fn` throws; fails if none.
template <class F>
std::string error_of(F&& fn) {
    try {
        fn();
    } catch (const InputError& e) {
        return e.what();
    } catch (const InvalidInput& e) {
        return e.what();
    } catch (const std::exception& e) {
        ADD_FAILURE() << "expected InputError or InvalidInput, got: " << e.what();
        return e.what();
    }
    ADD_FAILURE() << "expected an input error, nothing was thrown";
    return "";
}

double number(const std::string& s) {
    std::size_t used = 0;
    const double v = std::stod(s, &used);
    EXPECT_EQ(used, s.size()) << "not a plain number: '" << s << "'";
    return v;
}

bool whole_number_text(const std::string& s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// ---- the bad-input corpus ------------------------------------------------------

std::vector<fs::path> bad_sweeps() { return yaml_files(source_dir() / "tests/bad_sweeps"); }

/// The file's expectations: its .expect file, or else its own "# expect:" lines.
std::vector<std::string> expected_for(const fs::path& file) {
    const fs::path expect_file = fs::path(file).replace_extension(".expect");
    return expectations(fs::exists(expect_file) ? expect_file : file);
}

}  // namespace

// ---- reading sweep files ---------------------------------------------------------

// The shipped Jiangmen sweep: a 13 x 4 x 2 grid, the first parameter slowest,
// each variant's overrides the fixed `set:` entries, then the sweep's own run
// settings, then the parameters.
TEST(SweepSpec, JiangmenGrid_countsOrderAndOverrides) {
    const Sweep sw = load_sweep(source_dir() / "scenarios/jiangmen-budget-sweep.yaml");
    EXPECT_EQ(sw.design, SweepDesign::grid);
    ASSERT_EQ(sw.parameters.size(), 3u);
    EXPECT_EQ(sw.variants(), 13u * 4u * 2u);
    EXPECT_EQ(sw.replications, 100);
    EXPECT_EQ(sw.seed, 20230808u);
    EXPECT_EQ(sw.parameters[0].column, "budgets_payers_city_fund_annual_cny");
    EXPECT_TRUE(sw.parameters[0].integral);

    using V = std::vector<std::string>;
    EXPECT_EQ(sw.values(0), (V{"0", "500000", "400000"}));
    EXPECT_EQ(sw.values(1), (V{"0", "500000", "800000"}));  // the last parameter varies fastest
    EXPECT_EQ(sw.values(2), (V{"0", "1000000", "400000"}));
    EXPECT_EQ(sw.values(8), (V{"250000", "500000", "400000"}));  // 4 x 2 = 8 variants per city-fund value
    EXPECT_EQ(sw.values(103), (V{"3000000", "2000000", "800000"}));

    const V ov = sw.overrides(8);
    ASSERT_EQ(ov.size(), 1u + 2u + 3u);
    EXPECT_EQ(ov[0], "budgets.payers.city_fund.years={}");
    EXPECT_EQ(ov[1], "run.replications=100");
    EXPECT_EQ(ov[2], "run.seed=20230808");
    EXPECT_EQ(ov[3], "budgets.payers.city_fund.annual_cny=250000");
    EXPECT_EQ(ov[4], "budgets.payers.union.annual_cny=500000");
    EXPECT_EQ(ov[5], "budgets.payers.skill_subsidy.annual_cny=400000");

    // Every variant distinct: the grid is a full cross product.
    std::set<V> seen;
    for (std::size_t v = 0; v < sw.variants(); ++v) seen.insert(sw.values(v));
    EXPECT_EQ(seen.size(), sw.variants());
}

// The shipped Quanzhou sweep: 60 Latin-hypercube samples, every value on its
// range's step grid, inside the range, and written as a whole number.
TEST(SweepSpec, QuanzhouLhs_samplesOnTheStepGrid) {
    const Sweep sw = load_sweep(source_dir() / "scenarios/quanzhou-budget-sweep.yaml");
    EXPECT_EQ(sw.design, SweepDesign::lhs);
    EXPECT_EQ(sw.variants(), 60u);
    EXPECT_EQ(sw.seed, 20200401u);
    ASSERT_EQ(sw.parameters.size(), 4u);
    for (std::size_t v = 0; v < sw.variants(); ++v) {
        const auto vals = sw.values(v);
        ASSERT_EQ(vals.size(), 4u);
        for (std::size_t j = 0; j < vals.size(); ++j) {
            const SweepParameter& p = sw.parameters[j];
            SCOPED_TRACE(p.path + " = " + vals[j]);
            EXPECT_TRUE(whole_number_text(vals[j]));
            const double x = number(vals[j]);
            EXPECT_GE(x, *p.min);
            EXPECT_LE(x, *p.max);
            const double k = (x - *p.min) / *p.step;
            EXPECT_NEAR(k, std::round(k), 1e-9);
        }
    }
    const auto ov = sw.overrides(0);
    ASSERT_EQ(ov.size(), 2u + 4u);
    EXPECT_EQ(ov[0], "run.replications=200");  // no `set:`: the run settings come first
    EXPECT_EQ(ov[1], "run.seed=20200401");
    EXPECT_EQ(ov[2].rfind("budgets.payers.city.annual_cny=", 0), 0u) << ov[2];
}

// Latin hypercube over ranges without a step: each of the N strata of a
// range holds exactly one of the N samples, per parameter; the design is the
// same each time the file is read; whole-number bounds give whole numbers.
TEST(SweepSpec, LatinHypercube_oneSamplePerStratumDeterministicWholeNumbers) {
    TempDir dir;
    constexpr std::size_t N = 25;
    const fs::path file = write_sweep(dir.path, "lhs", "replications: 10\nseed: 42\ndesign: lhs\nsamples: " + std::to_string(N) +
                                                           "\n"
                                                           "parameters:\n"
                                                           "  - path: behaviour.arrivals.factor\n"
                                                           "    min: 0.5\n"
                                                           "    max: 1.5\n"
                                                           "  - path: behaviour.adoption.phases.pilot\n"
                                                           "    min: 0.01\n"
                                                           "    max: 0.2\n"
                                                           "  - path: budgets.payers.union.annual_cny\n"
                                                           "    min: 0\n"
                                                           "    max: 1000000\n");
    const Sweep a = load_sweep(file);
    const Sweep b = load_sweep(file);
    ASSERT_EQ(a.variants(), N);
    ASSERT_EQ(a.parameters.size(), 3u);
    EXPECT_FALSE(a.parameters[0].integral);
    EXPECT_FALSE(a.parameters[1].integral);
    EXPECT_TRUE(a.parameters[2].integral);
    EXPECT_EQ(a.fingerprint, b.fingerprint);

    for (std::size_t j = 0; j < a.parameters.size(); ++j) {
        const SweepParameter& p = a.parameters[j];
        SCOPED_TRACE(p.path);
        std::vector<int> per_stratum(N, 0);
        std::set<std::string> distinct;
        for (std::size_t v = 0; v < N; ++v) {
            const std::string text = a.values(v)[j];
            EXPECT_EQ(text, b.values(v)[j]) << "variant " << v << ": the same file must give the same design";
            distinct.insert(text);
            const double x = number(text);
            ASSERT_GE(x, *p.min);
            ASSERT_LE(x, *p.max);
            if (p.integral) {
                EXPECT_TRUE(whole_number_text(text)) << text;
                continue;  // rounding to whole CNY may cross a stratum's edge
            }
            const auto k = std::min(N - 1, static_cast<std::size_t>(std::floor((x - *p.min) / (*p.max - *p.min) * static_cast<double>(N))));
            ++per_stratum[k];
        }
        EXPECT_EQ(distinct.size(), N);
        if (!p.integral) {
            for (std::size_t k = 0; k < N; ++k) EXPECT_EQ(per_stratum[k], 1) << "stratum " << k;
        }
    }
    // The strata are shuffled independently: the parameters are not in lockstep.
    bool same_order = true;
    for (std::size_t v = 0; v + 1 < N; ++v)
        same_order = same_order && ((number(a.values(v)[0]) < number(a.values(v + 1)[0])) == (number(a.values(v)[1]) < number(a.values(v + 1)[1])));
    EXPECT_FALSE(same_order);

    // Another seed, another design (and another fingerprint).
    std::string text = slurp(file);
    text.replace(text.find("seed: 42"), 8, "seed: 43");
    write(dir / "lhs2.yaml", text);
    const Sweep c = load_sweep(dir / "lhs2.yaml");
    EXPECT_NE(c.fingerprint, a.fingerprint);
    bool differs = false;
    for (std::size_t v = 0; v < N; ++v) differs = differs || c.values(v) != a.values(v);
    EXPECT_TRUE(differs);
}

// Latin-hypercube samples of a range with a decimal step land on the step
// grid and are written as such (1.2, not 1.2000000000000002).
TEST(SweepSpec, LatinHypercube_decimalStepValuesAreWrittenShort) {
    TempDir dir;
    const fs::path file = write_sweep(dir.path, "lhs-step",
                                      "replications: 10\nseed: 5\ndesign: lhs\nsamples: 40\n"
                                      "parameters:\n"
                                      "  - path: behaviour.arrivals.factor\n"
                                      "    min: 0.5\n"
                                      "    max: 1.5\n"
                                      "    step: 0.1\n");
    const Sweep sw = load_sweep(file);
    ASSERT_EQ(sw.variants(), 40u);
    std::set<std::string> seen;
    for (std::size_t v = 0; v < sw.variants(); ++v) {
        const std::string text = sw.values(v)[0];
        seen.insert(text);
        const double x = number(text);
        EXPECT_GE(x, 0.5);
        EXPECT_LE(x, 1.5);
        const auto dot = text.find('.');
        EXPECT_TRUE(dot == std::string::npos || text.size() - dot - 1 == 1) << "variant " << v << ": '" << text << "'";
    }
    EXPECT_EQ(seen.size(), 11u) << "40 samples over 11 grid values use every one";
}

// A decimal step is counted from min, not accumulated, and each value is
// written as a person would: 0.3, not 0.30000000000000004.
TEST(SweepSpec, GridValues_decimalStepHasNoDrift) {
    SweepParameter p;
    p.path = "behaviour.arrivals.factor";
    p.min = 0;
    p.max = 1;
    p.step = 0.1;
    const auto values = p.grid_values();
    ASSERT_EQ(values.size(), 11u);
    const std::vector<std::string> expected{"0", "0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7", "0.8", "0.9", "1"};
    for (std::size_t k = 0; k < values.size(); ++k) EXPECT_EQ(values[k], expected[k]) << "value " << k;
    EXPECT_EQ(number(values.back()), *p.max);
}

TEST(SweepSpec, GridValues_wholeNumbersAndMaxOffTheGrid) {
    SweepParameter money;
    money.min = 0;
    money.max = 3000000;
    money.step = 250000;
    money.integral = true;
    const auto m = money.grid_values();
    ASSERT_EQ(m.size(), 13u);
    EXPECT_EQ(m[1], "250000");
    EXPECT_EQ(m.back(), "3000000");

    SweepParameter off;  // max not on the grid: the grid stops below it
    off.min = 1;
    off.max = 2;
    off.step = 0.25 + 0.125;  // 1, 1.375, 1.75
    const auto o = off.grid_values();
    EXPECT_EQ(o, (std::vector<std::string>{"1", "1.375", "1.75"}));

    SweepParameter list;  // a list is returned as written
    list.values = {"wait", "not_built"};
    EXPECT_EQ(list.grid_values(), list.values);
}

// ---- the bad-input corpus -----------------------------------------------------------

TEST(SweepBadInput, Corpus_hasACaseForEachKindOfMistake) {
    const auto files = bad_sweeps();
    EXPECT_GE(files.size(), 20u);
    for (const auto& f : files) {
        SCOPED_TRACE(f.filename().string());
        EXPECT_TRUE(fs::exists(fs::path(f).replace_extension(".expect"))) << "every corpus file has its .expect";
        EXPECT_FALSE(expected_for(f).empty()) << "every corpus file states what it expects";
    }
}

// Each broken sweep file: load_sweep throws an input error naming file, line
// and field; `tisheng sweep` exits 1 with the same message and leaves no
// results folder behind.
TEST(SweepBadInput, Corpus_eachFailsCleanlyWithItsMessage) {
    for (const auto& file : bad_sweeps()) {
        SCOPED_TRACE(file.filename().string());
        const auto expected = expected_for(file);
        ASSERT_FALSE(expected.empty());

        const std::string message = error_of([&] { (void)load_sweep(file); });
        for (const auto& e : expected) EXPECT_NE(message.find(e), std::string::npos) << "load_sweep: missing '" << e << "' in:\n" << message;

        TempDir tmp;
        const fs::path out = tmp / "out";
        const auto r = run_cli("sweep '" + file.string() + "' --out '" + out.string() + "' --threads 1");
        EXPECT_EQ(r.exit_code, 1) << r.output;
        for (const auto& e : expected) EXPECT_NE(r.output.find(e), std::string::npos) << "tisheng sweep: missing '" << e << "' in:\n" << r.output;
        EXPECT_FALSE(fs::exists(out)) << "a refused sweep creates no results folder";
    }
}

// A refused sweep leaves an existing (empty) results folder as it was.
TEST(SweepBadInput, Cli_refusedSweepLeavesAnExistingFolderEmpty) {
    TempDir tmp;
    const fs::path out = tmp / "out";
    fs::create_directories(out);
    const auto r = run_cli("sweep '" + (source_dir() / "tests/bad_sweeps/unknown_path.yaml").string() + "' --out '" + out.string() + "'");
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_TRUE(fs::is_empty(out));
}

// A parameter with both a list and a range is one mistake, reported once:
// not also "unknown key 'max'", which sends the reader after a key that is
// spelt right.
TEST(SweepBadInput, ValuesAndRange_reportsOnlyTheConflict) {
    const std::string message = error_of([] { (void)load_sweep(source_dir() / "tests/bad_sweeps/values_and_range.yaml"); });
    EXPECT_NE(message.find("expected either 'values: [...]' or a range"), std::string::npos) << message;
    EXPECT_EQ(message.find("unknown key 'max'"), std::string::npos) << message;
}

// ---- the analysis --------------------------------------------------------------------

// y = 3a - b + 0c + noise over independent uniform levers: a ranks first, b
// second (negative), c last and near zero, and a linear model explains
// nearly all of y. A constant outcome and one with a NaN get no entry; a
// lever that does not vary is left out.
TEST(SweepAnalysis, Sensitivity_ranksLeversBySrc) {
    std::mt19937_64 gen(12345);
    auto uniform = [&] { return static_cast<double>(gen() >> 11) * 0x1p-53; };
    const std::size_t n = 200;
    std::vector<std::vector<double>> x, y;
    for (std::size_t i = 0; i < n; ++i) {
        const double a = uniform(), b = uniform(), c = uniform(), noise = (uniform() - 0.5) * 0.02;
        const double out = 3 * a - 1 * b + 0 * c + noise;
        x.push_back({a, b, 7.0, c});  // "fixed" does not vary
        y.push_back({out, 5.0, -out, i == 17 ? std::nan("") : out});
    }
    const auto s = sensitivity({"a", "b", "fixed", "c"}, x, {"y", "flat", "minus_y", "with_nan"}, y);
    ASSERT_EQ(s.size(), 2u) << "flat and with_nan get no entry";
    EXPECT_EQ(s[0].outcome, "y");
    EXPECT_EQ(s[1].outcome, "minus_y");
    for (const auto& e : s) {
        SCOPED_TRACE(e.outcome);
        EXPECT_EQ(e.n, n);
        EXPECT_GT(e.r2, 0.95);
        EXPECT_LE(e.r2, 1.0);
        ASSERT_EQ(e.ranked.size(), 3u) << "the lever that does not vary is left out";
        EXPECT_EQ(e.ranked[0].parameter, "a");
        EXPECT_EQ(e.ranked[1].parameter, "b");
        EXPECT_EQ(e.ranked[2].parameter, "c");
        const double sign = e.outcome == "y" ? 1 : -1;
        // Standardised: 3 sd(a) / sd(y) = 3 / sqrt(10) and -1 / sqrt(10) for equal spreads.
        EXPECT_NEAR(e.ranked[0].src, sign * 3 / std::sqrt(10.0), 0.06);
        EXPECT_NEAR(e.ranked[1].src, sign * -1 / std::sqrt(10.0), 0.06);
        EXPECT_LT(std::abs(e.ranked[2].src), 0.03);
    }
    // Too few variants for a regression: no entries rather than nonsense.
    EXPECT_TRUE(sensitivity({"a"}, {{1.0}, {2.0}}, {"y"}, {{1.0}, {2.0}}).empty());
}

// Points (public spend, P(all met), coverage) with known dominance.
TEST(SweepAnalysis, ParetoFront_keepsNonDominatedAndEquals) {
    const std::vector<ParetoPoint> pts{
        {1.0, 0.5, 0.5},   // 0 kept
        {2.0, 0.5, 0.5},   // 1 dominated by 0 (spends more for the same)
        {2.0, 0.9, 0.5},   // 2 kept
        {2.0, 0.9, 0.5},   // 3 kept: equal to 2
        {0.5, 0.1, 0.1},   // 4 kept: cheapest
        {3.0, 0.9, 0.4},   // 5 dominated by 2
        {3.0, 0.95, 0.1},  // 6 kept: highest P(all met)
        {1.5, 0.4, 0.4},   // 7 dominated by 0
        {4.0, 0.9, 0.9},   // 8 kept: highest coverage
        {4.0, 0.9, 0.9},   // 9 kept: equal to 8
    };
    const std::vector<std::uint8_t> expected{1, 0, 1, 1, 1, 0, 1, 0, 1, 1};
    EXPECT_EQ(pareto_front(pts), expected);

    // The answer does not depend on the order of the points.
    std::vector<std::size_t> order(pts.size());
    std::iota(order.begin(), order.end(), 0);
    std::mt19937 gen(7);
    for (int round = 0; round < 20; ++round) {
        std::shuffle(order.begin(), order.end(), gen);
        std::vector<ParetoPoint> shuffled;
        for (std::size_t i : order) shuffled.push_back(pts[i]);
        const auto front = pareto_front(shuffled);
        for (std::size_t k = 0; k < order.size(); ++k) EXPECT_EQ(front[k], expected[order[k]]) << "round " << round << ", point " << order[k];
    }
    EXPECT_TRUE(pareto_front({}).empty());
    EXPECT_EQ(pareto_front({{1.0, 0.5, 0.5}}), (std::vector<std::uint8_t>{1}));
}

// A point with a NaN (an outcome the store holds as NULL) is never on the
// frontier, and must not change which of the other points are: the minimal
// case first, then NaN points among the points above in every order.
TEST(SweepAnalysis, ParetoFront_nanIsNotKeptAndHidesNoDominance) {
    const double nan = std::nan("");
    EXPECT_EQ(pareto_front({{nan, 1.0, 1.0}}), (std::vector<std::uint8_t>{0}));
    EXPECT_EQ(pareto_front({{1.0, 0.5, 0.5}, {nan, 0.5, 0.5}, {2.0, 0.5, 0.5}}), (std::vector<std::uint8_t>{1, 0, 0}));
    EXPECT_EQ(pareto_front({{2.0, 0.5, 0.5}, {nan, 0.5, 0.5}, {1.0, 0.5, 0.5}}), (std::vector<std::uint8_t>{0, 0, 1}));
    EXPECT_EQ(pareto_front({{2.0, 0.5, 0.5}, {1.0, nan, 0.5}, {1.0, 0.5, 0.5}}), (std::vector<std::uint8_t>{0, 0, 1}));

    const std::vector<ParetoPoint> pts{
        {1.0, 0.5, 0.5},  {2.0, 0.5, 0.5}, {2.0, 0.9, 0.5}, {0.5, 0.1, 0.1},
        {nan, 1.0, 1.0},  {3.0, 0.9, 0.4}, {1.5, 0.4, 0.4}, {0.2, nan, 0.9},
    };
    const std::vector<std::uint8_t> expected{1, 0, 1, 1, 0, 0, 0, 0};
    std::vector<std::size_t> order(pts.size());
    std::iota(order.begin(), order.end(), 0);
    std::mt19937 gen(11);
    int wrong_rounds = 0;
    for (int round = 0; round < 200; ++round) {
        std::shuffle(order.begin(), order.end(), gen);
        std::vector<ParetoPoint> shuffled;
        for (std::size_t i : order) shuffled.push_back(pts[i]);
        const auto front = pareto_front(shuffled);
        bool wrong = false;
        for (std::size_t k = 0; k < order.size(); ++k) wrong = wrong || front[k] != expected[order[k]];
        wrong_rounds += wrong ? 1 : 0;
    }
    EXPECT_EQ(wrong_rounds, 0) << "orders of the points that gave a wrong frontier, of 200";
}

TEST(SweepAnalysis, WilsonInterval_knownValuesAndEdges) {
    const auto half = wilson_interval(0.5, 100);
    EXPECT_NEAR(half[0], 0.4038, 0.001);
    EXPECT_NEAR(half[1], 0.5962, 0.001);
    EXPECT_NEAR(half[0] + half[1], 1.0, 1e-12);  // symmetric about 0.5

    const auto zero = wilson_interval(0.0, 20);
    EXPECT_GE(zero[0], 0.0);
    EXPECT_NEAR(zero[0], 0.0, 1e-12);
    EXPECT_GT(zero[1], 0.0);  // 0 of 20 does not prove p = 0
    EXPECT_NEAR(zero[1], 0.1611, 0.001);
    const auto one = wilson_interval(1.0, 20);
    EXPECT_LE(one[1], 1.0);
    EXPECT_NEAR(one[1], 1.0, 1e-12);
    EXPECT_NEAR(one[0], 1.0 - zero[1], 1e-9);
    EXPECT_LT(one[0], 1.0);

    // More trials, a narrower interval around the same p.
    const auto wide = wilson_interval(0.8, 20), narrow = wilson_interval(0.8, 2000);
    EXPECT_LT(narrow[1] - narrow[0], wide[1] - wide[0]);
    EXPECT_LT(narrow[0], 0.8);
    EXPECT_GT(narrow[1], 0.8);
}

TEST(SweepAnalysis, ParseTarget_readsAndSuggests) {
    SweepOutcomes oc;
    oc.columns = {"p_stations_2023", "p_stations_2024", "p_all_met", "public_spend"};
    const SweepTarget t = parse_target("p_all_met>=0.9", oc);
    EXPECT_EQ(t.column, "p_all_met");
    EXPECT_EQ(t.op, ">=");
    EXPECT_DOUBLE_EQ(t.value, 0.9);
    EXPECT_EQ(t.index, 2u);
    EXPECT_TRUE(t.holds(0.9));
    EXPECT_FALSE(t.holds(0.89));
    EXPECT_EQ(t.str(), "p_all_met>=0.9");

    const SweepTarget lt = parse_target("public_spend < 5e6", oc);
    EXPECT_EQ(lt.column, "public_spend");
    EXPECT_EQ(lt.op, "<");
    EXPECT_EQ(lt.index, 3u);
    EXPECT_TRUE(lt.holds(4.9e6));
    EXPECT_FALSE(lt.holds(5e6));

    try {
        (void)parse_target("p_al_met>=0.9", oc);
        ADD_FAILURE() << "a misspelt outcome must throw";
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("did you mean 'p_all_met'"), std::string::npos) << e.what();
    }
    EXPECT_THROW((void)parse_target("p_all_met=0.9", oc), InputError);
    EXPECT_THROW((void)parse_target("p_all_met>=", oc), InputError);
    EXPECT_THROW((void)parse_target("p_all_met>=0.9x", oc), InputError);
    EXPECT_THROW((void)parse_target(">=0.9", oc), InputError);
}

// ---- running into the store --------------------------------------------------------------

// The store refuses every folder that is not a new or empty one, or this
// same sweep's with --resume, and leaves what is there byte for byte.
TEST(SweepStore, Refusals_leaveTheFolderUntouched) {
    TempDir tmp;
    const Sweep sw = load_sweep(write_sweep(tmp.path, "tiny", city_fund_body(10)));
    const SweepRunner runner(sw);
    SweepOptions o;
    o.threads = 2;
    const fs::path dir = tmp / "out";
    const SweepSummary first = run_sweep(runner, dir, o);
    EXPECT_EQ(first.variants, 2u);
    EXPECT_EQ(first.ran, 2u);
    const auto before = snapshot(dir);
    ASSERT_TRUE(before.count("results.gpkg"));

    {  // (a) the same sweep again without --resume
        SCOPED_TRACE("same sweep, no --resume");
        const std::string m = error_of([&] { (void)run_sweep(runner, dir, o); });
        EXPECT_NE(m.find("--resume"), std::string::npos) << m;
        EXPECT_NE(m.find("2 of 2 variants done"), std::string::npos) << m;
        EXPECT_EQ(snapshot(dir), before);
    }
    // (b) another sweep with --resume: other replications, other parameter
    // values, another fixed `set:`.
    std::string other_set = city_fund_body(10);
    other_set.replace(other_set.find("union.annual_cny=1000000"), 24, "union.annual_cny=1500000");
    for (const auto& [name, body] : std::vector<std::pair<std::string, std::string>>{
             {"tiny-more", city_fund_body(12)}, {"tiny-values", city_fund_body(10, "[0, 1000000]")}, {"tiny-set", other_set}}) {
        SCOPED_TRACE(name + ", --resume");
        const Sweep other = load_sweep(write_sweep(tmp.path, name, body));
        EXPECT_NE(other.fingerprint, sw.fingerprint);
        const SweepRunner other_runner(other);
        SweepOptions r = o;
        r.resume = true;
        const std::string m = error_of([&] { (void)run_sweep(other_runner, dir, r); });
        EXPECT_NE(m.find("different sweep"), std::string::npos) << m;
        EXPECT_EQ(snapshot(dir), before);
    }
    {  // (c) results.gpkg that is junk
        SCOPED_TRACE("junk results.gpkg");
        const fs::path junk = tmp / "junk";
        fs::create_directories(junk);
        write(junk / "results.gpkg", "not a database at all\n");
        const auto was = snapshot(junk);
        SweepOptions r = o;
        for (bool resume : {false, true}) {
            r.resume = resume;
            const std::string m = error_of([&] { (void)run_sweep(runner, junk, r); });
            EXPECT_NE(m.find("not a Tisheng sweep store"), std::string::npos) << m;
            EXPECT_EQ(snapshot(junk), was);
        }
    }
    {  // (c') an empty GeoPackage, and one with a `sweep` table of another application
        SCOPED_TRACE("foreign GeoPackage");
        GDALAllRegister();
        GDALDriver* gpkg = GetGDALDriverManager()->GetDriverByName("GPKG");
        ASSERT_NE(gpkg, nullptr);
        const fs::path empty = tmp / "empty-gpkg", foreign = tmp / "foreign-gpkg";
        fs::create_directories(empty);
        fs::create_directories(foreign);
        GDALDatasetUniquePtr(gpkg->Create((empty / "results.gpkg").c_str(), 0, 0, 0, GDT_Unknown, nullptr)).reset();
        {
            GDALDatasetUniquePtr ds(gpkg->Create((foreign / "results.gpkg").c_str(), 0, 0, 0, GDT_Unknown, nullptr));
            ASSERT_NE(ds, nullptr);
            OGRLayer* l = ds->CreateLayer("sweep", nullptr, wkbNone, nullptr);
            ASSERT_NE(l, nullptr);
            OGRFieldDefn k("key", OFTString), v("value", OFTString);
            l->CreateField(&k);
            l->CreateField(&v);
            OGRFeature f(l->GetLayerDefn());
            f.SetField(0, "application");
            f.SetField(1, "someone-else");
            ASSERT_EQ(l->CreateFeature(&f), OGRERR_NONE);
        }
        for (const fs::path& d : {empty, foreign}) {
            SCOPED_TRACE(d.filename().string());
            const auto was = snapshot(d);
            SweepOptions r = o;
            r.resume = true;
            const std::string m = error_of([&] { (void)run_sweep(runner, d, r); });
            EXPECT_NE(m.find("not a Tisheng sweep store"), std::string::npos) << m;
            EXPECT_EQ(snapshot(d), was);
        }
    }
    {  // (d) a folder with other files and no store
        SCOPED_TRACE("non-empty folder");
        const fs::path busy = tmp / "busy";
        fs::create_directories(busy);
        write(busy / "notes.txt", "mine\n");
        for (bool resume : {false, true}) {
            SweepOptions r = o;
            r.resume = resume;
            const std::string m = error_of([&] { (void)run_sweep(runner, busy, r); });
            EXPECT_NE(m.find("not empty"), std::string::npos) << m;
            EXPECT_EQ(snapshot(busy), (std::map<std::string, std::string>{{"notes.txt", "mine\n"}}));
        }
    }
    {  // (e) --out naming a file
        SCOPED_TRACE("--out is a file");
        write(tmp / "a-file", "x");
        const std::string m = error_of([&] { (void)run_sweep(runner, tmp / "a-file", o); });
        EXPECT_NE(m.find("names a file"), std::string::npos) << m;
        EXPECT_EQ(slurp(tmp / "a-file"), "x");
    }
    // The original store still resumes: nothing left to run.
    SweepOptions r = o;
    r.resume = true;
    const SweepSummary again = run_sweep(runner, dir, r);
    EXPECT_EQ(again.skipped, 2u);
    EXPECT_EQ(again.ran, 0u);
    EXPECT_EQ(slurp(dir / "variants.csv"), before.at("variants.csv"));
}

// The same sweep file named another way (from another working directory, or
// absolute instead of relative) is the same sweep: --resume reopens its store.
TEST(SweepStore, Resume_acceptsTheSameSweepNamedByAnotherPath) {
    TempDir tmp;
    const fs::path absolute = source_dir() / "scenarios/jiangmen-budget-sweep.yaml";
    const fs::path relative = fs::relative(absolute, fs::current_path());
    ASSERT_NE(absolute.string(), relative.string());
    const Sweep a = load_sweep(absolute);
    const Sweep b = load_sweep(relative);
    EXPECT_EQ(a.fingerprint, b.fingerprint);
    const SweepRunner ra(a), rb(b);
    {
        const SweepStore created(tmp / "out", ra, false);
        EXPECT_EQ(created.done_count(), 0u);
    }
    try {
        const SweepStore reopened(tmp / "out", rb, true);
        EXPECT_EQ(reopened.done_count(), 0u);
        EXPECT_EQ(reopened.done().size(), 104u);
    } catch (const InputError& e) {
        ADD_FAILURE() << "the same sweep was refused: " << e.what();
    }
}

// The same refusal through the command: exit 1, the hint, nothing changed.
TEST(SweepStore, Cli_rerunWithoutResumeRefuses) {
    TempDir tmp;
    const fs::path file = write_sweep(tmp.path, "tiny", city_fund_body(10));
    const fs::path out = tmp / "out";
    const auto first = run_cli("sweep '" + file.string() + "' --out '" + out.string() + "' --threads 2");
    ASSERT_EQ(first.exit_code, 0) << first.output;
    const auto before = snapshot(out);
    EXPECT_TRUE(before.count("results.gpkg") && before.count("variants.csv") && before.count("units.csv") && before.count("sweep.json"));
    const auto second = run_cli("sweep '" + file.string() + "' --out '" + out.string() + "' --threads 2");
    EXPECT_EQ(second.exit_code, 1) << second.output;
    EXPECT_NE(second.output.find("--resume"), std::string::npos) << second.output;
    EXPECT_EQ(snapshot(out), before);
    const auto resumed = run_cli("sweep '" + file.string() + "' --out '" + out.string() + "' --threads 2 --resume");
    EXPECT_EQ(resumed.exit_code, 0) << resumed.output;
    EXPECT_EQ(slurp(out / "variants.csv"), before.at("variants.csv"));
}

// A real two-variant sweep: no city fund at all against 2,000,000 a year.
// Money moves the outcomes the right way; the store and its exports hold one
// row per variant (and per unit), in variant order.
TEST(SweepStore, TinyJiangmenSweep_outcomesAndExports) {
    TempDir tmp;
    const Sweep sw = load_sweep(write_sweep(tmp.path, "tiny", city_fund_body(20)));
    const SweepRunner runner(sw);
    const SweepOutcomes& oc = runner.outcomes();
    ASSERT_TRUE(oc.find("p_all_met"));
    ASSERT_TRUE(oc.find("public_spend"));
    EXPECT_EQ(oc.columns[oc.p_all_met], "p_all_met");
    EXPECT_EQ(oc.columns[oc.public_spend], "public_spend");
    EXPECT_EQ(oc.columns[oc.coverage].rfind("coverage_", 0), 0u);
    ASSERT_TRUE(oc.find("spent_city_fund"));

    SweepOptions o;
    o.threads = 2;
    std::size_t last_done = 0, calls = 0;
    o.progress = [&](std::size_t done, std::size_t total) {
        EXPECT_EQ(total, 2u);
        EXPECT_GE(done, last_done);
        last_done = done;
        ++calls;
    };
    const fs::path dir = tmp / "out";
    const SweepSummary s = run_sweep(runner, dir, o);
    EXPECT_EQ(s.variants, 2u);
    EXPECT_EQ(s.ran, 2u);
    EXPECT_EQ(s.skipped, 0u);
    EXPECT_GE(calls, 1u);
    EXPECT_EQ(last_done, 2u);

    std::vector<SweepRow> rows;
    {
        const SweepStore store(dir, runner, true);
        EXPECT_EQ(store.done_count(), 2u);
        rows = store.rows();
    }
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0].variant, 0u);
    EXPECT_EQ(rows[1].variant, 1u);
    ASSERT_EQ(rows[0].values.size(), 1u);
    EXPECT_EQ(number(rows[0].values[0]), 0.0);
    EXPECT_EQ(number(rows[1].values[0]), 2000000.0);
    for (const auto& r : rows) ASSERT_EQ(r.outcomes.size(), oc.columns.size());
    const auto& none = rows[0].outcomes;
    const auto& funded = rows[1].outcomes;
    EXPECT_LT(none[oc.p_all_met], funded[oc.p_all_met]);
    EXPECT_LT(none[oc.public_spend], funded[oc.public_spend]);
    EXPECT_EQ(none[*oc.find("spent_city_fund")], 0.0) << "a fund of 0 spends nothing";
    EXPECT_GT(funded[*oc.find("spent_city_fund")], 0.0);
    EXPECT_LE(funded[*oc.find("spent_city_fund")], 2000000.0 * 5);  // 2023..2027 at most
    for (const auto& r : rows)
        for (std::size_t c = 0; c < oc.columns.size(); ++c)
            if (oc.columns[c].rfind("p_", 0) == 0) {
                EXPECT_GE(r.outcomes[c], 0.0) << oc.columns[c];
                EXPECT_LE(r.outcomes[c], 1.0) << oc.columns[c];
            }
    // The store's numbers are the runner's.
    const VariantResult direct = runner.run(1, 1);
    ASSERT_EQ(direct.row.size(), funded.size());
    for (std::size_t c = 0; c < funded.size(); ++c) EXPECT_DOUBLE_EQ(direct.row[c], funded[c]) << oc.columns[c];

    const std::string variants = slurp(dir / "variants.csv");
    const std::string units = slurp(dir / "units.csv");
    ASSERT_GE(variants.size(), 3u);
    EXPECT_EQ(variants.substr(0, 3), "\xEF\xBB\xBF");
    EXPECT_EQ(units.substr(0, 3), "\xEF\xBB\xBF");
    EXPECT_EQ(count_lines(variants), 3u);
    EXPECT_EQ(count_lines(units), 2u * 7u + 1u);
    EXPECT_EQ(variants.find("variant,budgets_payers_city_fund_annual_cny,overrides,"), 3u);
    EXPECT_NE(variants.find("\r\n0,"), std::string::npos);
    EXPECT_NE(variants.find("\r\n1,"), std::string::npos);
    EXPECT_NE(variants.find("budgets.payers.city_fund.annual_cny=2000000"), std::string::npos);
    EXPECT_TRUE(fs::exists(dir / "sweep.json"));
}

// A sweep stopped after some variants and resumed ends with the same table
// as one run straight through.
TEST(SweepStore, Resume_endsWithTheSameTable) {
    TempDir tmp;
    const Sweep sw = load_sweep(write_sweep(tmp.path, "tiny", city_fund_body(10, "[0, 1000000, 2000000]")));
    const SweepRunner runner(sw);
    SweepOptions o;
    o.threads = 2;
    run_sweep(runner, tmp / "straight", o);

    {  // stopped after variant 2 only
        SweepStore store(tmp / "stopped", runner, false);
        store.write(runner.run(2, 1));
        EXPECT_EQ(store.done_count(), 1u);
    }
    o.resume = true;
    const SweepSummary s = run_sweep(runner, tmp / "stopped", o);
    EXPECT_EQ(s.skipped, 1u);
    EXPECT_EQ(s.ran, 2u);
    EXPECT_EQ(slurp(tmp / "stopped" / "variants.csv"), slurp(tmp / "straight" / "variants.csv"));
    EXPECT_EQ(slurp(tmp / "stopped" / "units.csv"), slurp(tmp / "straight" / "units.csv"));
}

// Results do not depend on the number of worker threads.
TEST(SweepStore, Determinism_sameCsvWithOneOrTwoThreads) {
    TempDir tmp;
    const Sweep sw = load_sweep(write_sweep(tmp.path, "tiny", city_fund_body(10, "[0, 500000, 1000000, 2000000]")));
    const SweepRunner runner(sw);
    SweepOptions one, two;
    one.threads = 1;
    two.threads = 2;
    run_sweep(runner, tmp / "one", one);
    run_sweep(runner, tmp / "two", two);
    const std::string a = slurp(tmp / "one" / "variants.csv"), b = slurp(tmp / "two" / "variants.csv");
    EXPECT_EQ(count_lines(a), 5u);
    EXPECT_EQ(a, b);
    EXPECT_EQ(slurp(tmp / "one" / "units.csv"), slurp(tmp / "two" / "units.csv"));
    // and the variants differ from one another (the comparison is not vacuous)
    std::istringstream in(a);
    std::set<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.insert(line.substr(line.find(',')));
    EXPECT_EQ(lines.size(), 5u);

    // Within a variant, the Monte Carlo threads do not change the numbers either.
    const VariantResult r1 = runner.run(2, 1), r2 = runner.run(2, 2);
    EXPECT_EQ(r1.row, r2.row);
    EXPECT_EQ(r1.units, r2.units);
}

// find-min: the smallest yearly city fund with P(all met) >= 0.8, by
// bisection down to the file's tolerance.
TEST(SweepAnalysis, FindMin_bracketsTheSmallestCityFund) {
    TempDir tmp;
    const Sweep sw = load_sweep(write_sweep(tmp.path, "find-min",
                                            "replications: 20\n"
                                            "seed: 20230808\n"
                                            "targets: [stations-2023, stations-2024]\n"
                                            "set:\n"
                                            "  - \"budgets.payers.city_fund.years={}\"\n"
                                            "parameters:\n"
                                            "  - path: budgets.payers.city_fund.annual_cny\n"
                                            "    min: 0\n"
                                            "    max: 3000000\n"
                                            "    step: 250000\n"
                                            "find_min:\n"
                                            "  tolerance: 50000\n"));
    EXPECT_EQ(sw.find_min_tolerance, 50000.0);
    const SweepRunner runner(sw);
    const SweepTarget target = parse_target("p_all_met>=0.8", runner.outcomes());
    std::size_t reported = 0;
    const FindMin f = find_min(runner, "budgets.payers.city_fund.annual_cny", target, 2, [&](const FindMin::Step&) { ++reported; });
    EXPECT_EQ(f.parameter, "budgets.payers.city_fund.annual_cny");
    EXPECT_EQ(f.replications, 20);
    EXPECT_EQ(f.tolerance, 50000.0);
    EXPECT_EQ(reported, f.steps.size());
    ASSERT_TRUE(f.found);
    EXPECT_GE(f.estimate, 0.8);
    EXPECT_LE(f.ci_low, f.estimate);
    EXPECT_GE(f.ci_high, f.estimate);
    EXPECT_GE(f.ci_low, 0.0);
    EXPECT_LE(f.ci_high, 1.0);
    EXPECT_EQ(f.value, std::round(f.value)) << "whole CNY";

    auto step_at = [&](double value) -> const FindMin::Step* {
        for (const auto& s : f.steps)
            if (s.value == value) return &s;
        return nullptr;
    };
    const FindMin::Step* answer = step_at(f.value);
    ASSERT_NE(answer, nullptr) << "the answer is a value that was run";
    EXPECT_TRUE(answer->holds);
    EXPECT_EQ(answer->estimate, f.estimate);
    if (!f.at_lower_end) {
        ASSERT_TRUE(f.below.has_value());
        const FindMin::Step* below = step_at(*f.below);
        ASSERT_NE(below, nullptr);
        EXPECT_FALSE(below->holds);
        EXPECT_EQ(below->estimate, f.below_estimate);
        EXPECT_LT(*f.below, f.value);
        EXPECT_LE(f.value - *f.below, f.tolerance);
    }
    // Every value tried below the answer failed... where bisection reached it.
    for (const auto& s : f.steps)
        if (s.holds) {
            EXPECT_GE(s.value, f.value);
        }
    // With no city fund at all nothing is built: the search did not stop at 0.
    EXPECT_FALSE(f.at_lower_end);
    EXPECT_GT(f.value, 0.0);

    EXPECT_THROW((void)find_min(runner, "budgets.payers.union.annual_cny", target, 1), InputError);
}

// The analysis the run wrote: the frontier and the ranking agree with a
// fresh analysis of the store's rows.
TEST(SweepAnalysis, Analyse_matchesTheStoreRows) {
    TempDir tmp;
    const Sweep sw = load_sweep(write_sweep(tmp.path, "tiny", city_fund_body(10, "[0, 500000, 1000000, 2000000]")));
    const SweepRunner runner(sw);
    SweepOptions o;
    o.threads = 2;
    run_sweep(runner, tmp / "out", o);
    std::vector<SweepRow> rows;
    {
        const SweepStore store(tmp / "out", runner, true);
        rows = store.rows();
    }
    ASSERT_EQ(rows.size(), 4u);
    const SweepAnalysis a = analyse(runner, rows);
    ASSERT_EQ(a.variants.size(), 4u);
    ASSERT_EQ(a.points.size(), 4u);
    ASSERT_EQ(a.front.size(), 4u);
    const SweepOutcomes& oc = runner.outcomes();
    for (std::size_t i = 0; i < rows.size(); ++i) {
        EXPECT_EQ(a.variants[i], rows[i].variant);
        EXPECT_EQ(a.points[i][0], rows[i].outcomes[oc.public_spend]);
        EXPECT_EQ(a.points[i][1], rows[i].outcomes[oc.p_all_met]);
        EXPECT_EQ(a.points[i][2], rows[i].outcomes[oc.coverage]);
    }
    EXPECT_EQ(a.front, pareto_front(a.points));
    EXPECT_EQ(a.front[0], 1) << "spending nothing is never dominated on spend";
    // One lever: it is the whole ranking of every outcome that varies, and
    // the city fund's own spending rises with it.
    bool saw_spent = false;
    for (const auto& e : a.sensitivity) {
        ASSERT_EQ(e.ranked.size(), 1u) << e.outcome;
        EXPECT_EQ(e.ranked[0].parameter, "budgets.payers.city_fund.annual_cny");
        if (e.outcome == "spent_city_fund") {
            saw_spent = true;
            EXPECT_GT(e.ranked[0].src, 0.5);
        }
    }
    EXPECT_TRUE(saw_spent);
}
