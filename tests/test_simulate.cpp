// The rollout simulation: hand-computed tiny scenarios (every date and every
// yuan derived in the comments), the working-day calendar in the review
// pipeline, and a statistical check of the station model. Money
// conservation and invariants over random scenarios are in
// test_simulate_invariants.cpp; determinism, the state at a date and
// cancelling in test_simulate_determinism.cpp.
#include <gtest/gtest.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "tisheng/model/scenario.hpp"
#include "tisheng/simulate/simulate.hpp"
#include "support/simulate_fixtures.hpp"
#include "test_support.hpp"

using namespace tisheng;
using namespace tisheng::test;
namespace fs = std::filesystem;

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

std::int32_t day(const char* iso) { return D(iso).days(); }

std::vector<double> row_p50(const Results& r, const std::string& metric, std::size_t row) {
    std::vector<double> out;
    const std::size_t m = metric_index(r.layout, metric);
    for (std::size_t k = 0; k < r.layout.months.size(); ++k) out.push_back(r.series[r.layout.series_index(m, row, k)].p50);
    return out;
}

double spent(const Trajectory& t, const Layout& l, std::size_t payer, int year) {
    return t.spent[payer * static_cast<std::size_t>(l.years) + static_cast<std::size_t>(year - l.first_year)];
}
double short_of(const Trajectory& t, const Layout& l, std::size_t payer, int year) {
    return t.short_cny[payer * static_cast<std::size_t>(l.years) + static_cast<std::size_t>(year - l.first_year)];
}
double allocated(const Trajectory& t, const Layout& l, std::size_t payer, int year) {
    return t.allocated[payer * static_cast<std::size_t>(l.years) + static_cast<std::size_t>(year - l.first_year)];
}

std::vector<float> repeat(std::initializer_list<std::pair<int, float>> runs) {
    std::vector<float> out;
    for (auto [n, v] : runs) out.insert(out.end(), static_cast<std::size_t>(n), v);
    return out;
}

StatusChange change(const char* iso, std::uint32_t site, StationStatus from, StationStatus to) {
    return {D(iso), site, static_cast<std::uint8_t>(from), static_cast<std::uint8_t>(to)};
}
StatusChange change(const char* iso, std::uint32_t site, BaseStatus from, BaseStatus to) {
    return {D(iso), site, static_cast<std::uint8_t>(from), static_cast<std::uint8_t>(to)};
}
void expect_log(const std::vector<StatusChange>& got, const std::vector<StatusChange>& want) {
    std::string g, w;
    for (const auto& c : got) g += str(c) + "\n";
    for (const auto& c : want) w += str(c) + "\n";
    EXPECT_EQ(g, w);
}

// ---- the tiny stations scenario -------------------------------------------------

// Three eligible projects (workforce >= 50, at least 6 months long):
//   P1 (index 0) unit A=440703, firm 甲, began before the horizon, ends 2024-03-31;
//   P2 (index 1) unit A, firm 乙, starts 2023-09-10, ends after the horizon;
//   P3 (index 2) unit B=440704, firm 甲, starts 2024-02-10, ends after the horizon.
const char* kTinyProjects =
    "P1,一号住宅项目,甲建设公司,housing,测试0区一路1号,2023-01-01,2024-03-31,100,10000000,张三,项目经理,13800000001,113.05,22.55\n"
    "P2,二号市政项目,乙路桥公司,municipal,测试0区二路2号,2023-09-10,2025-06-30,80,5000000,李四,安全主任,13800000002,113.06,22.56\n"
    "P3,三号住宅项目,甲建设公司,housing,测试1区三路3号,2024-02-10,2024-12-31,60,3000000,王五,工会主席,13800000003,113.15,22.55\n";

const char* kTinyStationsYaml = R"(name: tiny-stations
run:
  seed: 7
  replications: 6
  start: 2023-07-01
  end: 2024-06-30
region:
  name: 测试市
  code: "440700"
  crs: utm
units: {path: units.geojson, id_field: adcode, name_field: name_zh, name_en_field: name_en}
projects: {path: projects.csv, coords: wgs84}
programme:
  name: tiny
  kind: stations
  phases:
    - {name: mobilisation, start: 2023-07-01, end: 2023-07-31}
    - {name: pilot,        start: 2023-08-01, end: 2023-12-31}
    - {name: promotion,    start: 2024-01-01, end: 2024-06-30}
  eligibility: {project_types: [housing, municipal], min_workforce: 50, min_contract_cny: 0, min_duration_months: 6}
  station_standard: {min_area_m2: 20, elements: [facilities, content, staff, funding]}
  targets:
    - {id: built-2023, measure: stations_built, deadline: 2023-12-31, required: {default: 2, "440704": 1}}
    - {id: built-mid-2024, measure: stations_built, unit: all, deadline: 2024-06-30, required: 3}
    - {id: every-project, measure: share_eligible_with_station, from: 2024-01-01, check: [2024-01-31, 2024-03-31], required: 1.0, grace_days: 30}
behaviour:
  as_of: 2023-07-01
  arrivals: {per_year: 0}
  completion_delay_days: 0
  adoption:
    phases: {mobilisation: 0, pilot: 1, promotion: 0}
    enterprise_has_station: 1.0
  plan_days: 10
  construct_days: 20
  area_m2: 30
  standard_pass: {facilities: 1, content: 1, staff: 1, funding: 1}
  fix_probability: 0
  fix_days: 30
  relocate_probability: 1
  relocate_days: 14
