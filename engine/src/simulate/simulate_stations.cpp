// The stations model (Jiangmen): projects, adoption, the station life cycle,
// set-up and running costs, and the targets' checks. See simulate.hpp.
#include <algorithm>
#include <cmath>
#include <map>
#include <numbers>

#include "simulate/detail/sim.hpp"
#include "tisheng/core/error.hpp"
#include "tisheng/model/ids.hpp"

namespace tisheng::detail {

namespace {

constexpr double days_per_month = 365.2425 / 12;

enum EventType : std::uint8_t { START, END, DUE, ADOPT, RETRY, BUILD_START, BUILT, FIXED };

// What a draw is for: each project's (or unit's) draws of one purpose come
// from their own stream, keyed by replication, entity and purpose, so that
// relaxing a lever changes no other draw (counterfactual.hpp).
enum Purpose : std::uint64_t { P_DELAY = 1, P_ARRIVALS, P_ADOPT, P_AREA, P_PLAN, P_BUILD, P_STANDARD, P_RELOCATE, P_MOVE_DAYS };

// Resolves the payers of a cost's shares, per unit.
std::vector<StationsPrep::Share> resolve(const Scenario& s, const std::vector<CostShare>& shares) {
    std::map<std::string, std::uint32_t> index;
    for (std::size_t i = 0; i < s.budgets.payers.size(); ++i) index[s.budgets.payers[i].id] = static_cast<std::uint32_t>(i);
    std::vector<StationsPrep::Share> out;
    for (const auto& c : shares) {
        StationsPrep::Share sh;
        sh.share = c.share;
        for (const auto& u : s.region.units()) {
            auto it = index.find(c.payer);
            if (it == index.end()) it = index.find(to_string(PayerLine{c.payer, u.id}));  // a per-unit payer
            assert(it != index.end());
            sh.payer_by_unit.push_back(it->second);
        }
        out.push_back(std::move(sh));
    }
    return out;
}

}  // namespace

StationsPrep prepare_stations(const Scenario& s) {
    StationsPrep prep;
    const auto& projects = s.sites.projects;
    const auto& b = s.behaviour.stations;
    const std::size_t n_units = s.region.units().size();
    std::map<std::string, std::uint32_t> enterprises;
    prep.unit_projects.resize(n_units);
    std::vector<double> recent(n_units, 0);
    const Date history_from = b.as_of.add_months(-b.arrivals.history_months);
    for (std::uint32_t i = 0; i < projects.size(); ++i) {
        const auto& p = projects[i];
        prep.eligible.push_back(is_eligible(p, s.programme.eligibility));
        auto [it, fresh] = enterprises.emplace(p.enterprise, static_cast<std::uint32_t>(enterprises.size()));
        prep.enterprise.push_back(it->second);
        prep.unit_projects[p.unit].push_back(i);
        prep.planned_days.push_back(p.planned_end - p.start);
        if (p.start >= history_from && p.start < b.as_of) recent[p.unit] += 1;
    }
    prep.enterprises = enterprises.size();

    // Arrivals per unit and day: given, or the register's recent starts.
    const double history_days = b.as_of - history_from;
    for (std::size_t u = 0; u < n_units; ++u) {
        double per_year = recent[u] * 365.2425 / std::max(1.0, history_days);
        if (auto it = b.arrivals.per_year_by_unit.find(s.region.unit(static_cast<UnitIndex>(u)).id); it != b.arrivals.per_year_by_unit.end())
            per_year = it->second;
        else if (b.arrivals.per_year_default)
            per_year = *b.arrivals.per_year_default;
        prep.arrivals_per_day.push_back(per_year * b.arrivals.factor / 365.2425);
    }
    double arrivals = 0;
    for (std::size_t u = 0; u < n_units; ++u)
        if (!prep.unit_projects[u].empty()) arrivals += prep.arrivals_per_day[u] * std::max(0, s.run.end - b.as_of);
    prep.projects_reserved = projects.size() + static_cast<std::size_t>(arrivals + 4 * std::sqrt(arrivals)) + 16;

    // Adoption hazard: the phase's monthly probability as a daily rate.
    std::vector<std::pair<std::int32_t, double>> points;  // (day, rate from then on)
    for (const auto& ph : s.programme.phases) {
        auto it = b.adoption_by_phase.find(ph.name);
        double p = it == b.adoption_by_phase.end() ? 0.0 : it->second;
        double rate = p >= 1 ? 1e9 : -std::log(1.0 - p) / days_per_month;
        points.emplace_back(ph.start.days(), rate);
        points.emplace_back((ph.end + 1).days(), -1.0);  // closes the phase unless another starts
    }
    std::stable_sort(points.begin(), points.end(), [](auto& x, auto& y) { return x.first < y.first; });
    prep.adoption.start.push_back(std::numeric_limits<std::int32_t>::min());
    prep.adoption.rate.push_back(0);
    for (const auto& [day, rate] : points) {
        if (rate < 0) {  // phase end: zero unless a phase starting that day overrides
            if (prep.adoption.start.back() == day) continue;
            prep.adoption.start.push_back(day);
            prep.adoption.rate.push_back(0);
        } else if (prep.adoption.start.back() == day) {
            prep.adoption.rate.back() = rate;
        } else {
            prep.adoption.start.push_back(day);
            prep.adoption.rate.push_back(rate);
        }
    }

    const auto& c = s.behaviour.costs;
    for (const auto& el : s.programme.standard.elements)
        if (auto it = b.element_pass.find(el); it != b.element_pass.end()) prep.element_pass.push_back(it->second);
    prep.setup = resolve(s, c.setup_paid_by);
    if (prep.setup.size() > 127) throw Error("costs.setup_paid_by: at most 127 payers expected");  // Proj::waiting_share
    prep.running = resolve(s, c.running_paid_by);
    for (std::size_t i = 0; i < s.budgets.payers.size(); ++i)
        if (s.budgets.payers[i].id == "enterprise") prep.enterprise_payer = static_cast<std::int32_t>(i);
    for (const auto& t : s.programme.targets)
        if (t.measure == Measure::share_eligible_with_station) prep.grace_days = std::max(prep.grace_days, t.grace_days);
    return prep;
}

namespace {

enum Metric : std::size_t { BUILT_CUM, OPEN, PLANNED, UNDER_CONSTRUCTION, ELIGIBLE_ACTIVE, SHARE, COST };

// A project's state: 32 bytes, aligned, so that each event reads one cache
// line (a national replication has 1.7 M of them, read at random). Its
// start, read once, is in Trajectory::project_start.
struct alignas(32) Proj {
    std::int32_t end = 0;
    std::uint32_t unit = 0, enterprise = 0;
    std::uint32_t slot = 0;  // the register project it is (or copies): its place and workforce
    std::uint32_t gen = 0;
    float area = 0;
    std::uint32_t adopt_draws = 0;  // adoption days drawn so far (each from its own keyed stream)
    StationStatus status = StationStatus::none;
    std::int8_t waiting_share = -1;  // waiting for next year's budget of this set-up share's payer
    bool eligible : 1 = false, active : 1 = false, due : 1 = false, relocated : 1 = false;
    bool undecided : 1 = false;  // eligible, active, and has not yet decided to build
};
static_assert(sizeof(Proj) == 32);

class StationsRun {
public:
    StationsRun(const Scenario& s, const Layout& layout, const std::vector<Checkpoint>& cps, const StationsPrep& prep,
                const CoveragePrep& cov, std::uint64_t replication, Trajectory& out, std::vector<StatusChange>* log)
        : m_s(s), m_b(s.behaviour.stations), m_layout(layout), m_cps(cps), m_prep(prep), m_cov_prep(cov), m_cov(cov.tracker(false)),
          m_seed(s.run.seed), m_rep(replication), m_out(out),
          m_log(log), m_ledger(layout, s.budgets, out), m_units(s.region.units().size()), m_payers(s.budgets.payers.size()),
          m_q(s.run.start.days(), s.run.end.days()) {
        m_u.resize(m_units);
        m_ent_open.assign(prep.enterprises, 0);
        m_ent_waiting.resize(prep.enterprises);
        m_slot_stations.assign(s.sites.projects.size(), 0);
    }

