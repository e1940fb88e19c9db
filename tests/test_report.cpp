// report.html as a person sees it (rendered by headless Chromium), and
// personal data: no full mobile or ID number in any output of a run unless
// --unmasked, and then only in forms/.
#include <gtest/gtest.h>

#include <gdal_priv.h>

#include <map>
#include <regex>
#include <set>

#include "test_support.hpp"
#include "tisheng/scenario.hpp"

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
    std::unique_ptr<GDALDataset> ds(static_cast<GDALDataset*>(GDALOpenEx(png.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY, nullptr, nullptr, nullptr)));
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
        if (FILE* pipe = popen(cmd.c_str(), "r")) {
            char buf[4096];
            while (std::size_t n = fread(buf, 1, sizeof buf, pipe)) text.append(buf, n);
            pclose(pipe);
        }
        out[e.path()] = text;
    }
    return out;
}

}  // namespace

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
            if (unmasked) EXPECT_GT(found_in_forms, 0u) << "--unmasked forms should show the numbers";
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