costs:
  area_cny_per_m2: 300
  equipment_cny: 10000
  monthly_cny: 800
  relocate_share: 0.5
  setup_paid_by: {enterprise: 0.5, city_fund: 0.25, district: 0.25}
  running_paid_by: {enterprise: 0.75, district: 0.25}
budgets:
  on_exhausted: wait
  payers:
    - {id: enterprise, name: 施工企业, annual_cny: unlimited}
    - {id: city_fund,  name: 市级专项资金, annual_cny: 1000000, years: {2023: 5000}}
    - {id: district,   name: 区工会, per_unit: true, annual_cny: 1000000}
)";

}  // namespace

// Every number below follows from the fixture by hand.
//
// Adoption: monthly probability 1 in 'pilot' (2023-08-01 .. 12-31), 0 in the
// other phases. A project decides on the first day after the day it enters
// (its START) on which the hazard is on:
//   P1 began before the horizon, so it enters on run.start 2023-07-01; the
//      hazard is off in July, so it decides on the pilot's first day 2023-08-01;
//   P2 enters on its start 2023-09-10 (inside 'pilot'): decides 2023-09-11;
//   P3 enters 2024-02-10 in 'promotion' (probability 0): never decides.
// Set-up cost = 30 m² x 300 + 10000 equipment = 19000 CNY:
//   enterprise 0.5 = 9500, city_fund 0.25 = 4750, the unit's district 0.25 = 4750.
// city_fund has 5000 for 2023, 1 000 000 for 2024; on_exhausted: wait.
//   2023-08-01 P1 funded (city_fund left: 250) -> 拟建; +10 d 2023-08-11 在建;
//              +20 d 2023-08-31 已建 (30 m² >= 20, every element passes).
//   2023-09-11 P2 needs 4750 of city_fund, 250 left -> waits; short 4500 (2023);
//              retries 2024-01-01: funded -> 拟建, 01-11 在建, 01-31 已建.
//   2024-03-31 P1 ends: its station closes and, relocate_probability 1, moves
//              to firm 甲's waiting project P3: cost 0.5 x 19000 = 9500
//              (enterprise 4750, city_fund 2375, district B 2375); 在建 that
//              day, 已建 14 days later on 2024-04-14 (a moved station is not
//              re-inspected).
// Running costs at month ends, 800 a station (enterprise 600, district 200),
// for the stations open after that day's events:
//   A: 2023-08 .. 2023-12 one (5 months), 2024-01 and 02 two, 2024-03 .. 06 one
//      (P1 closed on 03-31 before that month end);  B: 2024-04 .. 06 one.
// Spent, by payer and year:
//   enterprise 2023: 9500 + 5 x 600 = 12500
//              2024: 9500 (P2) + 2 x 1200 + 600 + 4750 (move) + 3 x (600 + 600) = 20850
//   city_fund  2023: 4750 (of 5000)          2024: 4750 + 2375 = 7125
//   district A 2023: 4750 + 5 x 200 = 5750   2024: 4750 + 2 x 400 + 200 + 3 x 200 = 6350
//   district B 2023: 0                       2024: 2375 + 3 x 200 = 2975
//   total 23000 + 37300 = 60300 = the cost_cny series of 'all' at 2024-06-30.
TEST(Simulate, Stations_handComputedTinyScenario) {
    TempDir dir;
    const Scenario s = load_fixture(dir, 2, "projects.csv", std::string(kProjectsHeader) + kTinyProjects, kTinyStationsYaml);
    ASSERT_EQ(s.sites.projects.size(), 3u);
    ASSERT_EQ(s.sites.projects[0].unit, 0u);
    ASSERT_EQ(s.sites.projects[1].unit, 0u);
    ASSERT_EQ(s.sites.projects[2].unit, 1u);

    const Simulator sim(s);
    const Layout& L = sim.layout();
    ASSERT_EQ(L.months.size(), 12u);  // 2023-07 .. 2024-06
    EXPECT_EQ(L.months.front(), D("2023-07-31"));
    EXPECT_EQ(L.months.back(), D("2024-06-30"));
    ASSERT_EQ(L.rows, 3u);  // A, B, all
    ASSERT_EQ(L.payers, (std::vector<std::string>{"enterprise", "city_fund", "district:440703", "district:440704"}));
    ASSERT_EQ(L.first_year, 2023);
    ASSERT_EQ(L.years, 2);
    // built-2023 A, B, city; built-mid-2024 city; every-project A, B, city at 01-31, then at 03-31.
    ASSERT_EQ(L.checks.size(), 10u);
    const std::size_t A = 0, B = 1, ALL = L.all_row();
    enum { ENT, CITY, DIST_A, DIST_B };

    std::vector<StatusChange> log;
    const Trajectory t = sim.run(0, &log);

    using S = StationStatus;
    expect_log(log, {
                        change("2023-08-01", 0, S::none, S::planned),
                        change("2023-08-11", 0, S::planned, S::under_construction),
                        change("2023-08-31", 0, S::under_construction, S::built),
                        change("2024-01-01", 1, S::none, S::planned),
                        change("2024-01-11", 1, S::planned, S::under_construction),
                        change("2024-01-31", 1, S::under_construction, S::built),
                        change("2024-03-31", 0, S::built, S::closed),
                        change("2024-03-31", 2, S::none, S::under_construction),
                        change("2024-04-14", 2, S::under_construction, S::built),
                    });
    EXPECT_EQ(t.project_built_on, (std::vector<std::int32_t>{day("2023-08-31"), day("2024-01-31"), day("2024-04-14")}));

    // Months: 2023-07 08 09 10 11 12 2024-01 02 03 04 05 06
    EXPECT_EQ(row_series(t, L, "stations_built", A), repeat({{1, 0}, {5, 1}, {6, 2}}));
    EXPECT_EQ(row_series(t, L, "stations_built", B), repeat({{9, 0}, {3, 1}}));  // the moved station counts again
    EXPECT_EQ(row_series(t, L, "stations_built", ALL), repeat({{1, 0}, {5, 1}, {3, 2}, {3, 3}}));
    EXPECT_EQ(row_series(t, L, "stations_open", A), repeat({{1, 0}, {5, 1}, {2, 2}, {4, 1}}));
    EXPECT_EQ(row_series(t, L, "stations_open", B), repeat({{9, 0}, {3, 1}}));
    EXPECT_EQ(row_series(t, L, "stations_planned", ALL), repeat({{12, 0}}));  // 拟建 only inside months
    EXPECT_EQ(row_series(t, L, "stations_under_construction", B), repeat({{8, 0}, {1, 1}, {3, 0}}));  // 2024-03-31
    EXPECT_EQ(row_series(t, L, "stations_under_construction", A), repeat({{12, 0}}));
    EXPECT_EQ(row_series(t, L, "eligible_active", A), repeat({{2, 1}, {6, 2}, {4, 1}}));  // P2 from 09-10, P1 to 03-31
    EXPECT_EQ(row_series(t, L, "eligible_active", B), repeat({{7, 0}, {5, 1}}));          // P3 from 2024-02-10
    // Share of due projects with a built station (grace 30 days: P1 due from
    // 2023-07-01, P2 from 2023-10-10, P3 from 2024-03-11; none due = 1):
    //   A: 07 0/1, 08 1/1, 09 1/1 (P2 not yet due), 10-12 1/2, 2024 all 1;
    //   B: 1 until 2024-03 when P3 is due and under construction (0/1), then 1.
    EXPECT_EQ(row_series(t, L, "share_with_station", A), repeat({{1, 0}, {2, 1}, {3, 0.5f}, {6, 1}}));
    EXPECT_EQ(row_series(t, L, "share_with_station", B), repeat({{8, 1}, {1, 0}, {3, 1}}));
    // Cumulative cost per unit: set-up when funded, running at month ends.
    EXPECT_EQ(row_series(t, L, "cost_cny", A),
              (std::vector<float>{0, 19800, 20600, 21400, 22200, 23000, 43600, 45200, 46000, 46800, 47600, 48400}));
    EXPECT_EQ(row_series(t, L, "cost_cny", B), (std::vector<float>{0, 0, 0, 0, 0, 0, 0, 0, 9500, 10300, 11100, 11900}));
    EXPECT_EQ(row_series(t, L, "cost_cny", ALL).back(), 60300.0f);

    EXPECT_DOUBLE_EQ(spent(t, L, ENT, 2023), 12500);
    EXPECT_DOUBLE_EQ(spent(t, L, ENT, 2024), 20850);
    EXPECT_DOUBLE_EQ(spent(t, L, CITY, 2023), 4750);
    EXPECT_DOUBLE_EQ(spent(t, L, CITY, 2024), 7125);
    EXPECT_DOUBLE_EQ(spent(t, L, DIST_A, 2023), 5750);
    EXPECT_DOUBLE_EQ(spent(t, L, DIST_A, 2024), 6350);
    EXPECT_DOUBLE_EQ(spent(t, L, DIST_B, 2023), 0);
    EXPECT_DOUBLE_EQ(spent(t, L, DIST_B, 2024), 2975);
    EXPECT_EQ(allocated(t, L, ENT, 2023), inf);
    EXPECT_EQ(allocated(t, L, CITY, 2023), 5000);
    EXPECT_EQ(allocated(t, L, CITY, 2024), 1000000);
    EXPECT_EQ(allocated(t, L, DIST_B, 2024), 1000000);
    EXPECT_DOUBLE_EQ(short_of(t, L, CITY, 2023), 4500);
    double other_short = 0;
    for (double x : t.short_cny) other_short += x;
    EXPECT_DOUBLE_EQ(other_short, 4500);

    // Checks, in layout order (target, date, unit).
    //  built-2023 A: 1 built (P1) of 2 at 2023-12-31 (P2 waits for city_fund); 2 from 2024-01-31.
    //  built-2023 B: 0 of 1; B's first station is built 2024-04-14.
    //  built-mid-2024 (all): 3 by 2024-06-30 (P1, P2, P3's moved station) >= 3.
    //  every-project A and B at 2024-01-31: 1 (B has no due project).
    //  every-project A at 2024-03-31: 1; B: 0 (P3 due, station under construction), one due project without.
    ASSERT_EQ(t.checks.size(), 10u);
    EXPECT_EQ(L.checks[0].unit, 0);
    EXPECT_EQ(L.checks[1].unit, 1);
    EXPECT_EQ(L.checks[2].unit, -1);
    EXPECT_EQ(L.checks[2].required, 3);  // the districts' 2 + 1
    EXPECT_EQ(L.checks[3].unit, -1);
    EXPECT_EQ(L.checks[4].date, D("2024-01-31"));
    EXPECT_EQ(L.checks[8].date, D("2024-03-31"));
    EXPECT_EQ(L.checks[8].unit, 1);
    EXPECT_EQ(L.checks[9].unit, -1);
    EXPECT_EQ(L.checks[9].required, 1.0);
    // The city: 1 of 3 built by 2023-12-31; at 2024-03-31 P2 has its station, P3 not (P1 has ended): 1/2.
    EXPECT_EQ(t.checks[2].value, 1);
    EXPECT_EQ(t.checks[2].missing, 2);
    EXPECT_EQ(t.checks[9].value, 0.5);
    EXPECT_EQ(t.checks[9].missing, 1);
    EXPECT_EQ(t.checks[0].value, 1);
    EXPECT_FALSE(t.checks[0].met);
    EXPECT_EQ(t.checks[0].missing, 1);
    EXPECT_EQ(t.checks[0].first_met, day("2024-01-31"));
    EXPECT_EQ(t.checks[1].value, 0);
    EXPECT_FALSE(t.checks[1].met);
    EXPECT_EQ(t.checks[1].first_met, day("2024-04-30"));
    EXPECT_EQ(t.checks[3].value, 3);
    EXPECT_TRUE(t.checks[3].met);
    EXPECT_EQ(t.checks[3].missing, 0);
    for (std::size_t c : {4, 5, 6, 7}) {
        EXPECT_EQ(t.checks[c].value, 1) << c;
        EXPECT_TRUE(t.checks[c].met) << c;
    }
    EXPECT_EQ(t.checks[8].value, 0);
    EXPECT_FALSE(t.checks[8].met);
    EXPECT_EQ(t.checks[8].missing, 1);

    // Every replication is the same (all probabilities 0 or 1, fixed days).
    MonteCarloOptions o;
    o.threads = 2;
    const Results r = simulate(s, o);
    EXPECT_EQ(r.replications, 6);
    ASSERT_EQ(r.checks.size(), 10u);
    const double p_met[] = {0, 0, 0, 1, 1, 1, 1, 1, 0, 0};
    const double value[] = {1, 0, 1, 3, 1, 1, 1, 1, 0, 0.5};
    for (std::size_t c = 0; c < 10; ++c) {
        EXPECT_EQ(r.checks[c].p_met, p_met[c]) << c;
        EXPECT_EQ(r.checks[c].value.p05, value[c]) << c;
        EXPECT_EQ(r.checks[c].value.p95, value[c]) << c;
    }
    EXPECT_EQ(r.checks[0].first_met_p50, day("2024-01-31"));
    EXPECT_EQ(r.checks[8].missing.p50, 1);
    EXPECT_EQ(p_met_all_dates(r, 5), 0);  // B: met at 01-31, missed at 03-31
    EXPECT_EQ(p_met_all_dates(r, 4), 1);
    EXPECT_EQ(row_p50(r, "stations_built", ALL), (std::vector<double>{0, 1, 1, 1, 1, 1, 2, 2, 2, 3, 3, 3}));
    // p_built_by: the targets' dates and the horizon's end.
    ASSERT_EQ(r.project_deadlines, (std::vector<Date>{D("2023-12-31"), D("2024-01-01"), D("2024-06-30")}));
    EXPECT_EQ(r.project_p_built[0], (std::vector<float>{1, 0, 0}));
    EXPECT_EQ(r.project_p_built[1], (std::vector<float>{1, 0, 0}));
    EXPECT_EQ(r.project_p_built[2], (std::vector<float>{1, 1, 1}));
    ASSERT_EQ(r.payers.size(), 4u);
    EXPECT_EQ(r.payers[CITY].allocated_by_year, (std::vector<double>{5000, 1000000}));
    EXPECT_EQ(r.payers[CITY].spent_p50_by_year, (std::vector<double>{4750, 7125}));
    EXPECT_EQ(r.payers[CITY].spent.p05, 11875);
    EXPECT_EQ(r.payers[CITY].short_cny.p95, 4500);
    EXPECT_DOUBLE_EQ(r.payers[CITY].max_spent_share, 0.95);  // 4750 of 5000 in 2023
    EXPECT_EQ(r.payers[ENT].spent.p50, 33350);
    EXPECT_EQ(r.payers[ENT].max_spent_share, 0);  // unlimited
    EXPECT_EQ(r.payers[DIST_A].spent.p50, 12100);
    EXPECT_EQ(r.payers[DIST_B].spent.p95, 2975);
}

