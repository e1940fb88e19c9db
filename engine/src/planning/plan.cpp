#include "tisheng/planning/plan.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

#include "core/detail/cancel.hpp"
#include "tisheng/core/error.hpp"
#include "tisheng/core/text.hpp"
#include "tisheng/core/files.hpp"
#include "tisheng/io/layers.hpp"
#include "tisheng/model/ids.hpp"
#include "tisheng/model/scenario.hpp"

namespace tisheng {

namespace fs = std::filesystem;

namespace {

Location siting_field(const Scenario& s, const std::string& field) { return Location{s.file.string(), 0, 0, {}, field}; }

// A payer's money over the years the plan may spend, or nullopt if unlimited.
std::optional<double> budget_limit(const Scenario& s, const Payer& p) {
    if (!p.annual_cny && p.annual_by_year.empty()) return std::nullopt;
    const int first = s.run.start.year();
    const int years = s.siting.budget_years > 0 ? s.siting.budget_years : s.run.end.year() - first + 1;
    double total = 0;
    for (int y = first; y < first + years; ++y) {
        if (auto it = p.annual_by_year.find(y); it != p.annual_by_year.end()) total += it->second;
        else if (p.annual_cny) total += *p.annual_cny;
        else return std::nullopt;
    }
    return total;
}

std::string site_name(const Scenario& s, const SitingModel& m, std::uint32_t site) {
    if (s.programme.kind == ProgrammeKind::bases) return s.sites.bases[site].name;
    return site < m.coverage.project_sites ? s.sites.projects[site].name : s.sites.stations[site - m.coverage.project_sites].name;
}

LonLat site_pos(const Scenario& s, const SitingModel& m, std::uint32_t site) {
    if (s.programme.kind == ProgrammeKind::bases) return s.sites.bases[site].pos;
    return site < m.coverage.project_sites ? s.sites.projects[site].pos : s.sites.stations[site - m.coverage.project_sites].pos;
}

std::string number(double v) {
    if (!std::isfinite(v)) return "";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.10g", v);
    return buf;
}

}  // namespace

SitingModel::SitingModel(const Scenario& s, const std::atomic<bool>* cancel) : coverage(s) {
    const SitingSettings& st = s.siting;
    siting::Problem& P = problem;
    P.objective = st.objective;
    P.weight = coverage.workers;
    P.p = st.p;

    // Budgets: every limited payer.
    std::map<std::string, std::uint32_t> budget_of;
    for (const Payer& payer : s.budgets.payers)
        if (auto limit = budget_limit(s, payer)) {
            budget_of[payer.id] = static_cast<std::uint32_t>(P.budgets.size());
            P.budgets.push_back({payer.id, *limit});
            budget_payer.push_back(payer.id);
        }
    auto add_cost = [&](siting::Candidate& c, const std::string& payer, double amount) {
        if (auto it = budget_of.find(payer); it != budget_of.end() && amount > 0) c.costs.emplace_back(it->second, amount);
    };
    auto payer_for = [&](const std::string& id, std::uint32_t unit) {
        // A per-unit payer ("county") resolves to the unit's own ("county:350526").
        for (const Payer& p : s.budgets.payers)
            if (p.id == id) return id;
        return to_string(PayerLine{id, s.region.unit(unit).id});
    };
    auto add_group = [&](std::string name, int min, int max) {
        P.groups.push_back({std::move(name), min, max});
        return static_cast<std::uint32_t>(P.groups.size() - 1);
    };

    std::vector<std::uint32_t> unit_group;
    if (!st.unit_minimums.empty()) {
        const auto& ts = s.programme.targets;
        const Target& t = *std::find_if(ts.begin(), ts.end(), [&](const Target& x) { return x.id == st.unit_minimums; });
        for (const Unit& u : s.region.units())
            unit_group.push_back(add_group("unit " + u.name + " (" + u.id + ", target " + t.id + ")",
                                           static_cast<int>(std::ceil(t.required_for(u.id))), std::numeric_limits<int>::max()));
    }
    auto in_unit_group = [&](siting::Candidate& c, std::uint32_t unit) {
        if (!unit_group.empty()) c.groups.push_back(unit_group[unit]);
    };

    if (s.programme.kind == ProgrammeKind::stations) {
        const StationCosts& costs = s.behaviour.costs;
        const double setup = costs.area_cny_per_m2 * s.programme.standard.min_area_m2 + costs.equipment_cny;
        for (std::uint32_t j = 0; j < coverage.sites.size(); ++j) {
            if (j < coverage.project_sites && !is_eligible(s.sites.projects[j], s.programme.eligibility)) continue;
            siting::Candidate c;
            c.id = coverage.site_ids[j];
            for (const CostShare& share : costs.setup_paid_by) add_cost(c, payer_for(share.payer, coverage.site_unit[j]), setup * share.share);
            in_unit_group(c, coverage.site_unit[j]);
            P.candidates.push_back(std::move(c));
            site.push_back(j);
            variant.emplace_back("station");
        }
    } else {
        const Programme& prog = s.programme;
        const GrantRule& g = prog.grants;
        std::vector<std::pair<std::string, double>> tiers;
        for (const GrantTier& t : g.tiers) tiers.emplace_back(t.name, t.cny);
        if (tiers.empty()) tiers = {{"standard", g.min_cny}};
        const bool demo_tier = std::any_of(tiers.begin(), tiers.end(), [](const auto& t) { return t.first == "demonstration"; });
        std::optional<std::uint32_t> demo_group;
        if (demo_tier && prog.quota_demonstration > 0)
            demo_group = add_group("demonstration bases (quota)", prog.quota_demonstration, prog.quota_demonstration);
        std::map<std::string, std::uint32_t> industry_group;
        for (const std::string& ind : prog.focus_industries) industry_group[ind] = add_group("focus industry " + ind, 1, std::numeric_limits<int>::max());
        for (std::uint32_t j = 0; j < s.sites.bases.size(); ++j) {
            const CandidateBase& b = s.sites.bases[j];
            if (!is_eligible(b, prog.base_eligibility)) continue;
            const std::uint32_t one_of = add_group("base " + b.id + " (one tier)", 0, 1);
            for (const auto& [tier, cny] : tiers) {
                siting::Candidate c;
                c.id = b.id;
                add_cost(c, g.city_payer, cny);
                add_cost(c, payer_for(g.county_payer, b.unit), cny * g.county_match_ratio);
                c.groups.push_back(one_of);
                if (tier == "demonstration" && demo_group) c.groups.push_back(*demo_group);
                if (auto it = industry_group.find(b.industry); it != industry_group.end()) c.groups.push_back(it->second);
                in_unit_group(c, b.unit);
                P.candidates.push_back(std::move(c));
                site.push_back(j);
                variant.push_back(tier);
            }
        }
        if (P.p < 0) P.p = prog.quota_bases;
    }

    // Required sites stay open: fixed when one candidate stands for the
    // site, otherwise at least one of its variants.
    for (std::size_t r = 0; r < st.required.size(); ++r) {
        const std::string& id = st.required[r];
        std::vector<std::uint32_t> of;
        for (std::uint32_t k = 0; k < P.candidates.size(); ++k)
            if (P.candidates[k].id == id) of.push_back(k);
        if (of.empty()) {
            std::vector<std::string> ids;
            for (const auto& c : P.candidates) ids.push_back(c.id);
            const std::string hint = closest_match(id, ids);
            throw InputError(siting_field(s, "siting.required[" + std::to_string(r) + "]"),
                             "'" + id + "' is not a siting candidate (an eligible project, candidate site or eligible base)" +
                                 did_you_mean(hint));
        }
        if (of.size() == 1) P.candidates[of[0]].fixed = true;
        else {
            const std::uint32_t gi = add_group("required " + id, 1, std::numeric_limits<int>::max());
            for (std::uint32_t k : of) P.candidates[k].groups.push_back(gi);
        }
    }

    std::size_t distinct_sites = site.empty() ? 0 : 1;
    for (std::size_t k = 1; k < site.size(); ++k) distinct_sites += site[k] != site[k - 1];
    if (P.candidates.empty())
        throw InputError(siting_field(s, "siting"), "there are no eligible candidates to choose from");
    if (P.p > static_cast<int>(distinct_sites))
        throw InputError(siting_field(s, "siting.p"), "p = " + std::to_string(P.p) + " sites, but there are only " +
                                                          std::to_string(distinct_sites) + " eligible candidates");

    if (P.objective == siting::Objective::max_cover) {
        const coverage::Reach reach = coverage.reach(st.radius, 0, nullptr, cancel);
        P.covers.resize(P.candidates.size());
        for (std::size_t k = 0; k < P.candidates.size(); ++k) {
            detail::throw_if_cancelled(cancel);
            const std::uint32_t j = site[k];
            P.covers[k].assign(reach.demand.begin() + reach.offset[j], reach.demand.begin() + reach.offset[j + 1]);
        }
    } else {
        // A demand point no site can serve costs ten times the largest cost.
        std::vector<float> all = coverage.dense_costs(std::numeric_limits<float>::infinity());
        float largest = 0;
        for (float v : all)
            if (std::isfinite(v)) largest = std::max(largest, v);
        for (float& v : all)
            if (!std::isfinite(v)) v = 10 * std::max(largest, 1.0f);
        const std::size_t n = coverage.demand.size();
        P.distance.resize(P.candidates.size() * n);
        for (std::size_t k = 0; k < P.candidates.size(); ++k)
            std::copy_n(all.begin() + static_cast<std::ptrdiff_t>(site[k] * n), n, P.distance.begin() + static_cast<std::ptrdiff_t>(k * n));
    }
}

Plan make_plan(const Scenario& s, const SitingModel& model, const SitingOptions& options) {
    Plan plan;
    const double limit = options.time_limit_s > 0 ? options.time_limit_s : s.siting.time_limit_s;
    siting::HeuristicOptions h;
    h.seed = options.seed ? options.seed : s.run.seed;
    h.threads = options.threads;
    h.cancel = options.cancel;
    if (options.exact) {
        // The heuristic's plan is CBC's first incumbent.
        const siting::Solution start = siting::solve_heuristic(model.problem, h);
        plan.solution = siting::solve_exact(model.problem, {limit, options.threads, &start, options.cancel});
    } else {
        plan.solution = siting::solve_heuristic(model.problem, h);
        if (model.problem.candidates.size() <= s.siting.exact_up_to)
            plan.check = siting::solve_exact(model.problem, {limit, options.threads, &plan.solution, options.cancel});
    }
    plan.effects = siting::drop_analysis(model.problem, plan.solution, options.cancel);
    return plan;
}

void write_plan(const Scenario& s, const SitingModel& model, const Plan& plan, const fs::path& dir) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw Error(dir.string() + ": cannot create the output directory: " + ec.message());
    const siting::Problem& P = model.problem;
    const siting::Solution& sol = plan.solution;
    const auto& units = s.region.units();
    const bool cover = P.objective == siting::Objective::max_cover;
    const std::string unit = model.coverage.matrix ? model.coverage.matrix->unit : "metres";
    double total_weight = 0;
    for (double w : P.weight) total_weight += w;

