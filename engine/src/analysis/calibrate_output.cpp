// What a calibration writes: calibration.json, draws.csv, fitted.yaml,
// calibration.html, and the checkpoint it resumes from (calibrate.hpp).
#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "core/detail/html.hpp"
#include "core/detail/parallel.hpp"
#include "tisheng/analysis/calibrate.hpp"
#include "tisheng/core/text.hpp"
#include "tisheng/core/files.hpp"
#include "tisheng/results/run.hpp"
#include "tisheng/core/threads.hpp"
#include "tisheng/core/version.hpp"

namespace tisheng {

namespace fs = std::filesystem;
using nlohmann::json;
namespace h = detail::html;

namespace {

constexpr const char* checkpoint_file = "calibration-state.json";

json state_json(const CalibrationState& st) {
    return {{"stage", st.stage},       {"screen_theta", st.screen_theta}, {"screen_q", st.screen_q}, {"theta1", st.theta1},
            {"theta", st.theta},       {"q1", st.q1},                     {"q", st.q},               {"weight", st.weight},
            {"evaluations", st.evaluations}, {"cov_z", st.cov_z},         {"singular", st.singular}};
}

CalibrationState state_from(const json& j) {
    CalibrationState st;
    st.stage = j.at("stage").get<int>();
    st.screen_theta = j.at("screen_theta").get<std::vector<std::vector<double>>>();
    // An infinite Q (refused values) is stored as null.
    for (const auto& q : j.at("screen_q")) st.screen_q.push_back(q.is_null() ? std::numeric_limits<double>::infinity() : q.get<double>());
    st.theta1 = j.at("theta1").get<std::vector<double>>();
    st.theta = j.at("theta").get<std::vector<double>>();
    st.q1 = j.at("q1").is_null() ? std::numeric_limits<double>::infinity() : j.at("q1").get<double>();
    st.q = j.at("q").is_null() ? std::numeric_limits<double>::infinity() : j.at("q").get<double>();
    st.weight = j.at("weight").get<std::vector<double>>();
    st.evaluations = j.at("evaluations").get<std::size_t>();
    st.cov_z = j.at("cov_z").get<std::vector<double>>();
    st.singular = j.at("singular").get<bool>();
    return st;
}

std::string target_name(const Scenario& s, std::size_t t, const char* lang) {
    return s.labels.name("target:" + s.programme.targets[t].id, lang);
}

/// A small chart: per date of one (measure, unit), the simulated 5–95 % band
/// (bar), its median (tick) and the observed count (dot).
std::string fit_chart(const std::vector<std::size_t>& rows, const ObservationSet& obs, const CalibrationResult& r, const std::string& title) {
    h::Frame f{.w = 176, .h = 120, .left = 34, .top = 24, .bottom = 22};
    double hi = 1;
    for (std::size_t j : rows) hi = std::max({hi, r.fit[j].p95, obs.rows[j].value});
    const auto ticks = h::ticks(0, hi, 3);
    f.y0 = 0;
    f.y1 = std::max(hi, ticks.back());
    f.x0 = -0.5;
    f.x1 = static_cast<double>(rows.size()) - 0.5;
    std::string svg = f.open(ticks);
    svg += fmt::format("<text x=\"{:.1f}\" y=\"11\" font-size=\"9.5\" font-weight=\"bold\">{}</text>", f.left, h::esc(title));
    for (std::size_t n = 0; n < rows.size(); ++n) {
        const std::size_t j = rows[n];
        const double x = f.x(static_cast<double>(n));
        const Quantiles& q = r.fit[j];
        const bool miss = std::find(r.misfits.begin(), r.misfits.end(), j) != r.misfits.end();
        svg += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"14\" height=\"{:.1f}\" fill=\"#9ecae1\" stroke=\"#3b528b\" stroke-width=\"0.6\"/>",
                           x - 7, f.y(q.p95), std::max(1.0, f.y(q.p05) - f.y(q.p95)));
        svg += fmt::format("<line x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#3b528b\" stroke-width=\"1.5\"/>", x - 7, x + 7,
                           f.y(q.p50), f.y(q.p50));
        svg += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3.2\" fill=\"{}\" stroke=\"#fff\" stroke-width=\"0.8\"/>", x,
                           f.y(obs.rows[j].value), miss ? "#b3261e" : "#1d1d1f");
        svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"8.5\" text-anchor=\"middle\" fill=\"#555\">{}</text>", x, f.h - 8,
                           obs.rows[j].date.iso().substr(0, 7));
    }
    return svg + "</svg>";
}

