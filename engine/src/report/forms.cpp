// The official forms (forms.hpp): the statuses of one replication (by
// default the representative one) or the most likely ones, laid out as the
// notices' tables and forms and written as CSV (UTF-8 with BOM, CRLF, RFC
// 4180 quoting) and XLSX (libxlsxwriter, A4).
#include "tisheng/report/forms.hpp"

#include <xlsxwriter.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <set>
#include <system_error>
#include <tuple>

#include "tisheng/core/error.hpp"
#include "tisheng/core/text.hpp"
#include "tisheng/core/files.hpp"
#include "tisheng/core/privacy.hpp"

namespace tisheng {

namespace fs = std::filesystem;

FormsInput forms_from_replay(const Scenario& s, const Replay& rp) {
    const Trajectory& t = rp.trajectory;
    FormsInput in;
    in.source = "replication " + std::to_string(rp.replication);
    in.replication = rp.replication;
    const Date when = s.run.report_date;
    if (s.programme.kind == ProgrammeKind::stations) {
        // Every project of the replication: the register's, then those that
        // arrived during it (each a copy of a register project).
        const std::size_t n = std::max(t.project_slot.size(), s.sites.projects.size());
        const StatusHistory h(n, rp.log);
        in.status.resize(n);
        for (std::size_t i = 0; i < n; ++i) in.status[i] = h.at(i, when);
        if (t.project_slot.size() == n) in.project_slot = t.project_slot;
    } else {
        const std::size_t n = s.sites.bases.size();
        const StatusHistory h(n, rp.log);
        in.status.resize(n);
        for (std::size_t i = 0; i < n; ++i) in.status[i] = h.at(i, when);
        in.base_named_on = t.base_named_on;
        in.base_grant_cny = t.base_grant_cny;
        in.base_demonstration = t.base_demonstration;
    }
    return in;
}

FormsInput forms_from_replication(const Simulator& sim, std::uint64_t k) { return forms_from_replay(sim.scenario(), replay(sim, k)); }

FormsInput forms_representative(const Scenario& s, const Results& r, const Replay& rp) {
    const int k = r.representative_replication;
    if (r.replications <= 0 || k < 0 || k >= r.replications)
        throw Error("the representative forms need the results of a Monte Carlo run (representative replication " +
                    std::to_string(k) + " of " + std::to_string(r.replications) + ")");
    if (rp.replication != k)
        throw Error("the representative forms need replication " + std::to_string(k) + ", not " + std::to_string(rp.replication));
    FormsInput in = forms_from_replay(s, rp);
    in.representative = true;
    const bool stations = s.programme.kind == ProgrammeKind::stations;
    in.source = "replication " + std::to_string(k) + " (representative: its " +
                (stations ? "stations built and in use" : "bases named") + " at " + s.run.report_date.iso() +
                " nearest the median, " + exact_number(r.report_count.p50) + ")";
    return in;
}

FormsInput forms_representative(const Simulator& sim, const Results& r) {
    const int k = r.representative_replication;
    if (r.replications <= 0 || k < 0 || k >= r.replications)
        throw Error("the representative forms need the results of a Monte Carlo run (representative replication " +
                    std::to_string(k) + " of " + std::to_string(r.replications) + ")");
    return forms_representative(sim.scenario(), r, replay(sim, static_cast<std::uint64_t>(k)));
}

FormsInput forms_most_likely(const Scenario& s, const Results& r, const Replay& representative) {
    // Bases: names, grants and demonstration flags are read together from
    // one replication, so the roster is a consistent set (per-base modes
    // could name more bases than the quota allows).
    if (s.programme.kind != ProgrammeKind::stations) return forms_representative(s, r, representative);
    const std::size_t n = s.sites.projects.size();
    constexpr std::size_t K = Results::status_kinds;
    if (r.status_counts.size() != n * K)
        throw Error("the most likely forms need the status of every site at the report date "
                    "(MonteCarloOptions::site_status)");
    FormsInput in;
    in.source = "most likely";
    in.status.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        const auto* c = r.status_counts.data() + i * K;
        // The first maximum: ties go to the lower status value.
        in.status[i] = static_cast<std::uint8_t>(std::max_element(c, c + K) - c);
    }
    return in;
}

FormsInput forms_most_likely(const Simulator& sim, const Results& r) {
    const Scenario& s = sim.scenario();
    if (s.programme.kind != ProgrammeKind::stations) return forms_representative(sim, r);
    return forms_most_likely(s, r, Replay{});
}

std::string attribute_zh(BaseAttribute a) {
    switch (a) {
    case BaseAttribute::government: return "政府办";
    case BaseAttribute::industry: return "行业、企业办";
    case BaseAttribute::other: return "其它";
    }
    return "其它";
}

std::string category_zh(char category) {
    switch (category) {
    case 'A': return "A生产制造及智能制造";
    case 'B': return "B生产、运输设备操作";
    case 'C': return "C商业、服务";
    case 'D': return "D其他";
    }
    return std::string(1, category);
}