namespace {

// ---- the tiny bases scenario ------------------------------------------------------

// BX (index 0) in A=440703: recognised, 500 trainees, 30 % senior, 2 sets -> eligible.
// BY (index 1) in B=440704: not recognised, new site, 800 trainees, 25 %, 1 set -> eligible.
const char* kTinyBases =
    "BX,测试0区机械培训中心,industry,A,machinery,测试0区一路,500,0.3,2,1,existing,张三,350000197001010011,13800000001,113.05,22.55\n"
    "BY,测试1区纺织实训基地,government,B,textiles,测试1区二路,800,0.25,1,0,new,李四,350000197001010022,13800000002,113.15,22.55\n";

const char* kTinyBasesYaml = R"(name: tiny-bases
run: {seed: 11, replications: 5, start: 2023-01-01, end: 2024-06-30}
region: {name: 测试市, code: "350500", crs: utm}
units: {path: units.geojson, id_field: adcode, name_field: name_zh, name_en_field: name_en}
bases: {path: bases.csv, coords: wgs84}
programme:
  name: tiny
  kind: bases
  first_year: 2023
  rounds: 1
  application_due: 04-30
  focus_industries: [machinery, textiles, ceramics]
  quota: {bases: 2, demonstration: 1}
  base_eligibility: {min_trainees: 400, min_senior_share: 0.2, min_equipment_sets: 1}
  review:
    - {stage: county_review, days: 10, pass: 1}
    - {stage: city_review,   days: 40, pass: 1}
    - {stage: public_notice, days: 5, working_days: true, pass: 1}
  grants:
    city_payer: city
    county_payer: county
    min_cny: 100000
    max_cny: 300000
    tiers:
      - {name: demonstration, cny: 300000}
      - {name: standard,      cny: 150000}
    county_match: 0.5
    on_county_shortfall: reduce
  targets:
    - {id: two-in-2023, measure: bases_named, unit: all, deadline: 2023-12-31, required: 2}
    - {id: one-each, measure: bases_named, deadline: 2024-06-30, required: 1}
    - {id: demo, measure: demo_bases_named, unit: all, deadline: 2024-06-30, required: 1}
behaviour:
  apply: {existing: 1, new: 1, recognised: 1}
  reapply: 1
  ramp_up: [0.5, 0.8, 1.0]
budgets:
  on_exhausted: wait
  payers:
    - {id: city, name: 市总工会, annual_cny: 400000}
    - {id: county, name: 总工会, per_unit: true, annual_cny: 1000000, units: {"440704": 60000}}
)";

}  // namespace

