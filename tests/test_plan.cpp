// `tisheng site` and the coverage outputs of `tisheng run`, end to end
// through the command: the plans of both baselines against their rules
// (budgets, quotas, focus industries, district minimums), a plan used as
// the bases' selection policy, the coverage shares, surfaces and nearest-site
// distances against brute force, and bad input that must fail cleanly.
#include <gtest/gtest.h>

#include <gdal_priv.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "test_support.hpp"

namespace fs = std::filesystem;
using namespace tisheng::test;

namespace {

// The command with stdout and stderr apart.
struct Cli {
    int exit_code = -1;  ///< 128 + signal if killed by one
    std::string out, err;
    [[nodiscard]] std::string both() const { return "stdout:\n" + out + "\nstderr:\n" + err; }
};

Cli cli(const std::string& args) {
    TempDir t;
    const fs::path err = t / "stderr";
    const std::string cmd = "cd '" + source_dir().string() + "' && '" + TISHENG_CLI + "' " + args + " 2>'" + err.string() + "'";
    Cli r;
    tisheng::test::Pipe pipe(cmd);
    if (!pipe) return r;
    r.out = pipe.read_all();
    r.exit_code = pipe.close();
    r.err = slurp(err);
    return r;
}

std::string q(const fs::path& p) { return "'" + p.string() + "'"; }

// A CSV file as rows of fields (RFC 4180 quoting), the BOM dropped.
using Rows = std::vector<std::vector<std::string>>;

Rows read_csv(const std::string& text_in) {
    std::string text = text_in.starts_with("\xEF\xBB\xBF") ? text_in.substr(3) : text_in;
    Rows rows;
    std::vector<std::string> row;
    std::string field;
    bool quoted = false, any = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quoted) {
            if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') field += '"', ++i;
            else if (c == '"') quoted = false;
            else field += c;
        } else if (c == '"') quoted = any = true;
        else if (c == ',') row.push_back(std::move(field)), field.clear(), any = true;
        else if (c == '\n' || c == '\r') {
            if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
            if (any || !field.empty()) row.push_back(std::move(field));
            if (!row.empty()) rows.push_back(std::move(row));
            row.clear(), field.clear(), any = false;
        } else field += c, any = true;
    }
    if (any || !field.empty()) row.push_back(std::move(field));
    if (!row.empty()) rows.push_back(std::move(row));
    return rows;
}

// A table: the header's column positions and the data rows.
struct Table {
    std::vector<std::string> header;
    Rows rows;
    [[nodiscard]] int col(const std::string& name) const {
        const auto it = std::find(header.begin(), header.end(), name);
        return it == header.end() ? -1 : static_cast<int>(it - header.begin());
    }
    [[nodiscard]] const std::string& at(std::size_t row, const std::string& name) const {
        static const std::string none;
        const int c = col(name);
        return c < 0 || static_cast<std::size_t>(c) >= rows[row].size() ? none : rows[row][static_cast<std::size_t>(c)];
    }
    [[nodiscard]] double num(std::size_t row, const std::string& name) const {
        const std::string& v = at(row, name);
        return v.empty() ? std::numeric_limits<double>::quiet_NaN() : std::stod(v);
    }
};

Table read_table(const fs::path& file) {
    Rows all = read_csv(slurp(file));
    Table t;
    if (all.empty()) return t;
    t.header = all.front();
    t.rows.assign(all.begin() + 1, all.end());
    return t;
}

// A copy of a baseline scenario in `dir` that reads its data from the
// shipped datasets by absolute path, with `lines` inserted right under the
// top-level key `under` (e.g. "behaviour:").
fs::path scenario_copy(const std::string& region, const fs::path& dir, const std::string& under = {},
                       const std::string& lines = {}) {
    std::string text = slurp(source_dir() / "scenarios" / (region + "-baseline.yaml"));
    const std::string key = "\ndata_dir:";
    const auto at = text.find(key);
    EXPECT_NE(at, std::string::npos);
    const auto eol = text.find('\n', at + 1);
    text.replace(at + 1, eol - at - 1, "data_dir: '" + (source_dir() / "datasets" / region).string() + "'");
    if (!under.empty()) {
        const auto u = text.find("\n" + under + "\n");
        EXPECT_NE(u, std::string::npos) << "no top-level '" << under << "' in the " << region << " baseline";
        text.insert(u + under.size() + 2, lines + "\n");
    }
    const fs::path out = dir / (region + "-copy.yaml");
    write(out, text);
    return out;
}

bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

#define EXPECT_HAS(text, needle) EXPECT_TRUE(contains(text, needle)) << "missing '" << (needle) << "' in:\n" << (text)

std::unique_ptr<GDALDataset> open_vector(const fs::path& file) {
    GDALAllRegister();
    return std::unique_ptr<GDALDataset>(GDALDataset::Open(file.c_str(), GDAL_OF_VECTOR));
}

std::unique_ptr<GDALDataset> open_raster(const fs::path& file) {
    GDALAllRegister();
    return std::unique_ptr<GDALDataset>(GDALDataset::Open(file.c_str(), GDAL_OF_RASTER));
}

