// `run:` and `programme:` of a scenario file: the horizon, and the notice's
// phases, eligibility, standard, review stages and grants (its targets are
// read in load_targets.cpp).
#include <algorithm>
#include <string>

#include "model/detail/scenario_loader.hpp"
#include "tisheng/core/text.hpp"

namespace tisheng::detail {

void ScenarioLoader::run(MapReader& top, RunSettings& r) {
    if (!top.has("run")) {
        top.missing("run");
        return;
    }
    MapReader m(ctx, top.child("run"), "run");
    if (auto v = m.integer("seed", 0, INT64_MAX)) r.seed = static_cast<std::uint64_t>(*v);
    if (auto v = m.integer("replications", 1, 10'000'000)) r.replications = static_cast<int>(*v);
    auto start = m.date("start", true), end = m.date("end", true);
    if (start) r.start = *start;
    if (end) r.end = *end;
    if (start && end && *end <= *start) m.error("end", "the horizon ends (" + end->iso() + ") before it starts (" + start->iso() + ")");
    r.report_date = m.date("report_date").value_or(r.end);
    if (start && end && (r.report_date < r.start || r.report_date > r.end))
        m.error("report_date", "report date " + r.report_date.iso() + " lies outside the horizon " + start->iso() + " .. " + end->iso());
}

void ScenarioLoader::programme(MapReader& top, Programme& p, Date run_end) {
    if (!top.has("programme")) {
        top.missing("programme");
        return;
    }
    MapReader m(ctx, top.child("programme"), "programme");
    p.name = m.string("name", true).value_or("");
    if (auto k = m.choice("kind", {"stations", "bases"}, true)) p.kind = *k == "stations" ? ProgrammeKind::stations : ProgrammeKind::bases;
    p.phases = phases(m);
    p.targets = targets(m);
    eligibility(m, p);
    station_standard(m, p);
    bases_rules(m, p);
    p.review = review(m, run_end);
    grants(m, p.grants);
}

std::vector<Phase> ScenarioLoader::phases(MapReader& prog) {
    std::vector<Phase> out;
    each_map(prog, "phases", [&](MapReader& m, std::size_t) {
        Phase p;
        p.name = m.string("name", true).value_or("");
        p.name_zh = m.string("zh").value_or("");
        auto s = m.date("start", true), e = m.date("end", true);
        if (s) p.start = *s;
        if (e) p.end = *e;
        if (s && e && *e < *s) m.error("end", "phase '" + p.name + "' ends (" + e->iso() + ") before it starts (" + s->iso() + ")");
        for (const Phase& q : out)
            if (s && e && p.start <= q.end && q.start <= p.end)
                m.error("start", "phase '" + p.name + "' (" + p.start.iso() + " .. " + p.end.iso() + ") overlaps phase '" + q.name + "' (" +
                                     q.start.iso() + " .. " + q.end.iso() + "); phases follow one another");
        out.push_back(p);
    });
    return out;
}

/// `programme.eligibility`: which construction projects a station is due on.
void ScenarioLoader::eligibility(MapReader& m, Programme& p) {
    if (!m.has("eligibility")) return;
    MapReader e(ctx, m.child("eligibility"), m.path("eligibility"));
    if (auto types = string_list(e, "project_types")) {
        p.eligibility.project_types.clear();
        for (const auto& t : *types) {
            if (t != "housing" && t != "municipal")
                e.error("project_types", "unknown project type '" + t + "'; expected housing or municipal");
            else
                p.eligibility.project_types.push_back(t);
        }
        if (types->empty())
            e.error("project_types", "is empty, so no project would be eligible; list housing and/or municipal (房屋建筑, 市政基础设施)");
    }
    if (auto v = e.integer("min_workforce", 0, 1'000'000)) p.eligibility.min_workforce = static_cast<int>(*v);
    if (auto v = e.money("min_contract_cny")) p.eligibility.min_contract_cny = *v;
    if (auto v = e.integer("min_duration_months", 0, 600)) p.eligibility.min_duration_months = static_cast<int>(*v);
}

/// `programme.station_standard`: what a station must have to pass.
void ScenarioLoader::station_standard(MapReader& m, Programme& p) {
    if (!m.has("station_standard")) return;
    MapReader s(ctx, m.child("station_standard"), m.path("station_standard"));
    if (auto v = s.number_in("min_area_m2", 0, 1e6)) p.standard.min_area_m2 = *v;
    if (auto v = string_list(s, "elements")) {
        // The notice's parts 2-5 (四（二）): anything else is a typo or a rule the model has no draw for.
        const std::vector<std::string> known{"facilities", "content", "staff", "funding"};
        for (const auto& el : *v)
            if (std::find(known.begin(), known.end(), el) == known.end()) {
                const std::string hint = closest_match(el, known);
                s.error("elements", "unknown standard element '" + el + "'" + did_you_mean(hint) +
                                        " (the notice's parts: facilities, content, staff, funding)");
            }
        p.standard.elements = *v;
    }
}

/// The keys of `programme:` that only a bases programme uses: its rounds,
/// quotas and what a base must have.
void ScenarioLoader::bases_rules(MapReader& m, Programme& p) {
    if (auto v = m.integer("first_year", 1990, 2100)) p.first_year = static_cast<int>(*v);
    if (auto v = m.integer("rounds", 1, 50)) p.rounds = static_cast<int>(*v);
    if (auto v = m.string("application_due")) {
        auto d = Date::parse("2000-" + *v);
        if (!d) m.error("application_due", "expected a month and day MM-DD, got '" + *v + "'");
        else {
            p.application_due_month = d->month();
            p.application_due_day = d->day();
        }
    }
    if (auto v = string_list(m, "focus_industries")) p.focus_industries = *v;
    if (m.has("quota")) {
        MapReader q(ctx, m.child("quota"), m.path("quota"));
        if (auto v = q.integer("bases", 0, 100'000)) p.quota_bases = static_cast<int>(*v);
        if (auto v = q.integer("demonstration", 0, 100'000)) p.quota_demonstration = static_cast<int>(*v);
        if (p.quota_demonstration > p.quota_bases)
            q.error("demonstration", "more demonstration bases (" + std::to_string(p.quota_demonstration) +
                                         ") than bases (" + std::to_string(p.quota_bases) + ")");
        if (auto v = q.choice("per_round", {"none", "even"}))
            p.round_cap = *v == "even" ? Programme::RoundCap::even : Programme::RoundCap::none;
    }
    if (m.has("base_eligibility")) {
        MapReader e(ctx, m.child("base_eligibility"), m.path("base_eligibility"));
        if (auto v = e.integer("min_trainees", 0, 10'000'000)) p.base_eligibility.min_trainees = static_cast<int>(*v);
        if (auto v = e.probability("min_senior_share")) p.base_eligibility.min_senior_share = *v;
        if (auto v = e.integer("min_equipment_sets", 0, 100'000)) p.base_eligibility.min_equipment_sets = static_cast<int>(*v);
    }
}

std::vector<ReviewStage> ScenarioLoader::review(MapReader& prog, Date run_end) {
    std::vector<ReviewStage> out;
    const WorkCalendar& cal = WorkCalendar::china();
    each_map(prog, "review", [&](MapReader& m, std::size_t) {
        ReviewStage st;
        st.name = m.string("stage", true).value_or("");
        st.name_zh = m.string("zh").value_or("");
        st.working_days = m.boolean("working_days").value_or(false);
        if (st.working_days && run_end.year() > cal.last_year())
            ctx.diag->warning(ctx.at(m.child("working_days"), m.path("working_days")),
                              "the run ends in " + std::to_string(run_end.year()) + ", after the working-day calendar (" +
                                  std::to_string(cal.first_year()) + "-" + std::to_string(cal.last_year()) +
                                  "): from " + std::to_string(cal.last_year() + 1) +
                                  " only weekends count as days off, since the State Council has not yet published those "
                                  "years' holidays, so this stage's deadlines then come a few days early");

        st.pass_probability = m.probability("pass", true).value_or(1);
        st.pass_probability_ineligible = m.probability("pass_ineligible").value_or(st.pass_probability);
        if (auto d = m.days("days", 1, true)) st.days = *d;
        out.push_back(st);
    });
    return out;
}

void ScenarioLoader::grants(MapReader& prog, GrantRule& g) {
    if (!prog.has("grants")) return;
    MapReader m(ctx, prog.child("grants"), prog.path("grants"));
    auto lo = m.money("min_cny", true), hi = m.money("max_cny", true);
    if (lo) g.min_cny = *lo;
    if (hi) g.max_cny = *hi;
    if (lo && hi && *lo > *hi)
        m.error("min_cny", "the smallest grant (" + m.child("min_cny").Scalar() + " CNY) is larger than the largest (max_cny " + m.child("max_cny").Scalar() + " CNY)");
    if (auto r = m.number_in("county_match", 0, 10)) g.county_match_ratio = *r;
    if (auto r = m.choice("on_county_shortfall", {"defer", "reduce", "drop"}))
        g.on_county_shortfall = *r == "defer" ? ShortfallRule::defer : *r == "reduce" ? ShortfallRule::reduce : ShortfallRule::drop;
    if (auto v = m.string("city_payer")) g.city_payer = *v;
    if (auto v = m.string("county_payer")) g.county_payer = *v;
    each_map(m, "tiers", [&](MapReader& t, std::size_t) {
        GrantTier tier;
        tier.name = t.string("name", true).value_or("");
        if (auto c = t.money("cny", true)) {
            tier.cny = *c;
            if (lo && hi && *lo <= *hi && (*c < *lo || *c > *hi))
                t.error("cny", "grant tier '" + tier.name + "' (" + t.child("cny").Scalar() + " CNY) lies outside the grant range " + m.child("min_cny").Scalar() + " .. " + m.child("max_cny").Scalar());
        }
        g.tiers.push_back(tier);
    });
}

/// A bases programme's first round falls within the run.
void ScenarioLoader::check_first_year(const Scenario& s, const YAML::Node& root) const {
    const auto& prog = s.programme;
    auto prog_node = root["programme"];
    if (prog.kind == ProgrammeKind::bases && prog.first_year != 0 && s.run.start.days() != 0 &&
        (prog.first_year < s.run.start.year() || prog.first_year > s.run.end.year()))
        ctx.diag->error(ctx.at(prog_node && prog_node.IsMap() ? static_cast<const YAML::Node&>(prog_node)["first_year"] : YAML::Node(), "programme.first_year"),
                        "the first round (" + std::to_string(prog.first_year) + ") lies outside the run's horizon");
}

}  // namespace tisheng::detail
