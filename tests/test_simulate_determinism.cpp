// The rollout simulation's determinism: the same numbers for any thread
// count, seed by seed and replication by replication; the state at a date
// as the viewer shows it (a replication's history replayed from its log);
// and cancelling a run.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <string>
#include <vector>

#include "tisheng/model/scenario.hpp"
#include "tisheng/simulate/simulate.hpp"
#include "support/simulate_fixtures.hpp"
#include "test_support.hpp"

using namespace tisheng;
using namespace tisheng::test;
namespace fs = std::filesystem;

namespace {

void expect_same(const Quantiles& a, const Quantiles& b, const std::string& what) {
    EXPECT_EQ(a.p05, b.p05) << what;
    EXPECT_EQ(a.p50, b.p50) << what;
    EXPECT_EQ(a.p95, b.p95) << what;
}

void expect_same_results(const Results& a, const Results& b, const std::string& what) {
    ASSERT_EQ(a.replications, b.replications);
    ASSERT_EQ(a.series.size(), b.series.size());
    for (std::size_t i = 0; i < a.series.size(); ++i) expect_same(a.series[i], b.series[i], what + " series " + std::to_string(i));
    ASSERT_EQ(a.checks.size(), b.checks.size());
    for (std::size_t i = 0; i < a.checks.size(); ++i) {
        EXPECT_EQ(a.checks[i].p_met, b.checks[i].p_met) << what << " check " << i;
        expect_same(a.checks[i].value, b.checks[i].value, what + " check " + std::to_string(i));
        expect_same(a.checks[i].missing, b.checks[i].missing, what + " missing " + std::to_string(i));
        EXPECT_EQ(a.checks[i].first_met_p50, b.checks[i].first_met_p50) << what << " check " << i;
    }
    ASSERT_EQ(a.payers.size(), b.payers.size());
    for (std::size_t i = 0; i < a.payers.size(); ++i) {
        const auto &x = a.payers[i], &y = b.payers[i];
        EXPECT_EQ(x.id, y.id);
        EXPECT_EQ(x.allocated_by_year, y.allocated_by_year) << what << " " << x.id;
        EXPECT_EQ(x.spent_p50_by_year, y.spent_p50_by_year) << what << " " << x.id;
        expect_same(x.spent, y.spent, what + " spent " + x.id);
        expect_same(x.short_cny, y.short_cny, what + " short " + x.id);
        EXPECT_EQ(x.max_spent_share, y.max_spent_share) << what << " " << x.id;
    }
    EXPECT_EQ(a.project_deadlines, b.project_deadlines) << what;
    EXPECT_EQ(a.project_p_built, b.project_p_built) << what;
    EXPECT_EQ(a.base_p_named, b.base_p_named) << what;
    EXPECT_EQ(a.base_p_demonstration, b.base_p_demonstration) << what;
    EXPECT_EQ(a.base_median_grant_cny, b.base_median_grant_cny) << what;
    EXPECT_EQ(a.check_met, b.check_met) << what;
    EXPECT_EQ(a.representative_replication, b.representative_replication) << what;
    EXPECT_EQ(a.report_status, b.report_status) << what;
}

void expect_same_trajectory(const Trajectory& a, const Trajectory& b) {
    EXPECT_EQ(a.series, b.series);
    EXPECT_EQ(a.spent, b.spent);
    EXPECT_EQ(a.allocated, b.allocated);
    EXPECT_EQ(a.short_cny, b.short_cny);
    EXPECT_EQ(a.project_built_on, b.project_built_on);
    EXPECT_EQ(a.base_named_on, b.base_named_on);
    EXPECT_EQ(a.base_grant_cny, b.base_grant_cny);
    EXPECT_EQ(a.base_demonstration, b.base_demonstration);
    ASSERT_EQ(a.checks.size(), b.checks.size());
    for (std::size_t i = 0; i < a.checks.size(); ++i) {
        EXPECT_EQ(a.checks[i].value, b.checks[i].value);
        EXPECT_EQ(a.checks[i].met, b.checks[i].met);
        EXPECT_EQ(a.checks[i].missing, b.checks[i].missing);
        EXPECT_EQ(a.checks[i].first_met, b.checks[i].first_met);
    }
}

}  // namespace

