// report.html: one self-contained page (inline SVG and CSS, an embedded PNG,
// no network, no script) in Chinese with English alongside, that a planner
// hands to the bureau. For a run: the targets, maps at each deadline, each
// unit's progress, the reasons for misses, the money, and the inputs. For a
// sweep: the variants, the levers ranked, the Pareto frontier, find-min.
#pragma once

#include <filesystem>
#include <string>

#include "tisheng/scenario.hpp"
#include "tisheng/simulate.hpp"

namespace tisheng {

struct ReportOptions {
    std::string created;       ///< when the run was made (run.json "created"), shown with the inputs
    std::string forms_source;  ///< what the forms' statuses come from ("replication 17"), if forms were written
};

/// Writes `dir`/report.html for a run of `s` with results `r` (through a
/// temporary file and a rename). The coverage map is drawn from
/// `dir`/coverage.tif when it is there.
void write_report(const Scenario& s, const Results& r, const std::filesystem::path& dir, const ReportOptions& options = {});

/// Writes `dir`/report.html for a sweep's folder from its sweep.json,
/// results.gpkg and find-min.json (whichever are there; InputError if none).
void write_sweep_report(const std::filesystem::path& dir);

}  // namespace tisheng