    void run() {
        create_projects();
        begin_record(m_layout, m_out);
        run_events(
            m_q, m_cps,
            [&](const Event& e) {
                prefetch();
                m_today = e.day;
                handle(e);
            },
            [&](const Checkpoint& cp) { checkpoint(cp); });
        m_out.site_open_at_end.assign(CoverageModel::site_count(m_s), 0);
        for (std::size_t i = 0; i < m_slot_stations.size(); ++i) m_out.site_open_at_end[i] = m_slot_stations[i] > 0;
        m_cov.apply_marked();
        finish_coverage(m_cov, m_cov_prep.industries, m_out);
        m_out.demand_weight_at_end.resize(m_cov_prep.workers.size());
        for (std::uint32_t i = 0; i < m_cov_prep.workers.size(); ++i) m_out.demand_weight_at_end[i] = static_cast<float>(m_cov.weight(i));
    }

private:
    struct UnitState {
        int eligible_active = 0, eligible_seen = 0, due = 0, due_with = 0, undecided = 0;
        int built_cum = 0, open = 0, planned = 0, under_construction = 0, failed = 0;
        double cost = 0;
    };

    void create_projects() {
        const auto& reg = m_s.sites.projects;
        const DayRange delay = m_b.completion_delay;
        m_p.reserve(m_prep.projects_reserved);
        std::vector<std::int32_t>& start = m_out.project_start;
        start.clear();
        start.reserve(m_prep.projects_reserved);
        for (std::uint32_t i = 0; i < reg.size(); ++i) {
            Proj p;
            start.push_back(reg[i].start.days());
            Rng r = rng(P_DELAY, i);
            p.end = reg[i].planned_end.days() + draw_days(r, delay);
            p.unit = reg[i].unit;
            p.enterprise = m_prep.enterprise[i];
            p.eligible = m_prep.eligible[i];
            p.slot = i;
            m_p.push_back(p);
        }
        // Projects not in the register: Poisson arrivals per unit, each a
        // copy of a random register project of the unit with a new start.
        for (std::uint32_t u = 0; u < m_units; ++u) {
            const double rate = m_prep.arrivals_per_day[u];
            const auto& pool = m_prep.unit_projects[u];
            if (rate <= 0 || pool.empty()) continue;
            Rng arrivals = rng(P_ARRIVALS, u);
            double t = m_b.as_of.days();
            while (true) {
                t += arrivals.exponential(1.0 / rate);
                if (t > m_s.run.end.days()) break;
                const std::uint32_t tpl = pool[static_cast<std::size_t>(arrivals.integer(0, static_cast<std::int64_t>(pool.size()) - 1))];
                Proj p;
                start.push_back(static_cast<std::int32_t>(std::ceil(t)));
                p.end = start.back() + m_prep.planned_days[tpl] + draw_days(arrivals, delay);
                p.unit = u;
                p.slot = tpl;
                p.enterprise = m_prep.enterprise[p.slot];
                p.eligible = m_prep.eligible[p.slot];
                m_p.push_back(p);
            }
        }
        // Projects under way before the horizon enter on its first day.
        for (std::uint32_t i = 0; i < m_p.size(); ++i) m_q.push(std::max(start[i], m_s.run.start.days()), START, i);
        m_out.project_slot.resize(m_p.size());
        for (std::uint32_t i = 0; i < m_p.size(); ++i) m_out.project_slot[i] = m_p[i].slot;
    }

