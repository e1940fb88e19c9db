// The command end to end: the bad-input corpus, `run` and its outputs.
#include <algorithm>
#include <cctype>
#include <map>
#include <regex>
#include <sstream>
#include <gtest/gtest.h>

#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include <nlohmann/json.hpp>

#include "test_support.hpp"
#include "tisheng/report/report.hpp"

namespace fs = std::filesystem;
using namespace tisheng::test;

namespace {

std::vector<fs::path> corpus() { return yaml_files(source_dir() / "tests/bad"); }

}  // namespace

TEST(Cli, BadInputCorpus_hasAtLeastTwentyDistinctCases) { EXPECT_GE(corpus().size(), 20u); }

// Each broken scenario: exit 1 (never a crash or 3), a message naming where
// and what, and no output left behind by `run`.
TEST(Cli, BadInputCorpus_eachFailsCleanlyWithItsMessage) {
    for (const auto& file : corpus()) {
        SCOPED_TRACE(file.filename().string());
        fs::path expect_file = file;
        if (fs::exists(fs::path(file).replace_extension(".expect"))) expect_file = fs::path(file).replace_extension(".expect");
        auto expected = expectations(expect_file);
        ASSERT_FALSE(expected.empty()) << "every corpus file states what it expects";
        auto rel = fs::relative(file, source_dir()).string();
        auto r = run_cli("validate '" + rel + "'");
        EXPECT_EQ(r.exit_code, 1) << r.output;
        for (const auto& e : expected) EXPECT_NE(r.output.find(e), std::string::npos) << "missing '" << e << "' in:\n" << r.output;

        TempDir out;
        auto run = run_cli("run '" + rel + "' --out '" + (out / "run").string() + "'");
        EXPECT_EQ(run.exit_code, 1) << run.output;
        EXPECT_FALSE(fs::exists(out / "run" / "map.gpkg"));
        EXPECT_FALSE(fs::exists(out / "run" / "run.json"));
    }
}

TEST(Cli, Usage_unknownOptionExitsTwo) {
    EXPECT_EQ(run_cli("run --no-such-option x.yaml").exit_code, 2);
    EXPECT_EQ(run_cli("").exit_code, 2);
    EXPECT_EQ(run_cli("synth atlantis --out /tmp/x").exit_code, 2);
}

TEST(Cli, Version_printsEngineVersion) {
    auto r = run_cli("--version");
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_NE(r.output.find("tisheng 0."), std::string::npos) << r.output;
}

TEST(Cli, Validate_baselinePrintsSummaryPerUnit) {
    auto r = run_cli("validate scenarios/jiangmen-baseline.yaml");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    for (const char* name : {"蓬江区", "江海区", "新会区", "台山市", "开平市", "鹤山市", "恩平市"})
        EXPECT_NE(r.output.find(name), std::string::npos) << name;
}

TEST(Cli, Validate_setOverrideIsApplied) {
    auto r = run_cli("validate scenarios/jiangmen-baseline.yaml --set run.replications=-3");
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.output.find("--set run.replications=-3"), std::string::npos) << r.output;
}

// map.gpkg holds the five layers with the counts of the inputs; run.json the
// contract fields.
TEST(Cli, Run_writesMapWithFiveLayersAndRunJson) {
    TempDir out;
    for (const char* sc : {"jiangmen", "quanzhou"}) {
        SCOPED_TRACE(sc);
        fs::path dir = out / sc;
        auto r = run_cli(std::string("run scenarios/") + sc + "-baseline.yaml --replications 40 --out '" + dir.string() + "'");
        ASSERT_EQ(r.exit_code, 0) << r.output;
        EXPECT_NE(r.output.find("run directory: "), std::string::npos);
        auto j = nlohmann::json::parse(slurp(dir / "run.json"));
        EXPECT_EQ(j["programme"], sc);
        EXPECT_TRUE(j.contains("seed") && j.contains("replications") && j.contains("engine_version"));

        GDALAllRegister();
        std::unique_ptr<GDALDataset> ds(GDALDataset::Open((dir / "map.gpkg").c_str(), GDAL_OF_VECTOR));
        ASSERT_TRUE(ds);
        std::map<std::string, long long> counts;
        for (auto* layer : ds->GetLayers()) counts[layer->GetName()] = layer->GetFeatureCount();
        EXPECT_EQ(counts.size(), 5u);
        const auto& in = j["inputs"];
        EXPECT_EQ(counts["units"], in["units"].get<long long>());
        EXPECT_EQ(counts["projects"], in["projects"].get<long long>());
        EXPECT_EQ(counts["stations"], in["stations"].get<long long>());
        EXPECT_EQ(counts["bases"], in["bases"].get<long long>());
        if (std::string(sc) == "jiangmen") {
            EXPECT_EQ(counts["units"], 7);
            EXPECT_GE(counts["projects"], 800);
            EXPECT_LE(counts["projects"], 2000);
            EXPECT_EQ(counts["demand"], counts["projects"]);  // workers on the projects
        } else {
            EXPECT_EQ(counts["units"], 13);
            EXPECT_GE(counts["bases"], 80);
            EXPECT_LE(counts["bases"], 150);
            EXPECT_EQ(counts["demand"], in["demand"].get<long long>());
        }
        for (const auto& e : fs::directory_iterator(dir))
            EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos) << "temporary file left: " << e.path();
    }
}

