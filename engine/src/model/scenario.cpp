// load_scenario (scenario.hpp): a scenario file read one top-level section
// at a time, each by its reader in the load_<section>.cpp it names, then the
// checks that need more than one section, then the data files the scenario
// names (load_data.cpp). Every problem goes to one Diagnostics, so that a
// single load reports them all, in the order of the file.
#include "tisheng/model/scenario.hpp"

#include <yaml-cpp/yaml.h>

#include "model/detail/scenario_loader.hpp"
#include "tisheng/core/files.hpp"
#include "tisheng/core/text.hpp"

namespace tisheng {

namespace fs = std::filesystem;
using detail::MapReader;
using detail::ScenarioLoader;

namespace {

int first_bad_utf8_line(const std::string& bytes) {
    // Find the line holding the first byte that breaks UTF-8.
    int line = 1;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= bytes.size(); ++i) {
        if (i == bytes.size() || bytes[i] == '\n') {
            if (!is_utf8(std::string_view(bytes).substr(start, i - start))) return line;
            ++line;
            start = i + 1;
        }
    }
    return 0;
}

/// Refuses, before parsing, text that cannot be a scenario.
void check_text(const std::string& bytes, const std::string& shown) {
    if (bytes.find_first_not_of(" \t\r\n") == std::string::npos)
        throw InputError({shown, 1, 1}, "the scenario file is empty; expected a YAML mapping (see scenarios/jiangmen-baseline.yaml)");
    if (int line = first_bad_utf8_line(bytes))
        throw InputError({shown, line}, "the file is not valid UTF-8 text; save it as UTF-8 (Chinese text in GBK is not supported)");
}

/// `name:`, `title:` and `data_dir:`, the top-level values of their own.
void read_names(ScenarioLoader& L, MapReader& top, Scenario& s, const fs::path& file) {
    s.name = top.string("name", true).value_or(file.stem().string());
    // The name becomes the default output folder (runs/<name>) and file names.
    if (top.has("name") && (s.name.empty() || s.name == "." || s.name == ".." || s.name.find_first_of("/\\") != std::string::npos))
        top.error("name", "'" + s.name + "' cannot name the run's folder (runs/<name>); expected a name without '/' or '\\', not empty");
    s.title = top.string("title").value_or(s.name);
    L.run(top, s.run);

    // Data paths are relative to the scenario file, or to the working
    // directory when data_dir comes from --set.
    std::string dd = top.string("data_dir").value_or(".");
    bool dd_overridden = L.ctx.overridden.count("data_dir") > 0;
    fs::path base = dd_overridden ? fs::path(".") : file.parent_path();
    L.data_dir = fs::path(dd).is_absolute() ? fs::path(dd) : (base / dd).lexically_normal();
    L.data_dir_shown = fs::path(dd).is_absolute() ? dd : (base / dd).lexically_normal().string();
}

/// Every section, in the order their problems are reported.
void read_sections(ScenarioLoader& L, MapReader& top, const YAML::Node& root, Scenario& s, const fs::path& file,
                   const LoadOptions& options) {
    read_names(L, top, s, file);
    L.region(top);
    L.layers(top, s, options);
    L.programme(top, s.programme, s.run.end);
    L.budgets(top, s.budgets);
    L.behaviour(top, s.behaviour);
    L.coverage(top, s.coverage);
    L.siting(top, s.siting);
    L.counterfactuals(top, s);
    L.labels(top, s);
    top.child("sources");  // read with the inputs, below
    top.child("calibrate");
    top.child("sensitivity");
    top.finish();
    detail::read_provenance(L.ctx, root, s);
    s.calibrate = detail::read_ranges(L.ctx, root, "calibrate", s.inputs);
    s.sensitivity = detail::read_ranges(L.ctx, root, "sensitivity", s.inputs);
}

/// What the sections say of one another, before any data file is read.
void check_sections(ScenarioLoader& L, MapReader& top, const YAML::Node& root, Scenario& s, const LoadOptions& options) {
    Diagnostics& diag = *L.ctx.diag;
    L.check_behaviour(s, root);
    L.place_cost_matrix(s, options);
    L.check_unit_minimums(s, root);

    const auto& prog = s.programme;
    if (prog.kind == ProgrammeKind::stations && top.has("programme") && !top.has("projects"))
        diag.error(L.ctx.at(root, "projects"), "a stations programme needs a 'projects' layer");
    if (prog.kind == ProgrammeKind::bases && top.has("programme") && !top.has("bases"))
        diag.error(L.ctx.at(root, "bases"), "a bases programme needs a 'bases' layer");

    // Targets and phases against the horizon.
    L.check_target_dates(s, root);
    L.check_budget_years(s, root);
    L.check_first_year(s, root);
}

}  // namespace

Scenario load_scenario(const fs::path& file, const LoadOptions& options, Diagnostics* warnings) {
    Diagnostics diag;
    const std::string shown = file.string();
    std::string bytes = read_file(file, shown);
    Scenario s;
    s.file = file;
    s.overrides = options.overrides;
    check_text(bytes, shown);

    std::string fingerprint = bytes;
    for (const auto& o : options.overrides) fingerprint += "\n--set " + o;
    s.hash = fnv1a_hex(fingerprint);

    YAML::Node root = detail::parse_yaml(bytes, shown);

    ScenarioLoader L;
    L.ctx.file = shown;
    L.ctx.diag = &diag;
    // A root that is not a mapping is the only error said: no --set edit can apply to it.
    if (!root.IsMap()) {
        const MapReader says_what_it_is(L.ctx, root, "");
        diag.throw_if_errors();
    }
    for (const auto& o : options.overrides)
        if (auto canon = detail::apply_override(root, o, diag)) L.ctx.overridden[*canon] = o;

    MapReader top(L.ctx, root, "");
    read_sections(L, top, root, s, file, options);
    check_sections(L, top, root, s, options);
    if (options.load_data) L.read_data(s, root, file, options);

    if (warnings)
        for (const auto& p : diag.problems())
            if (p.severity == Severity::warning) warnings->add(p);
    diag.throw_if_errors();
    return s;
}

}  // namespace tisheng