    // A national replication runs millions of events on projects in no
    // particular order, and each event would otherwise wait for its
    // project's record (and a start or end for its workers' weight) to come
    // from memory. Asking for them a few events ahead overlaps those waits.
    // Always inlined: GCC takes a function that only prefetches for one
    // without effects, and drops the call.
    [[gnu::always_inline]] void prefetch() const {
        if (const auto* e = m_q.ahead(16)) __builtin_prefetch(&m_p[e->id]);
        if (const auto* e = m_q.ahead(10); e && (e->type == START || e->type == END)) {
            prefetch_workers(m_p[e->id].slot, 1);
            if (e->type == START) __builtin_prefetch(&m_out.project_start[e->id]);
        }
        if (const auto* e = m_q.ahead(4); e && (e->type == START || e->type == END)) prefetch_workers(m_p[e->id].slot, 2);
    }

    void set_status(std::uint32_t i, StationStatus to) {
        Proj& p = m_p[i];
        assert(static_cast<int>(to) > static_cast<int>(p.status));
        if (m_log) m_log->push_back({Date::from_days(m_today), i, static_cast<std::uint8_t>(p.status), static_cast<std::uint8_t>(to)});
        UnitState& u = m_u[p.unit];
        if (p.status == StationStatus::planned) --u.planned;
        if (p.status == StationStatus::under_construction) --u.under_construction;
        if (p.status == StationStatus::failed_standard) --u.failed;
        if (p.status == StationStatus::built) {
            --u.open;
            if (--m_slot_stations[p.slot] == 0) m_cov.mark(p.slot, false);
            if (p.due) --u.due_with;
            if (--m_ent_open[p.enterprise] == 0) redraw_enterprise(p.enterprise);
        }
        p.status = to;
        if (to == StationStatus::planned) ++u.planned;
        if (to == StationStatus::under_construction) ++u.under_construction;
        if (to == StationStatus::failed_standard) ++u.failed;
        if (to == StationStatus::built) {
            ++u.built_cum;
            ++u.open;
            if (m_slot_stations[p.slot]++ == 0) m_cov.mark(p.slot, true);
            if (p.due) ++u.due_with;
            if (i < m_out.project_built_on.size() && m_out.project_built_on[i] == never) m_out.project_built_on[i] = m_today;
            if (m_ent_open[p.enterprise]++ == 0) redraw_enterprise(p.enterprise);
        }
    }

