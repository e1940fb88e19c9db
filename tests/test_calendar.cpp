#include "tisheng/model/calendar.hpp"
#include "tisheng/core/error.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <stdexcept>
#include <string>

using tisheng::Date;
using tisheng::InputError;
using tisheng::WorkCalendar;

namespace {

Date D(const char* iso) {
    auto d = Date::parse(iso);
    if (!d) throw std::invalid_argument(std::string("bad test date ") + iso);
    return *d;
}

// Reference implementations: one day at a time, through is_workday only.
Date naive_add(const WorkCalendar& cal, Date d, int n) {
    int step = n >= 0 ? 1 : -1;
    for (int left = n >= 0 ? n : -n; left > 0;) {
        d = d + step;
        if (cal.is_workday(d)) --left;
    }
    return d;
}

int naive_between(const WorkCalendar& cal, Date a, Date b) {
    int n = 0;
    for (Date d = a; d <= b; d = d + 1) n += cal.is_workday(d) ? 1 : 0;
    return n;
}

}  // namespace

// --- Date --------------------------------------------------------------------

TEST(Calendar, Parse_roundTripsKnownDates) {
    for (const char* s : {"2023-08-08", "2024-02-29", "1970-01-01", "2000-12-31", "1999-01-01", "2027-10-03", "0001-01-01",
                          "9999-12-31"}) {
        auto d = Date::parse(s);
        ASSERT_TRUE(d.has_value()) << s;
        EXPECT_EQ(d->iso(), s);
    }
}

TEST(Calendar, Parse_roundTripsEveryDay1900To2100) {
    Date first = D("1900-01-01"), last = D("2100-12-31");
    int count = 0;
    for (Date d = first; d <= last; d = d + 1, ++count) {
        auto back = Date::parse(d.iso());
        ASSERT_TRUE(back.has_value()) << d.iso();
        ASSERT_EQ(*back, d) << d.iso();
    }
    EXPECT_EQ(count, 73414);  // 201 years, 49 of them leap (2000 is, 1900 and 2100 are not)
}

TEST(Calendar, Parse_knownDayCounts) {
    EXPECT_EQ(D("1970-01-01").days(), 0);
    EXPECT_EQ(D("1969-12-31").days(), -1);
    EXPECT_EQ(D("2000-03-01").days(), 11017);
    EXPECT_EQ(Date::from_days(19577).iso(), "2023-08-08");
}

TEST(Calendar, Parse_rejectsMalformed) {
    for (const char* s : {"2023-2-3", "2023-02-30", "2023-02-29", "2023-13-01", "2023-00-10", "2023-01-00", "2023-04-31", "abc",
                          "", "2023-08-08x", "2023-08-08 ", " 2023-08-08", "2023/08/08", "20230808", "2023-08-8", "+023-08-08",
                          "2023-08--8", "2023-0a-08", "2023-08-08T00:00", "１０２３-08-08"}) {
        EXPECT_FALSE(Date::parse(s).has_value()) << "accepted '" << s << "'";
    }
}

TEST(Calendar, FromYmd_buildsAndRejects) {
    EXPECT_EQ(Date::from_ymd(2024, 2, 29).iso(), "2024-02-29");
    EXPECT_EQ(Date::from_ymd(2023, 8, 8), D("2023-08-08"));
    EXPECT_THROW(Date::from_ymd(2023, 2, 30), std::invalid_argument);
    EXPECT_THROW(Date::from_ymd(2023, 2, 29), std::invalid_argument);
    EXPECT_THROW(Date::from_ymd(2023, 13, 1), std::invalid_argument);
    EXPECT_THROW(Date::from_ymd(2023, 0, 1), std::invalid_argument);
    EXPECT_THROW(Date::from_ymd(2023, 1, 0), std::invalid_argument);
}

TEST(Calendar, Accessors_yearMonthDay) {
    Date d = D("2023-08-08");
    EXPECT_EQ(d.year(), 2023);
    EXPECT_EQ(d.month(), 8u);
    EXPECT_EQ(d.day(), 8u);
    Date before_epoch = D("1969-12-31");
    EXPECT_EQ(before_epoch.year(), 1969);
    EXPECT_EQ(before_epoch.month(), 12u);
    EXPECT_EQ(before_epoch.day(), 31u);
}

