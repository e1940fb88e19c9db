// The official forms on the shipped baselines: Jiangmen's 情况表 per district
// and for the city (from the representative replication by default, every
// station at the report date, those on projects that arrived during the
// simulation too, with the notice's title, header rows and 说明); Quanzhou's
// roster, funding table and 申报表 per named base; as CSV (read back here)
// and XLSX (read back by python3-openpyxl); personal data masked unless
// asked for.
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

#include "tisheng/report/forms.hpp"
#include "tisheng/core/text.hpp"
#include "tisheng/core/privacy.hpp"
#include "tisheng/model/scenario.hpp"
#include "tisheng/simulate/simulate.hpp"
#include "test_support.hpp"

using namespace tisheng;
using namespace tisheng::test;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kNoticeColumns{"序号", "提升站所在企业（或在建项目）名称", "提升站地址", "联系人姓名",
                                              "单位及职务", "手机号码", "建设状况"};
// The notice's footer, word for word (seeds/000_*: 填报人, 固定电话, 手机号码, 说明).
const std::vector<std::string> kNoticeFooter{"填报人：", "固定电话：", "手机号码：",
                                             "说明：1. 如果一个企业有多个在建项目开展了“提升站”建设，请在表中一一列出。",
                                             "2. 建设状况包括已建、在建和拟建三种情形。"};
const std::string kArrival = "（新开工项目 模拟）";

/// A form as its CSV holds it: the lines above the column header (one
/// field each), the header, the rows, the lines below.
struct Form {
    std::vector<std::string> above;
    std::vector<std::string> header;
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> below;
};

// Reads one of the forms' CSV files, checking the BOM, the CRLF endings and
// that every line has as many fields as the header; the header is the first
// line whose first field is `first_column`.
Form read_form(const fs::path& file, const std::string& first_column = "序号") {
    const std::string bytes = slurp(file);
    EXPECT_EQ(bytes.substr(0, 3), "\xEF\xBB\xBF") << file;
    EXPECT_TRUE(bytes.size() >= 2 && bytes.substr(bytes.size() - 2) == "\r\n") << file;
    std::vector<std::vector<std::string>> lines;
    for (std::size_t pos = 3; pos < bytes.size();) {
        const std::size_t eol = bytes.find("\r\n", pos);
        EXPECT_NE(eol, std::string::npos) << file;
        if (eol == std::string::npos) break;
        const std::string line = bytes.substr(pos, eol - pos);
        EXPECT_EQ(line.find('\n'), std::string::npos) << file << ": a bare LF";
        std::vector<std::string> fields;
        EXPECT_TRUE(split_csv(line, fields)) << file << ": " << line;
        lines.push_back(fields);
        pos = eol + 2;
    }
    Form out;
    auto one_field = [](const std::vector<std::string>& l) {
        return !l.empty() && std::all_of(l.begin() + 1, l.end(), [](const std::string& f) { return f.empty(); });
    };
    std::size_t h = 0;
    while (h < lines.size() && (lines[h].empty() || lines[h][0] != first_column)) {
        EXPECT_TRUE(one_field(lines[h])) << file << " line " << h + 1;
        out.above.push_back(lines[h].empty() ? "" : lines[h][0]);
        ++h;
    }
    EXPECT_LT(h, lines.size()) << file << ": no header starting with " << first_column;
    if (h >= lines.size()) return out;
    out.header = lines[h];
    std::size_t end = lines.size();
    while (end > h + 1 && one_field(lines[end - 1])) --end;
    for (std::size_t i = h + 1; i < end; ++i) out.rows.push_back(lines[i]);
    for (std::size_t i = end; i < lines.size(); ++i) out.below.push_back(lines[i][0]);
    for (const auto& l : lines) EXPECT_EQ(l.size(), out.header.size()) << file;
    return out;
}

std::size_t column(const Form& c, const std::string& name) {
    auto it = std::find(c.header.begin(), c.header.end(), name);
    EXPECT_NE(it, c.header.end()) << name;
    return static_cast<std::size_t>(it - c.header.begin());
}

std::map<std::string, std::size_t> count_by(const Form& f, const std::string& col) {
    std::map<std::string, std::size_t> out;
    const std::size_t c = column(f, col);
    for (const auto& r : f.rows) ++out[r.at(c)];
    return out;
}

