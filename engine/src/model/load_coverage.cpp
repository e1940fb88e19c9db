// `coverage:` and `siting:` of a scenario file: the radii and access model
// of the coverage surfaces, the cost matrix that may replace straight-line
// distance, and the settings of `tisheng site`.
#include <algorithm>
#include <string>

#include "model/detail/scenario_loader.hpp"
#include "tisheng/core/text.hpp"

namespace tisheng::detail {

namespace fs = std::filesystem;

void ScenarioLoader::coverage(MapReader& top, CoverageSettings& c) {
    if (!top.has("coverage")) return;
    MapReader m(ctx, top.child("coverage"), "coverage");
    if (m.has("radii")) {
        c.radii.clear();
        const std::size_t given = each_item(m, "radii", [&](const YAML::Node& item, const std::string& ip) {
            auto v = read_number(ctx, item, ip);
            if (v && !(*v > 0 && *v <= max_length)) ctx.error(item, ip, "a radius must be > 0 and at most 1e7, got " + item.Scalar());
            else if (v && !c.radii.empty() && *v <= c.radii.back())
                ctx.error(item, ip, "radii must ascend, got " + item.Scalar() + " after " + shown_number(c.radii.back()));
            else if (v) c.radii.push_back(*v);
        });
        if (given == 0) m.error("radii", "expected at least one radius, e.g. [1000, 3000, 5000]");
    }
    if (auto v = m.boolean("match_industry")) c.match_industry = *v;
    if (auto v = length(m, "cell_m", "the cell size")) c.cell_m = *v;
    if (m.has("access")) {
        MapReader a(ctx, m.child("access"), m.path("access"));
        if (auto v = length(a, "catchment", "the catchment")) c.catchment = *v;
        if (auto d = a.choice("decay", {"none", "step", "linear", "gaussian"}))
            c.decay = *d == "none" ? coverage::Decay::none : *d == "step" ? coverage::Decay::step
                    : *d == "linear" ? coverage::Decay::linear : coverage::Decay::gaussian;
    }
    if (m.has("cost_matrix")) {
        MapReader a(ctx, m.child("cost_matrix"), m.path("cost_matrix"));
        CostMatrixSpec spec;
        spec.shown = a.string("path", true).value_or("");
        spec.unit = a.choice("unit", {"metres", "minutes"}, true).value_or("metres");
        matrix_path = spec.shown;
        matrix_where = ctx.at(a.child("path"), a.path("path"));
        c.cost_matrix = spec;
    }
}

void ScenarioLoader::siting(MapReader& top, SitingSettings& st) {
    if (!top.has("siting")) return;
    MapReader m(ctx, top.child("siting"), "siting");
    if (auto o = m.choice("objective", {"max_cover", "p_median"}))
        st.objective = *o == "max_cover" ? siting::Objective::max_cover : siting::Objective::p_median;
    if (auto v = length(m, "radius", "the radius")) st.radius = *v;
    if (auto v = m.integer("p", 1, 1000000)) st.p = static_cast<int>(*v);
    if (auto v = m.integer("budget_years", 1, 100)) st.budget_years = static_cast<int>(*v);
    if (auto v = m.string("unit_minimums")) st.unit_minimums = *v;
    if (auto v = string_list(m, "required")) st.required = *v;
    if (auto v = m.number_in("time_limit_s", 0.1, 86400)) st.time_limit_s = *v;
    if (auto v = m.integer("exact_up_to", 0, 1000000)) st.exact_up_to = static_cast<std::size_t>(*v);
}

std::optional<double> ScenarioLoader::length(MapReader& m, const std::string& key, const std::string& what) {
    auto v = m.number(key);
    if (v && !(*v > 0 && *v <= max_length)) {
        m.error(key, what + " must be > 0 and at most 1e7, got " + m.child(key).Scalar());
        return std::nullopt;
    }
    return v;
}

/// coverage.cost_matrix.path: relative to data_dir, unless a run folder's
/// copy stands in for it.
void ScenarioLoader::place_cost_matrix(Scenario& s, const LoadOptions& options) const {
    if (!s.coverage.cost_matrix) return;
    const fs::path mp(matrix_path);
    s.coverage.cost_matrix->path = mp.is_absolute() ? mp : data_dir / mp;
    s.coverage.cost_matrix->shown = mp.is_absolute() ? matrix_path : (fs::path(data_dir_shown) / mp).string();
    if (auto it = options.data_files.find("cost_matrix"); it != options.data_files.end())
        s.coverage.cost_matrix->path = s.coverage.cost_matrix->shown = it->second.string();
}

/// siting.unit_minimums names a per-unit count target.
void ScenarioLoader::check_unit_minimums(const Scenario& s, const YAML::Node& root) const {
    if (s.siting.unit_minimums.empty()) return;
    Diagnostics& diag = *ctx.diag;
    const auto& ts = s.programme.targets;
    const auto it = std::find_if(ts.begin(), ts.end(), [&](const Target& t) { return t.id == s.siting.unit_minimums; });
    std::vector<std::string> ids;
    for (const auto& t : ts) ids.push_back(t.id);
    const std::string hint = closest_match(s.siting.unit_minimums, ids);
    if (it == ts.end())
        diag.error(ctx.at(static_cast<const YAML::Node&>(root)["siting"]["unit_minimums"], "siting.unit_minimums"),
                   "unknown target '" + s.siting.unit_minimums + "'" + did_you_mean(hint) +
                       ": expected the id of a per-unit count target");
    else if (it->city_wide || (it->measure != Measure::stations_built && it->measure != Measure::bases_named))
        diag.error(ctx.at(static_cast<const YAML::Node&>(root)["siting"]["unit_minimums"], "siting.unit_minimums"),
                   "target '" + it->id + "' is not a per-unit count of stations or bases");
}

}  // namespace tisheng::detail