TEST(Calendar, Arithmetic_addSubtractCompare) {
    EXPECT_EQ((D("2023-12-31") + 1).iso(), "2024-01-01");
    EXPECT_EQ((D("2024-03-01") - 1).iso(), "2024-02-29");
    EXPECT_EQ(D("2024-01-01") - D("2023-01-01"), 365);
    EXPECT_EQ(D("2025-01-01") - D("2024-01-01"), 366);
    EXPECT_LT(D("2023-09-28"), D("2023-10-10"));
    EXPECT_EQ(Date{}, D("1970-01-01"));
}

TEST(Calendar, Weekday_knownDates) {
    EXPECT_EQ(D("2023-08-08").weekday(), 2u);  // Tuesday
    EXPECT_EQ(D("1970-01-01").weekday(), 4u);  // Thursday
    EXPECT_EQ(D("1969-12-28").weekday(), 7u);  // Sunday, before the epoch
    EXPECT_EQ(D("2024-02-29").weekday(), 4u);
    EXPECT_EQ(D("2023-09-28").weekday(), 4u);
    EXPECT_EQ(D("2023-10-07").weekday(), 6u);  // Saturday
    EXPECT_EQ(D("2023-10-08").weekday(), 7u);  // Sunday
    EXPECT_EQ(D("2024-09-27").weekday(), 5u);  // Friday
    EXPECT_EQ(D("2000-01-03").weekday(), 1u);  // Monday
}

TEST(Calendar, AddMonths_clampsToMonthEnd) {
    EXPECT_EQ(D("2024-01-31").add_months(1).iso(), "2024-02-29");
    EXPECT_EQ(D("2023-01-31").add_months(1).iso(), "2023-02-28");
    EXPECT_EQ(D("2023-01-31").add_months(3).iso(), "2023-04-30");
    EXPECT_EQ(D("2023-08-15").add_months(0).iso(), "2023-08-15");
    EXPECT_EQ(D("2023-08-15").add_months(5).iso(), "2024-01-15");
    EXPECT_EQ(D("2023-08-15").add_months(12).iso(), "2024-08-15");
    EXPECT_EQ(D("2024-02-29").add_months(12).iso(), "2025-02-28");
}

TEST(Calendar, AddMonths_negative) {
    EXPECT_EQ(D("2024-03-31").add_months(-1).iso(), "2024-02-29");
    EXPECT_EQ(D("2023-03-15").add_months(-3).iso(), "2022-12-15");
    EXPECT_EQ(D("2023-01-10").add_months(-1).iso(), "2022-12-10");
    EXPECT_EQ(D("2023-02-28").add_months(-14).iso(), "2021-12-28");
    EXPECT_EQ(D("2023-05-31").add_months(-24).iso(), "2021-05-31");
    EXPECT_EQ(D("1970-01-31").add_months(-11).iso(), "1969-02-28");
}

TEST(Calendar, MonthEnd_lastDayOfMonth) {
    EXPECT_EQ(D("2024-02-10").month_end().iso(), "2024-02-29");
    EXPECT_EQ(D("2023-02-01").month_end().iso(), "2023-02-28");
    EXPECT_EQ(D("2023-12-31").month_end().iso(), "2023-12-31");
    EXPECT_EQ(D("2023-04-01").month_end().iso(), "2023-04-30");
    EXPECT_EQ(D("1900-02-15").month_end().iso(), "1900-02-28");
}

TEST(Calendar, MonthsBetween_countsWholeMonths) {
    EXPECT_EQ(Date::months_between(D("2023-01-15"), D("2023-03-15")), 2);
    EXPECT_EQ(Date::months_between(D("2023-01-15"), D("2023-03-14")), 1);
    EXPECT_EQ(Date::months_between(D("2023-01-15"), D("2023-01-15")), 0);
    EXPECT_EQ(Date::months_between(D("2023-01-15"), D("2023-02-14")), 0);
    EXPECT_EQ(Date::months_between(D("2022-11-30"), D("2023-02-28")), 2);  // 28 < 30: February not complete
    EXPECT_EQ(Date::months_between(D("2022-11-30"), D("2023-03-30")), 4);
    EXPECT_EQ(Date::months_between(D("2020-06-01"), D("2023-06-01")), 36);
    // Reversed arguments give the negated count.
    EXPECT_EQ(Date::months_between(D("2023-03-15"), D("2023-01-15")), -2);
    EXPECT_EQ(Date::months_between(D("2023-03-14"), D("2023-01-15")), -1);
}

