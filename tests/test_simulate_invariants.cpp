// The rollout simulation's invariants: money conservation on the shipped
// baselines with budgets cut so that they bind, and invariants over random
// scenarios of both kinds (counts that never fall, shares within 0..1,
// status changes in order, money within the allocations).
#include <gtest/gtest.h>
#include <fmt/format.h>

#include <map>
#include <numeric>
#include <string>
#include <vector>

#include "tisheng/core/random.hpp"
#include "tisheng/model/scenario.hpp"
#include "tisheng/simulate/simulate.hpp"
#include "support/simulate_fixtures.hpp"
#include "test_support.hpp"

using namespace tisheng;
using namespace tisheng::test;
namespace fs = std::filesystem;

namespace {

/// Money in one replication: never negative, never more than allocated.
void expect_money_conserved(const Trajectory& t, const Layout& L, const std::string& what) {
    ASSERT_EQ(t.spent.size(), L.payers.size() * static_cast<std::size_t>(L.years)) << what;
    for (std::size_t i = 0; i < t.spent.size(); ++i) {
        const std::string where = what + " payer " + L.payers[i / static_cast<std::size_t>(L.years)] + " year " +
                                  std::to_string(L.first_year + static_cast<int>(i % static_cast<std::size_t>(L.years)));
        EXPECT_GE(t.spent[i], 0) << where;
        EXPECT_GE(t.short_cny[i], 0) << where;
        EXPECT_GE(t.allocated[i], 0) << where;
        EXPECT_LE(t.spent[i], t.allocated[i] * (1 + 1e-12)) << where;
    }
}

/// Sum of v[from, to).
double total(const std::vector<double>& v, std::size_t from, std::size_t to) {
    return std::accumulate(v.begin() + static_cast<std::ptrdiff_t>(from), v.begin() + static_cast<std::ptrdiff_t>(to), 0.0);
}
double total(const std::vector<double>& v) { return total(v, 0, v.size()); }

}  // namespace

// Jiangmen with budgets cut so that they bind, under each exhausted rule.
TEST(Simulate, Conservation_jiangmenSpendsNoMoreThanAllocated) {
    for (const char* rule : {"wait", "enterprise_pays", "not_built"}) {
        LoadOptions o;
        o.overrides = {std::string("budgets.on_exhausted=") + rule, "budgets.payers.union.annual_cny=200000",
                       "budgets.payers.safety_fund.annual_cny=150000", "budgets.payers.skill_subsidy.annual_cny=100000",
                       "budgets.payers.city_fund.annual_cny=300000"};
        const Scenario s = load_scenario(baseline("jiangmen"), o);
        const Simulator sim(s);
        const Layout& L = sim.layout();
        const std::size_t cost = metric_index(L, "cost_cny");
        double shortfall = 0;
        int abandoned = 0;
        for (std::uint64_t k = 0; k < 12; ++k) {
            std::vector<StatusChange> log;
            const Trajectory t = sim.run(k, &log);
            const std::string what = std::string(rule) + " replication " + std::to_string(k);
            expect_money_conserved(t, L, what);
            shortfall += total(t.short_cny);
            for (const auto& c : log) abandoned += c.to == static_cast<std::uint8_t>(StationStatus::abandoned);
            // Costs are cumulative and never below what was paid.
            float prev = 0;
            for (std::size_t m = 0; m < L.months.size(); ++m) {
                const float v = t.series[L.series_index(cost, L.all_row(), m)];
                EXPECT_GE(v, prev) << what;
                prev = v;
            }
            EXPECT_LE(total(t.spent), prev * (1 + 1e-6)) << what;
        }
        EXPECT_GT(shortfall, 0) << rule << ": the cut budgets should bind";
        if (std::string(rule) == "not_built") {
            EXPECT_GT(abandoned, 0);
        }
        if (std::string(rule) == "wait") {
            EXPECT_EQ(abandoned, 0);
        }
    }
}