namespace {

// ---- Words shared by the forms ---------------------------------------------

std::string date_zh(Date d) {
    return std::to_string(d.year()) + "年" + std::to_string(d.month()) + "月" + std::to_string(d.day()) + "日";
}

/// Where the sheet's statuses come from, as its note row says it.
std::string source_note(const Scenario& s, const FormsInput& in) {
    const bool stations = s.programme.kind == ProgrammeKind::stations;
    if (in.replication < 0)
        return "建设状况：各项目在各次模拟重复中最可能的状况（逐项目取众数，全表并非同一次重复的结果）";
    std::string note = "模拟第 " + std::to_string(in.replication) + " 次重复";
    if (in.representative)
        note += stations ? "（代表性：报告日全市已建数为中位数）" : "（代表性：报告日全市命名基地数为中位数）";
    else
        note += "（--replication 指定）";
    return note;
}

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

/// A sheet as the notices lay it out: title and note lines above the
/// column header, the rows, footer lines below.
struct Table {
    std::string sheet;  ///< worksheet name (at most 31 characters)
    std::vector<std::string> above;  ///< [0] the title, then notes
    std::vector<std::string> header;
    std::vector<std::vector<Cell>> rows;
    std::vector<bool> bold;  ///< per row: total rows are bold in the XLSX
    std::vector<std::string> below;
    bool landscape = true;
    std::vector<double> max_width;  ///< per column, in character units (wrapped beyond); empty: 60
    void add(std::vector<Cell> row, bool strong = false) {
        rows.push_back(std::move(row));
        bold.push_back(strong);
    }
};

// One CSV line of `width` fields; a line of one field (a title or a note)
// is padded with empty ones, so every line has as many as the header.
void csv_line(std::string& out, const std::vector<std::string>& fields, std::size_t width) {
    for (std::size_t i = 0; i < std::max(width, fields.size()); ++i) {
        if (i) out += ',';
        if (i < fields.size()) out += csv_field(fields[i]);
    }
    out += "\r\n";
}

std::string csv_bytes(const Table& t) {
    std::string out = "\xEF\xBB\xBF";
    const std::size_t w = t.header.size();
    for (const auto& line : t.above) csv_line(out, {line}, w);
    csv_line(out, t.header, w);
    std::vector<std::string> fields;
    for (const auto& row : t.rows) {
        fields.clear();
        for (const Cell& c : row) fields.push_back(cell_text(c));
        csv_line(out, fields, w);
    }
    for (const auto& line : t.below) csv_line(out, {line}, w);
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
                          (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x25A0 && cp <= 0x27BF) || cp >= 0x20000;
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

/// A workbook written to a temporary file beside its target and renamed
/// into place by close(); dropped (and the file removed) otherwise.
class Book {
public:
    Book(fs::path target, const std::string& title, const std::string& source)
        : m_target(std::move(target)),
          m_tmp(m_target.parent_path() / ("." + m_target.filename().string() + ".tmp-" + std::to_string(::getpid()))),
          m_title(title),
          m_comments("状态来源 (source): " + source) {
        wb = workbook_new(m_tmp.c_str());
        if (!wb) throw Error(m_target.string() + ": cannot create the workbook");
        lxw_doc_properties props{};
        props.title = m_title.data();
        props.comments = m_comments.data();
        props.author = const_cast<char*>("Tisheng");
        props.created = output_time();
        workbook_set_properties(wb, &props);
        auto fmt = [this](auto&&... set) {
            lxw_format* f = workbook_add_format(wb);
            (set(f), ...);
            return f;
        };
        auto border = [](lxw_format* f) { format_set_border(f, LXW_BORDER_THIN); };
        auto bold = [](lxw_format* f) { format_set_bold(f); };
        auto wrap = [](lxw_format* f) { format_set_text_wrap(f); };
        auto vcenter = [](lxw_format* f) { format_set_align(f, LXW_ALIGN_VERTICAL_CENTER); };
        auto center = [](lxw_format* f) { format_set_align(f, LXW_ALIGN_CENTER); };
        auto whole = [](lxw_format* f) { format_set_num_format(f, "#,##0"); };
        auto cents = [](lxw_format* f) { format_set_num_format(f, "#,##0.00"); };
        title_f = fmt(bold, center, vcenter, [](lxw_format* f) { format_set_font_size(f, 16); });
        note_f = fmt(wrap, vcenter);
        centred_note_f = fmt(center, vcenter);
        head_f = fmt(bold, border, wrap, center, vcenter);
        text_f = fmt(border, wrap, vcenter);
        text_bold_f = fmt(border, wrap, vcenter, bold);
        integer_f = fmt(border, center, vcenter);
        integer_bold_f = fmt(border, center, vcenter, bold);
        whole_f = fmt(border, vcenter, whole);
        cents_f = fmt(border, vcenter, cents);
        whole_bold_f = fmt(border, vcenter, whole, bold);
        cents_bold_f = fmt(border, vcenter, cents, bold);
        label_f = fmt(bold, border, wrap, center, vcenter);
        value_f = fmt(border, wrap, vcenter);
        value_top_f = fmt(border, wrap, [](lxw_format* f) { format_set_align(f, LXW_ALIGN_VERTICAL_TOP); });
        sign_f = fmt(border, wrap, [](lxw_format* f) {
            format_set_align(f, LXW_ALIGN_RIGHT);
            format_set_align(f, LXW_ALIGN_VERTICAL_BOTTOM);
        });
    }
    Book(const Book&) = delete;
    Book& operator=(const Book&) = delete;
    ~Book() {
        if (!wb) return;
        workbook_close(wb);
        std::error_code ec;
        fs::remove(m_tmp, ec);
    }

    lxw_worksheet* sheet(const std::string& name) {
        lxw_worksheet* ws = workbook_add_worksheet(wb, name.c_str());
        if (!ws) check(LXW_ERROR_WORKSHEET_INDEX_OUT_OF_RANGE);
        return ws;
    }
    void check(lxw_error e) {
        if (e != LXW_NO_ERROR && m_err == LXW_NO_ERROR) m_err = e;
    }
    [[nodiscard]] bool ok() const { return m_err == LXW_NO_ERROR; }

    void close() {
        check(workbook_close(wb));
        wb = nullptr;
        std::error_code ec;
        if (m_err != LXW_NO_ERROR) {
            fs::remove(m_tmp, ec);
            throw Error(m_target.string() + ": cannot write the workbook: " + lxw_strerror(m_err));
        }
        fs::rename(m_tmp, m_target, ec);
        if (ec) {
            std::error_code ignored;
            fs::remove(m_tmp, ignored);
            throw Error(m_target.string() + ": cannot rename the workbook into place: " + ec.message());
        }
    }

    /// A4, fit to the page width (and height with `one_page`), margins in
    /// inches, centred, page numbers below; rows first..last repeated on
    /// every printed page.
    static void a4(lxw_worksheet* ws, bool landscape, bool one_page, int repeat_first = -1, int repeat_last = -1) {
        worksheet_set_paper(ws, 9);
        if (landscape) worksheet_set_landscape(ws);
        else worksheet_set_portrait(ws);
        worksheet_fit_to_pages(ws, 1, one_page ? 1 : 0);
        worksheet_set_margins(ws, 0.5, 0.5, 0.6, 0.7);
        worksheet_center_horizontally(ws);
        worksheet_set_footer(ws, "&C第 &P 页，共 &N 页");
        if (repeat_first >= 0)
            worksheet_repeat_rows(ws, static_cast<lxw_row_t>(repeat_first), static_cast<lxw_row_t>(repeat_last));
    }

    lxw_workbook* wb = nullptr;
    lxw_format *title_f, *note_f, *centred_note_f, *head_f, *text_f, *text_bold_f, *integer_f, *integer_bold_f, *whole_f,
        *cents_f, *whole_bold_f, *cents_bold_f, *label_f, *value_f, *value_top_f, *sign_f;

private:
    fs::path m_target, m_tmp;
    std::string m_title, m_comments;
    lxw_error m_err = LXW_NO_ERROR;
};

// A line of text across columns first..last of `row`, its height grown for
// the lines it wraps to at `width` character units.
void merged_line(Book& b, lxw_worksheet* ws, lxw_row_t row, lxw_col_t last, const std::string& text, lxw_format* f,
                 double width, double line_height = 16) {
    if (last == 0) b.check(worksheet_write_string(ws, row, 0, text.c_str(), f));
    else b.check(worksheet_merge_range(ws, row, 0, row, last, text.c_str(), f));
    const double lines = std::max(1.0, std::ceil(display_width(text) / std::max(10.0, width - 2)));
    b.check(worksheet_set_row(ws, row, line_height * lines + 2, nullptr));
}

void write_table_xlsx(const fs::path& target, const Table& t, const std::string& source) {
    Book b(target, t.above.empty() ? t.sheet : t.above.front(), source);
    lxw_worksheet* ws = b.sheet(t.sheet);
    if (ws) {
        const std::size_t n = t.header.size();
        std::vector<double> widths(n, 0);
        for (std::size_t c = 0; c < n; ++c) widths[c] = display_width(t.header[c]) / 2;  // the header wraps
        for (const auto& row : t.rows)
            for (std::size_t c = 0; c < row.size() && c < n; ++c) {
                const Cell& cell = row[c];
                const std::string shown = cell.kind == Cell::Kind::text ? cell.text
                                          : cell.kind == Cell::Kind::money ? money_text(cell.value)
                                                                           : exact_number(cell.value);
                widths[c] = std::max(widths[c], display_width(shown));
            }
        double total = 0;
        for (std::size_t c = 0; c < n; ++c) {
            const double cap = c < t.max_width.size() ? t.max_width[c] : 60.0;
            widths[c] = std::clamp(widths[c] + 2, 6.0, cap);
            total += widths[c];
            b.check(worksheet_set_column(ws, static_cast<lxw_col_t>(c), static_cast<lxw_col_t>(c), widths[c], nullptr));
        }
        const auto last = static_cast<lxw_col_t>(n ? n - 1 : 0);
        lxw_row_t row = 0;
        for (std::size_t i = 0; i < t.above.size(); ++i, ++row) {
            if (i == 0) {
                b.check(n > 1 ? worksheet_merge_range(ws, row, 0, row, last, t.above[i].c_str(), b.title_f)
                              : worksheet_write_string(ws, row, 0, t.above[i].c_str(), b.title_f));
                b.check(worksheet_set_row(ws, row, 32, nullptr));
            } else {
                merged_line(b, ws, row, last, t.above[i], b.note_f, total);
            }
        }
        const lxw_row_t header_row = row++;
        for (std::size_t c = 0; c < n; ++c)
            b.check(worksheet_write_string(ws, header_row, static_cast<lxw_col_t>(c), t.header[c].c_str(), b.head_f));
        for (std::size_t r = 0; r < t.rows.size(); ++r, ++row) {
            const bool strong = t.bold[r];
            for (std::size_t c = 0; c < t.rows[r].size(); ++c) {
                const Cell& cell = t.rows[r][c];
                const auto col = static_cast<lxw_col_t>(c);
                switch (cell.kind) {
                case Cell::Kind::text:
                    // Empty cells are written blank, with their border.
                    if (cell.text.empty()) b.check(worksheet_write_blank(ws, row, col, strong ? b.text_bold_f : b.text_f));
                    else b.check(worksheet_write_string(ws, row, col, cell.text.c_str(), strong ? b.text_bold_f : b.text_f));
                    break;
                case Cell::Kind::integer:
                    b.check(worksheet_write_number(ws, row, col, cell.value, strong ? b.integer_bold_f : b.integer_f));
                    break;
                case Cell::Kind::money: {
                    const bool is_whole = cell.value == std::floor(cell.value);
                    lxw_format* f = is_whole ? (strong ? b.whole_bold_f : b.whole_f) : (strong ? b.cents_bold_f : b.cents_f);
                    b.check(worksheet_write_number(ws, row, col, cell.value, f));
                    break;
                }
                }
            }
        }
        for (const auto& line : t.below) merged_line(b, ws, row++, last, line, b.note_f, total);
        worksheet_freeze_panes(ws, header_row + 1, 0);
        Book::a4(ws, t.landscape, false, static_cast<int>(header_row), static_cast<int>(header_row));
    }
    b.close();
}

// A file name part: the unit's id and name as they are, except for path
// separators and control characters.
std::string file_part(std::string s) {
    for (char& ch : s)
        if (ch == '/' || ch == '\\' || static_cast<unsigned char>(ch) < 0x20) ch = '_';
    return s;
}

void write_table(const fs::path& dir, const std::string& stem, const Table& t, const std::string& source,
                 std::vector<fs::path>& written) {
    const fs::path csv = dir / (stem + ".csv"), xlsx = dir / (stem + ".xlsx");
    write_file_atomic(csv, csv_bytes(t));
    written.push_back(csv);
    write_table_xlsx(xlsx, t, source);
    written.push_back(xlsx);
}

// ---- Jiangmen: 情况表 --------------------------------------------------------

// The notice's seven columns; the city sheet adds the district, and every
// sheet the project's id (a projects.csv id, or <id>-A<k> for the k-th
// project that arrived during the replication as a copy of it).
const std::vector<std::string>& station_columns() {
    static const std::vector<std::string> c{"序号", "提升站所在企业（或在建项目）名称", "提升站地址", "联系人姓名",
                                            "单位及职务", "手机号码", "建设状况"};
    return c;
}

// The notice's three statuses; a station that failed the standard is being
// fixed (or waits for a fix), so it is still 在建. None, closed and
// abandoned have no row.
const char* station_status_zh(std::uint8_t v) {
    switch (static_cast<StationStatus>(v)) {
    case StationStatus::planned: return "拟建";
    case StationStatus::under_construction:
    case StationStatus::failed_standard: return "在建";
    case StationStatus::built: return "已建";
    default: return nullptr;
    }
}

// The notice's footer: the filler's lines and its two 说明, word for word.
const std::vector<std::string>& station_footer() {
    static const std::vector<std::string> f{"填报人：", "固定电话：", "手机号码：",
                                            "说明：1. 如果一个企业有多个在建项目开展了“提升站”建设，请在表中一一列出。",
                                            "2. 建设状况包括已建、在建和拟建三种情形。"};
    return f;
}

void write_stations(const Scenario& s, const FormsInput& in, const fs::path& dir, bool unmasked,
                    std::vector<fs::path>& written) {
    const auto& projects = s.sites.projects;
    const auto& units = s.region.units();
    const std::size_t n_register = projects.size();
    const std::size_t n = in.project_slot.empty() ? n_register : in.project_slot.size();
    if (in.status.size() != n || n < n_register)
        throw Error("forms: " + std::to_string(in.status.size()) + " statuses for " + std::to_string(n) + " projects (" +
                    std::to_string(n_register) + " register projects)");
    auto slot = [&](std::size_t i) -> std::size_t { return in.project_slot.empty() ? i : in.project_slot[i]; };
    for (std::size_t i = 0; i < n; ++i)
        if (slot(i) >= n_register || (i < n_register && slot(i) != i))
            throw Error("forms: project " + std::to_string(i) + " copies no register project");
    // Arrivals: the k-th copy of each register project, in the order they arrived.
    std::vector<std::uint32_t> copy_no(n, 0);
    {
        std::vector<std::uint32_t> copies(n_register, 0);
        for (std::size_t i = n_register; i < n; ++i) copy_no[i] = ++copies[slot(i)];
    }
    auto project_id = [&](std::size_t i) {
        const std::string& id = projects[slot(i)].id;
        return copy_no[i] ? id + "-A" + std::to_string(copy_no[i]) : id;
    };
    // Rows by district (the region's unit order), then project id, each
    // project's copies after it.
    std::vector<std::size_t> order;
    for (std::size_t i = 0; i < n; ++i)
        if (station_status_zh(in.status[i])) order.push_back(i);
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        const Project &pa = projects[slot(a)], &pb = projects[slot(b)];
        return std::tie(pa.unit, pa.id, copy_no[a]) < std::tie(pb.unit, pb.id, copy_no[b]);
    });
    auto row = [&](std::size_t i, long long no) {
        const Project& p = projects[slot(i)];
        // 提升站所在企业（或在建项目）名称: the notice lists each project of an
        // enterprise on its own row, so the enterprise alone would not tell
        // the rows apart: 施工企业（项目名称）, or the project name alone when
        // the enterprise is unknown. A project that arrived during the
        // replication carries the name, enterprise, address and contact of
        // the register project it copies, and says it is simulated.
        std::string name = p.enterprise.empty() ? p.name : p.enterprise + "（" + p.name + "）";
        if (copy_no[i]) name += "（新开工项目 模拟）";
        return std::vector<Cell>{integer(no), text(std::move(name)), text(p.address),
                                 text(unmasked ? p.contact_name : mask_name(p.contact_name)), text(p.contact_title),
                                 text(unmasked ? p.mobile : mask_phone(p.mobile)), text(station_status_zh(in.status[i]))};
    };
    const std::string note = source_note(s, in);
    const std::string as_of = "截至" + date_zh(s.run.report_date);
    auto counts = [&](const std::vector<std::size_t>& rows) {
        std::map<std::string, std::size_t> c;
        for (std::size_t i : rows) ++c[station_status_zh(in.status[i])];
        return "本表已建 " + std::to_string(c["已建"]) + " 个、在建 " + std::to_string(c["在建"]) + " 个、拟建 " +
               std::to_string(c["拟建"]) + " 个";
    };
    auto footer = [&] {
        std::vector<std::string> f = station_footer();
        f.push_back("注（Tisheng）：本表为模拟结果，不是实际填报。名称后注“（新开工项目 模拟）”的，是模拟期间新开工的项目"
                    "（沿用所仿登记项目的名称、企业、地址和联系人，项目编号为“登记项目编号-A序号”）；"
                    "在建含已建成但未达标准、正在整改的提升站。");
        return f;
    };
    auto sheet = [&](const std::string& unit_name, const std::vector<std::size_t>& rows) {
        // The notice's attachment: “_____市（单位）开展“提升站”建设初步情况表”,
        // its blank filled; the reporting unit is the housing bureau.
        Table t;
        t.sheet = "情况表";
        t.above = {unit_name + "开展“提升站”建设初步情况表", as_of + "；" + note + "；" + counts(rows),
                   "填报单位（盖章）：" + unit_name + "住房和城乡建设局"};
        t.header = station_columns();
        t.below = footer();
        t.max_width = {6, 44, 34, 10, 20, 14, 10, 12, 16};
        return t;
    };
    auto next = order.begin();  // the rows are in unit order: each unit's are the next ones
    for (UnitIndex u = 0; u < units.size(); ++u) {
        std::vector<std::size_t> mine;
        for (; next != order.end() && projects[slot(*next)].unit == u; ++next) mine.push_back(*next);
        Table t = sheet(units[u].name, mine);
        t.header.push_back("项目编号");
        t.max_width = {6, 44, 34, 10, 20, 14, 10, 16};
        long long no = 0;
        for (std::size_t i : mine) {
            auto r = row(i, ++no);
            r.push_back(text(project_id(i)));
            t.add(std::move(r));
        }
        write_table(dir, "jiangmen-" + file_part(units[u].id) + "-" + file_part(units[u].name), t, in.source, written);
    }
    Table city = sheet(s.region.name(), order);
    city.header.push_back("所在县(市、区)");
    city.header.push_back("项目编号");
    long long no = 0;
    for (std::size_t i : order) {
        auto r = row(i, ++no);
        r.push_back(text(units[projects[slot(i)].unit].name));
        r.push_back(text(project_id(i)));
        city.add(std::move(r));
    }
    write_table(dir, "jiangmen-city", city, in.source, written);
}

