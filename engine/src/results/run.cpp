#include "tisheng/results/run.hpp"
#include "tisheng/results/store.hpp"

#include <cctype>
#include <ctime>

#include <algorithm>
#include <cmath>
#include <map>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "tisheng/model/ids.hpp"
#include "tisheng/simulate/counterfactual.hpp"
#include "tisheng/planning/coverage_model.hpp"
#include "tisheng/core/text.hpp"
#include "tisheng/core/files.hpp"
#include "tisheng/io/layers.hpp"
#include "tisheng/core/version.hpp"

namespace tisheng {

namespace fs = std::filesystem;

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

std::string csv_number(double v) {
    if (!std::isfinite(v)) return v > 0 ? "inf" : "";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.10g", v);
    return buf;
}

// Coverage at the end date of the run, on the sites open then in the median
// replication (the report's coverage map): distance to the nearest and 2SFCA
// accessibility per demand point, and the two surfaces.
struct EndCoverage : OpenSitesCoverage {
    CoverageModel model;
};

EndCoverage end_coverage(const Scenario& s, const Results& r) {
    EndCoverage c{{}, CoverageModel(s)};
    // The median replication's open sites at the end: what the report's
    // coverage map shows (Results::median_open_at_end).
    std::vector<std::uint32_t> open;
    for (std::uint32_t j = 0; j < r.median_open_at_end.size(); ++j)
        if (r.median_open_at_end[j]) open.push_back(j);
    static_cast<OpenSitesCoverage&>(c) = c.model.assess(std::move(open), s.coverage.decay, s.coverage.catchment);
    return c;
}

void write_surfaces(const Scenario& s, const EndCoverage& c, const fs::path& dir) {
    const coverage::Grid grid = coverage::region_grid(s.region, s.coverage.cell_m, "coverage.cell_m");
    const std::vector<std::uint8_t> mask = coverage::region_mask(s.region, grid);
    std::vector<MetricPoint> open;
    std::vector<double> ratios;
    for (std::uint32_t j : c.open) {
        open.push_back(c.model.sites[j]);
        ratios.push_back(c.ratios[j]);
    }
    const std::string wkt = s.region.crs().wkt();
    coverage::write_geotiff(dir / "coverage.tif", grid, coverage::distance_surface(grid, open, 0), mask, wkt,
                            "distance to the nearest open site at " + s.run.end.iso() + " (m)");
    coverage::write_geotiff(dir / "access.tif", grid,
                            coverage::access_surface(grid, open, ratios, s.coverage.decay, s.coverage.catchment, 0), mask, wkt,
                            "2SFCA accessibility at " + s.run.end.iso() + " (" + std::string(to_string(s.coverage.decay)) + " decay)");
}

void write_map(const Scenario& s, const Results& r, const EndCoverage& cov, const std::vector<UnitSummary>& summary,
               const fs::path& file) {
    const auto& units = s.region.units();
    const auto& L = r.layout;
    VectorWriter w(file, "GPKG");
    // Units: the inputs' counts, then P(met) of each per-unit target.
    std::vector<FieldDef> unit_fields{{"unit_id", T::text}, {"name", T::text}, {"name_en", T::text}, {"area_km2", T::real},
                                      {"projects", T::integer}, {"eligible_projects", T::integer}, {"stations", T::integer},
                                      {"bases", T::integer}, {"eligible_bases", T::integer}, {"demand_points", T::integer},
                                      {"workers", T::integer}};
    // p_met[unit]: P(met) and the median measure of each per-unit check
    // (target, then date), in layout order.
    std::vector<std::vector<FieldValue>> p_met(units.size());
    for (std::size_t k = 0; k < L.checks.size(); ++k) {
        const Check& c = L.checks[k];
        if (c.unit < 0) continue;
        if (c.unit == 0) {
            const std::string col = check_column(s.programme.targets[c.target], c.date);
            unit_fields.push_back({"p_met_" + col, T::real});
            unit_fields.push_back({"p50_" + col, T::real});
            unit_fields.push_back({"required_" + col, T::real});
        }
        auto& v = p_met[static_cast<std::size_t>(c.unit)];
        v.emplace_back(r.checks[k].p_met);
        v.emplace_back(r.checks[k].value.p50);
        v.emplace_back(c.required);
    }
    w.begin_layer("units", GeomKind::multipolygon, unit_fields);
    for (std::size_t i = 0; i < units.size(); ++i) {
        const auto& u = units[i];
        const auto& c = summary[i];
        std::vector<FieldValue> v{u.id, u.name, u.name_en, u.area_km2, std::int64_t(c.projects), std::int64_t(c.eligible_projects),
                                  std::int64_t(c.stations), std::int64_t(c.bases), std::int64_t(c.eligible_bases),
                                  std::int64_t(c.demand_points), std::int64_t(c.workers)};
        v.insert(v.end(), p_met[i].begin(), p_met[i].end());
        w.add(u.geometry, v);
    }
    std::vector<FieldDef> project_fields{{"project_id", T::text}, {"name", T::text}, {"enterprise", T::text}, {"type", T::text},
                                         {"unit_id", T::text}, {"address", T::text}, {"start", T::date}, {"planned_end", T::date},
                                         {"workforce", T::integer}, {"contract_cny", T::real}, {"eligible", T::integer}};
    for (const Date& d : r.project_deadlines) project_fields.push_back({p_built_column(d), T::real});
    project_fields.push_back({"p_open_at_end", T::real});
    // 1 where the median replication has the site open at the end: the sites
    // of the coverage map, coverage.tif and the demand layer's nearest_open_m.
    project_fields.push_back({"open_in_median", T::integer});
    auto open_in_median = [&](std::size_t i) { return std::int64_t(i < r.median_open_at_end.size() && r.median_open_at_end[i]); };
    w.begin_layer("projects", GeomKind::point, project_fields);
    for (std::size_t i = 0; i < s.sites.projects.size(); ++i) {
        const auto& p = s.sites.projects[i];
        std::vector<FieldValue> v{p.id, p.name, p.enterprise, std::string(to_string(p.type)), units[p.unit].id, p.address,
                                  p.start.iso(), p.planned_end.iso(), std::int64_t(p.workforce), p.contract_cny,
                                  std::int64_t(is_eligible(p, s.programme.eligibility))};
        for (const auto& col : r.project_p_built) v.emplace_back(double(col[i]));
        v.emplace_back(double(r.site_p_open_at_end[i]));
        v.emplace_back(open_in_median(i));
        w.add(p.pos, v);
    }
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
                   {"track", T::text}, {"eligible", T::integer}, {"p_named", T::real}, {"p_demonstration", T::real},
                   {"median_grant_cny", T::real}, {"p_open_at_end", T::real}, {"open_in_median", T::integer}});
    for (std::size_t i = 0; i < s.sites.bases.size(); ++i) {
        const auto& b = s.sites.bases[i];
        w.add(b.pos, {b.id, b.name, std::string(to_string(b.attribute)), std::string(1, b.category), b.industry,
                      units[b.unit].id, b.address, std::int64_t(b.annual_trainees), b.senior_share,
                      std::int64_t(b.equipment_sets), std::int64_t(b.recognised), std::string(b.existing ? "existing" : "new"),
                      std::int64_t(is_eligible(b, s.programme.base_eligibility)), double(r.base_p_named[i]),
                      double(r.base_p_demonstration[i]), double(r.base_median_grant_cny[i]), double(r.site_p_open_at_end[i]),
                      open_in_median(i)});
    }
    // Demand as coverage sees it (the projects' workforce, or the demand
    // points), with its reach at the end date.
    w.begin_layer("demand", GeomKind::point,
                  {{"demand_id", T::text}, {"industry", T::text}, {"unit_id", T::text}, {"workers", T::integer},
                   {"nearest_open_" + r.layout.radius_unit, T::real}, {"access", T::real}});
    const CoverageModel& m = cov.model;
    for (std::size_t i = 0; i < m.demand.size(); ++i) {
        const LonLat pos = s.programme.kind == ProgrammeKind::stations ? s.sites.projects[i].pos : s.sites.demand[i].pos;
        const FieldValue nearest = std::isfinite(cov.nearest[i]) ? FieldValue(cov.nearest[i]) : FieldValue();
        w.add(pos, {m.demand_ids[i], m.industries[m.demand_industry[i]], units[m.demand_unit[i]].id, std::int64_t(m.workers[i]),
                    nearest, cov.access[i]});
    }
    w.commit();
}

