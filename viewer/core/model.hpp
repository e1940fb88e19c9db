// What the viewer shows, as the engine computed it: a loaded scenario with
// its geometry prepared for drawing (Dataset), and the runs of it (Run).
// Both are built off the UI thread and immutable afterwards; the UI keeps
// only view state (view_state.hpp).
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/picking.hpp"
#include "core/triangulate.hpp"
#include "core/jobs.hpp"
#include "tisheng/coverage.hpp"
#include "tisheng/coverage_model.hpp"
#include "tisheng/scenario.hpp"
#include "tisheng/simulate.hpp"

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

    std::string glyphs;  ///< every name the data holds, for the font atlas

    /// Coverage-model site of a point (projects, stations, bases), or -1.
    [[nodiscard]] std::int64_t site_of(std::size_t point) const;
    [[nodiscard]] std::string point_name(std::size_t point) const;
};

/// Loads a scenario (or the scenario a run directory names) and prepares
/// it. Throws what load_scenario throws.
Dataset load_dataset(const std::filesystem::path& file, const std::vector<std::string>& overrides, Progress& progress);

/// A scenario path from what the user opened: the scenario itself, or a run
/// directory's run.json "scenario". `overrides` receives the run's edits,
/// `note` says what was done.
std::filesystem::path resolve_input(const std::filesystem::path& input, std::vector<std::string>& overrides, std::string& note);

struct Run {
    std::vector<std::string> overrides;   ///< the what-if edits it ran with
    std::shared_ptr<const Scenario> scenario;
    std::shared_ptr<const Simulator> simulator;
    Results results;
    double seconds = 0;
};

/// Runs the scenario with `overrides` (Monte Carlo, days kept for the map).
Run run_scenario(const std::filesystem::path& file, const std::vector<std::string>& overrides, int threads, Progress& progress);

/// Messages of a failed load, one per line, as `tisheng validate` prints them.
std::vector<std::string> messages_of(const std::exception& e);

}  // namespace tisheng::viewer
