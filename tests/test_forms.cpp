// The official forms on the shipped baselines: Jiangmen's 情况表 per district
// and for the city, Quanzhou's roster and funding table, as CSV (read back
// here and by ogrinfo) and XLSX (read back by python3-openpyxl); personal
// data masked unless asked for.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "tisheng/forms.hpp"
#include "tisheng/io.hpp"
#include "tisheng/scenario.hpp"
#include "tisheng/simulate.hpp"
#include "test_support.hpp"

using namespace tisheng;
using namespace tisheng::test;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kNoticeColumns{"序号", "提升站所在企业（或在建项目）名称", "提升站地址", "联系人姓名",
                                              "单位及职务", "手机号码", "建设状况"};

struct Csv {
    std::vector<std::string> header;
    std::vector<std::vector<std::string>> rows;
};

// Reads one of the forms' CSV files, checking the BOM and the CRLF endings.
Csv read_csv(const fs::path& file) {
    const std::string bytes = slurp(file);
    Csv out;
    EXPECT_EQ(bytes.substr(0, 3), "\xEF\xBB\xBF") << file;
    EXPECT_TRUE(bytes.size() >= 2 && bytes.substr(bytes.size() - 2) == "\r\n") << file;
    std::size_t pos = 3;
    bool first = true;
    while (pos < bytes.size()) {
        const std::size_t eol = bytes.find("\r\n", pos);
        EXPECT_NE(eol, std::string::npos) << file;
        if (eol == std::string::npos) break;
        const std::string line = bytes.substr(pos, eol - pos);
        EXPECT_EQ(line.find('\n'), std::string::npos) << file << ": a bare LF";
        std::vector<std::string> fields;
        EXPECT_TRUE(split_csv(line, fields)) << file << ": " << line;
        if (first) out.header = fields;
        else out.rows.push_back(fields);
        first = false;
        pos = eol + 2;
    }
    return out;
}

std::size_t column(const Csv& c, const std::string& name) {
    auto it = std::find(c.header.begin(), c.header.end(), name);
    EXPECT_NE(it, c.header.end()) << name;
    return static_cast<std::size_t>(it - c.header.begin());
}

CommandResult shell(const std::string& cmd) {
    CommandResult r;
    FILE* pipe = popen((cmd + " 2>&1").c_str(), "r");
    if (!pipe) return r;
    std::array<char, 4096> buf{};
    while (std::size_t n = fread(buf.data(), 1, buf.size(), pipe)) r.output.append(buf.data(), n);
    const int status = pclose(pipe);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return r;
}

std::string quoted(const fs::path& p) { return "'" + p.string() + "'"; }

// A Python that has openpyxl: Debian's (python3-openpyxl), which a python3
// earlier on PATH (pyenv, a venv) may not see; empty if none has it.
const std::string& python() {
    static const std::string found = [] {
        for (const char* py : {"/usr/bin/python3", "python3"})
            if (shell(std::string(py) + " -c 'import openpyxl'").exit_code == 0) return std::string(py);
        return std::string();
    }();
    return found;
}

bool have_openpyxl() { return !python().empty(); }

// The first worksheet of an XLSX file as openpyxl reads it: every row's
// values, the frozen pane, whether A1 is bold, the column widths.
nlohmann::json read_xlsx(const fs::path& file) {
    static const char* script =
        "import sys, json, openpyxl\n"
        "wb = openpyxl.load_workbook(sys.argv[1])\n"
        "ws = wb.worksheets[0]\n"
        "print(json.dumps({'freeze': ws.freeze_panes, 'bold': bool(ws.cell(1, 1).font.b),\n"
        "                  'widths': [ws.column_dimensions[c].width for c in 'ABCDEFGHIJK'[:ws.max_column]],\n"
        "                  'rows': [list(r) for r in ws.iter_rows(values_only=True)]}, ensure_ascii=False))\n";
    const fs::path py = file.parent_path().parent_path() / "read_xlsx.py";
    if (!fs::exists(py)) write(py, script);
    const CommandResult r = shell(python() + " " + quoted(py) + " " + quoted(file));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return r.exit_code == 0 ? nlohmann::json::parse(r.output) : nlohmann::json();
}

