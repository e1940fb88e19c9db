// The rollout simulation: a discrete-event model at day resolution (events
// ordered by date, then insertion), one replication a pure function of
// (scenario, replication index), and a Monte Carlo driver whose results do
// not depend on the thread count.
//
// Stations (Jiangmen): projects start, finish late, and keep arriving;
// eligible ones adopt a station with a phase-dependent hazard; stations go
// 拟建 → 在建 → 已建, count only when they meet the standard, close (or move)
// when their project ends; costs are paid from annual budgets per payer.
// Bases (Quanzhou): annual rounds, a review pipeline on the working-day
// calendar, a quota per round, city grants matched by the county unions.
#pragma once

#include <atomic>
#include <cstdint>
#include <stdexcept>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tisheng/coverage/coverage.hpp"
#include "tisheng/simulate/results.hpp"
#include "tisheng/model/ids.hpp"
#include "tisheng/model/scenario.hpp"
#include "tisheng/model/calendar.hpp"

namespace tisheng {

/// Where a station stands. Values only grow along a station's life:
/// none → planned (拟建) → under_construction (在建) → failed_standard →
/// built (已建) → closed; `abandoned` is reached from none only.
enum class StationStatus : std::uint8_t { none, planned, under_construction, failed_standard, built, closed, abandoned };
std::string_view to_string(StationStatus s);

/// Where a candidate base stands in the current round. Names and drops are
/// final; a rejected or unselected candidate may apply again. The outcomes
/// a planner reads (outcome_name): `rejected` is a review failure of an
/// eligible candidate (review_failed), `ineligible` the rightful rejection
/// of one below base_eligibility, `not_selected` a survivor left out because
/// the quota (or the round's cap) was full or the selection plan leaves it
/// out (not_selected:cap), `dropped` one the budgets could not fund
/// (not_selected:budget).
enum class BaseStatus : std::uint8_t { candidate, in_review, rejected, not_selected, awaiting_funds, named, dropped, ineligible };
std::string_view to_string(BaseStatus s);
/// The outcome a planner reads: candidate, in_review, review_failed,
/// not_selected:cap, awaiting_funds, named, not_selected:budget, ineligible.
std::string_view outcome_name(BaseStatus s);

/// A check's outcome in one replication.
struct CheckOutcome {
    double value = 0;    ///< the measure at the check's date
    bool met = false;
    /// What is missing at the date: for a share, the due projects without a
    /// built station; for a count, how many short of the required (0 if met).
    double missing = 0;
    /// The first month end (from the run's start) at which the measure
    /// reached the required value, as Date::days(); `never` if it did not.
    std::int32_t first_met = std::numeric_limits<std::int32_t>::max();
};

/// One replication.
struct Trajectory {
    std::vector<float> series;           ///< Layout::series_index
    std::vector<CheckOutcome> checks;    ///< Layout::checks
    std::vector<double> spent;           ///< [payer * years + year], CNY
    std::vector<double> allocated;       ///< same shape; infinity for unlimited
    std::vector<double> short_cny;       ///< requested but not available
    std::vector<std::int32_t> project_built_on;  ///< register projects: first day a compliant station was built, or `never`
    std::vector<std::int32_t> base_named_on;     ///< candidate bases: day named, or `never`
    std::vector<float> base_grant_cny;           ///< city grant of a named base (0 otherwise)
    std::vector<std::uint8_t> base_demonstration;
    /// Coverage at the end date: per site of the coverage model (see
    /// coverage_model.hpp), whether one is open; covered share per
    /// [industry * radii + radius].
    std::vector<std::uint8_t> site_open_at_end;
    std::vector<float> covered_by_industry;
    /// Stations: the workers of each coverage demand point at the end date
    /// (workers on the projects active then; coverage's weights). Empty for
    /// bases, whose demand points keep their workers.
    std::vector<float> demand_weight_at_end;
    /// Stations: every project of the replication (register, then the
    /// arrivals, as numbered in the status log): the register project it is
    /// or copies, and its first day.
    std::vector<std::uint32_t> project_slot;
    std::vector<std::int32_t> project_start;
    /// The sites in each status at the end of run.report_date: stations by
    /// StationStatus (built = open, 已建 and in use), bases by BaseStatus.
    std::vector<std::uint32_t> report_status;
    /// Each site's status at the end of run.report_date: register projects
    /// (a StationStatus) or candidate bases (a BaseStatus).
    std::vector<std::uint8_t> site_status;
};

/// A status change, for tests and audits (see Simulator::run).
struct StatusChange {
    Date date;
    std::uint32_t site = 0;  ///< project index (register, then arrivals) or base index
    std::uint8_t from = 0;   ///< StationStatus or BaseStatus
    std::uint8_t to = 0;
};

/// Prepared once per scenario (lookups, hazards, arrival rates); `run` is
/// then a const function of the replication index, safe to call from many
/// threads at once.
class Simulator {
public:
    explicit Simulator(const Scenario& s);
    /// For a variant of `like`'s scenario with the same region, sites and
    /// coverage settings (a counterfactual): shares its coverage model.
    Simulator(const Scenario& s, const Simulator& like);
    ~Simulator();
    Simulator(const Simulator&) = delete;
    Simulator& operator=(const Simulator&) = delete;

