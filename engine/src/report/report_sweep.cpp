// A sweep folder's report.html: what was varied, the levers ranked, the
// Pareto frontier as a chart, the variants, and the find-min answer. Read
// from the folder's sweep.json, variants.csv and find-min.json.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/detail/html.hpp"
#include "tisheng/core/error.hpp"
#include "tisheng/core/text.hpp"
#include "tisheng/core/files.hpp"
#include "tisheng/report/report.hpp"

namespace fs = std::filesystem;

namespace tisheng {

namespace {

using namespace detail::html;
using json = nlohmann::json;

json read_json(const fs::path& file) {
    try {
        return json::parse(read_file(file, file.string()));
    } catch (const json::exception& e) {
        throw InputError({file.string()}, std::string("not valid JSON: ") + e.what());
    }
}

/// variants.csv as rows of text (the BOM dropped).
std::vector<std::vector<std::string>> read_csv(const fs::path& file) {
    std::string text = read_file(file, file.string());
    if (text.starts_with("\xEF\xBB\xBF")) text.erase(0, 3);
    std::vector<std::vector<std::string>> rows;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        std::string line = text.substr(start, end - start);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        std::vector<std::string> fields;
        if (!line.empty() && split_csv(line, fields)) rows.push_back(fields);
        start = end + 1;
    }
    return rows;
}

double to_double(const std::string& s) { return s.empty() ? std::numeric_limits<double>::quiet_NaN() : std::strtod(s.c_str(), nullptr); }

/// Public spend against P(all met), coloured by coverage; the frontier ringed.
std::string pareto_chart(const json& front, const std::vector<std::array<double, 3>>& all) {
    Frame f;
    f.w = 640;
    f.h = 300;
    f.left = 70;
    f.right = 40;
    f.top = 24;
    f.bottom = 34;
    double xmax = 1;
    for (const auto& p : all)
        if (std::isfinite(p[0])) xmax = std::max(xmax, p[0]);
    const auto xt = ticks(0, xmax * 1.02, 5);
    f.x0 = 0;
    f.x1 = std::max(xt.back(), xmax * 1.02);
    f.y0 = 0;
    f.y1 = 1;
    std::string svg = f.open(ticks(0, 1, 5), "P(全部达标 all met) ↑");
    char buf[200];
    for (double t : xt) {
        std::snprintf(buf, sizeof buf, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"9\" text-anchor=\"middle\" fill=\"#555\">", f.x(t), f.h - 20);
        svg += buf + money(t) + "</text>";
    }
    std::snprintf(buf, sizeof buf, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"9\" text-anchor=\"middle\" fill=\"#555\">", (f.left + f.w) / 2, f.h - 4);
    svg += buf + std::string("公共支出 public spend (CNY, median)</text>");
    for (const auto& p : all) {
        if (!std::isfinite(p[0]) || !std::isfinite(p[1])) continue;
        std::snprintf(buf, sizeof buf, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\" fill-opacity=\"0.8\"/>", f.x(p[0]), f.y(p[1]),
                      ramp(std::isfinite(p[2]) ? p[2] : 0).c_str());
        svg += buf;
    }
    std::vector<std::pair<double, double>> line;
    for (const auto& v : front) line.emplace_back(f.x(v["public_spend"].get<double>()), f.y(v["p_all_met"].get<double>()));
    std::sort(line.begin(), line.end());
    for (const auto& [x, y] : line) {
        std::snprintf(buf, sizeof buf, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"none\" stroke=\"#b3261e\" stroke-width=\"1.5\"/>", x, y);
        svg += buf;
    }
    return svg + "</svg>";
}

}  // namespace

