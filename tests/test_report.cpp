// report.html as a person sees it (rendered by headless Chromium), and
// personal data: no full mobile or ID number in any output of a run unless
// --unmasked, and then only in forms/.
#include <gtest/gtest.h>
#include <cstdio>

#include <nlohmann/json.hpp>

#include <gdal_priv.h>

#include <map>
#include <regex>
#include <set>

#include "test_support.hpp"
#include "tisheng/simulate/counterfactual.hpp"
#include "tisheng/report/report.hpp"
#include "tisheng/results/run.hpp"
#include "tisheng/model/scenario.hpp"
#include "tisheng/simulate/simulate.hpp"

namespace fs = std::filesystem;
using namespace tisheng;
using namespace tisheng::test;

namespace {

const char* chromium() {
    for (const char* p : {"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"})
        if (fs::exists(p)) return p;
    return nullptr;
}

/// Renders `html` to `png` at `width` x `height` pixels; true on success.
bool render(const fs::path& html, const fs::path& png, int width, int height) {
    const std::string cmd = std::string("'") + chromium() + "' --headless --no-sandbox --disable-gpu --hide-scrollbars --force-device-scale-factor=1 " +
                            "--window-size=" + std::to_string(width) + "," + std::to_string(height) + " --screenshot='" + png.string() +
                            "' 'file://" + fs::absolute(html).string() + "' > /dev/null 2>&1";
    return std::system(cmd.c_str()) == 0 && fs::exists(png);
}

/// Pixel counts per #rrggbb colour of a PNG.
std::map<std::string, std::size_t> colours(const fs::path& png) {
    GDALAllRegister();
    std::map<std::string, std::size_t> out;
    GDALDatasetUniquePtr ds(static_cast<GDALDataset*>(GDALOpenEx(png.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY, nullptr, nullptr, nullptr)));
    if (!ds || ds->GetRasterCount() < 3) return out;
    const int w = ds->GetRasterXSize(), h = ds->GetRasterYSize();
    std::vector<std::uint8_t> rgb(static_cast<std::size_t>(w) * static_cast<std::size_t>(h) * 3);
    int bands[] = {1, 2, 3};
    if (ds->RasterIO(GF_Read, 0, 0, w, h, rgb.data(), w, h, GDT_Byte, 3, bands, 3, 3 * w, 1) != CE_None) return out;
    char buf[8];
    for (std::size_t i = 0; i < rgb.size(); i += 3) {
        std::snprintf(buf, sizeof buf, "#%02x%02x%02x", rgb[i], rgb[i + 1], rgb[i + 2]);
        ++out[buf];
    }
    return out;
}

/// The <svg> ... </svg> maps of report.html (the figures of the Maps section).
std::vector<std::string> map_svgs(const std::string& html) {
    std::vector<std::string> out;
    const auto start = html.find("<div class=\"maps\">");
    const auto end = html.find("</div>", start);
    for (std::size_t p = html.find("<svg", start); p != std::string::npos && p < end; p = html.find("<svg", p + 1))
        out.push_back(html.substr(p, html.find("</svg>", p) + 6 - p));
    return out;
}

/// Every file under `dir`, as text (XLSX: its XML parts, unzipped by Python).
std::map<fs::path, std::string> every_output(const fs::path& dir) {
    std::map<fs::path, std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
        if (!e.is_regular_file()) continue;
        if (e.path().extension() != ".xlsx") {
            out[e.path()] = slurp(e.path());
            continue;
        }
        const std::string cmd = "/usr/bin/python3 -c \"import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); "
                                "sys.stdout.write(''.join(z.read(n).decode('utf-8', 'replace') for n in z.namelist()))\" '" +
                                e.path().string() + "'";
        std::string text;
        if (tisheng::test::Pipe pipe(cmd); pipe) text = pipe.read_all();
        out[e.path()] = text;
    }
    return out;
}

/// A scenario, its simulator and a small Monte Carlo run of it.
struct SmallRun {
    Scenario s;
    std::unique_ptr<Simulator> sim;
    Results r;
    SmallRun(const std::string& scenario, int replications) : s(load_scenario(source_dir() / "scenarios" / scenario)) {
        sim = std::make_unique<Simulator>(s);
        MonteCarloOptions mc;
        mc.replications = replications;
        r = simulate(*sim, mc);
    }
    /// report.html written into `dir`, as text.
    std::string report(const fs::path& dir, const ReportOptions& o = {}) const {
        write_report(s, r, dir, o);
        return slurp(dir / "report.html");
    }
};