// One output shared by the tests of a process (each `tisheng` call is run
// once): the Quanzhou plan, the Jiangmen plan and the Jiangmen run.
struct Output {
    TempDir dir;
    Cli result;
};

const Output& quanzhou_plan() {
    static const Output o = [] {
        Output x;
        x.result = cli("site scenarios/quanzhou-baseline.yaml --out " + q(x.dir / "plan"));
        return x;
    }();
    return o;
}

const Output& jiangmen_run() {
    static const Output o = [] {
        Output x;
        x.result = cli("run scenarios/jiangmen-baseline.yaml --replications 50 --out " + q(x.dir / "run"));
        return x;
    }();
    return o;
}

// The district targets of stations-2024 in the Jiangmen baseline
// (programme.targets[1].required: default 5, Heshan and Enping 3).
const std::map<std::string, int> kJiangmenMinimums{{"440703", 5}, {"440704", 5}, {"440705", 5}, {"440781", 5},
                                                   {"440783", 5}, {"440784", 3}, {"440785", 3}};

void expect_district_minimums(const Table& plan) {
    std::map<std::string, int> chosen;
    for (std::size_t r = 0; r < plan.rows.size(); ++r) ++chosen[plan.at(r, "unit_id")];
    for (const auto& [unit, min] : kJiangmenMinimums) EXPECT_GE(chosen[unit], min) << "district " << unit;
    for (const auto& [unit, n] : chosen) EXPECT_TRUE(kJiangmenMinimums.count(unit)) << "unknown district " << unit;
}

}  // namespace

// ---------------------------------------------------------------------------
// A. The Quanzhou plan: 30 bases, 10 demonstration, every focus industry,
// within the city's and each county's budget, matched 1:1, near optimal.

