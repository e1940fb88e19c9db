// What a Monte Carlo run of the rollout gives: `Results`, the one type that
// the CLI summary, run.json, timeseries.csv, map.gpkg, the surfaces,
// report.html, the forms, the viewer and a sweep's variant all read, whether
// simulate() has just computed it or open_store() read it back from a run
// folder (docs/architecture.md). The figures derived from it for more than
// one reader (P(met) of a check at every date, P(targets met), P(built by a
// month)) are the functions at the end, so no reader computes its own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "tisheng/model/calendar.hpp"
#include "tisheng/model/ids.hpp"

namespace tisheng {

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

inline constexpr std::int32_t never = std::numeric_limits<std::int32_t>::max();

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
    /// With MonteCarloOptions::site_status: how many replications had each
    /// register project (Jiangmen) or candidate base (Quanzhou) in each
    /// status at the end of run.report_date ([site * status_kinds + status], a
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

}  // namespace tisheng