void write_timeseries(const Scenario& s, const Results& r, const fs::path& file) {
    const auto& L = r.layout;
    std::string out = "date,unit,metric,p05,p50,p95\n";
    out.reserve(L.series_size() * 48);
    for (std::size_t t = 0; t < L.months.size(); ++t) {
        const std::string date = L.months[t].iso();
        for (std::size_t row = 0; row < L.rows; ++row) {
            const std::string unit = row == L.all_row() ? std::string("all") : s.region.units()[row].id;
            for (std::size_t m = 0; m < L.metrics.size(); ++m) {
                const Quantiles& q = r.series[L.series_index(m, row, t)];
                out += date + ',' + unit + ',' + L.metrics[m] + ',' + csv_number(q.p05) + ',' + csv_number(q.p50) + ',' +
                       csv_number(q.p95) + '\n';
            }
        }
    }
    write_file_atomic(file, out);
}

nlohmann::ordered_json money(double v) {
    return std::isfinite(v) ? nlohmann::ordered_json(std::round(v)) : nlohmann::ordered_json("unlimited");
}

nlohmann::ordered_json quantiles_json(const Quantiles& q) { return {{"p05", q.p05}, {"p50", q.p50}, {"p95", q.p95}}; }

// Shares within each radius at the end date (over replications), by unit,
// by industry and city-wide; distance and accessibility on the sites open in
// the median replication, worker-weighted.
nlohmann::ordered_json coverage_json(const Scenario& s, const Results& r, const EndCoverage& cov) {
    const auto& L = r.layout;
    const CoverageModel& m = cov.model;
    const std::size_t last = L.months.size() - 1, K = L.radii.size();
    nlohmann::ordered_json j;
    j["date"] = L.months[last].iso();
    j["radius_unit"] = L.radius_unit;
    j["radii"] = L.radii;
    j["cost_matrix"] = s.coverage.cost_matrix ? nlohmann::ordered_json(s.coverage.cost_matrix->shown) : nlohmann::ordered_json(nullptr);
    j["match_industry"] = s.coverage.match_industry;
    // The DESIGN.md headline: the radius closest to 3 km and its median share.
    const std::size_t head = L.headline_radius();
    j["radius_m"] = L.radii[head];
    j["share_workers_p50"] = r.series[L.series_index(L.first_coverage_metric + head, L.all_row(), last)].p50;
    nlohmann::ordered_json within = nlohmann::ordered_json::array();
    for (std::size_t k = 0; k < K; ++k) {
        nlohmann::ordered_json rk{{"radius", L.radii[k]}};
        rk["all"] = quantiles_json(r.series[L.series_index(L.first_coverage_metric + k, L.all_row(), last)]);
        nlohmann::ordered_json by_unit = nlohmann::ordered_json::array();
        if (L.per_unit_series())
            for (std::size_t u = 0; u < L.units; ++u) {
                nlohmann::ordered_json uj{{"unit", s.region.units()[u].id}, {"name", s.region.units()[u].name}};
                uj.update(quantiles_json(r.series[L.series_index(L.first_coverage_metric + k, u, last)]));
                by_unit.push_back(uj);
            }
        rk["by_unit"] = by_unit;
        nlohmann::ordered_json by_industry = nlohmann::ordered_json::array();
        for (std::size_t i = 0; i < L.industries.size(); ++i) {
            nlohmann::ordered_json ij{{"industry", L.industries[i]}};
            ij.update(quantiles_json(r.covered_by_industry[i * K + k]));
            by_industry.push_back(ij);
        }
        rk["by_industry"] = by_industry;
        within.push_back(rk);
    }
    j["share_within"] = within;

    // Worker-weighted means over the demand of each unit, on the median replication's open sites.
    std::vector<double> w(L.units + 1, 0), dist(L.units + 1, 0), acc(L.units + 1, 0), unreached(L.units + 1, 0);
    for (std::size_t i = 0; i < m.demand.size(); ++i)
        for (std::size_t u : {static_cast<std::size_t>(m.demand_unit[i]), L.units}) {
            w[u] += m.workers[i];
            acc[u] += m.workers[i] * cov.access[i];
            if (std::isfinite(cov.nearest[i])) dist[u] += m.workers[i] * cov.nearest[i];
            else unreached[u] += m.workers[i];
        }
    auto mean = [](double sum, double weight) { return weight > 0 ? nlohmann::ordered_json(sum / weight) : nlohmann::ordered_json(nullptr); };
    nlohmann::ordered_json units = nlohmann::ordered_json::array();
    for (std::size_t u = 0; u <= L.units; ++u)
        units.push_back({{"unit", u < L.units ? s.region.units()[u].id : std::string("all")},
                         {"workers", w[u]},
                         {"mean_nearest", mean(dist[u], w[u] - unreached[u])},
                         {"workers_without_site", unreached[u]},
                         {"mean_access", mean(acc[u], w[u])}});
    j["open_sites_at_end"] = cov.open.size();
    j["open_sites_of_replication"] = r.median_replication;
    j["access"] = {{"method", s.coverage.decay == coverage::Decay::none ? "2SFCA" : "E2SFCA"},
                   {"decay", to_string(s.coverage.decay)},
                   {"catchment", s.coverage.catchment},
                   {"supply", s.programme.kind == ProgrammeKind::stations ? "stations" : "annual trainees"}};
    j["at_end_by_unit"] = units;
    j["surfaces"] = {{"coverage.tif", "distance to the nearest site open at the end in the median replication (m), Euclidean"},
                     {"access.tif", "2SFCA accessibility, Euclidean catchment"},
                     {"cell_m", s.coverage.cell_m}};
    return j;
}

}  // namespace