/// One parameter over its range, on the range's own scale (log for a
/// log-uniform one): a histogram of the draws from the confidence region,
/// the 90 % interval shaded, the scenario's own value (dashed) and the
/// estimate (solid).
std::string estimate_chart(const ParameterFit& f, const std::vector<std::vector<double>>& draws, std::size_t k) {
    constexpr int bins = 20;
    std::vector<double> mass(bins, 0);
    const ParameterRange& r = f.range;
    for (const auto& d : draws) mass[static_cast<std::size_t>(std::clamp(static_cast<int>(range_position(r, d[k]) * bins), 0, bins - 1))] += 1;
    h::Frame fr{.w = 220, .h = 90, .left = 8, .right = 8, .top = 6, .bottom = 18};
    fr.y1 = std::max(1e-9, *std::max_element(mass.begin(), mass.end()));
    auto x = [&](double v) { return fr.x(range_position(r, v)); };  // frame x: 0..1 across the range
    std::string svg = fr.open({});
    svg += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"#eef0f5\"/>", x(f.q05), fr.top,
                       std::max(1.0, x(f.q95) - x(f.q05)), fr.h - fr.top - fr.bottom);
    for (int b = 0; b < bins; ++b) {
        const double m = mass[static_cast<std::size_t>(b)], x0 = fr.x(double(b) / bins), x1 = fr.x(double(b + 1) / bins);
        svg += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"#3b528b\"/>", x0 + 0.5, fr.y(m),
                           std::max(0.5, x1 - x0 - 1), fr.y(0) - fr.y(m));
    }
    svg += fmt::format("<line x1=\"{0:.1f}\" x2=\"{0:.1f}\" y1=\"{1:.1f}\" y2=\"{2:.1f}\" stroke=\"#1a7f37\" stroke-width=\"2\"/>", x(f.estimate),
                       fr.top, fr.y(0));
    if (r.value >= r.lo && r.value <= r.hi)
        svg += fmt::format("<line x1=\"{0:.1f}\" x2=\"{0:.1f}\" y1=\"{1:.1f}\" y2=\"{2:.1f}\" stroke=\"#b3261e\" stroke-width=\"1.5\" stroke-dasharray=\"3,2\"/>",
                           x(r.value), fr.top, fr.y(0));
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"8.5\" fill=\"#555\">{}</text>", fr.left, fr.h - 5, h::esc(exact_number(r.lo)));
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"8.5\" text-anchor=\"end\" fill=\"#555\">{}</text>", fr.w - fr.right, fr.h - 5,
                       h::esc(exact_number(r.hi) + (log_uniform(r) ? " (log scale)" : "")));
    return svg + "</svg>";
}

std::string short_number(double v) { return h::num(v, 3); }

