// `budgets:` of a scenario file: the payers and their yearly budgets. A
// per-unit payer (a county union's, one budget in each unit) is kept as a
// template until the units are read, then made one payer per unit.
#include <charconv>
#include <set>
#include <string>

#include "model/detail/scenario_loader.hpp"
#include "tisheng/model/ids.hpp"

namespace tisheng::detail {

void ScenarioLoader::budgets(MapReader& top, Budgets& b) {
    if (!top.has("budgets")) return;
    MapReader m(ctx, top.child("budgets"), "budgets");
    if (auto r = m.choice("on_exhausted", {"wait", "enterprise_pays", "not_built"}))
        b.on_exhausted = *r == "wait" ? ExhaustedRule::wait : *r == "enterprise_pays" ? ExhaustedRule::enterprise_pays : ExhaustedRule::not_built;
    std::set<std::string> ids;
    each_map(m, "payers", [&](MapReader& pm, std::size_t) {
        Payer p;
        p.id = pm.string("id", true).value_or("");
        payer_nodes[p.id] = pm.child("id");
        p.name = pm.string("name").value_or(p.id);
        if (!p.id.empty() && !ids.insert(p.id).second) pm.error("id", "duplicate payer id '" + p.id + "'");
        YAML::Node a = pm.child("annual_cny");
        if (!a.IsDefined()) pm.missing("annual_cny");
        else if (!(a.IsScalar() && a.Scalar() == "unlimited")) {
            if (auto v = pm.money("annual_cny")) p.annual_cny = *v;
        }
        payer_years(pm, p);
        bool per_unit = pm.boolean("per_unit").value_or(false);
        std::map<std::string, double> unit_amounts;
        if (pm.has("units")) {
            MapReader um(ctx, pm.child("units"), pm.path("units"));
            for (auto it = um.node().begin(); it != um.node().end(); ++it) {
                std::string key = it->first.Scalar();
                unit_refs.emplace_back(um.path(key), it->first);
                if (auto v = um.money(key)) unit_amounts[key] = *v;
            }
        }
        if (!per_unit) {
            if (!unit_amounts.empty()) pm.error("units", "per-unit amounts need 'per_unit: true'");
            b.payers.push_back(std::move(p));
            return;
        }
        // Expanded into one payer per unit once the units are known:
        // keep a template with the per-unit table in annual_by_year's stead.
        p.unit = "*";
        for (const auto& [u, v] : unit_amounts) per_unit_amounts[p.id][u] = v;
        b.payers.push_back(std::move(p));
    });
}

/// `years:` of a payer: the budget of each year that has its own.
void ScenarioLoader::payer_years(MapReader& pm, Payer& p) {
    if (!pm.has("years")) return;
    MapReader ym(ctx, pm.child("years"), pm.path("years"));
    for (auto it = ym.node().begin(); it != ym.node().end(); ++it) {
        std::string key = it->first.Scalar();
        int year = 0;
        auto [ptr, ec] = std::from_chars(key.data(), key.data() + key.size(), year);
        if (ec != std::errc() || ptr != key.data() + key.size() || year < 1990 || year > 2100) {
            ctx.diag->error(ctx.at_mark(it->first.Mark(), pm.path("years") + "." + key), "expected a year such as 2024, got '" + key + "'");
            ym.child(key);
            continue;
        }
        if (auto v = ym.money(key)) p.annual_by_year[year] = *v;
    }
}

/// Budget years outside the run: money that would never be used, or a typo.
void ScenarioLoader::check_budget_years(const Scenario& s, const YAML::Node& root) const {
    Diagnostics& diag = *ctx.diag;
    if (s.run.end.days() != 0)
        for (const Payer& payer : s.budgets.payers)
            for (const auto& [year, amount] : payer.annual_by_year)
                if (year < s.run.start.year() || year > s.run.end.year()) {
                    auto budgets = static_cast<const YAML::Node&>(root)["budgets"];
                    diag.error(ctx.at(budgets, "budgets.payers." + payer.id + ".years." + std::to_string(year)),
                               "a budget for " + std::to_string(year) + ", outside the run's years " + std::to_string(s.run.start.year()) + " .. " +
                                   std::to_string(s.run.end.year()));
                    break;
                }
}

/// Per-unit payers: one payer per unit, named by the unit's id.
void ScenarioLoader::expand_per_unit_payers(Scenario& s) {
    std::vector<Payer> expanded;
    for (auto& p : s.budgets.payers) {
        if (p.unit != "*") {
            expanded.push_back(std::move(p));
            continue;
        }
        for (const auto& u : s.region.units()) {
            Payer q = p;
            q.id = to_string(PayerLine{p.id, u.id});
            q.name = u.name + p.name;
            // "德化县总工会" and "County trade union (Dehua)" for payer:county:350526.
            const auto& group = s.labels.names["payer:" + p.id];
            s.labels.names["payer:" + q.id] = {q.name, group.second.empty() || u.name_en.empty() ? group.second
                                                                                                : group.second + " (" + u.name_en + ")"};
            q.unit = u.id;
            auto& amounts = per_unit_amounts[p.id];
            if (auto it = amounts.find(u.id); it != amounts.end()) q.annual_cny = it->second;
            expanded.push_back(std::move(q));
        }
    }
    s.budgets.payers = std::move(expanded);
}

}  // namespace tisheng::detail