TEST(PlanQuanzhou, SiteWritesThirtyBasesWithinBudgetsAndQuotas) {
    const Output& o = quanzhou_plan();
    ASSERT_EQ(o.result.exit_code, 0) << o.result.both();
    const fs::path dir = o.dir / "plan";
    const std::string raw = slurp(dir / "plan.csv");
    ASSERT_TRUE(raw.starts_with("\xEF\xBB\xBF")) << "plan.csv starts with the UTF-8 BOM";
    const Table plan = read_table(dir / "plan.csv");
    for (const char* c : {"order", "candidate_id", "variant", "unit_id", "gain", "cumulative", "cost_city", "loss_if_dropped",
                          "best_replacement", "swap_change"})
        EXPECT_GE(plan.col(c), 0) << "column " << c;
    ASSERT_EQ(plan.rows.size(), 30u);
    for (const auto& row : plan.rows) ASSERT_EQ(row.size(), plan.header.size());

    int demo = 0;
    std::set<std::string> ids;
    for (std::size_t r = 0; r < plan.rows.size(); ++r) {
        EXPECT_EQ(plan.at(r, "order"), std::to_string(r + 1));
        const std::string& v = plan.at(r, "variant");
        EXPECT_TRUE(v == "standard" || v == "demonstration") << v;
        demo += v == "demonstration";
        EXPECT_TRUE(ids.insert(plan.at(r, "candidate_id")).second) << "base chosen twice: " << plan.at(r, "candidate_id");
    }
    EXPECT_EQ(demo, 10);

    // Every focus industry of the scenario has a chosen base.
    const YAML::Node sc = YAML::LoadFile((source_dir() / "scenarios/quanzhou-baseline.yaml").string());
    const auto focus = sc["programme"]["focus_industries"].as<std::vector<std::string>>();
    ASSERT_EQ(focus.size(), 5u);  // machinery, electronics, textiles, petrochem, ceramics
    const Table bases = read_table(source_dir() / "datasets/quanzhou/bases.csv");
    std::map<std::string, std::string> industry_of;
    for (std::size_t r = 0; r < bases.rows.size(); ++r) industry_of[bases.at(r, "id")] = bases.at(r, "industry");
    std::map<std::string, int> per_industry;
    for (const auto& id : ids) {
        ASSERT_TRUE(industry_of.count(id)) << id << " is not in bases.csv";
        ++per_industry[industry_of[id]];
    }
    for (const auto& ind : focus) EXPECT_GE(per_industry[ind], 1) << "focus industry " << ind;

    // Budgets: the city's and each county's spend against plan.json's limits.
    const auto j = nlohmann::json::parse(slurp(dir / "plan.json"));
    std::map<std::string, double> limit, spent;
    for (const auto& b : j["budgets"]) {
        limit[b["payer"]] = b["limit_cny"].get<double>();
        spent[b["payer"]] = b["spent_cny"].get<double>();
    }
    ASSERT_TRUE(limit.count("city"));
    EXPECT_DOUBLE_EQ(limit["city"], 3 * 3e6);  // 3,000,000 a year over 2020..2022
    std::vector<std::string> county_columns;
    for (const auto& h : plan.header)
        if (h.starts_with("cost_county:")) county_columns.push_back(h);
    EXPECT_EQ(county_columns.size(), 13u) << "one budget per county union";
    std::map<std::string, double> column_sum;
    for (std::size_t r = 0; r < plan.rows.size(); ++r) {
        SCOPED_TRACE(plan.at(r, "candidate_id"));
        const double city = plan.num(r, "cost_city");
        // The grant tiers of the baseline: demonstration 300,000, standard 150,000.
        EXPECT_DOUBLE_EQ(city, plan.at(r, "variant") == "demonstration" ? 300000.0 : 150000.0);
        column_sum["cost_city"] += city;
        double match = 0;
        for (const auto& c : county_columns) {
            const double v = plan.num(r, c);
            column_sum[c] += v;
            match += v;
            if (c != "cost_county:" + plan.at(r, "unit_id")) {
                EXPECT_EQ(v, 0.0) << c << ": only the base's own county matches";
            }
        }
        EXPECT_NEAR(match, city, 1e-6) << "the county union matches the city grant 1:1";
    }
    EXPECT_LE(column_sum["cost_city"], limit["city"] + 1e-6);
    EXPECT_NEAR(column_sum["cost_city"], spent["city"], 1e-6);
    for (const auto& c : county_columns) {
        const std::string payer = c.substr(5);
        ASSERT_TRUE(limit.count(payer)) << payer;
        EXPECT_LE(column_sum[c], limit[payer] + 1e-6) << payer;
        EXPECT_NEAR(column_sum[c], spent[payer], 1e-6) << payer;
    }
    EXPECT_DOUBLE_EQ(limit["county:350526"], 3 * 300000.0);  // Dehua matches less

    // Gains add up to the objective.
    double sum = 0;
    for (std::size_t r = 0; r < plan.rows.size(); ++r) {
        const double g = plan.num(r, "gain");
        EXPECT_GE(g, 0.0) << "row " << r + 1;
        sum += g;
        EXPECT_NEAR(plan.num(r, "cumulative"), sum, 1e-6 * std::max(1.0, sum)) << "row " << r + 1;
    }
    const double objective = j["plan"]["objective"].get<double>();
    EXPECT_EQ(j["objective"], "max_cover");
    EXPECT_EQ(j["p"], 30);
    EXPECT_GT(objective, 0.0);
    EXPECT_NEAR(plan.num(plan.rows.size() - 1, "cumulative"), objective, 1e-6 * objective);
    EXPECT_NEAR(sum, objective, 1e-6 * objective);
    EXPECT_NEAR(j["plan"]["share_covered"].get<double>(), objective / j["demand_weight"].get<double>(), 1e-9);

    // CBC's check on this small instance: the heuristic within 0.5 % of the optimum.
    ASSERT_TRUE(j["check"].is_object()) << "118 candidates is under exact_up_to: CBC checks the plan";
    ASSERT_TRUE(j["check"]["gap"].is_number());
    ASSERT_TRUE(j["check"]["bound"].is_number());
    EXPECT_LE(j["check"]["gap"].get<double>(), 0.005);
    EXPECT_GE(objective, 0.995 * j["check"]["bound"].get<double>());
    EXPECT_LE(j["check"]["objective"].get<double>(), j["check"]["bound"].get<double>() * (1 + 1e-9));

    // The groups in plan.json: the quota and every focus industry met.
    int groups_seen = 0;
    for (const auto& g : j["groups"]) {
        SCOPED_TRACE(g.dump());
        EXPECT_GE(g["chosen"].get<int>(), g["min"].get<int>());
        if (g["max"].is_number()) {
            EXPECT_LE(g["chosen"].get<int>(), g["max"].get<int>());
        }
        ++groups_seen;
    }
    EXPECT_EQ(groups_seen, 6);  // the demonstration quota and five focus industries

    // Contrary view of each chosen base; at a proven optimum no single swap improves.
    const bool optimal = j["check"]["optimal"].get<bool>() && j["check"]["objective"].get<double>() <= objective * (1 + 1e-9);
    for (std::size_t r = 0; r < plan.rows.size(); ++r) {
        SCOPED_TRACE(plan.at(r, "candidate_id"));
        const double loss = plan.num(r, "loss_if_dropped");
        ASSERT_FALSE(std::isnan(loss));
        EXPECT_GE(loss, 0.0);
        if (plan.at(r, "swap_change").empty()) {
            EXPECT_TRUE(plan.at(r, "best_replacement").empty());
            continue;
        }
        const double swap = plan.num(r, "swap_change");
        EXPECT_GE(swap, -loss - 1e-6);
        if (optimal) {
            EXPECT_LE(swap, 1e-6 * objective) << "an improving swap at CBC's optimum";
        }
        EXPECT_FALSE(plan.at(r, "best_replacement").empty());
        EXPECT_FALSE(contains(plan.at(r, "best_replacement"), plan.at(r, "candidate_id"))) << "replaced by itself";
    }
}