/// The text between `from` and the next `to` after it (empty if absent).
std::string between(const std::string& text, const std::string& from, const std::string& to, std::size_t start = 0) {
    const auto a = text.find(from, start);
    if (a == std::string::npos) return {};
    const auto b = text.find(to, a + from.size());
    return text.substr(a, b == std::string::npos ? std::string::npos : b - a);
}

/// Text as the page writes it (& < > " escaped).
std::string escaped(const std::string& text) {
    std::string out;
    for (char ch : text) {
        switch (ch) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            default: out += ch;
        }
    }
    return out;
}

/// The rows of an HTML table, each as its cells' inner HTML.
std::vector<std::vector<std::string>> table_rows(const std::string& table) {
    std::vector<std::vector<std::string>> rows;
    const std::regex row(R"re(<tr[^>]*>([\s\S]*?)</tr>)re"), cell(R"re(<t[dh][^>]*>([\s\S]*?)</t[dh]>)re");
    for (auto it = std::sregex_iterator(table.begin(), table.end(), row); it != std::sregex_iterator(); ++it) {
        const std::string inner = (*it)[1];
        std::vector<std::string> cells;
        for (auto c = std::sregex_iterator(inner.begin(), inner.end(), cell); c != std::sregex_iterator(); ++c) cells.push_back((*c)[1]);
        rows.push_back(cells);
    }
    return rows;
}

}  // namespace

// One formatting function for shares, one for counts: a share target's
// value is a percentage, a count's median a whole number.
TEST(Report, SharesArePercentagesAndCountsWholeNumbers) {
    EXPECT_EQ(format_share(0.2414), "24.1 %");
    EXPECT_EQ(format_share(0.9), "90 %");
    EXPECT_EQ(format_share(1.0), "100 %");
    EXPECT_EQ(format_share(0.0), "0 %");
    EXPECT_EQ(format_share(0.9996), "99.9 %") << "100 % only when it is certain";
    EXPECT_EQ(format_share(0.0004), "0.1 %") << "0 % only when it never happens";
    EXPECT_EQ(format_count(12.05), "12");
    EXPECT_EQ(format_count(54.5), "55");
    EXPECT_EQ(format_count(1234.6), "1,235");
    EXPECT_EQ(format_value(Measure::share_eligible_with_station, 0.2814), "28.1 %");
    EXPECT_EQ(format_value(Measure::stations_built, 12.05), "12");

    TempDir tmp;
    const SmallRun jm("jiangmen-baseline.yaml", 40);
    const std::string html = jm.report(tmp.path);
    // No count with decimals, no share as a bare fraction in any number cell
    // (the inputs' table shows values as the scenario file writes them).
    const std::regex decimal_count(R"re(<td class="n">\d[\d,]*\.\d+ \[)re"), bare_share(R"re(<td class="n"[^>]*>0\.\d+)re");
    EXPECT_FALSE(std::regex_search(html, decimal_count)) << "a count median with decimals";
    EXPECT_FALSE(std::regex_search(html, bare_share)) << "a share written as a fraction";
    // The share target's requirement and median, as percentages.
    std::size_t k = 0;
    while (k < jm.r.layout.checks.size() && !jm.s.programme.targets[jm.r.layout.checks[k].target].recurring()) ++k;
    ASSERT_LT(k, jm.r.layout.checks.size());
    const auto& v = jm.r.checks[k].value;
    const std::string shown = format_share(v.p50) + " [" + format_share(v.p05) + "–" + format_share(v.p95) + "]";
    EXPECT_NE(html.find(shown), std::string::npos) << shown;
    EXPECT_NE(html.find("要求 Required: 90 %"), std::string::npos);
    // A dated count target's median, whole.
    const auto& c0 = jm.r.checks[0].value;
    EXPECT_NE(html.find(format_count(c0.p50) + " [" + format_count(c0.p05) + "–" + format_count(c0.p95) + "]"), std::string::npos);
}