CommandResult shell(const std::string& cmd) {
    CommandResult r;
    tisheng::test::Pipe pipe(cmd + " 2>&1");
    if (!pipe) return r;
    r.output = pipe.read_all();
    r.exit_code = pipe.close();
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

// Every worksheet of an XLSX file as openpyxl reads it: rows' values, the
// frozen pane, page set-up, merged ranges, whether each row's first cell is
// bold, the column widths; and the workbook's title and comments.
nlohmann::json read_xlsx(const fs::path& file) {
    static const char* script =
        "import sys, json, openpyxl\n"
        "from openpyxl.utils import get_column_letter\n"
        "wb = openpyxl.load_workbook(sys.argv[1])\n"
        "sheets = []\n"
        "for ws in wb.worksheets:\n"
        "    ps = ws.page_setup\n"
        "    pr = ws.sheet_properties.pageSetUpPr\n"
        "    sheets.append({'name': ws.title, 'freeze': ws.freeze_panes,\n"
        "        'paper': None if ps.paperSize is None else int(ps.paperSize), 'orientation': ps.orientation,\n"
        "        'fit': bool(pr is not None and pr.fitToPage), 'fit_width': ps.fitToWidth, 'fit_height': ps.fitToHeight,\n"
        "        'repeat': ws.print_title_rows,\n"
        "        'margins': [ws.page_margins.left, ws.page_margins.right, ws.page_margins.top, ws.page_margins.bottom],\n"
        "        'merged': sorted(str(r) for r in ws.merged_cells.ranges),\n"
        "        'bold': [bool(row[0].font.b) for row in ws.iter_rows()],\n"
        "        'widths': [ws.column_dimensions[get_column_letter(i)].width for i in range(1, ws.max_column + 1)],\n"
        "        'rows': [list(r) for r in ws.iter_rows(values_only=True)]})\n"
        "print(json.dumps({'title': wb.properties.title, 'comments': wb.properties.description, 'sheets': sheets},\n"
        "                 ensure_ascii=False, default=str))\n";
    const fs::path py = file.parent_path().parent_path() / "read_xlsx.py";
    if (!fs::exists(py)) write(py, script);
    const CommandResult r = shell(python() + " " + quoted(py) + " " + quoted(file));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return r.exit_code == 0 ? nlohmann::json::parse(r.output) : nlohmann::json();
}

std::string cell(const nlohmann::json& v) {
    if (v.is_null()) return "";
    if (v.is_string()) return v.get<std::string>();
    return exact_number(v.get<double>());
}

// The sheet's rows as text, as the CSV writes them.
std::vector<std::vector<std::string>> sheet_text(const nlohmann::json& sheet) {
    std::vector<std::vector<std::string>> out;
    for (const auto& row : sheet["rows"]) {
        out.emplace_back();
        for (const auto& v : row) out.back().push_back(cell(v));
    }
    return out;
}

// The same form read back from its CSV, line by line.
std::vector<std::vector<std::string>> form_lines(const Form& f) {
    std::vector<std::vector<std::string>> out;
    auto pad = [&](const std::string& s) {
        std::vector<std::string> l(f.header.size());
        l[0] = s;
        return l;
    };
    for (const auto& a : f.above) out.push_back(pad(a));
    out.push_back(f.header);
    for (const auto& r : f.rows) out.push_back(r);
    for (const auto& b : f.below) out.push_back(pad(b));
    return out;
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
    o.site_status = true;
    return simulate(sim, o);
}

class FormsJiangmen : public ::testing::Test {
protected:
    static void SetUpTestSuite() { p = std::make_unique<Prepared>("jiangmen"); }
    static void TearDownTestSuite() { p.reset(); }
    static std::unique_ptr<Prepared> p;

    // The files of a Jiangmen forms folder: district stems and the city's.
    std::vector<std::string> district_stems() const {
        std::vector<std::string> out;
        for (const auto& u : p->s.region.units()) out.push_back("jiangmen-" + u.id + "-" + u.name);
        return out;
    }
};
std::unique_ptr<Prepared> FormsJiangmen::p;

class FormsQuanzhou : public ::testing::Test {
protected:
    static void SetUpTestSuite() { p = std::make_unique<Prepared>("quanzhou"); }
    static void TearDownTestSuite() { p.reset(); }
    static std::unique_ptr<Prepared> p;
};
std::unique_ptr<Prepared> FormsQuanzhou::p;

std::map<std::string, std::size_t> expected_counts(const FormsInput& in) {
    std::map<std::string, std::size_t> expected;
    for (std::uint8_t v : in.status) switch (static_cast<StationStatus>(v)) {
        case StationStatus::built: ++expected["已建"]; break;
        case StationStatus::planned: ++expected["拟建"]; break;
        case StationStatus::under_construction:
        case StationStatus::failed_standard: ++expected["在建"]; break;
        default: break;
        }
    return expected;
}

// Checks a Jiangmen forms folder against the statuses it was written from;
// returns the city table.
Form check_jiangmen(const Scenario& s, const FormsInput& in, const fs::path& forms, const std::vector<fs::path>& written,
                    const std::vector<std::string>& district_stems) {
    EXPECT_EQ(written.size(), 2 * (district_stems.size() + 1));
    std::set<fs::path> files(written.begin(), written.end());
    std::vector<std::string> district_columns = kNoticeColumns;
    district_columns.push_back("项目编号");
    std::size_t district_rows = 0;
    for (std::size_t u = 0; u < district_stems.size(); ++u) {
        const auto& stem = district_stems[u];
        EXPECT_TRUE(files.count(forms / (stem + ".csv"))) << stem;
        EXPECT_TRUE(files.count(forms / (stem + ".xlsx"))) << stem;
        const Form c = read_form(forms / (stem + ".csv"));
        EXPECT_EQ(c.header, district_columns) << stem;
        for (std::size_t r = 0; r < c.rows.size(); ++r) EXPECT_EQ(c.rows[r][0], std::to_string(r + 1)) << stem;
        // The notice's title with the district in its blank, and its unit line.
        const std::string& name = s.region.units()[u].name;
        EXPECT_EQ(c.above.at(0), name + "开展“提升站”建设初步情况表") << stem;
        EXPECT_EQ(c.above.at(2), "填报单位（盖章）：" + name + "住房和城乡建设局") << stem;
        district_rows += c.rows.size();
    }
    EXPECT_TRUE(files.count(forms / "jiangmen-city.csv"));
    EXPECT_TRUE(files.count(forms / "jiangmen-city.xlsx"));
    for (const auto& f : written) EXPECT_TRUE(fs::is_regular_file(f)) << f;
    // Nothing but the forms is left in the folder (no temporary files).
    std::size_t entries = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(forms)) ++entries;
    EXPECT_EQ(entries, written.size());

    const Form city = read_form(forms / "jiangmen-city.csv");
    std::vector<std::string> city_columns = kNoticeColumns;
    city_columns.push_back("所在县(市、区)");
    city_columns.push_back("项目编号");
    EXPECT_EQ(city.header, city_columns);
    EXPECT_EQ(city.rows.size(), district_rows);

    const std::size_t status_col = column(city, "建设状况");
    for (const auto& row : city.rows) {
        EXPECT_EQ(row.size(), city_columns.size());
        EXPECT_TRUE(row[status_col] == "已建" || row[status_col] == "在建" || row[status_col] == "拟建") << row[status_col];
    }
    auto by_status = count_by(city, "建设状况");
    auto expected = expected_counts(in);
    EXPECT_EQ(by_status["已建"], expected["已建"]);
    EXPECT_EQ(by_status["在建"], expected["在建"]);
    EXPECT_EQ(by_status["拟建"], expected["拟建"]);
    EXPECT_GT(expected["已建"], 0u) << "the baseline has built stations by its report date";
    // The note row says how many of each.
    EXPECT_NE(city.above.at(1).find("已建 " + std::to_string(expected["已建"]) + " 个"), std::string::npos) << city.above.at(1);

    // Project ids are unique; ordered by district (the region's order).
    const std::size_t unit_col = column(city, "所在县(市、区)"), id_col = column(city, "项目编号");
    std::set<std::string> ids;
    for (const auto& r : city.rows) EXPECT_TRUE(ids.insert(r[id_col]).second) << r[id_col];
    std::map<std::string, std::size_t> unit_rank;
    for (std::size_t u = 0; u < s.region.units().size(); ++u) unit_rank[s.region.units()[u].name] = u;
    for (std::size_t r = 1; r < city.rows.size(); ++r)
        EXPECT_LE(unit_rank[city.rows[r - 1][unit_col]], unit_rank[city.rows[r][unit_col]]);
    // The notice's title, unit line and footer.
    EXPECT_EQ(city.above.at(0), s.region.name() + "开展“提升站”建设初步情况表");
    EXPECT_EQ(city.above.at(2), "填报单位（盖章）：" + s.region.name() + "住房和城乡建设局");
    EXPECT_GE(city.below.size(), kNoticeFooter.size());
    for (std::size_t i = 0; i < kNoticeFooter.size(); ++i) EXPECT_EQ(city.below.at(i), kNoticeFooter[i]);
    return city;
}