TEST(Calendar, MonthEnds_inclusiveRange) {
    auto ends = tisheng::month_ends(D("2023-07-15"), D("2023-12-01"));
    ASSERT_EQ(ends.size(), 6u);
    const char* expected[] = {"2023-07-31", "2023-08-31", "2023-09-30", "2023-10-31", "2023-11-30", "2023-12-31"};
    for (std::size_t i = 0; i < ends.size(); ++i) EXPECT_EQ(ends[i].iso(), expected[i]);
    EXPECT_EQ(ends.back().iso(), "2023-12-31");

    auto one = tisheng::month_ends(D("2024-02-01"), D("2024-02-29"));
    ASSERT_EQ(one.size(), 1u);
    EXPECT_EQ(one[0].iso(), "2024-02-29");

    auto across = tisheng::month_ends(D("2023-11-30"), D("2024-02-01"));
    ASSERT_EQ(across.size(), 4u);
    EXPECT_EQ(across[2].iso(), "2024-01-31");
    EXPECT_EQ(across[3].iso(), "2024-02-29");

    EXPECT_TRUE(tisheng::month_ends(D("2024-03-01"), D("2024-01-31")).empty());
}

// --- WorkCalendar::china() ---------------------------------------------------

TEST(Calendar, IsWorkday_makeUpSaturdayIsWorked) {
    const auto& cn = WorkCalendar::china();
    EXPECT_TRUE(cn.is_workday(D("2023-10-07")));  // Saturday, 调休上班
    EXPECT_TRUE(cn.is_workday(D("2023-10-08")));  // Sunday, 调休上班
    EXPECT_TRUE(cn.is_workday(D("2020-01-19")));
    EXPECT_TRUE(cn.is_workday(D("2026-01-04")));
    EXPECT_TRUE(cn.is_workday(D("2026-02-28")));
}

TEST(Calendar, IsWorkday_holidayWeekdayIsOff) {
    const auto& cn = WorkCalendar::china();
    EXPECT_FALSE(cn.is_workday(D("2023-10-02")));  // Monday, National Day
    EXPECT_FALSE(cn.is_workday(D("2023-09-29")));  // Friday, Mid-Autumn
    EXPECT_FALSE(cn.is_workday(D("2024-02-16")));  // Friday, Spring Festival
    EXPECT_FALSE(cn.is_workday(D("2025-01-28")));  // Spring Festival eve, statutory from 2025
}

TEST(Calendar, IsWorkday_ordinaryDays) {
    const auto& cn = WorkCalendar::china();
    EXPECT_FALSE(cn.is_workday(D("2023-08-12")));  // ordinary Saturday
    EXPECT_FALSE(cn.is_workday(D("2023-08-13")));  // ordinary Sunday
    EXPECT_TRUE(cn.is_workday(D("2023-08-08")));   // ordinary Tuesday
    // Outside the table only weekends are off.
    EXPECT_TRUE(cn.is_workday(D("2019-10-01")));
    EXPECT_FALSE(cn.is_workday(D("2030-01-05")));
}

TEST(Calendar, IsWorkday_covid2020ExtensionCancelledMakeUpDay) {
    const auto& cn = WorkCalendar::china();
    // The extension to 2 February turned the planned make-up Saturday 1
    // February into a day off; Friday 31 January was off too.
    EXPECT_FALSE(cn.is_workday(D("2020-02-01")));
    EXPECT_FALSE(cn.is_workday(D("2020-01-31")));
    EXPECT_TRUE(cn.is_workday(D("2020-02-03")));
}