// The coverage map shows one replication's open sites and its workers at
// the end date; the share printed under it is computed from the same
// points, and equals that replication's own covered share.
TEST(Report, CoverageMapAndItsShareComeFromTheSameReplication) {
    for (const char* scenario : {"jiangmen-baseline.yaml", "quanzhou-baseline.yaml"}) {
        SCOPED_TRACE(scenario);
        TempDir tmp;
        const SmallRun run(scenario, 30);
        const CoverageSnapshot c = coverage_snapshot(run.s, run.r);
        ASSERT_EQ(c.replication, run.r.median_replication);
        ASSERT_FALSE(c.radii.empty());
        ASSERT_EQ(c.share.size(), c.radii.size());
        for (std::size_t k = 0; k < c.radii.size(); ++k) EXPECT_NEAR(c.share[k], c.simulated_share[k], 1e-5) << "radius " << c.radii[k];
        EXPECT_GT(c.total_workers, 0);
        EXPECT_FALSE(c.open_sites.empty());

        const std::string html = run.report(tmp.path);
        const std::regex printed(R"re(<b class="coverage-share">([^<]*)</b>)re");
        std::smatch m;
        ASSERT_TRUE(std::regex_search(html, m, printed));
        EXPECT_EQ(m[1].str(), format_share(c.share[c.headline]));
        // The dots: one per demand point with workers, grouped by the radius
        // that reaches it; their workers give the printed share.
        const std::string svg = between(html, "<svg xmlns=\"http://www.w3.org/2000/svg\"", "</svg>", html.find("<section class=\"coverage\">"));
        ASSERT_FALSE(svg.empty());
        std::vector<std::size_t> expected(c.radii.size() + 1, 0);
        double within = 0;
        for (std::size_t i = 0; i < c.demand.size(); ++i)
            if (c.workers[i] > 0) {
                ++expected[c.radius_class[i]];
                if (c.radius_class[i] <= c.headline) within += c.workers[i];
            }
        EXPECT_NEAR(within / c.total_workers, c.share[c.headline], 1e-9);
        for (std::size_t k = 0; k <= c.radii.size(); ++k) {
            const std::string group = between(svg, "<g class=\"radius-" + std::to_string(k) + "\"", "</g>");
            std::size_t dots = 0;
            for (std::size_t p = group.find("<circle"); p != std::string::npos; p = group.find("<circle", p + 1)) ++dots;
            EXPECT_EQ(dots, expected[k]) << "dots within radius class " << k;
        }
        std::size_t units_labelled = 0;
        for (std::size_t u = 0; u < run.s.region.units().size(); ++u)
            units_labelled += svg.find(">" + format_share(c.share_by_unit[u][c.headline]) + "</text>") != std::string::npos;
        EXPECT_EQ(units_labelled, run.s.region.units().size());
    }
}

// Above ReportOptions::max_points the maps aggregate: no dot per point, the
// coverage map's workers as a raster, a caption that says so; the page
// stays far smaller than with every point drawn.
TEST(Report, ManyPointsAreAggregatedAndSaidSo) {
    TempDir tmp;
    const SmallRun run("quanzhou-baseline.yaml", 20);
    const std::string every = run.report(tmp.path);
    ReportOptions few;
    few.max_points = 100;
    const std::string html = run.report(tmp.path, few);
    const std::string svg = between(html, "<svg xmlns=\"http://www.w3.org/2000/svg\"", "</svg>", html.find("<section class=\"coverage\">"));
    ASSERT_FALSE(svg.empty());
    EXPECT_NE(svg.find("class=\"demand-raster\""), std::string::npos);
    EXPECT_EQ(svg.find("<g class=\"radius-0\""), std::string::npos) << "no dot per demand point";
    EXPECT_NE(html.find("too many to draw one by one"), std::string::npos);
    EXPECT_LT(html.size(), every.size());
    EXPECT_NE(every.find("<g class=\"radius-0\""), std::string::npos) << "below the cap every point is drawn";
}