TEST(PlanQuanzhou, GeoPackageHasPlanCandidatesAndUnits) {
    const Output& o = quanzhou_plan();
    ASSERT_EQ(o.result.exit_code, 0) << o.result.both();
    const fs::path gpkg = o.dir / "plan" / "plan.gpkg";
    const auto j = nlohmann::json::parse(slurp(o.dir / "plan" / "plan.json"));
    const Table csv = read_table(o.dir / "plan" / "plan.csv");
    auto ds = open_vector(gpkg);
    ASSERT_TRUE(ds) << gpkg;
    auto* plan = ds->GetLayerByName("plan");
    auto* candidates = ds->GetLayerByName("candidates");
    auto* units = ds->GetLayerByName("units");
    ASSERT_TRUE(plan && candidates && units);
    EXPECT_EQ(plan->GetFeatureCount(), 30);
    EXPECT_EQ(candidates->GetFeatureCount(), j["candidates"].get<long long>());
    EXPECT_EQ(units->GetFeatureCount(), 13);

    // The plan layer in the order of plan.csv, at the bases' places.
    std::vector<std::string> order;
    for (auto& f : *plan) {
        order.push_back(f->GetFieldAsString("candidate_id"));
        EXPECT_EQ(f->GetFieldAsInteger("chosen"), 1);
        const OGRGeometry* g = f->GetGeometryRef();
        ASSERT_TRUE(g && wkbFlatten(g->getGeometryType()) == wkbPoint);
        const auto* pt = g->toPoint();
        EXPECT_GT(pt->getX(), 117.0);  // Quanzhou: about 117.5..119.1 E, 24.5..25.9 N
        EXPECT_LT(pt->getX(), 119.5);
        EXPECT_GT(pt->getY(), 24.0);
        EXPECT_LT(pt->getY(), 26.5);
    }
    ASSERT_EQ(order.size(), csv.rows.size());
    for (std::size_t r = 0; r < order.size(); ++r) EXPECT_EQ(order[r], csv.at(r, "candidate_id"));

    // Every candidate with its contrary view: a chosen one what dropping it
    // loses; one not chosen minus what adding it would give (never a loss),
    // or nothing when it cannot be added (the other tier of a chosen base).
    const std::set<std::string> in_plan(order.begin(), order.end());
    long long chosen = 0, addable = 0;
    for (auto& f : *candidates) {
        const std::string id = f->GetFieldAsString("candidate_id");
        const int loss = f->GetFieldIndex("loss_if_dropped");
        chosen += f->GetFieldAsInteger("chosen");
        if (f->GetFieldAsInteger("chosen") == 1) {
            EXPECT_TRUE(in_plan.count(id)) << id;
            EXPECT_TRUE(f->IsFieldSetAndNotNull(loss)) << id;
            continue;
        }
        if (in_plan.count(id)) {
            EXPECT_FALSE(f->IsFieldSetAndNotNull(loss)) << id << ": its other tier is chosen, so it cannot be added";
        } else if (f->IsFieldSetAndNotNull(loss)) {
            EXPECT_LE(f->GetFieldAsDouble(loss), 0.0) << id << " (" << f->GetFieldAsString("variant") << ")";
            ++addable;
        }
    }
    EXPECT_EQ(chosen, 30);
    EXPECT_GT(addable, 0) << "some bases could still be added within the budgets";
    long long per_unit = 0;
    for (auto& f : *units) per_unit += f->GetFieldAsInteger("chosen");
    EXPECT_EQ(per_unit, 30);

    if (std::system("command -v ogrinfo >/dev/null 2>&1") == 0) {
        const int status = std::system(("ogrinfo -so " + q(gpkg) + " >/dev/null 2>&1").c_str());
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "ogrinfo -so " << gpkg;
    }
}

// ---------------------------------------------------------------------------
// B. The Jiangmen plan: 40 stations, each district its 2024 target.

TEST(PlanJiangmen, SiteMeetsDistrictMinimumsAndPMedianWorks) {
    TempDir out;
    const auto r = cli("site scenarios/jiangmen-baseline.yaml --out " + q(out / "cover"));
    ASSERT_EQ(r.exit_code, 0) << r.both();
    const Table plan = read_table(out / "cover" / "plan.csv");
    ASSERT_EQ(plan.rows.size(), 40u);
    std::set<std::string> ids;
    for (std::size_t k = 0; k < plan.rows.size(); ++k) {
        EXPECT_TRUE(ids.insert(plan.at(k, "candidate_id")).second) << plan.at(k, "candidate_id");
        EXPECT_EQ(plan.at(k, "variant"), "station");
        EXPECT_GE(plan.num(k, "gain"), 0.0);
    }
    expect_district_minimums(plan);
    const auto j = nlohmann::json::parse(slurp(out / "cover" / "plan.json"));
    EXPECT_EQ(j["objective"], "max_cover");
    EXPECT_EQ(j["p"], 40);
    for (const auto& b : j["budgets"]) EXPECT_LE(b["spent_cny"].get<double>(), b["limit_cny"].get<double>() + 1e-6) << b.dump();
    EXPECT_NEAR(plan.num(plan.rows.size() - 1, "cumulative"), j["plan"]["objective"].get<double>(),
                1e-6 * j["plan"]["objective"].get<double>());

    const auto m = cli("site scenarios/jiangmen-baseline.yaml --set siting.objective=p_median --out " + q(out / "median"));
    ASSERT_EQ(m.exit_code, 0) << m.both();
    const auto jm = nlohmann::json::parse(slurp(out / "median" / "plan.json"));
    EXPECT_EQ(jm["objective"], "p_median");
    EXPECT_TRUE(jm["radius"].is_null());
    EXPECT_GT(jm["plan"]["mean_cost"].get<double>(), 0.0);
    const Table median = read_table(out / "median" / "plan.csv");
    EXPECT_EQ(median.rows.size(), 40u);
    expect_district_minimums(median);
}