    // Workers on active projects are the demand of coverage, at their project's place.
    void add_workers(const Proj& p, double sign) {
        m_cov.set_weight(p.slot, m_cov.weight(p.slot) + sign * m_cov_prep.workers[p.slot]);
    }
    // The workers of register project `demand` (a Proj's `slot`), in the tracker's two steps.
    [[gnu::always_inline]] void prefetch_workers(std::uint32_t demand, int step) const {
        if (step == 1) __builtin_prefetch(&m_cov_prep.workers[demand]);
        m_cov.prefetch(demand, step);
    }

    void decide(std::uint32_t i, bool undecided) {
        Proj& p = m_p[i];
        if (p.undecided == undecided) return;
        p.undecided = undecided;
        m_u[p.unit].undecided += undecided ? 1 : -1;
    }

    [[nodiscard]] bool awaiting_station(const Proj& p) const {
        return p.active && p.eligible && p.status == StationStatus::none && p.waiting_share < 0;
    }

    void schedule_adoption(std::uint32_t i) {
        Proj& p = m_p[i];
        const double k = m_ent_open[p.enterprise] > 0 ? m_b.enterprise_has_station : 1.0;
        Rng r = rng(P_ADOPT, i, p.adopt_draws++);
        const std::int32_t day = m_prep.adoption.next(m_today, k, r);
        ++p.gen;  // any pending decision is void
        if (day < p.end) m_q.push(day, ADOPT, i, p.gen);
    }

    // The enterprise started or stopped running a station: its waiting
    // projects decide again at the new hazard (memoryless, so this is exact).
    void redraw_enterprise(std::uint32_t e) {
        if (m_b.enterprise_has_station == 1.0) return;
        auto& list = m_ent_waiting[e].in_order;
        std::size_t keep = 0;
        constexpr std::size_t ahead = 8;  // records asked for ahead: a big firm's list is thousands long
        for (std::size_t n = 0; n < std::min(ahead, list.size()); ++n) __builtin_prefetch(&m_p[list[n]]);
        for (std::size_t n = 0; n < list.size(); ++n) {
            if (n + ahead < list.size()) __builtin_prefetch(&m_p[list[n + ahead]]);
            const std::uint32_t i = list[n];
            if (!awaiting_station(m_p[i])) continue;
            list[keep++] = i;
            schedule_adoption(i);
        }
        list.resize(keep);
    }

    enum class Funding { funded, waiting, refused };

    // Asks each payer for its share of `cost`; applies the exhausted rule.
    // `short_share`: the set-up share whose payer fell shortest, or -1.
    Funding fund(std::uint32_t i, double cost, bool apply_rule, std::int32_t& short_share) {
        const Proj& p = m_p[i];
        const Date today = Date::from_days(m_today);
        short_share = -1;
        double most_short = 0;
        for (std::size_t k = 0; k < m_prep.setup.size(); ++k) {
            const auto& sh = m_prep.setup[k];
            const double need = sh.share * cost, avail = m_ledger.available(sh.payer_by_unit[p.unit], today);
            if (need > avail && need - avail > most_short) {
                most_short = need - avail;
                short_share = static_cast<std::int32_t>(k);
            }
        }
        if (short_share < 0) {
            for (const auto& sh : m_prep.setup) m_ledger.spend(sh.payer_by_unit[p.unit], today, sh.share * cost);
            return Funding::funded;
        }
        const ExhaustedRule rule = apply_rule ? m_s.budgets.on_exhausted : ExhaustedRule::not_built;
        for (const auto& sh : m_prep.setup) {
            const auto payer = sh.payer_by_unit[p.unit];
            const double need = sh.share * cost, avail = m_ledger.available(payer, today);
            if (need <= avail) {
                if (rule == ExhaustedRule::enterprise_pays) m_ledger.spend(payer, today, need);
                continue;
            }
            m_ledger.record_short(payer, today, need - avail);
            if (rule == ExhaustedRule::enterprise_pays) {
                m_ledger.spend(payer, today, avail);
                m_ledger.spend(static_cast<std::size_t>(m_prep.enterprise_payer), today, need - avail);
            }
        }
        if (rule == ExhaustedRule::enterprise_pays) return Funding::funded;
        return rule == ExhaustedRule::wait ? Funding::waiting : Funding::refused;
    }

