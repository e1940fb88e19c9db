// The bases model (Quanzhou): annual rounds, the review pipeline on the
// working-day calendar, a quota per round, city grants matched by the county
// unions, and trainees after naming. See simulate.hpp.
#include <algorithm>
#include <cmath>

#include "simulate/detail/sim.hpp"
#include "tisheng/model/ids.hpp"

namespace tisheng::detail {

namespace {

enum EventType : std::uint8_t { ROUND, REJECT, PLAQUE, RETRY };
enum Metric : std::size_t { NAMED, DEMO, IN_REVIEW, TRAINEES, SENIOR, GRANTS, MATCHES, FOCUS };
// Keyed draws (see simulate_stations.cpp): per base and round, per county
// and round, per stage and round.
enum Purpose : std::uint64_t { P_APPLY = 101, P_COUNTY_DAYS, P_STAGE_DAYS, P_VERDICT };

struct Base {
    BaseStatus status = BaseStatus::candidate;
    int rejections = 0;
    int round = -1;
    bool eligible = false, focus = false, demonstration = false;
    std::int32_t named_on = never;
    double grant = 0;
};

class BasesRun {
public:
    BasesRun(const Scenario& s, const Layout& layout, const std::vector<Checkpoint>& cps, const CoveragePrep& cov,
             std::uint64_t replication, Trajectory& out, std::vector<StatusChange>* log)
        : m_s(s), m_p(s.programme), m_b(s.behaviour.bases), m_layout(layout), m_cps(cps), m_cov_prep(cov), m_cov(cov.tracker(true)),
          m_seed(s.run.seed), m_rep(replication), m_out(out),
          m_log(log), m_ledger(layout, s.budgets, out), m_cal(WorkCalendar::china()), m_q(s.run.start.days(), s.run.end.days()) {
        const auto& sites = s.sites.bases;
        m_bases.resize(sites.size());
        for (std::size_t i = 0; i < sites.size(); ++i) {
            m_bases[i].eligible = is_eligible(sites[i], m_p.base_eligibility);
            m_bases[i].focus = std::find(m_p.focus_industries.begin(), m_p.focus_industries.end(), sites[i].industry) !=
                               m_p.focus_industries.end();
        }
        // A plan as the selection policy: its rank and tier per base.
        m_plan_rank.assign(sites.size(), -1);
        m_plan_demo.assign(sites.size(), 0);
        const auto& plan = m_b.selection_plan;
        for (std::size_t k = 0; k < plan.size(); ++k)
            for (std::size_t i = 0; i < sites.size(); ++i)
                if (sites[i].id == plan[k].first && m_plan_rank[i] < 0) {
                    m_plan_rank[i] = static_cast<int>(k);
                    m_plan_demo[i] = plan[k].second == "demonstration";
                }
        m_county_of_unit.assign(s.region.units().size(), 0);
        for (std::size_t i = 0; i < s.budgets.payers.size(); ++i) {
            const Payer& p = s.budgets.payers[i];
            if (p.id == m_p.grants.city_payer) m_city = i;
            if (auto line = parse_payer_line(p.id); line && line->payer == m_p.grants.county_payer)
                if (auto u = s.region.find(line->unit)) m_county_of_unit[*u] = i;
        }
    }

    void run() {
        begin_record(m_layout, m_out);
        for (int r = 0; r < m_p.rounds; ++r) {
            const Date due = Date::from_ymd(m_p.first_year + r, m_p.application_due_month, m_p.application_due_day);
            if (due >= m_s.run.start && due <= m_s.run.end) m_q.push(due.days(), ROUND, static_cast<std::uint32_t>(r));
        }
        run_events(
            m_q, m_cps,
            [&](const Event& e) {
                m_today = e.day;
                handle(e);
            },
            [&](const Checkpoint& cp) { checkpoint(cp); });
        m_out.base_named_on.resize(m_bases.size());
        m_out.base_grant_cny.resize(m_bases.size());
        m_out.base_demonstration.resize(m_bases.size());
        for (std::size_t i = 0; i < m_bases.size(); ++i) {
            m_out.base_named_on[i] = m_bases[i].named_on;
            m_out.base_grant_cny[i] = static_cast<float>(m_bases[i].grant);
            m_out.base_demonstration[i] = m_bases[i].demonstration;
        }
        m_out.site_open_at_end.resize(m_bases.size());
        for (std::size_t i = 0; i < m_bases.size(); ++i) m_out.site_open_at_end[i] = m_bases[i].status == BaseStatus::named;
        finish_coverage(m_cov, m_cov_prep.industries, m_out);
    }

private:
    void set_status(std::uint32_t i, BaseStatus to) {
        if (m_log) m_log->push_back({Date::from_days(m_today), i, static_cast<std::uint8_t>(m_bases[i].status), static_cast<std::uint8_t>(to)});
        m_bases[i].status = to;
        if (to == BaseStatus::named) m_cov.open(i);
    }

