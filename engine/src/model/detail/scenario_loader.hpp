// The scenario loader's shared internals (scenario.hpp: load_scenario). The
// loader reads a scenario file one top-level section at a time; each section
// has its reader in the file named for it (load_programme.cpp,
// load_behaviour.cpp, ...), and the checks that need more than one section
// sit beside the section they report on. What the readers share while the
// file is read (the YAML context, where the data lives, the nodes a later
// check points at) is the state of ScenarioLoader.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "model/detail/loaders.hpp"
#include "model/detail/yaml_reader.hpp"
#include "tisheng/core/error.hpp"
#include "tisheng/model/scenario.hpp"

namespace tisheng::detail {

// ---- key paths and --set (overrides.cpp) ----------------------------------------

/// One step of a key path: a key, or a list index ("[2]").
struct PathSegment {
    std::string key;
    std::optional<std::size_t> index;
};

/// "a.b[0].c" as its steps; empty if the text is not a key path.
std::vector<PathSegment> split_path(const std::string& path);
/// The keys of a mapping node, in file order.
std::vector<std::string> map_keys(const YAML::Node& n);
/// Applies "a.b[0].c=value" (a list element may also be named by its id:
/// "budgets.payers.city.annual_cny"). Returns the canonical path.
std::optional<std::string> apply_override(YAML::Node root, const std::string& text, Diagnostics& diag);
/// The node at a dotted path ("programme.grants.city_payer"), or undefined.
YAML::Node lookup(const YAML::Node& root, const std::string& dotted);

// ---- sources:, calibrate: and sensitivity: (load_sources.cpp, load_ranges.cpp) --

/// The top-level sections that hold no inputs of their own.
bool is_meta_section(const std::string& key);
/// A plain (unquoted) scalar that reads as a number, a date or a day of
/// the year (MM-DD): a value whose provenance is required.
bool reads_as_quantity(const YAML::Node& n);
/// Reads `sources:` into s.sources (keys in index form) and lists every
/// value of the file in s.inputs with the source that covers it.
void read_provenance(const YamlContext& ctx, const YAML::Node& root, Scenario& s);
/// `calibrate:` or `sensitivity:` (after the inputs are listed): key path
/// (with '*' for any key or index) -> [lo, hi].
std::vector<ParameterRange> read_ranges(const YamlContext& ctx, const YAML::Node& root, const std::string& section,
                                        const std::vector<InputValue>& inputs);

// ---- the sections -------------------------------------------------------------

/// The lever ids of counterfactual.hpp that a scenario of kind `kind`
/// can name (both kinds' when `kind` is empty).
std::vector<std::string> lever_ids(const Scenario& s, std::optional<ProgrammeKind> kind);
/// "a, b, c".
std::string listed(const std::vector<std::string>& v);

/// The layers the scenario names, each as it will be read (nullopt: not
/// named, or named with an error already reported).
struct LayerSpecs {
    std::optional<LayerSpec> units, projects, stations, bases, demand;
};

/// What `region:` says; the region itself is made once its units are read.
struct RegionSpec {
    std::string name, code;
    std::optional<int> epsg;
};

struct ScenarioLoader {
    YamlContext ctx;
    std::filesystem::path data_dir;
    std::string data_dir_shown;

    /// Distances (metres, or the cost matrix's unit) are positive and at most
    /// 1e7: 10,000 km, or 19 years of minutes.
    static constexpr double max_length = 1e7;

    // load_layers.cpp: `region:` and the layers.
    void region(MapReader& top);
    std::optional<LayerSpec> layer(MapReader& parent, const std::string& key, const std::vector<std::string>& logical,
                                   bool required);
    void layers(MapReader& top, Scenario& s, const LoadOptions& options);

    // load_programme.cpp: `run:` and `programme:` (its targets in load_targets.cpp).
    void run(MapReader& top, RunSettings& r);
    void programme(MapReader& top, Programme& p, Date run_end);
    std::vector<Phase> phases(MapReader& prog);
    std::vector<ReviewStage> review(MapReader& prog, Date run_end);
    void grants(MapReader& prog, GrantRule& g);
    void eligibility(MapReader& prog, Programme& p);
    void station_standard(MapReader& prog, Programme& p);
    void bases_rules(MapReader& prog, Programme& p);
    void check_first_year(const Scenario& s, const YAML::Node& root) const;

    // load_targets.cpp
    std::vector<Target> targets(MapReader& prog);
    void check_target_dates(const Scenario& s, const YAML::Node& root) const;
    void check_unit_ids(const Scenario& s, const YAML::Node& root) const;

    // load_budgets.cpp: `budgets:`.
    void budgets(MapReader& top, Budgets& b);
    void payer_years(MapReader& pm, Payer& p);
    void check_budget_years(const Scenario& s, const YAML::Node& root) const;
    void expand_per_unit_payers(Scenario& s);

    // load_behaviour.cpp: `behaviour:` and `costs:`.
    void behaviour(MapReader& top, Behaviour& b);
    void arrivals(MapReader& m, StationBehaviour& st);
    void station_area(MapReader& m, StationBehaviour& st);
    void base_behaviour(MapReader& m, BaseBehaviour& bb);
    void costs(MapReader& top, Behaviour& b);
    std::map<std::string, double> probabilities(MapReader& parent, const std::string& key);
    std::vector<CostShare> shares(MapReader& parent, const std::string& key);
    void check_behaviour(Scenario& s, const YAML::Node& root);
    void check_arrivals(const Scenario& s, const YAML::Node& root);

    // load_coverage.cpp: `coverage:` and `siting:`.
    std::optional<double> length(MapReader& m, const std::string& key, const std::string& what);
    void coverage(MapReader& top, CoverageSettings& c);
    void siting(MapReader& top, SitingSettings& st);
    void place_cost_matrix(Scenario& s, const LoadOptions& options) const;
    void check_unit_minimums(const Scenario& s, const YAML::Node& root) const;

    // load_counterfactuals.cpp and load_labels.cpp
    void counterfactuals(MapReader& top, Scenario& s);
    void labels(MapReader& top, Scenario& s);

    // load_data.cpp: the data files the layers and sections name.
    void read_data(Scenario& s, const YAML::Node& root, const std::filesystem::path& file, const LoadOptions& options);

    RegionSpec region_spec;
    LayerSpecs layer_specs;
    std::map<std::string, std::map<std::string, double>> per_unit_amounts;  // payer -> unit -> annual
    std::map<std::string, YAML::Node> payer_nodes;                          // payer id -> its id node
    std::map<std::string, YAML::Node> key_nodes;                            // field path -> key node (for later checks)
    std::vector<std::pair<std::string, YAML::Node>> unit_refs;              // field path -> unit id key
    std::string matrix_path;                                                // coverage.cost_matrix.path as written
    Location matrix_where;                                                  // ... and where
    std::string selection_plan;                                             // behaviour.selection_plan as written
    Location selection_plan_where;                                          // ... and where
};

}  // namespace tisheng::detail