    double setup_cost(const Proj& p) const { return p.area * m_s.behaviour.costs.area_cny_per_m2 + m_s.behaviour.costs.equipment_cny; }

    void try_to_start(std::uint32_t i) {
        Proj& p = m_p[i];
        std::int32_t short_share = -1;
        const double cost = setup_cost(p);
        p.waiting_share = -1;
        switch (fund(i, cost, true, short_share)) {
            case Funding::funded:
                m_u[p.unit].cost += cost;
                set_status(i, StationStatus::planned);
                {
                    Rng r = rng(P_PLAN, i);
                    m_q.push(m_today + draw_days(r, m_b.plan_days), BUILD_START, i);
                }
                break;
            case Funding::waiting: {
                p.waiting_share = static_cast<std::int8_t>(short_share);
                const std::int32_t jan1 = Date::from_ymd(Date::from_days(m_today).year() + 1, 1, 1).days();
                if (jan1 < p.end) m_q.push(jan1, RETRY, i);
                break;
            }
            case Funding::refused:
                set_status(i, StationStatus::abandoned);
                break;
        }
    }

    bool meets_standard(const Proj& p, Rng& r) {
        bool ok = p.area >= m_s.programme.standard.min_area_m2;
        for (double p_pass : m_prep.element_pass)
            if (!r.bernoulli(p_pass)) ok = false;
        return ok;
    }

    // The project ended: its station closes, and may move to the
    // enterprise's next project still waiting for one.
    void relocate(std::uint32_t from) {
        const Proj& src = m_p[from];
        auto& first = m_ent_waiting[src.enterprise].by_start;
        // The heap's next fronts are the children of its root: asked for
        // ahead, their records come in while the front is checked.
        auto next_fronts = [&] {
            for (std::size_t c = 1; c < std::min<std::size_t>(first.size(), 3); ++c) __builtin_prefetch(&m_p[first[c].project]);
        };
        next_fronts();
        while (!first.empty() && !awaiting_station(m_p[first.front().project])) {  // never waits again: drop
            std::pop_heap(first.begin(), first.end(), Waiting::later);
            first.pop_back();
            next_fronts();
        }
        if (first.empty()) return;
        const std::uint32_t to = first.front().project;
        Proj& dst = m_p[to];
        dst.area = src.area;
        std::int32_t short_share = -1;
        const double cost = m_s.behaviour.costs.relocate_share * setup_cost(dst);
        if (fund(to, cost, false, short_share) != Funding::funded) return;  // no money: it just closes
        m_u[dst.unit].cost += cost;
        dst.relocated = true;
        decide(to, false);
        ++dst.gen;  // the move replaces its own decision
        set_status(to, StationStatus::under_construction);
        Rng r = rng(P_MOVE_DAYS, to);
        m_q.push(m_today + draw_days(r, m_b.relocate_days), BUILT, to);
    }

