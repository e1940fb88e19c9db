// Internals shared by the two rollout models: the event queue, the budget
// ledger, checkpoints, and the prepared per-scenario data.
#pragma once

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <vector>

#include "tisheng/coverage/coverage.hpp"
#include "tisheng/planning/coverage_model.hpp"
#include "tisheng/core/random.hpp"
#include "tisheng/simulate/simulate.hpp"

namespace tisheng::detail {

/// An event: what happens to entity `id` on `day`. Events of one day run in
/// the order they were pushed, so a replication never depends on container
/// internals.
struct Event {
    std::int32_t day = 0;
    std::uint8_t type = 0;
    std::uint32_t id = 0;
    std::uint32_t gen = 0;  ///< for events that a later decision makes stale
};

/// A bucket queue over the horizon's days: days are whole numbers, so one
/// FIFO vector per day, read in insertion order, gives (day, insertion)
/// order at O(1) a push or pop, and a day's events are read from contiguous
/// memory (a national replication has millions of events: a pool threaded
/// by links missed the cache at every pop). A stored event is 12 bytes, its
/// day being its bucket's. A day's vector is released once read. Events
/// after the last day are never run: dropped.
class EventQueue {
public:
    struct Stored {
        std::uint32_t id, gen;
        std::uint8_t type;
    };
    EventQueue(std::int32_t first_day, std::int32_t last_day)
        : m_first(first_day), m_days(static_cast<std::size_t>(std::max(0, last_day - first_day + 1))) {}
    void push(std::int32_t day, std::uint8_t type, std::uint32_t id, std::uint32_t gen = 0) {
        assert(day >= m_first + static_cast<std::int32_t>(m_cur));  // never into the past
        const auto slot = static_cast<std::size_t>(day - m_first);
        if (day < m_first || slot >= m_days.size()) return;
        m_days[slot].push_back(Stored{id, gen, type});
    }
    [[nodiscard]] bool empty() {
        settle();
        return m_cur == m_days.size();
    }
    /// The day of the next event; call only when !empty().
    [[nodiscard]] std::int32_t next_day() {
        settle();
        return m_first + static_cast<std::int32_t>(m_cur);
    }
    Event pop() {
        settle();
        const Stored& e = m_days[m_cur][m_at++];
        return Event{m_first + static_cast<std::int32_t>(m_cur), e.type, e.id, e.gen};
    }
    /// The event `n` places after the next one, if it is on the same day
    /// (for prefetching what it will touch), or null.
    [[nodiscard]] const Stored* ahead(std::size_t n) const {
        if (m_cur >= m_days.size() || m_at + n >= m_days[m_cur].size()) return nullptr;
        return &m_days[m_cur][m_at + n];
    }

private:
    void settle() {
        while (m_cur < m_days.size() && m_at == m_days[m_cur].size()) {
            std::vector<Stored>().swap(m_days[m_cur]);
            ++m_cur;
            m_at = 0;
        }
    }
    std::int32_t m_first;
    std::vector<std::vector<Stored>> m_days;  // per day: its events in push order
    std::size_t m_cur = 0, m_at = 0;          // the next event: m_days[m_cur][m_at]
};

/// Annual budgets per payer: what is left, what was spent, what was asked
/// for and not there. Unspent money does not carry over.
class Ledger {
public:
    Ledger(const Layout& layout, const Budgets& budgets, Trajectory& out) : m_years(layout.years), m_first(layout.first_year), m_out(out) {
        for (int y = 1; y < m_years; ++y) m_year_starts.push_back(Date::from_ymd(m_first + y, 1, 1).days());
        const std::size_t n = layout.payers.size() * static_cast<std::size_t>(m_years);
        out.spent.assign(n, 0);
        out.short_cny.assign(n, 0);
        out.allocated.assign(n, 0);
        for (std::size_t p = 0; p < budgets.payers.size(); ++p)
            for (int y = 0; y < m_years; ++y) {
                const Payer& payer = budgets.payers[p];
                double a = std::numeric_limits<double>::infinity();
                if (auto it = payer.annual_by_year.find(m_first + y); it != payer.annual_by_year.end())
                    a = it->second;
                else if (payer.annual_cny)
                    a = *payer.annual_cny;
                out.allocated[p * static_cast<std::size_t>(m_years) + static_cast<std::size_t>(y)] = a;
            }
    }
    /// The budget year of `d` (years before the first count as the first, after the last as the last).
    [[nodiscard]] int year_index(Date d) const {
        return static_cast<int>(std::upper_bound(m_year_starts.begin(), m_year_starts.end(), d.days()) - m_year_starts.begin());
    }
    [[nodiscard]] double available(std::size_t payer, Date d) const {
        auto i = slot(payer, d);
        return m_out.allocated[i] - m_out.spent[i];
    }
    void spend(std::size_t payer, Date d, double amount) {
        auto i = slot(payer, d);
        assert(amount >= 0 && m_out.spent[i] + amount <= m_out.allocated[i] * (1 + 1e-12));
        m_out.spent[i] += amount;
    }
    void record_short(std::size_t payer, Date d, double amount) { m_out.short_cny[slot(payer, d)] += amount; }

private:
    [[nodiscard]] std::size_t slot(std::size_t payer, Date d) const {
        return payer * static_cast<std::size_t>(m_years) + static_cast<std::size_t>(year_index(d));
    }
    int m_years;
    int m_first;
    std::vector<std::int32_t> m_year_starts;  // 1 January of each year after the first
    Trajectory& m_out;
};

/// A piecewise-constant daily hazard over the horizon.
struct Hazard {
    std::vector<std::int32_t> start;  ///< segment start days, ascending
    std::vector<double> rate;         ///< events per day from start[i] to start[i+1]

