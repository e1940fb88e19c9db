// The data files a scenario names, read once its YAML is: the layers, the
// cost matrix and a selection plan, each digested beside the readers for the
// run folder. Each file is read even when another failed, so that one run of
// `tisheng validate` lists every problem.
#include <algorithm>
#include <future>
#include <string>
#include <utility>
#include <vector>

#include "core/detail/cancel.hpp"
#include "model/detail/scenario_loader.hpp"
#include "tisheng/core/files.hpp"
#include "tisheng/core/text.hpp"

namespace tisheng::detail {

namespace fs = std::filesystem;

namespace {

/// Runs `fn`; what it throws of the input's problems goes to `diag`.
template <class F>
void read_guarded(Diagnostics& diag, F&& fn) {
    try {
        fn();
    } catch (const InputError& e) {
        diag.add(e.problem());
    } catch (const InvalidInput& e) {
        for (const auto& p : e.problems()) diag.add(p);
    }
}

// A data file refused at open (not there, a folder, a pipe or a device,
// too large, unreadable; for a layer also one GDAL cannot open): said at
// the scenario line that names it, the file named in the message. True
// if `open` threw.
template <class F>
bool refused(Diagnostics& diag, const Location& named_at, F&& open) {
    try {
        open();
        return false;
    } catch (const InputError& e) {
        diag.error(named_at, e.problem().where.str() + ": " + e.problem().message);
        return true;
    }
}

// A layer's reader throws only when it cannot open the layer (each
// row's problems go to `diag`).
template <class F>
void read_one_layer(Diagnostics& diag, const LayerSpec& spec, F&& read) {
    read_guarded(diag, [&] { refused(diag, spec.where, read); });
}

// behaviour.selection_plan: relative to the scenario file, unless a run
// folder's copy stands in for it.
fs::path selection_plan_path(const std::string& written, const fs::path& file, const LoadOptions& options) {
    if (auto it = options.data_files.find("selection_plan"); it != options.data_files.end()) return it->second;
    const fs::path rel(written);
    return rel.is_absolute() ? rel : file.parent_path() / rel;
}

/// Which of the cost matrix and the selection plan can be read.
struct Openable {
    bool matrix = false;
    bool plan = false;
};

/// Opens each file the scenario names: a layer that cannot be opened is
/// said and left out; the cost matrix and the plan are said and marked.
Openable open_files(ScenarioLoader& L, const Scenario& s, const fs::path& file, const LoadOptions& options) {
    Diagnostics& diag = *L.ctx.diag;
    LayerSpecs& ls = L.layer_specs;
    for (auto* spec : {&ls.units, &ls.projects, &ls.stations, &ls.bases, &ls.demand}) {
        if (*spec) (*spec)->cancel = options.cancel;
        if (*spec && !options.data_from && refused(diag, (*spec)->where, [&] { check_layer_file((*spec)->source); })) spec->reset();
    }
    Openable ok;
    ok.matrix = s.coverage.cost_matrix && (options.data_from || !refused(diag, L.matrix_where, [&] {
                                               check_input_file(s.coverage.cost_matrix->path, s.coverage.cost_matrix->shown);
                                           }));
    ok.plan = !L.selection_plan.empty() && !refused(diag, L.selection_plan_where, [&] {
        const fs::path path = selection_plan_path(L.selection_plan, file, options);
        check_input_file(path, path.string());
    });
    return ok;
}

/// A file the run reads, to be digested.
struct Digested {
    std::string name, role;
    fs::path path, shown;
};

// What the run reads, digested: a later re-run compares (run.json data_files).
// Named by layer and file name, which do not depend on where the command runs.
std::vector<Digested> files_to_digest(const ScenarioLoader& L, const Scenario& s, const Openable& ok, const fs::path& file,
                                      const LoadOptions& options) {
    std::vector<Digested> files;
    const LayerSpecs& ls = L.layer_specs;
    const std::pair<const char*, const std::optional<LayerSpec>*> layers[] = {
        {"units", &ls.units}, {"projects", &ls.projects}, {"stations", &ls.stations}, {"bases", &ls.bases}, {"demand", &ls.demand}};
    for (const auto& [name, spec] : layers)
        if (*spec && fs::is_regular_file(spec->value().source.path))
            files.push_back({std::string(name) + ": " + spec->value().source.path.filename().string(), name, spec->value().source.path,
                             spec->value().source.display});
    if (ok.matrix)
        files.push_back({"cost_matrix: " + s.coverage.cost_matrix->path.filename().string(), "cost_matrix", s.coverage.cost_matrix->path,
                         s.coverage.cost_matrix->shown});
    if (ok.plan) {
        const fs::path path = selection_plan_path(L.selection_plan, file, options);
        files.push_back({"selection_plan: " + L.selection_plan, "selection_plan", path, path});
    }
    return files;
}

/// The layers of sites, once the region's units are known to place them in.
void read_sites(ScenarioLoader& L, Scenario& s) {
    Diagnostics& diag = *L.ctx.diag;
    const LayerSpecs& ls = L.layer_specs;
    const auto& prog = s.programme;
    if (ls.projects) read_one_layer(diag, *ls.projects, [&] { s.sites.projects = load_projects(*ls.projects, s.region, diag); });
    if (ls.stations) read_one_layer(diag, *ls.stations, [&] { s.sites.stations = load_stations(*ls.stations, s.region, diag); });
    if (ls.bases) read_one_layer(diag, *ls.bases, [&] { s.sites.bases = load_bases(*ls.bases, s.region, diag); });
    if (ls.demand) read_one_layer(diag, *ls.demand, [&] { s.sites.demand = load_demand(*ls.demand, s.region, diag); });
    // A register with a header and no rows would give an empty run
    // without a word: said, like a refusal, where the scenario names it.
    if (!diag.has_errors()) {
        if (prog.kind == ProgrammeKind::stations && ls.projects && s.sites.projects.empty())
            diag.error(ls.projects->where, ls.projects->source.display +
                                               ": holds no projects (a header and no rows?); a stations programme needs its register");
        if (prog.kind == ProgrammeKind::bases && ls.bases && s.sites.bases.empty())
            diag.error(ls.bases->where, ls.bases->source.display +
                                            ": holds no candidate bases (a header and no rows?); a bases programme needs its candidates");
    }
}

/// The selection plan: the order in which `tisheng site` named the bases.
void read_selection_plan(ScenarioLoader& L, Scenario& s, bool readable, const fs::path& file, const LoadOptions& options) {
    if (L.selection_plan.empty()) return;
    Diagnostics& diag = *L.ctx.diag;
    const Location& where = L.selection_plan_where;
    if (s.programme.kind != ProgrammeKind::bases) {
        diag.error(where, "a selection plan orders the naming of bases; a stations programme has no such choice");
    } else if (readable) {
        const fs::path path = selection_plan_path(L.selection_plan, file, options);
        read_guarded(diag, [&] {
            auto order = read_plan_order(path, path.string());
            for (const auto& [id, tier] : order) {
                const bool known = std::any_of(s.sites.bases.begin(), s.sites.bases.end(), [&id = id](const CandidateBase& b) { return b.id == id; });
                if (!known) diag.error(where, "the plan names '" + id + "', which is not a candidate base of this scenario");
            }
            s.behaviour.bases.selection_plan = std::move(order);
        });
    }
}

}  // namespace

void ScenarioLoader::read_data(Scenario& s, const YAML::Node& root, const fs::path& file, const LoadOptions& options) {
    Diagnostics& diag = *ctx.diag;
    throw_if_cancelled(options.cancel);
    const Openable ok = open_files(*this, s, file, options);
    std::vector<Unit> units;
    std::vector<Digested> files;
    std::future<std::vector<std::string>> digests;  // of `files`, read beside the loaders
    if (options.data_from) {
        s.region = options.data_from->region;
        s.sites = options.data_from->sites;
        s.data_digests = options.data_from->data_digests;
        s.data_paths = options.data_from->data_paths;
    } else {
        // Each file is read and hashed beside the loaders (a national register
        // is over 100 MB); a file that cannot be read still fails the load
        // with its read error, once the loaders are done.
        files = files_to_digest(*this, s, ok, file, options);
        digests = std::async(std::launch::async, [&files] {
            std::vector<std::string> out;
            for (const auto& f : files) out.push_back(fnv1a_hex(read_file(f.path, f.shown.string())));
            return out;
        });
        if (layer_specs.units) read_one_layer(diag, *layer_specs.units, [&] { units = load_units(*layer_specs.units, diag); });
        try {
            s.region = Region(region_spec.name, region_spec.code, std::move(units), region_spec.epsg);
        } catch (const Error& e) {
            diag.error(ctx.at(root["region"], "region.crs"), e.what());
            s.region = Region(region_spec.name, region_spec.code, {}, std::nullopt);
        }
    }
    if (!s.region.units().empty()) {
        check_arrivals(s, root);
        if (!options.data_from) read_sites(*this, s);
        // The surfaces' size and the cost matrix are checked now, not after a long run.
        try {
            (void)coverage::region_grid(s.region, s.coverage.cell_m, "coverage.cell_m");
        } catch (const InputError& e) {
            auto cov = root["coverage"];
            diag.error(ctx.at(cov && cov.IsMap() ? static_cast<const YAML::Node&>(cov)["cell_m"] : YAML::Node(), "coverage.cell_m"),
                       e.problem().message);
        }
        throw_if_cancelled(options.cancel);
        if (s.coverage.cost_matrix && options.data_from) s.cost_matrix = options.data_from->cost_matrix;
        else if (ok.matrix) read_guarded(diag, [&] { s.cost_matrix = read_cost_matrix(s); });
        read_selection_plan(*this, s, ok.plan, file, options);
        check_unit_ids(s, root);
        expand_per_unit_payers(s);
    }
    if (digests.valid()) {
        const std::vector<std::string> hex = digests.get();
        for (std::size_t i = 0; i < files.size(); ++i) {
            s.data_digests.emplace_back(files[i].name, hex[i]);
            s.data_paths.emplace_back(files[i].role, files[i].path);
        }
    }
}

}  // namespace tisheng::detail