    void handle(const Event& e) {
        const std::uint32_t i = e.id;
        Proj& p = m_p[i];
        UnitState& u = m_u[p.unit];
        switch (e.type) {
            case START:
                if (p.end < m_today) return;  // ended before the horizon
                p.active = true;
                add_workers(p, +1);
                m_q.push(p.end, END, i);
                if (!p.eligible) return;
                ++u.eligible_active;
                ++u.eligible_seen;
                decide(i, true);
                m_q.push(std::max(m_today, m_out.project_start[i] + m_prep.grace_days), DUE, i);
                m_ent_waiting[p.enterprise].add(i, m_out.project_start[i]);
                schedule_adoption(i);
                return;
            case DUE:
                if (!p.active) return;
                p.due = true;
                ++u.due;
                if (p.status == StationStatus::built) ++u.due_with;
                return;
            case END: {
                const bool had_station = p.status == StationStatus::built;
                if (p.eligible) --u.eligible_active;
                if (p.due) {
                    if (had_station) --u.due_with;
                    --u.due;
                    p.due = false;
                }
                p.waiting_share = -1;
                p.active = false;
                add_workers(p, -1);
                decide(i, false);
                if (p.status != StationStatus::none && p.status != StationStatus::abandoned && p.status != StationStatus::closed)
                    set_status(i, StationStatus::closed);
                if (had_station && rng(P_RELOCATE, i).bernoulli(m_b.relocate_probability)) relocate(i);
                return;
            }
            case ADOPT:
                if (e.gen != p.gen || !awaiting_station(p)) return;
                decide(i, false);
                p.area = static_cast<float>(rng(P_AREA, i).uniform(m_b.area_min_m2, m_b.area_max_m2));
                try_to_start(i);
                return;
            case RETRY:
                if (p.active && p.status == StationStatus::none && p.waiting_share >= 0) try_to_start(i);
                return;
            case BUILD_START:
                if (p.status != StationStatus::planned) return;
                set_status(i, StationStatus::under_construction);
                {
                    Rng r = rng(P_BUILD, i);
                    m_q.push(m_today + draw_days(r, m_b.construct_days), BUILT, i);
                }
                return;
            case BUILT: {
                if (p.status != StationStatus::under_construction) return;
                Rng r = rng(P_STANDARD, i);
                if (p.relocated || meets_standard(p, r)) {
                    set_status(i, StationStatus::built);
                    return;
                }
                set_status(i, StationStatus::failed_standard);
                if (r.bernoulli(m_b.fix_probability)) m_q.push(m_today + draw_days(r, m_b.fix_days), FIXED, i);
                return;
            }
            case FIXED:
                if (p.status == StationStatus::failed_standard) set_status(i, StationStatus::built);
                return;
            default: assert(false);
        }
    }

    void pay_running_costs(Date day) {
        const double monthly = m_s.behaviour.costs.monthly_cny;
        if (monthly <= 0) return;
        std::vector<double> need(m_payers, 0);
        for (std::size_t u = 0; u < m_units; ++u) {
            const double cost = m_u[u].open * monthly;
            m_u[u].cost += cost;
            for (const auto& sh : m_prep.running) need[sh.payer_by_unit[u]] += sh.share * cost;
        }
        for (std::size_t p = 0; p < m_payers; ++p) {
            if (need[p] <= 0) continue;
            const double paid = std::min(need[p], m_ledger.available(p, day));
            m_ledger.spend(p, day, paid);
            if (paid < need[p]) m_ledger.record_short(p, day, need[p] - paid);
        }
    }

    template <class F>
    int sum(std::int32_t unit, F&& f) const {
        if (unit >= 0) return f(m_u[static_cast<std::size_t>(unit)]);
        int n = 0;
        for (const auto& u : m_u) n += f(u);
        return n;
    }

    // A check's measure now, and what is missing.
    std::pair<double, double> measure(const Check& c, const Target& t) const {
        if (t.measure == Measure::share_eligible_with_station) {
            const int due = sum(c.unit, [](const UnitState& u) { return u.due; });
            const int with = sum(c.unit, [](const UnitState& u) { return u.due_with; });
            return {due == 0 ? 1.0 : double(with) / due, double(due - with)};
        }
        const double built = sum(c.unit, [](const UnitState& u) { return u.built_cum; });
        return {built, c.required - built};
    }

    void checkpoint(const Checkpoint& cp) {
        const Date day = Date::from_days(cp.day);
        m_today = cp.day;
        if (cp.month >= 0) {
            pay_running_costs(day);
            record_month(static_cast<std::size_t>(cp.month));
            record_first_met(m_layout, cp.day, m_out,
                             [&](const Check& c) { return measure(c, m_s.programme.targets[c.target]).first; });
        }
        for (std::size_t ci : cp.checks) {
            const Check& c = m_layout.checks[ci];
            const auto [value, missing] = measure(c, m_s.programme.targets[c.target]);
            record_check(m_out.checks[ci], c, value, missing);
        }
        if (cp.report) {
            m_out.site_status.resize(m_s.sites.projects.size());
            for (std::size_t i = 0; i < m_out.site_status.size(); ++i) m_out.site_status[i] = static_cast<std::uint8_t>(m_p[i].status);
            auto& st = m_out.report_status;
            st[static_cast<std::size_t>(StationStatus::planned)] = static_cast<std::uint32_t>(sum(-1, [](const UnitState& u) { return u.planned; }));
            st[static_cast<std::size_t>(StationStatus::under_construction)] =
                static_cast<std::uint32_t>(sum(-1, [](const UnitState& u) { return u.under_construction; }));
            st[static_cast<std::size_t>(StationStatus::failed_standard)] = static_cast<std::uint32_t>(sum(-1, [](const UnitState& u) { return u.failed; }));
            st[static_cast<std::size_t>(StationStatus::built)] = static_cast<std::uint32_t>(sum(-1, [](const UnitState& u) { return u.open; }));
        }
    }