TEST_F(FormsJiangmen, ReplicationTablesMatchTheStatuses) {
    const Scenario& s = p->s;
    const FormsInput in = forms_from_replication(*p->sim, 0);
    EXPECT_EQ(in.source, "replication 0");
    EXPECT_EQ(in.replication, 0);
    EXPECT_FALSE(in.representative);
    EXPECT_TRUE(in.base_named_on.empty());
    // Every project of the replication: the register's, then the arrivals.
    std::vector<StatusChange> log;
    const Trajectory t = p->sim->run(0, &log);
    ASSERT_EQ(in.project_slot, t.project_slot);
    ASSERT_EQ(in.status.size(), t.project_slot.size());
    ASSERT_GT(in.status.size(), s.sites.projects.size()) << "projects arrive during the baseline's replications";
    const StatusHistory h(in.status.size(), log);
    for (std::size_t i = 0; i < in.status.size(); ++i) ASSERT_EQ(in.status[i], h.at(i, s.run.report_date)) << i;

    TempDir tmp;
    const auto written = write_forms(s, in, tmp.path, false);
    const Form city = check_jiangmen(s, in, tmp / "forms", written, district_stems());
    // The city sheet's counts are the replication's own at the report date.
    auto by_status = count_by(city, "建设状况");
    using SS = StationStatus;
    auto at = [&](SS k) { return t.report_status.at(static_cast<std::size_t>(k)); };
    EXPECT_EQ(by_status["已建"], at(SS::built));
    EXPECT_EQ(by_status["在建"], at(SS::under_construction) + at(SS::failed_standard));
    EXPECT_EQ(by_status["拟建"], at(SS::planned));
    EXPECT_NE(city.above.at(1).find("模拟第 0 次重复（--replication 指定）"), std::string::npos) << city.above.at(1);

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

    // The name column: 施工企业（项目名称）, with the project's id beside it.
    const Project* any = nullptr;
    for (std::size_t i = 0; i < s.sites.projects.size(); ++i)
        if (in.status[i] == static_cast<std::uint8_t>(StationStatus::built)) any = &s.sites.projects[i];
    ASSERT_NE(any, nullptr);
    const std::string name = any->enterprise.empty() ? any->name : any->enterprise + "（" + any->name + "）";
    const std::size_t id_col = column(city, "项目编号");
    EXPECT_TRUE(std::any_of(city.rows.begin(), city.rows.end(),
                            [&](const auto& r) { return r[1] == name && r[2] == any->address && r[id_col] == any->id; }))
        << name;
}

// Stations on projects that arrived during the replication are listed, named
// after the register project they copy, marked, with ids <id>-A<k>.
TEST_F(FormsJiangmen, ArrivalStationsAreListed) {
    const Scenario& s = p->s;
    const auto& projects = s.sites.projects;
    const FormsInput in = forms_from_replication(*p->sim, 1);
    std::size_t listed_arrivals = 0;
    std::map<std::string, std::string> expected_name;  // id -> name
    std::vector<std::uint32_t> copies(projects.size(), 0);
    for (std::size_t i = projects.size(); i < in.status.size(); ++i) {
        const Project& src = projects.at(in.project_slot[i]);
        const std::string id = src.id + "-A" + std::to_string(++copies[in.project_slot[i]]);
        const auto st = static_cast<StationStatus>(in.status[i]);
        if (st == StationStatus::none || st == StationStatus::closed || st == StationStatus::abandoned) continue;
        ++listed_arrivals;
        expected_name[id] = (src.enterprise.empty() ? src.name : src.enterprise + "（" + src.name + "）") + kArrival;
    }
    ASSERT_GT(listed_arrivals, 0u) << "the baseline's arrivals have stations by the report date";

    TempDir tmp;
    (void)write_forms(s, in, tmp.path, false);
    const Form city = read_form(tmp / "forms" / "jiangmen-city.csv");
    const std::size_t id_col = column(city, "项目编号"), name_col = column(city, "提升站所在企业（或在建项目）名称"),
                      addr_col = column(city, "提升站地址");
    std::size_t marked = 0;
    std::map<std::string, const Project*> by_id;
    for (const auto& pr : projects) by_id[pr.id] = &pr;
    for (const auto& r : city.rows) {
        const bool arrival = r[name_col].find(kArrival) != std::string::npos;
        const auto dash = r[id_col].rfind("-A");
        EXPECT_EQ(arrival, dash != std::string::npos) << r[id_col];
        if (!arrival) continue;
        ++marked;
        auto it = expected_name.find(r[id_col]);
        ASSERT_NE(it, expected_name.end()) << r[id_col];
        EXPECT_EQ(r[name_col], it->second);
        EXPECT_EQ(r[addr_col], by_id.at(r[id_col].substr(0, dash))->address);
    }
    EXPECT_EQ(marked, listed_arrivals);
    EXPECT_EQ(city.rows.size(), expected_counts(in)["已建"] + expected_counts(in)["在建"] + expected_counts(in)["拟建"]);
    // In a district, by register id, a project's copies after it: <id>,
    // <id>-A1, <id>-A2 ...
    const std::size_t unit_col = column(city, "所在县(市、区)");
    auto key = [](const std::string& id) {
        const auto dash = id.rfind("-A");
        return dash == std::string::npos ? std::make_pair(id, 0) : std::make_pair(id.substr(0, dash), std::stoi(id.substr(dash + 2)));
    };
    for (std::size_t r = 1; r < city.rows.size(); ++r) {
        if (city.rows[r - 1][unit_col] != city.rows[r][unit_col]) continue;
        EXPECT_LT(key(city.rows[r - 1][id_col]), key(city.rows[r][id_col])) << city.rows[r - 1][id_col] << " before " << city.rows[r][id_col];
    }
}

