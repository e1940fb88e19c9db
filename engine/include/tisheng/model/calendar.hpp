// Dates, months and Chinese working days.
//
// A Date is a day count; a WorkCalendar knows which days are worked in China
// (weekends off, public holidays off, make-up working days on weekends),
// from a data table in datasets/calendar/ that covers 2020-2027.
#pragma once

#include <compare>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tisheng {

/// A civil date (proleptic Gregorian), stored as days since 1970-01-01.
class Date {
public:
    constexpr Date() = default;
    /// Throws std::invalid_argument on an impossible date (2023-02-30).
    static Date from_ymd(int year, unsigned month, unsigned day);
    /// Parses "YYYY-MM-DD" strictly; nullopt on anything else.
    static std::optional<Date> parse(std::string_view iso);
    static constexpr Date from_days(std::int32_t days) { Date d; d.m_days = days; return d; }

    [[nodiscard]] constexpr std::int32_t days() const { return m_days; }
    [[nodiscard]] int year() const;
    [[nodiscard]] unsigned month() const;  ///< 1..12
    [[nodiscard]] unsigned day() const;    ///< 1..31
    [[nodiscard]] unsigned weekday() const;  ///< ISO: 1 = Monday .. 7 = Sunday
    [[nodiscard]] std::string iso() const;  ///< "YYYY-MM-DD"

    /// Same day n months later (n may be negative), clamped to the month's
    /// last day: 2024-01-31 + 1 month = 2024-02-29.
    [[nodiscard]] Date add_months(int n) const;
    /// Last day of this date's month.
    [[nodiscard]] Date month_end() const;
    /// Whole months from a to b, counting a month when b's day >= a's day.
    static int months_between(Date a, Date b);

    friend constexpr Date operator+(Date d, std::int32_t n) { return from_days(d.m_days + n); }
    friend constexpr Date operator-(Date d, std::int32_t n) { return from_days(d.m_days - n); }
    friend constexpr std::int32_t operator-(Date a, Date b) { return a.m_days - b.m_days; }
    friend constexpr auto operator<=>(Date, Date) = default;

private:
    std::int32_t m_days = 0;
};

/// Month ends from the month of `from` to the month of `to`, inclusive.
std::vector<Date> month_ends(Date from, Date to);

/// Chinese working-day calendar.
class WorkCalendar {
public:
    /// Loads a CSV with header `date,kind,name,source`; kind is `holiday`
    /// (a day off that would otherwise be worked) or `workday` (a make-up
    /// working day on a weekend). Every year listed in the file, from the
    /// first to the last, is "covered". Throws InputError naming the file,
    /// line and field on a bad row.
    static WorkCalendar load(const std::filesystem::path& csv);

    /// The calendar shipped in datasets/calendar/cn_workdays.csv.
    static const WorkCalendar& china();

    [[nodiscard]] bool is_workday(Date d) const;
    /// The n-th working day strictly after `from` (n >= 1); `from` itself
    /// for n == 0. "Publicity for 5 working days starting on d" ends on
    /// add_working_days(d, 4) when d is a working day.
    [[nodiscard]] Date add_working_days(Date from, int n) const;
    /// Working days in [a, b] inclusive.
    [[nodiscard]] int working_days_between(Date a, Date b) const;
    /// Name of the holiday on d ("国庆节"), or empty.
    [[nodiscard]] std::string holiday_name(Date d) const;

    [[nodiscard]] int first_year() const { return m_first_year; }
    [[nodiscard]] int last_year() const { return m_last_year; }
    /// Outside [first_year, last_year] only weekends count as days off.
    [[nodiscard]] bool covers(Date d) const;

private:
    struct Special {
        Date date;
        bool workday;  ///< true: make-up working day; false: holiday
        std::string name;
    };
    std::vector<Special> m_special;  // sorted by date
    int m_first_year = 0;
    int m_last_year = -1;
    [[nodiscard]] const Special* find(Date d) const;
};

}  // namespace tisheng