// ---------------------------------------------------------------------------
// C. A plan as the bases' selection policy: only the plan's bases are named.

TEST(PlanSelection, RunNamesOnlyThePlansBases) {
    const Output& o = quanzhou_plan();
    ASSERT_EQ(o.result.exit_code, 0) << o.result.both();
    const fs::path plan_csv = o.dir / "plan" / "plan.csv";
    const Table plan = read_table(plan_csv);
    ASSERT_EQ(plan.rows.size(), 30u);
    std::map<std::string, std::string> tier;
    for (std::size_t r = 0; r < plan.rows.size(); ++r) tier[plan.at(r, "candidate_id")] = plan.at(r, "variant");

    TempDir t;
    const fs::path sc = scenario_copy("quanzhou", t.path, "behaviour:", "  selection_plan: '" + plan_csv.string() + "'");
    const auto r = cli("run " + q(sc) + " --replications 50 --out " + q(t / "run"));
    ASSERT_EQ(r.exit_code, 0) << r.both();
    auto ds = open_vector(t / "run" / "map.gpkg");
    ASSERT_TRUE(ds);
    auto* bases = ds->GetLayerByName("bases");
    ASSERT_TRUE(bases);
    int named_in_plan = 0, outside_never_named = 0, rows = 0;
    for (auto& f : *bases) {
        ++rows;
        const std::string id = f->GetFieldAsString("base_id");
        const double named = f->GetFieldAsDouble("p_named"), demo = f->GetFieldAsDouble("p_demonstration");
        EXPECT_LE(demo, named + 1e-9) << id;
        if (named > 0) {
            EXPECT_TRUE(tier.count(id)) << id << " is named (p_named " << named << ") but not in the plan";
            ++named_in_plan;
        }
        if (!tier.count(id)) {
            outside_never_named += named == 0.0;
        } else if (tier[id] == "standard") {
            EXPECT_EQ(demo, 0.0) << id << " is planned as a standard base";
        }
    }
    EXPECT_EQ(rows, 110);
    EXPECT_GT(named_in_plan, 0);
    EXPECT_GE(outside_never_named, 1);
}

TEST(PlanSelection, UnknownBaseInThePlanIsAnError) {
    TempDir t;
    write(t / "plan.csv", "order,candidate_id,variant\n1,NOPE,standard\n");
    const fs::path sc = scenario_copy("quanzhou", t.path, "behaviour:", "  selection_plan: '" + (t / "plan.csv").string() + "'");
    const auto r = cli("validate " + q(sc));
    EXPECT_EQ(r.exit_code, 1) << r.both();
    EXPECT_HAS(r.err, "'NOPE'");
    EXPECT_HAS(r.err, "behaviour.selection_plan");
}

// ---------------------------------------------------------------------------
// D. Coverage outputs of a Jiangmen run.

TEST(RunCoverage, SharesWithinRadiiAreOrderedProbabilities) {
    const Output& o = jiangmen_run();
    ASSERT_EQ(o.result.exit_code, 0) << o.result.both();
    const auto j = nlohmann::json::parse(slurp(o.dir / "run" / "run.json"));
    const auto& c = j["coverage"];
    EXPECT_EQ(c["radius_unit"], "m");
    const auto& within = c["share_within"];
    ASSERT_EQ(within.size(), 3u);
    std::vector<double> radii;
    for (const auto& w : within) radii.push_back(w["radius"].get<double>());
    EXPECT_EQ(radii, (std::vector<double>{1000, 3000, 5000}));
    auto check_quantiles = [](const nlohmann::json& x) {
        const double p05 = x["p05"], p50 = x["p50"], p95 = x["p95"];
        EXPECT_GE(p05, 0.0);
        EXPECT_LE(p05, p50);
        EXPECT_LE(p50, p95);
        EXPECT_LE(p95, 1.0);
    };
    for (std::size_t k = 0; k < within.size(); ++k) {
        SCOPED_TRACE("radius " + std::to_string(radii[k]));
        check_quantiles(within[k]["all"]);
        ASSERT_EQ(within[k]["by_unit"].size(), 7u);
        for (const auto& u : within[k]["by_unit"]) check_quantiles(u);
        if (k == 0) continue;
        EXPECT_LE(within[k - 1]["all"]["p50"].get<double>(), within[k]["all"]["p50"].get<double>());
        for (std::size_t u = 0; u < 7; ++u) {
            const auto& a = within[k - 1]["by_unit"][u];
            const auto& b = within[k]["by_unit"][u];
            ASSERT_EQ(a["unit"], b["unit"]);
            EXPECT_LE(a["p50"].get<double>(), b["p50"].get<double>()) << a["unit"];
        }
    }
    EXPECT_GT(within[0]["all"]["p50"].get<double>(), 0.0) << "on-site stations reach their own workers";
    EXPECT_GT(c["open_sites_at_end"].get<int>(), 0);
}

