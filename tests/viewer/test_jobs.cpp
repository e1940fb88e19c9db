// Background jobs (core/jobs.hpp) and the viewer's long work run through
// them: a cancelled job stops within half a second, starting a job never
// waits for the one it supersedes and that one's result is never delivered,
// and a what-if run takes the loaded data instead of reading the files
// again. The latencies are measured from cancel() to !running(), on inputs
// that would take much longer to finish.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/jobs.hpp"
#include "core/model.hpp"
#include "test_support.hpp"
#include "tisheng/planning/plan.hpp"

namespace {

namespace fs = std::filesystem;
using tisheng::viewer::cancelled_error;
using tisheng::viewer::Progress;
using tisheng::viewer::Task;
using Clock = std::chrono::steady_clock;

constexpr double k_cancel_s = 0.5;  // the longest a cancel may take to stop a job

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

void sleep_s(double s) { std::this_thread::sleep_for(std::chrono::duration<double>(s)); }

/// Polls until the task's current job has ended, at most `limit` seconds; the seconds it took.
template <class T>
double until_stopped(const Task<T>& t, double limit = 120) {
    const auto t0 = Clock::now();
    while (t.running() && seconds_since(t0) < limit) sleep_s(0.001);
    return seconds_since(t0);
}

/// Starts a job, lets it work `after` seconds, cancels it and returns the
/// seconds from cancel() to !running(); the job must report cancelled_error.
template <class T>
double cancel_latency(Task<T>& t, double after, const std::string& what) {
    sleep_s(after);
    EXPECT_TRUE(t.running()) << what << ": it ended before it was cancelled, so the test tells nothing";
    t.cancel();
    const double latency = until_stopped(t);
    std::optional<T> result;
    std::string error;
    EXPECT_TRUE(t.poll(result, error)) << what;
    EXPECT_FALSE(result.has_value()) << what;
    EXPECT_EQ(error, cancelled_error) << what;
    std::cout << "[ cancel   ] " << what << ": stopped " << static_cast<int>(latency * 1000 + 0.5) << " ms after cancel()\n";
    return latency;
}

/// Runs `work` once whole, then as a job cancelled a quarter of the way in:
/// the job must stop within k_cancel_s of cancel(), and well before the end
/// it would have reached (so that a cancel the work ignores fails, whatever
/// the machine's speed).
template <class T>
void expect_cancels(const std::string& what, const std::function<T(Progress&)>& work) {
    Progress whole;
    const auto t0 = Clock::now();
    (void)work(whole);
    const double full = seconds_since(t0);
    std::cout << "[ cancel   ] " << what << ": " << static_cast<int>(full * 1000 + 0.5) << " ms whole\n";
    Task<T> t;
    t.start(what, work);
    const double at = full / 4;
    const double latency = cancel_latency(t, at, what);
    EXPECT_LT(latency, k_cancel_s) << what;
    EXPECT_LT(latency, (full - at) / 2) << what << ": it went on towards its end (" << full << " s whole)";
}

fs::path scenario() { return tisheng::test::source_dir() / "scenarios" / "jiangmen-baseline.yaml"; }

/// The data of `tisheng synth jiangmen --scale <scale>`, made once per test program.
fs::path synth(int scale) {
    static std::map<int, tisheng::test::TempDir> made;
    auto [it, added] = made.try_emplace(scale);
    const fs::path out = it->second.path / "data";
    if (added) {
        const auto r = tisheng::test::run_cli("synth jiangmen --scale " + std::to_string(scale) + " --out '" + out.string() + "'");
        EXPECT_EQ(r.exit_code, 0) << r.output;
    }
    return out;
}

std::string data_dir(int scale) { return "data_dir=" + synth(scale).string(); }

}  // namespace

// [TASK] The job machinery alone.

TEST(ViewerJobs, Cancel_stopsAJobPollingItsFlagWithinHalfASecond) {
    std::atomic<bool> working{false};
    Task<int> t;
    t.start("loop", [&](Progress& p) {
        working = true;
        const auto t0 = Clock::now();
        while (!p.cancel && seconds_since(t0) < 30) sleep_s(0.005);
        return 1;
    });
    while (!working) sleep_s(0.001);
    EXPECT_LT(cancel_latency(t, 0.05, "a loop polling every 5 ms"), k_cancel_s);
    std::optional<int> r;
    std::string error;
    EXPECT_FALSE(t.poll(r, error)) << "a job's end is delivered once";
    EXPECT_FALSE(t.running());
}