// ---- Quanzhou: roster, funding, application forms --------------------------

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

/// The notice's tick boxes, the chosen one ticked: ☑政府办　□行业、企业办　□其它.
std::string ticked(const std::vector<std::string>& choices, const std::string& chosen) {
    std::string out;
    for (const auto& c : choices) {
        if (!out.empty()) out += "　";
        out += (c == chosen ? "☑" : "□") + c;
    }
    return out;
}

/// A bank account masked as a phone number that is not a mobile is: every
/// digit but the last four starred, the separators kept.
std::string mask_account(const std::string& account) { return mask_phone(account); }

/// One base's application form (申报表), values as the form shows them.
struct Application {
    std::string id, name, attribute, address, category, postcode, website;
    std::string head_name, head_title, head_id, head_education, head_office_phone, head_fax, head_mobile;
    std::string contact_name, contact_mobile, bank_account, bank_name, supervisor;
    std::string management, training, teaching, cooperation;
    std::string remark;
};

Application application(const Scenario& s, const CandidateBase& c, const FormsInput& in, std::size_t b, bool unmasked) {
    Application a;
    a.id = c.id;
    a.name = c.name;
    a.attribute = attribute_zh(c.attribute);
    a.address = c.address;
    a.category = category_zh(c.category);
    a.postcode = c.postcode;
    a.website = c.website;
    a.head_name = unmasked ? c.head_name : mask_name(c.head_name);
    a.head_title = c.head_title;
    a.head_id = unmasked ? c.head_id_number : mask_id_number(c.head_id_number);
    a.head_education = c.head_education;
    a.head_office_phone = c.head_office_phone;  // the unit's line, not a person's
    a.head_fax = c.head_fax;
    a.head_mobile = unmasked ? c.phone : mask_phone(c.phone);
    a.contact_name = unmasked ? c.contact_name : mask_name(c.contact_name);
    a.contact_mobile = unmasked ? c.contact_mobile : mask_phone(c.contact_mobile);
    a.bank_account = unmasked ? c.bank_account : mask_account(c.bank_account);
    a.bank_name = c.bank_name;
    a.supervisor = c.supervisor;
    a.management = c.management;
    a.training = c.training_capacity;
    if (a.training.empty()) {
        // Without a text of its own, the figures the model reads.
        char share[32];
        std::snprintf(share, sizeof share, "%.1f", 100 * c.senior_share);
        a.training = "年培训" + std::to_string(c.annual_trainees) + "人，其中高级工以上占" + share + "%；实训设备" +
                     std::to_string(c.equipment_sets) + "套（据基地数据）。";
    }
    a.teaching = c.teaching_staff;
    a.cooperation = c.school_enterprise;
    const double grant = cents(in.base_grant_cny[b]);
    a.remark = "（模拟）" + date_zh(Date::from_days(in.base_named_on[b])) + "命名；示范基地：" +
               (in.base_demonstration[b] ? "是" : "否") + "；市级补助 " + money_text(grant) + " 元，县级配套 " +
               money_text(cents(grant * s.programme.grants.county_match_ratio)) + " 元";
    return a;
}