TEST(RunCoverage, SurfacesAreFloat32InTheRegionsCrs) {
    const Output& o = jiangmen_run();
    ASSERT_EQ(o.result.exit_code, 0) << o.result.both();
    const fs::path dir = o.dir / "run";
    // The sites open in the median replication, to check the distance surface at them.
    std::vector<std::pair<double, double>> open_lonlat;
    {
        auto ds = open_vector(dir / "map.gpkg");
        ASSERT_TRUE(ds);
        auto* projects = ds->GetLayerByName("projects");
        ASSERT_TRUE(projects);
        for (auto& f : *projects)
            if (f->GetFieldAsInteger("open_in_median") == 1) open_lonlat.emplace_back(f->GetGeometryRef()->toPoint()->getX(), f->GetGeometryRef()->toPoint()->getY());
    }
    ASSERT_FALSE(open_lonlat.empty());
    OGRSpatialReference wgs84, utm;
    wgs84.importFromEPSG(4326);
    utm.importFromEPSG(32649);
    wgs84.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    utm.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    std::unique_ptr<OGRCoordinateTransformation> tr(OGRCreateCoordinateTransformation(&wgs84, &utm));
    ASSERT_TRUE(tr);

    for (const char* name : {"coverage.tif", "access.tif"}) {
        SCOPED_TRACE(name);
        auto ds = open_raster(dir / name);
        ASSERT_TRUE(ds);
        ASSERT_EQ(ds->GetRasterCount(), 1);
        GDALRasterBand* band = ds->GetRasterBand(1);
        EXPECT_EQ(band->GetRasterDataType(), GDT_Float32);
        const OGRSpatialReference* srs = ds->GetSpatialRef();
        ASSERT_TRUE(srs);
        const char* code = srs->GetAuthorityCode(nullptr);
        EXPECT_TRUE(code && std::string(code) == "32649") << (code ? code : "(no code)");
        int has_nodata = 0;
        const double nodata = band->GetNoDataValue(&has_nodata);
        EXPECT_TRUE(has_nodata);
        EXPECT_EQ(nodata, -9999.0);
        double gt[6];
        ASSERT_EQ(ds->GetGeoTransform(gt), CE_None);
        EXPECT_DOUBLE_EQ(gt[1], 100.0);  // coverage.cell_m
        EXPECT_DOUBLE_EQ(gt[5], -100.0);
        const int w = ds->GetRasterXSize(), h = ds->GetRasterYSize();
        std::vector<float> px(static_cast<std::size_t>(w) * static_cast<std::size_t>(h));
        ASSERT_EQ(band->RasterIO(GF_Read, 0, 0, w, h, px.data(), w, h, GDT_Float32, 0, 0), CE_None);
        std::size_t valid = 0, empty = 0;
        for (float v : px) {
            if (v == -9999.0f) ++empty;
            else {
                ++valid;
                ASSERT_TRUE(std::isfinite(v));
                ASSERT_GE(v, 0.0f);
            }
        }
        EXPECT_GT(valid, 0u);
        EXPECT_GT(empty, 0u) << "nodata outside the districts";
        if (std::string(name) != "coverage.tif") continue;
        // The cell holding an open site is at most half a diagonal from it.
        int checked = 0;
        for (auto [lon, lat] : open_lonlat) {
            double x = lon, y = lat;
            ASSERT_TRUE(tr->Transform(1, &x, &y));
            const auto col = static_cast<long>(std::floor((x - gt[0]) / gt[1])), row = static_cast<long>(std::floor((y - gt[3]) / gt[5]));
            if (col < 0 || row < 0 || col >= w || row >= h) continue;
            const float v = px[static_cast<std::size_t>(row) * static_cast<std::size_t>(w) + static_cast<std::size_t>(col)];
            if (v == -9999.0f) continue;
            EXPECT_LE(v, 100.0 * std::sqrt(0.5) + 0.01) << "at " << lon << ", " << lat;
            ++checked;
        }
        EXPECT_GT(checked, 0);
    }
}

