#include "tisheng/model/calendar.hpp"

#include "tisheng/core/error.hpp"
#include "tisheng/core/text.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <system_error>
#include <utility>

namespace tisheng {

namespace {

namespace chr = std::chrono;

// Takes the day count, not a Date: GCC 12.2 at -O1 and above (ipa-modref)
// wrongly decides that a member function passing `*this` by value to a
// non-inlined helper does not read *this, and drops the store of a
// temporary it is called on: `(e + 1).month_end()` then reads garbage.
chr::year_month_day to_ymd(std::int32_t days) { return chr::year_month_day{chr::sys_days{chr::days{days}}}; }

Date to_date(chr::year_month_day ymd) {
    return Date::from_days(static_cast<std::int32_t>(chr::sys_days{ymd}.time_since_epoch().count()));
}

// ISO weekday from a day count: 1970-01-01 was a Thursday (4). Used in the
// hot loops, where going through chrono for every day would be wasted work.
constexpr unsigned iso_weekday(std::int32_t days) {
    std::int32_t r = (days + 3) % 7;
    if (r < 0) r += 7;
    return static_cast<unsigned>(r) + 1;
}

constexpr bool is_weekend(unsigned iso_wd) { return iso_wd >= 6; }

constexpr unsigned next_weekday(unsigned wd) { return wd == 7 ? 1 : wd + 1; }
constexpr unsigned prev_weekday(unsigned wd) { return wd == 1 ? 7 : wd - 1; }

int floor_div(long long a, int b) {
    long long q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
    return static_cast<int>(q);
}

// Mondays..Fridays in [a, b] (a <= b).
int weekdays_in(Date a, Date b) {
    std::int32_t n = b - a + 1;
    int count = (n / 7) * 5;
    unsigned wd = a.weekday();
    for (std::int32_t i = 0; i < n % 7; ++i, wd = next_weekday(wd))
        if (!is_weekend(wd)) ++count;
    return count;
}

std::filesystem::path find_china_table() {
    const std::filesystem::path rel = std::filesystem::path("calendar") / "cn_workdays.csv";
    std::vector<std::filesystem::path> tried;
    // The environment wins so a user can point an installed binary at an
    // updated table without rebuilding.
    if (const char* env = std::getenv("TISHENG_DATA_DIR"); env && *env) tried.push_back(std::filesystem::path(env) / rel);
#ifdef TISHENG_INSTALL_DATADIR
    tried.push_back(std::filesystem::path(TISHENG_INSTALL_DATADIR) / rel);
#endif
#ifdef TISHENG_SOURCE_DATADIR
    tried.push_back(std::filesystem::path(TISHENG_SOURCE_DATADIR) / rel);
#endif
    for (const auto& p : tried) {
        std::error_code ec;
        if (std::filesystem::is_regular_file(p, ec)) return p;
    }
    std::string msg = "cannot find the Chinese working-day table calendar/cn_workdays.csv; tried:";
    if (tried.empty()) msg += " (no location known)";
    for (const auto& p : tried) msg += " '" + p.string() + "'";
    msg += "; set TISHENG_DATA_DIR to the datasets/ folder that contains calendar/cn_workdays.csv";
    throw Error(msg);
}

}  // namespace

// --- Date ------------------------------------------------------------------

Date Date::from_ymd(int year, unsigned month, unsigned day) {
    // chrono::year is only specified on [-32767, 32767].
    if (year < -32767 || year > 32767) throw std::invalid_argument("year out of range: " + std::to_string(year));
    chr::year_month_day ymd{chr::year{year}, chr::month{month}, chr::day{day}};
    if (!ymd.ok()) {
        char buf[48];
        std::snprintf(buf, sizeof buf, "invalid date %04d-%02u-%02u", year, month, day);
        throw std::invalid_argument(buf);
    }
    return to_date(ymd);
}

std::optional<Date> Date::parse(std::string_view iso) {
    if (iso.size() != 10 || iso[4] != '-' || iso[7] != '-') return std::nullopt;
    auto digits = [&](std::size_t pos, std::size_t n, unsigned& out) {
        out = 0;
        for (std::size_t i = pos; i < pos + n; ++i) {
            if (iso[i] < '0' || iso[i] > '9') return false;
            out = out * 10 + static_cast<unsigned>(iso[i] - '0');
        }
        return true;
    };
    unsigned y = 0, m = 0, d = 0;
    if (!digits(0, 4, y) || !digits(5, 2, m) || !digits(8, 2, d)) return std::nullopt;
    chr::year_month_day ymd{chr::year{static_cast<int>(y)}, chr::month{m}, chr::day{d}};
    if (!ymd.ok()) return std::nullopt;
    return to_date(ymd);
}

int Date::year() const { return static_cast<int>(to_ymd(m_days).year()); }
unsigned Date::month() const { return static_cast<unsigned>(to_ymd(m_days).month()); }
unsigned Date::day() const { return static_cast<unsigned>(to_ymd(m_days).day()); }
unsigned Date::weekday() const { return iso_weekday(m_days); }

std::string Date::iso() const {
    auto ymd = to_ymd(m_days);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()));
    return buf;
}