// The round's lists are due 2023-04-30: both apply (probability 1).
//   county_review 10 calendar days from the next day: 05-01 .. 05-10;
//   city_review 40 days: 05-11 .. 06-19;
//   public_notice 5 working days from Tue 06-20: 06-20, 06-21, (端午 holidays
//   06-22 .. 06-24), Sun 06-25 (make-up workday), 06-26, 06-27 -> ends 06-27;
//   plaques on the next working day: Wed 2023-06-28.
// Quota 2 (1 demonstration) in the only round; the recognised BX ranks first:
//   BX demonstration grant 300000 (city), county A matches 0.5 x = 150000.
//   BY standard 150000: the city has 400000 - 300000 = 100000 left in 2023 ->
//   short 50000, awaits funds; retries on the first working day of 2024 (01-01
//   is 元旦): 2024-01-02. City has 400000, county B only 60000 < 0.5 x 150000
//   = 75000 (short 15000); rule 'reduce': grant 60000 / 0.5 = 120000 >= min
//   100000 -> named 2024-01-02 with 120000, county B pays 60000.
// Trainees (ramp-up 0.5, 0.8 by whole years since naming): BX 250 until
//   2024-05-31 (338 days), 400 at 2024-06-30 (368 days > 365.2425); BY 400.
TEST(Simulate, Bases_handComputedTinyScenario) {
    TempDir dir;
    const Scenario s = load_fixture(dir, 2, "bases.csv", std::string(kBasesHeader) + kTinyBases, kTinyBasesYaml);
    ASSERT_EQ(s.sites.bases.size(), 2u);
    ASSERT_EQ(s.sites.bases[0].unit, 0u);
    ASSERT_EQ(s.sites.bases[1].unit, 1u);
    const Simulator sim(s);
    const Layout& L = sim.layout();
    ASSERT_EQ(L.months.size(), 18u);  // 2023-01 .. 2024-06
    ASSERT_EQ(L.payers, (std::vector<std::string>{"city", "county:440703", "county:440704"}));
    ASSERT_EQ(L.checks.size(), 5u);  // two-in-2023; one-each A, B, city; demo
    const std::size_t A = 0, B = 1, ALL = L.all_row();
    enum { CITY, COUNTY_A, COUNTY_B };

    std::vector<StatusChange> log;
    const Trajectory t = sim.run(0, &log);
    using S = BaseStatus;
    expect_log(log, {
                        change("2023-04-30", 0, S::candidate, S::in_review),
                        change("2023-04-30", 1, S::candidate, S::in_review),
                        change("2023-06-28", 0, S::in_review, S::named),
                        change("2023-06-28", 1, S::in_review, S::awaiting_funds),
                        change("2024-01-02", 1, S::awaiting_funds, S::named),
                    });
    EXPECT_EQ(t.base_named_on, (std::vector<std::int32_t>{day("2023-06-28"), day("2024-01-02")}));
    EXPECT_EQ(t.base_grant_cny, (std::vector<float>{300000, 120000}));
    EXPECT_EQ(t.base_demonstration, (std::vector<std::uint8_t>{1, 0}));

    EXPECT_DOUBLE_EQ(spent(t, L, CITY, 2023), 300000);
    EXPECT_DOUBLE_EQ(spent(t, L, CITY, 2024), 120000);
    EXPECT_DOUBLE_EQ(spent(t, L, COUNTY_A, 2023), 150000);
    EXPECT_DOUBLE_EQ(spent(t, L, COUNTY_A, 2024), 0);
    EXPECT_DOUBLE_EQ(spent(t, L, COUNTY_B, 2023), 0);
    EXPECT_DOUBLE_EQ(spent(t, L, COUNTY_B, 2024), 60000);
    EXPECT_DOUBLE_EQ(short_of(t, L, CITY, 2023), 50000);
    EXPECT_DOUBLE_EQ(short_of(t, L, COUNTY_B, 2024), 15000);
    EXPECT_DOUBLE_EQ(short_of(t, L, CITY, 2024) + short_of(t, L, COUNTY_A, 2023) + short_of(t, L, COUNTY_B, 2023), 0);
    EXPECT_EQ(allocated(t, L, COUNTY_B, 2023), 60000);
    EXPECT_EQ(allocated(t, L, COUNTY_A, 2024), 1000000);

    // Months: 2023-01 .. 12 (0..11), 2024-01 .. 06 (12..17).
    EXPECT_EQ(row_series(t, L, "bases_named", ALL), repeat({{5, 0}, {7, 1}, {6, 2}}));
    EXPECT_EQ(row_series(t, L, "bases_named", A), repeat({{5, 0}, {13, 1}}));
    EXPECT_EQ(row_series(t, L, "bases_named", B), repeat({{12, 0}, {6, 1}}));
    EXPECT_EQ(row_series(t, L, "demo_bases_named", ALL), repeat({{5, 0}, {13, 1}}));
    EXPECT_EQ(row_series(t, L, "bases_in_review", ALL), repeat({{3, 0}, {2, 2}, {7, 1}, {6, 0}}));  // BY awaits funds
    EXPECT_EQ(row_series(t, L, "trainees_per_year", ALL), repeat({{5, 0}, {7, 250}, {5, 650}, {1, 800}}));
    EXPECT_EQ(row_series(t, L, "trainees_per_year", B), repeat({{12, 0}, {6, 400}}));
    const auto senior = row_series(t, L, "senior_trainees_per_year", ALL);
    EXPECT_NEAR(senior[5], 75, 1e-3);    // 250 x 0.3
    EXPECT_NEAR(senior[12], 175, 1e-3);  // + 400 x 0.25
    EXPECT_NEAR(senior[17], 220, 1e-3);  // 400 x 0.3 + 100
    EXPECT_EQ(row_series(t, L, "grants_cny", ALL), repeat({{5, 0}, {7, 300000}, {6, 420000}}));
    EXPECT_EQ(row_series(t, L, "matches_cny", ALL), repeat({{5, 0}, {7, 150000}, {6, 210000}}));
    EXPECT_EQ(row_series(t, L, "grants_cny", B), repeat({{12, 0}, {6, 120000}}));
    EXPECT_EQ(row_series(t, L, "matches_cny", B), repeat({{12, 0}, {6, 60000}}));
    EXPECT_EQ(row_series(t, L, "focus_industries_covered", ALL), repeat({{5, 0}, {7, 1}, {6, 2}}));

    // two-in-2023: 1 named; BY waits for the city's money, named 2024-01-02
    // (first month end reaching 2: 2024-01-31).
    EXPECT_EQ(t.checks[0].value, 1);
    EXPECT_FALSE(t.checks[0].met);
    EXPECT_EQ(t.checks[0].missing, 1);
    EXPECT_EQ(t.checks[0].first_met, day("2024-01-31"));
    for (std::size_t c : {1, 2, 4}) {
        EXPECT_EQ(t.checks[c].value, 1) << c;
        EXPECT_TRUE(t.checks[c].met) << c;
    }
    EXPECT_EQ(t.checks[3].value, 2);  // one each: two in the city
    EXPECT_EQ(L.checks[3].required, 2);

    MonteCarloOptions o;
    o.threads = 3;
    const Results r = simulate(s, o);
    EXPECT_EQ(r.checks[0].p_met, 0);
    EXPECT_EQ(r.checks[1].p_met, 1);
    EXPECT_EQ(r.checks[2].p_met, 1);
    EXPECT_EQ(r.checks[3].p_met, 1);
    EXPECT_EQ(r.base_p_named, (std::vector<float>{1, 1}));
    EXPECT_EQ(r.base_p_demonstration, (std::vector<float>{1, 0}));
    EXPECT_EQ(r.base_median_grant_cny, (std::vector<float>{300000, 120000}));
    EXPECT_EQ(r.payers[CITY].spent_p50_by_year, (std::vector<double>{300000, 120000}));
    EXPECT_EQ(r.payers[COUNTY_B].short_cny.p50, 15000);
    EXPECT_DOUBLE_EQ(r.payers[COUNTY_B].max_spent_share, 1.0);  // 60000 of 60000 in 2024
    EXPECT_DOUBLE_EQ(r.payers[CITY].max_spent_share, 0.75);     // 300000 of 400000 in 2023
    EXPECT_EQ(row_p50(r, "grants_cny", ALL).back(), 420000);
}