std::string county_opinion_label() { return "县（市、区）总工会或市直产业系统及直属工委等单位意见"; }
std::string city_opinion_label(const Scenario& s) { return s.region.name() + "总工会审核意见"; }
const char* signature() { return "（签字盖章）\n年    月    日"; }

// The CSV: one row per named base, a column per field of the form.
std::vector<std::string> application_columns(const Scenario& s) {
    return {"序号",       "基地编号",   "项目单位名称", "属性",         "项目单位地址", "产业工人培训基地项目类别",
            "邮政编码",   "网址",       "负责人姓名",   "负责人部门及职务", "负责人身份证号", "负责人学历",
            "负责人办公室电话", "负责人传真", "负责人手机", "联系人姓名",   "联系人手机",   "资金账号",
            "开户银行",   "项目单位主管部门", "规范管理", "培训能力",     "师资队伍",     "校企合作",
            county_opinion_label(), city_opinion_label(s), "备注"};
}

std::vector<Cell> application_row(const Application& a, long long no) {
    std::vector<Cell> r{integer(no)};
    for (const std::string* v :
         {&a.id, &a.name, &a.attribute, &a.address, &a.category, &a.postcode, &a.website, &a.head_name, &a.head_title,
          &a.head_id, &a.head_education, &a.head_office_phone, &a.head_fax, &a.head_mobile, &a.contact_name,
          &a.contact_mobile, &a.bank_account, &a.bank_name, &a.supervisor, &a.management, &a.training, &a.teaching,
          &a.cooperation})
        r.push_back(text(*v));
    r.push_back(text(""));  // the opinions: signed and stamped by hand
    r.push_back(text(""));
    r.push_back(text(a.remark));
    return r;
}