    // The last day of a stage of `n` days starting on `start`.
    Date stage_end(const ReviewStage& st, Date start, int n) const {
        if (!st.working_days) return start + (n - 1);
        return m_cal.add_working_days(start, m_cal.is_workday(start) ? n - 1 : n);
    }

    Date next_workday(Date d) const { return m_cal.is_workday(d) ? d : m_cal.add_working_days(d, 1); }

    // Applications, then the pipeline's durations and verdicts, all drawn now:
    // the first stage is each county union's own review (one duration per
    // county); later stages run city-wide on the round's batch.
    void start_round(int round) {
        const auto& sites = m_s.sites.bases;
        std::vector<std::uint32_t> applicants;
        for (std::uint32_t i = 0; i < m_bases.size(); ++i) {
            Base& b = m_bases[i];
            if (b.status != BaseStatus::candidate && b.status != BaseStatus::rejected && b.status != BaseStatus::not_selected &&
                b.status != BaseStatus::ineligible)
                continue;
            double p = sites[i].recognised ? m_b.apply_recognised : sites[i].existing ? m_b.apply_existing : m_b.apply_new;
            p *= std::pow(m_b.reapply, b.rejections);
            if (!rng(P_APPLY, i, static_cast<std::uint64_t>(round)).bernoulli(p)) continue;
            b.round = round;
            set_status(i, BaseStatus::in_review);
            applicants.push_back(i);
        }
        if (m_p.review.empty()) {
            m_q.push(next_workday(Date::from_days(m_today)).days(), PLAQUE, static_cast<std::uint32_t>(round));
            return;
        }
        const Date due = Date::from_days(m_today);
        std::vector<std::int32_t> county_end(m_s.region.units().size(), never);
        Date last = due;
        for (std::uint32_t i : applicants) {
            auto& e = county_end[sites[i].unit];
            if (e == never) {
                Rng r = rng(P_COUNTY_DAYS, sites[i].unit, static_cast<std::uint64_t>(round));
                e = stage_end(m_p.review[0], due + 1, draw_days(r, m_p.review[0].days)).days();
                last = std::max(last, Date::from_days(e));
            }
        }
        std::vector<std::int32_t> ends{0};  // per stage, for stages after the first
        Date start = last + 1;
        for (std::size_t k = 1; k < m_p.review.size(); ++k) {
            Rng r = rng(P_STAGE_DAYS, k, static_cast<std::uint64_t>(round));
            Date end = stage_end(m_p.review[k], start, draw_days(r, m_p.review[k].days));
            ends.push_back(end.days());
            start = end + 1;
        }
        for (std::uint32_t i : applicants) {
            Rng verdicts = rng(P_VERDICT, i, static_cast<std::uint64_t>(round));
            for (std::size_t k = 0; k < m_p.review.size(); ++k) {
                const ReviewStage& st = m_p.review[k];
                // One draw per stage whatever the pass rate, so that relaxing
                // one stage leaves the others' verdicts as they were.
                if (verdicts.uniform() < (m_bases[i].eligible ? st.pass_probability : st.pass_probability_ineligible)) continue;
                m_q.push(k == 0 ? county_end[sites[i].unit] : ends[k], REJECT, i);
                break;
            }
        }
        m_q.push(next_workday(start).days(), PLAQUE, static_cast<std::uint32_t>(round));
    }

    double tier(const char* name, double fallback) const {
        for (const auto& t : m_p.grants.tiers)
            if (t.name == name) return t.cny;
        return fallback;
    }

    // Grant and county match; names the base, or leaves it waiting, or drops it.
    void fund(std::uint32_t i) {
        Base& b = m_bases[i];
        const Date today = Date::from_days(m_today);
        const auto& g = m_p.grants;
        double grant = b.demonstration ? tier("demonstration", g.max_cny) : tier("standard", g.min_cny);
        const std::size_t county = m_county_of_unit[m_s.sites.bases[i].unit];
        const double city_avail = m_ledger.available(m_city, today);
        if (city_avail < grant) {
            m_ledger.record_short(m_city, today, grant - city_avail);
            wait_or_drop(i, m_s.budgets.on_exhausted == ExhaustedRule::not_built);
            return;
        }
        const double county_avail = m_ledger.available(county, today);
        if (county_avail < grant * g.county_match_ratio) {
            m_ledger.record_short(county, today, grant * g.county_match_ratio - county_avail);
            if (g.on_county_shortfall == ShortfallRule::reduce && county_avail / g.county_match_ratio >= g.min_cny) {
                grant = county_avail / g.county_match_ratio;
            } else {
                wait_or_drop(i, g.on_county_shortfall != ShortfallRule::defer);
                return;
            }
        }
        m_ledger.spend(m_city, today, grant);
        m_ledger.spend(county, today, grant * g.county_match_ratio);
        m_grants += grant;
        m_matches += grant * g.county_match_ratio;
        b.grant = grant;
        b.named_on = m_today;
        set_status(i, BaseStatus::named);
    }

