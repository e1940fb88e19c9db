// A run of a scenario and its run directory (DESIGN.md, "The run directory").
#pragma once

#include <filesystem>
#include <map>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tisheng/model/scenario.hpp"
#include "tisheng/simulate/simulate.hpp"

namespace tisheng {

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

/// Writes the run directory into `dir` (created if missing): map.gpkg
/// (layers units, projects, stations, bases, demand, enriched with the
/// results' probabilities), run.json and timeseries.csv. Each file is
/// written whole or not at all.
/// `created`: when the run was made (ISO 8601, UTC); empty: now.
void write_run_directory(const Scenario& s, const Results& results, const std::filesystem::path& dir, const std::string& created = {});

/// output_time() (io.hpp), UTC, ISO 8601 to the second ("2026-12-06T10:39:12Z").
std::string utc_now();

/// What a run directory's run.json says was run.
struct RunRecord {
    std::filesystem::path scenario;       ///< the scenario file, as found now (the folder's copy, if it has one)
    std::string scenario_file;            ///< the scenario file as the run named it
    std::vector<std::string> overrides;   ///< the --set edits (run.seed and run.replications included when given)
    std::string hash;                     ///< the scenario hash of the run ("fnv1a64:...")
    int replications = 0;
    std::optional<std::uint64_t> seed;
    std::string created;                  ///< when the run was made (UTC, ISO 8601), if recorded
    std::vector<std::pair<std::string, std::string>> data_digests;  ///< data files read ("fnv1a64:..."), if recorded
    std::string engine_version;           ///< if recorded
    /// The run folder's copies of the data files by role (run.json
    /// "input"): the path relative to the folder and the digest of the
    /// copy (personal columns masked, so not the original's); empty for a
    /// run made before 0.2.
    struct InputCopy {
        std::filesystem::path path;
        std::string digest;
    };
    std::map<std::string, InputCopy> input_files;
};

/// What differs between a run's record and the scenario as loaded now: the
/// scenario and its edits, each data file, the engine version; one line
/// each, empty when a re-run gives the same numbers.
std::vector<std::string> changed_since(const RunRecord& rec, const Scenario& s);
/// Reads `dir`/run.json. The scenario is the folder's own copy
/// (input/scenario.yaml) when it has one, so a moved folder still finds it;
/// otherwise the path as recorded (relative to where the run started) or
/// relative to the directory's parent. Throws InputError naming run.json
/// and the field.
RunRecord read_run_record(const std::filesystem::path& dir);

/// A check's name in column names: the target id, with the date for a
/// recurring target, letters and digits only ("stations_2023",
/// "every_eligible_project_2025_12_31"); map.gpkg's units layer has
/// p_met_<it>, p50_<it> and required_<it>.
std::string check_column(const Target& t, Date d);

struct Lever;
struct Counterfactuals;
/// A lever's display name ("工会经费不限" / "union funds unlimited").
std::string lever_label(const Scenario& s, const Lever& l, std::string_view lang = "zh");
/// A set of levers joined with "＋" (zh) or " + " (en).
std::string lever_set_label(const Scenario& s, const Counterfactuals& cf, const std::vector<std::size_t>& set,
                            std::string_view lang = "zh");

/// The column name of P(station built by `d`) in the projects layer: "p_built_2023_12_31".
std::string p_built_column(Date d);

}  // namespace tisheng