fs::path baseline(const std::string& name) { return source_dir() / "scenarios" / (name + "-baseline.yaml"); }

// One scenario and its simulator, prepared once per suite.
struct Prepared {
    Scenario s;
    std::unique_ptr<Simulator> sim;
    explicit Prepared(const std::string& name) : s(load_scenario(baseline(name))), sim(std::make_unique<Simulator>(s)) {}
};

Results monte_carlo(const Simulator& sim) {
    MonteCarloOptions o;
    o.replications = 20;
    o.threads = 2;
    o.status_at = sim.scenario().run.report_date;
    return simulate(sim, o);
}

class FormsJiangmen : public ::testing::Test {
protected:
    static void SetUpTestSuite() { p = new Prepared("jiangmen"); }
    static void TearDownTestSuite() {
        delete p;
        p = nullptr;
    }
    static Prepared* p;

    // The files of a Jiangmen forms folder: district stems and the city's.
    std::vector<std::string> district_stems() const {
        std::vector<std::string> out;
        for (const auto& u : p->s.region.units()) out.push_back("jiangmen-" + u.id + "-" + u.name);
        return out;
    }
};
Prepared* FormsJiangmen::p = nullptr;

class FormsQuanzhou : public ::testing::Test {
protected:
    static void SetUpTestSuite() { p = new Prepared("quanzhou"); }
    static void TearDownTestSuite() {
        delete p;
        p = nullptr;
    }
    static Prepared* p;
};
Prepared* FormsQuanzhou::p = nullptr;

// Checks a Jiangmen forms folder against the statuses it was written from;
// returns the city table.
Csv check_jiangmen(const Scenario& s, const FormsInput& in, const fs::path& forms, const std::vector<fs::path>& written,
                   const std::vector<std::string>& district_stems) {
    EXPECT_EQ(written.size(), 2 * (district_stems.size() + 1));
    std::set<fs::path> files(written.begin(), written.end());
    std::size_t district_rows = 0;
    for (const auto& stem : district_stems) {
        EXPECT_TRUE(files.count(forms / (stem + ".csv"))) << stem;
        EXPECT_TRUE(files.count(forms / (stem + ".xlsx"))) << stem;
        const Csv c = read_csv(forms / (stem + ".csv"));
        EXPECT_EQ(c.header, kNoticeColumns) << stem;
        for (std::size_t r = 0; r < c.rows.size(); ++r) EXPECT_EQ(c.rows[r][0], std::to_string(r + 1)) << stem;
        district_rows += c.rows.size();
    }
    EXPECT_TRUE(files.count(forms / "jiangmen-city.csv"));
    EXPECT_TRUE(files.count(forms / "jiangmen-city.xlsx"));
    for (const auto& f : written) EXPECT_TRUE(fs::is_regular_file(f)) << f;
    // Nothing but the forms is left in the folder (no temporary files).
    std::size_t entries = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(forms)) ++entries;
    EXPECT_EQ(entries, written.size());

    const Csv city = read_csv(forms / "jiangmen-city.csv");
    std::vector<std::string> city_columns = kNoticeColumns;
    city_columns.push_back("所在县(市、区)");
    EXPECT_EQ(city.header, city_columns);
    EXPECT_EQ(city.rows.size(), district_rows);

    const std::size_t status_col = column(city, "建设状况");
    std::map<std::string, std::size_t> by_status;
    for (const auto& row : city.rows) {
        EXPECT_EQ(row.size(), city_columns.size());
        EXPECT_TRUE(row[status_col] == "已建" || row[status_col] == "在建" || row[status_col] == "拟建") << row[status_col];
        ++by_status[row[status_col]];
    }
    std::map<std::string, std::size_t> expected;
    for (std::uint8_t v : in.status) switch (static_cast<StationStatus>(v)) {
        case StationStatus::built: ++expected["已建"]; break;
        case StationStatus::planned: ++expected["拟建"]; break;
        case StationStatus::under_construction:
        case StationStatus::failed_standard: ++expected["在建"]; break;
        default: break;
        }
    EXPECT_EQ(by_status["已建"], expected["已建"]);
    EXPECT_EQ(by_status["在建"], expected["在建"]);
    EXPECT_EQ(by_status["拟建"], expected["拟建"]);
    EXPECT_GT(expected["已建"], 0u) << "the baseline has built stations by its report date";

    // Ordered by district (the region's order), then project id.
    const std::size_t unit_col = column(city, "所在县(市、区)");
    std::map<std::string, std::size_t> unit_rank;
    for (std::size_t u = 0; u < s.region.units().size(); ++u) unit_rank[s.region.units()[u].name] = u;
    for (std::size_t r = 1; r < city.rows.size(); ++r)
        EXPECT_LE(unit_rank[city.rows[r - 1][unit_col]], unit_rank[city.rows[r][unit_col]]);
    return city;
}

