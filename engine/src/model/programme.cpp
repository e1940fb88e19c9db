#include "tisheng/model/programme.hpp"

#include <algorithm>

#include "tisheng/model/sites.hpp"

namespace tisheng {

std::string to_string(Measure m) {
    switch (m) {
        case Measure::stations_built: return "stations_built";
        case Measure::share_eligible_with_station: return "share_eligible_with_station";
        case Measure::bases_named: return "bases_named";
        case Measure::demo_bases_named: return "demo_bases_named";
        case Measure::focus_industries_covered: return "focus_industries_covered";
    }
    return "?";
}

double Target::required_for(const std::string& unit_id) const {
    auto it = required_by_unit.find(unit_id);
    return it == required_by_unit.end() ? required_default : it->second;
}

std::vector<Date> Target::dates(Date start, Date end) const {
    std::vector<Date> out;
    const Date from = std::max(deadline, start);
    switch (check) {
        case CheckDates::once: out.push_back(deadline); break;
        case CheckDates::month_end:
            for (const Date& d : month_ends(from, end))
                if (d <= end) out.push_back(d);  // the last month end on or before the run's end
            break;
        case CheckDates::year_end:
            for (int y = from.year(); y <= end.year(); ++y)
                if (const Date d = Date::from_ymd(y, 12, 31); d >= from && d <= end) out.push_back(d);
            break;
        case CheckDates::listed:
            for (const Date& d : check_dates)
                if (d >= from && d <= end) out.push_back(d);
            std::sort(out.begin(), out.end());
            out.erase(std::unique(out.begin(), out.end()), out.end());
            break;
    }
    return out;
}

bool is_eligible(const Project& p, const ProjectEligibility& rule) {
    const auto& types = rule.project_types;
    if (std::find(types.begin(), types.end(), std::string(to_string(p.type))) == types.end()) return false;
    return p.workforce >= rule.min_workforce && p.contract_cny >= rule.min_contract_cny &&
           Date::months_between(p.start, p.planned_end) >= rule.min_duration_months;
}

bool is_eligible(const CandidateBase& b, const BaseEligibility& rule) {
    return b.annual_trainees >= rule.min_trainees && b.senior_share > rule.min_senior_share &&
           b.equipment_sets >= rule.min_equipment_sets;
}

}  // namespace tisheng
