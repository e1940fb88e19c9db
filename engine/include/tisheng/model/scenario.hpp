// The scenario: one YAML file that names the data, the programme's rules,
// the budgets and the run settings. Loading is strict and reports every
// problem at once, each with file:line:column and the field's path.
#pragma once

#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string_view>
#include <string>
#include <vector>

#include "tisheng/model/behaviour.hpp"
#include "tisheng/model/calendar.hpp"
#include "tisheng/core/error.hpp"
#include "tisheng/model/settings.hpp"
#include "tisheng/model/programme.hpp"
#include "tisheng/model/region.hpp"
#include "tisheng/model/sites.hpp"

namespace tisheng {

struct RunSettings {
    std::uint64_t seed = 1;
    int replications = 1000;
    Date start;
    Date end;
    Date report_date;
};

/// Where a number of a scenario comes from (`sources:` in the scenario).
enum class SourceKind { notice, interpretation, assumption, synthetic, calibrated };
std::string_view to_string(SourceKind k);

struct Source {
    SourceKind kind = SourceKind::assumption;
    std::string note;  ///< the clause (三、目标任务), the reasoning, the rationale or source
};

/// "notice", "interpretation", ...; nullopt for any other word.
std::optional<SourceKind> parse_source_kind(std::string_view word);

/// One value of the scenario file, with where it comes from.
struct InputValue {
    std::string path;    ///< "behaviour.adoption.phases.pilot", "budgets.payers[1].annual_cny"
    std::string value;   ///< as written (after --set overrides)
    /// The `sources:` key that covers it (itself or its longest ancestor, in
    /// index form: "budgets.payers[4]"), or "--set <text>" for a value that
    /// an override replaced; empty: none.
    std::string source_path;
    std::optional<Source> source;  ///< nullopt: no provenance given
    /// A number or a date (a plain, unquoted scalar that reads as one): its
    /// provenance is required. Text (ids, names, choices, quoted codes) may
    /// have one too.
    bool needs_source = false;
    int line = 0, column = 0;  ///< 1-based place in the file; 0: from --set
};

/// The `sources:` key of `sources` (key paths in index form) that covers
/// `path`: `path` itself or its longest ancestor ("a.b" covers "a.b.c" and
/// "a.b[2]", not "a.bc"); nullptr if none. O(depth of path · log |sources|).
const std::pair<const std::string, Source>* covering_source(const std::map<std::string, Source>& sources,
                                                            const std::string& path);

/// How the numbers and dates of a scenario are sourced (`tisheng validate`).
struct ProvenanceSummary {
    std::map<SourceKind, std::size_t> by_kind;  ///< numbers and dates per kind of source (every kind present, 0 included)
    std::size_t without = 0;                    ///< numbers and dates with none
    /// One warning per number or date without provenance, in file order, at
    /// its place in the file.
    std::vector<Problem> warnings;
    /// "provenance: 12 notice, 3 interpretation, 40 assumption, 9 synthetic,
    /// 0 without" (calibrated only when there is any).
    [[nodiscard]] std::string str() const;
};

/// Display names, in Chinese and English, of what the outputs otherwise
/// name by id. Keys: "target:<id>", "measure:<measure>", "payer:<id>" (a
/// per-unit payer by its prefix, "payer:county"), "lever:<lever id>",
/// "outcome:<base outcome>", "status:<station status>". Built-in names for
/// measures, levers, outcomes and statuses; the scenario's `labels:` adds
/// targets and overrides any; payers default to their `name`.
struct Labels {
    std::map<std::string, std::pair<std::string, std::string>> names;  ///< key -> (zh, en)
    /// The name in `lang` ("zh" or "en"); falls back to the other language,
    /// then to the part of the key after its first colon.
    [[nodiscard]] std::string name(const std::string& key, std::string_view lang = "zh") const;
    /// The keys that have a built-in name ("measure:stations_built",
    /// "lever:durations", "outcome:named", "status:built", ...).
    [[nodiscard]] static std::vector<std::string> builtin_keys();
};

/// How misses are explained (`counterfactuals:`; see counterfactual.hpp).
struct CounterfactualSettings {
    int sample = 100;        ///< missed replications re-run at most
    int max_sets = 48;       ///< lever sets tried at most
    double fix_share = 0.9;  ///< a set "fixes" a check when it fixes this share of its misses
    std::vector<std::string> levers;  ///< lever ids to try; empty: every lever the model has
};

/// A column of a data file that holds personal data, and how it is masked
/// (privacy.hpp): a run folder's copy of the file (input/) keeps it masked.
struct PersonalColumn {
    enum class Kind { name, phone, id_number };
    std::string role;    ///< as Scenario::data_paths
    std::string column;  ///< the column's name in the file
    Kind kind = Kind::name;
    /// The fields read from that column ("contact_name"; more than one
    /// where the scenario maps several to it): a run folder's parsed copy
    /// (data.bin) masks exactly what its copy of the file masks.
    std::vector<std::string> fields;
};

/// A number of the scenario with a range to vary it in: a free parameter of
/// `calibrate:` (its prior is uniform on [lo, hi]) or a factor of
/// `sensitivity:`. `path` is an input's path in index form
/// ("behaviour.adoption.phases.pilot", "behaviour.plan_days[1]"), as --set
/// takes it.
struct ParameterRange {
    std::string path;
    double lo = 0, hi = 0;
    double value = 0;       ///< the scenario's own value
    bool integral = false;  ///< written as a whole number, with whole bounds: varied in whole steps
    std::string pattern;    ///< the key as written (it may hold '*'), for messages
    int line = 0;           ///< of the key
};

/// Everything a run needs, immutable once loaded.
struct Scenario {
    std::filesystem::path file;  ///< the YAML file
    std::string name;
    std::string title;
    std::string hash;            ///< FNV-1a of the file bytes plus overrides
    RunSettings run;
    Region region;
    Sites sites;
    Programme programme;
    Budgets budgets;
    Behaviour behaviour;
    CoverageSettings coverage;
    std::shared_ptr<const coverage::CostMatrix> cost_matrix;  ///< read from coverage.cost_matrix, if set
    SitingSettings siting;
    CounterfactualSettings counterfactuals;
    Labels labels;
    /// `sources:`: key path (a value's, or an ancestor's) -> where it comes from.
    std::map<std::string, Source> sources;
    /// Every value of the file, in file order, with its provenance.
    std::vector<InputValue> inputs;
    /// `calibrate:` the free parameters (calibrate.hpp), each key's '*'
    /// expanded over the inputs, in file order of the inputs.
    std::vector<ParameterRange> calibrate;
    /// `sensitivity:` ranges that replace the default range of a factor
    /// (sensitivity.hpp), expanded the same way.
    std::vector<ParameterRange> sensitivity;
    std::vector<std::string> overrides;  ///< --set lines applied, in order
    /// Every data file read (layers, cost matrix, selection plan), as shown
    /// in messages, with the FNV-1a digest of its bytes: what a run read,
    /// so that a re-run can tell when the data changed under it.
    std::vector<std::pair<std::string, std::string>> data_digests;
    /// The same files (data_paths[i] is data_digests[i]'s) by role ("units", "projects", "stations", "bases",
    /// "demand", "cost_matrix", "selection_plan") and the path read: what a
    /// run folder copies into input/.
    std::vector<std::pair<std::string, std::filesystem::path>> data_paths;
    /// The columns of those files that hold personal data.
    std::vector<PersonalColumn> personal_columns;
};

struct LoadOptions {
    std::vector<std::string> overrides;  ///< "path.to.key=value"
    bool load_data = true;               ///< false: read the YAML only
    /// Take the region, sites and cost matrix of this scenario, loaded from
    /// the same file, instead of reading the data files again (a sweep's
    /// variants, whose overrides never name data files).
    const Scenario* data_from = nullptr;
    /// Read these files instead of the ones the scenario names, by role (as
    /// Scenario::data_paths): a run folder's copies in input/.
    std::map<std::string, std::filesystem::path> data_files;
    /// Polled while the data files are read: set, load_scenario throws Cancelled.
    const std::atomic<bool>* cancel = nullptr;
};

/// Loads and validates. Throws InvalidInput with every problem found
/// (warnings included) if any is an error; `warnings` receives the warnings
/// of a successful load.
Scenario load_scenario(const std::filesystem::path& file, const LoadOptions& options = {},
                       Diagnostics* warnings = nullptr);

/// Counts the numbers and dates of `s.inputs` by kind of source, and a
/// warning for each without one. O(inputs).
ProvenanceSummary summarise_provenance(const Scenario& s);

/// Writes the scenario `file` with `overrides` applied to `target`, through a
/// temporary file and a rename (the target is untouched if anything fails).
/// Without overrides the file is copied byte for byte, comments included;
/// with them it is re-emitted (comments are lost; a header lists the
/// changes). A relative data_dir is rewritten to point at the same folder
/// from the target's folder. Throws InvalidInput if an override is bad.
/// `sources` sets (or replaces) entries of `sources:` (key path -> source),
/// e.g. a fitted value's `calibrated`; `header` is written as comment lines
/// at the top.
void save_scenario(const std::filesystem::path& file, const std::vector<std::string>& overrides,
                   const std::filesystem::path& target, const std::map<std::string, Source>& sources = {},
                   const std::string& header = {});

/// The ids of the demand and of the sites as coverage sees them, in its
/// order. Stations programme: demand = the register's projects; sites = the
/// projects (an on-site station), then the candidate stations. Bases
/// programme: demand = the demand points; sites = the candidate bases. A
/// cost matrix is read by these ids, and CoverageModel keeps this order.
struct CoverageIds {
    std::vector<std::string> demand, sites;
    std::size_t project_sites = 0;  ///< stations: sites [0, project_sites) are the projects
};
CoverageIds coverage_ids(const Scenario& s);

}  // namespace tisheng