    void wait_or_drop(std::uint32_t i, bool drop) {
        if (drop) {
            set_status(i, BaseStatus::dropped);
            return;
        }
        if (m_bases[i].status != BaseStatus::awaiting_funds) set_status(i, BaseStatus::awaiting_funds);
        const Date jan = next_workday(Date::from_ymd(Date::from_days(m_today).year() + 1, 1, 1));
        if (jan <= m_s.run.end) m_q.push(jan.days(), RETRY, i);
    }

    int count(bool (*pred)(const Base&)) const {
        int n = 0;
        for (const auto& b : m_bases) n += pred(b);
        return n;
    }

    // The round's survivors: recognised first, then by trainees (or in the
    // selection plan's order, leaving out those it does not name); named up
    // to what is left of the quota spread over the rounds left.
    void plaque(int round) {
        const auto& sites = m_s.sites.bases;
        const bool planned = !m_b.selection_plan.empty();
        std::vector<std::uint32_t> pass;
        for (std::uint32_t i = 0; i < m_bases.size(); ++i) {
            if (m_bases[i].round != round || m_bases[i].status != BaseStatus::in_review) continue;
            if (planned && m_plan_rank[i] < 0) set_status(i, BaseStatus::not_selected);
            else pass.push_back(i);
        }
        std::stable_sort(pass.begin(), pass.end(), [&](std::uint32_t a, std::uint32_t b) {
            if (planned) return m_plan_rank[a] < m_plan_rank[b];
            if (sites[a].recognised != sites[b].recognised) return sites[a].recognised;
            return sites[a].annual_trainees > sites[b].annual_trainees;
        });
        // Per round: what is left of the quota, or (per_round: even) that
        // spread over the rounds left.
        const int left = m_p.round_cap == Programme::RoundCap::even ? std::max(1, m_p.rounds - round) : 1;
        auto cap = [&](int quota, int so_far) { return std::max(0, (quota - so_far + left - 1) / left); };
        const int taken = count([](const Base& b) { return b.status == BaseStatus::named || b.status == BaseStatus::awaiting_funds; });
        const int demo_taken = count([](const Base& b) {
            return b.demonstration && (b.status == BaseStatus::named || b.status == BaseStatus::awaiting_funds);
        });
        const int n = cap(m_p.quota_bases, taken), n_demo = cap(m_p.quota_demonstration, demo_taken);
        int demos = 0;
        for (std::size_t k = 0; k < pass.size(); ++k) {
            if (static_cast<int>(k) >= n) {
                set_status(pass[k], BaseStatus::not_selected);
                continue;
            }
            const bool wants_demo = planned ? m_plan_demo[pass[k]] != 0 : true;
            m_bases[pass[k]].demonstration = wants_demo && demos < n_demo;
            demos += m_bases[pass[k]].demonstration;
            fund(pass[k]);
        }
    }

    void handle(const Event& e) {
        switch (e.type) {
            case ROUND: start_round(static_cast<int>(e.id)); return;
            case REJECT:
                if (m_bases[e.id].status != BaseStatus::in_review) return;
                ++m_bases[e.id].rejections;
                set_status(e.id, m_bases[e.id].eligible ? BaseStatus::rejected : BaseStatus::ineligible);
                return;
            case PLAQUE: plaque(static_cast<int>(e.id)); return;
            case RETRY:
                if (m_bases[e.id].status == BaseStatus::awaiting_funds) fund(e.id);
                return;
            default: assert(false);
        }
    }

    [[nodiscard]] bool in_scope(std::size_t i, std::int32_t unit) const {
        return unit < 0 || m_s.sites.bases[i].unit == static_cast<UnitIndex>(unit);
    }

    [[nodiscard]] double measure(Measure m, std::int32_t unit) const {
        const auto& sites = m_s.sites.bases;
        double n = 0;
        std::vector<std::string> industries;
        for (std::size_t i = 0; i < m_bases.size(); ++i) {
            if (!in_scope(i, unit)) continue;
            const Base& b = m_bases[i];
            if (b.status != BaseStatus::named) continue;
            if (m == Measure::bases_named) n += 1;
            if (m == Measure::demo_bases_named && b.demonstration) n += 1;
            if (m == Measure::focus_industries_covered && b.focus &&
                std::find(industries.begin(), industries.end(), sites[i].industry) == industries.end())
                industries.push_back(sites[i].industry);
        }
        return m == Measure::focus_industries_covered ? static_cast<double>(industries.size()) : n;
    }

