// The programmes' rules as data: deadlines and targets, phases, the station
// standard, base eligibility, the review pipeline, grants and matching, and
// the payers' budgets. Jiangmen and Quanzhou are two instances of this one
// structure, read from their scenario files.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tisheng/model/calendar.hpp"

namespace tisheng {

/// Stations on construction projects (Jiangmen) or training bases named
/// through annual review rounds (Quanzhou).
enum class ProgrammeKind { stations, bases };

struct Phase {
    std::string name;  ///< mobilisation, pilot, promotion, full_rollout
    std::string name_zh;
    Date start;
    Date end;
};

/// A duration drawn uniformly from whole days in [min, max] (min >= 1, or
/// min >= 0 where a delay may be none).
struct DayRange {
    int min = 1;
    int max = 1;
};

/// What a target counts.
enum class Measure {
    stations_built,               ///< cumulative built stations meeting the standard
    share_eligible_with_station,  ///< share of eligible active projects with a built station
    bases_named,                  ///< cumulative bases named (plaque awarded)
    demo_bases_named,             ///< cumulative demonstration bases named
    focus_industries_covered,     ///< focus industries with at least one named base
};
std::string to_string(Measure m);

/// When a recurring target is checked, from its `from` date on.
enum class CheckDates {
    once,       ///< at `deadline` only (a dated target)
    year_end,   ///< every 12-31 from `from` to the run's end
    month_end,  ///< every month end from `from`
    listed,     ///< the dates in Target::check_dates
};

struct Target {
    std::string id;
    Measure measure = Measure::stations_built;
    /// Checked once at `deadline`; or, for a recurring target, `deadline`
    /// holds its `from` date and `check` says when it is checked
    /// (应建尽建 from 2025-01-01).
    Date deadline;
    CheckDates check = CheckDates::once;
    std::vector<Date> check_dates;  ///< CheckDates::listed
    [[nodiscard]] bool recurring() const { return check != CheckDates::once; }
    /// The dates it is checked at, within [start, end] of the run.
    [[nodiscard]] std::vector<Date> dates(Date start, Date end) const;
    bool city_wide = false;            ///< unit: all (programme totals)
    double required_default = 0;       ///< for every unit not listed
    std::map<std::string, double> required_by_unit;  ///< unit id -> required
    /// Share measures: a project is due (counted in the share) once it has
    /// been active this many days; a younger one is not yet expected to
    /// have a station. Every share target of a scenario has the same.
    int grace_days = 0;
    [[nodiscard]] double required_for(const std::string& unit_id) const;
};

struct ProjectEligibility {
    std::vector<std::string> project_types{"housing", "municipal"};
    int min_workforce = 0;
    double min_contract_cny = 0;
    int min_duration_months = 0;
};

/// The five-part station standard.
struct StationStandard {
    double min_area_m2 = 20;
    std::vector<std::string> elements{"facilities", "content", "staff", "funding"};  /// parts beyond the area
};

struct BaseEligibility {
    int min_trainees = 400;
    double min_senior_share = 0.2;  ///< strictly more than this share
    int min_equipment_sets = 1;
};

/// One stage of the Quanzhou review pipeline.
struct ReviewStage {
    std::string name;  ///< county_review, city_review, office_meeting, public_notice
    std::string name_zh;
    DayRange days{1, 1};
    bool working_days = false;  ///< count working days on the Chinese calendar
    double pass_probability = 1;             ///< for a candidate that meets base_eligibility
    double pass_probability_ineligible = 1;  ///< for one that does not (default: pass_probability)
};

enum class ShortfallRule { defer, reduce, drop };  ///< when a county cannot match

struct GrantTier {
    std::string name;  ///< demonstration, standard
    double cny = 0;
};

struct GrantRule {
    std::string city_payer = "city";      ///< payer id of the city union's budget
    std::string county_payer = "county";  ///< per-unit payer id of the county unions' budgets
    double min_cny = 100000;
    double max_cny = 300000;
    std::vector<GrantTier> tiers;
    double county_match_ratio = 1.0;  ///< 1:1
    ShortfallRule on_county_shortfall = ShortfallRule::defer;
};

/// Who pays, and how much a year.
struct Payer {
    std::string id;    ///< "city", "enterprise"; a county's own: its PayerLine's text, "county:350526" (ids.hpp)
    std::string name;
    std::optional<double> annual_cny;            ///< nullopt = unlimited
    std::map<int, double> annual_by_year;        ///< year -> amount, overrides annual_cny
    std::string unit;                            ///< set for a county's own payer
};

enum class ExhaustedRule { wait, enterprise_pays, not_built };

struct Budgets {
    ExhaustedRule on_exhausted = ExhaustedRule::wait;
    std::vector<Payer> payers;
};

struct Programme {
    ProgrammeKind kind = ProgrammeKind::stations;
    std::string name;  ///< jiangmen | quanzhou | a user's name
    std::vector<Phase> phases;
    std::vector<Target> targets;
    // stations
    ProjectEligibility eligibility;
    StationStandard standard;
    // bases
    int first_year = 0;
    int rounds = 0;
    unsigned application_due_month = 4;  ///< county lists due (04-30)
    unsigned application_due_day = 30;
    std::vector<std::string> focus_industries;
    int quota_bases = 30;          ///< bases to name over all rounds
    int quota_demonstration = 10;  ///< of which demonstration bases
    /// A cap on the bases named in one round: none (the notice names 30 in
    /// three years and no per-round quota), or `even`: what is left of the
    /// quota spread over the rounds left (ceil(left / rounds left)).
    enum class RoundCap { none, even } round_cap = RoundCap::none;
    BaseEligibility base_eligibility;
    std::vector<ReviewStage> review;
    GrantRule grants;
};

}  // namespace tisheng

namespace tisheng {
struct Project;
/// Does a project fall under the station rule (type, size, duration)?
bool is_eligible(const Project& p, const ProjectEligibility& rule);
/// Does a candidate base meet the application thresholds?
struct CandidateBase;
bool is_eligible(const CandidateBase& b, const BaseEligibility& rule);
}  // namespace tisheng
