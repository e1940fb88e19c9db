// The viewer's state: the engine's data and results (model.hpp), the view
// settings (ViewState, the only thing the UI owns), what is derived from
// both for drawing (Derived, recomputed when its inputs change), and the
// background tasks. One panel a file draws from it:
//   [MENU]      menu.cpp            [MAP]    panel_map.cpp, map_renderer.cpp
//   [LAYERS]    panel_layers.cpp    [TIME]   panel_time.cpp
//   [INSPECTOR] panel_inspector.cpp [CHARTS] panel_charts.cpp
//   [WHAT-IF]   panel_whatif.cpp    [SITING] panel_siting.cpp
//   [MESSAGES]  panel_messages.cpp
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/camera.hpp"
#include "core/legend.hpp"
#include "core/jobs.hpp"
#include "basemap_layer.hpp"
#include "map_renderer.hpp"
#include "core/model.hpp"
#include "tisheng/simulate/counterfactual.hpp"
#include "tisheng/planning/plan.hpp"

namespace tisheng::viewer {

enum class FillMetric { p_target, built, coverage, accessibility };
enum class StateMode { median, replication, probability };
enum class PointColour { status, industry };
enum class Tab { layers, inspector, charts, whatif, siting, messages };
/// With a run A to compare with: A | B side by side (linked camera and
/// date), or one map of B - A.
enum class Compare { off, split, difference };

/// View settings only: what is shown and how; never data.
struct ViewState {
    view::Camera camera;
    bool fit_pending = true;
    FillMetric fill = FillMetric::p_target;
    int target = 0;  ///< index into the programme's targets
    int radius = 0;  ///< index into the coverage radii
    int month = 0;   ///< index into the run's month ends
    bool playing = false;
    double play_clock = 0;
    StateMode mode = StateMode::median;
    int replication = 0;
    PointColour point_colour = PointColour::status;
    bool show_fill = true, show_borders = true, show_names = true, show_sites = true, show_candidates = true,
         show_demand = true, show_surface = false;
    int surface = 0;  ///< 0 distance to the nearest open site, 1 accessibility
    float surface_opacity = 0.55f;
    bool show_basemap = true;
    float basemap_opacity = 1.0f;
    float basemap_fill_alpha = 0.65f;  ///< unit fills' opacity over a basemap
    Compare compare = Compare::split;  ///< when a previous run (A) exists
    std::int64_t hovered_point = -1, hovered_unit = -1, selected_point = -1, selected_unit = -1;
    Tab tab = Tab::layers;
    bool tab_request = false;  ///< select `tab` on the next frame
};

/// A point that is no site (a candidate station, a demand point).
inline constexpr std::uint8_t no_class = 255;

/// What a background result over open sites was computed for: the dataset
/// (App's count of loads), the kind of result, and the coverage-model sites open.
struct SitesKey {
    std::uint64_t data = 0;
    int kind = -1;  ///< -1 unit accessibility, else the surface (ViewState::surface)
    std::vector<std::uint32_t> sites;
    bool operator==(const SitesKey&) const = default;
};

/// Drawn from the data, the run and the view; rebuilt when its key changes.
struct Derived {
    std::string key;
    std::vector<double> unit_value;  ///< per unit, NaN = no data
    view::Legend legend;
    std::vector<view::Rgba> unit_colour;
    std::vector<std::uint8_t> status;  ///< per point (StationStatus / BaseStatus value)
    std::vector<std::uint8_t> point_class;   ///< per point: its class at the date (core/point_class.hpp), or no_class
    std::vector<std::uint32_t> class_count;  ///< points per class, for the key
    std::vector<std::uint32_t> industry_count;  ///< sites per industry, for the key
    std::uint32_t other_count = 0;           ///< points that are no site (candidate stations, demand), for the key
    std::vector<float> probability;    ///< per point, probability mode
    std::vector<view::Rgba> point_colour;
    std::vector<float> point_size;
    std::vector<std::uint32_t> open_sites;  ///< coverage-model sites open at the date
    std::vector<double> unit_access;        ///< worker-weighted mean accessibility per unit
    SitesKey access_for;                    ///< what unit_access was computed for
    SitesKey surface_for;                   ///< what the surface overlay shows
    std::string trajectory_key;             ///< the replication shown (run and index); empty until one arrives
    Trajectory trajectory;   ///< the replication shown (median or chosen)
    std::int64_t replication = -1;  ///< its index
    StatusHistory history;
};

struct WhatIf {
    std::vector<std::string> payer_ids;
    std::vector<double> payer_cny;
    std::vector<bool> payer_unlimited;
    std::vector<double> tier_cny;
    std::vector<std::string> phase_names;
    std::vector<double> phase_p;
    int replications = 1000;
    long long seed = 1;
    bool loaded = false;
};

struct SitingView {
    std::shared_ptr<const SitingModel> model;
    std::shared_ptr<const Plan> plan;
    std::shared_ptr<coverage::ReachTracker> tracker;  ///< built with the plan, off the UI thread
    std::vector<std::uint8_t> on;  ///< per candidate
    std::vector<std::uint32_t> open_count;  ///< per coverage-model site: candidates on (a base has two tiers)
    /// Turns a candidate on or off; its site opens with the first candidate
    /// on and closes with the last (the engine's incremental coverage).
    void toggle(std::uint32_t candidate);
    double objective_share = 0;    ///< the plan's own share, for reference
};

/// The File menu's path prompt (menu.cpp): what asked for a path, and the
/// path as typed. Each App has its own.
struct PathPrompt {
    enum class Ask { none, open, against, save, export_png, basemap };
    Ask ask = Ask::none;
    bool open_popup = false;
    char path[1024] = {};
};

struct SitingResult {
    std::shared_ptr<const Scenario> scenario;  ///< what it was made for (a result for data since replaced is dropped)
    SitingView view;                           ///< the plan's candidates on (its coverage found in the background too)
};

struct Options {
    std::filesystem::path input;
    std::vector<std::string> overrides;  ///< --set
    std::vector<std::string> whatif;     ///< --whatif: a second run to compare with
    std::string compare;                 ///< --compare: split (default) | difference | off
    std::filesystem::path against;       ///< --against: a run folder shown as A beside the input (B)
    std::string date;                    ///< --date
    std::string fill;                    ///< --fill
    std::string target;                  ///< --target: the target whose P(met) fills the units (its id)
    std::string mode;                    ///< --mode
    std::string tab;                     ///< --tab: the side panel shown first (siting: also runs the siting model)
    std::string unit;                    ///< --unit: the unit selected first (its id); a screenshot then waits for "why missed"
    bool chinese = true;
    int threads = 0;                     ///< simulation threads (0: all cores but one)
    bool batch = false;                  ///< --screenshot / --timing: no hover from a mouse nobody moves
    std::vector<std::filesystem::path> basemaps;  ///< --basemap (else basemap.tif / .gpkg beside the data)
    bool no_basemap = false;             ///< --no-basemap
};

class App {
public:
    explicit App(Options options);
    ~App();

