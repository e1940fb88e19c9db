// The run's report.html (see report.hpp): the page, its tables and sections;
// the maps and charts are drawn in report_figures.cpp. Every share is
// written by format_share, every count by format_count; every id by its
// display name (Scenario::labels), the id itself in small print beside it.
#include "tisheng/report/report.hpp"
#include "tisheng/analysis/sensitivity.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "core/detail/html.hpp"
#include "report/detail/report.hpp"
#include "tisheng/planning/coverage_model.hpp"
#include "tisheng/core/files.hpp"
#include "tisheng/results/run.hpp"
#include "tisheng/core/version.hpp"
#include "tisheng/model/ids.hpp"

namespace fs = std::filesystem;

namespace tisheng {

std::string format_share(double share) { return detail::html::percent(share); }
std::string format_count(double count) { return detail::html::whole(count); }
std::string format_value(Measure m, double v) {
    return m == Measure::share_eligible_with_station ? format_share(v) : format_count(v);
}

CoverageSnapshot coverage_snapshot(const Scenario& s, const Results& r) {
    const Layout& L = r.layout;
    CoverageSnapshot c;
    c.replication = r.median_replication;
    c.date = s.run.end;
    c.radii = L.radii;
    c.radius_unit = L.radius_unit;
    if (L.radii.empty() || L.months.empty()) return c;
    c.headline = L.headline_radius();
    const CoverageModel model(s);
    std::vector<std::uint32_t> open;
    for (std::uint32_t j = 0; j < r.median_open_at_end.size() && j < model.sites.size(); ++j)
        if (r.median_open_at_end[j]) {
            open.push_back(j);
            c.open_sites.push_back(model.sites[j]);
        }
    c.demand = model.demand;
    c.unit = model.demand_unit;
    c.workers = model.workers;
    if (!r.median_workers_at_end.empty()) c.workers.assign(r.median_workers_at_end.begin(), r.median_workers_at_end.end());
    const std::size_t n = c.demand.size(), K = c.radii.size(), U = s.region.units().size();
    // The nearest open site within the largest radius, as coverage counts it
    // (the same pairs, of the point's own industry when match_industry).
    std::vector<float> best(n, std::numeric_limits<float>::infinity());
    if (!open.empty()) {
        const coverage::Reach pairs = model.reach(c.radii.back(), 0, &open);
        for (std::size_t j = 0; j < pairs.sites(); ++j)
            for (std::uint32_t p = pairs.offset[j]; p < pairs.offset[j + 1]; ++p) best[pairs.demand[p]] = std::min(best[pairs.demand[p]], pairs.cost[p]);
    }
    c.radius_class.assign(n, static_cast<std::uint8_t>(K));
    for (std::size_t i = 0; i < n; ++i)
        if (std::isfinite(best[i]))
            c.radius_class[i] = static_cast<std::uint8_t>(std::lower_bound(c.radii.begin(), c.radii.end(), static_cast<double>(best[i])) - c.radii.begin());
    std::vector<double> covered(K, 0), unit_total(U, 0);
    std::vector<std::vector<double>> unit_covered(U, std::vector<double>(K, 0));
    for (std::size_t i = 0; i < n; ++i) {
        const double w = c.workers[i];
        c.total_workers += w;
        unit_total[c.unit[i]] += w;
        for (std::size_t k = c.radius_class[i]; k < K; ++k) {
            covered[k] += w;
            unit_covered[c.unit[i]][k] += w;
        }
    }
    for (std::size_t k = 0; k < K; ++k) c.share.push_back(c.total_workers > 0 ? covered[k] / c.total_workers : 1.0);
    c.share_by_unit.assign(U, std::vector<double>(K, 1.0));
    for (std::size_t u = 0; u < U; ++u)
        for (std::size_t k = 0; k < K; ++k)
            if (unit_total[u] > 0) c.share_by_unit[u][k] = unit_covered[u][k] / unit_total[u];
    c.simulated_share = r.median_covered_at_end;
    return c;
}
namespace detail::report {

using namespace html;

std::string fmt(const char* f, double a, double b, double c, double d) {
    char buf[160];
    std::snprintf(buf, sizeof buf, f, a, b, c, d);
    return buf;
}

// ---- names and numbers --------------------------------------------------------------

std::string named(const std::string& zh, const std::string& en, const std::string& id) {
    std::string h = esc(zh);
    if (!en.empty() && en != zh) h += " <span class=\"en\">" + esc(en) + "</span>";
    if (!id.empty() && id != zh && id != en) h += " <span class=\"id\">" + esc(id) + "</span>";
    return h;
}

std::string target_html(const Scenario& s, const Target& t) {
    return named(s.labels.name("target:" + t.id, "zh"), s.labels.name("target:" + t.id, "en"), t.id);
}

std::string measure_html(const Scenario& s, Measure m) {
    const std::string key = "measure:" + to_string(m);
    return named(s.labels.name(key, "zh"), s.labels.name(key, "en"), "");
}

std::string payer_html(const Scenario& s, std::size_t p, const std::string& id) {
    const auto& payer = s.budgets.payers[p];
    const std::string base = payer_group(payer);
    for (const std::string& key : {"payer:" + id, "payer:" + base})
        if (s.labels.names.count(key)) {
            std::string zh = s.labels.name(key, "zh"), en = s.labels.name(key, "en");
            if (key != "payer:" + id && !payer.unit.empty()) {  // a county's own: the label, then the county
                const auto u = s.region.find(payer.unit);
                if (u) {
                    zh = s.region.unit(*u).name + zh;
                    en = s.region.unit(*u).name_en + " " + en;
                }
            }
            return named(zh, en, id);
        }
    return named(payer.name.empty() ? id : payer.name, "", id);
}
std::string payer_text(const Scenario& s, std::size_t p, const std::string& id) {
    const auto& payer = s.budgets.payers[p];
    if (s.labels.names.count("payer:" + id)) return s.labels.name("payer:" + id, "zh");
    return payer.name.empty() ? id : payer.name;
}

std::string lever_html(const Scenario& s, const Lever& l) { return named(lever_label(s, l, "zh"), lever_label(s, l, "en"), l.id); }

std::string unit_html(const Scenario& s, std::int32_t u) {
    if (u < 0) return esc(s.region.name()) + " 全市 <span class=\"en\">city</span>";
    const Unit& x = s.region.unit(static_cast<UnitIndex>(u));
    return named(x.name, x.name_en, "");
}

std::string range_text(Measure m, const Quantiles& q) {
    return format_value(m, q.p50) + " [" + format_value(m, q.p05) + "–" + format_value(m, q.p95) + "]";
}
std::string count_range(const Quantiles& q) { return format_count(q.p50) + " [" + format_count(q.p05) + "–" + format_count(q.p95) + "]"; }

std::string month_text(std::int32_t days, Date end) {
    if (days == never) return "至 " + end.iso() + " 未达到 <span class=\"en\">not by " + end.iso() + "</span>";
    return Date::from_days(days).iso().substr(0, 7);
}

std::string status_label(double p) {
    if (p >= 0.9) return "<span class=\"ok\">很可能达标 likely met</span>";
    if (p >= 0.5) return "存疑 uncertain";
    return "<span class=\"miss\">很可能未达标 likely missed</span>";
}

std::string p_cell(double p) {
    if (!std::isfinite(p)) return "<td class=\"n\">–</td>";
    return "<td class=\"n\" style=\"background:" + ramp(p) + (p < 0.55 ? ";color:#fff" : "") + "\">" + format_share(p) + "</td>";
}

std::size_t month_of(const Layout& L, Date d) {
    for (std::size_t m = 0; m < L.months.size(); ++m)
        if (L.months[m] >= d) return m;
    return L.months.empty() ? 0 : L.months.size() - 1;
}

std::vector<Date> check_dates(const Layout& L, std::size_t t) {
    std::vector<Date> out;
    for (const Check& c : L.checks)
        if (c.target == t && std::find(out.begin(), out.end(), c.date) == out.end()) out.push_back(c.date);
    std::sort(out.begin(), out.end());
    return out;
}

std::size_t find_check(const Layout& L, std::size_t t, std::int32_t u, Date d) {
    for (std::size_t k = 0; k < L.checks.size(); ++k)
        if (L.checks[k].target == t && L.checks[k].unit == u && L.checks[k].date == d) return k;
    return L.checks.size();
}

}  // namespace detail::report

namespace {

using namespace detail::html;
using namespace detail::report;

// ---- sections -----------------------------------------------------------------------

/// Units a target's table lists one by one; beyond it, the weakest.
constexpr std::size_t max_table_units = 60, weakest_units = 30;

/// The rows of a target's table: its units in order, then the city (-1).
/// With more than max_table_units units, only the `weakest_units` with the
/// lowest P(met) at any of the target's dates (the lower index on ties),
/// then the city; `left_out` counts the others.
std::vector<std::int32_t> table_rows(const Layout& L, const Results& r, std::size_t t, std::size_t& left_out) {
    std::vector<std::int32_t> units;
    std::map<std::int32_t, double> lowest;
    bool city = false;
    for (std::size_t k = 0; k < L.checks.size(); ++k) {
        const Check& c = L.checks[k];
        if (c.target != t) continue;
        if (c.unit < 0) {
            city = true;
            continue;
        }
        auto [it, added] = lowest.emplace(c.unit, r.checks[k].p_met);
        if (added) units.push_back(c.unit);
        else it->second = std::min(it->second, r.checks[k].p_met);
    }
    left_out = 0;
    if (units.size() > max_table_units) {
        std::stable_sort(units.begin(), units.end(), [&](std::int32_t a, std::int32_t b) { return lowest[a] < lowest[b]; });
        left_out = units.size() - weakest_units;
        units.resize(weakest_units);
    }
    if (city) units.push_back(-1);
    return units;
}

std::string left_out_row(std::size_t left_out, int columns) {
    if (left_out == 0) return {};
    return "<tr><td colspan=\"" + std::to_string(columns) + "\" class=\"note\">另有 " + format_count(static_cast<double>(left_out)) +
           " 个单位 P(达标) 更高，未逐一列出；全部见 run.json 与 map.gpkg <span class=\"en\">" + format_count(static_cast<double>(left_out)) +
           " more units, each with a higher P(met), are not listed here: run.json and map.gpkg's units layer have every one</span></td></tr>";
}

/// A dated target: per unit (or the city) the requirement, P(met), the
/// measure at the deadline and a verdict.
std::string dated_target_table(const Scenario& s, const Results& r, std::size_t t) {
    const Layout& L = r.layout;
    const Target& tg = s.programme.targets[t];
    std::string h = "<table><tr><th>单位 Unit</th><th>要求 Required</th><th>P(达标 met)</th><th>中位数 Median [p05–p95]</th>"
                    "<th>首次达到 First reached (p50)</th><th>判断 Verdict</th></tr>";
    std::size_t left_out = 0;
    const auto rows = table_rows(L, r, t, left_out);
    for (std::int32_t u : rows) {
        if (u < 0) h += left_out_row(left_out, 6);
        const auto dates = check_dates(L, t);
        const std::size_t k = dates.empty() ? L.checks.size() : find_check(L, t, u, dates.front());
        if (k >= L.checks.size()) continue;
        const Check& c = L.checks[k];
        const auto& cr = r.checks[k];
        h += "<tr><td>" + unit_html(s, c.unit) + "</td><td class=\"n\">" + format_value(tg.measure, c.required) + "</td>" + p_cell(cr.p_met) +
             "<td class=\"n\">" + range_text(tg.measure, cr.value) + "</td><td class=\"n\">" + month_text(cr.first_met_p50, s.run.end) + "</td><td>" +
             status_label(cr.p_met) + "</td></tr>";
    }
    return h + "</table>";
}

/// A recurring target: per unit and the city, at each check date, P(met),
/// the measure, what is missing; the first month reaching the requirement;
/// and the structural ceiling (every lever relaxed).
std::string recurring_target_table(const Scenario& s, const Results& r, std::size_t t) {
    const Layout& L = r.layout;
    const Target& tg = s.programme.targets[t];
    const auto dates = check_dates(L, t);
    const bool share = tg.measure == Measure::share_eligible_with_station;
    std::size_t left_out = 0;
    const auto rows = table_rows(L, r, t, left_out);  // units of the target's checks, then the city
    const std::string thr = format_value(tg.measure, tg.required_default);
    const std::string missing_head = share ? "未建站的到期项目 Due projects without a station" : "差额 Short of the requirement";
    std::string h = "<table><tr><th>单位 Unit</th><th>首次达到要求 First month reaching it<br><span class=\"en\">p50 (p05–p95)</span></th>"
                    "<th>检查日 Date</th><th>P(达标 met)</th><th>" + measure_html(s, tg.measure) + "<br><span class=\"en\">p50 [p05–p95]</span></th><th>" +
                    missing_head + "<br><span class=\"en\">p50 [p05–p95]</span></th></tr>";
    for (std::int32_t u : rows) {
        if (u < 0) h += left_out_row(left_out, 6);
        bool first = true;
        for (const Date& d : dates) {
            const std::size_t k = find_check(L, t, u, d);
            h += "<tr>";
            if (first) {
                std::string reach = "–", every;
                if (k < L.checks.size()) {
                    const auto& cr = r.checks[k];
                    reach = month_text(cr.first_met_p50, s.run.end);
                    if (cr.first_met_p50 != never || cr.first_met_p05 != never)
                        reach += " <span class=\"en\">(" + (cr.first_met_p05 == never ? std::string("–") : Date::from_days(cr.first_met_p05).iso().substr(0, 7)) +
                                 "–" + (cr.first_met_p95 == never ? "not by " + s.run.end.iso() : Date::from_days(cr.first_met_p95).iso().substr(0, 7)) + ")</span>";
                    every = "<br><span class=\"en\">P(每次均达标 met at every date) " + format_share(p_met_all_dates(r, k)) + "</span>";
                }
                const std::string span = " rowspan=\"" + std::to_string(dates.size()) + "\"";
                h += "<td" + span + ">" + unit_html(s, u) + every + "</td><td" + span + ">" + reach + "</td>";
                first = false;
            }
            h += "<td class=\"date\">" + d.iso() + "</td>";
            if (k < L.checks.size()) {
                const auto& cr = r.checks[k];
                h += p_cell(cr.p_met) + "<td class=\"n\">" + range_text(tg.measure, cr.value) + "</td><td class=\"n\">" + count_range(cr.missing) + "</td>";
            }
            h += "</tr>";
        }
    }
    h += "</table>";
    h += "<p class=\"note\">要求 Required: " + thr + (share ? " 的到期在建合格项目已建站 of the due eligible projects have a built station" : "") +
         "; 检查日 checked at " + [&] {
             std::string ds;
             for (const Date& d : dates) ds += (ds.empty() ? "" : ", ") + d.iso();
             return ds;
         }() + (tg.grace_days > 0 ? "; 项目开工 " + std::to_string(tg.grace_days) + " 天后到期 a project is due " + std::to_string(tg.grace_days) +
                                        " days after it starts" : "") + ".</p>";
    // The structural ceiling: every lever relaxed, in the re-run misses.
    if (r.fixes) {
        std::string lines;
        for (const Date& d : dates) {
            double lo = std::numeric_limits<double>::infinity(), hi = -lo;
            std::int32_t worst = -2;
            for (std::size_t k = 0; k < L.checks.size(); ++k) {
                if (L.checks[k].target != t || L.checks[k].date != d) continue;
                const Fix* f = r.fixes->find(k);
                if (!f || f->rerun == 0) continue;
                if (f->all_value.p50 < lo) worst = L.checks[k].unit;
                lo = std::min(lo, f->all_value.p50);
                hi = std::max(hi, f->all_value.p50);
            }
            if (worst == -2) continue;
            lines += "<li>" + d.iso() + ": " + (share ? "到期项目可建站比例 " : "") + format_value(tg.measure, lo) +
                     (hi > lo ? "–" + format_value(tg.measure, hi) : std::string()) + " <span class=\"en\">(" + (share ? "of due projects served, " : "") +
                     "p50; lowest: " + esc(worst < 0 ? s.region.name() : s.region.unit(static_cast<UnitIndex>(worst)).name) + ")</span></li>";
        }
        if (!lines.empty())
            h += "<p><b>结构上限 Structural ceiling</b>: 即使放开所有杠杆 <span class=\"en\">even with every lever relaxed (re-runs of the missed "
                 "replications), " + std::string(share ? "this share of due projects can be served by the date" : "the measure by the date") +
                 "</span>:</p><ul class=\"note\">" + lines + "</ul>";
    }
    return h;
}

/// Why missed and what would fix it: per target and date, the checks missed
/// at least once (weakest first), P(met) with each lever relaxed, the
/// smallest set of levers, every lever.
std::string fixes_section(const Scenario& s, const Results& r) {
    const Layout& L = r.layout;
    std::string h = "<h2>为何未达标 · 如何补救 <span class=\"en\">Why targets are missed, and what would fix them</span></h2>\n";
    if (!r.fixes) {
        return h + "<p>未计算（--no-explain） <span class=\"en\">Not computed (--no-explain).</span></p>\n";
    }
    const Counterfactuals& cf = *r.fixes;
    if (cf.fixes.empty()) return h + "<p>每次重复均达标 <span class=\"en\">Every check was met in every replication.</span></p>\n";
    h += "<p class=\"note\">方法 Method: 每个未达标的重复（至多 " + std::to_string(cf.sample) +
         " 个，均匀抽取）在同一随机数流下放开一个杠杆重新运行，差别即为该杠杆本身的作用。 <span class=\"en\">Each replication that missed a check (" +
         std::to_string(cf.sample) + " of them, evenly spaced over the misses) is run again with one lever relaxed and every random stream the "
         "same (draws are keyed by replication, site and purpose), so a difference is that lever's effect alone. P(met | lever) = P(met) + "
         "(1 − P(met)) × the share of the re-run misses then met. The smallest set is the fewest levers fixing at least " +
         format_share(cf.fix_share) + " of the re-run misses (" + std::to_string(cf.sets_run) + " sets tried, at most " + std::to_string(cf.max_sets) +
         "); “search capped” where the cap stopped the search before a smaller set was found.</span></p>\n";
    for (std::size_t t = 0; t < s.programme.targets.size(); ++t) {
        const Target& tg = s.programme.targets[t];
        for (const Date& d : check_dates(L, t)) {
            std::vector<std::pair<std::size_t, const Fix*>> cols;  // (check, fix), weakest first
            for (std::size_t k = 0; k < L.checks.size(); ++k)
                if (L.checks[k].target == t && L.checks[k].date == d)
                    if (const Fix* f = cf.find(k)) cols.emplace_back(k, f);
            if (cols.empty()) continue;
            std::stable_sort(cols.begin(), cols.end(), [&](const auto& a, const auto& b) { return r.checks[a.first].p_met < r.checks[b.first].p_met; });
            h += "<section><h3>" + target_html(s, tg) + " · " + d.iso() + "</h3><table class=\"fix\" data-target=\"" + esc(tg.id) + "\" data-date=\"" +
                 d.iso() + "\"><tr><th></th>";
            for (const auto& [k, f] : cols)
                h += "<th data-unit=\"" + esc(unit_id(s.region, L.checks[k].unit)) + "\">" +
                     unit_html(s, L.checks[k].unit) + "</th>";
            h += "</tr><tr><td>P(达标 met)</td>";
            for (const auto& [k, f] : cols) h += p_cell(r.checks[k].p_met);
            h += "</tr><tr><td>重跑的未达标重复 <span class=\"en\">misses re-run / missed</span></td>";
            for (const auto& [k, f] : cols) h += "<td class=\"n\">" + std::to_string(f->rerun) + " / " + std::to_string(f->missed) + "</td>";
            h += "</tr>";
            for (std::size_t l = 0; l < cf.levers.size(); ++l) {
                h += "<tr data-lever=\"" + esc(cf.levers[l].id) + "\"><td>P(met | " + lever_html(s, cf.levers[l]) + ")</td>";
                for (const auto& [k, f] : cols) h += f->rerun > 0 ? p_cell(f->p_if(l, r.checks[k].p_met)) : "<td class=\"n\">–</td>";
                h += "</tr>";
            }
            h += "<tr><td><b>最小杠杆组合 Smallest set</b></td>";
            for (const auto& [k, f] : cols) {
                std::string cell = "–";
                if (f->rerun == 0) cell = "未重跑 <span class=\"en\">not re-run (outside the sample)</span>";
                else if (f->smallest.empty()) cell = "无 <span class=\"en\">none fixes " + format_share(cf.fix_share) + "</span>";
                else {
                    cell = esc(lever_set_label(s, cf, f->smallest, "zh")) + " <span class=\"en\">" + esc(lever_set_label(s, cf, f->smallest, "en")) + "</span>";
                    if (f->capped) cell += " <span class=\"miss\">search capped</span>";
                }
                h += "<td>" + cell + "</td>";
            }
            h += "</tr><tr><td>P(met | 最小组合 smallest set)</td>";
            for (const auto& [k, f] : cols)
                h += f->rerun > 0 && !f->smallest.empty() ? p_cell(f->p_smallest(r.checks[k].p_met)) : "<td class=\"n\">–</td>";
            h += "</tr><tr><td>P(met | 放开全部 every lever)</td>";
            for (const auto& [k, f] : cols) h += f->rerun > 0 ? p_cell(f->p_all(r.checks[k].p_met)) : "<td class=\"n\">–</td>";
            h += "</tr><tr><td>" + measure_html(s, tg.measure) + " | 放开全部 <span class=\"en\">every lever, p50</span></td>";
            for (const auto& [k, f] : cols) h += "<td class=\"n\">" + (f->rerun > 0 ? format_value(tg.measure, f->all_value.p50) : std::string("–")) + "</td>";
            h += "</tr></table></section>\n";
        }
    }
    return h;
}

/// Every value of the scenario file with where it comes from, by top-level
/// key; a note shared with the row above is not repeated.
std::string inputs_section(const Scenario& s) {
    static const std::map<std::string, std::string> kind_zh = {{"notice", "通知原文"}, {"interpretation", "解读"}, {"assumption", "假设"},
                                                               {"synthetic", "合成数据"}, {"calibrated", "校准"},  {"none", "未注明"},
                                                               {"text", "文本"}};
    std::string h = "<h2>输入及来源 <span class=\"en\">Inputs and where they come from</span></h2>\n";
    if (s.inputs.empty())
        return h + "<p>情景未列出其输入 <span class=\"en\">The scenario lists no inputs with provenance (Scenario::inputs is empty).</span></p>\n";
    // A value's kind: its source's; without one, "none" for a number or date
    // (which needs one) and "text" for the rest (ids, names, choices).
    auto kind_of = [](const InputValue& v) -> std::string {
        if (v.source) return std::string(to_string(v.source->kind));
        return v.needs_source ? "none" : "text";
    };
    std::map<std::string, std::size_t> counts;
    for (const InputValue& v : s.inputs) ++counts[kind_of(v)];
    h += "<p>" + std::to_string(s.inputs.size()) + " 个取值 <span class=\"en\">values</span>:";
    bool first = true;
    for (const char* k : {"notice", "interpretation", "assumption", "synthetic", "calibrated", "none", "text"}) {
        if (!counts.count(k)) continue;
        const std::string label = std::string(k) == "none" ? "无来源的数字或日期 none (numbers and dates without a source)"
                                  : std::string(k) == "text" ? "无来源的文本 text without a source"
                                                             : kind_zh.at(k) + " " + k;
        h += std::string(first ? " " : " · ") + "<span class=\"kind-" + k + "\">" + label + " <b>" + std::to_string(counts[k]) + "</b></span>";
        first = false;
    }
    h += "</p>\n<table class=\"inputs\"><tr><th>键 Key</th><th>值 Value</th><th>来源 Kind</th><th>说明 Note</th></tr>";
    auto top = [](const std::string& path) { return path.substr(0, path.find_first_of(".[")); };
    std::vector<std::string> order;
    for (const InputValue& v : s.inputs)
        if (std::find(order.begin(), order.end(), top(v.path)) == order.end()) order.push_back(top(v.path));
    for (const std::string& key : order) {
        h += "<tr><th colspan=\"4\">" + esc(key) + "</th></tr>";
        std::string previous;
        for (const InputValue& v : s.inputs) {
            if (top(v.path) != key) continue;
            std::string rest = v.path.substr(key.size());
            if (!rest.empty() && rest[0] == '.') rest.erase(0, 1);
            std::string value = v.value;
            if (value.size() > 90) value = value.substr(0, 87) + "...";
            const std::string kind = kind_of(v);
            std::string note;
            if (v.source) {
                note = esc(v.source->note);
                if (!v.source_path.empty() && v.source_path != v.path) note += " <span class=\"id\">(" + esc(v.source_path) + ")</span>";
            }
            const std::string shown = !note.empty() && note == previous ? "〃" : note;
            previous = note;
            h += "<tr><td>" + esc(rest.empty() ? key : rest) + "</td><td class=\"v\">" + esc(value) + "</td><td class=\"kind-" + kind + "\">" +
                 (kind == "text" ? std::string("–") : kind_zh.at(kind) + " " + kind) + "</td><td class=\"note\">" + shown + "</td></tr>";
        }
    }
    return h + "</table>\n";
}

/// Quanzhou: how the candidates end up at the report date (the mean over the
/// replications, and the representative replication's count). A rejected
/// ineligible candidate is the rules working, not a cause of a miss.
std::string outcomes_section(const Scenario& s, const Results& r) {
    if (s.programme.kind != ProgrammeKind::bases || r.report_status_mean.empty()) return {};
    std::string h = "<section><h3>候选单位结局 <span class=\"en\">How the " + std::to_string(s.sites.bases.size()) +
                    " candidates end up at " + s.run.report_date.iso() + "</span></h3><table><tr><th>结局 Outcome</th>"
                    "<th>平均数 Mean over replications</th><th>代表性重复 Replication " + std::to_string(r.representative_replication) + "</th></tr>";
    for (BaseStatus b : {BaseStatus::named, BaseStatus::awaiting_funds, BaseStatus::dropped, BaseStatus::not_selected, BaseStatus::rejected,
                         BaseStatus::in_review, BaseStatus::candidate, BaseStatus::ineligible}) {
        const auto k = static_cast<std::size_t>(b);
        const std::string key = "outcome:" + std::string(outcome_name(b));
        h += "<tr><td>" + esc(s.labels.name(key, "zh")) + " <span class=\"en\">" + esc(s.labels.name(key, "en")) + "</span></td><td class=\"n\">" +
             fmt("%.1f", r.report_status_mean[k]) + "</td><td class=\"n\">" + (k < r.report_status.size() ? std::to_string(r.report_status[k]) : "–") +
             "</td></tr>";
    }
    h += "</table><p class=\"note\">不符合申报条件者被依规拒绝，不计为未达标原因。 <span class=\"en\">An ineligible candidate's rejection "
         "is the rules working, not a cause of a miss; the causes are in the table above.</span></p></section>\n";
    return h;
}

/// The title and the run: scenario, hash, overrides, seed, replications,
/// horizon, engine, and where the forms' statuses come from.
std::string head_section(const Scenario& s, const Results& r, const ReportOptions& o) {
    const bool stations = s.programme.kind == ProgrammeKind::stations;
    std::string h;
    h += "<h1>" + esc(s.title) + "</h1>\n<p>" + esc(s.region.name()) + " · " +
         (stations ? "农民工素质和技能提升站 Skill stations on construction projects" : "产业工人技能培训基地 Industrial training bases") +
         " · 报告日期 report date " + s.run.report_date.iso() + "</p>\n";
    h += "<table class=\"meta\">";
    auto meta = [&](const std::string& k, const std::string& v) { h += "<tr><td>" + k + "</td><td>" + v + "</td></tr>"; };
    meta("情景 Scenario", esc(s.name) + " (" + esc(o.scenario_file.empty() ? s.file.string() : o.scenario_file) + ")");
    meta("情景哈希 Scenario hash", "fnv1a64:" + esc(s.hash));
    std::string sets;
    for (const auto& x : s.overrides) sets += (sets.empty() ? "" : "<br>") + esc(x);
    if (!sets.empty()) meta("修改 Overrides (--set)", sets);
    meta("随机种子 Seed", std::to_string(s.run.seed));
    meta("重复次数 Replications", std::to_string(r.replications));
    meta("模拟期 Horizon", s.run.start.iso() + " – " + s.run.end.iso());
    meta("引擎版本 Engine", "tisheng " + esc(engine_version()));
    if (!o.created.empty()) meta("运行时间 Run at", esc(o.created));
    if (!o.forms_source.empty()) meta("表格状态来源 Forms' statuses", esc(o.forms_source));
    meta("输入来源 Inputs", std::to_string(s.inputs.size()) + " 个取值及其来源见文末 <span class=\"en\">values, each with its source: see the end</span>");
    h += "</table>\n";
    return h;
}

/// Per target, P(every check met) and its table.
std::string targets_section(const Scenario& s, const Results& r) {
    const auto& targets = s.programme.targets;
    std::string h;
    h += "<h2>目标达成 <span class=\"en\">Targets: who meets them, and how likely</span></h2>\n";
    for (std::size_t t = 0; t < targets.size(); ++t) {
        const Target& tg = targets[t];
        h += "<section><h3>" + target_html(s, tg) + " · " + (tg.recurring() ? "自 from " : "截至 by ") + tg.deadline.iso() + " · " +
             measure_html(s, tg.measure) + "</h3>\n<p>全部达标的概率 <span class=\"en\">P(every " + (tg.city_wide ? "city-wide" : "unit") + " check met" +
             (tg.recurring() ? ", at every date" : "") + ")</span> <b>" + format_share(p_targets_met(r, {t})) + "</b></p>\n";
        h += tg.recurring() ? recurring_target_table(s, r, t) : dated_target_table(s, r, t);
        h += "</section>\n";
    }
    return h;
}

/// Per unit (the city alone when there are many) the first metric over
/// time against the dated targets' steps. Empty without metrics or months.
std::string progress_section(const Scenario& s, const Results& r) {
    const Layout& L = r.layout;
    if (L.metrics.empty() || L.months.empty()) return {};
    const auto& units = s.region.units();
    const auto& targets = s.programme.targets;
    const std::size_t U = units.size();
    std::string h;
    h += "<h2>各单位进度 <span class=\"en\">Progress per unit: median, p05–p95 band, target steps (red)</span></h2>\n<div class=\"charts\">";
    const std::size_t rows = L.per_unit_series() && U <= max_table_units ? U + 1 : 1;  // many units: the city alone
    const std::string metric_name = s.labels.name("measure:" + L.metrics[0], "zh");
    for (std::size_t row = 0; row < rows; ++row) {
        const bool all = row == rows - 1;
        std::vector<std::pair<Date, double>> steps;
        for (std::size_t k = 0; k < L.checks.size(); ++k) {
            const Check& c = L.checks[k];
            const Target& tg = targets[c.target];
            if (tg.recurring() || to_string(tg.measure) != L.metrics[0]) continue;
            if ((all && c.unit < 0) || (!all && c.unit == static_cast<std::int32_t>(row))) steps.emplace_back(c.date, c.required);
        }
        const std::string title = (all ? s.region.name() + " 全市" : units[row].name) + " · " + metric_name;
        h += "<figure>" + progress_chart(r, 0, all ? L.all_row() : row, steps, title) + "</figure>";
    }
    h += "</div>\n";
    return h;
}

/// Allocated against spent per payer and year, the payers' table, and for
/// bases, the city grant against each county's match.
std::string money_section(const Scenario& s, const Results& r) {
    const Layout& L = r.layout;
    const auto& units = s.region.units();
    const bool stations = s.programme.kind == ProgrammeKind::stations;
    const std::size_t U = units.size();
    std::string h;
    h += "<h2>资金 <span class=\"en\">Money: allocated (light) and spent (dark, median) per year, CNY</span></h2>\n<div class=\"charts\">";
    for (std::size_t p = 0; p < r.payers.size(); ++p) {
        if (s.budgets.payers[p].unit.empty() || r.payers.size() <= 8)
            h += "<figure>" + money_chart(r.payers[p], L, payer_text(s, p, r.payers[p].id)) + "</figure>";
    }
    h += "</div>\n<table><tr><th>出资方 Payer</th><th>预算 Allocated</th><th>支出 Spent p50 [p05–p95]</th><th>缺口 Short p50 / p95</th></tr>";
    for (std::size_t p = 0; p < r.payers.size(); ++p) {
        const auto& pr = r.payers[p];
        double allocated = 0;
        for (double a : pr.allocated_by_year) allocated += a;
        h += "<tr><td>" + payer_html(s, p, pr.id) + "</td><td class=\"n\">" + money(allocated) + "</td><td class=\"n\">" + money(pr.spent.p50) + " [" +
             money(pr.spent.p05) + "–" + money(pr.spent.p95) + "]</td><td class=\"n\"" + (pr.short_cny.p95 > 0 ? " style=\"color:#b3261e\"" : "") + ">" +
             money(pr.short_cny.p50) + " / " + money(pr.short_cny.p95) + "</td></tr>";
    }
    h += "</table>\n";
    if (!stations) {
        // City grant against county match, per county.
        const auto& g = s.programme.grants;
        h += "<section><h3>市级补助与县级配套 <span class=\"en\">City grant vs county match per county (expected over the horizon)</span></h3><table>"
             "<tr><th>县(市、区) County</th><th>预计命名基地 Bases named (expected)</th><th>市级补助 City grant</th><th>县级配套 County match"
             " (spent p50)</th><th>配套缺口 Match short p50 / p95</th><th>能否配套 Can it match?</th></tr>";
        for (std::size_t u = 0; u < U; ++u) {
            double named_bases = 0, grant = 0;
            for (std::size_t b = 0; b < s.sites.bases.size(); ++b)
                if (s.sites.bases[b].unit == u) {
                    named_bases += r.base_p_named[b];
                    grant += r.base_p_named[b] * r.base_median_grant_cny[b];
                }
            const std::string id = to_string(PayerLine{g.county_payer, units[u].id});
            const auto it = std::find_if(r.payers.begin(), r.payers.end(), [&](const auto& pr) { return pr.id == id; });
            if (it == r.payers.end()) continue;
            const std::string verdict = it->short_cny.p50 > 0 ? "<span class=\"miss\">多数情形不能 not in most replications</span>"
                                        : it->short_cny.p95 > 0 ? "部分情形不能 not in some (≥ 5 %)" : "<span class=\"ok\">能 yes</span>";
            h += "<tr><td>" + unit_html(s, static_cast<std::int32_t>(u)) + "</td><td class=\"n\">" + num(named_bases, 2) + "</td><td class=\"n\">" +
                 money(grant) + "</td><td class=\"n\">" + money(it->spent.p50) + "</td><td class=\"n\">" + money(it->short_cny.p50) + " / " +
                 money(it->short_cny.p95) + "</td><td>" + verdict + "</td></tr>";
        }
        h += "</table><p>配套比例 match ratio " + num(g.county_match_ratio) +
             ":1; 市级补助为各基地命名概率 × 中位补助之和 (city grant: the sum over bases of P(named) × median grant; expected bases named: the sum of "
             "P(named), an expectation, not a count).</p></section>\n";
    }
    return h;
}

}  // namespace

void write_report(const Scenario& s, const Results& r, const fs::path& dir, const ReportOptions& o) {
    const std::size_t max_drawn_points = o.max_points;
    std::string h = page_begin(s.title);
    h += head_section(s, r, o);
    h += targets_section(s, r);
    h += maps_section(s, r, max_drawn_points);
    h += coverage_section(s, r, max_drawn_points);
    h += progress_section(s, r);
    // ---- why missed, what would fix it
    h += fixes_section(s, r);
    h += outcomes_section(s, r);
    h += money_section(s, r);

    h += sensitivity_section_html(dir, s);

    h += "<h2>说明 <span class=\"en\">Notes</span></h2>\n<p>每个数字来自 " + std::to_string(r.replications) +
         " 次蒙特卡洛重复（同一情景与种子得到同一结果）。P(达标) 为达标重复次数的比例；p05–p95 为 90 % 区间。比例以百分数、数量以整数显示。"
         "<span class=\"en\">Every number comes from " + std::to_string(r.replications) +
         " Monte Carlo replications (same scenario and seed, same numbers). P(met) is the share of replications meeting the target; "
         "p05–p95 is the 90 % band. Shares are shown as percentages, counts as whole numbers. Personal data (contacts, phones, ID numbers) "
         "never appear in this report.</span></p>\n";

    // ---- inputs and provenance
    h += inputs_section(s);
    h += page_end();
    write_file_atomic(dir / "report.html", h);
}

}  // namespace tisheng