void write_sweep_report(const fs::path& dir) {
    const fs::path summary_file = dir / "sweep.json", findmin_file = dir / "find-min.json", variants_file = dir / "variants.csv";
    const bool has_summary = fs::exists(summary_file), has_findmin = fs::exists(findmin_file);
    if (!has_summary && !has_findmin)
        throw InputError({dir.string()}, "no sweep here: expected sweep.json or find-min.json (the output of `tisheng sweep`)");
    const json sw = has_summary ? read_json(summary_file) : json::object();
    const json fm = has_findmin ? read_json(findmin_file) : json();
    const std::string name = sw.value("name", fm.is_object() ? fm.value("sweep_file", std::string("sweep")) : std::string("sweep"));
    std::string h = page_begin(name);
    h += "<h1>情景扫描 <span class=\"en\">What-if sweep</span>: " + esc(sw.value("title", name)) + "</h1>\n";

    if (has_summary) {
        h += "<table class=\"meta\">";
        for (const char* k : {"sweep_file", "scenario_file", "scenario_hash", "engine_version", "seed", "replications", "design", "variants", "done", "targets"})
            if (sw.contains(k)) h += std::string("<tr><td>") + k + "</td><td>" + esc(sw[k].is_string() ? sw[k].get<std::string>() : sw[k].dump()) + "</td></tr>";
        h += "</table>\n<h2>参数 <span class=\"en\">What was varied</span></h2><table><tr><th>参数 Parameter</th><th>取值 Values</th></tr>";
        for (const auto& p : sw.value("parameter_list", json::array())) {
            std::string values;
            if (p.contains("values"))
                for (const auto& v : p["values"]) values += (values.empty() ? "" : ", ") + v.get<std::string>();
            else
                values = num(p["min"].get<double>()) + " – " + num(p["max"].get<double>()) + (p.contains("step") ? ", step " + num(p["step"].get<double>()) : "");
            h += "<tr><td>" + esc(p["path"].get<std::string>()) + "</td><td>" + esc(values) + "</td></tr>";
        }
        h += "</table>\n";

        // Sensitivity: the levers of the headline outcomes.
        h += "<h2>敏感性 <span class=\"en\">Which lever matters most (standardised regression coefficients)</span></h2>\n<table>"
             "<tr><th>结果 Outcome</th><th>R²</th><th>参数按影响排序 Levers, ranked</th></tr>";
        for (const auto& e : sw.value("sensitivity", json::array())) {
            const std::string outcome = e["outcome"].get<std::string>();
            if (!outcome.starts_with("p_") && outcome != "public_spend" && !outcome.starts_with("coverage_")) continue;
            std::string bars;
            for (const auto& c : e["ranked"]) {
                const double src = c["src"].get<double>();
                char buf[220];
                std::snprintf(buf, sizeof buf, "<div><svg width=\"120\" height=\"10\"><rect x=\"%.1f\" y=\"1\" width=\"%.1f\" height=\"8\" fill=\"%s\"/>"
                                               "<line x1=\"60\" x2=\"60\" y1=\"0\" y2=\"10\" stroke=\"#555\"/></svg> ",
                              src < 0 ? 60 + 60 * std::max(-1.0, src) : 60.0, 60 * std::min(1.0, std::abs(src)), src < 0 ? "#b3261e" : "#3b528b");
                char value[16];
                std::snprintf(value, sizeof value, "%+.2f", src);
                bars += buf + std::string(value) + " " + esc(c["parameter"].get<std::string>()) + "</div>";
            }
            h += "<tr><td>" + esc(outcome) + "</td><td class=\"n\">" + num(e["r2"].get<double>(), 2) + "</td><td>" + bars + "</td></tr>";
        }
        h += "</table><p class=\"en\">R² is the share of the outcome's variance a linear model of the levers explains; "
             "a low R² means thresholds or interactions: read the variant table.</p>\n";

        // Pareto frontier and the variant table, from variants.csv.
        if (fs::exists(variants_file)) {
            const auto rows = read_csv(variants_file);
            if (!rows.empty()) {
                const auto& head = rows[0];
                auto col = [&](const std::string& c) { return static_cast<std::size_t>(std::find(head.begin(), head.end(), c) - head.begin()); };
                const std::size_t spend = col("public_spend"), pall = col("p_all_met");
                std::size_t cov = head.size();
                for (std::size_t i = 0; i < head.size(); ++i)
                    if (head[i].starts_with("coverage_") && cov == head.size()) cov = i;
                std::vector<std::array<double, 3>> pts;
                for (std::size_t i = 1; i < rows.size(); ++i)
                    pts.push_back({spend < rows[i].size() ? to_double(rows[i][spend]) : NAN, pall < rows[i].size() ? to_double(rows[i][pall]) : NAN,
                                   cov < rows[i].size() ? to_double(rows[i][cov]) : NAN});
                h += "<h2>帕累托前沿 <span class=\"en\">Pareto frontier: public spend vs P(all met), colour = coverage; ringed = "
                     "non-dominated</span></h2>\n" + pareto_chart(sw.value("pareto", json::array()), pts);
                h += "<h2>方案 <span class=\"en\">Variants</span> (" + std::to_string(rows.size() - 1) + ")</h2>\n<table class=\"wide\"><tr>";
                std::vector<std::size_t> shown;
                for (std::size_t i = 0; i < head.size(); ++i)
                    if (head[i] != "overrides" && !head[i].starts_with("spent_") && !head[i].starts_with("short_")) shown.push_back(i);
                for (std::size_t i : shown) h += "<th>" + esc(head[i]) + "</th>";
                h += "</tr>";
                const std::size_t limit = 500;  // a longer table belongs in variants.csv
                for (std::size_t r = 1; r < rows.size() && r <= limit; ++r) {
                    h += "<tr>";
                    for (std::size_t i : shown) {
                        const std::string v = i < rows[r].size() ? rows[r][i] : "";
                        const double x = to_double(v);
                        h += "<td class=\"n\">" + (std::isfinite(x) ? (head[i].starts_with("p_") ? percent(x) : num(x)) : esc(v)) + "</td>";
                    }
                    h += "</tr>";
                }
                h += "</table>";
                if (rows.size() - 1 > limit) h += "<p>… " + std::to_string(rows.size() - 1 - limit) + " more in variants.csv</p>";
                h += "\n";
            }
        }
    }

    if (has_findmin) {
        h += "<h2>最小预算 <span class=\"en\">Find-min</span></h2>\n<p>";
        const std::string param = fm.value("parameter", ""), target = fm.value("target", "");
        if (fm.value("found", false)) {
            const auto ci = fm.value("ci95", json::array({0, 0}));
            h += "满足 <b>" + esc(target) + "</b> 的最小 <b>" + esc(param) + "</b>: <b>" + money(fm.value("value", 0.0)) + "</b><br>"
                 "<span class=\"en\">estimate " + num(fm.value("estimate", 0.0), 3) + " (95 % CI " + num(ci[0].get<double>(), 3) + "–" +
                 num(ci[1].get<double>(), 3) + "), " + std::to_string(fm.value("replications", 0)) + " replications a step, tolerance " +
                 money(fm.value("tolerance", 0.0)) + "</span>";
            if (fm.contains("below") && fm["below"].is_number())
                h += "<br><span class=\"en\">" + money(fm["below"].get<double>()) + " gives " + num(fm.value("below_estimate", 0.0), 3) + "</span>";
        } else {
            h += "<span class=\"miss\">未达到 not reached</span>: " + esc(target) + " up to " + esc(param) + " = " + money(fm.value("value", 0.0));
        }
        h += "</p><table><tr><th>#</th><th>" + esc(param) + "</th><th>估计 Estimate</th><th></th></tr>";
        int k = 0;
        for (const auto& st : fm.value("steps", json::array()))
            h += "<tr><td>" + std::to_string(++k) + "</td><td class=\"n\">" + money(st["value"].get<double>()) + "</td><td class=\"n\">" +
                 num(st["estimate"].get<double>(), 3) + "</td><td>" + (st["holds"].get<bool>() ? "<span class=\"ok\">holds</span>" : "fails") + "</td></tr>";
        h += "</table>\n";
    }
    h += page_end();
    write_file_atomic(dir / "report.html", h);
}

}  // namespace tisheng