std::string check_column(const Target& t, Date d) {
    std::string col = t.id;
    if (t.recurring()) {
        col += '_';
        col += d.iso();
    }
    for (char& ch : col)
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
    return col;
}

std::string p_built_column(Date d) {
    std::string iso = d.iso();
    std::replace(iso.begin(), iso.end(), '-', '_');
    return "p_built_" + iso;
}

std::string lever_label(const Scenario& s, const Lever& l, std::string_view lang) {
    if (l.kind != Lever::Kind::payer) return s.labels.name("lever:" + l.id, lang);
    const std::string payer = s.labels.name("payer:" + l.payer, lang);
    return lang == "en" ? payer + " unlimited" : payer + "不限";
}

std::string lever_set_label(const Scenario& s, const Counterfactuals& cf, const std::vector<std::size_t>& set, std::string_view lang) {
    std::string out;
    for (std::size_t i : set) out += (out.empty() ? "" : lang == "en" ? " + " : "＋") + lever_label(s, cf.levers[i], lang);
    return out;
}

nlohmann::ordered_json what_would_fix_json(const Scenario& s, const Results& r) {
    const Counterfactuals& cf = *r.fixes;
    nlohmann::ordered_json j;
    j["method"] = "a sample of the replications (evenly spaced, plus 10 misses and 10 met replications of each missed check) is run "
                  "again with the lever relaxed and every random stream the same; p_met_if = p_met * the share of the re-run met "
                  "replications still met + (1 - p_met) * the share of the re-run misses then met";
    j["sample"] = cf.sample;
    j["sets_run"] = cf.sets_run;
    j["max_sets"] = cf.max_sets;
    j["fix_share"] = cf.fix_share;
    nlohmann::ordered_json lv = nlohmann::ordered_json::array();
    for (const Lever& l : cf.levers) lv.push_back({{"id", l.id}, {"zh", lever_label(s, l, "zh")}, {"en", lever_label(s, l, "en")}});
    j["levers"] = lv;
    nlohmann::ordered_json checks = nlohmann::ordered_json::array();
    const auto& L = r.layout;
    for (const Fix& f : cf.fixes) {
        const Check& c = L.checks[f.check];
        const double p = r.checks[f.check].p_met;
        nlohmann::ordered_json e{{"id", s.programme.targets[c.target].id},
                                 {"unit", unit_id(s.region, c.unit)},
                                 {"date", c.date.iso()},
                                 {"p_met", p},
                                 {"missed", f.missed},
                                 {"rerun", f.rerun}};
        nlohmann::ordered_json by = nlohmann::ordered_json::object();
        for (std::size_t l = 0; l < cf.levers.size(); ++l) by[cf.levers[l].id] = f.p_if(l, p);
        e["p_met_if"] = by;
        nlohmann::ordered_json set = nlohmann::ordered_json::array();
        for (std::size_t l : f.smallest) set.push_back(cf.levers[l].id);
        e["smallest_set"] = set;
        e["smallest_set_label"] = f.smallest.empty() ? std::string() : lever_set_label(s, cf, f.smallest, "en");
        e["p_met_smallest_set"] = f.smallest.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(f.p_smallest(p));
        e["smallest_set_capped"] = f.capped;
        e["p_met_all_levers"] = f.p_all(p);
        e["all_levers_value_p05"] = f.all_value.p05;
        e["all_levers_value_p50"] = f.all_value.p50;
        e["all_levers_value_p95"] = f.all_value.p95;
        checks.push_back(e);
    }
    j["checks"] = checks;
    return j;
}