    [[nodiscard]] const Layout& layout() const;
    /// The scenario it was prepared for (kept by reference).
    [[nodiscard]] const Scenario& scenario() const;
    /// Replication `replication` of the scenario's seed. `log`, if given,
    /// receives every status change in date order.
    [[nodiscard]] Trajectory run(std::uint64_t replication, std::vector<StatusChange>* log = nullptr) const;

private:
    struct Model;
    std::unique_ptr<Model> m;
};

/// One replication with its status log: what the forms, the viewer's
/// replication mode and a run's store (store.hpp) keep of it.
struct Replay {
    std::int64_t replication = -1;
    Trajectory trajectory;
    std::vector<StatusChange> log;
};
/// Runs replication `k` of `sim` again, with its log.
Replay replay(const Simulator& sim, std::uint64_t k);

/// Where every site stands at any date of one replication, rebuilt from the
/// status log of Simulator::run: the state a viewer shows at a date.
class StatusHistory {
public:
    StatusHistory() = default;
    /// `sites`: register projects (Jiangmen) or candidate bases (Quanzhou);
    /// log entries for other sites (projects that arrived during the
    /// replication) are kept out.
    StatusHistory(std::size_t sites, const std::vector<StatusChange>& log);
    /// The status (a StationStatus or BaseStatus value) at the end of day
    /// `d`; 0 (none / candidate) before the site's first change.
    [[nodiscard]] std::uint8_t at(std::size_t site, Date d) const;
    [[nodiscard]] std::size_t size() const { return m_first.empty() ? 0 : m_first.size() - 1; }

private:
    std::vector<std::uint32_t> m_first;  ///< site -> first change in m_changes (CSR)
    std::vector<std::pair<std::int32_t, std::uint8_t>> m_changes;  ///< (day, status), by site then date
};

/// The processes one Monte Carlo run is split over (MPI ranks): each runs
/// the replications k with k % size() == rank(), and rank 0 aggregates.
class RankGroup {
public:
    virtual ~RankGroup() = default;
    [[nodiscard]] virtual int rank() const = 0;
    [[nodiscard]] virtual int size() const = 0;
    /// Every rank's bytes, by rank, on rank 0 (empty elsewhere).
    virtual std::vector<std::vector<std::uint8_t>> gather(std::vector<std::uint8_t> mine) = 0;
    /// Every rank's bytes, by rank, on every rank (a calibration's ranks
    /// then take the same steps).
    virtual std::vector<std::vector<std::uint8_t>> all_gather(std::vector<std::uint8_t> mine) = 0;
};

struct MonteCarloOptions {
    int replications = 0;  ///< 0: the scenario's run.replications
    int threads = 0;       ///< 0: all cores
    /// Called on the calling thread about ten times a second: (done, total).
    std::function<void(int, int)> progress;
    /// Count every site's status at the end of run.report_date (Results::status_counts).
    bool site_status = false;
    /// Polled by the workers between replications: true stops the run, and
    /// simulate() throws Cancelled (error.hpp).
    const std::atomic<bool>* cancel = nullptr;
    /// Split over processes: simulate() returns the Results on rank 0 and
    /// empty Results (replications 0) on the others; bit-identical to one
    /// process.
    RankGroup* ranks = nullptr;
};

/// Runs the replications in parallel and aggregates them. The results are
/// bit-identical for any thread count.
Results simulate(const Scenario& s, const MonteCarloOptions& options = {});
/// The same with a prepared simulator, which the caller keeps (to run single
/// replications afterwards without preparing the scenario again).
Results simulate(const Simulator& sim, const MonteCarloOptions& options = {});

}  // namespace tisheng
