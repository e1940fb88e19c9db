// The official forms (forms.hpp): the statuses of one replication or the
// most likely ones, laid out as the notices' tables and written as CSV
// (UTF-8 with BOM, CRLF, RFC 4180 quoting) and XLSX (libxlsxwriter).
#include "tisheng/forms.hpp"

#include <xlsxwriter.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <system_error>

#include "tisheng/error.hpp"
#include "tisheng/io.hpp"
#include "tisheng/privacy.hpp"

namespace tisheng {

namespace fs = std::filesystem;

FormsInput forms_from_replication(const Simulator& sim, std::uint64_t k) {
    const Scenario& s = sim.scenario();
    std::vector<StatusChange> log;
    Trajectory t = sim.run(k, &log);
    FormsInput in;
    in.source = "replication " + std::to_string(k);
    if (s.programme.kind == ProgrammeKind::stations) {
        // Register projects only: projects that arrive during the replication
        // have no row in the inputs, hence none in the forms.
        const std::size_t n = s.sites.projects.size();
        const StatusHistory h(n, log);
        in.status.resize(n);
        for (std::size_t i = 0; i < n; ++i) in.status[i] = h.at(i, s.run.report_date);
    } else {
        const std::size_t n = s.sites.bases.size();
        const StatusHistory h(n, log);
        in.status.resize(n);
        for (std::size_t i = 0; i < n; ++i) in.status[i] = h.at(i, s.run.end);
        in.base_named_on = std::move(t.base_named_on);
        in.base_grant_cny = std::move(t.base_grant_cny);
        in.base_demonstration = std::move(t.base_demonstration);
    }
    return in;
}

FormsInput forms_most_likely(const Simulator& sim, const Results& r) {
    const Scenario& s = sim.scenario();
    const bool stations = s.programme.kind == ProgrammeKind::stations;
    const std::size_t n = stations ? s.sites.projects.size() : s.sites.bases.size();
    constexpr std::size_t K = Results::status_kinds;
    if (r.status_counts.size() != n * K)
        throw Error("the most likely forms need the status of every site at the report date "
                    "(MonteCarloOptions::status_at)");
    FormsInput in;
    in.source = "most likely";
    in.status.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        const auto* c = r.status_counts.data() + i * K;
        // The first maximum: ties go to the lower status value.
        in.status[i] = static_cast<std::uint8_t>(std::max_element(c, c + K) - c);
    }
    if (!stations) {
        // Names, grants and demonstration flags are read together from one
        // replication (the median one), so the roster is a consistent set:
        // per-base modes could name more bases than the quota allows.
        Trajectory t = sim.run(static_cast<std::uint64_t>(r.median_replication));
        in.source = "the median replication (" + std::to_string(r.median_replication) + ")";
        in.base_named_on = std::move(t.base_named_on);
        in.base_grant_cny = std::move(t.base_grant_cny);
        in.base_demonstration = std::move(t.base_demonstration);
    }
    return in;
}

