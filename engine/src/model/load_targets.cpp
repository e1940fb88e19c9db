// `programme.targets`: what the notice requires and by when, read with the
// rest of `programme:` (load_programme.cpp); and the checks of the targets
// against the run's horizon and, once the units are read, of the unit ids
// the scenario names.
#include <algorithm>
#include <string>

#include "model/detail/scenario_loader.hpp"
#include "tisheng/core/text.hpp"

namespace tisheng::detail {

namespace {

/// The node of programme.targets[i] in the file, or a null node.
YAML::Node target_node(const YAML::Node& root, std::size_t i) {
    auto prog_node = root["programme"];
    auto targets_node = prog_node && prog_node.IsMap() ? static_cast<const YAML::Node&>(prog_node)["targets"] : YAML::Node();
    return targets_node && targets_node.IsSequence() && i < targets_node.size() ? targets_node[i] : YAML::Node();
}

}  // namespace

std::vector<Target> ScenarioLoader::targets(MapReader& prog) {
    std::vector<Target> out;
    each_map(prog, "targets", [&](MapReader& m, std::size_t) {
        Target t;
        t.id = m.string("id", true).value_or("");
        if (auto v = m.choice("measure", {"stations_built", "share_eligible_with_station", "bases_named",
                                          "demo_bases_named", "focus_industries_covered"}, true)) {
            for (Measure ms : {Measure::stations_built, Measure::share_eligible_with_station, Measure::bases_named,
                               Measure::demo_bases_named, Measure::focus_industries_covered})
                if (to_string(ms) == *v) t.measure = ms;
        }
        bool has_deadline = m.has("deadline"), has_from = m.has("from");
        if (has_deadline == has_from)
            m.error(has_from ? "from" : "deadline",
                    "give exactly one of 'deadline' (checked once) or 'from' (checked at the 'check' dates from then on)");
        else if (auto d = has_deadline ? m.date("deadline") : m.date("from")) {
            t.deadline = *d;
            if (has_from) t.check = CheckDates::month_end;
        }
        if (m.has("check")) {
            YAML::Node cn = m.child("check");
            if (!has_from) {
                m.error("check", "'check' belongs to a recurring target (one with 'from'); a 'deadline' is checked once");
            } else if (cn.IsSequence()) {
                t.check = CheckDates::listed;
                const std::size_t given = each_item(m, "check", [&](const YAML::Node& item, const std::string& path) {
                    if (auto d = read_date(ctx, item, path)) t.check_dates.push_back(*d);
                });
                if (given == 0) m.error("check", "an empty list of check dates: give at least one date, or year_end | month_end");
            } else if (auto v = m.choice("check", {"year_end", "month_end"})) {
                t.check = *v == "year_end" ? CheckDates::year_end : CheckDates::month_end;
            }
        }
        if (auto u = m.choice("unit", {"each", "all"})) t.city_wide = *u == "all";
        if (auto g = m.integer("grace_days", 0, 3650)) t.grace_days = static_cast<int>(*g);
        const bool share = t.measure == Measure::share_eligible_with_station;
        const double max_required = share ? 1.0 : 1e9;
        YAML::Node req = m.child("required");
        std::string req_path = m.path("required");
        auto check = [&](const YAML::Node& n, const std::string& p) -> std::optional<double> {
            auto v = read_number(ctx, n, p);
            if (v && (*v < 0 || *v > max_required)) {
                ctx.error(n, p, share ? "a required share is between 0 and 1, got " + n.Scalar()
                                      : "a required count cannot be negative, got " + n.Scalar());
                return std::nullopt;
            }
            return v;
        };
        if (!req.IsDefined()) {
            m.missing("required");
        } else if (req.IsMap()) {
            for (auto it = req.begin(); it != req.end(); ++it) {
                std::string key = it->first.Scalar();
                auto v = check(it->second, req_path + "." + key);
                if (!v) continue;
                if (key == "default")
                    t.required_default = *v;
                else
                    t.required_by_unit[key] = *v;  // unit ids are checked once units are known
            }
        } else if (auto v = check(req, req_path)) {
            t.required_default = *v;
        }
        out.push_back(std::move(t));
    });
    return out;
}

/// Each target against the run's horizon: its date inside it, a recurring
/// one checked at least once, and one grace period for all share targets.
void ScenarioLoader::check_target_dates(const Scenario& s, const YAML::Node& root) const {
    Diagnostics& diag = *ctx.diag;
    const auto& prog = s.programme;
    for (std::size_t i = 0; i < prog.targets.size(); ++i) {
        const Target& t = prog.targets[i];
        YAML::Node tn = target_node(root, i);
        std::string path = "programme.targets[" + std::to_string(i) + "]." + (t.recurring() ? "from" : "deadline");
        YAML::Node dn = tn && tn.IsMap() ? static_cast<const YAML::Node&>(tn)[t.recurring() ? "from" : "deadline"] : YAML::Node();
        if (t.deadline.days() != 0 && s.run.end.days() != 0 && (t.deadline > s.run.end || t.deadline < s.run.start))
            diag.error(ctx.at(dn, path), "target '" + t.id + "' falls on " + t.deadline.iso() + ", outside the run's horizon " +
                                             s.run.start.iso() + " .. " + s.run.end.iso());
        else if (t.measure == Measure::share_eligible_with_station && [&] {
                     for (std::size_t j = 0; j < i; ++j)
                         if (prog.targets[j].measure == Measure::share_eligible_with_station && prog.targets[j].grace_days != t.grace_days) return true;
                     return false;
                 }())
            diag.error(ctx.at(tn && tn.IsMap() ? static_cast<const YAML::Node&>(tn)["grace_days"] : YAML::Node(),
                              "programme.targets[" + std::to_string(i) + "].grace_days"),
                       "share targets must have the same grace_days: a project becomes due once, for all of them");
        else if (t.recurring() && s.run.end.days() != 0 && t.dates(s.run.start, s.run.end).empty())
            diag.error(ctx.at(dn, path), "target '" + t.id + "' is never checked: none of its check dates falls between " +
                                             std::max(t.deadline, s.run.start).iso() + " and the run's end " + s.run.end.iso());
    }
}

/// Unit ids named in targets, budgets and arrival rates must exist: said
/// once the units are read.
void ScenarioLoader::check_unit_ids(const Scenario& s, const YAML::Node& root) const {
    Diagnostics& diag = *ctx.diag;
    const auto& prog = s.programme;
    std::vector<std::string> ids;
    for (const auto& u : s.region.units()) ids.push_back(u.id);
    auto unknown_unit = [&](const std::string& id, const Location& where) {
        std::string hint = closest_match(id, ids);
        diag.error(where, "unknown unit '" + id + "'" + did_you_mean(hint) +
                              " (units come from " + (layer_specs.units ? layer_specs.units->source.display : "the units layer") + ")");
    };
    for (std::size_t i = 0; i < prog.targets.size(); ++i) {
        YAML::Node tn = target_node(root, i);
        YAML::Node rn = tn && tn.IsMap() ? static_cast<const YAML::Node&>(tn)["required"] : YAML::Node();
        for (const auto& [id, v] : prog.targets[i].required_by_unit) {
            if (s.region.find(id)) continue;
            YAML::Mark mark = YAML::Mark::null_mark();
            if (rn && rn.IsMap())
                for (auto it = rn.begin(); it != rn.end(); ++it)
                    if (it->first.Scalar() == id) mark = it->first.Mark();
            unknown_unit(id, ctx.at_mark(mark, "programme.targets[" + std::to_string(i) + "].required." + id));
        }
    }
    for (const auto& [path, key] : unit_refs)
        if (!s.region.find(key.Scalar())) unknown_unit(key.Scalar(), ctx.at_mark(key.Mark(), path));
}

}  // namespace tisheng::detail