    /// The first event day after `from` for hazard multiplied by `k`, or
    /// `never`. Uses one exponential draw (memoryless, so it may be redrawn
    /// whenever `k` changes). Day d covers the times [d, d + 1), so a
    /// segment from start[i] to start[i+1] acts on exactly its own days.
    std::int32_t next(std::int32_t from, double k, Rng& r) const {
        double e = -std::log(1.0 - r.uniform());
        const double t0 = static_cast<double>(from) + 1;  // the end of day `from`
        for (std::size_t i = 0; i < start.size(); ++i) {
            const double end = i + 1 < start.size() ? start[i + 1] : never;
            if (end <= t0) continue;
            const double lambda = rate[i] * k;
            const double a = std::max<double>(start[i], t0);
            if (lambda <= 0) continue;
            const double t = a + e / lambda;
            if (t < end) return static_cast<std::int32_t>(std::floor(t));
            e -= lambda * (end - a);
        }
        return never;
    }
};

inline std::int32_t draw_days(Rng& r, DayRange d) { return static_cast<std::int32_t>(r.integer(d.min, d.max)); }

/// Dates at which state is recorded: every month end, every check date,
/// the report date.
struct Checkpoint {
    std::int32_t day = 0;
    std::int32_t month = -1;             ///< index into Layout::months, or -1
    std::vector<std::size_t> checks;     ///< Layout::checks due on this day
    bool report = false;                 ///< run.report_date: Trajectory::report_status
};
std::vector<Checkpoint> checkpoints(const Scenario& s, const Layout& layout);

/// Runs every event in order (the queue holds none after the horizon),
/// stopping at each checkpoint once every event of its day has run.
template <class OnEvent, class OnCheckpoint>
void run_events(EventQueue& q, const std::vector<Checkpoint>& cps, OnEvent&& on_event, OnCheckpoint&& on_checkpoint) {
    std::size_t next = 0;
    while (!q.empty()) {
        while (next < cps.size() && cps[next].day < q.next_day()) on_checkpoint(cps[next++]);
        on_event(q.pop());
    }
    while (next < cps.size()) on_checkpoint(cps[next++]);
}

/// Starts a replication's record: series zero, checks not reached.
inline void begin_record(const Layout& layout, Trajectory& out) {
    out.series.assign(layout.series_size(), 0);
    out.checks.assign(layout.checks.size(), CheckOutcome{});
    out.report_status.assign(Results::status_kinds, 0);
}

/// Records check `c` at its date.
inline void record_check(CheckOutcome& o, const Check& c, double value, double missing) {
    o.value = value;
    o.met = value >= c.required - 1e-9;
    o.missing = std::max(0.0, missing);
}

/// At a month end: the checks that reach their required value for the first
/// time. `measure(check)` gives the check's measure now.
template <class Measure>
void record_first_met(const Layout& layout, std::int32_t day, Trajectory& out, Measure&& measure) {
    for (std::size_t c = 0; c < layout.checks.size(); ++c) {
        CheckOutcome& o = out.checks[c];
        const Check& check = layout.checks[c];
        if (o.first_met == never && day >= check.watch_from.days() && measure(check) >= check.required - 1e-9) o.first_met = day;
    }
}

/// Per-scenario data of the stations model.
struct StationsPrep {
    std::vector<std::uint8_t> eligible;       ///< register projects
    std::vector<std::uint32_t> enterprise;    ///< dense enterprise index
    std::size_t enterprises = 0;
    std::vector<double> arrivals_per_day;     ///< per unit
    std::vector<std::vector<std::uint32_t>> unit_projects;  ///< register projects per unit (to resample arrivals)
    std::vector<std::int32_t> planned_days;   ///< register projects: planned end - start (an arrival copies it; read
                                              ///< from here, not from the big Project records, which miss the cache)
    Hazard adoption;
    std::vector<double> element_pass;         ///< pass probabilities of the standard's elements that have one
    struct Share {
        std::vector<std::uint32_t> payer_by_unit;  ///< a per-unit payer resolves to the unit's own
        double share = 0;
    };
    std::vector<Share> setup, running;
    std::int32_t enterprise_payer = -1;
    int grace_days = 0;                        ///< of the share targets (their largest)
    std::size_t projects_reserved = 0;         ///< room for a replication's projects: the register and
                                               ///< its arrivals' mean + 4 sd (Poisson), so that they seldom move
};
StationsPrep prepare_stations(const Scenario& s);

/// Coverage shares kept up to date during a replication: the scenario's
/// site-demand pairs within its radii, and the demand's workers and places.
/// Stations: demand i is register project i (arrivals add to the project
/// they copy); bases: the demand points.
struct CoveragePrep {
    std::shared_ptr<const coverage::RadiusPairs> pairs;
    std::vector<double> workers;
    std::vector<std::uint32_t> unit, industry;
    std::size_t units = 0, industries = 0;
    [[nodiscard]] coverage::ReachTracker tracker(bool with_workers) const {
        return {pairs, with_workers ? workers : std::vector<double>(workers.size(), 0.0), unit, units, industry, industries};
    }
};
CoveragePrep prepare_coverage(const Scenario& s, const CoverageModel& model);
/// The month's covered shares into the series (per unit rows, then 'all').
void record_coverage(const coverage::ReachTracker& t, const Layout& layout, std::size_t month, Trajectory& out);
/// The end date's coverage outcomes.
void finish_coverage(const coverage::ReachTracker& t, std::size_t industries, Trajectory& out);

/// One replication of each model; `cps` are checkpoints(s, layout),
/// computed once per scenario.
void run_stations(const Scenario& s, const Layout& layout, const std::vector<Checkpoint>& cps, const StationsPrep& prep,
                  const CoveragePrep& cov, std::uint64_t replication, Trajectory& out, std::vector<StatusChange>* log);
void run_bases(const Scenario& s, const Layout& layout, const std::vector<Checkpoint>& cps, const CoveragePrep& cov,
               std::uint64_t replication, Trajectory& out, std::vector<StatusChange>* log);


}  // namespace tisheng::detail