// Quanzhou under the 1:1 rule: every named base's county match equals its city
// grant, so the city's spending equals the counties' in every year, and the
// grants and matches series agree; with budgets cut so they bind.
TEST(Simulate, Conservation_quanzhouCountyMatchEqualsCityGrant) {
    for (const char* shortfall_rule : {"defer", "reduce", "drop"})
        for (const char* exhausted : {"wait", "not_built"}) {
            LoadOptions o;
            o.overrides = {std::string("programme.grants.on_county_shortfall=") + shortfall_rule,
                           std::string("budgets.on_exhausted=") + exhausted, "budgets.payers.city.annual_cny=1500000",
                           "budgets.payers.county.annual_cny=250000"};
            const Scenario s = load_scenario(baseline("quanzhou"), o);
            ASSERT_EQ(s.programme.grants.county_match_ratio, 1.0);
            const Simulator sim(s);
            const Layout& L = sim.layout();
            const auto Y = static_cast<std::size_t>(L.years);
            ASSERT_EQ(L.payers[0], "city");
            double shortfall = 0;
            int named = 0;
            for (std::uint64_t k = 0; k < 12; ++k) {
                const Trajectory t = sim.run(k);
                const std::string what = std::string(shortfall_rule) + "/" + exhausted + " replication " + std::to_string(k);
                expect_money_conserved(t, L, what);
                shortfall += total(t.short_cny);
                for (std::size_t y = 0; y < Y; ++y) {
                    double counties = 0;
                    for (std::size_t p = 1; p < L.payers.size(); ++p) counties += t.spent[p * Y + y];
                    EXPECT_DOUBLE_EQ(t.spent[y], counties) << what << " year " << y;
                }
                double grants = 0;
                for (std::size_t b = 0; b < t.base_named_on.size(); ++b) {
                    if (t.base_named_on[b] == never) {
                        EXPECT_EQ(t.base_grant_cny[b], 0) << what;
                        continue;
                    }
                    ++named;
                    grants += t.base_grant_cny[b];
                    const double tier = t.base_demonstration[b] ? 300000 : 150000;
                    if (std::string(shortfall_rule) == "reduce") {
                        EXPECT_GE(t.base_grant_cny[b], 100000) << what;
                        EXPECT_LE(t.base_grant_cny[b], tier) << what;
                    } else {
                        EXPECT_EQ(t.base_grant_cny[b], tier) << what;
                    }
                }
                EXPECT_NEAR(grants, total(t.spent, 0, Y), 1.0) << what;
                for (std::size_t row = 0; row < L.rows; ++row) {
                    EXPECT_EQ(row_series(t, L, "grants_cny", row), row_series(t, L, "matches_cny", row)) << what;
                }
                EXPECT_NEAR(row_series(t, L, "grants_cny", L.all_row()).back(), total(t.spent, 0, Y), 1.0) << what;
            }
            EXPECT_GT(shortfall, 0) << shortfall_rule << "/" << exhausted << ": the cut budgets should bind";
            EXPECT_GT(named, 0);
        }
}