TEST(RunCoverage, NearestOpenMatchesBruteForce) {
    const Output& o = jiangmen_run();
    ASSERT_EQ(o.result.exit_code, 0) << o.result.both();
    auto ds = open_vector(o.dir / "run" / "map.gpkg");
    ASSERT_TRUE(ds);
    OGRSpatialReference wgs84, utm;
    wgs84.importFromEPSG(4326);
    utm.importFromEPSG(32649);
    wgs84.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    utm.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    std::unique_ptr<OGRCoordinateTransformation> tr(OGRCreateCoordinateTransformation(&wgs84, &utm));
    ASSERT_TRUE(tr);
    auto metric = [&](const OGRFeature& f) {
        const auto* p = f.GetGeometryRef()->toPoint();
        double x = p->getX(), y = p->getY();
        EXPECT_TRUE(tr->Transform(1, &x, &y));
        return std::pair{x, y};
    };

    std::vector<std::pair<double, double>> open;
    auto* projects = ds->GetLayerByName("projects");
    ASSERT_TRUE(projects);
    for (auto& f : *projects)
        if (f->GetFieldAsInteger("open_in_median") == 1) open.push_back(metric(*f));
    ASSERT_FALSE(open.empty());

    auto* demand = ds->GetLayerByName("demand");
    ASSERT_TRUE(demand);
    const int nearest_field = demand->GetLayerDefn()->GetFieldIndex("nearest_open_m");
    ASSERT_GE(nearest_field, 0) << "the demand layer has nearest_open_m";
    const auto n = demand->GetFeatureCount();
    ASSERT_EQ(n, 1200);
    const long long step = n / 50;
    int checked = 0;
    double weighted = 0, workers = 0;
    long long i = 0;
    for (auto& f : *demand) {
        ASSERT_TRUE(f->IsFieldSetAndNotNull(nearest_field)) << f->GetFieldAsString("demand_id");
        const double got = f->GetFieldAsDouble(nearest_field);
        weighted += got * f->GetFieldAsDouble("workers");
        workers += f->GetFieldAsDouble("workers");
        if (i++ % step != 0) continue;
        const auto [x, y] = metric(*f);
        double best = std::numeric_limits<double>::infinity();
        for (const auto& [sx, sy] : open) best = std::min(best, std::hypot(sx - x, sy - y));
        EXPECT_NEAR(got, best, 0.5) << f->GetFieldAsString("demand_id");
        ++checked;
    }
    EXPECT_GE(checked, 50);
    // run.json's city-wide mean distance is the worker-weighted mean of the layer.
    const auto j = nlohmann::json::parse(slurp(o.dir / "run" / "run.json"));
    bool found = false;
    for (const auto& u : j["coverage"]["at_end_by_unit"])
        if (u["unit"] == "all") {
            found = true;
            EXPECT_NEAR(u["mean_nearest"].get<double>(), weighted / workers, 1e-6 * weighted / workers);
            EXPECT_EQ(u["workers_without_site"].get<double>(), 0.0);
        }
    EXPECT_TRUE(found);
}

TEST(RunCoverage, TimeseriesHasCoveredSharesPerRadius) {
    const Output& o = jiangmen_run();
    ASSERT_EQ(o.result.exit_code, 0) << o.result.both();
    const Table ts = read_table(o.dir / "run" / "timeseries.csv");
    ASSERT_EQ(ts.header, (std::vector<std::string>{"date", "unit", "metric", "p05", "p50", "p95"}));
    const std::vector<std::string> metrics{"covered_1000m", "covered_3000m", "covered_5000m"};
    std::map<std::pair<std::string, std::string>, std::map<std::string, double>> p50;  // (date, unit) -> metric -> p50
    for (std::size_t r = 0; r < ts.rows.size(); ++r) {
        const std::string& m = ts.at(r, "metric");
        if (!m.starts_with("covered_")) continue;
        EXPECT_TRUE(std::find(metrics.begin(), metrics.end(), m) != metrics.end()) << m;
        const double v = ts.num(r, "p50");
        EXPECT_GE(ts.num(r, "p05"), 0.0);
        EXPECT_LE(ts.num(r, "p95"), 1.0);
        p50[{ts.at(r, "date"), ts.at(r, "unit")}][m] = v;
    }
    ASSERT_EQ(p50.size(), 54u * 8u);  // 2023-07 .. 2027-12, seven districts and all
    for (const auto& [key, by] : p50) {
        ASSERT_EQ(by.size(), 3u) << key.first << ' ' << key.second;
        EXPECT_LE(by.at(metrics[0]), by.at(metrics[1]) + 1e-12) << key.first << ' ' << key.second;
        EXPECT_LE(by.at(metrics[1]), by.at(metrics[2]) + 1e-12) << key.first << ' ' << key.second;
    }
    // The last month equals run.json's end-date shares.
    const auto j = nlohmann::json::parse(slurp(o.dir / "run" / "run.json"));
    const auto& last = p50.at({"2027-12-31", "all"});
    for (std::size_t k = 0; k < 3; ++k)
        EXPECT_NEAR(last.at(metrics[k]), j["coverage"]["share_within"][k]["all"]["p50"].get<double>(), 1e-9);
}

// ---------------------------------------------------------------------------
// E. Bad input: exit 1 (never 3 or a signal), a message naming the field
// and what is wrong, and no plan or run left behind.

namespace {

void expect_clean_failure(const Cli& r, const fs::path& out, std::initializer_list<std::string> needles) {
    EXPECT_EQ(r.exit_code, 1) << r.both();
    for (const auto& n : needles) EXPECT_HAS(r.err, n);
    EXPECT_FALSE(contains(r.err, "internal error")) << r.err;
    EXPECT_FALSE(fs::exists(out / "plan.csv"));
    EXPECT_FALSE(fs::exists(out / "plan.json"));
    EXPECT_FALSE(fs::exists(out / "run.json"));
    EXPECT_FALSE(fs::exists(out / "map.gpkg"));
}

}  // namespace