TEST(Calendar, AddWorkingDays_skipsNationalDay) {
    const auto& cn = WorkCalendar::china();
    // Five working days of public notice from Thursday 2023-09-28:
    // 09-28, 10-07 (Sat, make-up), 10-08 (Sun, make-up), 10-09, 10-10.
    EXPECT_EQ(cn.add_working_days(D("2023-09-28"), 4).iso(), "2023-10-10");
    EXPECT_EQ(cn.add_working_days(D("2023-09-28"), 1).iso(), "2023-10-07");
    EXPECT_EQ(cn.add_working_days(D("2023-09-28"), 2).iso(), "2023-10-08");
    EXPECT_EQ(cn.add_working_days(D("2023-09-28"), 0).iso(), "2023-09-28");
}

TEST(Calendar, AddWorkingDays_noticeFromFriday2024_09_27) {
    const auto& cn = WorkCalendar::china();
    // 09-27 (Fri), 09-29 (Sun, make-up), 09-30 (Mon), Oct 1-7 off, 10-08, 10-09.
    EXPECT_TRUE(cn.is_workday(D("2024-09-27")));
    EXPECT_EQ(cn.add_working_days(D("2024-09-27"), 1).iso(), "2024-09-29");
    EXPECT_EQ(cn.add_working_days(D("2024-09-27"), 2).iso(), "2024-09-30");
    EXPECT_EQ(cn.add_working_days(D("2024-09-27"), 4).iso(), "2024-10-09");
}

TEST(Calendar, AddWorkingDays_fromNonWorkingDay) {
    const auto& cn = WorkCalendar::china();
    // Strictly after `from`, whatever `from` is.
    EXPECT_EQ(cn.add_working_days(D("2023-10-01"), 1).iso(), "2023-10-07");
    EXPECT_EQ(cn.add_working_days(D("2023-08-12"), 1).iso(), "2023-08-14");
    EXPECT_EQ(cn.add_working_days(D("2023-10-01"), 0).iso(), "2023-10-01");
}

TEST(Calendar, AddWorkingDays_negativeCountsBackwards) {
    const auto& cn = WorkCalendar::china();
    EXPECT_EQ(cn.add_working_days(D("2023-10-10"), -4).iso(), "2023-09-28");
    EXPECT_EQ(cn.add_working_days(D("2023-10-07"), -1).iso(), "2023-09-28");
    EXPECT_EQ(cn.add_working_days(D("2024-02-19"), -1).iso(), "2024-02-18");
}

TEST(Calendar, AddWorkingDays_beyondTableUsesWeekends) {
    const auto& cn = WorkCalendar::china();
    EXPECT_EQ(cn.add_working_days(D("2030-01-07"), 10).iso(), "2030-01-21");  // Monday + 2 weeks
    EXPECT_EQ(cn.add_working_days(D("2030-01-11"), 1).iso(), "2030-01-14");   // Friday -> Monday
    EXPECT_EQ(cn.add_working_days(D("2030-01-21"), -10).iso(), "2030-01-07");
    // Crossing the end of the table: 2027-12-31 is a Friday.
    EXPECT_EQ(cn.add_working_days(D("2027-12-30"), 2).iso(), "2028-01-03");
}

TEST(Calendar, AddWorkingDays_matchesDayByDayWalk) {
    const auto& cn = WorkCalendar::china();
    for (Date d = D("2019-06-01"); d <= D("2028-06-30"); d = d + 3) {
        for (int n : {1, 2, 4, 5, 6, 10, 23, 250, 1000, -1, -5, -23, -250}) {
            ASSERT_EQ(cn.add_working_days(d, n), naive_add(cn, d, n)) << d.iso() << " n=" << n;
        }
    }
}

TEST(Calendar, WorkingDaysBetween_october2023ByHand) {
    const auto& cn = WorkCalendar::china();
    // Oct 1-6 off; Sat 7 and Sun 8 worked; 9-13, 16-20, 23-27 (15); 30-31 (2).
    EXPECT_EQ(cn.working_days_between(D("2023-10-01"), D("2023-10-31")), 19);
}

TEST(Calendar, WorkingDaysBetween_february2024ByHand) {
    const auto& cn = WorkCalendar::china();
    // Thu 1, Fri 2; Sun 4 (make-up); 5-9; 10-17 off; Sun 18 (make-up); 19-23; 26-29.
    EXPECT_EQ(cn.working_days_between(D("2024-02-01"), D("2024-02-29")), 2 + 1 + 5 + 1 + 5 + 4);
}