    // Position of each candidate in the plan (-1: not chosen), and the
    // objective after each choice.
    std::vector<int> rank(P.candidates.size(), -1);
    for (std::size_t k = 0; k < sol.chosen.size(); ++k) rank[sol.chosen[k].candidate] = static_cast<int>(k);
    auto cost_to = [&](std::uint32_t k, std::size_t b) {
        double c = 0;
        for (const auto& [bi, amount] : P.candidates[k].costs)
            if (bi == b) c += amount;
        return c;
    };
    auto replacement_id = [&](std::uint32_t k) {
        const auto r = plan.effects[k].replacement;
        return r < 0 ? std::string() : P.candidates[static_cast<std::size_t>(r)].id + " (" + model.variant[static_cast<std::size_t>(r)] + ")";
    };

    // plan.csv: the chosen sites in order.
    std::string csv = "\xEF\xBB\xBF";
    csv += "order,candidate_id,name,variant,unit_id,unit,gain,cumulative";
    for (const auto& b : P.budgets) csv += ",cost_" + b.name;
    csv += ",loss_if_dropped,best_replacement,swap_change\n";
    double cumulative = cover ? 0 : std::numeric_limits<double>::quiet_NaN();
    for (std::size_t k = 0; k < sol.chosen.size(); ++k) {
        const std::uint32_t c = sol.chosen[k].candidate;
        const std::uint32_t j = model.site[c];
        const Unit& u = units[model.coverage.site_unit[j]];
        if (cover) cumulative += sol.chosen[k].gain;
        csv += std::to_string(k + 1) + ',' + csv_field(P.candidates[c].id) + ',' + csv_field(site_name(s, model, j)) + ',' +
               model.variant[c] + ',' + u.id + ',' + csv_field(u.name) + ',' + number(sol.chosen[k].gain) + ',' + number(cumulative);
        for (std::size_t b = 0; b < P.budgets.size(); ++b) csv += ',' + number(cost_to(c, b));
        csv += ',' + number(plan.effects[c].loss) + ',' + csv_field(replacement_id(c)) + ',' + number(plan.effects[c].swap_delta) + '\n';
    }