Date Date::add_months(int n) const {
    auto ymd = to_ymd(m_days);
    long long total = static_cast<long long>(static_cast<int>(ymd.year())) * 12 + (static_cast<unsigned>(ymd.month()) - 1) + n;
    int y = floor_div(total, 12);
    auto m = static_cast<unsigned>(total - static_cast<long long>(y) * 12) + 1;
    chr::year_month_day_last last{chr::year{y}, chr::month_day_last{chr::month{m}}};
    chr::day d = std::min(ymd.day(), last.day());
    return to_date(chr::year_month_day{chr::year{y}, chr::month{m}, d});
}

Date Date::month_end() const {
    auto ymd = to_ymd(m_days);
    return to_date(chr::year_month_day{chr::year_month_day_last{ymd.year(), chr::month_day_last{ymd.month()}}});
}

int Date::months_between(Date a, Date b) {
    // Symmetric, so the count truncates toward zero in both directions.
    if (b < a) return -months_between(b, a);
    auto ya = to_ymd(a.days()), yb = to_ymd(b.days());
    int months = (static_cast<int>(yb.year()) - static_cast<int>(ya.year())) * 12 +
                 (static_cast<int>(static_cast<unsigned>(yb.month())) - static_cast<int>(static_cast<unsigned>(ya.month())));
    if (yb.day() < ya.day()) --months;
    return months;
}

std::vector<Date> month_ends(Date from, Date to) {
    std::vector<Date> out;
    Date last = to.month_end();
    for (Date e = from.month_end(); e <= last; e = (e + 1).month_end()) out.push_back(e);
    return out;
}

// --- WorkCalendar ----------------------------------------------------------

WorkCalendar WorkCalendar::load(const std::filesystem::path& csv) {
    const std::string file = csv.string();
    std::ifstream in(csv, std::ios::binary);
    if (!in) throw InputError(Location{file, 0, 0, "", ""}, "cannot open the working-day table");

    static constexpr const char* columns[] = {"date", "kind", "name", "source"};
    std::string line;
    int line_no = 0;
    std::vector<std::string> fields;

    // Header: columns are found by name, so their order does not matter and
    // extra columns (notes) are allowed.
    int col[4] = {-1, -1, -1, -1};
    for (;;) {
        if (!std::getline(in, line))
            throw InputError(Location{file, line_no + 1, 0, "", ""}, "empty file; expected the header 'date,kind,name,source'");
        ++line_no;
        if (line_no == 1 && line.starts_with("\xEF\xBB\xBF")) line.erase(0, 3);  // UTF-8 BOM from spreadsheet exports
        if (!trim(line).empty()) break;
    }
    if (!split_csv(line, fields)) throw InputError(Location{file, line_no, 0, "", ""}, "unterminated quote in header");
    const std::vector<std::string> header = fields;
    const std::size_t header_size = header.size();
    for (std::size_t i = 0; i < header_size; ++i)
        for (int c = 0; c < 4; ++c)
            if (header[i] == columns[c]) {
                if (col[c] >= 0) throw InputError(Location{file, line_no, 0, "", columns[c]}, "column appears twice in the header");
                col[c] = static_cast<int>(i);
            }
    for (int c = 0; c < 4; ++c)
        if (col[c] < 0)
            throw InputError(Location{file, line_no, 0, "", columns[c]},
                             std::string("missing column '") + columns[c] + "' in the header; expected 'date,kind,name,source'");

    struct Row {
        Special special;
        int line;
    };
    std::vector<Row> rows;
    while (std::getline(in, line)) {
        ++line_no;
        if (trim(line).empty()) continue;
        if (!split_csv(line, fields)) throw InputError(Location{file, line_no, 0, "", ""}, "unterminated quote");
        if (fields.size() < header_size) {
            // Name the first column the row does not reach.
            const std::string& missing = header[fields.size()];
            throw InputError(Location{file, line_no, 0, "", missing},
                             "row has " + std::to_string(fields.size()) + " fields, the header has " + std::to_string(header_size));
        }
        if (fields.size() > header_size)
            throw InputError(Location{file, line_no, 0, "", ""},
                             "row has " + std::to_string(fields.size()) + " fields, the header has " + std::to_string(header_size));

        const std::string& date_s = fields[static_cast<std::size_t>(col[0])];
        const std::string& kind_s = fields[static_cast<std::size_t>(col[1])];
        const std::string& name_s = fields[static_cast<std::size_t>(col[2])];
        const std::string& source_s = fields[static_cast<std::size_t>(col[3])];

        auto date = Date::parse(date_s);
        if (!date) throw InputError(Location{file, line_no, 0, "", "date"}, "'" + date_s + "' is not a date; expected YYYY-MM-DD");
        bool workday = false;
        if (kind_s == "workday")
            workday = true;
        else if (kind_s != "holiday")
            throw InputError(Location{file, line_no, 0, "", "kind"}, "unknown kind '" + kind_s + "'; expected 'holiday' or 'workday'");
        if (source_s != "official" && source_s != "provisional")
            throw InputError(Location{file, line_no, 0, "", "source"},
                             "unknown source '" + source_s + "'; expected 'official' or 'provisional'");
        // A make-up working day on Monday-Friday would change nothing, so it is
        // almost certainly a mistyped date.
        if (workday && !is_weekend(date->weekday()))
            throw InputError(Location{file, line_no, 0, "", "date"},
                             "make-up working day " + date_s + " is not a Saturday or Sunday");
        rows.push_back(Row{Special{*date, workday, name_s}, line_no});
    }

    std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.special.date < b.special.date; });
    WorkCalendar cal;
    cal.m_special.reserve(rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
        // stable_sort keeps file order among equal dates: rows[i] is the repeat.
        if (i > 0 && rows[i].special.date == rows[i - 1].special.date)
            throw InputError(Location{file, rows[i].line, 0, "", "date"}, "date " + rows[i].special.date.iso() +
                                                                             " is already listed on line " +
                                                                             std::to_string(rows[i - 1].line));
        cal.m_special.push_back(std::move(rows[i].special));
    }
    if (!cal.m_special.empty()) {
        cal.m_first_year = cal.m_special.front().date.year();
        cal.m_last_year = cal.m_special.back().date.year();
    }
    return cal;
}