// The letters of `s` spaced out, as the notice sets 泉 州 市 总 工 会 制.
std::string spaced(const std::string& s) {
    std::string out;
    for (std::size_t i = 0; i < s.size();) {
        const auto b = static_cast<unsigned char>(s[i]);
        const std::size_t len = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
        if (!out.empty()) out += ' ';
        out += s.substr(i, len);
        i += len;
    }
    return out;
}

// One sheet: the notice's cover lines, then its form, in five columns
// (group label, label, value, label, value).
void application_sheet(Book& b, lxw_worksheet* ws, const Scenario& s, const Application& a, const std::string& note) {
    const double widths[5] = {10, 14, 30, 13, 30};
    double total = 0;
    for (lxw_col_t c = 0; c < 5; ++c) {
        b.check(worksheet_set_column(ws, c, c, widths[c], nullptr));
        total += widths[c];
    }
    lxw_row_t r = 0;
    b.check(worksheet_merge_range(ws, r, 0, r, 4, (s.region.name() + "产业工人技能培训基地建设项目申报表").c_str(), b.title_f));
    b.check(worksheet_set_row(ws, r++, 34, nullptr));
    merged_line(b, ws, r++, 4, note + "；基地编号 " + a.id, b.note_f, total);
    merged_line(b, ws, r++, 4, "申报单位（公章）：" + a.name, b.note_f, total);
    merged_line(b, ws, r++, 4, "联系人：" + a.contact_name, b.note_f, total);
    merged_line(b, ws, r++, 4, "填报时间：", b.note_f, total);
    b.check(worksheet_merge_range(ws, r, 0, r, 4, spaced(s.region.name() + "总工会制").c_str(), b.centred_note_f));
    b.check(worksheet_set_row(ws, r++, 22, nullptr));

    auto height = [&](lxw_row_t row, double h) { b.check(worksheet_set_row(ws, row, h, nullptr)); };
    auto label = [&](lxw_row_t row, lxw_col_t c0, lxw_col_t c1, const std::string& t) {
        b.check(c0 == c1 ? worksheet_write_string(ws, row, c0, t.c_str(), b.label_f)
                         : worksheet_merge_range(ws, row, c0, row, c1, t.c_str(), b.label_f));
    };
    auto value = [&](lxw_row_t row, lxw_col_t c0, lxw_col_t c1, const std::string& t, lxw_format* f = nullptr) {
        if (!f) f = b.value_f;
        if (c0 == c1) b.check(t.empty() ? worksheet_write_blank(ws, row, c0, f) : worksheet_write_string(ws, row, c0, t.c_str(), f));
        else b.check(worksheet_merge_range(ws, row, c0, row, c1, t.c_str(), f));
    };
    auto wide = [&](const std::string& l, const std::string& v, double h = 24, lxw_format* f = nullptr) {
        label(r, 0, 1, l);
        value(r, 2, 4, v, f);
        height(r++, h);
    };
    auto pair = [&](const std::string& l1, const std::string& v1, const std::string& l2, const std::string& v2) {
        label(r, 0, 1, l1);
        value(r, 2, 2, v1);
        label(r, 3, 3, l2);
        value(r, 4, 4, v2);
        height(r++, 24);
    };
    wide("项目单位名称", a.name, 30);
    wide("属性", ticked({"政府办", "行业、企业办", "其它"}, a.attribute));
    wide("项目单位地址", a.address);
    wide("产业工人培训基地项目类别",
         ticked({category_zh('A'), category_zh('B'), category_zh('C'), category_zh('D')}, a.category), 34);
    pair("邮政编码", a.postcode, "网址", a.website);
    // 负责人信息: a group label over four rows.
    const lxw_row_t head = r;
    b.check(worksheet_merge_range(ws, head, 0, head + 3, 0, "负责人信息", b.label_f));
    auto sub = [&](const std::string& l1, const std::string& v1, const std::string& l2, const std::string& v2) {
        label(r, 1, 1, l1);
        if (l2.empty()) {
            value(r, 2, 4, v1);
        } else {
            value(r, 2, 2, v1);
            label(r, 3, 3, l2);
            value(r, 4, 4, v2);
        }
        height(r++, 24);
    };
    sub("姓名", a.head_name, "部门及职务", a.head_title);
    sub("身份证号", a.head_id, "", "");
    sub("学历", a.head_education, "办公室电话", a.head_office_phone);
    sub("传真", a.head_fax, "手机", a.head_mobile);
    label(r, 0, 0, "联系人");
    sub("姓名", a.contact_name, "手机", a.contact_mobile);
    pair("资金账号", a.bank_account, "开户银行", a.bank_name);
    wide("项目单位主管部门", a.supervisor, 30);
    wide("规范管理", a.management, 70, b.value_top_f);
    wide("培训能力", a.training, 70, b.value_top_f);
    wide("师资队伍", a.teaching, 70, b.value_top_f);
    wide("校企合作", a.cooperation, 70, b.value_top_f);
    wide(county_opinion_label(), signature(), 84, b.sign_f);
    wide(city_opinion_label(s), signature(), 84, b.sign_f);
    wide("备注", a.remark, 36);
    Book::a4(ws, false, true);
}