namespace {

// ---- A table, and its two renderings --------------------------------------

struct Cell {
    enum class Kind { text, integer, money } kind = Kind::text;
    std::string text;
    double value = 0;
};

Cell text(std::string s) { return {Cell::Kind::text, std::move(s), 0}; }
Cell integer(long long v) { return {Cell::Kind::integer, {}, static_cast<double>(v)}; }
Cell money(double v) { return {Cell::Kind::money, {}, v}; }

std::string cell_text(const Cell& c) {
    if (c.kind == Cell::Kind::text) return c.text;
    return exact_number(c.value);
}

struct Table {
    std::string sheet;  ///< worksheet name (at most 31 characters)
    std::vector<std::string> header;
    std::vector<std::vector<Cell>> rows;
    std::vector<bool> bold;  ///< per row: total rows are bold in the XLSX
    void add(std::vector<Cell> row, bool strong = false) {
        rows.push_back(std::move(row));
        bold.push_back(strong);
    }
};

std::string csv_bytes(const Table& t) {
    std::string out = "\xEF\xBB\xBF";
    auto line = [&out](const std::vector<std::string>& fields) {
        for (std::size_t i = 0; i < fields.size(); ++i) {
            if (i) out += ',';
            out += csv_field(fields[i]);
        }
        out += "\r\n";
    };
    line(t.header);
    std::vector<std::string> fields;
    for (const auto& row : t.rows) {
        fields.clear();
        for (const Cell& c : row) fields.push_back(cell_text(c));
        line(fields);
    }
    return out;
}

// Display width in Excel's character units: East Asian wide characters
// (CJK, full-width forms) count 2, everything else 1.
double display_width(std::string_view s) {
    double w = 0;
    for (std::size_t i = 0; i < s.size();) {
        const auto b = static_cast<unsigned char>(s[i]);
        std::uint32_t cp = b;
        int len = 1;
        if (b >= 0xF0) cp = b & 0x07u, len = 4;
        else if (b >= 0xE0) cp = b & 0x0Fu, len = 3;
        else if (b >= 0xC0) cp = b & 0x1Fu, len = 2;
        for (int k = 1; k < len && i + static_cast<std::size_t>(k) < s.size(); ++k)
            cp = (cp << 6) | (static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]) & 0x3Fu);
        i += static_cast<std::size_t>(len);
        const bool wide = (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
                          (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
                          (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
                          (cp >= 0xFFE0 && cp <= 0xFFE6) || cp >= 0x20000;
        w += wide ? 2 : 1;
    }
    return w;
}

std::string money_text(double v) {
    // As the XLSX shows it (#,##0 or #,##0.00), for the column widths.
    char buf[48];
    std::snprintf(buf, sizeof buf, v == std::floor(v) ? "%.0f" : "%.2f", v);
    const std::string_view digits = buf;
    const std::size_t first = digits[0] == '-' ? 1 : 0, dot = std::min(digits.find('.'), digits.size());
    std::string out(digits.substr(0, first));
    for (std::size_t i = first; i < dot; ++i) {
        if (i > first && (dot - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    out += digits.substr(dot);
    return out;
}

void write_xlsx(const fs::path& target, const Table& t, const std::string& title, const std::string& source) {
    const fs::path tmp = target.parent_path() / ("." + target.filename().string() + ".tmp-" + std::to_string(::getpid()));
    lxw_workbook* wb = workbook_new(tmp.c_str());
    if (!wb) throw Error(target.string() + ": cannot create the workbook");
    std::string comments = "状态来源 (source): " + source;
    lxw_doc_properties props{};
    props.title = const_cast<char*>(title.c_str());
    props.comments = const_cast<char*>(comments.c_str());
    props.author = const_cast<char*>("Tisheng");
    workbook_set_properties(wb, &props);
    lxw_worksheet* ws = workbook_add_worksheet(wb, t.sheet.c_str());
    lxw_format* head = workbook_add_format(wb);
    format_set_bold(head);
    lxw_format* whole = workbook_add_format(wb);
    format_set_num_format(whole, "#,##0");
    lxw_format* cents = workbook_add_format(wb);
    format_set_num_format(cents, "#,##0.00");
    lxw_format* whole_bold = workbook_add_format(wb);
    format_set_num_format(whole_bold, "#,##0");
    format_set_bold(whole_bold);
    lxw_format* cents_bold = workbook_add_format(wb);
    format_set_num_format(cents_bold, "#,##0.00");
    format_set_bold(cents_bold);

    lxw_error err = ws ? LXW_NO_ERROR : LXW_ERROR_WORKSHEET_INDEX_OUT_OF_RANGE;
    auto check = [&err](lxw_error e) {
        if (e != LXW_NO_ERROR && err == LXW_NO_ERROR) err = e;
    };
    std::vector<double> widths(t.header.size(), 0);
    if (ws) {
        for (std::size_t c = 0; c < t.header.size(); ++c) {
            check(worksheet_write_string(ws, 0, static_cast<lxw_col_t>(c), t.header[c].c_str(), head));
            widths[c] = display_width(t.header[c]);
        }
        for (std::size_t r = 0; r < t.rows.size(); ++r) {
            const auto row = static_cast<lxw_row_t>(r + 1);
            const bool strong = t.bold[r];
            for (std::size_t c = 0; c < t.rows[r].size(); ++c) {
                const Cell& cell = t.rows[r][c];
                const auto col = static_cast<lxw_col_t>(c);
                std::string shown;
                switch (cell.kind) {
                case Cell::Kind::text:
                    if (!cell.text.empty()) check(worksheet_write_string(ws, row, col, cell.text.c_str(), strong ? head : nullptr));
                    shown = cell.text;
                    break;
                case Cell::Kind::integer:
                    check(worksheet_write_number(ws, row, col, cell.value, strong ? head : nullptr));
                    shown = exact_number(cell.value);
                    break;
                case Cell::Kind::money: {
                    const bool is_whole = cell.value == std::floor(cell.value);
                    lxw_format* f = is_whole ? (strong ? whole_bold : whole) : (strong ? cents_bold : cents);
                    check(worksheet_write_number(ws, row, col, cell.value, f));
                    shown = money_text(cell.value);
                    break;
                }
                }
                if (c < widths.size()) widths[c] = std::max(widths[c], display_width(shown));
            }
        }
        for (std::size_t c = 0; c < widths.size(); ++c)
            check(worksheet_set_column(ws, static_cast<lxw_col_t>(c), static_cast<lxw_col_t>(c),
                                       std::clamp(widths[c] + 2, 6.0, 80.0), nullptr));
        worksheet_freeze_panes(ws, 1, 0);
    }
    const lxw_error closed = workbook_close(wb);
    check(closed);
    std::error_code ec;
    if (err != LXW_NO_ERROR) {
        fs::remove(tmp, ec);
        throw Error(target.string() + ": cannot write the workbook: " + lxw_strerror(err));
    }
    fs::rename(tmp, target, ec);
    if (ec) {
        std::error_code ignored;
        fs::remove(tmp, ignored);
        throw Error(target.string() + ": cannot rename the workbook into place: " + ec.message());
    }
}

// A file name part: the unit's id and name as they are, except for path
// separators and control characters.
std::string file_part(std::string s) {
    for (char& ch : s)
        if (ch == '/' || ch == '\\' || static_cast<unsigned char>(ch) < 0x20) ch = '_';
    return s;
}

void write_table(const fs::path& dir, const std::string& stem, const Table& t, const std::string& title,
                 const std::string& source, std::vector<fs::path>& written) {
    const fs::path csv = dir / (stem + ".csv"), xlsx = dir / (stem + ".xlsx");
    write_file_atomic(csv, csv_bytes(t));
    written.push_back(csv);
    write_xlsx(xlsx, t, title, source);
    written.push_back(xlsx);
}

// ---- Jiangmen: 情况表 --------------------------------------------------------

const std::vector<std::string>& station_columns() {
    static const std::vector<std::string> c{"序号", "提升站所在企业（或在建项目）名称", "提升站地址", "联系人姓名",
                                            "单位及职务", "手机号码", "建设状况"};
    return c;
}

// The notice's three statuses; a station that failed the standard is being
// fixed, so it is still 在建. None, closed and abandoned have no row.
const char* station_status_zh(std::uint8_t v) {
    switch (static_cast<StationStatus>(v)) {
    case StationStatus::planned: return "拟建";
    case StationStatus::under_construction:
    case StationStatus::failed_standard: return "在建";
    case StationStatus::built: return "已建";
    default: return nullptr;
    }
}

void write_stations(const Scenario& s, const FormsInput& in, const fs::path& dir, bool unmasked,
                    std::vector<fs::path>& written) {
    const auto& projects = s.sites.projects;
    const auto& units = s.region.units();
    if (in.status.size() != projects.size())
        throw Error("forms: " + std::to_string(in.status.size()) + " statuses for " + std::to_string(projects.size()) +
                    " register projects");
    // Rows by district (the region's unit order), then project id.
    std::vector<std::size_t> order;
    for (std::size_t i = 0; i < projects.size(); ++i)
        if (station_status_zh(in.status[i])) order.push_back(i);
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        if (projects[a].unit != projects[b].unit) return projects[a].unit < projects[b].unit;
        return projects[a].id < projects[b].id;
    });
    auto row = [&](std::size_t i, long long no) {
        const Project& p = projects[i];
        // 提升站所在企业（或在建项目）名称: the notice lists each project of an
        // enterprise on its own row, so the enterprise alone would not tell
        // the rows apart: 施工企业（项目名称）, or the project name alone when
        // the enterprise is unknown.
        std::string name = p.enterprise.empty() ? p.name : p.enterprise + "（" + p.name + "）";
        return std::vector<Cell>{integer(no), text(std::move(name)), text(p.address),
                                 text(unmasked ? p.contact_name : mask_name(p.contact_name)), text(p.contact_title),
                                 text(unmasked ? p.mobile : mask_phone(p.mobile)), text(station_status_zh(in.status[i]))};
    };
    const std::string when = s.run.report_date.iso();
    for (UnitIndex u = 0; u < units.size(); ++u) {
        Table t{"情况表", station_columns(), {}, {}};
        long long no = 0;
        for (std::size_t i : order)
            if (projects[i].unit == u) t.add(row(i, ++no));
        write_table(dir, "jiangmen-" + file_part(units[u].id) + "-" + file_part(units[u].name), t,
                    units[u].name + "农民工素质和技能提升站建设情况表（" + when + "）", in.source, written);
    }
    Table city{"情况表", station_columns(), {}, {}};
    city.header.push_back("所在县(市、区)");
    long long no = 0;
    for (std::size_t i : order) {
        auto r = row(i, ++no);
        r.push_back(text(units[projects[i].unit].name));
        city.add(std::move(r));
    }
    write_table(dir, "jiangmen-city", city, s.region.name() + "农民工素质和技能提升站建设情况表（" + when + "）",
                in.source, written);
}

// ---- Quanzhou: roster and funding ------------------------------------------

const char* attribute_zh(BaseAttribute a) {
    switch (a) {
    case BaseAttribute::government: return "政府";
    case BaseAttribute::industry: return "行业企业";
    case BaseAttribute::other: return "其他";
    }
    return "其他";
}

// The industry keys of datasets/quanzhou/bases.csv; the five focus
// industries as the notice names them. Other keys are shown as they are.
std::string industry_zh(const std::string& key) {
    static const std::map<std::string, std::string> names{
        {"machinery", "机械智能制造"},   {"electronics", "集成电子电路"}, {"textiles", "纺织服装鞋业"},
        {"petrochem", "石化新材料"},     {"ceramics", "陶瓷雕艺"},       {"building_materials", "建材"},
        {"food", "食品饮料"},            {"logistics", "现代物流"},       {"tea", "茶业"}};
    auto it = names.find(key);
    return it == names.end() ? key : it->second;
}

double cents(double v) { return std::round(v * 100) / 100; }

void write_bases(const Scenario& s, const FormsInput& in, const fs::path& dir, bool unmasked,
                 std::vector<fs::path>& written) {
    const auto& bases = s.sites.bases;
    const auto& units = s.region.units();
    const std::size_t n = bases.size();
    if (in.base_named_on.size() != n || in.base_grant_cny.size() != n || in.base_demonstration.size() != n)
        throw Error("forms: the named days, grants and demonstration flags must cover the " + std::to_string(n) +
                    " candidate bases");
    // Bases named on or before the report date, by year named, then county
    // (the region's unit order), then base id.
    std::vector<std::size_t> named;
    for (std::size_t b = 0; b < n; ++b)
        if (in.base_named_on[b] != never && in.base_named_on[b] <= s.run.report_date.days()) named.push_back(b);
    auto year_of = [&](std::size_t b) { return Date::from_days(in.base_named_on[b]).year(); };
    std::sort(named.begin(), named.end(), [&](std::size_t a, std::size_t b) {
        const int ya = year_of(a), yb = year_of(b);
        if (ya != yb) return ya < yb;
        if (bases[a].unit != bases[b].unit) return bases[a].unit < bases[b].unit;
        return bases[a].id < bases[b].id;
    });
    const std::string when = s.run.report_date.iso();

    Table roster{"基地名册",
                 {"年度", "序号", "基地名称", "单位属性", "类别", "产业", "所在县(市、区)", "示范基地", "负责人", "身份证号",
                  "联系电话"},
                 {},
                 {}};
    long long no = 0;
    for (std::size_t b : named) {
        const CandidateBase& c = bases[b];
        roster.add({integer(year_of(b)), integer(++no), text(c.name), text(attribute_zh(c.attribute)),
                    text(std::string(1, c.category)), text(industry_zh(c.industry)), text(units[c.unit].name),
                    text(in.base_demonstration[b] ? "是" : "否"),
                    text(unmasked ? c.head_name : mask_name(c.head_name)),
                    text(unmasked ? c.head_id_number : mask_id_number(c.head_id_number)),
                    text(unmasked ? c.phone : mask_phone(c.phone))});
    }
    write_table(dir, "quanzhou-roster", roster, s.region.name() + "产业工人技能培训基地名册（" + when + "）", in.source,
                written);

    // Funding: a row per named base, then subtotals per county (all years),
    // totals per year, and the grand total; the county match is the city
    // grant times grants.county_match, to the cent.
    const double ratio = s.programme.grants.county_match_ratio;
    Table funding{"经费", {"年度", "基地名称", "所在县(市、区)", "市级补助(元)", "县级配套(元)", "合计(元)"}, {}, {}};
    struct Sum {
        double city = 0, county = 0;
    };
    std::map<UnitIndex, Sum> by_unit;
    std::map<int, Sum> by_year;
    Sum all;
    auto amounts = [](const Sum& x) { return std::vector<Cell>{money(x.city), money(x.county), money(cents(x.city + x.county))}; };
    for (std::size_t b : named) {
        const CandidateBase& c = bases[b];
        const Sum x{cents(in.base_grant_cny[b]), cents(in.base_grant_cny[b] * ratio)};
        for (Sum* acc : {&by_unit[c.unit], &by_year[year_of(b)], &all}) {
            acc->city = cents(acc->city + x.city);
            acc->county = cents(acc->county + x.county);
        }
        std::vector<Cell> r{integer(year_of(b)), text(c.name), text(units[c.unit].name)};
        for (Cell& a : amounts(x)) r.push_back(std::move(a));
        funding.add(std::move(r));
    }
    for (const auto& [u, x] : by_unit) {
        std::vector<Cell> r{text(""), text("小计：" + units[u].name), text(units[u].name)};
        for (Cell& a : amounts(x)) r.push_back(std::move(a));
        funding.add(std::move(r), true);
    }
    for (const auto& [y, x] : by_year) {
        std::vector<Cell> r{integer(y), text("合计：" + std::to_string(y) + "年"), text("")};
        for (Cell& a : amounts(x)) r.push_back(std::move(a));
        funding.add(std::move(r), true);
    }
    {
        std::vector<Cell> r{text(""), text("总计"), text("")};
        for (Cell& a : amounts(all)) r.push_back(std::move(a));
        funding.add(std::move(r), true);
    }
    write_table(dir, "quanzhou-funding", funding, s.region.name() + "产业工人技能培训基地经费表（" + when + "）",
                in.source, written);
}

}  // namespace

std::vector<fs::path> write_forms(const Scenario& s, const FormsInput& in, const fs::path& dir, bool unmasked) {
    const fs::path forms = dir / "forms";
    std::error_code ec;
    fs::create_directories(forms, ec);
    if (ec) throw Error(forms.string() + ": cannot create the forms folder: " + ec.message());
    std::vector<fs::path> written;
    if (s.programme.kind == ProgrammeKind::stations) write_stations(s, in, forms, unmasked, written);
    else write_bases(s, in, forms, unmasked, written);
    return written;
}

}  // namespace tisheng