    void record_month(std::size_t month) {
        auto put = [&](Metric metric, std::size_t row, double v) {
            m_out.series[m_layout.series_index(metric, row, month)] = static_cast<float>(v);
        };
        UnitState total;
        for (std::size_t u = 0; u <= m_units; ++u) {
            const UnitState& x = u < m_units ? m_u[u] : total;
            if (u < m_units) {
                total.built_cum += x.built_cum;
                total.open += x.open;
                total.planned += x.planned;
                total.under_construction += x.under_construction;
                total.eligible_active += x.eligible_active;
                total.due += x.due;
                total.due_with += x.due_with;
                total.cost += x.cost;
                if (!m_layout.per_unit_series()) continue;
            }
            const std::size_t row = u < m_units ? u : m_layout.all_row();
            put(BUILT_CUM, row, x.built_cum);
            put(OPEN, row, x.open);
            put(PLANNED, row, x.planned);
            put(UNDER_CONSTRUCTION, row, x.under_construction);
            put(ELIGIBLE_ACTIVE, row, x.eligible_active);
            put(SHARE, row, x.due == 0 ? 1.0 : double(x.due_with) / x.due);
            put(COST, row, x.cost);
        }
        m_cov.apply_marked();
        record_coverage(m_cov, m_layout, month, m_out);
    }

    const Scenario& m_s;
    const StationBehaviour& m_b;
    const Layout& m_layout;
    const std::vector<Checkpoint>& m_cps;
    const StationsPrep& m_prep;
    const CoveragePrep& m_cov_prep;
    coverage::ReachTracker m_cov;
    std::vector<std::uint16_t> m_slot_stations;  // open stations at each register project's place
    [[nodiscard]] Rng rng(Purpose purpose, std::uint64_t entity, std::uint64_t n = 0) const {
        return Rng::keyed(m_seed, m_rep, purpose, entity, n);
    }
    std::uint64_t m_seed, m_rep;
    Trajectory& m_out;
    std::vector<StatusChange>* m_log;
    Ledger m_ledger;
    std::size_t m_units, m_payers;
    std::int32_t m_today = 0;
    EventQueue m_q;
    std::vector<Proj> m_p;
    std::vector<UnitState> m_u;
    std::vector<int> m_ent_open;
    // An enterprise's projects waiting for a station. A redraw goes through
    // them in the order they began to wait; a relocation takes the one that
    // started first (the earliest to begin waiting among equals), from a heap
    // so that it does not scan them all: big firms have thousands waiting.
    // Both drop a project lazily once it stops waiting (it never waits again).
    struct Waiting {
        struct Entry {
            std::int32_t start;
            std::uint32_t order, project;
        };
        static constexpr auto later = [](const Entry& a, const Entry& b) { return a.start != b.start ? a.start > b.start : a.order > b.order; };
        std::vector<std::uint32_t> in_order;
        std::vector<Entry> by_start;  // a min-heap by (start, order)
        std::uint32_t added = 0;
        void add(std::uint32_t project, std::int32_t start) {
            by_start.push_back({start, added++, project});
            std::push_heap(by_start.begin(), by_start.end(), later);
            in_order.push_back(project);
        }
    };
    std::vector<Waiting> m_ent_waiting;
};

}  // namespace

void run_stations(const Scenario& s, const Layout& layout, const std::vector<Checkpoint>& cps, const StationsPrep& prep,
                  const CoveragePrep& cov, std::uint64_t replication, Trajectory& out, std::vector<StatusChange>* log) {
    out.project_built_on.assign(s.sites.projects.size(), never);
    StationsRun(s, layout, cps, prep, cov, replication, out, log).run();
}

}  // namespace tisheng::detail