nlohmann::ordered_json representative_json(const Scenario& s, const Results& r) {
    const bool stations = s.programme.kind == ProgrammeKind::stations;
    nlohmann::ordered_json j{{"replication", r.representative_replication},
                             {"date", s.run.report_date.iso()},
                             {"measure", stations ? "stations_open" : "bases_named"},
                             {"p05", r.report_count.p05},
                             {"p50", r.report_count.p50},
                             {"p95", r.report_count.p95}};
    nlohmann::ordered_json counts = nlohmann::ordered_json::object();
    // Stations: the four kinds that exist at the date (the 情况表's 拟建, 在建,
    // 在建 being fixed, 已建); bases: every status.
    for (std::size_t k = 0; k < r.report_status.size(); ++k) {
        const auto st = static_cast<StationStatus>(k);
        if (stations && st != StationStatus::planned && st != StationStatus::under_construction && st != StationStatus::failed_standard &&
            st != StationStatus::built)
            continue;
        const std::string name(stations ? to_string(st) : to_string(static_cast<BaseStatus>(k)));
        if (name != "?") counts[name] = r.report_status[k];
    }
    j["status_counts"] = counts;
    if (!stations) {
        // How the candidates end up, on average over the replications. An
        // ineligible candidate's rejection is the rules working, not a miss.
        nlohmann::ordered_json outcomes = nlohmann::ordered_json::object();
        for (std::size_t k = 0; k < r.report_status_mean.size(); ++k) {
            const std::string name(outcome_name(static_cast<BaseStatus>(k)));
            if (name != "?") outcomes[name] = r.report_status_mean[k];
        }
        j["mean_outcomes"] = outcomes;
    }
    return j;
}