TEST(Simulate, Threads_resultsAreBitIdenticalForAnyThreadCount) {
    const Scenario s = load_scenario(baseline("jiangmen"));
    MonteCarloOptions o;
    o.replications = 64;
    o.threads = 1;
    const Results one = simulate(s, o);
    EXPECT_EQ(one.replications, 64);
    // Not a degenerate run: the percentiles spread.
    const std::size_t built = metric_index(one.layout, "stations_built");
    const Quantiles last = one.series[one.layout.series_index(built, one.layout.all_row(), one.layout.months.size() - 1)];
    EXPECT_LT(last.p05, last.p95);
    for (int threads : {2, 4}) {
        o.threads = threads;
        int calls = 0;
        if (threads == 4) o.progress = [&](int done, int total) {
            ++calls;
            EXPECT_LE(done, total);
        };
        expect_same_results(one, simulate(s, o), std::to_string(threads) + " threads");
        if (threads == 4) {
            EXPECT_GT(calls, 0);
        }
    }
}

TEST(Simulate, Seeds_sameSeedSameNumbersOtherReplicationOrSeedOtherNumbers) {
    for (const char* name : {"jiangmen", "quanzhou"}) {
        SCOPED_TRACE(name);
        const Scenario s = load_scenario(baseline(name));
        const Scenario again = load_scenario(baseline(name));
        const Simulator a(s), b(again);
        const Trajectory t5 = a.run(5);
        expect_same_trajectory(t5, a.run(5));  // the same simulator, again
        expect_same_trajectory(t5, b.run(5));  // a fresh load of the same file
        std::vector<StatusChange> log;
        expect_same_trajectory(t5, a.run(5, &log));  // logging draws nothing
        EXPECT_FALSE(log.empty());
        EXPECT_NE(t5.series, a.run(6).series) << "replication 6 must differ from 5";
        LoadOptions o;
        o.overrides = {"run.seed=12345"};
        const Scenario other = load_scenario(baseline(name), o);
        EXPECT_NE(t5.series, Simulator(other).run(5).series) << "another seed must give other numbers";
    }
}