// By default the forms show the representative replication, and say so.
TEST_F(FormsJiangmen, RepresentativeIsTheDefault) {
    const Scenario& s = p->s;
    const Results r = monte_carlo(*p->sim);
    const FormsInput in = forms_representative(*p->sim, r);
    EXPECT_EQ(in.replication, r.representative_replication);
    EXPECT_TRUE(in.representative);
    EXPECT_NE(in.source.find("representative"), std::string::npos) << in.source;
    TempDir tmp;
    (void)write_forms(s, in, tmp.path, false);
    const Form city = read_form(tmp / "forms" / "jiangmen-city.csv");
    EXPECT_NE(city.above.at(1).find("模拟第 " + std::to_string(r.representative_replication) +
                                    " 次重复（代表性：报告日全市已建数为中位数）"),
              std::string::npos)
        << city.above.at(1);
    auto by_status = count_by(city, "建设状况");
    EXPECT_EQ(by_status["已建"], r.report_status.at(static_cast<std::size_t>(StationStatus::built)));
    // Its count of built stations is the nearest any replication has to the median.
    EXPECT_LE(std::abs(double(by_status["已建"]) - r.report_count.p50), r.report_count.p95 - r.report_count.p05 + 1);
    EXPECT_THROW((void)forms_representative(*p->sim, Results{}), Error);
}

TEST_F(FormsJiangmen, XlsxMatchesTheCsvOnA4) {
    if (!have_openpyxl()) GTEST_SKIP() << "python3-openpyxl is not installed";
    const FormsInput in = forms_from_replication(*p->sim, 1);
    TempDir tmp;
    const auto written = write_forms(p->s, in, tmp.path, false);
    for (const auto& f : written) {
        if (f.extension() != ".xlsx") continue;
        fs::path csv = f;
        csv.replace_extension(".csv");
        const Form c = read_form(csv);
        const nlohmann::json x = read_xlsx(f);
        ASSERT_TRUE(x.is_object()) << f;
        ASSERT_EQ(x["sheets"].size(), 1u);
        const auto& sh = x["sheets"][0];
        EXPECT_EQ(x["title"], c.above.at(0)) << f;
        // The same lines as the CSV, 序号 a number.
        const auto lines = form_lines(c);
        const auto rows = sheet_text(sh);
        ASSERT_EQ(rows.size(), lines.size()) << f;
        for (std::size_t r = 0; r < lines.size(); ++r) EXPECT_EQ(rows[r], lines[r]) << f << " row " << r;
        const std::size_t header = c.above.size();
        for (std::size_t r = header + 1; r <= header + c.rows.size(); ++r) EXPECT_TRUE(sh["rows"][r][0].is_number()) << f;
        // The title is bold and merged across the table; the notes too.
        EXPECT_TRUE(sh["bold"][0].get<bool>()) << f;
        EXPECT_TRUE(sh["bold"][header].get<bool>()) << f << ": the column header";
        const char last = static_cast<char>('A' + c.header.size() - 1);
        for (std::size_t r = 1; r <= header; ++r)
            EXPECT_NE(std::find(sh["merged"].begin(), sh["merged"].end(), "A" + std::to_string(r) + ":" + last + std::to_string(r)),
                      sh["merged"].end())
                << f << " row " << r;
        // A4 landscape, fit to the page width, the header frozen and repeated.
        EXPECT_EQ(sh["paper"], 9) << f;
        EXPECT_EQ(sh["orientation"], "landscape") << f;
        EXPECT_TRUE(sh["fit"].get<bool>()) << f;
        EXPECT_EQ(sh["fit_height"], 0) << f;
        EXPECT_EQ(sh["freeze"], "A" + std::to_string(header + 2)) << f;
        EXPECT_EQ(sh["repeat"], "$" + std::to_string(header + 1) + ":$" + std::to_string(header + 1)) << f;
        for (const auto& m : sh["margins"]) EXPECT_GT(m.get<double>(), 0.3) << f;
        // Widths: the name column is wider than the number column, and CJK
        // text counts about two units a character.
        const auto& w = sh["widths"];
        EXPECT_GE(w[1].get<double>(), 30.0) << f;
        EXPECT_LT(w[0].get<double>(), w[1].get<double>()) << f;
    }
}

TEST_F(FormsJiangmen, UnmaskedShowsTheFullNumbers) {
    const Scenario& s = p->s;
    const FormsInput in = forms_from_replication(*p->sim, 0);
    TempDir tmp;
    const auto written = write_forms(s, in, tmp.path, true);
    const Form city = read_form(tmp / "forms" / "jiangmen-city.csv");
    std::set<std::string> shown;
    const std::size_t phone_col = column(city, "手机号码"), name_col = column(city, "联系人姓名");
    std::set<std::string> names;
    for (const auto& pr : s.sites.projects) names.insert(pr.contact_name);
    for (const auto& row : city.rows) {
        shown.insert(row[phone_col]);
        EXPECT_TRUE(names.count(row[name_col])) << row[name_col];
    }
    std::size_t listed = 0;
    for (std::size_t i = 0; i < in.status.size(); ++i) {
        const auto st = static_cast<StationStatus>(in.status[i]);
        if (st == StationStatus::none || st == StationStatus::closed || st == StationStatus::abandoned) continue;
        ++listed;
        const Project& pr = s.sites.projects.at(in.project_slot[i]);
        EXPECT_TRUE(shown.count(pr.mobile)) << pr.id;
    }
    EXPECT_EQ(listed, city.rows.size());
    if (have_openpyxl()) {
        const std::string dumped = read_xlsx(tmp / "forms" / "jiangmen-city.xlsx").dump();
        for (const auto& m : shown) EXPECT_NE(dumped.find(m), std::string::npos) << m;
    }
}

