// report.html: one self-contained page (inline SVG and CSS, an embedded PNG,
// no network, no script) in Chinese with English alongside, that a planner
// hands to the bureau. For a run: the targets (a recurring target per
// district and check date), maps at each deadline, the coverage of one
// replication, each unit's progress, what would have fixed the misses, the
// money, and every input with its provenance. For a sweep: the variants, the
// levers ranked, the Pareto frontier, find-min.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "tisheng/geo/geo.hpp"
#include "tisheng/model/programme.hpp"
#include "tisheng/model/scenario.hpp"
#include "tisheng/simulate/simulate.hpp"

namespace tisheng {

struct ReportOptions {
    std::string created;       ///< when the run was made (run.json "created"), shown with the inputs
    std::string forms_source;  ///< what the forms' statuses come from ("replication 17"), if forms were written
    std::string scenario_file; ///< the scenario as run (run.json "scenario_file"); empty: the scenario's own path
    /// Points a map draws one by one; above it the page stays small at any
    /// size by aggregating (projects left to the units' fills, the coverage
    /// map's workers as a raster of their distance classes) and says so.
    std::size_t max_points = 10000;
};

/// Writes `dir`/report.html for a run of `s` with results `r` (through a
/// temporary file and a rename).
void write_report(const Scenario& s, const Results& r, const std::filesystem::path& dir, const ReportOptions& options = {});

/// Writes `dir`/report.html for a sweep's folder from its sweep.json,
/// results.gpkg and find-min.json (whichever are there; InputError if none).
void write_sweep_report(const std::filesystem::path& dir);

/// How the report writes numbers: a share (or probability) as a percentage
/// (0.2414 -> "24.1 %"), a count as a whole number (12.05 -> "12"), and a
/// target's measure in its kind.
std::string format_share(double share);
std::string format_count(double count);
std::string format_value(Measure m, double v);

/// What the coverage map shows, and the shares printed under it, from the
/// same numbers: one replication (Results::median_replication, as simulate() keeps it): its
/// open sites at the end date and its demand then (stations: the workers on
/// the projects active then; bases: the demand points), each demand point's
/// cost to the nearest open site that reaches it (of its own industry when
/// coverage.match_industry), and the worker-weighted shares within each
/// radius. They equal the replication's own covered_* series at the end.
struct CoverageSnapshot {
    int replication = 0;
    Date date;
    std::vector<double> radii;
    std::string radius_unit;
    std::size_t headline = 0;  ///< index into radii (Layout::headline_radius)
    std::vector<MetricPoint> open_sites;
    std::vector<MetricPoint> demand;       ///< every demand point of the coverage model
    std::vector<double> workers;           ///< at the date (0: none there then)
    std::vector<std::uint32_t> unit;
    /// Per demand point: the index of the smallest radius within which an
    /// open site reaches it; radii.size() beyond the largest.
    std::vector<std::uint8_t> radius_class;
    std::vector<double> share;                       ///< per radius: covered workers / workers
    std::vector<std::vector<double>> share_by_unit;  ///< [unit][radius]
    double total_workers = 0;
    /// The simulation's own shares in that replication (covered_* at the
    /// last month end), city-wide, per radius.
    std::vector<double> simulated_share;
};
CoverageSnapshot coverage_snapshot(const Scenario& s, const Results& r);

}  // namespace tisheng
