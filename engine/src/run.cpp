#include "tisheng/run.hpp"

#include <chrono>
#include <nlohmann/json.hpp>

#include "tisheng/io.hpp"

namespace tisheng {

namespace fs = std::filesystem;

std::string engine_version() { return TISHENG_VERSION; }

std::vector<UnitSummary> summarise(const Scenario& s) {
    std::vector<UnitSummary> out;
    for (const auto& u : s.region.units()) out.push_back({u.id, u.name});
    const bool stations = s.programme.kind == ProgrammeKind::stations;
    for (const auto& p : s.sites.projects) {
        auto& u = out[p.unit];
        ++u.projects;
        if (is_eligible(p, s.programme.eligibility)) ++u.eligible_projects;
        if (stations) u.workers += p.workforce;
    }
    for (const auto& c : s.sites.stations) ++out[c.unit].stations;
    for (const auto& b : s.sites.bases) {
        ++out[b.unit].bases;
        if (is_eligible(b, s.programme.base_eligibility)) ++out[b.unit].eligible_bases;
    }
    for (const auto& d : s.sites.demand) {
        ++out[d.unit].demand_points;
        if (!stations) out[d.unit].workers += d.workers;
    }
    return out;
}

namespace {

using T = FieldDef::Type;

void write_map(const Scenario& s, const std::vector<UnitSummary>& summary, const fs::path& file) {
    const auto& units = s.region.units();
    VectorWriter w(file, "GPKG");
    w.begin_layer("units", GeomKind::multipolygon,
                  {{"unit_id", T::text}, {"name", T::text}, {"name_en", T::text}, {"area_km2", T::real},
                   {"projects", T::integer}, {"eligible_projects", T::integer}, {"stations", T::integer},
                   {"bases", T::integer}, {"eligible_bases", T::integer}, {"demand_points", T::integer},
                   {"workers", T::integer}});
    for (std::size_t i = 0; i < units.size(); ++i) {
        const auto& u = units[i];
        const auto& c = summary[i];
        w.add(u.geometry, {u.id, u.name, u.name_en, u.area_km2, std::int64_t(c.projects), std::int64_t(c.eligible_projects),
                           std::int64_t(c.stations), std::int64_t(c.bases), std::int64_t(c.eligible_bases),
                           std::int64_t(c.demand_points), std::int64_t(c.workers)});
    }
    w.begin_layer("projects", GeomKind::point,
                  {{"project_id", T::text}, {"name", T::text}, {"enterprise", T::text}, {"type", T::text},
                   {"unit_id", T::text}, {"address", T::text}, {"start", T::date}, {"planned_end", T::date},
                   {"workforce", T::integer}, {"contract_cny", T::real}, {"eligible", T::integer}});
    for (const auto& p : s.sites.projects)
        w.add(p.pos, {p.id, p.name, p.enterprise, std::string(to_string(p.type)), units[p.unit].id, p.address,
                      p.start.iso(), p.planned_end.iso(), std::int64_t(p.workforce), p.contract_cny,
                      std::int64_t(is_eligible(p, s.programme.eligibility))});
    w.begin_layer("stations", GeomKind::point,
                  {{"site_id", T::text}, {"name", T::text}, {"kind", T::text}, {"unit_id", T::text},
                   {"address", T::text}, {"area_m2", T::real}, {"capacity", T::integer}});
    for (const auto& c : s.sites.stations)
        w.add(c.pos, {c.id, c.name, std::string(to_string(c.kind)), units[c.unit].id, c.address, c.area_m2,
                      std::int64_t(c.capacity)});
    w.begin_layer("bases", GeomKind::point,
                  {{"base_id", T::text}, {"name", T::text}, {"attribute", T::text}, {"category", T::text},
                   {"industry", T::text}, {"unit_id", T::text}, {"address", T::text}, {"annual_trainees", T::integer},
                   {"senior_share", T::real}, {"equipment_sets", T::integer}, {"recognised", T::integer},
                   {"track", T::text}, {"eligible", T::integer}});
    for (const auto& b : s.sites.bases)
        w.add(b.pos, {b.id, b.name, std::string(to_string(b.attribute)), std::string(1, b.category), b.industry,
                      units[b.unit].id, b.address, std::int64_t(b.annual_trainees), b.senior_share,
                      std::int64_t(b.equipment_sets), std::int64_t(b.recognised), std::string(b.existing ? "existing" : "new"),
                      std::int64_t(is_eligible(b, s.programme.base_eligibility))});
    w.begin_layer("demand", GeomKind::point,
                  {{"demand_id", T::text}, {"industry", T::text}, {"unit_id", T::text}, {"workers", T::integer}});
    if (s.sites.demand.empty() && s.programme.kind == ProgrammeKind::stations) {
        // Jiangmen's demand is the workforce on the projects themselves.
        for (const auto& p : s.sites.projects)
            w.add(p.pos, {p.id, std::string("construction"), units[p.unit].id, std::int64_t(p.workforce)});
    } else {
        for (const auto& d : s.sites.demand)
            w.add(d.pos, {d.id, d.industry, units[d.unit].id, std::int64_t(d.workers)});
    }
    w.commit();
}

}  // namespace

void write_run_directory(const Scenario& s, const fs::path& dir) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw Error(dir.string() + ": cannot create the run directory: " + ec.message());
    auto summary = summarise(s);
    write_map(s, summary, dir / "map.gpkg");