    // plan.gpkg: the plan, every candidate with its contrary view, the units.
    using T = FieldDef::Type;
    {
        VectorWriter w(dir / "plan.gpkg", "GPKG");
        std::vector<FieldDef> fields{{"order", T::integer}, {"candidate_id", T::text}, {"name", T::text}, {"variant", T::text},
                                     {"unit_id", T::text}, {"chosen", T::integer}, {"gain", T::real}, {"loss_if_dropped", T::real},
                                     {"best_replacement", T::text}, {"swap_change", T::real}};
        for (const auto& b : P.budgets) fields.push_back({"cost_" + b.name, T::real});
        auto row = [&](std::uint32_t c) {
            const std::uint32_t j = model.site[c];
            const int r = rank[c];
            std::vector<FieldValue> v{r >= 0 ? FieldValue(std::int64_t(r + 1)) : FieldValue(), P.candidates[c].id, site_name(s, model, j),
                                      model.variant[c], units[model.coverage.site_unit[j]].id, std::int64_t(r >= 0),
                                      r >= 0 ? FieldValue(sol.chosen[static_cast<std::size_t>(r)].gain) : FieldValue(),
                                      std::isfinite(plan.effects[c].loss) ? FieldValue(plan.effects[c].loss) : FieldValue(),
                                      replacement_id(c), plan.effects[c].replacement >= 0 ? FieldValue(plan.effects[c].swap_delta) : FieldValue()};
            for (std::size_t b = 0; b < P.budgets.size(); ++b) v.emplace_back(cost_to(c, b));
            return v;
        };
        w.begin_layer("plan", GeomKind::point, fields);
        for (const auto& ch : sol.chosen) w.add(site_pos(s, model, model.site[ch.candidate]), row(ch.candidate));
        w.begin_layer("candidates", GeomKind::point, fields);
        for (std::uint32_t c = 0; c < P.candidates.size(); ++c) w.add(site_pos(s, model, model.site[c]), row(c));
        std::vector<int> chosen_in(units.size(), 0);
        for (const auto& ch : sol.chosen) ++chosen_in[model.coverage.site_unit[model.site[ch.candidate]]];
        w.begin_layer("units", GeomKind::multipolygon, {{"unit_id", T::text}, {"name", T::text}, {"chosen", T::integer}});
        for (std::size_t u = 0; u < units.size(); ++u) w.add(units[u].geometry, {units[u].id, units[u].name, std::int64_t(chosen_in[u])});
        w.commit();
    }