namespace {

// ---- random scenarios ---------------------------------------------------------------

/// 0 or 1 a fifth of the time each, else uniform (three decimals).
double random_probability(Rng& r) {
    const double u = r.uniform();
    if (u < 0.2) return 0;
    if (u < 0.4) return 1;
    return std::round(r.uniform() * 1000) / 1000;
}

std::string random_days(Rng& r, int least, int most) {
    const auto a = r.integer(least, most);
    return fmt::format("[{}, {}]", a, a + r.integer(0, most));
}

/// `k` shares summing to 1 (twentieths), as a YAML mapping of `names`.
std::string random_shares(Rng& r, const std::vector<std::string>& names) {
    std::vector<int> parts(names.size(), 0);
    for (int i = 0; i < 20; ++i) ++parts[static_cast<std::size_t>(r.integer(0, static_cast<std::int64_t>(names.size()) - 1))];
    std::string out = "{";
    for (std::size_t i = 0; i < names.size(); ++i) out += fmt::format("{}{}: {}", i ? ", " : "", names[i], parts[i] / 20.0);
    return out + "}";
}

const char* random_rule(Rng& r) {
    static const char* rules[] = {"wait", "enterprise_pays", "not_built"};
    return rules[r.integer(0, 2)];
}

/// A stations scenario over three units with 40 projects of six firms.
Scenario random_stations(const TempDir& dir, Rng& r) {
    std::string csv = kProjectsHeader;
    for (int j = 0; j < 40; ++j) {
        const Date start = D("2022-06-01") + static_cast<std::int32_t>(r.integer(0, 760));
        const Date end = start + static_cast<std::int32_t>(r.integer(60, 900));
        csv += fmt::format("R{:03d},项目{},企业{},{},,{},{},{},{},,,,{}\n", j, j, r.integer(0, 5),
                           r.bernoulli(0.5) ? "housing" : "municipal", start.iso(), end.iso(), r.integer(20, 200),
                           r.integer(1, 50) * 1000000, lonlat(static_cast<int>(r.integer(0, 2)), j));
    }
    const std::string arrivals = r.bernoulli(0.3) ? "from_data" : fmt::format("{:.2f}", r.uniform(0, 8));
    const std::string yaml = fmt::format(
        R"(name: random-stations
run: {{seed: {}, replications: 3, start: 2023-07-01, end: 2025-12-31}}
region: {{name: 随机市}}
units: {{path: units.geojson, id_field: adcode, name_field: name_zh}}
projects: {{path: projects.csv, coords: wgs84}}
programme:
  name: random
  kind: stations
  phases:
    - {{name: mobilisation, start: 2023-07-01, end: 2023-08-31}}
    - {{name: pilot,        start: 2023-09-01, end: 2024-06-30}}
    - {{name: promotion,    start: 2024-07-01, end: 2024-12-31}}
    - {{name: full_rollout, start: 2025-01-01, end: 2025-12-31}}
  eligibility: {{min_workforce: {}, min_duration_months: {}}}
  station_standard: {{min_area_m2: 20, elements: [facilities, staff]}}
  targets:
    - {{id: built-2024, measure: stations_built, deadline: 2024-12-31, required: {{default: {}}}}}
    - {{id: built-all, measure: stations_built, unit: all, deadline: 2025-12-31, required: {}}}
    - {{id: share, measure: share_eligible_with_station, from: 2025-01-01, required: 1.0, grace_days: {}}}
behaviour:
  as_of: 2023-07-01
  arrivals: {{per_year: {}, history_months: 12}}
  completion_delay_days: [0, {}]
  adoption:
    phases: {{mobilisation: {}, pilot: {}, promotion: {}, full_rollout: {}}}
    enterprise_has_station: {:.2f}
  plan_days: {}
  construct_days: {}
  area_m2: [10, {}]
  standard_pass: {{facilities: {}, staff: {}}}
  fix_probability: {}
  fix_days: {}
  relocate_probability: {}
  relocate_days: {}
costs:
  area_cny_per_m2: {}
  equipment_cny: {}
  monthly_cny: {}
  relocate_share: {}
  setup_paid_by: {}
  running_paid_by: {}
budgets:
  on_exhausted: {}
  payers:
    - {{id: enterprise, annual_cny: unlimited}}
    - {{id: union, annual_cny: {}}}
    - {{id: city_fund, annual_cny: {}, years: {{2023: {}}}}}
    - {{id: district, per_unit: true, annual_cny: {}, units: {{"440703": {}}}}}
)",
        r.integer(1, 1'000'000'000), r.integer(0, 120), r.integer(0, 12), r.integer(0, 5), r.integer(0, 30),
        r.integer(0, 120), arrivals, r.integer(0, 200), random_probability(r), random_probability(r),
        random_probability(r), random_probability(r), r.uniform(0.5, 2.0), random_days(r, 1, 40),
        random_days(r, 1, 60), r.integer(10, 50), random_probability(r), random_probability(r), random_probability(r),
        random_days(r, 1, 60), random_probability(r), random_days(r, 1, 30), r.integer(100, 500),
        r.integer(0, 20000), r.integer(0, 1500), random_probability(r),
        random_shares(r, {"enterprise", "union", "city_fund", "district"}),
        random_shares(r, {"enterprise", "union", "district"}), random_rule(r), r.integer(0, 300000),
        r.integer(0, 500000), r.integer(0, 200000), r.integer(0, 200000), r.integer(0, 100000));
    return load_fixture(dir, 3, "projects.csv", csv, yaml);
}

/// A bases scenario over three units with 20 candidates.
Scenario random_bases(const TempDir& dir, Rng& r) {
    static const char* industries[] = {"machinery", "electronics", "textiles", "food", "ceramics"};
    static const char* attributes[] = {"government", "industry", "other"};
    std::string csv = kBasesHeader;
    for (int j = 0; j < 20; ++j)
        csv += fmt::format("B{:03d},基地{},{},{},{},,{},{:.3f},{},{},{},,,,{}\n", j, j, attributes[r.integer(0, 2)],
                           static_cast<char>('A' + r.integer(0, 3)), industries[r.integer(0, 4)], r.integer(200, 1200),
                           r.uniform(0.1, 0.4), r.integer(0, 3), r.bernoulli(0.2) ? 1 : 0,
                           r.bernoulli(0.5) ? "existing" : "new", lonlat(static_cast<int>(r.integer(0, 2)), j));
    std::string stages;
    const auto n_stages = r.integer(0, 4);
    static const char* names[] = {"county_review", "city_review", "office_meeting", "public_notice"};
    for (std::int64_t k = 0; k < n_stages; ++k)
        stages += fmt::format("\n    - {{stage: {}, days: {}, working_days: {}, pass: {}, pass_ineligible: {}}}", names[k],
                              random_days(r, 1, 40), r.bernoulli(0.5) ? "true" : "false", random_probability(r),
                              random_probability(r));
    const auto quota = r.integer(0, 20);
    static const char* shortfall[] = {"defer", "reduce", "drop"};
    static const double ratios[] = {0.5, 1.0, 1.5};
    const std::string city = r.bernoulli(0.2) ? "unlimited" : std::to_string(r.integer(0, 2'000'000));
    const std::string yaml = fmt::format(
        R"(name: random-bases
run: {{seed: {}, replications: 3, start: 2020-03-04, end: 2022-12-31}}
region: {{name: 随机市}}
units: {{path: units.geojson, id_field: adcode, name_field: name_zh}}
bases: {{path: bases.csv, coords: wgs84}}
programme:
  name: random
  kind: bases
  first_year: 2020
  rounds: {}
  application_due: {:02d}-{:02d}
  focus_industries: [machinery, electronics, textiles]
  quota: {{bases: {}, demonstration: {}}}
  base_eligibility: {{min_trainees: 400, min_senior_share: 0.2, min_equipment_sets: 1}}
  review: {}
  grants:
    min_cny: 100000
    max_cny: 300000
    tiers: [{{name: demonstration, cny: 300000}}, {{name: standard, cny: {}}}]
    county_match: {}
    on_county_shortfall: {}
  targets:
    - {{id: named, measure: bases_named, unit: all, deadline: 2022-12-31, required: {}}}
    - {{id: demo, measure: demo_bases_named, unit: all, deadline: 2021-12-31, required: {}}}
    - {{id: focus, measure: focus_industries_covered, deadline: 2022-12-31, required: 1}}
behaviour:
  apply: {{existing: {}, new: {}, recognised: {}}}
  reapply: {}
  ramp_up: [0.5, 1.0]
budgets:
  on_exhausted: {}
  payers:
    - {{id: city, annual_cny: {}}}
    - {{id: county, per_unit: true, annual_cny: {}, units: {{"440704": {}}}}}
)",
        r.integer(1, 1'000'000'000), r.integer(1, 3), r.integer(3, 9), r.integer(1, 28), quota, r.integer(0, quota),
        n_stages ? stages : std::string("[]"), r.integer(10, 30) * 10000, ratios[r.integer(0, 2)],
        shortfall[r.integer(0, 2)], r.integer(0, 20), r.integer(0, 5), random_probability(r), random_probability(r),
        random_probability(r), random_probability(r), r.bernoulli(0.5) ? "wait" : "not_built", city, r.integer(0, 600000), r.integer(0, 300000));
    return load_fixture(dir, 3, "bases.csv", csv, yaml);
}

void expect_non_decreasing(const Trajectory& t, const Layout& L, const std::string& metric, const std::string& what) {
    for (std::size_t row = 0; row < L.rows; ++row) {
        const auto v = row_series(t, L, metric, row);
        for (std::size_t m = 1; m < v.size(); ++m)
            EXPECT_GE(v[m], v[m - 1]) << what << ": " << metric << " row " << row << " falls at " << L.months[m].iso();
    }
}

void expect_station_invariants(const Scenario& s, const Trajectory& t, const Layout& L,
                               const std::vector<StatusChange>& log, const std::string& what) {
    expect_money_conserved(t, L, what);
    for (float v : t.series) EXPECT_GE(v, 0) << what;
    expect_non_decreasing(t, L, "stations_built", what);
    expect_non_decreasing(t, L, "cost_cny", what);
    for (float v : row_series(t, L, "share_with_station", L.all_row())) EXPECT_LE(v, 1) << what;
    std::map<std::uint32_t, std::uint8_t> status;
    std::vector<std::int32_t> first_built(s.sites.projects.size(), never);
    Date prev_date = s.run.start;
    for (const auto& c : log) {
        EXPECT_GE(c.date, prev_date) << what << ": log out of date order at " << str(c);
        prev_date = c.date;
        const std::uint8_t before = status.count(c.site) ? status[c.site] : 0;
        EXPECT_EQ(c.from, before) << what << ": " << str(c);
        EXPECT_GT(c.to, c.from) << what << ": a station status went backwards: " << str(c);
        if (c.to == static_cast<std::uint8_t>(StationStatus::abandoned)) {
            EXPECT_EQ(c.from, 0) << what << ": abandoned from none only: " << str(c);
        }
        status[c.site] = c.to;
        if (c.to == static_cast<std::uint8_t>(StationStatus::built) && c.site < first_built.size() && first_built[c.site] == never)
            first_built[c.site] = c.date.days();
    }
    EXPECT_EQ(t.project_built_on, first_built) << what;
}

void expect_base_invariants(const Scenario& s, const Trajectory& t, const Layout& L, const std::vector<StatusChange>& log,
                            const std::string& what) {
    expect_money_conserved(t, L, what);
    for (float v : t.series) EXPECT_GE(v, 0) << what;
    for (const char* m : {"bases_named", "demo_bases_named", "focus_industries_covered", "grants_cny", "matches_cny"})
        expect_non_decreasing(t, L, m, what);
    std::vector<std::uint8_t> status(s.sites.bases.size(), static_cast<std::uint8_t>(BaseStatus::candidate));
    std::vector<std::int32_t> named_on(s.sites.bases.size(), never);
    const auto named = static_cast<std::uint8_t>(BaseStatus::named), dropped = static_cast<std::uint8_t>(BaseStatus::dropped);
    for (const auto& c : log) {
        ASSERT_LT(c.site, status.size()) << what;
        EXPECT_EQ(c.from, status[c.site]) << what << ": " << str(c);
        EXPECT_NE(c.from, named) << what << ": a named base changed: " << str(c);
        EXPECT_NE(c.from, dropped) << what << ": a dropped base changed: " << str(c);
        EXPECT_NE(c.to, static_cast<std::uint8_t>(BaseStatus::candidate)) << what << ": " << str(c);
        EXPECT_NE(c.to, c.from) << what << ": " << str(c);
        status[c.site] = c.to;
        if (c.to == named) named_on[c.site] = c.date.days();
    }
    EXPECT_EQ(t.base_named_on, named_on) << what;
    // Quotas, and money: the city pays the grants, each county ratio x its bases' grants.
    int n_named = 0, n_demo = 0;
    double grants = 0;
    std::vector<double> by_unit(s.region.units().size(), 0);
    for (std::size_t b = 0; b < named_on.size(); ++b) {
        if (named_on[b] == never) {
            EXPECT_EQ(t.base_grant_cny[b], 0) << what;
            continue;
        }
        ++n_named;
        n_demo += t.base_demonstration[b];
        grants += t.base_grant_cny[b];
        by_unit[s.sites.bases[b].unit] += t.base_grant_cny[b];
    }
    EXPECT_LE(n_named, s.programme.quota_bases) << what;
    EXPECT_LE(n_demo, s.programme.quota_demonstration) << what;
    const auto Y = static_cast<std::size_t>(L.years);
    EXPECT_NEAR(total(t.spent, 0, Y), grants, 1e-6 * grants + 1) << what;
    const double ratio = s.programme.grants.county_match_ratio;
    for (std::size_t p = 1; p < L.payers.size(); ++p) {
        const auto u = s.region.find(s.budgets.payers[p].unit);
        ASSERT_TRUE(u) << what;
        EXPECT_NEAR(total(t.spent, p * Y, (p + 1) * Y), ratio * by_unit[*u], 1e-6 * ratio * by_unit[*u] + 1)
            << what << " " << L.payers[p];
    }
    EXPECT_EQ(row_series(t, L, "bases_named", L.all_row()).back(), n_named) << what;  // the horizon ends on a month end
}

/// Each site's status at the end of the report date, as the trajectory
/// records it, is the one its status log gives (the forms count these).
/// Returns the sites whose status is not the first one.
int expect_site_status_as_logged(const Trajectory& t, std::size_t sites, const std::vector<StatusChange>& log, Date report,
                                 const std::string& what) {
    EXPECT_EQ(t.site_status.size(), sites) << what;
    if (t.site_status.size() != sites) return 0;
    const StatusHistory h(sites, log);
    int moved = 0;
    for (std::size_t i = 0; i < sites; ++i) {
        EXPECT_EQ(t.site_status[i], h.at(i, report)) << what << " site " << i;
        moved += t.site_status[i] != 0;
    }
    return moved;
}

}  // namespace