// The state at a date, as the viewer shows it: a replication's history
// replays its log; the kept days give the probabilities at every deadline;
// the median replication is the one nearest the headline's median.
TEST(Simulate, StateAtDate_historyReplaysTheLogAndKeptDaysMatchTheDeadlines) {
    for (const char* name : {"jiangmen", "quanzhou"}) {
        SCOPED_TRACE(name);
        const Scenario s = load_scenario(baseline(name));
        const bool stations = std::string(name) == "jiangmen";
        const std::size_t sites = stations ? s.sites.projects.size() : s.sites.bases.size();
        const Simulator sim(s);
        std::vector<StatusChange> log;
        const Trajectory t = sim.run(3, &log);
        const StatusHistory h(sites, log);
        ASSERT_EQ(h.size(), sites);
        // Replay by hand at a few dates and compare.
        for (const Date d : {s.run.start, s.run.start.add_months(7), s.run.report_date, s.run.end}) {
            std::vector<std::uint8_t> expect(sites, 0);
            for (const auto& c : log)
                if (c.site < sites && c.date <= d) expect[c.site] = c.to;
            for (std::size_t i = 0; i < sites; ++i) ASSERT_EQ(h.at(i, d), expect[i]) << "site " << i << " at " << d.iso();
        }
        // Built (named) in the history exactly when the trajectory says so.
        for (std::size_t i = 0; i < sites; ++i) {
            const std::int32_t day = stations ? t.project_built_on[i] : t.base_named_on[i];
            if (day == never) continue;
            const auto target = stations ? static_cast<std::uint8_t>(StationStatus::built) : static_cast<std::uint8_t>(BaseStatus::named);
            EXPECT_EQ(h.at(i, Date::from_days(day)), target) << "site " << i;
            EXPECT_NE(h.at(i, Date::from_days(day - 1)), target) << "site " << i;
        }

        MonteCarloOptions o;
        o.replications = 40;
        o.threads = 2;
        const Results r = simulate(s, o);
        // P(built by a month end) agrees with P(built by a deadline) where a
        // deadline is a month end, and never falls as the months go by.
        const auto& months = r.layout.months;
        ASSERT_EQ(r.by_month.size(), sites * months.size());
        std::size_t compared = 0;
        for (std::size_t d = 0; d < r.project_deadlines.size(); ++d) {
            const auto m = std::find(months.begin(), months.end(), r.project_deadlines[d]);
            if (m == months.end()) continue;
            const auto share = share_by_month(r, static_cast<std::size_t>(m - months.begin()));
            const auto& want = stations ? r.project_p_built[d] : r.base_p_named;
            if (!stations && r.project_deadlines[d] != s.run.end) continue;
            for (std::size_t i = 0; i < sites; ++i) ASSERT_FLOAT_EQ(share[i], want[i]) << "site " << i;
            ++compared;
        }
        EXPECT_GE(compared, 1u);
        for (std::size_t i = 0; i < sites; ++i)
            for (std::size_t m = 1; m < months.size(); ++m) ASSERT_LE(r.by_month[i * months.size() + m - 1], r.by_month[i * months.size() + m]);
        // The median replication's headline is the nearest to the median.
        const Layout& L = r.layout;
        const std::size_t head = L.series_index(0, L.all_row(), L.months.size() - 1);
        const double gap = std::abs(sim.run(static_cast<std::uint64_t>(r.median_replication)).series[head] - r.series[head].p50);
        for (std::uint64_t k = 0; k < 40; ++k) EXPECT_LE(gap, std::abs(sim.run(k).series[head] - r.series[head].p50)) << "replication " << k;
    }
}

// Bounds relative to one replication's time in this build, so that they
// hold under a sanitizer (several times slower) as well as in Release.
TEST(Simulate, Cancel_stopsTheRunAndThrows) {
    using clock = std::chrono::steady_clock;
    const Scenario s = load_scenario(baseline("jiangmen"));
    const Simulator sim(s);
    auto one = clock::duration::max();
    for (std::uint64_t k = 0; k < 3; ++k) {
        const auto t0 = clock::now();
        (void)sim.run(k);
        one = std::min(one, clock::now() - t0);
    }
    std::atomic<bool> cancel{false};
    std::atomic<clock::rep> cancelled_at{0};
    MonteCarloOptions o;
    o.replications = 100000;  // minutes, were it not cancelled
    o.threads = 2;
    o.cancel = &cancel;
    o.progress = [&](int done, int) {
        if (done > 0 && !cancel) {
            cancelled_at = clock::now().time_since_epoch().count();
            cancel = true;
        }
    };
    const auto start = clock::now();
    EXPECT_THROW((void)simulate(sim, o), Cancelled);
    const auto end = clock::now();
    ASSERT_TRUE(cancel);
    // From the flag to the throw: the replications in flight end, the
    // progress loop wakes (every 100 ms), the threads are joined.
    const auto latency = end - clock::time_point(clock::duration(cancelled_at.load()));
    EXPECT_LT(latency, std::chrono::seconds(1) + 20 * one)
        << "one replication: " << std::chrono::duration<double>(one).count() << " s";
    // The whole call, its set-up included, is a small part of the run it stopped.
    const auto uninterrupted = o.replications * one / o.threads;
    EXPECT_LT(end - start, uninterrupted / 10) << "the uninterrupted run: about "
                                               << std::chrono::duration<double>(uninterrupted).count() << " s";
}