std::string utc_now() {
    const std::time_t now = output_time();
    std::tm utc{};
    gmtime_r(&now, &utc);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return buf;
}

void write_run_directory(const Scenario& s, const Results& r, const fs::path& dir, const std::string& created) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw Error(dir.string() + ": cannot create the run directory: " + ec.message());
    auto summary = summarise(s);
    const EndCoverage cov = end_coverage(s, r);
    write_surfaces(s, cov, dir);
    write_map(s, r, cov, summary, dir / "map.gpkg");
    write_timeseries(s, r, dir / "timeseries.csv");
    const auto& L = r.layout;

    nlohmann::ordered_json j;
    j["scenario"] = s.name;
    j["title"] = s.title;
    j["scenario_file"] = s.file.string();
    j["scenario_hash"] = "fnv1a64:" + s.hash;
    nlohmann::ordered_json data = nlohmann::ordered_json::array();
    for (const auto& [path, digest] : s.data_digests) data.push_back({{"path", path}, {"digest", "fnv1a64:" + digest}});
    j["data_files"] = data;
    j["overrides"] = s.overrides;
    // The folder's own copy of what the run read (store.hpp), when written.
    if (fs::exists(dir / "input" / "scenario.yaml")) {
        nlohmann::ordered_json files = nlohmann::ordered_json::object();
        for (const auto& [role, path] : s.data_paths) {
            const fs::path copy = input_copy(role, path);
            files[role] = {{"path", copy.generic_string()}, {"digest", "fnv1a64:" + fnv1a_hex(read_file(dir / copy, (dir / copy).string()))}};
        }
        j["input"] = {{"scenario", "input/scenario.yaml"}, {"files", files}, {"results", "results.bin"}};
    }
    j["programme"] = s.programme.name;
    j["seed"] = s.run.seed;
    j["replications"] = r.replications;
    j["engine_version"] = engine_version();
    j["created"] = created.empty() ? utc_now() : created;
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

    // One entry per check: target, unit ('all' for programme totals) and
    // date (a recurring target has one per check date). value_*: the
    // measure's percentiles at the date; missing_*: due projects without a
    // built station (shares) or how many short (counts); first_met_*: the
    // first month end the measure reached the required value (null: not in
    // that share of replications by the end).
    auto day_or_null = [](std::int32_t d) -> nlohmann::ordered_json {
        if (d == never) return nullptr;
        return Date::from_days(d).iso();
    };
    nlohmann::ordered_json targets = nlohmann::ordered_json::array();
    for (std::size_t k = 0; k < L.checks.size(); ++k) {
        const Check& c = L.checks[k];
        const Target& t = s.programme.targets[c.target];
        const auto& cr = r.checks[k];
        nlohmann::ordered_json tj{{"id", t.id}, {"label", s.labels.name("target:" + t.id)}, {"measure", to_string(t.measure)}};
        tj["unit"] = unit_id(s.region, c.unit);
        tj["name"] = c.unit == all_units ? s.region.name() : s.region.unit(static_cast<UnitIndex>(c.unit)).name;
        tj["date"] = c.date.iso();
        if (t.recurring()) tj["from"] = t.deadline.iso();
        tj["required"] = c.required;
        tj["p_met"] = cr.p_met;
        if (t.recurring()) tj["p_met_every_date"] = p_met_all_dates(r, k);
        tj["value_p05"] = cr.value.p05;
        tj["value_p50"] = cr.value.p50;
        tj["value_p95"] = cr.value.p95;
        tj["missing_p05"] = cr.missing.p05;
        tj["missing_p50"] = cr.missing.p50;
        tj["missing_p95"] = cr.missing.p95;
        tj["first_met_p05"] = day_or_null(cr.first_met_p05);
        tj["first_met_p50"] = day_or_null(cr.first_met_p50);
        tj["first_met_p95"] = day_or_null(cr.first_met_p95);
        targets.push_back(tj);
    }
    // Programme totals without a requirement, at the end of the horizon.
    const std::size_t last = L.months.empty() ? 0 : L.months.size() - 1;
    for (const char* metric : {"trainees_per_year", "senior_trainees_per_year"}) {
        auto it = std::find(L.metrics.begin(), L.metrics.end(), metric);
        if (it == L.metrics.end() || L.months.empty()) continue;
        const Quantiles& q = r.series[L.series_index(static_cast<std::size_t>(it - L.metrics.begin()), L.all_row(), last)];
        targets.push_back({{"id", metric}, {"measure", metric}, {"unit", "all"}, {"name", s.region.name()},
                           {"date", L.months[last].iso()}, {"required", nullptr}, {"p_met", nullptr},
                           {"value_p05", q.p05}, {"value_p50", q.p50}, {"value_p95", q.p95}});
    }
    j["targets"] = targets;

    nlohmann::ordered_json payers = nlohmann::ordered_json::array();
    for (std::size_t p = 0; p < r.payers.size(); ++p) {
        const auto& pr = r.payers[p];
        double allocated = 0;
        for (double a : pr.allocated_by_year) allocated += a;
        nlohmann::ordered_json pj{{"payer", pr.id}, {"name", s.budgets.payers[p].name}, {"allocated_cny", money(allocated)},
                                  {"spent_p05_cny", money(pr.spent.p05)}, {"spent_p50_cny", money(pr.spent.p50)},
                                  {"spent_p95_cny", money(pr.spent.p95)}, {"short_p50_cny", money(pr.short_cny.p50)},
                                  {"short_p95_cny", money(pr.short_cny.p95)}};
        nlohmann::ordered_json years = nlohmann::ordered_json::array();
        for (std::size_t y = 0; y < pr.allocated_by_year.size(); ++y)
            years.push_back({{"year", L.first_year + static_cast<int>(y)}, {"allocated_cny", money(pr.allocated_by_year[y])},
                             {"spent_p50_cny", money(pr.spent_p50_by_year[y])}});
        pj["by_year"] = years;
        payers.push_back(pj);
    }
    j["budget"] = payers;
    j["representative"] = representative_json(s, r);
    if (r.fixes) j["what_would_fix"] = what_would_fix_json(s, r);
    j["coverage"] = coverage_json(s, r, cov);
    write_file_atomic(dir / "run.json", j.dump(2) + "\n");
}