    /// Polls the tasks, derives, and draws every panel (between ImGui's
    /// NewFrame and Render); then render_map() draws the map with GL.
    void frame(double width, double height, double dt);
    void render_map(int framebuffer_height);
    /// The disc scale for the points in view (map_renderer.hpp).
    [[nodiscard]] float point_scale() const;

    /// Opens a scenario or a run directory in the background.
    void open(const std::filesystem::path& input, std::vector<std::string> overrides = {});
    void start_run(std::vector<std::string> overrides);
    /// Reads a run folder's stored run in the background and shows it as A
    /// beside the run shown (B); it must be a run of the same data.
    void compare_with(const std::filesystem::path& run_folder);
    /// Shows a run (made here, or read from a run folder); the one shown before becomes A.
    void show_run(Run done);
    void start_siting();
    /// The counterfactual re-runs of the run shown, in the background.
    void start_explaining();
    /// True when nothing runs in the background (a screenshot may be taken).
    [[nodiscard]] bool idle() const;
    [[nodiscard]] bool failed() const { return m_failed; }
    [[nodiscard]] bool run_in_progress() const { return runs.running(); }
    /// True when the map draws the points aggregated into cells.
    [[nodiscard]] bool points_aggregated() const { return m_aggregated; }
    /// Glyphs the font atlas must hold (UI labels and every loaded name);
    /// changes when a new scenario loads.
    [[nodiscard]] const std::string& glyphs() const { return m_glyphs; }
    /// Adds a message to the Messages panel (one entry a line).
    void message(std::string text);
    void set_month_from_date(const std::string& iso);

    Options options;
    ViewState view;
    std::shared_ptr<const Dataset> data;
    std::shared_ptr<const Run> run, previous;  ///< B (current) and A
    /// "A" for the first run, "B" once there is a previous run to compare with.
    [[nodiscard]] const char* run_label() const { return previous ? "B" : "A"; }
    Derived derived;  ///< B, the run shown
    Derived side_a;   ///< A, in the split view (its points, fills and legend)
    /// True when there is an A and the view compares (split or difference).
    [[nodiscard]] bool comparing() const { return previous && view.compare != Compare::off; }
    /// True when the map shows A | B side by side.
    [[nodiscard]] bool split() const { return comparing() && view.compare == Compare::split; }
    /// The map's area of the window; in the split view, view.camera draws B
    /// in its right half and camera_a() A in its left, at the same centre and zoom.
    view::Rect map_area;
    [[nodiscard]] view::Camera camera_a() const;
    WhatIf whatif, whatif_base;  ///< the what-if panel's values, and the scenario's own
    /// The edits of the what-if panel that differ from the scenario, as --set lines.
    [[nodiscard]] std::vector<std::string> whatif_overrides() const;
    SitingView siting;
    std::vector<std::string> messages;
    std::filesystem::path scenario_file;  ///< what File → Save writes from
    std::vector<std::string> load_overrides;
    std::map<std::string, std::filesystem::path> load_data_files;  ///< a run folder's copies (input/), for runs again
    MapRenderer renderer;
    bool renderer_ready = false;
    BasemapLayer basemap;
    std::string export_png;  ///< set by the menu: write the map to this PNG after the frame
    PathPrompt prompt;       ///< the File menu's
    bool quit = false;