TEST(Calendar, WorkingDaysBetween_ordinaryMonthAndEdges) {
    const auto& cn = WorkCalendar::china();
    EXPECT_EQ(cn.working_days_between(D("2023-08-01"), D("2023-08-31")), 23);
    EXPECT_EQ(cn.working_days_between(D("2023-10-07"), D("2023-10-07")), 1);  // inclusive, single day
    EXPECT_EQ(cn.working_days_between(D("2023-10-02"), D("2023-10-02")), 0);
    EXPECT_EQ(cn.working_days_between(D("2023-10-31"), D("2023-10-01")), 0);  // empty range
}

TEST(Calendar, WorkingDaysBetween_matchesDayByDayCount) {
    const auto& cn = WorkCalendar::china();
    for (Date a = D("2019-11-01"); a <= D("2028-02-01"); a = a + 17) {
        for (int len : {0, 1, 6, 7, 8, 30, 95, 400}) {
            Date b = a + len;
            ASSERT_EQ(cn.working_days_between(a, b), naive_between(cn, a, b)) << a.iso() << ".." << b.iso();
        }
    }
}

TEST(Calendar, WorkingDaysBetween_consistentWithAddWorkingDays) {
    const auto& cn = WorkCalendar::china();
    for (Date d = D("2020-01-02"); d <= D("2027-12-01"); d = d + 11) {
        if (!cn.is_workday(d)) continue;
        EXPECT_EQ(cn.working_days_between(d, cn.add_working_days(d, 4)), 5) << d.iso();
    }
}

TEST(Calendar, HolidayName_namesHolidaysOnly) {
    const auto& cn = WorkCalendar::china();
    EXPECT_EQ(cn.holiday_name(D("2023-10-02")), "国庆节、中秋节");
    EXPECT_EQ(cn.holiday_name(D("2024-02-12")), "春节");
    EXPECT_EQ(cn.holiday_name(D("2024-10-05")), "国庆节");  // a Saturday inside the period
    EXPECT_EQ(cn.holiday_name(D("2022-12-31")), "元旦");    // New Year 2023 starts in 2022
    EXPECT_EQ(cn.holiday_name(D("2023-10-07")), "");        // make-up working day
    EXPECT_EQ(cn.holiday_name(D("2023-08-08")), "");
}

TEST(Calendar, China_coversEveryYear2020To2027) {
    const auto& cn = WorkCalendar::china();
    EXPECT_EQ(cn.first_year(), 2020);
    EXPECT_EQ(cn.last_year(), 2027);
    for (int y = 2020; y <= 2027; ++y) {
        EXPECT_TRUE(cn.covers(Date::from_ymd(y, 1, 1))) << y;
        EXPECT_TRUE(cn.covers(Date::from_ymd(y, 12, 31))) << y;
    }
    EXPECT_FALSE(cn.covers(D("2019-12-31")));
    EXPECT_FALSE(cn.covers(D("2028-01-01")));
}

TEST(Calendar, China_statutoryDaysOffEveryYear) {
    const auto& cn = WorkCalendar::china();
    const std::map<int, const char*> lunar_new_year = {{2020, "2020-01-25"}, {2021, "2021-02-12"}, {2022, "2022-02-01"},
                                                       {2023, "2023-01-22"}, {2024, "2024-02-10"}, {2025, "2025-01-29"},
                                                       {2026, "2026-02-17"}, {2027, "2027-02-06"}};
    for (int y = 2020; y <= 2027; ++y) {
        EXPECT_FALSE(cn.is_workday(Date::from_ymd(y, 1, 1))) << y;
        EXPECT_EQ(cn.holiday_name(Date::from_ymd(y, 1, 1)), "元旦") << y;
        EXPECT_FALSE(cn.is_workday(Date::from_ymd(y, 5, 1))) << y;
        EXPECT_FALSE(cn.is_workday(Date::from_ymd(y, 10, 1))) << y;
        EXPECT_NE(cn.holiday_name(Date::from_ymd(y, 10, 1)).find("国庆节"), std::string::npos) << y;
        Date lny = D(lunar_new_year.at(y));
        EXPECT_FALSE(cn.is_workday(lny)) << y;
        EXPECT_EQ(cn.holiday_name(lny), "春节") << y;
    }
}