// District maps of a dated target are filled by the median against the
// requirement, so they vary where P(met) is 100 % everywhere.
TEST(Report, DistrictMapsVaryWithTheMedianWhereThePMetDoesNot) {
    TempDir tmp;
    const SmallRun jm("jiangmen-baseline.yaml", 60);
    const std::string html = jm.report(tmp.path);
    const auto& L = jm.r.layout;
    std::string figure;
    for (std::size_t p = html.find("<figure>"); p != std::string::npos; p = html.find("<figure>", p + 1)) {
        const std::string f = html.substr(p, html.find("</figure>", p) - p);
        if (f.find("stations-2023</span>") != std::string::npos) figure = f;
    }
    ASSERT_FALSE(figure.empty());
    const std::regex fill(R"re(<path d="[^"]*" fill="(#[0-9a-f]{6})")re");
    std::vector<std::string> fills;
    for (auto it = std::sregex_iterator(figure.begin(), figure.end(), fill); it != std::sregex_iterator(); ++it) fills.push_back((*it)[1]);
    ASSERT_EQ(fills.size(), jm.s.region.units().size());
    std::map<std::size_t, double> ratio;
    std::size_t certain = 0;
    for (std::size_t k = 0; k < L.checks.size(); ++k)
        if (jm.s.programme.targets[L.checks[k].target].id == "stations-2023" && L.checks[k].unit >= 0) {
            ratio[static_cast<std::size_t>(L.checks[k].unit)] = jm.r.checks[k].value.p50 / L.checks[k].required;
            certain += jm.r.checks[k].p_met >= 0.95;
        }
    ASSERT_EQ(ratio.size(), fills.size());
    EXPECT_GE(certain, fills.size() - 1) << "the test wants P(met) near 100 % everywhere";
    for (const auto& [a, ra] : ratio)
        for (const auto& [b, rb] : ratio) {
            if (ra == rb) {
                EXPECT_EQ(fills[a], fills[b]) << "units " << a << " and " << b << " have the same median ÷ required";
            }
            if (std::abs(ra - rb) > 0.5) {
                EXPECT_NE(fills[a], fills[b]) << "units " << a << " and " << b << ": " << ra << " vs " << rb;
            }
        }
    EXPECT_GE(std::set<std::string>(fills.begin(), fills.end()).size(), 3u);
    EXPECT_NE(figure.find("1× = 要求 required"), std::string::npos) << "the legend names the requirement";
}

// What would fix the misses: every lever with P(met | lever) from
// Results::fixes, the smallest set, the method with the sample size.
TEST(Report, WhatWouldFixListsEachLeverWithItsPMet) {
    TempDir tmp;
    SmallRun jm("jiangmen-baseline.yaml", 60);
    CounterfactualOptions co;
    co.sample = 12;
    co.max_sets = 12;
    jm.r.fixes = std::make_shared<const Counterfactuals>(explain_misses(*jm.sim, jm.r, co));
    const Counterfactuals& cf = *jm.r.fixes;
    ASSERT_FALSE(cf.fixes.empty());
    const std::string html = jm.report(tmp.path);
    const std::string section = between(html, "为何未达标", "<h2>");
    ASSERT_FALSE(section.empty());
    EXPECT_NE(section.find("(" + std::to_string(cf.sample) + " of them"), std::string::npos) << "the sample size";
    for (const Lever& l : cf.levers) EXPECT_NE(section.find(escaped(lever_label(jm.s, l, "zh"))), std::string::npos) << l.id;
    std::size_t checked = 0;
    const auto& L = jm.r.layout;
    for (const Fix& f : cf.fixes) {
        if (f.rerun == 0) continue;
        const Check& c = L.checks[f.check];
        const Target& t = jm.s.programme.targets[c.target];
        const std::string table = between(section, "<table class=\"fix\" data-target=\"" + t.id + "\" data-date=\"" + c.date.iso() + "\"", "</table>");
        ASSERT_FALSE(table.empty()) << t.id << " " << c.date.iso();
        const std::string unit = c.unit < 0 ? "all" : jm.s.region.unit(static_cast<UnitIndex>(c.unit)).id;
        const std::regex head(R"re(<th data-unit="([^"]*)")re");
        std::vector<std::string> columns;
        for (auto it = std::sregex_iterator(table.begin(), table.end(), head); it != std::sregex_iterator(); ++it) columns.push_back((*it)[1]);
        const auto col = std::find(columns.begin(), columns.end(), unit);
        ASSERT_NE(col, columns.end()) << unit;
        const std::size_t j = static_cast<std::size_t>(col - columns.begin()) + 1;  // after the row's label
        for (std::size_t l = 0; l < cf.levers.size(); ++l) {
            const std::string row = between(table, "<tr data-lever=\"" + cf.levers[l].id + "\">", "</tr>");
            const auto cells = table_rows("<tr>" + row.substr(row.find('>') + 1) + "</tr>");
            ASSERT_EQ(cells.size(), 1u);
            ASSERT_GT(cells[0].size(), j);
            EXPECT_EQ(cells[0][j], format_share(f.p_if(l, jm.r.checks[f.check].p_met))) << cf.levers[l].id << " for " << unit;
        }
        if (!f.smallest.empty()) {
            EXPECT_NE(table.find(escaped(lever_set_label(jm.s, cf, f.smallest, "en"))), std::string::npos);
        }
        ++checked;
    }
    EXPECT_GT(checked, 0u);
}

// The inputs section: every value with its kind of source and note, the
// counts by kind at the top; an empty list says so.
TEST(Report, InputsSectionShowsEachValuesProvenance) {
    TempDir tmp;
    SmallRun qz("quanzhou-baseline.yaml", 20);
    qz.s.inputs.clear();
    InputValue a;
    a.path = "programme.quota.bases";
    a.value = "30";
    a.source = Source{SourceKind::notice, "一、目标任务: 三年建设30个"};
    InputValue b;
    b.path = "behaviour.bases.apply_probability";
    b.value = "0.6";
    b.source = Source{SourceKind::assumption, "a guess to test"};
    InputValue c;
    c.path = "behaviour.bases.review_days";
    c.value = "20";
    c.needs_source = true;
    qz.s.inputs = {a, b, c};
    const std::string html = qz.report(tmp.path);
    const std::string section = between(html, "输入及来源", "</body>");
    ASSERT_FALSE(section.empty());
    for (const char* text : {"通知原文 notice", "假设 assumption", "一、目标任务: 三年建设30个", "a guess to test", "apply_probability",
                             "review_days", "quota.bases"})
        EXPECT_NE(section.find(text), std::string::npos) << text;
    EXPECT_NE(section.find("notice <b>1</b>"), std::string::npos);
    EXPECT_NE(section.find("assumption <b>1</b>"), std::string::npos);
    EXPECT_NE(section.find("none (numbers and dates without a source) <b>1</b>"), std::string::npos);
    EXPECT_NE(section.find("<th colspan=\"4\">behaviour</th>"), std::string::npos) << "grouped by the top-level key";

    qz.s.inputs.clear();
    const std::string empty = qz.report(tmp.path);
    EXPECT_NE(between(empty, "输入及来源", "</body>").find("lists no inputs"), std::string::npos);
}

// The page renders, is not blank, and each map shows the fills its units
// were given; the report is one file that needs nothing from the network.
TEST(Report, ChromiumRendersTheMapsInTheUnitColours) {
    if (!chromium()) GTEST_SKIP() << "chromium is not installed (bash .ci/bootstrap test installs it)";
    TempDir tmp;
    // A city fund cut spreads the districts' chances, so their fills differ.
    auto r = run_cli("run scenarios/jiangmen-baseline.yaml --replications 200 --out '" + (tmp / "run").string() +
                     "' --set 'budgets.payers.city_fund.years={}' --set budgets.payers.city_fund.annual_cny=150000");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const fs::path report = tmp / "run" / "report.html";
    const std::string html = slurp(report);
    EXPECT_LT(html.size(), 3u * 1024 * 1024);
    EXPECT_EQ(html.find("<script"), std::string::npos);
    for (const char* link : {"src=\"http", "href=\"http", "url(http", "@import"})
        EXPECT_EQ(html.find(link), std::string::npos) << "the page must not load anything: " << link;
    EXPECT_NE(html.find("蓬江区"), std::string::npos);

    ASSERT_TRUE(render(report, tmp / "page.png", 900, 3000));
    const auto page = colours(tmp / "page.png");
    std::size_t white = page.count("#ffffff") ? page.at("#ffffff") : 0, total = 0;
    for (const auto& [c, n] : page) total += n;
    EXPECT_GT(page.size(), 50u) << "the page looks blank";
    EXPECT_LT(white, total * 9 / 10) << "the page is mostly white";

    // The map with the most distinct unit fills, drawn on its own.
    const auto maps = map_svgs(html);
    ASSERT_GE(maps.size(), 3u);
    std::set<std::string> best;
    std::string best_svg;
    const std::regex fill(R"re(<path d="[^"]*" fill="(#[0-9a-f]{6})")re");
    for (const auto& svg : maps) {
        std::set<std::string> fills;
        for (auto it = std::sregex_iterator(svg.begin(), svg.end(), fill); it != std::sregex_iterator(); ++it) fills.insert((*it)[1]);
        if (fills.size() > best.size()) {
            best = fills;
            best_svg = svg;
        }
    }
    ASSERT_GE(best.size(), 3u) << "expected districts with different chances";
    write(tmp / "map.html", "<!DOCTYPE html><html><body style=\"margin:0;background:#fff\">" + best_svg + "</body></html>");
    ASSERT_TRUE(render(tmp / "map.html", tmp / "map.png", 400, 400));
    const auto painted = colours(tmp / "map.png");
    for (const auto& c : best) {
        const std::size_t n = painted.count(c) ? painted.at(c) : 0;
        EXPECT_GT(n, 150u) << "unit fill " << c << " is not on the rendered map";
    }
}

// Every output of a run, binary and zipped ones included: the data's mobile
// and ID numbers never appear in full, except in forms/ with --unmasked.
TEST(Report, PersonalDataAreMaskedInEveryOutput) {
    const Scenario jm = load_scenario(source_dir() / "scenarios/jiangmen-baseline.yaml");
    const Scenario qz = load_scenario(source_dir() / "scenarios/quanzhou-baseline.yaml");
    std::vector<std::string> secrets;
    for (const auto& p : jm.sites.projects) secrets.push_back(p.mobile);
    for (const auto& b : qz.sites.bases) {
        secrets.push_back(b.phone);
        secrets.push_back(b.head_id_number);
    }
    ASSERT_GT(secrets.size(), 1000u);
    TempDir tmp;
    for (const char* scenario : {"jiangmen", "quanzhou"}) {
        for (const bool unmasked : {false, true}) {
            const fs::path out = tmp / (std::string(scenario) + (unmasked ? "-full" : "-masked"));
            auto r = run_cli(std::string("run scenarios/") + scenario + "-baseline.yaml --replications 50 --out '" + out.string() + "'" +
                             (unmasked ? " --unmasked" : ""));
            ASSERT_EQ(r.exit_code, 0) << r.output;
            EXPECT_EQ(r.output.find("--unmasked:") != std::string::npos, unmasked) << r.output;
            std::size_t found_in_forms = 0;
            for (const auto& [file, text] : every_output(out)) {
                const bool in_forms = file.parent_path().filename() == "forms";
                for (const auto& secret : secrets) {
                    if (secret.empty() || text.find(secret) == std::string::npos) continue;
                    if (unmasked && in_forms) {
                        ++found_in_forms;
                        continue;
                    }
                    ADD_FAILURE() << file << " holds " << secret << " in full";
                    break;
                }
            }
            if (unmasked) {
                EXPECT_GT(found_in_forms, 0u) << "--unmasked forms should show the numbers";
            }
        }
    }
}

// tisheng report rewrites the page from the run directory alone, with the
// same numbers; a sweep folder gets its own page.
TEST(Report, ReportCommandRewritesRunAndSweepPages) {
    TempDir tmp;
    const fs::path run = tmp / "run";
    auto r = run_cli("run scenarios/quanzhou-baseline.yaml --replications 100 --out '" + run.string() + "'");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const std::string first = slurp(run / "report.html");
    fs::remove(run / "report.html");
    r = run_cli("report '" + run.string() + "'");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(slurp(run / "report.html"), first) << "the rewritten report differs from the run's";
    EXPECT_NE(first.find("市级补助与县级配套"), std::string::npos);
    // The candidates' outcomes: the same means as run.json's, ineligible apart from review failures.
    {
        const auto j = nlohmann::json::parse(slurp(run / "run.json"));
        const auto& m = j["representative"]["mean_outcomes"];
        ASSERT_TRUE(m.contains("ineligible") && m.contains("review_failed") && m.contains("not_selected:cap"));
        const auto at = first.find("候选单位结局");
        ASSERT_NE(at, std::string::npos);
        char named[32];
        std::snprintf(named, sizeof named, "%.1f", m["named"].get<double>());
        EXPECT_NE(first.find(std::string(">") + named + "<", at), std::string::npos) << named;
        EXPECT_GT(m["ineligible"].get<double>(), 0.0);
    }

    write(tmp / "sweep.yaml", "name: tiny\nscenario: " + (source_dir() / "scenarios/quanzhou-baseline.yaml").string() +
                                  "\nreplications: 20\nparameters:\n  - {path: budgets.payers.city.annual_cny, values: [1000000, 3000000, 5000000]}\n"
                                  "  - {path: budgets.payers.county.annual_cny, values: [200000, 600000]}\n");
    r = run_cli("sweep '" + (tmp / "sweep.yaml").string() + "' --out '" + (tmp / "sweep").string() + "'");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const std::string page = slurp(tmp / "sweep" / "report.html");
    EXPECT_NE(page.find("帕累托前沿"), std::string::npos);
    EXPECT_NE(page.find("budgets.payers.city.annual_cny"), std::string::npos);
    EXPECT_EQ(page.find("<script"), std::string::npos);

    r = run_cli("report '" + (tmp / "nothing").string() + "'");
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("not a run directory"), std::string::npos) << r.output;
}
