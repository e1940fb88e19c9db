// A run of a scenario and its run directory (DESIGN.md, "The run directory").
#pragma once

#include <filesystem>
#include <string>

#include "tisheng/scenario.hpp"

namespace tisheng {

/// Engine version string ("0.1.0").
std::string engine_version();

/// Per-unit counts of what the scenario holds (validate's summary, the
/// `units` layer of map.gpkg).
struct UnitSummary {
    std::string id;
    std::string name;
    std::size_t projects = 0;
    std::size_t eligible_projects = 0;
    std::size_t stations = 0;   ///< off-project candidate sites
    std::size_t bases = 0;
    std::size_t eligible_bases = 0;
    std::size_t demand_points = 0;
    long long workers = 0;      ///< on projects (stations programme) or demand points
};
std::vector<UnitSummary> summarise(const Scenario& s);

/// Writes map.gpkg (layers units, projects, stations, bases, demand) and
/// run.json into `dir` (created if missing). Each file is written whole or
/// not at all.
void write_run_directory(const Scenario& s, const std::filesystem::path& dir);

}  // namespace tisheng