    nlohmann::ordered_json j;
    j["scenario"] = s.name;
    j["title"] = s.title;
    j["scenario_file"] = s.file.string();
    j["scenario_hash"] = "fnv1a64:" + s.hash;
    j["overrides"] = s.overrides;
    j["programme"] = s.programme.name;
    j["seed"] = s.run.seed;
    j["replications"] = s.run.replications;
    j["engine_version"] = engine_version();
    j["horizon"] = {{"start", s.run.start.iso()}, {"end", s.run.end.iso()}, {"report_date", s.run.report_date.iso()}};
    j["region"] = {{"name", s.region.name()}, {"code", s.region.code()}, {"metric_crs", "EPSG:" + std::to_string(s.region.crs().epsg())}};
    auto& inputs = j["inputs"];
    inputs["units"] = s.region.units().size();
    inputs["projects"] = s.sites.projects.size();
    inputs["stations"] = s.sites.stations.size();
    inputs["bases"] = s.sites.bases.size();
    inputs["demand"] = s.sites.demand.size();
    nlohmann::ordered_json per_unit = nlohmann::ordered_json::array();
    for (const auto& u : summary)
        per_unit.push_back({{"unit", u.id}, {"name", u.name}, {"projects", u.projects}, {"eligible_projects", u.eligible_projects},
                            {"stations", u.stations}, {"bases", u.bases}, {"eligible_bases", u.eligible_bases},
                            {"demand_points", u.demand_points}, {"workers", u.workers}});
    inputs["per_unit"] = per_unit;
    nlohmann::ordered_json targets = nlohmann::ordered_json::array();
    for (const auto& t : s.programme.targets) {
        nlohmann::ordered_json tj{{"id", t.id}, {"measure", to_string(t.measure)},
                                  {t.recurring ? "from" : "deadline", t.deadline.iso()}};
        if (t.city_wide)
            tj["required"] = {{"all", t.required_default}};
        else {
            nlohmann::ordered_json req;
            for (const auto& u : s.region.units()) req[u.id] = t.required_for(u.id);
            tj["required"] = req;
        }
        targets.push_back(tj);
    }
    // The simulation's outcomes (p_met, built percentiles, budget use) come
    // with `simulate`; until then run.json states the targets only.
    j["targets"] = targets;
    nlohmann::ordered_json payers = nlohmann::ordered_json::array();
    for (const auto& p : s.budgets.payers) {
        nlohmann::ordered_json pj{{"payer", p.id}, {"name", p.name}};
        pj["annual_cny"] = p.annual_cny ? nlohmann::ordered_json(*p.annual_cny) : nlohmann::ordered_json("unlimited");
        payers.push_back(pj);
    }
    j["budget"] = payers;
    write_file_atomic(dir / "run.json", j.dump(2) + "\n");
}

}  // namespace tisheng
