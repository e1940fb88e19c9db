// How the actors behave and what things cost: the assumptions a rollout
// simulation needs beyond the programme's rules (adoption hazards, build
// times, pass rates, project arrivals, unit costs and who pays them).
// Every field is a scenario key under `behaviour:` or `costs:`.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tisheng/model/calendar.hpp"
#include "tisheng/model/programme.hpp"

namespace tisheng {

/// New projects that are not in the register yet (stations programme).
struct Arrivals {
    /// Projects a year per unit; nullopt = estimated from the register's
    /// starts in the `history_months` before `as_of`.
    std::optional<double> per_year_default;
    std::map<std::string, double> per_year_by_unit;
    int history_months = 12;
    double factor = 1.0;  ///< multiplies the rate, however it was set
};

struct StationBehaviour {
    Date as_of;  ///< the register's date: arrivals start here (default: run.start)
    Arrivals arrivals;
    DayRange completion_delay{0, 0};  ///< actual end = planned end + delay
    /// Monthly probability that an eligible project without a station
    /// decides to build one, per programme phase (0 outside every phase).
    std::map<std::string, double> adoption_by_phase;
    double enterprise_has_station = 1.0;  ///< hazard multiplier once the enterprise runs a station
    DayRange plan_days{30, 30};       ///< 拟建 → 在建
    DayRange construct_days{30, 30};  ///< 在建 → 已建
    double area_min_m2 = 20;          ///< floor area as built, uniform in [min, max]
    double area_max_m2 = 20;
    /// Probability that each standard element other than the area is met.
    std::map<std::string, double> element_pass;
    double fix_probability = 0;  ///< a station failing the standard is fixed ...
    DayRange fix_days{30, 30};   ///< ... after this long, or never
    double relocate_probability = 0;  ///< on completion, the enterprise moves the station to its next eligible project
    DayRange relocate_days{14, 14};
};

struct BaseBehaviour {
    double apply_existing = 0.5;  ///< probability that a candidate applies in a round (track: existing site)
    double apply_new = 0.3;       ///< (track: new site)
    double apply_recognised = 0.9;  ///< a recognised site (ranked first) applies with this
    double reapply = 0.5;         ///< multiplier for one rejected in an earlier round
    std::vector<double> ramp_up{0.5, 0.8, 1.0};  ///< share of annual trainees in year 1, 2, 3+ after naming
    /// A plan from `tisheng site` as the selection policy ("fund in this
    /// order"): surviving candidates are named in plan order, as the tier
    /// the plan gives them; candidates not in the plan are not named.
    /// Empty: the notice's ranking (recognised first, then by trainees).
    std::vector<std::pair<std::string, std::string>> selection_plan;  ///< (base id, tier) in plan order
};

/// A share of a cost, paid from one payer's budget.
struct CostShare {
    std::string payer;
    double share = 0;
};

struct StationCosts {
    double area_cny_per_m2 = 0;
    double equipment_cny = 0;
    double monthly_cny = 0;       ///< running cost of a built station (teachers, materials)
    double relocate_share = 0.3;  ///< moving a station costs this share of its set-up
    std::vector<CostShare> setup_paid_by;    ///< shares sum to 1
    std::vector<CostShare> running_paid_by;  ///< shares sum to 1
};

struct Behaviour {
    StationBehaviour stations;
    BaseBehaviour bases;
    StationCosts costs;
};

}  // namespace tisheng