    Task<Opened> loading;
    Task<Run> runs;
    Task<Opened> againsts;  ///< a saved run to compare with (compare_with)
    Task<SitingResult> sitings;
    /// What would fix the shown run's misses (counterfactual re-runs), made
    /// after the run is shown; the run it belongs to, to match it.
    struct Explained {
        std::shared_ptr<const Run> run;
        std::shared_ptr<const Counterfactuals> fixes;
    };
    Task<Explained> explaining;
    Explained explained;
    /// The view's heavy parts, made in the background and applied when they
    /// arrive if still wanted (the map shows the previous state meanwhile).
    struct Replayed {
        std::string key;  ///< Derived::trajectory_key
        Shown shown;
    };
    struct UnitAccess {
        SitesKey key;
        std::vector<double> value;
    };
    struct Surfaced {
        SitesKey key;
        SurfaceValues values;
    };
    Task<Replayed> replays;
    Task<UnitAccess> accessing, accessing_a;  ///< B's, A's (split view)
    Task<Surfaced> surfacing;
    /// The counterfactuals of the run shown, once they are ready (or null).
    [[nodiscard]] const Counterfactuals* fixes() const {
        return run && explained.run == run ? explained.fixes.get() : nullptr;
    }

    // Helpers the panels share.
    [[nodiscard]] std::size_t month_count() const;
    [[nodiscard]] Date month_date(int m) const;
    [[nodiscard]] std::string unit_name(std::size_t u) const;
    /// A unit's name on the map: Chinese, or English alone in English mode
    /// (the Chinese where it has no English name).
    [[nodiscard]] std::string unit_label(std::size_t u) const;
    [[nodiscard]] std::string status_name(std::uint8_t status) const;
    /// The point classes of the programme (core/point_class.hpp): how many,
    /// their names and colours, as the map draws them and the keys list them.
    [[nodiscard]] int class_count() const;
    [[nodiscard]] std::string class_name(std::uint8_t c) const;
    [[nodiscard]] view::Rgba class_colour(std::uint8_t c) const;
    struct KeyEntry {
        std::string name;
        view::Rgba colour;
        std::uint32_t count = 0;  ///< points of the class drawn at the date
    };
    /// The key of the points as drawn: each class drawn at the date (status
    /// colours), or each industry, with its count; empty in probability mode.
    [[nodiscard]] std::vector<KeyEntry> point_key(const Derived& d) const;
    /// A payer's display name in the UI's language; a unit's own payer
    /// ("county:350526") by the unit's name.
    [[nodiscard]] std::string payer_name(const std::string& id) const;
    [[nodiscard]] std::string series_metric_name() const;  ///< stations_built or bases_named
    /// p05/p50/p95 of a series metric in a row (unit or 'all') at a month.
    [[nodiscard]] Quantiles series(const Run& r, std::size_t metric, std::size_t row, std::size_t month) const;
    [[nodiscard]] std::optional<std::size_t> metric_index(const std::string& name) const;

private:
    void poll_tasks();
    void derive();
    void derive_surface();
    void show_surface(const SurfaceValues& s);
    void load_whatif_defaults();
    void apply_startup_options();
    std::vector<double> unit_values(const Run& r, const Trajectory* t, const std::vector<double>& access) const;
    bool want_replay(const std::shared_ptr<const Run>& r, Derived& d, std::string& want, char side);
    void want_access(Derived& d, Task<UnitAccess>& task, SitesKey& want, SitesKey& asked);
    void derive_points(const Run& r, Derived& d) const;
    std::string m_glyphs;
    bool m_failed = false;
    std::string m_bins_key;    ///< what the points' aggregation was made for
    bool m_aggregated = false;  ///< points drawn as cells (many in view)
    bool m_was_split = false;   ///< the layout the camera was fitted to
    std::vector<std::string> m_pending_whatif;
    // The view's background parts: what the view wants now (a result for
    // anything else is dropped) and what was last started.
    std::uint64_t m_loads = 0, m_runs = 0;  ///< datasets loaded and runs shown: what derived results are keyed to
    std::string m_replay_want, m_replay_want_a, m_replay_for;  ///< B's and A's replications wanted; the one asked for
    SitesKey m_access_want, m_access_for, m_access_want_a, m_access_for_a, m_surface_want, m_surface_for;
};

/// A heading with a rule under it, for the side panel.
void section(const char* title);

// One function a panel (see the index above).
void draw_menu(App& app);
void draw_layers_panel(App& app);
void draw_inspector_panel(App& app);
/// What is under the mouse, from one side's state (`side`: "A" or "B" in the split view).
void draw_tooltip(App& app, const Derived& d, const char* side);
void draw_charts_panel(App& app);
void draw_whatif_panel(App& app);
void draw_comparison_table(App& app);  ///< in the What-if panel, when there is an A and a B
void draw_siting_panel(App& app);
void draw_messages_panel(App& app);
void draw_time_bar(App& app, const view::Rect& area, double dt);
void draw_map_overlay(App& app, const view::Rect& area);

}  // namespace tisheng::viewer