    nlohmann::ordered_json j;
    j["scenario"] = s.name;
    j["scenario_hash"] = "fnv1a64:" + s.hash;
    j["objective"] = cover ? "max_cover" : "p_median";
    j["radius"] = cover ? nlohmann::ordered_json(s.siting.radius) : nlohmann::ordered_json(nullptr);
    j["unit"] = unit;
    j["p"] = P.p;
    j["candidates"] = P.candidates.size();
    j["demand_weight"] = total_weight;
    auto solution_json = [&](const siting::Solution& x) {
        nlohmann::ordered_json o{{"solver", x.solver}, {"objective", x.objective}};
        if (cover) o["share_covered"] = total_weight > 0 ? x.objective / total_weight : 1.0;
        else o["mean_cost"] = total_weight > 0 ? x.objective / total_weight : 0.0;
        o["bound"] = std::isfinite(x.bound) ? nlohmann::ordered_json(x.bound) : nlohmann::ordered_json(nullptr);
        o["gap"] = std::isfinite(x.gap) ? nlohmann::ordered_json(x.gap) : nlohmann::ordered_json(nullptr);
        o["optimal"] = x.optimal;
        o["timed_out"] = x.timed_out;
        o["seconds"] = x.seconds;
        o["chosen"] = x.chosen.size();
        return o;
    };
    j["plan"] = solution_json(sol);
    j["check"] = plan.check ? solution_json(*plan.check) : nlohmann::ordered_json(nullptr);
    nlohmann::ordered_json budgets = nlohmann::ordered_json::array();
    for (std::size_t b = 0; b < P.budgets.size(); ++b)
        budgets.push_back({{"payer", P.budgets[b].name}, {"limit_cny", P.budgets[b].limit},
                           {"spent_cny", b < sol.spent.size() ? sol.spent[b] : 0.0}});
    j["budgets"] = budgets;
    nlohmann::ordered_json groups = nlohmann::ordered_json::array();
    for (std::size_t g = 0; g < P.groups.size(); ++g) {
        if (P.groups[g].min == 0 && P.groups[g].max == 1) continue;  // the one-tier rule of each base
        int n = 0;
        for (const auto& ch : sol.chosen)
            n += std::count(P.candidates[ch.candidate].groups.begin(), P.candidates[ch.candidate].groups.end(), g) > 0;
        groups.push_back({{"group", P.groups[g].name}, {"min", P.groups[g].min},
                          {"max", P.groups[g].max == std::numeric_limits<int>::max() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(P.groups[g].max)},
                          {"chosen", n}});
    }
    j["groups"] = groups;

    write_file_atomic(dir / "plan.csv", csv);
    write_file_atomic(dir / "plan.json", j.dump(2) + "\n");
}

}  // namespace tisheng