TEST_F(FormsJiangmen, ReplicationTablesMatchTheStatuses) {
    const Scenario& s = p->s;
    const FormsInput in = forms_from_replication(*p->sim, 0);
    ASSERT_EQ(in.status.size(), s.sites.projects.size());
    EXPECT_EQ(in.source, "replication 0");
    EXPECT_TRUE(in.base_named_on.empty());
    // The same as a status history rebuilt here.
    std::vector<StatusChange> log;
    (void)p->sim->run(0, &log);
    const StatusHistory h(s.sites.projects.size(), log);
    for (std::size_t i = 0; i < in.status.size(); ++i) ASSERT_EQ(in.status[i], h.at(i, s.run.report_date)) << i;

    TempDir tmp;
    const auto written = write_forms(s, in, tmp.path, false);
    const Csv city = check_jiangmen(s, in, tmp / "forms", written, district_stems());

    // Masked: no full mobile number of any project in any file, CSV or XLSX.
    std::vector<std::string> mobiles;
    for (const auto& pr : s.sites.projects)
        if (pr.mobile.size() == 11) mobiles.push_back(pr.mobile);
    ASSERT_FALSE(mobiles.empty());
    const std::size_t phone_col = column(city, "手机号码"), name_col = column(city, "联系人姓名");
    for (const auto& row : city.rows) {
        EXPECT_NE(row[phone_col].find("****"), std::string::npos) << row[phone_col];
        EXPECT_NE(row[name_col].find('*'), std::string::npos) << row[name_col];
    }
    for (const auto& f : written) {
        std::string text = slurp(f);
        if (f.extension() == ".xlsx" && have_openpyxl()) text += read_xlsx(f).dump();
        for (const auto& m : mobiles) ASSERT_EQ(text.find(m), std::string::npos) << f << " shows " << m;
    }

    // The name column: 施工企业（项目名称）.
    const Project* any = nullptr;
    for (const auto& pr : s.sites.projects)
        if (in.status[static_cast<std::size_t>(&pr - s.sites.projects.data())] == static_cast<std::uint8_t>(StationStatus::built)) any = &pr;
    ASSERT_NE(any, nullptr);
    const std::string name = any->enterprise.empty() ? any->name : any->enterprise + "（" + any->name + "）";
    EXPECT_TRUE(std::any_of(city.rows.begin(), city.rows.end(), [&](const auto& r) { return r[1] == name && r[2] == any->address; }))
        << name;
}