TEST(ViewerJobs, Start_whileASlowJobRuns_returnsAtOnce_andOnlyTheNewResultArrives) {
    std::atomic<bool> slow_ended{false};
    Task<int> t;
    // A job that ignores its cancel flag: the worst case for a start that would join it.
    t.start("slow", [&](Progress&) {
        sleep_s(1.0);
        slow_ended = true;
        return 1;
    });
    sleep_s(0.05);
    ASSERT_TRUE(t.running());
    const auto t0 = Clock::now();
    t.start("fast", [](Progress&) { return 2; });
    const double start_s = seconds_since(t0);
    std::cout << "[ start    ] superseding a job that ignores cancel took " << start_s * 1000 << " ms\n";
    EXPECT_LT(start_s, 0.05) << "start() waited for the job it superseded";
    EXPECT_EQ(t.what(), "fast");

    std::optional<int> r;
    std::string error;
    const auto t1 = Clock::now();
    while (!t.poll(r, error) && seconds_since(t1) < 5) sleep_s(0.001);
    ASSERT_TRUE(r.has_value()) << error;
    EXPECT_EQ(*r, 2);
    EXPECT_FALSE(slow_ended) << "the new job's result should come while the slow one still sleeps";
    EXPECT_FALSE(t.running()) << "running() is the current job's, not the superseded one's";

    const auto t2 = Clock::now();
    while (!slow_ended && seconds_since(t2) < 5) sleep_s(0.001);
    sleep_s(0.05);
    EXPECT_FALSE(t.poll(r, error)) << "the superseded job's result was delivered";
}

// The bug of the old Task: a superseded job that ended first had its result
// delivered as if it were the new one's.
TEST(ViewerJobs, Start_aSupersededJobEndingFirst_isNeverDelivered) {
    Task<int> t;
    t.start("first", [](Progress&) {
        sleep_s(0.1);
        return 1;
    });
    t.start("second", [](Progress&) {
        sleep_s(0.4);
        return 2;
    });
    std::optional<int> r;
    std::string error;
    sleep_s(0.25);  // the first has ended, the second not
    EXPECT_FALSE(t.poll(r, error)) << "delivered " << (r ? std::to_string(*r) : error);
    EXPECT_TRUE(t.running());
    const auto t0 = Clock::now();
    while (!t.poll(r, error) && seconds_since(t0) < 5) sleep_s(0.001);
    ASSERT_TRUE(r.has_value()) << error;
    EXPECT_EQ(*r, 2);
}

TEST(ViewerJobs, Poll_reportsTheErrorOfAFailedJob) {
    Task<int> t;
    t.start("fails", [](Progress&) -> int { throw tisheng::Error("no such thing"); });
    until_stopped(t, 5);
    std::optional<int> r;
    std::string error;
    ASSERT_TRUE(t.poll(r, error));
    EXPECT_FALSE(r.has_value());
    EXPECT_NE(error.find("no such thing"), std::string::npos) << error;
}

TEST(ViewerJobs, Destructor_cancelsAndWaitsForItsJobs) {
    std::atomic<int> ended{0};
    auto t = std::make_unique<Task<int>>();
    for (int k = 0; k < 3; ++k)  // two superseded, one current
        t->start("loop", [&](Progress& p) {
            const auto t0 = Clock::now();
            while (!p.cancel && seconds_since(t0) < 30) sleep_s(0.005);
            ++ended;
            return 1;
        });
    sleep_s(0.05);
    const auto t0 = Clock::now();
    t.reset();
    EXPECT_LT(seconds_since(t0), k_cancel_s);
    EXPECT_EQ(ended, 3) << "a job outlived its task";
}

// [CANCEL] The viewer's long work, cancelled in the middle.

// Opening the ×100 register (120,000 projects): the rows are read with the
// flag polled, so the cancel lands within a row, not at the end of the file.
TEST(ViewerCancel, OpeningANationalSizeRegister_stopsWithinHalfASecond) {
    const std::vector<std::string> sets{data_dir(100)};
    expect_cancels<tisheng::viewer::Opened>("opening the x100 input", [sets](Progress& p) {
        tisheng::viewer::Opened o = tisheng::viewer::open_input(scenario(), sets, p);
        EXPECT_EQ(o.data.scenario->sites.projects.size(), 120000u);
        return o;
    });
}

// A what-if run of many replications: the workers poll the flag between
// replications.
TEST(ViewerCancel, ARunOfManyReplications_stopsWithinHalfASecond) {
    expect_cancels<tisheng::viewer::Run>("a run of 1,000 replications", [](Progress& p) {
        return tisheng::viewer::run_scenario(scenario(), {"run.replications=1000"}, {}, 2, p);
    });
}

// The siting model of the ×20 data: finding the pairs within reach of
// 25,000 candidates, then the heuristic and the drop analysis.
TEST(ViewerCancel, Siting_stopsWithinHalfASecond_whileBuildingTheModelAndWhileSolving) {
    tisheng::LoadOptions lo;
    lo.overrides = {data_dir(20)};
    const auto s = std::make_shared<const tisheng::Scenario>(tisheng::load_scenario(scenario(), lo));
    expect_cancels<int>("building the x20 siting model", [s](Progress& p) {
        return static_cast<int>(tisheng::SitingModel(*s, &p.cancel).problem.candidates.size());
    });
    const auto m = std::make_shared<const tisheng::SitingModel>(*s);
    expect_cancels<int>("solving the x20 siting model", [s, m](Progress& p) {
        tisheng::SitingOptions o;
        o.cancel = &p.cancel;
        return static_cast<int>(tisheng::make_plan(*s, *m, o).solution.chosen.size());
    });
}