// The simulation's results in the run directory agree with each other:
// run.json per target and unit, timeseries.csv percentiles, and the
// probabilities added to map.gpkg.
TEST(Cli, Run_resultsAreConsistentAcrossFiles) {
    TempDir out;
    const fs::path dir = out / "jm";
    auto r = run_cli("run scenarios/jiangmen-baseline.yaml --replications 40 --out '" + dir.string() + "'");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    auto j = nlohmann::json::parse(slurp(dir / "run.json"));
    EXPECT_EQ(j["replications"], 40);
    // Two dated targets, and 应建尽建 at the year ends 2025, 2026, 2027: five dates, seven districts and the city.
    ASSERT_EQ(j["targets"].size(), 5u * 8u);
    std::map<std::string, double> p_met;  // "<column> <unit>" -> P(met)
    for (const auto& t : j["targets"]) {
        SCOPED_TRACE(t.dump());
        const double p = t["p_met"];
        EXPECT_GE(p, 0.0);
        EXPECT_LE(p, 1.0);
        EXPECT_LE(t["value_p05"].get<double>(), t["value_p50"].get<double>());
        EXPECT_LE(t["value_p50"].get<double>(), t["value_p95"].get<double>());
        EXPECT_GE(t["missing_p05"].get<double>(), 0.0);
        std::string col = t["id"].get<std::string>() + (t.contains("from") ? "_" + t["date"].get<std::string>() : "");
        for (char& ch : col)
            if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
        p_met[col + " " + t["unit"].get<std::string>()] = p;
        if (t.contains("from")) {
            EXPECT_LE(t["p_met_every_date"].get<double>(), p + 1e-12);
        }
    }
    // What would fix it: a probability per lever; the smallest set, when there
    // is one, fixes at least fix_share of the misses, so it lifts P(met) by at
    // least fix_share of what was missing less what it breaks, which the
    // set's own P(met) reports.
    ASSERT_TRUE(j.contains("what_would_fix"));
    const auto& fix = j["what_would_fix"];
    EXPECT_GT(fix["sample"].get<int>(), 0);
    EXPECT_FALSE(fix["levers"].empty());
    ASSERT_FALSE(fix["checks"].empty());
    for (const auto& c : fix["checks"]) {
        SCOPED_TRACE(c.dump());
        EXPECT_GT(c["missed"].get<int>(), 0);
        EXPECT_EQ(c["p_met_if"].size(), fix["levers"].size());
        for (const auto& [lever, p] : c["p_met_if"].items()) {
            EXPECT_GE(p.get<double>(), 0.0) << lever;
            EXPECT_LE(p.get<double>(), 1.0) << lever;
        }
        if (!c["smallest_set"].empty()) {
            for (const auto& id : c["smallest_set"])
                EXPECT_TRUE(std::any_of(fix["levers"].begin(), fix["levers"].end(), [&](const auto& l) { return l["id"] == id; })) << id;
            EXPECT_FALSE(c["p_met_smallest_set"].is_null());
        }
    }
    // The representative replication: its count is the median's nearest.
    const auto& rep = j["representative"];
    EXPECT_GE(rep["replication"].get<int>(), 0);
    EXPECT_LT(rep["replication"].get<int>(), 40);
    EXPECT_NEAR(rep["status_counts"]["built"].get<double>(), rep["p50"].get<double>(), 0.5 + 1e-9);
    for (const auto& b : j["budget"]) {
        if (!b["allocated_cny"].is_number()) continue;
        EXPECT_LE(b["spent_p95_cny"].get<double>(), b["allocated_cny"].get<double>() + 1) << b.dump();
    }

    // timeseries.csv: every month end x (7 districts + all) x (7 metrics + 3 coverage radii).
    std::istringstream ts(slurp(dir / "timeseries.csv"));
    std::string line;
    std::getline(ts, line);
    EXPECT_EQ(line, "date,unit,metric,p05,p50,p95");
    int rows = 0;
    while (std::getline(ts, line)) {
        ++rows;
        std::vector<std::string> f;
        std::stringstream ls(line);
        for (std::string x; std::getline(ls, x, ',');) f.push_back(x);
        ASSERT_EQ(f.size(), 6u) << line;
        EXPECT_LE(std::stod(f[3]), std::stod(f[4])) << line;
        EXPECT_LE(std::stod(f[4]), std::stod(f[5])) << line;
    }
    EXPECT_EQ(rows, 54 * 8 * 10);  // 2023-07 .. 2027-12

    GDALAllRegister();
    std::unique_ptr<GDALDataset> ds(GDALDataset::Open((dir / "map.gpkg").c_str(), GDAL_OF_VECTOR));
    ASSERT_TRUE(ds);
    auto* projects = ds->GetLayerByName("projects");
    ASSERT_TRUE(projects);
    const int f23 = projects->GetLayerDefn()->GetFieldIndex("p_built_2023_12_31");
    const int f24 = projects->GetLayerDefn()->GetFieldIndex("p_built_2024_12_31");
    ASSERT_GE(f23, 0);
    ASSERT_GE(f24, 0);
    double sum24 = 0;
    for (auto& feature : *projects) {
        const double a = feature->GetFieldAsDouble(f23), b = feature->GetFieldAsDouble(f24);
        EXPECT_GE(a, 0.0);
        EXPECT_LE(a, b) << "built by 2023 implies built by 2024";
        EXPECT_LE(b, 1.0);
        sum24 += b;
    }
    EXPECT_GT(sum24, 0.0);
    // The units layer: P(met) per district and check, the same as run.json's;
    // field names without hyphens.
    auto* units = ds->GetLayerByName("units");
    ASSERT_TRUE(units);
    auto* defn = units->GetLayerDefn();
    for (int f = 0; f < defn->GetFieldCount(); ++f)
        EXPECT_EQ(std::string(defn->GetFieldDefn(f)->GetNameRef()).find('-'), std::string::npos) << defn->GetFieldDefn(f)->GetNameRef();
    int compared = 0;
    for (auto& feature : *units) {
        const std::string unit = feature->GetFieldAsString("unit_id");
        for (const auto& [key, p] : p_met) {
            if (key.substr(key.find(' ') + 1) != unit) continue;
            const int idx = defn->GetFieldIndex(("p_met_" + key.substr(0, key.find(' '))).c_str());
            ASSERT_GE(idx, 0) << key;
            EXPECT_DOUBLE_EQ(feature->GetFieldAsDouble(idx), p) << key;
            ++compared;
        }
    }
    EXPECT_EQ(compared, 5 * 7);  // the districts' (the city's are in run.json only)
    EXPECT_GE(defn->GetFieldIndex("p_met_stations_2023"), 0);
    EXPECT_GE(defn->GetFieldIndex("p_met_every_eligible_project_2026_12_31"), 0);

    // The summary printed: each target's headline is report.html's, worded
    // alike; each date's P(met) is its lowest district's in run.json.
    auto all = [](const std::string& text, const std::string& pattern) {
        std::vector<std::string> out;
        const std::regex re(pattern);
        for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator(); ++it) out.push_back((*it)[1]);
        return out;
    };
    const std::string head = R"(P\(every (?:unit|city-wide) check met(?:, at every date)?\))";
    const auto printed = all(r.output, "\\): " + head + " ([0-9.]+ %)\n");
    EXPECT_EQ(printed.size(), 3u) << r.output;
    EXPECT_EQ(printed, all(slurp(dir / "report.html"), head + "</span> <b>([^<]+)</b>"));
    std::map<std::string, double> lowest;  // date -> the least P(met) of any district (the targets' dates differ)
    for (const auto& t : j["targets"])
        if (t["unit"] != "all" && !t["p_met"].is_null()) {
            const std::string d = t["date"];
            lowest[d] = lowest.count(d) ? std::min(lowest[d], t["p_met"].get<double>()) : t["p_met"].get<double>();
        }
    int dates = 0;
    for (const auto& [date, p] : lowest) {
        EXPECT_NE(r.output.find("    " + date + ": P(met) " + tisheng::format_share(p) + " (lowest: "), std::string::npos) << date << "\n" << r.output;
        ++dates;
    }
    EXPECT_EQ(dates, 5);
}