    void checkpoint(const Checkpoint& cp) {
        m_today = cp.day;
        if (cp.month >= 0) {
            record_month(static_cast<std::size_t>(cp.month));
            record_first_met(m_layout, cp.day, m_out, [&](const Check& c) { return measure(m_p.targets[c.target].measure, c.unit); });
        }
        for (std::size_t ci : cp.checks) {
            const Check& c = m_layout.checks[ci];
            const double value = measure(m_p.targets[c.target].measure, c.unit);
            record_check(m_out.checks[ci], c, value, c.required - value);
        }
        if (cp.report) {
            m_out.site_status.clear();
            for (const Base& b : m_bases) {
                ++m_out.report_status[static_cast<std::size_t>(b.status)];
                m_out.site_status.push_back(static_cast<std::uint8_t>(b.status));
            }
        }
    }

    void record_month(std::size_t month) {
        const auto& sites = m_s.sites.bases;
        const std::size_t rows = m_layout.rows;
        std::vector<double> v(m_layout.metrics.size() * rows, 0);
        auto add = [&](Metric m, std::size_t unit, double x) {
            if (m_layout.per_unit_series()) v[m * rows + unit] += x;
            v[m * rows + m_layout.all_row()] += x;
        };
        std::vector<std::vector<std::string>> industries(rows);
        for (std::size_t i = 0; i < m_bases.size(); ++i) {
            const Base& b = m_bases[i];
            const std::size_t u = sites[i].unit;
            if (b.status == BaseStatus::in_review || b.status == BaseStatus::awaiting_funds) add(IN_REVIEW, u, 1);
            if (b.status != BaseStatus::named) continue;
            add(NAMED, u, 1);
            add(DEMO, u, b.demonstration);
            const auto year = static_cast<std::size_t>((m_today - b.named_on) / 365.2425);
            const double trainees = sites[i].annual_trainees * m_b.ramp_up[std::min(year, m_b.ramp_up.size() - 1)];
            add(TRAINEES, u, trainees);
            add(SENIOR, u, trainees * sites[i].senior_share);
            if (b.focus)
                for (std::size_t row : {m_layout.per_unit_series() ? u : m_layout.all_row(), m_layout.all_row()}) {
                    auto& list = industries[row];
                    if (std::find(list.begin(), list.end(), sites[i].industry) == list.end()) list.push_back(sites[i].industry);
                }
        }
        v[GRANTS * rows + m_layout.all_row()] = m_grants;
        v[MATCHES * rows + m_layout.all_row()] = m_matches;
        if (m_layout.per_unit_series())
            for (std::size_t i = 0; i < m_bases.size(); ++i) {
                v[GRANTS * rows + sites[i].unit] += m_bases[i].grant;
                v[MATCHES * rows + sites[i].unit] += m_bases[i].grant * m_p.grants.county_match_ratio;
            }
        for (std::size_t row = 0; row < rows; ++row) v[FOCUS * rows + row] = static_cast<double>(industries[row].size());
        for (std::size_t m = 0; m < m_layout.first_coverage_metric; ++m)
            for (std::size_t row = 0; row < rows; ++row)
                m_out.series[m_layout.series_index(m, row, month)] = static_cast<float>(v[m * rows + row]);
        record_coverage(m_cov, m_layout, month, m_out);
    }

    const Scenario& m_s;
    const Programme& m_p;
    const BaseBehaviour& m_b;
    const Layout& m_layout;
    const std::vector<Checkpoint>& m_cps;
    const CoveragePrep& m_cov_prep;
    coverage::ReachTracker m_cov;  // named bases reach the demand points
    [[nodiscard]] Rng rng(Purpose purpose, std::uint64_t entity, std::uint64_t n) const {
        return Rng::keyed(m_seed, m_rep, purpose, entity, n);
    }
    std::uint64_t m_seed, m_rep;
    Trajectory& m_out;
    std::vector<StatusChange>* m_log;
    Ledger m_ledger;
    const WorkCalendar& m_cal;
    EventQueue m_q;
    std::vector<Base> m_bases;
    std::size_t m_city = 0;
    std::vector<std::size_t> m_county_of_unit;
    std::vector<int> m_plan_rank;               // selection plan: position per base, -1 if not in it
    std::vector<std::uint8_t> m_plan_demo;      // planned as a demonstration base
    std::int32_t m_today = 0;
    double m_grants = 0, m_matches = 0;
};

}  // namespace

void run_bases(const Scenario& s, const Layout& layout, const std::vector<Checkpoint>& cps, const CoveragePrep& cov,
               std::uint64_t replication, Trajectory& out, std::vector<StatusChange>* log) {
    BasesRun(s, layout, cps, cov, replication, out, log).run();
}

}  // namespace tisheng::detail
