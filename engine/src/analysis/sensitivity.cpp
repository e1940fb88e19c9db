// Global sensitivity of the outcomes to the assumptions (sensitivity.hpp).
#include "tisheng/analysis/sensitivity.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>

#include "core/detail/html.hpp"
#include "tisheng/analysis/gsa.hpp"
#include "tisheng/core/text.hpp"
#include "tisheng/core/files.hpp"
#include "tisheng/results/run.hpp"
#include "tisheng/core/version.hpp"

namespace tisheng {

namespace fs = std::filesystem;
using nlohmann::json;
namespace h = detail::html;

namespace {

/// The settings of the analysis, not assumptions about the rollout.
bool is_setting(const std::string& path) {
    for (const char* p : {"run.", "coverage.", "siting.", "counterfactuals."})
        if (path.starts_with(p)) return true;
    return false;
}

std::optional<double> number(const std::string& text) {
    double v = 0;
    const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || p != text.data() + text.size() || !std::isfinite(v)) return std::nullopt;
    return v;
}

/// The loader's first complaint about `s` with `path` set to `v`, or empty.
std::string refusal(const Scenario& s, const std::string& path, double v) {
    LoadOptions o;
    o.overrides = s.overrides;
    o.overrides.push_back(path + "=" + exact_number(v));
    o.data_from = &s;
    try {
        (void)load_scenario(s.file, o);
        return {};
    } catch (const InvalidInput& e) {
        return e.problems().empty() ? std::string("refused") : e.problems()[0].message;
    } catch (const InputError& e) {
        return e.problem().message;
    }
}

/// The value at place u (0..1) of a factor's range (linear), whole numbers rounded.
double linear_value(const ParameterRange& r, double u) {
    const double v = r.lo + u * (r.hi - r.lo);
    return r.integral ? std::round(v) : v;
}

std::string format_value(const ParameterRange& r, double v) { return r.integral ? std::to_string(std::llround(v)) : exact_number(v); }

std::vector<std::vector<double>> unit_points(const SensitivityPlan& plan, const SensitivityOptions& o, std::uint64_t seed) {
    const std::size_t k = plan.factors.size();
    if (o.method == GsaMethod::morris) return gsa::morris_design(k, static_cast<std::size_t>(o.trajectories), seed).points;
    return gsa::sobol_design(k, static_cast<std::size_t>(o.samples), seed).points;
}

std::string method_name(GsaMethod m) { return m == GsaMethod::morris ? "morris" : "sobol"; }

std::string outcome_label(const Scenario& s, const std::string& column) {
    for (const auto& t : s.programme.targets)
        if (column == "p_" + column_name(t.id)) return "P(met): " + s.labels.name("target:" + t.id);
    if (column == "p_all_met") return "P(all targets met)";
    if (column == "public_spend") return "public spend (median over the horizon, CNY)";
    if (column.starts_with("coverage_")) return "share of workers within " + column.substr(9);
    if (column.starts_with("spent_")) return "spent by " + column.substr(6) + " (median, CNY)";
    if (column.starts_with("short_")) return "short at " + column.substr(6) + " (median, CNY)";
    return column + " at the end (median)";
}

/// What a sensitivity run's relevance to a run depends on: the scenario
/// file's bytes and the --set edits other than the run settings (seed,
/// replications), which do not change the model.
std::string file_digest(const Scenario& s) { return "fnv1a64:" + fnv1a_hex(read_file(s.file)); }
std::vector<std::string> model_overrides(const Scenario& s) {
    std::vector<std::string> out;
    for (const auto& o : s.overrides)
        if (!o.starts_with("run.")) out.push_back(o);
    return out;
}

/// The outcomes the page shows: the targets, P(all met), public spend, the
/// headline coverage and counts (every outcome is in sensitivity.json).
bool shown(const std::string& column) { return !column.starts_with("spent_") && !column.starts_with("short_"); }

}  // namespace