std::vector<std::string> changed_since(const RunRecord& rec, const Scenario& s) {
    std::vector<std::string> out;
    if ("fnv1a64:" + s.hash != rec.hash)
        out.push_back("the scenario " + s.file.string() + " or its --set edits (" + rec.hash + ", now fnv1a64:" + s.hash + ")");
    if (rec.data_digests.empty()) return out;  // a run made before data files were digested: the scenario alone
    std::map<std::string, std::string> now;
    for (const auto& [path, digest] : s.data_digests) now[path] = "fnv1a64:" + digest;
    for (const auto& [path, digest] : rec.data_digests) {
        auto it = now.find(path);
        if (it == now.end()) out.push_back(path + " (no longer read)");
        else if (it->second != digest) out.push_back(path + " (" + digest + ", now " + it->second + ")");
    }
    for (const auto& [path, digest] : now)
        if (std::none_of(rec.data_digests.begin(), rec.data_digests.end(), [&p = path](const auto& d) { return d.first == p; }))
            out.push_back(path + " (not read by the run)");
    if (!rec.engine_version.empty() && rec.engine_version != engine_version())
        out.push_back("the engine (" + rec.engine_version + ", now " + engine_version() + ")");
    return out;
}

RunRecord read_run_record(const fs::path& dir) {
    const fs::path json = dir / "run.json";
    if (!fs::is_directory(dir) || !fs::exists(json))
        throw InputError({dir.string()}, "not a run directory: it has no run.json (expected the output of `tisheng run`)");
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(read_file(json, json.string()));
    } catch (const nlohmann::json::exception& e) {
        throw InputError({json.string()}, std::string("not valid JSON: ") + e.what());
    }
    auto text = [&](const char* key) -> std::string {
        if (!j.contains(key) || !j[key].is_string()) throw InputError({json.string(), 0, 0, "", key}, "missing; expected text");
        return j[key].get<std::string>();
    };
    RunRecord r;
    r.scenario = r.scenario_file = text("scenario_file");
    if (j.contains("input") && j["input"].is_object()) {
        const auto& in = j["input"];
        if (in.contains("scenario") && in["scenario"].is_string() && fs::exists(dir / in["scenario"].get<std::string>()))
            r.scenario = dir / in["scenario"].get<std::string>();
        if (in.contains("files") && in["files"].is_object())
            for (const auto& [role, f] : in["files"].items())
                if (f.is_object() && f.contains("path") && f["path"].is_string() && f.contains("digest") && f["digest"].is_string())
                    r.input_files[role] = {f["path"].get<std::string>(), f["digest"].get<std::string>()};
    }
    if (r.scenario.is_relative() && !fs::exists(r.scenario) && fs::exists(dir.parent_path() / r.scenario)) r.scenario = dir.parent_path() / r.scenario;
    if (!fs::exists(r.scenario))
        throw InputError({json.string(), 0, 0, "", "scenario_file"}, "the scenario '" + r.scenario.string() + "' no longer exists");
    r.hash = text("scenario_hash");
    if (j.contains("overrides") && j["overrides"].is_array())
        for (const auto& o : j["overrides"])
            if (o.is_string()) r.overrides.push_back(o.get<std::string>());
    if (!j.contains("replications") || !j["replications"].is_number_integer())
        throw InputError({json.string(), 0, 0, "", "replications"}, "missing; expected the number of replications");
    r.replications = j["replications"].get<int>();
    if (j.contains("seed") && j["seed"].is_number_unsigned()) r.seed = j["seed"].get<std::uint64_t>();
    if (j.contains("created") && j["created"].is_string()) r.created = j["created"].get<std::string>();
    if (j.contains("data_files") && j["data_files"].is_array())
        for (const auto& f : j["data_files"])
            if (f.is_object() && f.contains("path") && f["path"].is_string() && f.contains("digest") && f["digest"].is_string())
                r.data_digests.emplace_back(f["path"].get<std::string>(), f["digest"].get<std::string>());
    if (j.contains("engine_version") && j["engine_version"].is_string()) r.engine_version = j["engine_version"].get<std::string>();
    return r;
}

}  // namespace tisheng