// The 2SFCA accessibility the map's accessibility fill and surface need:
// seconds at ×100, cancelled while the pairs are found.
TEST(ViewerCancel, Accessibility_stopsWithinHalfASecond) {
    Progress p0;
    const auto d = std::make_shared<const tisheng::viewer::Dataset>(tisheng::viewer::load_dataset(scenario(), {data_dir(100)}, p0));
    std::vector<std::uint32_t> open;
    for (std::uint32_t j = 0; j < d->coverage->sites.size(); j += 50) open.push_back(j);  // 2,500 sites
    expect_cancels<std::vector<double>>("accessibility per unit at x100", [d, open](Progress& p) {
        return tisheng::viewer::unit_accessibility(*d, open, &p.cancel);
    });
    // The surface's own step after the pairs cannot stop half way (a few
    // tenths of a second): cancelled while the pairs are found.
    Task<tisheng::viewer::SurfaceValues> surface;
    surface.start("surface", [d, open](Progress& p) { return tisheng::viewer::surface_values(*d, open, 1, &p.cancel); });
    EXPECT_LT(cancel_latency(surface, 0.1, "the accessibility surface at x100"), k_cancel_s);
}

// [REUSE] What-if runs and the data already loaded.

TEST(ViewerReuse, NamesDataInput_dataFilesAndTheRegionOnly) {
    using tisheng::viewer::names_data_input;
    for (const char* s : {"data_dir=/x", "projects.path=p.csv", "units.columns.name=NAME", "coverage.cost_matrix.path=m.csv", "region.crs=32650",
                          "stations=none"})
        EXPECT_TRUE(names_data_input(s)) << s;
    for (const char* s : {"run.replications=10", "budgets.payers.city_fund.annual_cny=1", "programme.grants.tiers[0].cny=5", "coverage.radii=[500]",
                          "data_dirs=x", "projectsx=1", "behaviour.adoption.phases.mobilisation=0.1"})
        EXPECT_FALSE(names_data_input(s)) << s;
}

// A what-if run on the loaded data reads no data file (they are removed
// here) and gives what a run that reads them gives, bit for bit; sharing
// the previous run's coverage pairs changes nothing either.
TEST(ViewerReuse, AWhatIfRunTakesTheLoadedData_andGivesTheSameResults) {
    tisheng::test::TempDir tmp;
    fs::copy(tisheng::test::source_dir() / "datasets" / "jiangmen", tmp / "data", fs::copy_options::recursive);
    const std::vector<std::string> base{"data_dir=" + (tmp / "data").string(), "run.replications=60"};
    std::vector<std::string> whatif = base;
    whatif.push_back("budgets.payers.city_fund.annual_cny=500000");
    whatif.push_back("behaviour.adoption.phases.pilot=0.08");

    Progress p;
    tisheng::viewer::Opened o = tisheng::viewer::open_input(scenario(), base, p);
    const auto data = std::make_shared<const tisheng::viewer::Dataset>(std::move(o.data));
    const auto first = std::make_shared<const tisheng::viewer::Run>(tisheng::viewer::run_scenario(scenario(), base, {}, 2, p, {data->scenario, nullptr}));
    const tisheng::viewer::Run fresh = tisheng::viewer::run_scenario(scenario(), whatif, {}, 2, p);

    for (const auto& f : fs::directory_iterator(tmp / "data")) fs::remove(f.path());
    const tisheng::viewer::Run reused = tisheng::viewer::run_scenario(scenario(), whatif, {}, 2, p, {data->scenario, first});
    EXPECT_EQ(reused.data, data->scenario);
    EXPECT_EQ(reused.scenario->sites.projects.size(), data->scenario->sites.projects.size());
    EXPECT_EQ(reused.scenario->behaviour.stations.adoption_by_phase.at("pilot"), 0.08);
    ASSERT_EQ(reused.results.series.size(), fresh.results.series.size());
    for (std::size_t i = 0; i < fresh.results.series.size(); ++i) {
        ASSERT_EQ(reused.results.series[i].p05, fresh.results.series[i].p05) << i;
        ASSERT_EQ(reused.results.series[i].p50, fresh.results.series[i].p50) << i;
        ASSERT_EQ(reused.results.series[i].p95, fresh.results.series[i].p95) << i;
    }
    ASSERT_EQ(reused.results.checks.size(), fresh.results.checks.size());
    for (std::size_t c = 0; c < fresh.results.checks.size(); ++c) EXPECT_EQ(reused.results.checks[c].p_met, fresh.results.checks[c].p_met);
    // The same edits without the loaded data read the (removed) files.
    EXPECT_ANY_THROW((void)tisheng::viewer::run_scenario(scenario(), whatif, {}, 2, p));
}