SensitivityPlan sensitivity_factors(const Scenario& s) {
    SensitivityPlan plan;
    std::map<std::string, const ParameterRange*> given;
    for (const auto& r : s.sensitivity) given[r.path] = &r;
    for (const auto& in : s.inputs) {
        const auto it = given.find(in.path);  // a range given under sensitivity: varies any number, whatever its source
        const bool assumed = in.source && (in.source->kind == SourceKind::assumption || in.source->kind == SourceKind::calibrated);
        if (it == given.end() && (!assumed || !in.needs_source || is_setting(in.path))) continue;
        const auto v = number(in.value);
        if (!v) continue;  // a date, or text
        SensitivityFactor f;
        f.kind = in.source ? in.source->kind : SourceKind::assumption;
        f.range.path = in.path;
        f.range.value = *v;
        f.range.integral = in.value.find_first_of(".eE") == std::string::npos;
        if (it != given.end()) {
            f.range = *it->second;
            f.from_scenario = true;
            plan.factors.push_back(f);
            continue;
        }
        if (*v == 0) {
            plan.left_out.emplace_back(in.path, "its value is 0, so ±50 % is no range; give it one under sensitivity:");
            continue;
        }
        double lo = std::min(0.5 * *v, 1.5 * *v), hi = std::max(0.5 * *v, 1.5 * *v);
        if (f.range.integral) lo = std::round(lo), hi = std::round(hi);
        std::string why_hi = refusal(s, in.path, hi);
        if (!why_hi.empty() && *v < 1 && hi > 1) {  // a probability or a share: up to 1
            hi = 1;
            why_hi = refusal(s, in.path, hi);
        }
        if (!why_hi.empty()) hi = *v;
        const std::string why_lo = refusal(s, in.path, lo);
        if (!why_lo.empty()) lo = *v;
        if (!(lo < hi)) {
            plan.left_out.emplace_back(in.path, "the scenario refuses other values on its own: " + (why_hi.empty() ? why_lo : why_hi) +
                                                    "; give it a range under sensitivity: (with the numbers it moves with)");
            continue;
        }
        f.range.lo = lo;
        f.range.hi = hi;
        plan.factors.push_back(f);
    }
    // Both ends of a range [a, b] must stay in order at every point: the
    // default ranges of its two ends are cut where they would cross.
    for (auto& first : plan.factors) {
        if (first.from_scenario || !first.range.path.ends_with("[0]")) continue;
        const std::string second_path = first.range.path.substr(0, first.range.path.size() - 3) + "[1]";
        for (auto& second : plan.factors) {
            if (second.range.path != second_path || second.from_scenario || first.range.hi <= second.range.lo) continue;
            double mid = (first.range.value + second.range.value) / 2;
            first.range.hi = first.range.integral ? std::floor(mid) : mid;
            second.range.lo = second.range.integral ? std::ceil(mid) : mid;
        }
    }
    return plan;
}

Sweep sensitivity_sweep(std::shared_ptr<const Scenario> base, const std::vector<std::string>& sets, const SensitivityPlan& plan,
                        const SensitivityOptions& o) {
    if (plan.factors.empty())
        throw InputError({base->file.string()}, "no number of the scenario is marked assumption or calibrated (under sources:): nothing to vary");
    std::vector<SweepParameter> params;
    for (const auto& f : plan.factors) {
        SweepParameter p;
        p.path = f.range.path;
        p.column = column_name(p.path);
        p.min = f.range.lo;
        p.max = f.range.hi;
        p.integral = f.range.integral;
        p.numeric = true;
        params.push_back(std::move(p));
    }
    const std::uint64_t seed = base->run.seed;
    std::vector<std::vector<std::string>> points;
    Diagnostics diag;
    for (const auto& u : unit_points(plan, o, seed)) {
        std::vector<std::string> row;
        for (std::size_t k = 0; k < u.size(); ++k) row.push_back(format_value(plan.factors[k].range, linear_value(plan.factors[k].range, u[k])));
        points.push_back(std::move(row));
    }
    // Every point must make a valid scenario (the ends were tried one at a
    // time; together they may still clash): say which one does not.
    for (std::size_t v = 0; v < points.size(); ++v) {
        LoadOptions lo;
        lo.overrides = sets;
        for (std::size_t k = 0; k < params.size(); ++k) lo.overrides.push_back(params[k].path + "=" + points[v][k]);
        lo.data_from = base.get();
        try {
            (void)load_scenario(base->file, lo);
        } catch (const InvalidInput& e) {
            throw InputError({base->file.string(), 0, 0, "", "sensitivity"},
                             "point " + std::to_string(v) + " of the design makes a scenario the checks refuse: " + e.problems()[0].message +
                                 "; give the numbers it names ranges under sensitivity: that keep them consistent");
        }
    }
    const std::string design = o.method == GsaMethod::morris ? "morris r=" + std::to_string(o.trajectories) : "sobol n=" + std::to_string(o.samples);
    std::string name = base->name + "-sensitivity";  // before `base` is moved from
    return point_sweep(std::move(base), sets, std::move(name), std::move(params), std::move(points), o.replications, seed, design);
}

