// `behaviour:` and `costs:` of a scenario file: how the actors respond
// (arrivals, adoption, the standard, applications) and what a station costs
// and who pays; and the checks of the names they use against the programme
// and the payers.
#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <string>

#include "model/detail/scenario_loader.hpp"
#include "tisheng/core/text.hpp"

namespace tisheng::detail {

void ScenarioLoader::behaviour(MapReader& top, Behaviour& b) {
    if (top.has("behaviour")) {
        MapReader m(ctx, top.child("behaviour"), "behaviour");
        auto& st = b.stations;
        if (auto d = m.date("as_of")) st.as_of = *d;
        arrivals(m, st);
        if (auto d = m.days("completion_delay_days", 0)) st.completion_delay = *d;
        if (m.has("adoption")) {
            MapReader a(ctx, m.child("adoption"), m.path("adoption"));
            st.adoption_by_phase = probabilities(a, "phases");
            if (auto v = a.number_in("enterprise_has_station", 0, 100)) st.enterprise_has_station = *v;
        }
        if (auto d = m.days("plan_days", 1)) st.plan_days = *d;
        if (auto d = m.days("construct_days", 1)) st.construct_days = *d;
        station_area(m, st);
        st.element_pass = probabilities(m, "standard_pass");
        if (auto v = m.probability("fix_probability")) st.fix_probability = *v;
        if (auto d = m.days("fix_days", 1)) st.fix_days = *d;
        if (auto v = m.probability("relocate_probability")) st.relocate_probability = *v;
        if (auto d = m.days("relocate_days", 1)) st.relocate_days = *d;
        base_behaviour(m, b.bases);
    }
    costs(top, b);
}

/// `behaviour.arrivals`: the projects that start during the run, a year
/// in each unit (or from the register's own history: from_data).
void ScenarioLoader::arrivals(MapReader& m, StationBehaviour& st) {
    if (!m.has("arrivals")) return;
    MapReader a(ctx, m.child("arrivals"), m.path("arrivals"));
    YAML::Node py = a.child("per_year");
    std::string pp = a.path("per_year");
    if (py.IsDefined() && py.IsMap()) {
        for (auto it = py.begin(); it != py.end(); ++it) {
            std::string k = it->first.Scalar();
            auto v = read_number(ctx, it->second, pp + "." + k);
            if (v && *v < 0) ctx.error(it->second, pp + "." + k, "an arrival rate cannot be negative, got " + it->second.Scalar());
            else if (v && k == "default") st.arrivals.per_year_default = *v;
            else if (v) st.arrivals.per_year_by_unit[k] = *v;
            if (k != "default") unit_refs.emplace_back(pp + "." + k, it->first);
        }
    } else if (py.IsDefined() && !(py.IsScalar() && py.Scalar() == "from_data")) {
        auto v = a.number("per_year");
        if (v && *v < 0) a.error("per_year", "an arrival rate cannot be negative, got " + py.Scalar() + " projects a year");
        else if (v) st.arrivals.per_year_default = *v;
    }
    if (auto v = a.integer("history_months", 1, 600)) st.arrivals.history_months = static_cast<int>(*v);
    if (auto v = a.number_in("factor", 0, 1000)) st.arrivals.factor = *v;
}

/// `behaviour.area_m2`: a station's floor area, one number or [smallest, largest].
void ScenarioLoader::station_area(MapReader& m, StationBehaviour& st) {
    YAML::Node area = m.child("area_m2");
    if (area.IsDefined() && area.IsSequence() && area.size() == 2) {
        auto lo = read_number(ctx, area[0], m.path("area_m2") + "[0]");
        auto hi = read_number(ctx, area[1], m.path("area_m2") + "[1]");
        if (lo && hi && (*lo <= 0 || *hi < *lo))
            m.error("area_m2", "expected [smallest, largest] floor area in m² with 0 < smallest <= largest");
        else if (lo && hi) {
            st.area_min_m2 = *lo;
            st.area_max_m2 = *hi;
        }
    } else if (area.IsDefined()) {
        if (auto v = m.number_in("area_m2", 0.1, 1e6)) st.area_min_m2 = st.area_max_m2 = *v;
    }
}

/// The keys of `behaviour:` that only a bases programme uses: who applies,
/// and the order and pace of naming.
void ScenarioLoader::base_behaviour(MapReader& m, BaseBehaviour& bb) {
    if (m.has("apply")) {
        MapReader a(ctx, m.child("apply"), m.path("apply"));
        if (auto v = a.probability("existing")) bb.apply_existing = *v;
        if (auto v = a.probability("new")) bb.apply_new = *v;
        if (auto v = a.probability("recognised")) bb.apply_recognised = *v;
    }
    if (auto v = m.probability("reapply")) bb.reapply = *v;
    if (auto v = m.string("selection_plan")) {
        selection_plan = *v;
        selection_plan_where = ctx.at(m.child("selection_plan"), m.path("selection_plan"));
    }
    if (m.has("ramp_up")) {
        bb.ramp_up.clear();
        each_item(m, "ramp_up", [&](const YAML::Node& item, const std::string& ip) {
            auto v = read_number(ctx, item, ip);
            if (v && (*v < 0 || *v > 1)) ctx.error(item, ip, "a ramp-up share is between 0 and 1, got " + item.Scalar());
            else if (v) bb.ramp_up.push_back(*v);
        });
        if (bb.ramp_up.empty()) m.error("ramp_up", "expected at least one share, e.g. [0.5, 0.8, 1.0]");
    }
}

void ScenarioLoader::costs(MapReader& top, Behaviour& b) {
    if (!top.has("costs")) return;
    MapReader m(ctx, top.child("costs"), "costs");
    auto& c = b.costs;
    if (auto v = m.money("area_cny_per_m2")) c.area_cny_per_m2 = *v;
    if (auto v = m.money("equipment_cny")) c.equipment_cny = *v;
    if (auto v = m.money("monthly_cny")) c.monthly_cny = *v;
    if (auto v = m.number_in("relocate_share", 0, 1)) c.relocate_share = *v;
    c.setup_paid_by = shares(m, "setup_paid_by");
    c.running_paid_by = shares(m, "running_paid_by");
}

/// {key: probability} under `parent.key`, keys checked later.
std::map<std::string, double> ScenarioLoader::probabilities(MapReader& parent, const std::string& key) {
    std::map<std::string, double> out;
    if (!parent.has(key)) return out;
    MapReader m(ctx, parent.child(key), parent.path(key));
    if (!m.valid()) return out;
    for (auto it = m.node().begin(); it != m.node().end(); ++it) {
        std::string k = it->first.Scalar();
        key_nodes[m.path(k)] = it->first;
        if (auto v = m.probability(k)) out[k] = *v;
    }
    return out;
}

std::vector<CostShare> ScenarioLoader::shares(MapReader& parent, const std::string& key) {
    std::vector<CostShare> out;
    if (!parent.has(key)) return out;
    MapReader m(ctx, parent.child(key), parent.path(key));
    if (!m.valid()) return out;
    double total = 0;
    for (auto it = m.node().begin(); it != m.node().end(); ++it) {
        std::string k = it->first.Scalar();
        key_nodes[m.path(k)] = it->first;
        if (auto v = m.probability(k)) {
            out.push_back({k, *v});
            total += *v;
        }
    }
    if (std::abs(total - 1.0) > 1e-9)
        parent.error(key, "the shares of " + key + " add up to " + shown_number(total) + "; expected 1");
    return out;
}

/// The projects a replication would add from the arrival rates the
/// scenario gives (a from_data rate is bounded by the register): a rate
/// meant for the whole city, or a stray exponent, would otherwise run for
/// hours. Needs the region's units.
void ScenarioLoader::check_arrivals(const Scenario& s, const YAML::Node& root) {
    Diagnostics& diag = *ctx.diag;
    const auto& a = s.behaviour.stations.arrivals;
    if (!a.per_year_default && a.per_year_by_unit.empty()) return;
    constexpr double most = 10'000'000;
    double per_year = 0;
    for (const auto& u : s.region.units()) {
        const auto it = a.per_year_by_unit.find(u.id);
        per_year += it != a.per_year_by_unit.end() ? it->second : a.per_year_default.value_or(0);
    }
    const double years = std::max(0, s.run.end.days() - s.run.start.days()) / 365.25;
    if (const double added = per_year * a.factor * years; added > most)
        diag.error(ctx.at(lookup(root, "behaviour.arrivals"), "behaviour.arrivals"),
                   fmt::format("these arrival rates add about {:.3g} projects to each replication ({:.3g} a year over {} units, x{:g}, "
                               "for {:.1f} years); expected at most {:.0f} (per_year is projects a year in each unit)",
                               added, per_year, s.region.units().size(), a.factor, years, most));
}

/// Cross-field checks of behaviour, costs and payers: every name refers to
/// something that exists, and every payer pays for something.
void ScenarioLoader::check_behaviour(Scenario& s, const YAML::Node& root) {
    Diagnostics& diag = *ctx.diag;
    const auto& prog = s.programme;
    auto& st = s.behaviour.stations;
    if (st.as_of.days() == 0) st.as_of = s.run.start;
    auto at = [&](const std::string& path) { return ctx.at(lookup(root, path), path); };
    auto at_key = [&](const std::string& path) {
        auto it = key_nodes.find(path);
        return it == key_nodes.end() ? at(path) : ctx.at(it->second, path);
    };
    auto names_in = [](const std::vector<std::string>& v) {
        std::string out;
        for (const auto& x : v) out += (out.empty() ? "" : ", ") + x;
        return out.empty() ? std::string("none") : out;
    };

    std::vector<std::string> phase_names;
    for (const auto& ph : prog.phases) phase_names.push_back(ph.name);
    for (const auto& [name, p] : st.adoption_by_phase)
        if (std::find(phase_names.begin(), phase_names.end(), name) == phase_names.end()) {
            std::string hint = closest_match(name, phase_names);
            diag.error(at_key("behaviour.adoption.phases." + name),
                       "unknown phase '" + name + "'" + did_you_mean(hint) +
                           " (programme.phases has: " + names_in(phase_names) + ")");
        }
    for (const auto& [name, p] : st.element_pass)
        if (std::find(prog.standard.elements.begin(), prog.standard.elements.end(), name) == prog.standard.elements.end()) {
            std::string hint = closest_match(name, prog.standard.elements);
            diag.error(at_key("behaviour.standard_pass." + name),
                       "unknown standard element '" + name + "'" + did_you_mean(hint) +
                           " (programme.station_standard.elements has: " + names_in(prog.standard.elements) + ")");
        }
    if (s.run.end.days() != 0 && st.as_of > s.run.end)
        diag.error(at("behaviour.as_of"), "the register's date " + st.as_of.iso() + " lies after the run's end " + s.run.end.iso());

    // Payers: every one named must exist, and every one listed must pay.
    std::map<std::string, const Payer*> payers;
    for (const auto& p : s.budgets.payers) payers[p.id] = &p;
    std::vector<std::string> payer_ids;
    for (const auto& p : s.budgets.payers) payer_ids.push_back(p.id);
    std::set<std::string> used;
    bool misnamed = false;  // then an "unused" payer is most likely the one meant: say nothing more
    auto known_payer = [&](const std::string& id, const Location& where) {
        if (payers.count(id)) {
            used.insert(id);
            return true;
        }
        misnamed = true;
        std::string hint = closest_match(id, payer_ids);
        diag.error(where, "unknown payer '" + id + "'" + did_you_mean(hint) +
                              " (budgets.payers has: " + names_in(payer_ids) + ")");
        return false;
    };
    const auto& on_exhausted = s.budgets.on_exhausted;
    if (prog.kind == ProgrammeKind::stations) {
        for (const auto* list : {&s.behaviour.costs.setup_paid_by, &s.behaviour.costs.running_paid_by}) {
            const std::string key = list == &s.behaviour.costs.setup_paid_by ? "costs.setup_paid_by." : "costs.running_paid_by.";
            for (const auto& c : *list) known_payer(c.payer, at_key(key + c.payer));
        }
        if (on_exhausted == ExhaustedRule::enterprise_pays) {
            auto it = payers.find("enterprise");
            if (it == payers.end() || it->second->annual_cny || !it->second->annual_by_year.empty())
                diag.error(at("budgets.on_exhausted"), "'enterprise_pays' needs a payer with id 'enterprise' and annual_cny: unlimited, "
                                                       "who pays what other budgets cannot");
            else
                used.insert("enterprise");
        }
    } else {
        const auto& g = prog.grants;
        if (known_payer(g.city_payer, at("programme.grants.city_payer")) && payers[g.city_payer]->unit == "*")
            diag.error(at("programme.grants.city_payer"), "the city's payer '" + g.city_payer + "' is a per-unit payer; expected one budget");
        if (known_payer(g.county_payer, at("programme.grants.county_payer")) && payers[g.county_payer]->unit != "*") {
            misnamed = true;
            diag.error(at("programme.grants.county_payer"),
                       "the county payer '" + g.county_payer + "' needs 'per_unit: true' (one budget per county union)");
        }
        if (on_exhausted == ExhaustedRule::enterprise_pays)
            diag.error(at("budgets.on_exhausted"), "'enterprise_pays' applies to stations; for bases use wait or not_built");
    }
    for (const auto& p : s.budgets.payers)
        if (!misnamed && !p.id.empty() && !used.count(p.id)) {
            auto it = payer_nodes.find(p.id);
            std::string hint = prog.kind == ProgrammeKind::stations ? "name it in costs.setup_paid_by or costs.running_paid_by"
                                                                    : "name it in programme.grants.city_payer or county_payer";
            diag.error(ctx.at(it == payer_nodes.end() ? YAML::Node() : it->second, "budgets.payers." + p.id),
                       "payer '" + p.id + "' pays for nothing; " + hint + ", or remove it");
        }
}

}  // namespace tisheng::detail