TEST_F(FormsJiangmen, XlsxMatchesTheCsv) {
    if (!have_openpyxl()) GTEST_SKIP() << "python3-openpyxl is not installed";
    const FormsInput in = forms_from_replication(*p->sim, 1);
    TempDir tmp;
    const auto written = write_forms(p->s, in, tmp.path, false);
    for (const auto& f : written) {
        if (f.extension() != ".xlsx") continue;
        fs::path csv = f;
        csv.replace_extension(".csv");
        const Csv c = read_csv(csv);
        const nlohmann::json x = read_xlsx(f);
        ASSERT_TRUE(x.is_object()) << f;
        EXPECT_EQ(x["freeze"], "A2") << f;
        EXPECT_TRUE(x["bold"].get<bool>()) << f;
        const auto& rows = x["rows"];
        ASSERT_EQ(rows.size(), c.rows.size() + 1) << f;
        std::vector<std::string> header;
        for (const auto& v : rows[0]) header.push_back(v.get<std::string>());
        EXPECT_EQ(header, c.header) << f;
        for (std::size_t r = 0; r < c.rows.size(); ++r) {
            EXPECT_EQ(rows[r + 1][0].get<double>(), std::stod(c.rows[r][0])) << f;  // 序号 is a number
            for (std::size_t col = 1; col < c.header.size(); ++col) {
                const auto& v = rows[r + 1][col];
                EXPECT_EQ(v.is_null() ? std::string() : v.get<std::string>(), c.rows[r][col]) << f << " row " << r;
            }
        }
        // Widths: the name column is wider than the number column, and CJK
        // text counts about two units a character (the header alone: 16 wide
        // characters, so at least 32).
        const auto& w = x["widths"];
        EXPECT_GE(w[1].get<double>(), 32.0) << f;
        EXPECT_LT(w[0].get<double>(), w[1].get<double>()) << f;
    }
}

TEST_F(FormsJiangmen, UnmaskedShowsTheFullNumbers) {
    const Scenario& s = p->s;
    const FormsInput in = forms_from_replication(*p->sim, 0);
    TempDir tmp;
    const auto written = write_forms(s, in, tmp.path, true);
    const Csv city = read_csv(tmp / "forms" / "jiangmen-city.csv");
    std::set<std::string> shown;
    const std::size_t phone_col = column(city, "手机号码"), name_col = column(city, "联系人姓名");
    std::set<std::string> names;
    for (const auto& pr : s.sites.projects) names.insert(pr.contact_name);
    for (const auto& row : city.rows) {
        shown.insert(row[phone_col]);
        EXPECT_TRUE(names.count(row[name_col])) << row[name_col];
    }
    std::size_t listed = 0;
    for (std::size_t i = 0; i < s.sites.projects.size(); ++i) {
        const auto st = static_cast<StationStatus>(in.status[i]);
        if (st == StationStatus::none || st == StationStatus::closed || st == StationStatus::abandoned) continue;
        ++listed;
        EXPECT_TRUE(shown.count(s.sites.projects[i].mobile)) << s.sites.projects[i].id;
    }
    EXPECT_EQ(listed, city.rows.size());
    if (have_openpyxl()) {
        const std::string dumped = read_xlsx(tmp / "forms" / "jiangmen-city.xlsx").dump();
        for (const auto& m : shown) EXPECT_NE(dumped.find(m), std::string::npos) << m;
    }
}

TEST_F(FormsJiangmen, OgrinfoOpensTheCsv) {
    if (shell("command -v ogrinfo").exit_code != 0) GTEST_SKIP() << "ogrinfo (gdal-bin) is not installed";
    const FormsInput in = forms_from_replication(*p->sim, 0);
    TempDir tmp;
    (void)write_forms(p->s, in, tmp.path, false);
    for (const std::string& stem : {std::string("jiangmen-city"), district_stems().front()}) {
        const fs::path csv = tmp / "forms" / (stem + ".csv");
        const CommandResult r = shell("ogrinfo -ro -so -al " + quoted(csv));
        ASSERT_EQ(r.exit_code, 0) << r.output;
        const std::size_t at = r.output.find("Feature Count: ");
        ASSERT_NE(at, std::string::npos) << r.output;
        EXPECT_EQ(std::stoul(r.output.substr(at + 15)), read_csv(csv).rows.size()) << r.output;
        // The BOM is not part of the first field's name.
        EXPECT_NE(r.output.find("序号: String"), std::string::npos) << r.output;
    }
}