TEST(Calendar, China_workingDaysPerYear) {
    // Totals implied by the notices (2023: 249 and 2024: 251 match the
    // widely published figures); a guard against accidental table edits.
    const auto& cn = WorkCalendar::china();
    const std::map<int, int> expected = {{2020, 249}, {2021, 250}, {2022, 249}, {2023, 249},
                                         {2024, 251}, {2025, 248}, {2026, 248}, {2027, 254}};
    for (auto [year, days] : expected)
        EXPECT_EQ(cn.working_days_between(Date::from_ymd(year, 1, 1), Date::from_ymd(year, 12, 31)), days) << year;
}

TEST(Calendar, China_namesAreKnownAndProvisional2027HasNoMakeUpDays) {
    const auto& cn = WorkCalendar::china();
    const std::set<std::string> known = {"元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节", "国庆节、中秋节"};
    for (Date d = D("2020-01-01"); d <= D("2027-12-31"); d = d + 1) {
        std::string name = cn.holiday_name(d);
        if (!name.empty()) {
            EXPECT_TRUE(known.count(name)) << d.iso() << " " << name;
        }
        if (d.year() == 2027 && d.weekday() >= 6) {
            EXPECT_FALSE(cn.is_workday(d)) << d.iso();
        }
    }
}

// --- WorkCalendar::load ------------------------------------------------------

