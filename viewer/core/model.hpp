// What the viewer shows, as the engine computed it: a loaded scenario with
// its geometry prepared for drawing (Dataset), and the runs of it (Run).
// Both are built off the UI thread and immutable afterwards; the UI keeps
// only view state (view_state.hpp). Everything here that takes long polls a
// cancel flag (Progress::cancel) and then throws Cancelled.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <memory>
#include <string>
#include <vector>

#include "core/picking.hpp"
#include "core/triangulate.hpp"
#include "core/jobs.hpp"
#include "tisheng/coverage/coverage.hpp"
#include "tisheng/planning/coverage_model.hpp"
#include "tisheng/model/scenario.hpp"
#include "tisheng/simulate/simulate.hpp"
#include "tisheng/results/store.hpp"

namespace tisheng::viewer {

enum class PointKind : std::uint8_t { project, station, base, demand };

struct Dataset {
    std::shared_ptr<const Scenario> scenario;
    bool stations = true;  ///< the stations programme (Jiangmen), else bases (Quanzhou)

    std::vector<MultiPolygon<MetricPoint>> units;  ///< in the region's metric CRS
    std::vector<view::Triangles> fills;            ///< triangulated once
    std::vector<view::Vec2> labels;
    Box bounds;
    view::Vec2 origin;  ///< subtracted before vertices become floats

    /// Every point drawn: projects then off-project sites (stations), or
    /// bases then demand points (bases).
    std::vector<view::Vec2> points;
    std::vector<PointKind> kind;
    std::vector<std::uint32_t> index;  ///< into the scenario's projects / stations / bases / demand
    std::vector<float> workers;
    std::vector<std::int32_t> industry;  ///< into `industries`, or -1
    std::vector<std::string> industries;
    view::Picker picker;

    std::shared_ptr<const CoverageModel> coverage;
    coverage::Grid grid;  ///< a coarse grid for the surface overlay
    std::vector<std::uint8_t> mask;

    std::string glyphs;  ///< every character of the names the data holds, once each, for the font atlas

    /// Coverage-model site of a point (projects, stations, bases), or -1.
    [[nodiscard]] std::int64_t site_of(std::size_t point) const;
    [[nodiscard]] std::string point_name(std::size_t point) const;
};

/// Loads a scenario and prepares it. Throws what load_scenario throws, and
/// Cancelled when progress.cancel is set.
/// `data_files` stand in for the data files it names (a run folder's copies).
Dataset load_dataset(const std::filesystem::path& file, const std::vector<std::string>& overrides, Progress& progress,
                     const std::map<std::string, std::filesystem::path>& data_files = {});
/// Prepares a scenario already loaded.
Dataset prepare_dataset(std::shared_ptr<const Scenario> scenario, Progress& progress);

struct Run {
    std::vector<std::string> overrides;   ///< the what-if edits it ran with
    std::shared_ptr<const Scenario> scenario;
    /// The loaded scenario whose region, sites and cost matrix it ran on
    /// (null: it read its own).
    std::shared_ptr<const Scenario> data;
    /// Null for a run read from a run folder's store: nothing is re-run;
    /// its replications are the kept ones.
    std::shared_ptr<const Simulator> simulator;
    Results results;
    std::vector<KeptReplication> kept;
    double seconds = 0;
    std::string from;  ///< the run folder it was read from, if any
    /// The trajectory and log of replication `k`: run again (live runs), or
    /// the kept one nearest to `k` (stored runs); its index in `shown`.
    [[nodiscard]] Replay replication(std::int64_t k) const;
    /// Replications a stored run can show (all of them for a live run: empty).
    [[nodiscard]] std::vector<std::int64_t> kept_indices() const;
};

/// What File → Open gives: a scenario's data (a run follows), or a run
/// folder's data and its stored run (no re-run).
struct Opened {
    Dataset data;
    std::optional<Run> stored;
    std::vector<std::string> overrides;  ///< the run's --set edits (what "run again" starts from)
    std::map<std::string, std::filesystem::path> data_files;  ///< the run folder's copies
    std::filesystem::path scenario_file;
    std::string note;
};
/// Opens a scenario file, or a run folder (its results store). Throws
/// InputError naming what is missing or damaged.
Opened open_input(const std::filesystem::path& input, const std::vector<std::string>& overrides, Progress& progress);

/// What a run may take from what is already loaded instead of reading and
/// preparing it again.
struct Reuse {
    /// The loaded scenario: its region, sites and cost matrix stand in for
    /// the data files (only when the run's extra overrides name no data
    /// input: see names_data_input).
    std::shared_ptr<const Scenario> data;
    /// A run made on the same `data`: its simulator's coverage pairs are
    /// shared when the coverage settings are the same.
    std::shared_ptr<const Run> like;
};
/// True when a --set line changes what is read from the data files (data_dir,
/// a layer, the cost matrix, the region): a run with it must read them.
bool names_data_input(const std::string& set);

/// Runs the scenario with `overrides` (Monte Carlo). Throws Cancelled
/// within about a replication of progress.cancel being set.
Run run_scenario(const std::filesystem::path& file, const std::vector<std::string>& overrides,
                 const std::map<std::string, std::filesystem::path>& data_files, int threads, Progress& progress,
                 const Reuse& reuse = {});

/// The replication a view shows: its trajectory and where every site
/// stands at any date.
struct Shown {
    std::int64_t replication = -1;
    Trajectory trajectory;
    StatusHistory history;
};
/// Replication `k` of `run` (run again, or the kept one nearest to it) for
/// `data`'s sites. About one replication's time.
Shown show_replication(const Dataset& data, const Run& run, std::int64_t k);

/// Worker-weighted mean 2SFCA accessibility per unit, per 1,000 workers
/// (NaN: no workers), with the coverage-model sites `open` open. Seconds
/// at national size; throws Cancelled when `cancel` is set.
std::vector<double> unit_accessibility(const Dataset& data, const std::vector<std::uint32_t>& open,
                                       const std::atomic<bool>* cancel = nullptr);

/// The surface overlay's values on data.grid: distance to the nearest of
/// `open` (kind 0) or 2SFCA accessibility (kind 1), and the value at the
/// palette's end. Throws Cancelled when `cancel` is set.
struct SurfaceValues {
    int kind = 0;
    std::vector<float> value;
    double high = 1;
};
SurfaceValues surface_values(const Dataset& data, const std::vector<std::uint32_t>& open, int kind,
                             const std::atomic<bool>* cancel = nullptr);

/// Messages of a failed load, one per line, as `tisheng validate` prints them.
std::vector<std::string> messages_of(const std::exception& e);

}  // namespace tisheng::viewer