// A worksheet name from a base id: at most 31 characters, none of []:*?/\,
// unique in the workbook.
std::string sheet_name(const std::string& id, std::set<std::string>& used) {
    std::string base;
    for (char c : id) base += std::string("[]:*?/\\").find(c) == std::string::npos ? c : '_';
    if (base.empty() || base.front() == '\'' || base.back() == '\'') base = "基地" + base;
    auto fit = [](std::string s, std::size_t max_bytes) {
        // Cut at a character boundary; 31 characters is at least 31 bytes.
        while (s.size() > max_bytes) {
            s.pop_back();
            while (!s.empty() && (static_cast<unsigned char>(s.back()) & 0xC0) == 0x80) s.pop_back();
            if (!s.empty() && static_cast<unsigned char>(s.back()) >= 0xC0) s.pop_back();
        }
        return s;
    };
    std::string name = fit(base, 31);
    for (int k = 2; used.count(name); ++k) name = fit(base, 26) + "~" + std::to_string(k);
    used.insert(name);
    return name;
}

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
    const std::string as_of = "截至" + date_zh(s.run.report_date);
    const std::string note = source_note(s, in);
    const std::string simulated = "注（Tisheng）：本表为模拟结果，不是实际填报。";

    Table roster;
    roster.sheet = "基地名册";
    roster.above = {s.region.name() + "产业工人技能培训基地名册",
                    as_of + "；" + note + "；命名基地 " + std::to_string(named.size()) + " 家"};
    roster.header = {"年度", "序号", "基地名称", "属性", "类别", "产业", "所在县(市、区)", "示范基地", "负责人", "身份证号", "联系电话"};
    roster.below = {simulated};
    roster.max_width = {8, 6, 40, 14, 24, 14, 14, 10, 10, 22, 16};
    long long no = 0;
    for (std::size_t b : named) {
        const CandidateBase& c = bases[b];
        roster.add({integer(year_of(b)), integer(++no), text(c.name), text(attribute_zh(c.attribute)),
                    text(category_zh(c.category)), text(industry_zh(c.industry)), text(units[c.unit].name),
                    text(in.base_demonstration[b] ? "是" : "否"),
                    text(unmasked ? c.head_name : mask_name(c.head_name)),
                    text(unmasked ? c.head_id_number : mask_id_number(c.head_id_number)),
                    text(unmasked ? c.phone : mask_phone(c.phone))});
    }
    write_table(dir, "quanzhou-roster", roster, in.source, written);

    // Funding: a row per named base, then subtotals per county (all years),
    // totals per year, and the grand total; the county match is the city
    // grant times grants.county_match, to the cent.
    const double ratio = s.programme.grants.county_match_ratio;
    Table funding;
    funding.sheet = "经费";
    funding.above = {s.region.name() + "产业工人技能培训基地经费表", as_of + "；" + note};
    funding.header = {"年度", "基地名称", "所在县(市、区)", "市级补助(元)", "县级配套(元)", "合计(元)"};
    funding.below = {simulated};
    funding.landscape = false;
    funding.max_width = {8, 40, 14, 16, 16, 16};
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
    write_table(dir, "quanzhou-funding", funding, in.source, written);

    // 申报表: the CSV holds one row per named base (every field of the form a
    // column); the workbook one sheet per base, laid out as the notice's form.
    const std::string form_title = s.region.name() + "产业工人技能培训基地建设项目申报表";
    std::vector<Application> apps;
    for (std::size_t b : named) apps.push_back(application(s, bases[b], in, b, unmasked));
    Table csv;
    csv.sheet = "申报表";
    csv.above = {form_title, as_of + "；" + note + "；命名基地 " + std::to_string(named.size()) +
                                 " 家，每家一行（XLSX 中每家一页）"};
    csv.header = application_columns(s);
    csv.below = {simulated + "示例数据（示例、example.cn、全零账号）为合成数据。"};
    no = 0;
    for (const auto& a : apps) csv.add(application_row(a, ++no));
    const fs::path app_csv = dir / "quanzhou-application.csv", app_xlsx = dir / "quanzhou-application.xlsx";
    write_file_atomic(app_csv, csv_bytes(csv));
    written.push_back(app_csv);
    {
        Book book(app_xlsx, form_title, in.source);
        std::set<std::string> used;
        for (const auto& a : apps)
            if (lxw_worksheet* ws = book.sheet(sheet_name(a.id, used))) application_sheet(book, ws, s, a, as_of + "；" + note);
        if (apps.empty()) {
            if (lxw_worksheet* ws = book.sheet("申报表")) {
                book.check(worksheet_write_string(ws, 0, 0, form_title.c_str(), book.title_f));
                book.check(worksheet_write_string(ws, 1, 0, (as_of + "；" + note + "；没有命名的基地").c_str(), nullptr));
            }
        }
        book.close();
    }
    written.push_back(app_xlsx);
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
