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

/// One check of a target: the target for one unit, or for the whole city,
/// at one of its check dates (a recurring target has one check per date).
/// A per-unit target has a check per unit and then one `summary` check
/// for the city (its share, or the units' required counts added up).
struct Check {
    std::size_t target = 0;  ///< index into programme.targets
    std::int32_t unit = all_units;  ///< unit index, or all_units (ids.hpp)
    double required = 0;
    Date date;               ///< when it is checked
    /// From when CheckOutcome::first_met is looked for: the run's start, or
    /// a recurring target's `from` (before it, a share of no due project
    /// reads 100 %).
    Date watch_from;
    /// The city line of a per-unit target (its share, or the districts'
    /// counts added up): reported, but whether the target is met is
    /// decided by the districts' checks alone.
    bool summary = false;
};

/// What one replication records, and how the Monte Carlo results are laid
/// out: monthly series per (metric, unit or 'all'), target checks, payers
/// by year.
struct Layout {
    std::vector<Date> months;           ///< month ends of the horizon
    std::vector<std::string> metrics;   ///< e.g. stations_built, share_with_station
    std::size_t units = 0;
    /// Series rows: one per unit, then 'all'; on regions of more than
    /// `max_unit_rows` units, the 'all' row only (memory: rows x months x
    /// metrics x replications).
    std::size_t rows = 1;
    static constexpr std::size_t max_unit_rows = 500;
    std::vector<Check> checks;
    std::vector<std::string> payers;    ///< expanded payer ids
    std::vector<double> radii;          ///< coverage radii (metres or the cost matrix's unit)
    std::string radius_unit;            ///< "m" or "min"
    std::size_t first_coverage_metric = 0;  ///< metrics[first + k]: share of workers within radii[k]
    std::vector<std::string> industries;    ///< of the demand, as the coverage model numbers them
    int first_year = 0;                 ///< budgets per calendar year of the horizon
    int years = 0;

    /// The headline coverage radius: the one closest to 3 km (DESIGN.md).
    [[nodiscard]] std::size_t headline_radius() const;
    [[nodiscard]] bool per_unit_series() const { return rows > 1; }
    [[nodiscard]] std::size_t all_row() const { return rows - 1; }
    [[nodiscard]] std::size_t series_size() const { return metrics.size() * rows * months.size(); }
    [[nodiscard]] std::size_t series_index(std::size_t metric, std::size_t row, std::size_t month) const {
        return (metric * rows + row) * months.size() + month;
    }
};

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

inline constexpr std::int32_t never = std::numeric_limits<std::int32_t>::max();

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

struct Counterfactuals;  // counterfactual.hpp

struct Quantiles {
    double p05 = 0, p50 = 0, p95 = 0;
};
/// The 5th, 50th and 95th percentiles of a sample (type 7: linear between
/// order statistics); sorts `v`.
Quantiles quantiles(std::vector<double>& v);

/// What planners read: every number of run.json and timeseries.csv.
struct Results {
    Layout layout;
    int replications = 0;
    std::vector<Quantiles> series;  ///< Layout::series_index
    struct CheckResult {
        double p_met = 0;
        Quantiles value;
        Quantiles missing;       ///< CheckOutcome::missing
        /// The first month end reaching the required value (days; `never`
        /// where not reached: nearest-rank quantiles, so never a mixture).
        std::int32_t first_met_p05 = never, first_met_p50 = never, first_met_p95 = never;
    };
    std::vector<CheckResult> checks;
    /// Per replication and check: 1 when met ([replication * checks + check]).
    std::vector<std::uint8_t> check_met;
    /// Per replication and target: 1 when every check of the target (each
    /// unit's, or the city's) was met in that replication
    /// ([replication * targets + target]).
    std::vector<std::uint8_t> target_met;
    struct PayerResult {
        std::string id;
        std::vector<double> allocated_by_year;  ///< infinity = unlimited
        std::vector<double> spent_p50_by_year;
        Quantiles spent;      ///< over the horizon
        Quantiles short_cny;  ///< over the horizon
        double max_spent_share = 0;  ///< largest spent / allocated of any year in any replication
    };
    std::vector<PayerResult> payers;
    std::vector<Date> project_deadlines;             ///< the dates of p_built_by
    std::vector<std::vector<float>> project_p_built;  ///< [deadline][project]
    std::vector<float> base_p_named;
    std::vector<float> base_p_demonstration;
    std::vector<float> base_median_grant_cny;  ///< over replications where the base is named
    std::vector<float> site_p_open_at_end;     ///< per site of the coverage model
    std::vector<Quantiles> covered_by_industry;  ///< at the end date, [industry * radii + radius]
    /// Per replication: the headline (the first metric, city-wide, at the
    /// end date).
    std::vector<float> headline;
    /// The replication whose headline is nearest its median; the lowest
    /// index on ties.
    int median_replication = 0;
    /// That replication at the end date: which sites of the coverage model
    /// are open, and the workers at each demand point (stations: on the
    /// projects active then; empty for bases, whose demand is fixed). The
    /// coverage map of the report, coverage.tif, access.tif and the demand
    /// layer of map.gpkg all show this.
    std::vector<std::uint8_t> median_open_at_end;
    std::vector<float> median_workers_at_end;
    /// Its own city-wide shares within each radius at the last month end
    /// (covered_* of that replication), which the map's shares must equal.
    std::vector<double> median_covered_at_end;
    /// The representative replication of the official tables: the one
    /// whose city count at run.report_date (stations 已建 and in use, or
    /// bases named) is nearest the median of that count; the lowest index
    /// on ties. `report_status` is its count of sites per status then.
    int representative_replication = 0;
    std::vector<std::uint32_t> report_status;
    /// The same count per replication, and its quantiles.
    Quantiles report_count;
    /// The mean number of sites in each status at run.report_date, over
    /// the replications (Quanzhou: how candidates end up).
    std::vector<double> report_status_mean;
    /// Per register project (stations) or candidate base (bases) and month
    /// end of Layout::months: in how many replications it had had a
    /// compliant station built, or had been named, by then
    /// ([site * months + m]; the viewer's P(built by the date)).
    std::vector<std::uint32_t> by_month;
    /// With MonteCarloOptions::status_at: how many replications had each
    /// register project (Jiangmen) or candidate base (Quanzhou) in each
    /// status at the end of that date ([site * status_kinds + status], a
    /// StationStatus or BaseStatus value).
    static constexpr std::size_t status_kinds = 8;
    std::vector<std::uint32_t> status_counts;
    /// What would have fixed the misses (explain_misses), when computed.
    std::shared_ptr<const Counterfactuals> fixes;
};

/// The share of replications that met check `c` at every date of its
/// target and unit (all of a recurring target's dates).
double p_met_all_dates(const Results& r, std::size_t c);

/// The share of replications that met every target in `targets` (indices
/// into programme.targets) together: P(all met). Empty `targets`: all.
double p_targets_met(const Results& r, const std::vector<std::size_t>& targets = {});

/// Per site of Results::by_month: the share of replications in which it was
/// built (named) by the end of month `month` (clamped to the last).
std::vector<float> share_by_month(const Results& r, std::size_t month);

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
    /// Count every site's status at the end of this date (Results::status_counts).
    std::optional<Date> status_at;
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