TEST(PlanBadInput, ZeroRadius) {
    TempDir t;
    const auto r = cli("site scenarios/quanzhou-baseline.yaml --set siting.radius=0 --out " + q(t / "out"));
    expect_clean_failure(r, t / "out", {"siting.radius", "must be > 0", "got 0"});
}

TEST(PlanBadInput, PLargerThanTheCandidatesSaysHowMany) {
    TempDir t;
    const auto r = cli("site scenarios/jiangmen-baseline.yaml --set siting.p=100000 --out " + q(t / "out"));
    expect_clean_failure(r, t / "out", {"siting.p", "100000"});
    std::smatch m;
    ASSERT_TRUE(std::regex_search(r.err, m, std::regex("only ([0-9]+) eligible candidates"))) << r.err;
    const long count = std::stol(m[1]);
    EXPECT_GT(count, 40);  // the baseline's p = 40 fits
    EXPECT_LT(count, 1200 + 60);  // at most the register's projects and the off-project sites
}

TEST(PlanBadInput, RadiiMustAscend) {
    TempDir t;
    const auto r = cli("run scenarios/jiangmen-baseline.yaml --replications 50 --set 'coverage.radii=[3000, 1000]' --out " + q(t / "out"));
    expect_clean_failure(r, t / "out", {"coverage.radii", "ascend"});
}

TEST(PlanBadInput, CellSizeTooSmallSaysHowLargeTheRasterWouldBe) {
    TempDir t;
    const auto r = cli("run scenarios/jiangmen-baseline.yaml --replications 50 --set coverage.cell_m=1 --out " + q(t / "out"));
    expect_clean_failure(r, t / "out", {"coverage.cell_m", "raster", "GB", "cell size of at least"});
    EXPECT_FALSE(fs::exists(t / "out" / "coverage.tif"));
}

TEST(PlanBadInput, UnknownUnitMinimumsTargetSuggestsOne) {
    TempDir t;
    const auto r = cli("site scenarios/jiangmen-baseline.yaml --set siting.unit_minimums=stations-2099 --out " + q(t / "out"));
    expect_clean_failure(r, t / "out", {"siting.unit_minimums", "unknown target 'stations-2099'", "did you mean 'stations-20"});
}

// A demonstration quota above the bases quota is refused when the scenario
// is read; the quotas the siting model cannot meet are reported as
// infeasible, naming the groups and budgets in conflict.
TEST(PlanBadInput, QuotasThatCannotAllHold) {
    TempDir t;
    auto r = cli("site scenarios/quanzhou-baseline.yaml --set programme.quota.demonstration=31 --out " + q(t / "a"));
    expect_clean_failure(r, t / "a", {"programme.quota.demonstration", "31", "30"});

    r = cli("site scenarios/quanzhou-baseline.yaml --set siting.p=8 --out " + q(t / "b"));
    expect_clean_failure(r, t / "b", {"infeasible", "'demonstration bases (quota)'", "p = 8"});

    // 31 demonstration bases of 300,000 exceed the city's 9,000,000.
    r = cli("site scenarios/quanzhou-baseline.yaml --set programme.quota.bases=40 --set programme.quota.demonstration=31 --out " +
            q(t / "c"));
    expect_clean_failure(r, t / "c", {"infeasible", "'demonstration bases (quota)'", "budget 'city'"});
}

TEST(PlanBadInput, BudgetNoCandidateFits) {
    TempDir t;
    const auto r = cli("site scenarios/quanzhou-baseline.yaml --set budgets.payers.city.annual_cny=1000 --out " + q(t / "out"));
    expect_clean_failure(r, t / "out", {"infeasible", "budget 'city'"});
}

TEST(PlanBadInput, CostMatrixUnknownOriginAndNegativeCost) {
    TempDir t;
    const fs::path od = t / "od_minutes.csv";
    const fs::path sc = scenario_copy("quanzhou", t.path, "coverage:", "  cost_matrix: {path: '" + od.string() + "', unit: minutes}");

    write(od, "origin_id,destination_id,minutes\nQZD00001,QZB0001,12.5\nQZD99999,QZB0001,3\n");
    auto r = cli("site " + q(sc) + " --out " + q(t / "a"));
    expect_clean_failure(r, t / "a", {od.string() + ":3:", "origin_id", "QZD99999"});

    write(od, "origin_id,destination_id,minutes\nQZD00001,QZB0001,12.5\nQZD00002,QZB0002,-4\n");
    r = cli("site " + q(sc) + " --out " + q(t / "b"));
    expect_clean_failure(r, t / "b", {od.string() + ":3:", "field 'cost'", "-4"});

    // A valid matrix with the same copy runs (the copy itself is sound).
    write(od, "origin_id,destination_id,minutes\nQZD00001,QZB0001,12.5\nQZD00002,QZB0002,4\n");
    r = cli("site " + q(sc) + " --out " + q(t / "c"));
    EXPECT_EQ(r.exit_code, 0) << r.both();
}