TEST_F(FormsJiangmen, MostLikelyStatusIsTheMode) {
    const Scenario& s = p->s;
    const Results r = monte_carlo(*p->sim);
    const FormsInput in = forms_most_likely(*p->sim, r);
    EXPECT_EQ(in.source, "most likely");
    ASSERT_EQ(in.status.size(), s.sites.projects.size());
    constexpr std::size_t K = Results::status_kinds;
    for (std::size_t i = 0; i < in.status.size(); ++i) {
        const auto* c = r.status_counts.data() + i * K;
        std::uint32_t total = 0;
        for (std::size_t k = 0; k < K; ++k) {
            total += c[k];
            // No status is more frequent; an equally frequent one has a higher value.
            if (k < in.status[i]) {
                EXPECT_LT(c[k], c[in.status[i]]) << i;
            } else {
                EXPECT_LE(c[k], c[in.status[i]]) << i;
            }
        }
        EXPECT_EQ(total, 20u);
    }
    TempDir tmp;
    const auto written = write_forms(s, in, tmp.path, false);
    (void)check_jiangmen(s, in, tmp / "forms", written, district_stems());

    // Without the status counts there is no most likely status.
    EXPECT_THROW((void)forms_most_likely(*p->sim, Results{}), Error);
}

TEST_F(FormsQuanzhou, RosterAndFundingMatchTheReplication) {
    const Scenario& s = p->s;
    const FormsInput in = forms_from_replication(*p->sim, 0);
    EXPECT_EQ(in.source, "replication 0");
    const Trajectory t = p->sim->run(0);
    ASSERT_EQ(in.status.size(), s.sites.bases.size());
    EXPECT_EQ(in.base_named_on, t.base_named_on);
    std::size_t named = 0, demos = 0;
    double grants = 0;
    for (std::size_t b = 0; b < s.sites.bases.size(); ++b) {
        if (t.base_named_on[b] == never || t.base_named_on[b] > s.run.report_date.days()) continue;
        ++named;
        demos += t.base_demonstration[b] != 0;
        grants += t.base_grant_cny[b];
        EXPECT_EQ(in.status[b], static_cast<std::uint8_t>(BaseStatus::named)) << b;
    }
    ASSERT_GT(named, 0u);

    TempDir tmp;
    const auto written = write_forms(s, in, tmp.path, false);
    const fs::path forms = tmp / "forms";
    EXPECT_EQ(written, (std::vector<fs::path>{forms / "quanzhou-roster.csv", forms / "quanzhou-roster.xlsx",
                                              forms / "quanzhou-funding.csv", forms / "quanzhou-funding.xlsx"}));

    const Csv roster = read_csv(forms / "quanzhou-roster.csv");
    EXPECT_EQ(roster.header, (std::vector<std::string>{"年度", "序号", "基地名称", "单位属性", "类别", "产业", "所在县(市、区)",
                                                       "示范基地", "负责人", "身份证号", "联系电话"}));
    EXPECT_EQ(roster.rows.size(), named);
    std::size_t demo_rows = 0;
    for (std::size_t r = 0; r < roster.rows.size(); ++r) {
        const auto& row = roster.rows[r];
        demo_rows += row[7] == "是";
        EXPECT_TRUE(row[7] == "是" || row[7] == "否");
        EXPECT_EQ(row[1], std::to_string(r + 1));
        EXPECT_TRUE(row[3] == "政府" || row[3] == "行业企业" || row[3] == "其他") << row[3];
        EXPECT_TRUE(row[4] == "A" || row[4] == "B" || row[4] == "C" || row[4] == "D") << row[4];
        if (r) {
            EXPECT_LE(std::stoi(roster.rows[r - 1][0]), std::stoi(row[0]));
        }
        EXPECT_GE(std::stoi(row[0]), s.programme.first_year);
    }
    EXPECT_EQ(demo_rows, demos);

    // Masked: no full ID number or phone of any candidate in any file.
    for (const auto& f : written) {
        std::string text = slurp(f);
        if (f.extension() == ".xlsx" && have_openpyxl()) text += read_xlsx(f).dump();
        for (const auto& b : s.sites.bases) {
            ASSERT_EQ(text.find(b.head_id_number), std::string::npos) << f;
            ASSERT_EQ(text.find(b.phone), std::string::npos) << f;
        }
    }

    const Csv funding = read_csv(forms / "quanzhou-funding.csv");
    EXPECT_EQ(funding.header, (std::vector<std::string>{"年度", "基地名称", "所在县(市、区)", "市级补助(元)", "县级配套(元)", "合计(元)"}));
    const double ratio = s.programme.grants.county_match_ratio;
    std::size_t base_rows = 0;
    double city_sum = 0, county_subtotals = 0, year_totals = 0;
    const std::vector<std::string>* grand = nullptr;
    for (const auto& row : funding.rows) {
        const double city = std::stod(row[3]), county = std::stod(row[4]), total = std::stod(row[5]);
        EXPECT_NEAR(county, city * ratio, 0.01) << row[1];
        EXPECT_NEAR(total, city + county, 0.01) << row[1];
        if (row[1].rfind("小计：", 0) == 0) county_subtotals += city;
        else if (row[1].rfind("合计：", 0) == 0) year_totals += city;
        else if (row[1] == "总计") grand = &row;
        else {
            ++base_rows;
            city_sum += city;
            EXPECT_GE(city, s.programme.grants.min_cny);
            EXPECT_LE(city, s.programme.grants.max_cny);
        }
    }
    EXPECT_EQ(base_rows, named);
    ASSERT_NE(grand, nullptr);
    EXPECT_EQ(grand, &funding.rows.back());
    EXPECT_NEAR(std::stod((*grand)[3]), grants, 0.01);
    EXPECT_NEAR(std::stod((*grand)[3]), city_sum, 0.01);
    EXPECT_NEAR(std::stod((*grand)[4]), grants * ratio, 0.01);
    EXPECT_NEAR(county_subtotals, grants, 0.01);
    EXPECT_NEAR(year_totals, grants, 0.01);

    // The XLSX: the same rows, amounts as numbers.
    if (have_openpyxl()) {
        const nlohmann::json x = read_xlsx(forms / "quanzhou-funding.xlsx");
        ASSERT_TRUE(x.is_object());
        EXPECT_EQ(x["freeze"], "A2");
        const auto& rows = x["rows"];
        ASSERT_EQ(rows.size(), funding.rows.size() + 1);
        EXPECT_EQ(rows[0][3], "市级补助(元)");
        for (std::size_t r = 1; r < rows.size(); ++r)
            for (std::size_t col = 3; col < 6; ++col) {
                ASSERT_TRUE(rows[r][col].is_number()) << rows[r].dump();
                EXPECT_NEAR(rows[r][col].get<double>(), std::stod(funding.rows[r - 1][col]), 0.01);
            }
        EXPECT_EQ(rows.back()[1], "总计");
        const nlohmann::json ro = read_xlsx(forms / "quanzhou-roster.xlsx");
        EXPECT_EQ(ro["rows"].size(), roster.rows.size() + 1);
        EXPECT_EQ(ro["freeze"], "A2");
    }
}

TEST_F(FormsQuanzhou, UnmaskedAndMostLikely) {
    const Scenario& s = p->s;
    const Results r = monte_carlo(*p->sim);
    const FormsInput in = forms_most_likely(*p->sim, r);
    EXPECT_EQ(in.source, "the median replication (" + std::to_string(r.median_replication) + ")");
    const Trajectory t = p->sim->run(static_cast<std::uint64_t>(r.median_replication));
    EXPECT_EQ(in.base_named_on, t.base_named_on);
    EXPECT_EQ(in.base_grant_cny, t.base_grant_cny);
    std::size_t named = 0;
    for (std::size_t b = 0; b < s.sites.bases.size(); ++b)
        named += t.base_named_on[b] != never && t.base_named_on[b] <= s.run.report_date.days();

    TempDir tmp;
    (void)write_forms(s, in, tmp.path, true);
    const Csv roster = read_csv(tmp / "forms" / "quanzhou-roster.csv");
    EXPECT_EQ(roster.rows.size(), named);
    std::set<std::string> ids;
    for (const auto& b : s.sites.bases) ids.insert(b.head_id_number);
    for (const auto& row : roster.rows) EXPECT_TRUE(ids.count(row[9])) << row[9];
}

}  // namespace