std::string page(const Scenario& s, const ObservationSet& obs, const CalibrationResult& r, const CalibrationOptions& o,
                 const std::string& created) {
    const CalibrationState& st = r.state;
    const std::size_t K = r.parameters.size();
    std::string out = h::page_begin("校准 Calibration — " + s.title);
    out += "<h1>校准 <span class=\"en\">Calibration</span> — " + h::esc(s.title) + "</h1>\n";
    out += "<table class=\"meta\">";
    auto meta = [&](const std::string& k, const std::string& v) { out += "<tr><td>" + k + "</td><td>" + v + "</td></tr>"; };
    meta("情景 Scenario", h::esc(s.file.string()) + " <span class=\"id\">fnv1a64:" + h::esc(s.hash) + "</span>");
    meta("观测 Observations", h::esc(obs.file.string()) + " <span class=\"id\">" + h::esc(obs.digest) + "</span>, " +
                                 std::to_string(obs.rows.size()) + " counts");
    meta("方法 Method", fmt::format("simulated method of moments with common random numbers: {} replications per value, a screen of {} "
                                    "points, Nelder-Mead from the best {} (Pearson weights), then again with the counts' simulated "
                                    "variances; {} evaluations in all; {:.0f} s on {} thread(s)",
                                    o.replications, st.screen_q.size(), o.starts, st.evaluations, r.seconds, thread_count(o.threads)));
    meta("生成 Created", h::esc(created) + ", Tisheng " + h::esc(engine_version()));
    out += "</table>\n";

    out += "<section><h2>达标概率 <span class=\"en\">P(target met), fitted</span></h2>\n"
           "<p class=\"note\">The number to quote is the fitted one: the share of simulations that meet the target when the free parameters "
           "are drawn from their confidence region (" + std::to_string(r.predictive_runs) + " simulations), against the scenario's own assumed values "
           "(the same number of replications). For a target whose date the returns already cover, the returns themselves say whether "
           "it was met; its fitted P(met) is the fitted behaviour's, for comparing scenarios, not a forecast.</p>\n"
           "<table><tr><th>目标 Target</th><th>假设值 Assumed values</th><th>校准后 Fitted</th></tr>";
    Date last;
    for (const auto& ob : obs.rows) last = std::max(last, ob.date);
    for (std::size_t t = 0; t < s.programme.targets.size(); ++t) {
        const Target& target = s.programme.targets[t];
        const bool covered = !target.recurring() && target.deadline <= last;
        out += "<tr><td>" + h::esc(target_name(s, t, "zh")) + " <span class=\"en\">" + h::esc(target_name(s, t, "en")) + "</span>" +
               (covered ? "<br><span class=\"note\">已有报表 the returns cover " + target.deadline.iso() + "</span>" : "") +
               "</td><td class=\"n\">" + h::percent(r.p_met_assumed[t]) + "</td><td class=\"n\"><b>" + h::percent(r.p_met_fitted[t]) +
               "</b></td></tr>";
    }
    out += "</table></section>\n";

    out += "<section><h2>参数 <span class=\"en\">Parameters: range, assumed value, estimate</span></h2>\n"
           "<p class=\"note\">Bars: draws from the estimate's confidence region over the parameter's range; shaded: the 90 % confidence "
           "interval; green: the estimate (written to fitted.yaml); dashed red: the scenario's assumed value. A range marked log is searched "
           "on a log scale.</p>\n<table><tr><th>参数 Parameter</th><th>范围 Range</th><th>假设 Assumed</th>"
           "<th>估计 Estimate</th><th>90 % 区间 Interval</th><th>分布 Draws</th></tr>";
    for (std::size_t k = 0; k < K; ++k) {
        const ParameterFit& f = r.parameters[k];
        out += "<tr><td><code>" + h::esc(f.range.path) + "</code>" + (f.weakly_identified ? "<br><span class=\"miss\">weakly identified</span>" : "") +
               "</td><td class=\"n\">" + h::esc(exact_number(f.range.lo)) + " – " + h::esc(exact_number(f.range.hi)) +
               (log_uniform(f.range) ? " (log)" : "") + "</td><td class=\"n\">" +
               h::esc(exact_number(f.range.value)) + "</td><td class=\"n\"><b>" + short_number(f.estimate) + "</b></td><td class=\"n\">" +
               short_number(f.q05) + " – " + short_number(f.q95) + "</td><td>" + estimate_chart(f, r.draws, k) + "</td></tr>";
    }
    out += "</table></section>\n";

    out += "<section><h2>可识别性 <span class=\"en\">Identifiability</span></h2>\n";
    if (r.identifiability.empty())
        out += "<p>Every free parameter is informed by the observations, and no two are confounded (every correlation of the estimates is below 0.7 "
               "in size).</p>";
    else {
        out += "<ul>";
        for (const auto& line : r.identifiability) out += "<li>" + h::esc(line) + "</li>";
        out += "</ul>";
    }
    if (K > 1) {
        out += "<table><tr><th>correlation of the estimates</th>";
        for (std::size_t b = 0; b < K; ++b) out += "<th>" + std::to_string(b + 1) + "</th>";
        out += "</tr>";
        for (std::size_t a = 0; a < K; ++a) {
            out += "<tr><td>" + std::to_string(a + 1) + ". <code>" + h::esc(r.parameters[a].range.path) + "</code></td>";
            for (std::size_t b = 0; b < K; ++b) {
                const double c = r.correlation[a * K + b];
                const std::string bg = a == b ? "#fff" : std::abs(c) >= 0.7 ? "#f4c7c3" : std::abs(c) >= 0.4 ? "#fce8b2" : "#fff";
                out += fmt::format("<td class=\"n\" style=\"background:{}\">{:.2f}</td>", bg, c);
            }
            out += "</tr>";
        }
        out += "</table>";
    }
    out += "</section>\n";

    out += "<section><h2>拟合 <span class=\"en\">Fit: observed counts against the fitted model</span></h2>\n"
           "<p class=\"note\">Per unit and measure: the observed count (dot; red when outside the fitted model's 1–99 % range) against the "
           "fitted model's 5–95 % band (bar) and median (line), at each date observed.</p>\n";
    std::map<std::pair<std::string, std::int32_t>, std::vector<std::size_t>> groups;
    std::vector<std::pair<std::string, std::int32_t>> order;
    for (std::size_t j = 0; j < obs.rows.size(); ++j) {
        const auto key = std::pair{obs.rows[j].measure_text, obs.rows[j].unit};
        if (!groups.count(key)) order.push_back(key);
        groups[key].push_back(j);
    }
    std::vector<std::string> measures;  // in order of first appearance: a heading each, its units' charts beneath
    for (const auto& key : order)
        if (std::find(measures.begin(), measures.end(), key.first) == measures.end()) measures.push_back(key.first);
    std::stable_sort(order.begin(), order.end(), [&](const auto& a, const auto& b) {
        return std::find(measures.begin(), measures.end(), a.first) < std::find(measures.begin(), measures.end(), b.first);
    });
    std::string last_measure;
    for (const auto& key : order) {
        if (key.first != last_measure) {
            if (!last_measure.empty()) out += "</div>\n";
            out += "<h3>" + h::esc(key.first) + "</h3><div class=\"charts\">";
            last_measure = key.first;
        }
        auto rows = groups[key];
        std::sort(rows.begin(), rows.end(), [&](std::size_t a, std::size_t b) { return obs.rows[a].date < obs.rows[b].date; });
        const std::string unit = key.second < 0 ? "全市" : s.region.units()[static_cast<std::size_t>(key.second)].name;
        out += "<figure>" + fit_chart(rows, obs, r, unit) + "</figure>";
    }
    if (!last_measure.empty()) out += "</div>\n";
    if (!r.misfits.empty()) {
        out += "<p class=\"miss\">" + std::to_string(r.misfits.size()) + " observation(s) lie outside the fitted model's 1–99 % range:</p><ul>";
        for (std::size_t j : r.misfits) {
            const Observation& ob = obs.rows[j];
            out += "<li>" + h::esc(fmt::format("line {}: {} {} on {} = {}; the fitted model gives {} – {} (median {})", ob.line, ob.unit_text,
                                               ob.measure_text, ob.date.iso(), exact_number(ob.value), short_number(r.fit[j].p05),
                                               short_number(r.fit[j].p95), short_number(r.fit[j].p50))) +
                   "</li>";
        }
        out += "</ul>";
    }
    out += "</section>\n";

    out += fmt::format("<section><h2>搜索 <span class=\"en\">Search</span></h2><table>"
                       "<tr><td>screen (Latin hypercube)</td><td class=\"n\">{} points, best Q = {}</td></tr>"
                       "<tr><td>first estimate (Pearson weights 1 / (obs + 1))</td><td class=\"n\">Q = {}</td></tr>"
                       "<tr><td>second estimate (weights 1 / simulated variance)</td><td class=\"n\">Q = {}</td></tr>"
                       "<tr><td>objective evaluations</td><td class=\"n\">{}</td></tr></table>"
                       "<p class=\"note\">Q = mean over the observations of w (observed − simulated mean)². The interval comes from the "
                       "delta method with the counts' covariance simulated at the estimate, in logit coordinates of each range. "
                       "See docs/calibration.md for the method and its assumptions.</p></section>\n",
                       st.screen_q.size(), short_number(*std::min_element(st.screen_q.begin(), st.screen_q.end())), short_number(st.q1),
                       short_number(st.q), st.evaluations);
    return out + h::page_end();
}

}  // namespace