TEST_F(FormsJiangmen, MostLikelyStatusIsTheMode) {
    const Scenario& s = p->s;
    const Results r = monte_carlo(*p->sim);
    const FormsInput in = forms_most_likely(*p->sim, r);
    EXPECT_EQ(in.source, "most likely");
    EXPECT_EQ(in.replication, -1);
    ASSERT_EQ(in.status.size(), s.sites.projects.size());
    EXPECT_TRUE(in.project_slot.empty());
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
    const Form city = check_jiangmen(s, in, tmp / "forms", written, district_stems());
    EXPECT_NE(city.above.at(1).find("最可能"), std::string::npos) << city.above.at(1);
    EXPECT_EQ(city.above.at(1).find("模拟第"), std::string::npos) << city.above.at(1);

    // Without the status counts there is no most likely status.
    EXPECT_THROW((void)forms_most_likely(*p->sim, Results{}), Error);
}

// The real CLI: the city sheet's 已建 and 在建 are the representative
// replication's counts that run.json reports; the replication is named on
// the sheet and on stderr.
TEST(FormsCli, CitySheetAgreesWithRunJson) {
    TempDir tmp;
    const fs::path out = tmp / "run";
    const auto r = run_cli("run " + quoted(baseline("jiangmen")) + " --replications 50 --no-explain --out " + quoted(out));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const auto run = nlohmann::json::parse(slurp(out / "run.json"));
    ASSERT_TRUE(run.contains("representative")) << run.dump().substr(0, 400);
    const auto& rep = run["representative"];
    const int k = rep["replication"].get<int>();
    const auto& sc = rep["status_counts"];
    const std::size_t built = sc["built"].get<std::size_t>();
    const std::size_t building = sc["under_construction"].get<std::size_t>() + sc["failed_standard"].get<std::size_t>();
    const std::size_t planned = sc["planned"].get<std::size_t>();
    ASSERT_GT(built, 100u) << "the baseline's median is in the hundreds";
    EXPECT_NE(r.output.find("forms/ from replication " + std::to_string(k) + ", the representative one"), std::string::npos)
        << r.output;

    const Form city = read_form(out / "forms" / "jiangmen-city.csv");
    auto by_status = count_by(city, "建设状况");
    EXPECT_EQ(by_status["已建"], built);
    EXPECT_EQ(by_status["在建"], building);
    EXPECT_EQ(by_status["拟建"], planned);
    const std::string note = "模拟第 " + std::to_string(k) + " 次重复（代表性：报告日全市已建数为中位数）";
    EXPECT_NE(city.above.at(1).find(note), std::string::npos) << city.above.at(1);
    // The districts add up to the city.
    std::size_t district_built = 0;
    for (const auto& e : fs::directory_iterator(out / "forms"))
        if (e.path().extension() == ".csv" && e.path().filename() != "jiangmen-city.csv")
            district_built += count_by(read_form(e.path()), "建设状况")["已建"];
    EXPECT_EQ(district_built, built);

    if (have_openpyxl()) {
        const auto x = read_xlsx(out / "forms" / "jiangmen-city.xlsx");
        const auto rows = sheet_text(x["sheets"][0]);
        const std::size_t header = city.above.size(), status_col = column(city, "建设状况");
        std::map<std::string, std::size_t> xlsx_counts;
        for (std::size_t i = header + 1; i <= header + city.rows.size(); ++i) ++xlsx_counts[rows.at(i).at(status_col)];
        EXPECT_EQ(xlsx_counts["已建"], built);
        EXPECT_EQ(xlsx_counts["在建"], building);
        EXPECT_NE(rows.at(1).at(0).find(note), std::string::npos) << rows.at(1).at(0);
    }

    // --most-likely: each project's mode, said on the sheet; not with --replication.
    const auto m = run_cli("report " + quoted(out) + " --most-likely");
    ASSERT_EQ(m.exit_code, 0) << m.output;
    EXPECT_NE(m.output.find("most likely"), std::string::npos) << m.output;
    EXPECT_NE(read_form(out / "forms" / "jiangmen-city.csv").above.at(1).find("最可能"), std::string::npos);
    const auto both = run_cli("report " + quoted(out) + " --most-likely --replication 3");
    EXPECT_EQ(both.exit_code, 2) << both.output;
}

// ---- Quanzhou ----------------------------------------------------------------