namespace {

/// One base, one round with lists due 09-01: a county review of
/// `county_days` calendar days from 09-02, then a public notice of
/// `notice_days` working days. Returns the day the base is named.
Date named_after_notice(int county_days, int notice_days) {
    TempDir dir;
    const std::string yaml = fmt::format(R"(name: notice
run: {{seed: 3, replications: 1, start: 2023-01-01, end: 2023-12-31}}
region: {{name: 测试市}}
units: {{path: units.geojson, id_field: adcode, name_field: name_zh}}
bases: {{path: bases.csv, coords: wgs84}}
programme:
  name: notice
  kind: bases
  first_year: 2023
  rounds: 1
  application_due: 09-01
  quota: {{bases: 1, demonstration: 0}}
  review:
    - {{stage: county_review, days: {}, pass: 1}}
    - {{stage: public_notice, days: {}, working_days: true, pass: 1}}
  grants:
    min_cny: 100000
    max_cny: 300000
    tiers: [{{name: standard, cny: 150000}}]
  targets:
    - {{id: one, measure: bases_named, unit: all, deadline: 2023-12-31, required: 1}}
behaviour:
  apply: {{existing: 1, new: 1, recognised: 1}}
budgets:
  payers:
    - {{id: city, annual_cny: unlimited}}
    - {{id: county, per_unit: true, annual_cny: unlimited}}
)",
                                         county_days, notice_days);
    const Scenario s = load_fixture(dir, 1, "bases.csv", std::string(kBasesHeader) +
                                                             "BX,机械培训中心,industry,A,machinery,一路,500,0.3,2,1,existing,,,,113.05,22.55\n",
                                    yaml);
    const Trajectory t = Simulator(s).run(0);
    if (t.base_named_on.size() != 1 || t.base_named_on[0] == never) return Date{};
    return Date::from_days(t.base_named_on[0]);
}

}  // namespace