// 40 random scenarios (20 of each kind), 3 replications each.
TEST(Simulate, Invariants_holdOnRandomScenarios) {
    Rng r(20240615);
    int built = 0, named = 0, moved = 0;
    for (int i = 0; i < 20; ++i) {
        {
            TempDir dir;
            const Scenario s = random_stations(dir, r);
            const Simulator sim(s);
            for (std::uint64_t k = 0; k < 3; ++k) {
                std::vector<StatusChange> log;
                const Trajectory t = sim.run(k, &log);
                expect_station_invariants(s, t, sim.layout(), log, fmt::format("stations scenario {} replication {}", i, k));
                moved += expect_site_status_as_logged(t, s.sites.projects.size(), log, s.run.report_date, fmt::format("stations scenario {} replication {}", i, k));
                built += static_cast<int>(row_series(t, sim.layout(), "stations_built", sim.layout().all_row()).back());
            }
        }
        {
            TempDir dir;
            const Scenario s = random_bases(dir, r);
            const Simulator sim(s);
            for (std::uint64_t k = 0; k < 3; ++k) {
                std::vector<StatusChange> log;
                const Trajectory t = sim.run(k, &log);
                expect_base_invariants(s, t, sim.layout(), log, fmt::format("bases scenario {} replication {}", i, k));
                moved += expect_site_status_as_logged(t, s.sites.bases.size(), log, s.run.report_date, fmt::format("bases scenario {} replication {}", i, k));
                named += static_cast<int>(row_series(t, sim.layout(), "bases_named", sim.layout().all_row()).back());
            }
        }
    }
    // The generator must produce scenarios where things happen.
    EXPECT_GT(built, 0);
    EXPECT_GT(named, 0);
    EXPECT_GT(moved, 0);
}