const std::vector<std::string> kAttributes{"政府办", "行业、企业办", "其它"};
const std::vector<std::string> kCategories{"A生产制造及智能制造", "B生产、运输设备操作", "C商业、服务", "D其他"};

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
    EXPECT_EQ(named, t.report_status.at(static_cast<std::size_t>(BaseStatus::named)));

    TempDir tmp;
    const auto written = write_forms(s, in, tmp.path, false);
    const fs::path forms = tmp / "forms";
    EXPECT_EQ(written, (std::vector<fs::path>{forms / "quanzhou-roster.csv", forms / "quanzhou-roster.xlsx",
                                              forms / "quanzhou-funding.csv", forms / "quanzhou-funding.xlsx",
                                              forms / "quanzhou-application.csv", forms / "quanzhou-application.xlsx"}));

    const Form roster = read_form(forms / "quanzhou-roster.csv", "年度");
    EXPECT_EQ(roster.header, (std::vector<std::string>{"年度", "序号", "基地名称", "属性", "类别", "产业", "所在县(市、区)",
                                                       "示范基地", "负责人", "身份证号", "联系电话"}));
    EXPECT_EQ(roster.above.at(0), s.region.name() + "产业工人技能培训基地名册");
    EXPECT_NE(roster.above.at(1).find("模拟第 0 次重复"), std::string::npos) << roster.above.at(1);
    EXPECT_EQ(roster.rows.size(), named);
    std::size_t demo_rows = 0;
    for (std::size_t r = 0; r < roster.rows.size(); ++r) {
        const auto& row = roster.rows[r];
        demo_rows += row[7] == "是";
        EXPECT_TRUE(row[7] == "是" || row[7] == "否");
        EXPECT_EQ(row[1], std::to_string(r + 1));
        EXPECT_NE(std::find(kAttributes.begin(), kAttributes.end(), row[3]), kAttributes.end()) << row[3];
        EXPECT_NE(std::find(kCategories.begin(), kCategories.end(), row[4]), kCategories.end()) << row[4];
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

    const Form funding = read_form(forms / "quanzhou-funding.csv", "年度");
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

    // The XLSX: the same rows, amounts as numbers, on A4.
    if (have_openpyxl()) {
        const nlohmann::json x = read_xlsx(forms / "quanzhou-funding.xlsx");
        ASSERT_TRUE(x.is_object());
        const auto& sh = x["sheets"][0];
        const std::size_t header = funding.above.size();
        EXPECT_EQ(sh["freeze"], "A" + std::to_string(header + 2));
        EXPECT_EQ(sh["paper"], 9);
        const auto& rows = sh["rows"];
        ASSERT_EQ(rows.size(), header + 1 + funding.rows.size() + funding.below.size());
        EXPECT_EQ(rows[header][3], "市级补助(元)");
        for (std::size_t r = 0; r < funding.rows.size(); ++r)
            for (std::size_t col = 3; col < 6; ++col) {
                const auto& v = rows[header + 1 + r][col];
                ASSERT_TRUE(v.is_number()) << rows[header + 1 + r].dump();
                EXPECT_NEAR(v.get<double>(), std::stod(funding.rows[r][col]), 0.01);
            }
        EXPECT_EQ(rows[header + funding.rows.size()][1], "总计");
        const nlohmann::json ro = read_xlsx(forms / "quanzhou-roster.xlsx");
        EXPECT_EQ(sheet_text(ro["sheets"][0]), form_lines(roster));
    }
}