// `tisheng run` writes into a folder that is new, empty or a run of the same
// scenario; another scenario's run or a folder of other files needs --force.
TEST(Cli, Run_refusesAnotherScenariosFolderWithoutForce) {
    TempDir out;
    const fs::path dir = out / "run";
    auto r = run_cli("run scenarios/quanzhou-baseline.yaml --replications 8 --no-explain --out '" + dir.string() + "'");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const std::string before = slurp(dir / "run.json");
    r = run_cli("run scenarios/jiangmen-baseline.yaml --replications 8 --no-explain --out '" + dir.string() + "'");
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find("another scenario ('quanzhou-baseline'"), std::string::npos) << r.output;
    EXPECT_EQ(slurp(dir / "run.json"), before) << "nothing was overwritten";
    // The same scenario again: overwritten.
    r = run_cli("run scenarios/quanzhou-baseline.yaml --replications 9 --no-explain --out '" + dir.string() + "'");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(nlohmann::json::parse(slurp(dir / "run.json"))["replications"], 9);
    // A folder of other files.
    const fs::path other = out / "mine";
    fs::create_directories(other);
    write(other / "notes.txt", "mine");
    r = run_cli("run scenarios/quanzhou-baseline.yaml --replications 8 --no-explain --out '" + other.string() + "'");
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_FALSE(fs::exists(other / "run.json"));
    r = run_cli("run scenarios/quanzhou-baseline.yaml --replications 8 --no-explain --force --out '" + other.string() + "'");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_TRUE(fs::exists(other / "run.json"));
    EXPECT_EQ(slurp(other / "notes.txt"), "mine");
}