// National Day 2023: 09-29 .. 10-06 off, Sat 10-07 and Sun 10-08 worked.
TEST(Simulate, Bases_publicNoticeOverNationalDayEndsOnTheRightWorkingDay) {
    const WorkCalendar& cal = WorkCalendar::china();
    // County review 09-02 .. 09-27 (26 days); notice from Thu 09-28: 09-28,
    // 10-07, 10-08, 10-09, 10-10 -> ends Tue 10-10; named Wed 10-11.
    EXPECT_EQ(D("2023-09-28").weekday(), 4u);
    EXPECT_EQ(cal.working_days_between(D("2023-09-28"), D("2023-10-10")), 5);
    EXPECT_EQ(named_after_notice(26, 5), D("2023-10-11"));
    // Notice from Wed 09-27: 09-27, 09-28, 10-07, 10-08, 10-09 -> named 10-10.
    EXPECT_EQ(named_after_notice(25, 5), D("2023-10-10"));
    // Notice from the holiday 09-29: its five working days are 10-07 .. 10-11
    // -> named Thu 10-12.
    EXPECT_EQ(named_after_notice(27, 5), D("2023-10-12"));
    // A one-day notice on 09-28: the next working day is the make-up
    // Saturday 10-07.
    EXPECT_EQ(named_after_notice(26, 1), D("2023-10-07"));
    EXPECT_EQ(D("2023-10-07").weekday(), 6u);
}