SensitivityResult analyse_sensitivity(const SweepRunner& runner, const std::vector<SweepRow>& rows, const SensitivityPlan& plan,
                                      const SensitivityOptions& o) {
    SensitivityResult r;
    r.method = o.method;
    r.options = o;
    r.factors = plan.factors;
    r.left_out = plan.left_out;
    const Scenario& s = runner.base();
    const std::uint64_t seed = s.run.seed;
    const std::size_t k = plan.factors.size();
    const auto& columns = runner.outcomes().columns;
    const std::size_t n = o.method == GsaMethod::morris ? static_cast<std::size_t>(o.trajectories) * (k + 1)
                                                        : static_cast<std::size_t>(o.samples) * (k + 2);
    if (rows.size() != n) throw Error("the sensitivity store holds " + std::to_string(rows.size()) + " of its " + std::to_string(n) + " points; resume it");
    for (std::size_t c = 0; c < columns.size(); ++c) {
        std::vector<double> y;
        for (const auto& row : rows) y.push_back(std::isfinite(row.outcomes[c]) ? row.outcomes[c] : 0.0);
        SensitivityResult::Outcome out;
        out.column = columns[c];
        out.label = outcome_label(s, columns[c]);
        if (o.method == GsaMethod::morris) {
            const auto design = gsa::morris_design(k, static_cast<std::size_t>(o.trajectories), seed);
            const auto idx = gsa::morris_indices(design, y, o.bootstrap, seed);
            for (std::size_t f = 0; f < k; ++f)
                out.ranked.push_back({f, idx[f].mu_star, idx[f].mu, idx[f].sigma, idx[f].mu_star_low, idx[f].mu_star_high});
        } else {
            const auto design = gsa::sobol_design(k, static_cast<std::size_t>(o.samples), seed);
            const auto idx = gsa::sobol_indices(design, y, o.bootstrap, seed);
            for (std::size_t f = 0; f < k; ++f) out.ranked.push_back({f, idx[f].total, idx[f].first, 0, idx[f].total_low, idx[f].total_high});
        }
        std::stable_sort(out.ranked.begin(), out.ranked.end(), [](const auto& a, const auto& b) { return a.mu_star > b.mu_star; });
        r.outcomes.push_back(std::move(out));
    }
    return r;
}

namespace {

std::string bars(const SensitivityResult& r, const SensitivityResult::Outcome& o, std::size_t top) {
    const std::size_t n = std::min(top, o.ranked.size());
    double hi = 0;
    for (std::size_t i = 0; i < n; ++i) hi = std::max({hi, o.ranked[i].high, o.ranked[i].mu_star});
    if (!(hi > 0)) return "<p class=\"note\">No assumption moves it: it is the same at every point of the design.</p>";
    const double label_w = 250, w = 560, row = 15;
    std::string svg = fmt::format("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{:.0f}\" height=\"{:.0f}\">", w, row * static_cast<double>(n) + 6);
    for (std::size_t i = 0; i < n; ++i) {
        const auto& e = o.ranked[i];
        const double y = 3 + row * static_cast<double>(i);
        auto x = [&](double v) { return label_w + std::max(0.0, v) / hi * (w - label_w - 60); };
        svg += fmt::format("<text x=\"{:.0f}\" y=\"{:.1f}\" font-size=\"8.5\" text-anchor=\"end\">{}</text>", label_w - 4, y + 10,
                           h::esc(r.factors[e.factor].range.path));
        svg += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"10\" fill=\"#3b528b\"/>", label_w, y + 2,
                           std::max(0.5, x(e.mu_star) - label_w));
        if (r.method == GsaMethod::sobol)  // the first-order index inside the total
            svg += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"4\" fill=\"#5ec962\"/>", label_w, y + 5,
                               std::max(0.0, x(e.mu) - label_w));
        svg += fmt::format("<line x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#1d1d1f\"/>", x(e.low), x(e.high), y + 7, y + 7);
        svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"8.5\">{}</text>", x(std::max(e.high, e.mu_star)) + 4, y + 10, h::num(e.mu_star, 3));
    }
    return svg + "</svg>";
}

}  // namespace

