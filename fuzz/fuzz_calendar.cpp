// The working-day calendar: WorkCalendar::load on the input as a CSV, then
// the day arithmetic over the years it covers.
#include <algorithm>
#include <cstdint>

#include "fuzz_support.hpp"
#include "tisheng/model/calendar.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace tisheng;
    const auto file = fuzz::write_input(fuzz::work_dir() / "calendar.csv", fuzz::as_text(data, size));
    fuzz::expect_only_tisheng_errors([&] {
        const WorkCalendar cal = WorkCalendar::load(file);
        // From a year before the covered span, five years at most.
        const std::int64_t first = std::clamp<std::int64_t>(std::int64_t{cal.first_year()} - 1, 1900, 2200);
        const std::int64_t last = std::clamp<std::int64_t>(std::int64_t{cal.last_year()} + 1, first, first + 4);
        const Date a = Date::from_ymd(static_cast<int>(first), 1, 1);
        const Date b = Date::from_ymd(static_cast<int>(last), 12, 31);
        int worked = 0;
        for (Date d = a; d <= b; d = d + 1) {
            worked += cal.is_workday(d) ? 1 : 0;
            (void)cal.holiday_name(d);
        }
        if (worked != cal.working_days_between(a, b)) {
            std::fprintf(stderr, "working_days_between(%s, %s) disagrees with is_workday\n", a.iso().c_str(), b.iso().c_str());
            std::abort();
        }
        if (worked > 0) (void)cal.add_working_days(a, worked);
    });
    return 0;
}