namespace {

/// `n` identical eligible projects in unit 0, under way from 2023-01-01 to
/// 2025-12-31, each with its own firm.
std::string identical_projects(int n) {
    std::string csv = kProjectsHeader;
    for (int j = 0; j < n; ++j)
        csv += fmt::format("Q{:04d},项目{},企业{},housing,,2023-01-01,2025-12-31,100,10000000,,,,{}\n", j, j, j, lonlat(0, j));
    return csv;
}

/// A one-unit stations scenario over 2023-07-01 .. 2023-12-31 with the
/// given phases, adoption and standard; unlimited money.
std::string stats_yaml(const std::string& phases, const std::string& adoption, const std::string& days,
                       const std::string& standard_pass) {
    return fmt::format(R"(name: stats
run: {{seed: 20240601, replications: 50, start: 2023-07-01, end: 2023-12-31}}
region: {{name: 测试市}}
units: {{path: units.geojson, id_field: adcode, name_field: name_zh}}
projects: {{path: projects.csv, coords: wgs84}}
programme:
  name: stats
  kind: stations
  phases: {}
  eligibility: {{min_workforce: 50, min_duration_months: 6}}
  station_standard: {{min_area_m2: 20, elements: [facilities]}}
  targets:
    - {{id: t, measure: stations_built, unit: all, deadline: 2023-12-31, required: 1}}
behaviour:
  arrivals: {{per_year: 0}}
  completion_delay_days: 0
  adoption: {{phases: {}}}
  {}
  area_m2: 30
  standard_pass: {}
  fix_probability: 0
  relocate_probability: 0
costs:
  setup_paid_by: {{enterprise: 1}}
  running_paid_by: {{enterprise: 1}}
budgets:
  payers: [{{id: enterprise, annual_cny: unlimited}}]
)",
                       phases, adoption, days, standard_pass);
}