void write_sensitivity(const fs::path& dir, const Scenario& s, const SensitivityResult& r, const std::string& created) {
    json j;
    j["scenario"] = s.name;
    j["scenario_file"] = s.file.string();
    j["scenario_hash"] = "fnv1a64:" + s.hash;
    j["scenario_file_digest"] = file_digest(s);
    j["model_overrides"] = model_overrides(s);
    j["created"] = created;
    j["engine_version"] = engine_version();
    j["method"] = method_name(r.method);
    j["replications"] = r.options.replications;
    if (r.method == GsaMethod::morris) j["trajectories"] = r.options.trajectories;
    else j["samples"] = r.options.samples;
    j["measure"] = r.method == GsaMethod::morris ? "mu_star: mean |elementary effect| over the factor's range, in the outcome's unit"
                                                 : "total Sobol' index (share of the outcome's variance, interactions included)";
    j["factors"] = json::array();
    for (const auto& f : r.factors)
        j["factors"].push_back({{"path", f.range.path},
                                {"value", f.range.value},
                                {"lo", f.range.lo},
                                {"hi", f.range.hi},
                                {"source", std::string(to_string(f.kind))},
                                {"range_from", f.from_scenario ? "sensitivity:" : "default: 50 % to 150 % of the value"}});
    j["left_out"] = json::array();
    for (const auto& [path, why] : r.left_out) j["left_out"].push_back({{"path", path}, {"why", why}});
    j["outcomes"] = json::array();
    for (const auto& o : r.outcomes) {
        json ranked = json::array();
        for (const auto& e : o.ranked) {
            json x = {{"path", r.factors[e.factor].range.path}, {"low", e.low}, {"high", e.high}};
            if (r.method == GsaMethod::morris) {
                x["mu_star"] = e.mu_star;
                x["mu"] = e.mu;
                x["sigma"] = e.sigma;
            } else {
                x["total"] = e.mu_star;
                x["first"] = e.mu;
            }
            ranked.push_back(x);
        }
        j["outcomes"].push_back({{"column", o.column}, {"label", o.label}, {"ranked", ranked}});
    }

    const bool morris = r.method == GsaMethod::morris;
    std::string page = h::page_begin("敏感性 Sensitivity — " + s.title);
    page += "<h1>敏感性 <span class=\"en\">Sensitivity of the targets to the assumptions</span> — " + h::esc(s.title) + "</h1>\n";
    page += fmt::format("<p>{} over {} assumptions ({} points, {} replications each, the same random numbers at every point). {}</p>\n",
                        morris ? fmt::format("Morris screen, r = {} trajectories", r.options.trajectories)
                               : fmt::format("Sobol' indices, n = {}", r.options.samples),
                        r.factors.size(), morris ? r.options.trajectories * static_cast<int>(r.factors.size() + 1)
                                                 : r.options.samples * static_cast<int>(r.factors.size() + 2),
                        r.options.replications,
                        morris ? "Bars: μ*, the mean absolute change of the outcome when the assumption moves across its whole range "
                                 "(the other assumptions anywhere in theirs), with its 95 % bootstrap interval; σ, the spread of those "
                                 "changes, large when the assumption acts through interactions or thresholds."
                               : "Bars: the total index (the share of the outcome's variance due to the assumption, interactions "
                                 "included) with its 95 % bootstrap interval; green: the first-order index (the assumption alone).");
    page += "<p class=\"note\">" + h::esc(s.file.string()) + " <span class=\"id\">fnv1a64:" + h::esc(s.hash) + "</span>, " + h::esc(created) +
            ". Ranges: the scenario's sensitivity: section where given, otherwise 50 % to 150 % of the value (probabilities and "
            "shares at most 1, whole numbers rounded).</p>\n";
    for (const auto& o : r.outcomes) {
        if (!shown(o.column)) continue;
        page += "<section><h3>" + h::esc(o.label) + " <span class=\"id\">" + h::esc(o.column) + "</span></h3>" + bars(r, o, 10) + "</section>\n";
    }
    page += "<section><h2>假设 <span class=\"en\">The assumptions varied</span></h2><table><tr><th>assumption</th><th>value</th><th>range</th><th>source</th></tr>";
    for (const auto& f : r.factors)
        page += "<tr><td><code>" + h::esc(f.range.path) + "</code></td><td class=\"n\">" + h::esc(exact_number(f.range.value)) + "</td><td class=\"n\">" +
                h::esc(exact_number(f.range.lo)) + " – " + h::esc(exact_number(f.range.hi)) + (f.from_scenario ? " (sensitivity:)" : "") +
                "</td><td class=\"kind-" + std::string(to_string(f.kind)) + "\">" + std::string(to_string(f.kind)) + "</td></tr>";
    page += "</table>";
    if (!r.left_out.empty()) {
        page += "<p>Left out:</p><ul>";
        for (const auto& [path, why] : r.left_out) page += "<li><code>" + h::esc(path) + "</code>: " + h::esc(why) + "</li>";
        page += "</ul>";
    }
    page += "</section>\n" + h::page_end();
    fs::create_directories(dir);
    write_file_atomic(dir / "sensitivity.json", j.dump(2) + "\n");
    write_file_atomic(dir / "sensitivity.html", page);
}