// Every field of the notice's 申报表, for each named base; personal data
// masked by default, in full with `unmasked`.
TEST_F(FormsQuanzhou, ApplicationFormHasEveryFieldMasked) {
    const Scenario& s = p->s;
    const FormsInput in = forms_from_replication(*p->sim, 2);
    std::vector<const CandidateBase*> named;
    for (std::size_t b = 0; b < s.sites.bases.size(); ++b)
        if (in.base_named_on[b] != never && in.base_named_on[b] <= s.run.report_date.days()) named.push_back(&s.sites.bases[b]);
    ASSERT_GT(named.size(), 10u);

    TempDir tmp;
    (void)write_forms(s, in, tmp.path, false);
    const fs::path forms = tmp / "forms";
    const Form app = read_form(forms / "quanzhou-application.csv");
    const std::string county_opinion = "县（市、区）总工会或市直产业系统及直属工委等单位意见";
    const std::string city_opinion = "泉州市总工会审核意见";
    EXPECT_EQ(app.header, (std::vector<std::string>{
                              "序号", "基地编号", "项目单位名称", "属性", "项目单位地址", "产业工人培训基地项目类别", "邮政编码",
                              "网址", "负责人姓名", "负责人部门及职务", "负责人身份证号", "负责人学历", "负责人办公室电话",
                              "负责人传真", "负责人手机", "联系人姓名", "联系人手机", "资金账号", "开户银行", "项目单位主管部门",
                              "规范管理", "培训能力", "师资队伍", "校企合作", county_opinion, city_opinion, "备注"}));
    EXPECT_EQ(app.above.at(0), "泉州市产业工人技能培训基地建设项目申报表");
    ASSERT_EQ(app.rows.size(), named.size());
    std::map<std::string, const CandidateBase*> by_id;
    for (const auto* b : named) by_id[b->id] = b;
    auto col = [&](const std::string& name) { return column(app, name); };
    for (const auto& row : app.rows) {
        ASSERT_TRUE(by_id.count(row[col("基地编号")])) << row[col("基地编号")];
        const CandidateBase& b = *by_id[row[col("基地编号")]];
        EXPECT_EQ(row[col("项目单位名称")], b.name);
        EXPECT_EQ(row[col("属性")], attribute_zh(b.attribute));
        EXPECT_EQ(row[col("产业工人培训基地项目类别")], category_zh(b.category));
        EXPECT_EQ(row[col("项目单位地址")], b.address);
        EXPECT_EQ(row[col("邮政编码")], b.postcode);
        EXPECT_EQ(row[col("邮政编码")].size(), 6u);
        EXPECT_EQ(row[col("网址")], b.website);
        EXPECT_NE(b.website.find("example.cn"), std::string::npos) << "synthetic websites are example.cn";
        EXPECT_EQ(row[col("负责人部门及职务")], b.head_title);
        EXPECT_EQ(row[col("负责人学历")], b.head_education);
        EXPECT_EQ(row[col("开户银行")], b.bank_name);
        EXPECT_NE(b.bank_name.find("示例"), std::string::npos) << "synthetic banks say so";
        EXPECT_EQ(row[col("项目单位主管部门")], b.supervisor);
        for (const char* text : {"规范管理", "培训能力", "师资队伍", "校企合作", "项目单位主管部门", "负责人部门及职务", "负责人学历",
                                 "负责人办公室电话", "负责人传真", "开户银行"})
            EXPECT_FALSE(row[col(text)].empty()) << text << " of " << b.id;
        EXPECT_NE(row[col("培训能力")].find(std::to_string(b.annual_trainees)), std::string::npos) << row[col("培训能力")];
        // Masked: names, the ID number, mobiles, the bank account.
        EXPECT_EQ(row[col("负责人姓名")], mask_name(b.head_name));
        EXPECT_EQ(row[col("负责人身份证号")], mask_id_number(b.head_id_number));
        EXPECT_EQ(row[col("负责人手机")], mask_phone(b.phone));
        EXPECT_EQ(row[col("联系人姓名")], mask_name(b.contact_name));
        EXPECT_EQ(row[col("联系人手机")], mask_phone(b.contact_mobile));
        EXPECT_NE(row[col("负责人姓名")], b.head_name);
        EXPECT_NE(row[col("联系人手机")], b.contact_mobile);
        const std::string& account = row[col("资金账号")];
        EXPECT_NE(account, b.bank_account);
        EXPECT_EQ(account.substr(account.size() - 4), b.bank_account.substr(b.bank_account.size() - 4));
        EXPECT_NE(account.find("****"), std::string::npos) << account;
        EXPECT_TRUE(row[col(county_opinion)].empty());
        EXPECT_NE(row[col("备注")].find("命名"), std::string::npos);
    }
    // Nothing personal in full anywhere in the CSV or the workbook.
    std::string everything = slurp(forms / "quanzhou-application.csv") + slurp(forms / "quanzhou-application.xlsx");
    if (have_openpyxl()) everything += read_xlsx(forms / "quanzhou-application.xlsx").dump();
    for (const auto* b : named)
        for (const std::string* secret : {&b->head_id_number, &b->phone, &b->contact_mobile, &b->bank_account, &b->head_name, &b->contact_name})
            EXPECT_EQ(everything.find(*secret), std::string::npos) << b->id << " shows " << *secret;

    if (have_openpyxl()) {
        // One sheet per named base, laid out as the notice's form.
        const nlohmann::json x = read_xlsx(forms / "quanzhou-application.xlsx");
        ASSERT_EQ(x["sheets"].size(), named.size());
        for (const auto& sh : x["sheets"]) {
            const std::string id = sh["name"].get<std::string>();
            ASSERT_TRUE(by_id.count(id)) << id;
            const CandidateBase& b = *by_id[id];
            std::map<std::string, std::vector<std::string>> after;  // label -> the cells right of it
            std::vector<std::string> all;
            for (const auto& row : sheet_text(sh))
                for (std::size_t c = 0; c < row.size(); ++c) {
                    all.push_back(row[c]);
                    if (!row[c].empty() && !after.count(row[c]))
                        after[row[c]] = std::vector<std::string>(row.begin() + static_cast<std::ptrdiff_t>(c) + 1, row.end());
                }
            auto next_value = [&](const std::string& label) {
                if (!after.count(label)) return std::string("<no label ") + label + ">";
                for (const auto& v : after[label])
                    if (!v.empty()) return v;
                return std::string();
            };
            EXPECT_EQ(all.at(0), "泉州市产业工人技能培训基地建设项目申报表");
            for (const char* label : {"项目单位名称", "属性", "项目单位地址", "产业工人培训基地项目类别", "邮政编码", "网址", "负责人信息",
                                      "姓名", "部门及职务", "身份证号", "学历", "办公室电话", "传真", "手机", "联系人", "资金账号",
                                      "开户银行", "项目单位主管部门", "规范管理", "培训能力", "师资队伍", "校企合作", "备注"})
                EXPECT_TRUE(after.count(label)) << id << ": no " << label;
            EXPECT_TRUE(after.count(county_opinion)) << id;
            EXPECT_TRUE(after.count(city_opinion)) << id;
            EXPECT_EQ(next_value(county_opinion), "（签字盖章）\n年    月    日");
            EXPECT_EQ(next_value("项目单位名称"), b.name);
            EXPECT_EQ(next_value("邮政编码"), b.postcode);
            EXPECT_EQ(next_value("网址"), b.website);
            EXPECT_EQ(next_value("身份证号"), mask_id_number(b.head_id_number));
            EXPECT_EQ(next_value("资金账号"), mask_phone(b.bank_account));
            EXPECT_EQ(next_value("开户银行"), b.bank_name);
            // The tick boxes, the base's own ticked.
            const std::string attr = next_value("属性"), cat = next_value("产业工人培训基地项目类别");
            EXPECT_NE(attr.find("☑" + attribute_zh(b.attribute)), std::string::npos) << attr;
            EXPECT_EQ(std::count(attr.begin(), attr.end(), '\xE2') , 3) << attr;  // three boxes (☑ and □ start with E2)
            for (const auto& a : kAttributes) EXPECT_NE(attr.find(a), std::string::npos) << attr;
            for (const auto& c : kCategories) EXPECT_NE(cat.find(c), std::string::npos) << cat;
            EXPECT_NE(cat.find("☑" + category_zh(b.category)), std::string::npos) << cat;
            EXPECT_NE(std::find(all.begin(), all.end(), "申报单位（公章）：" + b.name), all.end()) << id;
            EXPECT_NE(std::find(all.begin(), all.end(), "泉 州 市 总 工 会 制"), all.end()) << id;
            // One A4 portrait page.
            EXPECT_EQ(sh["paper"], 9);
            EXPECT_EQ(sh["orientation"], "portrait");
            EXPECT_TRUE(sh["fit"].get<bool>());
        }
    }

    // --unmasked: in full.
    TempDir full;
    (void)write_forms(s, in, full.path, true);
    const Form app_full = read_form(full / "forms" / "quanzhou-application.csv");
    for (const auto& row : app_full.rows) {
        const CandidateBase& b = *by_id.at(row[column(app_full, "基地编号")]);
        EXPECT_EQ(row[column(app_full, "负责人身份证号")], b.head_id_number);
        EXPECT_EQ(row[column(app_full, "联系人手机")], b.contact_mobile);
        EXPECT_EQ(row[column(app_full, "资金账号")], b.bank_account);
        EXPECT_EQ(row[column(app_full, "联系人姓名")], b.contact_name);
    }
}