// A run folder keeps what the run read: the report reads the folder, so an
// edit of the original data changes nothing. A re-run reads the copies in
// input/, and refuses one edited since the run, naming the file; the report
// still reads the store (data.bin), which holds the data the run read.
TEST(Cli, Report_readsTheFolder_andARerunRefusesAnEditedCopy) {
    TempDir tmp;
    fs::create_directories(tmp / "scenarios");
    fs::create_directories(tmp / "datasets");
    fs::copy_file(source_dir() / "scenarios" / "quanzhou-baseline.yaml", tmp / "scenarios" / "quanzhou-baseline.yaml");
    fs::copy(source_dir() / "datasets" / "quanzhou", tmp / "datasets" / "quanzhou", fs::copy_options::recursive);
    fs::copy(source_dir() / "datasets" / "calendar", tmp / "datasets" / "calendar", fs::copy_options::recursive);
    const fs::path dir = tmp / "run";
    auto r = run_cli("run '" + (tmp / "scenarios" / "quanzhou-baseline.yaml").string() + "' --replications 8 --no-explain --out '" +
                     dir.string() + "'");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const auto j = nlohmann::json::parse(slurp(dir / "run.json"));
    ASSERT_GE(j["data_files"].size(), 3u);  // units, bases, demand
    ASSERT_GE(j["input"]["files"].size(), 3u);
    const std::string first = slurp(dir / "report.html");
    // The original data edited, even removed: the folder's copy is read.
    fs::remove_all(tmp / "datasets" / "quanzhou");
    r = run_cli("report '" + dir.string() + "'");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(slurp(dir / "report.html"), first);
    // One more blank line at the end of the copy of the demand file: the
    // same data to a reader, other bytes; the folder no longer holds what
    // the run read.
    const fs::path demand = dir / "input" / "demand" / "demand.csv";
    ASSERT_TRUE(fs::exists(demand));
    write(demand, slurp(demand) + "\n");
    r = run_cli("report '" + dir.string() + "'");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(slurp(dir / "report.html"), first);
    r = run_cli("run '" + dir.string() + "' --no-explain --out '" + (tmp / "again").string() + "'");
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("demand.csv"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("units.geojson"), std::string::npos) << "only what changed is named\n" << r.output;
}

// A NUL byte in a scenario, and an empty --out, are refused with a message
// (both used to pass unseen).
TEST(Cli, NulByteAndEmptyOutAreRefused) {
    TempDir tmp;
    write(tmp / "nul.yaml", std::string("name: a\nrun:\n  seed: 1\0\n", 25));
    auto r = run_cli("validate '" + (tmp / "nul.yaml").string() + "'");
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("nul.yaml:3: error: holds a NUL byte"), std::string::npos) << r.output;
    for (const char* cmd : {"run scenarios/jiangmen-baseline.yaml --out ''", "site scenarios/jiangmen-baseline.yaml --out ''"}) {
        r = run_cli(cmd);
        EXPECT_EQ(r.exit_code, 2) << cmd << "\n" << r.output;
        EXPECT_NE(r.output.find("--out needs a folder"), std::string::npos) << r.output;
    }
}

// A run past the working-day calendar's last year: a warning at the stage
// that counts working days (its deadlines would silently come early), and
// a run that still ends (it once hung on a 2038 horizon).
TEST(Cli, Validate_runPastTheCalendarWarnsAtTheWorkingDayStage) {
    auto r = run_cli("validate scenarios/quanzhou-baseline.yaml --set run.end=2038-12-31");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("quanzhou-baseline.yaml:65:"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("field 'programme.review[3].working_days': the run ends in 2038, after the working-day calendar (2020-2027)"),
              std::string::npos)
        << r.output;
    EXPECT_EQ(run_cli("validate scenarios/quanzhou-baseline.yaml").output.find("working-day calendar"), std::string::npos);
}