std::optional<SensitivitySummary> find_sensitivity(const fs::path& run_dir, const Scenario& s) {
    for (const fs::path& file : {run_dir.parent_path() / (s.name + "-sensitivity") / "sensitivity.json", run_dir / "sensitivity.json"}) {
        std::error_code ec;
        if (!fs::is_regular_file(file, ec)) continue;
        try {
            const json j = json::parse(read_file(file));
            if (j.value("scenario", "") != s.name) continue;
            SensitivitySummary sum;
            sum.file = file;
            sum.created = j.value("created", "");
            sum.method = j.value("method", "");
            sum.scenario_hash = j.value("scenario_hash", "");
            sum.same_scenario = j.value("scenario_file_digest", "") == file_digest(s) &&
                                j.value("model_overrides", std::vector<std::string>{}) == model_overrides(s);
            const std::string key = sum.method == "morris" ? "mu_star" : "total";
            for (const auto& t : s.programme.targets) {
                SensitivitySummary::Top top;
                top.target = t.id;
                for (const auto& o : j.at("outcomes"))
                    if (o.at("column").get<std::string>() == "p_" + column_name(t.id))
                        for (const auto& e : o.at("ranked")) {
                            if (top.factors.size() == 5) break;
                            top.factors.emplace_back(e.at("path").get<std::string>(), e.at(key).get<double>());
                        }
                sum.targets.push_back(std::move(top));
            }
            return sum;
        } catch (const std::exception&) {
            continue;  // not ours, or damaged: as if absent
        }
    }
    return std::nullopt;
}

std::string sensitivity_section_html(const fs::path& run_dir, const Scenario& s) {
    std::string h = "<section><h2>敏感性 <span class=\"en\">Which assumptions move each target most</span></h2>\n";
    const auto sum = find_sensitivity(run_dir, s);
    if (!sum) {
        h += "<p>没有敏感性分析结果 <span class=\"en\">No sensitivity run of this scenario was found (looked for ../" +
             h::esc(s.name) + "-sensitivity/sensitivity.json beside this run's folder, and in it). Run <code>tisheng sensitivity</code> " +
             "on the scenario (its default --out, runs/" + h::esc(s.name) + "-sensitivity, is where this looks) to rank every " +
             "assumption by its effect on each target; this section then shows the five that matter most.</span></p></section>\n";
        return h;
    }
    h += "<p class=\"note\">From the " + h::esc(sum->method == "morris" ? "Morris screen (μ*: the mean change of P(met) when the assumption moves across its range)"
                                                                        : "Sobol' analysis (total index: the share of P(met)'s variance)") +
         " of " + h::esc(sum->created) + " (" + h::esc(sum->file.lexically_relative(run_dir).generic_string()) + ").";
    if (!sum->same_scenario)
        h += " <span class=\"miss\">It was made from another version of the scenario (" + h::esc(sum->scenario_hash) +
             "); run it again for this one.</span>";
    h += "</p><table><tr><th>目标 Target</th><th>影响最大的假设 The five assumptions that move it most</th></tr>";
    for (const auto& t : sum->targets) {
        std::string cell;
        for (const auto& [path, v] : t.factors)
            if (v > 0) cell += (cell.empty() ? "" : "<br>") + std::string("<code>") + h::esc(path) + "</code> " + h::num(v, 2);
        if (cell.empty()) cell = "none: it is the same at every point of the design";
        h += "<tr><td>" + h::esc(s.labels.name("target:" + t.target)) + "</td><td>" + cell + "</td></tr>";
    }
    return h + "</table></section>\n";
}

}  // namespace tisheng