namespace {

class CalendarLoad : public ::testing::Test {
protected:
    void SetUp() override {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        m_dir = std::filesystem::temp_directory_path() /
                (std::string("tisheng_calendar_") + info->name() + "_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()));
        std::filesystem::remove_all(m_dir);
        std::filesystem::create_directories(m_dir);
    }
    void TearDown() override { std::filesystem::remove_all(m_dir); }

    std::filesystem::path write(const std::string& name, const std::string& text) {
        auto p = m_dir / name;
        std::ofstream(p, std::ios::binary) << text;
        return p;
    }

    // Loads `text` and expects an InputError at `line` about `field`, with
    // file name, line and field all in the message.
    std::string expect_error(const std::string& name, const std::string& text, int line, const std::string& field) {
        auto p = write(name, text);
        try {
            (void)WorkCalendar::load(p);
        } catch (const InputError& e) {
            std::string what = e.what();
            EXPECT_NE(what.find(name), std::string::npos) << what;
            EXPECT_NE(what.find(":" + std::to_string(line) + ":"), std::string::npos) << what;
            EXPECT_NE(what.find("'" + field + "'"), std::string::npos) << what;
            EXPECT_EQ(e.problem().where.line, line) << what;
            EXPECT_EQ(e.problem().where.field, field) << what;
            return what;
        } catch (const std::exception& e) {
            ADD_FAILURE() << "expected InputError, got: " << e.what();
            return {};
        }
        ADD_FAILURE() << "no exception for " << name;
        return {};
    }

    std::filesystem::path m_dir;
};

const char* const k_good =
    "date,kind,name,source\n"
    "2023-09-29,holiday,国庆节、中秋节,official\n"
    "2023-10-02,holiday,国庆节、中秋节,official\n"
    "2023-10-07,workday,国庆节、中秋节,official\n"
    "2024-01-01,holiday,元旦,provisional\n";

}  // namespace

TEST_F(CalendarLoad, Load_goodTable) {
    auto cal = WorkCalendar::load(write("good.csv", k_good));
    EXPECT_EQ(cal.first_year(), 2023);
    EXPECT_EQ(cal.last_year(), 2024);
    EXPECT_FALSE(cal.is_workday(D("2023-10-02")));
    EXPECT_TRUE(cal.is_workday(D("2023-10-07")));
    EXPECT_TRUE(cal.is_workday(D("2023-10-03")));  // not listed in this table
    EXPECT_EQ(cal.holiday_name(D("2023-09-29")), "国庆节、中秋节");
    // 09-29 and 10-02 are off; Sat 09-30 and Sun 10-01 are ordinary weekend days.
    EXPECT_EQ(cal.add_working_days(D("2023-09-28"), 1).iso(), "2023-10-03");
    EXPECT_EQ(cal.add_working_days(D("2023-10-06"), 1).iso(), "2023-10-07");
}

TEST_F(CalendarLoad, Load_toleratesBomCrlfBlankLinesQuotesAndOrder) {
    auto cal = WorkCalendar::load(write("crlf.csv",
                                        "\xEF\xBB\xBF"
                                        "source,name,kind,date,note\r\n"
                                        "official,\"国庆节、中秋节\",workday,2023-10-07,\"make-up, Saturday\"\r\n"
                                        "\r\n"
                                        "official,国庆节、中秋节,holiday,2023-10-02,\r\n"));
    EXPECT_TRUE(cal.is_workday(D("2023-10-07")));
    EXPECT_FALSE(cal.is_workday(D("2023-10-02")));
    EXPECT_EQ(cal.holiday_name(D("2023-10-02")), "国庆节、中秋节");
}

TEST_F(CalendarLoad, Load_emptyTableCoversNothing) {
    auto cal = WorkCalendar::load(write("empty.csv", "date,kind,name,source\n"));
    EXPECT_FALSE(cal.covers(D("2023-01-01")));
    EXPECT_EQ(cal.add_working_days(D("2023-10-06"), 1).iso(), "2023-10-09");
}

TEST_F(CalendarLoad, Load_badDate) {
    std::string what = expect_error("bad_date.csv",
                                    "date,kind,name,source\n"
                                    "2023-10-02,holiday,国庆节,official\n"
                                    "2023-02-30,holiday,春节,official\n",
                                    3, "date");
    EXPECT_NE(what.find("2023-02-30"), std::string::npos) << what;
}

TEST_F(CalendarLoad, Load_unknownKind) {
    std::string what = expect_error("bad_kind.csv",
                                    "date,kind,name,source\n"
                                    "2023-10-02,holiday,国庆节,official\n"
                                    "\n"
                                    "2023-10-03,day-off,国庆节,official\n",
                                    4, "kind");
    EXPECT_NE(what.find("day-off"), std::string::npos) << what;
}

TEST_F(CalendarLoad, Load_unknownSource) {
    expect_error("bad_source.csv", "date,kind,name,source\n2023-10-02,holiday,国庆节,rumour\n", 2, "source");
}

TEST_F(CalendarLoad, Load_missingColumnInHeader) {
    expect_error("no_source_column.csv", "date,kind,name\n2023-10-02,holiday,国庆节\n", 1, "source");
}

TEST_F(CalendarLoad, Load_missingFieldInRow) {
    expect_error("short_row.csv",
                 "date,kind,name,source\n"
                 "2023-10-02,holiday,国庆节,official\n"
                 "2023-10-03,holiday,国庆节\n",
                 3, "source");
}

TEST_F(CalendarLoad, Load_makeUpDayOnWeekday) {
    expect_error("weekday_makeup.csv", "date,kind,name,source\n2023-10-09,workday,国庆节,official\n", 2, "date");
}

TEST_F(CalendarLoad, Load_duplicateDate) {
    std::string what = expect_error("dup.csv",
                                    "date,kind,name,source\n"
                                    "2023-10-02,holiday,国庆节,official\n"
                                    "2023-10-03,holiday,国庆节,official\n"
                                    "2023-10-02,holiday,国庆节,official\n",
                                    4, "date");
    EXPECT_NE(what.find("line 2"), std::string::npos) << what;
}

TEST_F(CalendarLoad, Load_missingFileThrowsInputError) {
    auto p = m_dir / "absent.csv";
    try {
        (void)WorkCalendar::load(p);
        ADD_FAILURE() << "no exception";
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("absent.csv"), std::string::npos) << e.what();
    }
}

TEST(Calendar, ShippedTableLoadsFromSourceTree) {
    auto cal = WorkCalendar::load(std::filesystem::path(TISHENG_SOURCE_DIR) / "datasets" / "calendar" / "cn_workdays.csv");
    EXPECT_EQ(cal.first_year(), 2020);
    EXPECT_EQ(cal.last_year(), 2027);
    EXPECT_EQ(cal.add_working_days(D("2023-09-28"), 4).iso(), "2023-10-10");
}