// 属性 and 类别 as the notice words them (seeds/003_*).
TEST(FormsWording, AttributeAndCategoryAsTheNotice) {
    EXPECT_EQ(attribute_zh(BaseAttribute::government), "政府办");
    EXPECT_EQ(attribute_zh(BaseAttribute::industry), "行业、企业办");
    EXPECT_EQ(attribute_zh(BaseAttribute::other), "其它");
    EXPECT_EQ(category_zh('A'), "A生产制造及智能制造");
    EXPECT_EQ(category_zh('B'), "B生产、运输设备操作");
    EXPECT_EQ(category_zh('C'), "C商业、服务");
    EXPECT_EQ(category_zh('D'), "D其他");
    // Every one of them appears in the notice's form as written.
    const fs::path seeds = shared_dir() / "seeds";
    std::string notice;
    if (fs::exists(seeds))
        for (const auto& e : fs::directory_iterator(seeds))
            if (e.path().filename().string().rfind("003_", 0) == 0) notice = slurp(e.path());
    if (notice.empty()) GTEST_SKIP() << "the Quanzhou notice is not in " << seeds;
    for (const std::string w : {"□政府办", "□行业、企业办", "□其它", "(A生产制造及智能制造", "□B生产、运输设备操作", "□C商业、服务", "□D其他"})
        EXPECT_NE(notice.find(w), std::string::npos) << w;
}

// A bases layer without the form's columns (user data) still loads; the
// form's fields are blank and 培训能力 says what the model's figures are.
TEST_F(FormsQuanzhou, BasesWithoutFormColumnsStillLoad) {
    TempDir dir;
    const fs::path data = dir / "data";
    fs::create_directories(data);
    for (const auto& e : fs::directory_iterator(source_dir() / "datasets" / "quanzhou")) fs::copy_file(e.path(), data / e.path().filename());
    // Drop every column after `phone` but lon and lat.
    {
        const std::string csv = slurp(data / "bases.csv");
        std::istringstream in(csv);
        std::string out, line;
        std::vector<std::size_t> keep;
        bool first = true;
        while (std::getline(in, line)) {
            if (!line.empty() && line.back() == '\r') line.pop_back();
            std::vector<std::string> f;
            ASSERT_TRUE(split_csv(line, f)) << line;
            if (first) {
                bool past_phone = false;
                for (std::size_t i = 0; i < f.size(); ++i) {
                    if (!past_phone || f[i] == "lon" || f[i] == "lat") keep.push_back(i);
                    past_phone = past_phone || f[i] == "phone";
                }
                ASSERT_LT(keep.size(), f.size()) << "the shipped bases.csv has the form's columns";
                first = false;
            }
            std::string l;
            for (std::size_t i : keep) l += (l.empty() ? "" : ",") + csv_field(f.at(i));
            out += l + "\n";
        }
        write(data / "bases.csv", out);
    }
    LoadOptions o;
    o.overrides = {"data_dir=" + data.string()};
    Diagnostics warnings;
    Scenario s;
    ASSERT_NO_THROW(s = load_scenario(baseline("quanzhou"), o, &warnings));
    for (const auto& pr : warnings.problems()) ADD_FAILURE() << pr.str();
    ASSERT_EQ(s.sites.bases.size(), p->s.sites.bases.size());
    for (const auto& b : s.sites.bases) {
        EXPECT_TRUE(b.postcode.empty() && b.website.empty() && b.bank_account.empty() && b.contact_name.empty()) << b.id;
        EXPECT_FALSE(b.head_id_number.empty()) << b.id;
    }
    const Simulator sim(s);
    const FormsInput in = forms_from_replication(sim, 0);
    TempDir tmp;
    (void)write_forms(s, in, tmp.path, false);
    const Form app = read_form(tmp / "forms" / "quanzhou-application.csv");
    ASSERT_FALSE(app.rows.empty());
    for (const auto& row : app.rows) {
        EXPECT_TRUE(row[column(app, "邮政编码")].empty());
        EXPECT_TRUE(row[column(app, "资金账号")].empty());
        EXPECT_NE(row[column(app, "培训能力")].find("据基地数据"), std::string::npos) << row[column(app, "培训能力")];
        EXPECT_FALSE(row[column(app, "负责人身份证号")].empty());
    }

    // A column the scenario maps by name must exist.
    o.overrides.push_back("bases.postcode_field=邮编");
    try {
        (void)load_scenario(baseline("quanzhou"), o);
        ADD_FAILURE() << "a mapped column that does not exist should be an error";
    } catch (const InvalidInput& e) {
        ASSERT_FALSE(e.problems().empty());
        EXPECT_NE(e.problems()[0].str().find("邮编"), std::string::npos) << e.problems()[0].str();
    }
}

TEST_F(FormsQuanzhou, UnmaskedAndRepresentative) {
    const Scenario& s = p->s;
    const Results r = monte_carlo(*p->sim);
    const FormsInput in = forms_most_likely(*p->sim, r);  // bases: the representative replication
    EXPECT_TRUE(in.representative);
    EXPECT_EQ(in.replication, r.representative_replication);
    const Trajectory t = p->sim->run(static_cast<std::uint64_t>(r.representative_replication));
    EXPECT_EQ(in.base_named_on, t.base_named_on);
    EXPECT_EQ(in.base_grant_cny, t.base_grant_cny);
    std::size_t named = 0;
    for (std::size_t b = 0; b < s.sites.bases.size(); ++b)
        named += t.base_named_on[b] != never && t.base_named_on[b] <= s.run.report_date.days();
    EXPECT_EQ(named, r.report_status.at(static_cast<std::size_t>(BaseStatus::named)));

    TempDir tmp;
    (void)write_forms(s, in, tmp.path, true);
    const Form roster = read_form(tmp / "forms" / "quanzhou-roster.csv", "年度");
    EXPECT_EQ(roster.rows.size(), named);
    EXPECT_NE(roster.above.at(1).find("模拟第 " + std::to_string(r.representative_replication) + " 次重复（代表性：报告日全市命名基地数为中位数）"),
              std::string::npos)
        << roster.above.at(1);
    std::set<std::string> ids;
    for (const auto& b : s.sites.bases) ids.insert(b.head_id_number);
    for (const auto& row : roster.rows) EXPECT_TRUE(ids.count(row[9])) << row[9];
}

}  // namespace