const WorkCalendar& WorkCalendar::china() {
    // Loaded once; a failed load throws and is retried on the next call.
    static const WorkCalendar cal = load(find_china_table());
    return cal;
}

const WorkCalendar::Special* WorkCalendar::find(Date d) const {
    auto it = std::lower_bound(m_special.begin(), m_special.end(), d,
                               [](const Special& s, Date x) { return s.date < x; });
    return it != m_special.end() && it->date == d ? &*it : nullptr;
}

bool WorkCalendar::is_workday(Date d) const {
    if (const Special* s = find(d)) return s->workday;
    return !is_weekend(d.weekday());
}

Date WorkCalendar::add_working_days(Date from, int n) const {
    if (n == 0) return from;
    const auto size = static_cast<std::ptrdiff_t>(m_special.size());
    auto less = [](const Special& s, Date x) { return s.date < x; };
    long long left = n > 0 ? n : -static_cast<long long>(n);
    Date d = from;
    unsigned wd = from.weekday();
    if (n > 0) {
        // idx: first special day on or after d; it only moves forward, so
        // the table is searched once per call, not once per day.
        std::ptrdiff_t idx = std::lower_bound(m_special.begin(), m_special.end(), from + 1, less) - m_special.begin();
        for (;;) {
            if (idx == size && left > 5) {
                // Past the table every 7 days hold exactly 5 working days.
                long long weeks = (left - 1) / 5;
                d = d + static_cast<std::int32_t>(weeks * 7);
                left -= weeks * 5;
            }
            d = d + 1;
            wd = next_weekday(wd);
            bool work;
            if (idx < size && m_special[static_cast<std::size_t>(idx)].date == d)
                work = m_special[static_cast<std::size_t>(idx++)].workday;
            else
                work = !is_weekend(wd);
            if (work && --left == 0) return d;
        }
    }
    // n < 0: the |n|-th working day strictly before `from`.
    std::ptrdiff_t idx = (std::upper_bound(m_special.begin(), m_special.end(), from - 1,
                                           [](Date x, const Special& s) { return x < s.date; }) -
                          m_special.begin()) -
                         1;
    for (;;) {
        if (idx < 0 && left > 5) {
            long long weeks = (left - 1) / 5;
            d = d - static_cast<std::int32_t>(weeks * 7);
            left -= weeks * 5;
        }
        d = d - 1;
        wd = prev_weekday(wd);
        bool work;
        if (idx >= 0 && m_special[static_cast<std::size_t>(idx)].date == d)
            work = m_special[static_cast<std::size_t>(idx--)].workday;
        else
            work = !is_weekend(wd);
        if (work && --left == 0) return d;
    }
}

int WorkCalendar::working_days_between(Date a, Date b) const {
    if (b < a) return 0;
    // Count Monday-Friday arithmetically, then correct for the few special
    // days in range: O(log n + specials) instead of a walk over every day.
    int count = weekdays_in(a, b);
    auto it = std::lower_bound(m_special.begin(), m_special.end(), a,
                               [](const Special& s, Date x) { return s.date < x; });
    for (; it != m_special.end() && it->date <= b; ++it) {
        bool ordinary = !is_weekend(it->date.weekday());
        if (it->workday != ordinary) count += it->workday ? 1 : -1;
    }
    return count;
}

std::string WorkCalendar::holiday_name(Date d) const {
    const Special* s = find(d);
    return s && !s->workday ? s->name : std::string();
}

bool WorkCalendar::covers(Date d) const {
    int y = d.year();
    return y >= m_first_year && y <= m_last_year;
}

}  // namespace tisheng