CalibrationState read_checkpoint(const fs::path& dir, const std::string& fingerprint) {
    const fs::path file = dir / checkpoint_file;
    if (!fs::exists(file)) return {};
    try {
        const json j = json::parse(read_file(file));
        if (j.at("fingerprint").get<std::string>() != fingerprint) return {};
        return state_from(j.at("state"));
    } catch (const json::exception&) {
        return {};  // a damaged checkpoint: start again
    }
}

void write_checkpoint(const fs::path& dir, const std::string& fingerprint, const CalibrationState& state) {
    json j;
    j["fingerprint"] = fingerprint;
    j["state"] = state_json(state);
    fs::create_directories(dir);
    write_file_atomic(dir / checkpoint_file, j.dump());
}

void write_calibration(const fs::path& dir, const Scenario& s, const ObservationSet& obs, const CalibrationResult& r,
                       const CalibrationOptions& o, const std::string& created_in) {
    const std::string created = created_in.empty() ? utc_now() : created_in;
    fs::create_directories(dir);
    const std::size_t K = r.parameters.size();

    json j;
    j["scenario"] = s.name;
    j["scenario_file"] = s.file.string();
    j["scenario_hash"] = "fnv1a64:" + s.hash;
    j["observations"] = {{"file", obs.file.string()}, {"digest", obs.digest}, {"rows", obs.rows.size()}};
    j["created"] = created;
    j["engine_version"] = engine_version();
    j["method"] = {{"name", "simulated method of moments (two-step, common random numbers)"},
                   {"replications", o.replications},
                   {"screen", r.state.screen_q.size()},
                   {"starts", o.starts},
                   {"evaluations", r.state.evaluations},
                   {"q_first", r.state.q1},
                   {"q", r.state.q},
                   {"objective", "mean_j w_j (obs_j - mean_sim_j)^2; w = 1/(obs+1), then 1/var_sim"},
                   {"interval", "delta method, logit coordinates of each range, 90 %"},
                   {"singular", r.state.singular}};
    j["parameters"] = json::array();
    for (const auto& f : r.parameters)
        j["parameters"].push_back({{"path", f.range.path},
                                   {"lo", f.range.lo},
                                   {"hi", f.range.hi},
                                   {"assumed", f.range.value},
                                   {"sd", f.sd},
                                   {"estimate", f.estimate},
                                   {"log_scale", log_uniform(f.range)},
                                   {"q05", f.q05},
                                   {"q95", f.q95},
                                   {"weakly_identified", f.weakly_identified}});
    j["correlation"] = r.correlation;
    j["identifiability"] = r.identifiability;
    j["targets"] = json::array();
    for (std::size_t t = 0; t < s.programme.targets.size(); ++t)
        j["targets"].push_back({{"id", s.programme.targets[t].id},
                                {"p_met_assumed", r.p_met_assumed[t]},
                                {"p_met_fitted", r.p_met_fitted[t]}});
    j["predictive_runs"] = r.predictive_runs;
    j["fit"] = json::array();
    for (std::size_t k = 0; k < obs.rows.size(); ++k) {
        const Observation& ob = obs.rows[k];
        j["fit"].push_back({{"line", ob.line},
                            {"unit", ob.unit_text},
                            {"date", ob.date.iso()},
                            {"measure", ob.measure_text},
                            {"observed", ob.value},
                            {"p05", r.fit[k].p05},
                            {"p50", r.fit[k].p50},
                            {"p95", r.fit[k].p95},
                            {"misfit", std::find(r.misfits.begin(), r.misfits.end(), k) != r.misfits.end()}});
    }
    j["seconds"] = r.seconds;

    std::string csv;
    for (std::size_t k = 0; k < K; ++k) {
        if (k) csv += ',';
        csv += csv_field(r.parameters[k].range.path);
    }
    csv += '\n';
    for (const auto& d : r.draws) {
        for (std::size_t k = 0; k < K; ++k) {
            if (k) csv += ',';
            csv += exact_number(d[k]);
        }
        csv += '\n';
    }

    std::vector<double> medians;
    std::map<std::string, Source> sources;
    for (const auto& f : r.parameters) {
        medians.push_back(f.estimate);
        sources[f.range.path] = Source{SourceKind::calibrated,
                                       fmt::format("fitted by tisheng calibrate on {} to {} ({}): estimate; 90 % confidence interval {} .. {}; "
                                                   "prior {} .. {}; assumed before: {}",
                                                   created.substr(0, 10), obs.file.filename().string(), obs.digest, h::num(f.q05, 4),
                                                   h::num(f.q95, 4), exact_number(f.range.lo), exact_number(f.range.hi),
                                                   exact_number(f.range.value))};
    }
    std::vector<std::string> overrides = s.overrides;
    for (auto& x : parameter_overrides(s, medians)) overrides.push_back(std::move(x));

    write_file_atomic(dir / "calibration.json", j.dump(2) + "\n");
    write_file_atomic(dir / "draws.csv", csv);
    save_scenario(s.file, overrides, dir / "fitted.yaml", sources,
                  fmt::format("Fitted by tisheng calibrate on {} to {} ({}).\nThe free parameters are set to their estimates; "
                              "see calibration.html beside this file.",
                              created, obs.file.string(), obs.digest));
    write_file_atomic(dir / "calibration.html", page(s, obs, r, o, created));
}

}  // namespace tisheng