struct MeanVar {
    double mean = 0, var = 0;
};
MeanVar mean_var(const std::vector<double>& x) {
    MeanVar m;
    for (double v : x) m.mean += v;
    m.mean /= static_cast<double>(x.size());
    for (double v : x) m.var += (v - m.mean) * (v - m.mean);
    m.var /= static_cast<double>(x.size() - 1);
    return m;
}

}  // namespace

// 400 projects decide on 07-02 (the day after entering, probability 1),
// are 拟建 10 days and 在建 20, and on 08-01 each meets the standard with
// probability p = 0.3 (one element, never fixed). So the stations built by
// 08-31 are Binomial(400, 0.3) in each replication: the mean of R = 50
// replications lies within 4 sigma of 120, sigma = sqrt(400 x 0.3 x 0.7 / 50)
// = 1.296; their variance (84 expected) within a loose chi-square band.
TEST(Simulate, Stations_builtCountIsBinomialInTheStandardPassRate) {
    const int n = 400, R = 50;
    const double p = 0.3;
    TempDir dir;
    const Scenario s = load_fixture(dir, 1, "projects.csv", identical_projects(n),
                                    stats_yaml("[{name: pilot, start: 2023-07-01, end: 2023-12-31}]", "{pilot: 1}",
                                               "plan_days: 10\n  construct_days: 20", "{facilities: 0.3}"));
    ASSERT_EQ(s.sites.projects.size(), static_cast<std::size_t>(n));
    const Simulator sim(s);
    const Layout& L = sim.layout();
    std::vector<double> built;
    for (int k = 0; k < R; ++k) {
        std::vector<StatusChange> log;
        const Trajectory t = sim.run(static_cast<std::uint64_t>(k), &log);
        int decided = 0;
        for (const auto& c : log)
            if (c.to == static_cast<std::uint8_t>(StationStatus::planned)) {
                ++decided;
                EXPECT_EQ(c.date, D("2023-07-02")) << "projects entering on 07-01 decide the next day";
            }
        EXPECT_EQ(decided, n);
        const auto b = row_series(t, L, "stations_built", L.all_row());
        EXPECT_EQ(b[0], 0) << "nothing is built before 08-01";
        EXPECT_EQ(b[1], b.back()) << "every verdict falls on 08-01";
        EXPECT_EQ(row_series(t, L, "stations_under_construction", L.all_row())[0], n) << "all 在建 on 07-31";
        built.push_back(b[1]);
    }
    const MeanVar m = mean_var(built);
    const double sigma = std::sqrt(n * p * (1 - p) / R);
    EXPECT_NEAR(m.mean, n * p, 4 * sigma);
    EXPECT_GT(m.var, 0.25 * n * p * (1 - p));
    EXPECT_LT(m.var, 2.0 * n * p * (1 - p));
}

// The adoption hazard: a monthly probability q = 0.2 in 'pilot' (08-01 ..
// 09-30, 61 days) and none before or after. A project waiting through the
// whole phase adopts in it with probability 1 - 0.8^(61 / 30.436875) = 0.3605
// (a month is 365.2425 / 12 days), never outside it: the first adoptions fall
// on 08-01 itself, the last on 09-30 at the latest.
TEST(Simulate, Stations_adoptionHazardFollowsTheMonthlyProbabilityWithinThePhase) {
    const int n = 400, R = 50;
    const double p = 1 - std::pow(0.8, 61 / (365.2425 / 12));
    TempDir dir;
    const Scenario s = load_fixture(
        dir, 1, "projects.csv", identical_projects(n),
        stats_yaml("[{name: quiet, start: 2023-07-01, end: 2023-07-31}, {name: pilot, start: 2023-08-01, end: 2023-09-30}]",
                   "{quiet: 0, pilot: 0.2}", "plan_days: 1\n  construct_days: 1", "{}"));
    const Simulator sim(s);
    const Layout& L = sim.layout();
    std::vector<double> built;
    Date first = D("2099-01-01"), last = D("2000-01-01");
    int on_first_day = 0;
    for (int k = 0; k < R; ++k) {
        std::vector<StatusChange> log;
        const Trajectory t = sim.run(static_cast<std::uint64_t>(k), &log);
        for (const auto& c : log)
            if (c.to == static_cast<std::uint8_t>(StationStatus::planned)) {
                first = std::min(first, c.date);
                last = std::max(last, c.date);
                on_first_day += c.date == D("2023-08-01");
            }
        built.push_back(row_series(t, L, "stations_built", L.all_row()).back());
    }
    EXPECT_EQ(first, D("2023-08-01"));
    EXPECT_LE(last, D("2023-09-30"));
    // Expected adoptions on 08-01: n R (1 - e^-lambda), lambda = -ln 0.8 / 30.436875.
    const double on_day = n * R * (1 - std::exp(std::log(0.8) / (365.2425 / 12)));
    EXPECT_NEAR(on_first_day, on_day, 4 * std::sqrt(on_day));
    const MeanVar m = mean_var(built);
    EXPECT_NEAR(m.mean, n * p, 4 * std::sqrt(n * p * (1 - p) / R));
}
