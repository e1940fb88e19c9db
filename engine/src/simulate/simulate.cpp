#include "tisheng/simulate/simulate.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <limits>
#include <cstring>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include "simulate/detail/sim.hpp"
#include "tisheng/planning/coverage_model.hpp"
#include "tisheng/core/threads.hpp"

namespace tisheng {

std::string_view to_string(StationStatus s) {
    switch (s) {
        case StationStatus::none: return "none";
        case StationStatus::planned: return "planned";
        case StationStatus::under_construction: return "under_construction";
        case StationStatus::failed_standard: return "failed_standard";
        case StationStatus::built: return "built";
        case StationStatus::closed: return "closed";
        case StationStatus::abandoned: return "abandoned";
    }
    return "?";
}

std::string_view outcome_name(BaseStatus s) {
    switch (s) {
        case BaseStatus::rejected: return "review_failed";
        case BaseStatus::not_selected: return "not_selected:cap";
        case BaseStatus::dropped: return "not_selected:budget";
        default: return to_string(s);
    }
}

std::string_view to_string(BaseStatus s) {
    switch (s) {
        case BaseStatus::candidate: return "candidate";
        case BaseStatus::in_review: return "in_review";
        case BaseStatus::rejected: return "rejected";
        case BaseStatus::not_selected: return "not_selected";
        case BaseStatus::awaiting_funds: return "awaiting_funds";
        case BaseStatus::named: return "named";
        case BaseStatus::dropped: return "dropped";
        case BaseStatus::ineligible: return "ineligible";
    }
    return "?";
}

namespace detail {

std::vector<Checkpoint> checkpoints(const Scenario& s, const Layout& layout) {
    std::map<std::int32_t, Checkpoint> by_day;
    for (std::size_t m = 0; m < layout.months.size(); ++m) {
        auto& cp = by_day[layout.months[m].days()];
        cp.day = layout.months[m].days();
        cp.month = static_cast<std::int32_t>(m);
    }
    for (std::size_t c = 0; c < layout.checks.size(); ++c) {
        auto& cp = by_day[layout.checks[c].date.days()];
        cp.day = layout.checks[c].date.days();
        cp.checks.push_back(c);
    }
    auto& report = by_day[s.run.report_date.days()];
    report.day = s.run.report_date.days();
    report.report = true;
    std::vector<Checkpoint> out;
    for (auto& [day, cp] : by_day) out.push_back(std::move(cp));
    return out;
}

CoveragePrep prepare_coverage(const Scenario& s, const CoverageModel& model) {
    CoveragePrep c;
    c.pairs = model.radius_pairs(s.coverage.radii);
    c.workers = model.workers;
    c.unit = model.demand_unit;
    c.industry = model.demand_industry;
    c.units = s.region.units().size();
    c.industries = model.industries.size();
    return c;
}

void record_coverage(const coverage::ReachTracker& t, const Layout& layout, std::size_t month, Trajectory& out) {
    for (std::size_t k = 0; k < t.radii(); ++k) {
        const std::size_t metric = layout.first_coverage_metric + k;
        if (layout.per_unit_series())
            for (std::uint32_t u = 0; u < layout.units; ++u)
                out.series[layout.series_index(metric, u, month)] = static_cast<float>(t.share_in_unit(k, u));
        out.series[layout.series_index(metric, layout.all_row(), month)] = static_cast<float>(t.share(k));
    }
}

void finish_coverage(const coverage::ReachTracker& t, std::size_t industries, Trajectory& out) {
    out.covered_by_industry.resize(industries * t.radii());
    for (std::uint32_t i = 0; i < industries; ++i)
        for (std::size_t k = 0; k < t.radii(); ++k) out.covered_by_industry[i * t.radii() + k] = static_cast<float>(t.share_in_industry(k, i));
}

}  // namespace detail

namespace {

Layout make_layout(const Scenario& s) {
    Layout l;
    for (const Date& m : month_ends(s.run.start, s.run.end))
        if (m <= s.run.end) l.months.push_back(m);
    if (s.programme.kind == ProgrammeKind::stations)
        l.metrics = {"stations_built", "stations_open", "stations_planned", "stations_under_construction",
                     "eligible_active", "share_with_station", "cost_cny"};
    else
        l.metrics = {"bases_named", "demo_bases_named", "bases_in_review", "trainees_per_year",
                     "senior_trainees_per_year", "grants_cny", "matches_cny", "focus_industries_covered"};
    l.radii = s.coverage.radii;
    l.radius_unit = s.coverage.cost_matrix && s.coverage.cost_matrix->unit == "minutes" ? "min" : "m";
    l.first_coverage_metric = l.metrics.size();
    for (double r : l.radii) {
        std::ostringstream name;
        name << "covered_" << r << l.radius_unit;
        l.metrics.push_back(name.str());
    }
    l.units = s.region.units().size();
    l.rows = l.units <= Layout::max_unit_rows ? l.units + 1 : 1;
    for (std::size_t t = 0; t < s.programme.targets.size(); ++t) {
        const Target& target = s.programme.targets[t];
        const Date watch = target.recurring() ? std::max(target.deadline, s.run.start) : s.run.start;
        for (const Date& d : target.dates(s.run.start, s.run.end)) {
            if (target.city_wide) {
                l.checks.push_back({t, all_units, target.required_default, d, watch});
                continue;
            }
            double city = 0;
            for (std::size_t u = 0; u < l.units; ++u) {
                l.checks.push_back({t, static_cast<std::int32_t>(u), target.required_for(s.region.units()[u].id), d, watch});
                city += l.checks.back().required;
            }
            // And the city as a whole, as the city reports it: the default
            // share, or the districts' counts added up. A summary: with
            // per-district thresholds the pooled share may differ, so only
            // the districts decide whether the target is met.
            const bool share = target.measure == Measure::share_eligible_with_station;
            l.checks.push_back({t, all_units, share ? target.required_default : city, d, watch, true});
        }
    }
    for (const auto& p : s.budgets.payers) l.payers.push_back(p.id);
    l.first_year = s.run.start.year();
    l.years = s.run.end.year() - l.first_year + 1;
    return l;
}

/// Type-7 quantile (linear between order statistics) of a sorted sample.
double quantile(const std::vector<double>& sorted, double q) {
    if (sorted.empty()) return 0;
    const double h = q * static_cast<double>(sorted.size() - 1);
    const auto lo = static_cast<std::size_t>(h);
    const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
    return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

}  // namespace

Quantiles quantiles(std::vector<double>& v) {
    std::sort(v.begin(), v.end());
    return {quantile(v, 0.05), quantile(v, 0.5), quantile(v, 0.95)};
}

struct Simulator::Model {
    const Scenario& s;
    Layout layout;
    std::vector<detail::Checkpoint> checkpoints;
    std::optional<detail::StationsPrep> stations;
    detail::CoveragePrep coverage;
};

Simulator::Simulator(const Scenario& s) : m(std::make_unique<Model>(Model{s, make_layout(s), {}, std::nullopt, {}})) {
    m->checkpoints = detail::checkpoints(s, m->layout);
    const CoverageModel model(s);
    m->coverage = detail::prepare_coverage(s, model);
    m->layout.industries = model.industries;
    if (s.programme.kind == ProgrammeKind::stations) m->stations = detail::prepare_stations(s);
}
Simulator::Simulator(const Scenario& s, const Simulator& like)
    : m(std::make_unique<Model>(Model{s, make_layout(s), {}, std::nullopt, like.m->coverage})) {
    m->checkpoints = detail::checkpoints(s, m->layout);
    m->layout.industries = like.m->layout.industries;
    if (s.programme.kind == ProgrammeKind::stations) m->stations = detail::prepare_stations(s);
}
Simulator::~Simulator() = default;

std::size_t Layout::headline_radius() const {
    std::size_t head = 0;
    for (std::size_t k = 0; k < radii.size(); ++k)
        if (std::abs(radii[k] - 3000) < std::abs(radii[head] - 3000)) head = k;
    return head;
}

const Layout& Simulator::layout() const { return m->layout; }

const Scenario& Simulator::scenario() const { return m->s; }

Trajectory Simulator::run(std::uint64_t replication, std::vector<StatusChange>* log) const {
    Trajectory t;
    if (m->stations)
        detail::run_stations(m->s, m->layout, m->checkpoints, *m->stations, m->coverage, replication, t, log);
    else
        detail::run_bases(m->s, m->layout, m->checkpoints, m->coverage, replication, t, log);
    return t;
}

Replay replay(const Simulator& sim, std::uint64_t k) {
    Replay r;
    r.replication = static_cast<std::int64_t>(k);
    r.trajectory = sim.run(k, &r.log);
    return r;
}

StatusHistory::StatusHistory(std::size_t sites, const std::vector<StatusChange>& log) : m_first(sites + 1, 0) {
    for (const auto& c : log)
        if (c.site < sites) ++m_first[c.site + 1];
    for (std::size_t i = 0; i < sites; ++i) m_first[i + 1] += m_first[i];
    m_changes.resize(m_first.back());
    std::vector<std::uint32_t> fill(m_first.begin(), m_first.end() - 1);
    for (const auto& c : log)  // the log is in date order, so each site's run is too
        if (c.site < sites) m_changes[fill[c.site]++] = {c.date.days(), c.to};
}

std::uint8_t StatusHistory::at(std::size_t site, Date d) const {
    const auto begin = m_changes.begin() + m_first.at(site), end = m_changes.begin() + m_first.at(site + 1);
    // The last change on or before d.
    auto it = std::upper_bound(begin, end, d.days(), [](std::int32_t day, const auto& c) { return day < c.first; });
    return it == begin ? 0 : std::prev(it)->second;
}

std::vector<float> share_by_month(const Results& r, std::size_t month) {
    const std::size_t M = r.layout.months.size();
    if (M == 0 || r.replications <= 0) return {};
    const std::size_t sites = r.by_month.size() / M;
    std::vector<float> share(sites);
    month = std::min(month, M - 1);
    for (std::size_t i = 0; i < sites; ++i) share[i] = static_cast<float>(r.by_month[i * M + month]) / static_cast<float>(r.replications);
    return share;
}

double p_met_all_dates(const Results& r, std::size_t c) {
    const auto reps = static_cast<std::size_t>(r.replications);
    const std::size_t C = r.layout.checks.size();
    if (reps == 0 || r.check_met.size() != reps * C) return 0;
    const Check& of = r.layout.checks.at(c);
    std::vector<std::size_t> dates;  // the checks of the same target and unit: O(checks) once, not per replication
    for (std::size_t i = 0; i < C; ++i)
        if (r.layout.checks[i].target == of.target && r.layout.checks[i].unit == of.unit) dates.push_back(i);
    std::size_t met = 0;
    for (std::size_t k = 0; k < reps; ++k) {
        bool all = true;
        for (std::size_t i : dates) all = all && r.check_met[k * C + i] != 0;
        met += all;
    }
    return double(met) / double(reps);
}

double p_targets_met(const Results& r, const std::vector<std::size_t>& targets) {
    const std::size_t reps = static_cast<std::size_t>(r.replications);
    if (reps == 0) return 0;
    const std::size_t T = r.target_met.size() / reps;
    std::size_t met = 0;
    for (std::size_t k = 0; k < reps; ++k) {
        bool all = true;
        for (std::size_t t = 0; t < T; ++t)
            if (targets.empty() || std::find(targets.begin(), targets.end(), t) != targets.end()) all = all && r.target_met[k * T + t];
        met += all;
    }
    return double(met) / double(reps);
}

Results simulate(const Scenario& s, const MonteCarloOptions& options) { return simulate(Simulator(s), options); }

namespace {

/// The sizes of a run's per-replication blocks and counters.
struct Shape {
    std::size_t reps = 0, S = 0, C = 0, PY = 0, B = 0, N = 0, SITES = 0, IK = 0, D = 0, M = 0;
    std::size_t status_sites = 0;  // register projects (stations) or candidate bases
    bool site_status = false;
    std::vector<std::int32_t> deadlines;  // days of Results::project_deadlines
    std::vector<std::int32_t> months;     // days of the layout's month ends
};

std::vector<Date> project_deadlines(const Scenario& s) {
    std::vector<Date> d;
    for (const auto& t : s.programme.targets) d.push_back(t.deadline);
    d.push_back(s.run.end);
    std::sort(d.begin(), d.end());
    d.erase(std::unique(d.begin(), d.end()), d.end());
    return d;
}

Shape shape_of(const Simulator& sim, const MonteCarloOptions& options) {
    const Scenario& s = sim.scenario();
    const Layout& L = sim.layout();
    Shape z;
    z.reps = static_cast<std::size_t>(options.replications > 0 ? options.replications : s.run.replications);
    z.S = L.series_size();
    z.C = L.checks.size();
    z.PY = L.payers.size() * static_cast<std::size_t>(L.years);
    z.B = s.sites.bases.size();
    z.N = s.sites.projects.size();
    z.SITES = CoverageModel::site_count(s);
    z.IK = L.industries.size() * L.radii.size();
    for (const Date& d : project_deadlines(s)) z.deadlines.push_back(d.days());
    z.D = z.deadlines.size();
    for (const Date& m : L.months) z.months.push_back(m.days());
    z.M = z.months.size();
    z.status_sites = s.programme.kind == ProgrammeKind::stations ? z.N : z.B;
    z.site_status = options.site_status;
    return z;
}

/// What the replications leave before they are aggregated: the scalars of
/// each replication run, in slots by replication index, and per-site
/// counters. Tallies of disjoint sets of replications merge into the tally of
/// their union (slots are copied, counters are integers that add up
/// exactly), so the aggregates never depend on which thread or process ran
/// what.
struct Tally {
    std::size_t reps = 0;
    std::vector<std::uint8_t> have;  // per replication: 1 when its slots are filled
    std::vector<float> series;       // [k * S + i]
    std::vector<CheckOutcome> checks;
    std::vector<double> spent, shorts, allocated;
    std::vector<float> grants, covered;
    std::vector<std::uint32_t> report_status;
    std::vector<std::uint32_t> built_by;  // [deadline * N + project]
    std::vector<std::uint32_t> named, demo, open_end;
    std::vector<std::uint32_t> status;    // [site * K + status] at run.report_date
    std::vector<std::uint32_t> by_month;  // [site * M + m]: built / named in month m (first time)

    explicit Tally(const Shape& z, bool slots = true) : reps(z.reps) {
        if (slots) {
            have.assign(reps, 0);
            series.resize(reps * z.S);
            checks.resize(reps * z.C);
            spent.resize(reps * z.PY);
            shorts.resize(reps * z.PY);
            grants.resize(reps * z.B);
            covered.resize(reps * z.IK);
            report_status.resize(reps * Results::status_kinds);
        }
        built_by.assign(z.D * z.N, 0);
        named.assign(z.B, 0);
        demo.assign(z.B, 0);
        open_end.assign(z.SITES, 0);
        if (z.site_status) status.assign(z.status_sites * Results::status_kinds, 0);
        by_month.assign(z.status_sites * z.M, 0);
    }

    void add_counters(const Tally& o) {
        auto add = [](std::vector<std::uint32_t>& a, const std::vector<std::uint32_t>& b) {
            for (std::size_t i = 0; i < a.size(); ++i) a[i] += b[i];
        };
        add(built_by, o.built_by);
        add(named, o.named);
        add(demo, o.demo);
        add(open_end, o.open_end);
        add(status, o.status);
        add(by_month, o.by_month);
    }
};

/// One replication into its slots and into a thread's counters.
void record(const Shape& z, const Trajectory& t, std::size_t k, Tally& slots, Tally& c) {
    const std::size_t K = Results::status_kinds;
    if (z.site_status) {
        if (t.site_status.size() != z.status_sites) throw Error("simulate: internal: a replication recorded no status at the report date");
        for (std::size_t i = 0; i < z.status_sites; ++i) ++c.status[i * K + t.site_status[i]];
    }
    std::copy(t.series.begin(), t.series.end(), slots.series.begin() + static_cast<std::ptrdiff_t>(k * z.S));
    std::copy(t.checks.begin(), t.checks.end(), slots.checks.begin() + static_cast<std::ptrdiff_t>(k * z.C));
    std::copy(t.spent.begin(), t.spent.end(), slots.spent.begin() + static_cast<std::ptrdiff_t>(k * z.PY));
    std::copy(t.short_cny.begin(), t.short_cny.end(), slots.shorts.begin() + static_cast<std::ptrdiff_t>(k * z.PY));
    std::copy(t.covered_by_industry.begin(), t.covered_by_industry.end(), slots.covered.begin() + static_cast<std::ptrdiff_t>(k * z.IK));
    std::copy(t.report_status.begin(), t.report_status.end(), slots.report_status.begin() + static_cast<std::ptrdiff_t>(k * K));
    for (std::size_t d = 0; d < z.D; ++d)
        for (std::size_t p = 0; p < t.project_built_on.size(); ++p) c.built_by[d * z.N + p] += t.project_built_on[p] <= z.deadlines[d];
    // The month a site was first built or named: the first month end on or after its day.
    const std::vector<std::int32_t>& days = t.project_built_on.empty() ? t.base_named_on : t.project_built_on;
    for (std::size_t i = 0; i < std::min(days.size(), z.status_sites); ++i)
        if (days[i] != never) {
            const auto m = static_cast<std::size_t>(std::lower_bound(z.months.begin(), z.months.end(), days[i]) - z.months.begin());
            if (m < z.M) ++c.by_month[i * z.M + m];
        }
    for (std::size_t b = 0; b < t.base_named_on.size(); ++b) {
        const bool named = t.base_named_on[b] != never;
        c.named[b] += named;
        c.demo[b] += named && t.base_demonstration[b];
        slots.grants[k * z.B + b] = named ? t.base_grant_cny[b] : -1.0f;
    }
    for (std::size_t j = 0; j < t.site_open_at_end.size(); ++j) c.open_end[j] += t.site_open_at_end[j];
    slots.have[k] = 1;
}

/// Runs the replications k = rank, rank + ranks, ... over the threads.
Tally run_share(const Simulator& sim, const Shape& z, const MonteCarloOptions& options, int rank, int ranks) {
    const std::size_t mine = z.reps > static_cast<std::size_t>(rank) ? (z.reps - static_cast<std::size_t>(rank) + static_cast<std::size_t>(ranks) - 1) / static_cast<std::size_t>(ranks) : 0;
    int threads = thread_count(options.threads);
    threads = std::clamp(threads, 1, static_cast<int>(std::max<std::size_t>(1, mine)));
    Tally slots(z);
    std::vector<Tally> counts;
    counts.reserve(static_cast<std::size_t>(threads));
    for (int w = 0; w < threads; ++w) counts.emplace_back(z, false);
    std::atomic<std::size_t> next{0}, done{0};
    std::atomic<bool> failed{false};
    std::exception_ptr error;
    std::mutex error_mutex;
    std::once_flag allocated_once;
    auto worker = [&](std::size_t w) {
        try {
            for (std::size_t j; (j = next.fetch_add(1)) < mine; done.fetch_add(1)) {
                if (failed.load() || (options.cancel && options.cancel->load(std::memory_order_relaxed))) break;
                const std::size_t k = static_cast<std::size_t>(rank) + j * static_cast<std::size_t>(ranks);
                const Trajectory t = sim.run(k);
                std::call_once(allocated_once, [&] { slots.allocated = t.allocated; });  // the same in every replication
                record(z, t, k, slots, counts[w]);
            }
        } catch (...) {
            std::lock_guard lock(error_mutex);
            if (!error) error = std::current_exception();
            failed.store(true);
        }
        next.store(mine);
        done.store(mine);
    };
    {
        std::vector<std::jthread> pool;
        for (int w = 1; w < threads; ++w) pool.emplace_back(worker, static_cast<std::size_t>(w));
        if (!options.progress) {
            worker(0);
        } else {
            std::jthread own(worker, 0);
            while (done.load() < mine) {
                options.progress(static_cast<int>(done.load()) * ranks, static_cast<int>(z.reps));
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
            }
        }
    }
    if (error) std::rethrow_exception(error);
    if (options.cancel && options.cancel->load()) throw Cancelled();
    for (const Tally& c : counts) slots.add_counters(c);
    return slots;
}

// Serialised tallies (what an MPI rank sends rank 0): the held
// replications' slots and the counters, as raw arrays (the ranks of one run
// share a byte order).
template <class T>
void put(std::vector<std::uint8_t>& out, const T* p, std::size_t n) {
    const auto* b = reinterpret_cast<const std::uint8_t*>(p);
    out.insert(out.end(), b, b + n * sizeof(T));
}
template <class T>
void get(const std::vector<std::uint8_t>& in, std::size_t& at, T* p, std::size_t n) {
    if (at + n * sizeof(T) > in.size()) throw Error("simulate: a rank's tally is truncated");
    if (n > 0) std::memcpy(p, in.data() + at, n * sizeof(T));  // p may be an empty vector's null data()
    at += n * sizeof(T);
}
std::vector<std::uint8_t> serialise(const Shape& z, const Tally& t) {
    std::vector<std::uint8_t> out;
    const std::uint64_t held = static_cast<std::uint64_t>(std::count(t.have.begin(), t.have.end(), 1)), py = t.allocated.size();
    put(out, &held, 1);
    put(out, &py, 1);
    put(out, t.allocated.data(), t.allocated.size());
    for (std::uint64_t k = 0; k < z.reps; ++k) {
        if (!t.have[k]) continue;
        put(out, &k, 1);
        put(out, t.series.data() + k * z.S, z.S);
        put(out, t.checks.data() + k * z.C, z.C);
        put(out, t.spent.data() + k * z.PY, z.PY);
        put(out, t.shorts.data() + k * z.PY, z.PY);
        put(out, t.grants.data() + k * z.B, z.B);
        put(out, t.covered.data() + k * z.IK, z.IK);
        put(out, t.report_status.data() + k * Results::status_kinds, Results::status_kinds);
    }
    for (const auto* v : {&t.built_by, &t.named, &t.demo, &t.open_end, &t.status, &t.by_month}) put(out, v->data(), v->size());
    return out;
}
void merge_serialised(const Shape& z, const std::vector<std::uint8_t>& in, Tally& t) {
    std::size_t at = 0;
    std::uint64_t held = 0, py = 0;
    get(in, at, &held, 1);
    get(in, at, &py, 1);
    std::vector<double> allocated(py);
    get(in, at, allocated.data(), py);
    if (t.allocated.empty()) t.allocated = std::move(allocated);
    for (std::uint64_t n = 0; n < held; ++n) {
        std::uint64_t k = 0;
        get(in, at, &k, 1);
        if (k >= z.reps) throw Error("simulate: a rank sent replication " + std::to_string(k) + " of " + std::to_string(z.reps));
        get(in, at, t.series.data() + k * z.S, z.S);
        get(in, at, t.checks.data() + k * z.C, z.C);
        get(in, at, t.spent.data() + k * z.PY, z.PY);
        get(in, at, t.shorts.data() + k * z.PY, z.PY);
        get(in, at, t.grants.data() + k * z.B, z.B);
        get(in, at, t.covered.data() + k * z.IK, z.IK);
        get(in, at, t.report_status.data() + k * Results::status_kinds, Results::status_kinds);
        t.have[k] = 1;
    }
    Tally c(z, false);
    for (auto* v : {&c.built_by, &c.named, &c.demo, &c.open_end, &c.status, &c.by_month}) get(in, at, v->data(), v->size());
    if (at != in.size()) throw Error("simulate: a rank's tally has trailing bytes");
    t.add_counters(c);
}

// The steps by which simulate turns a run's tally into Results.

/// Quantiles over the replications of each of the `width` values that a
/// replication k keeps in slots [k * width, (k + 1) * width).
std::vector<Quantiles> slot_quantiles(const std::vector<float>& slots, std::size_t reps, std::size_t width) {
    std::vector<Quantiles> out(width);
    std::vector<double> col(reps);
    for (std::size_t i = 0; i < width; ++i) {
        for (std::size_t k = 0; k < reps; ++k) col[k] = slots[k * width + i];
        out[i] = quantiles(col);
    }
    return out;
}

/// Per check: which replications met it (and so their target), P(met),
/// the value and what is missing, and the first day it is met.
void aggregate_checks(const Scenario& s, const Layout& L, const Shape& z, const Tally& tally, Results& r) {
    const int n = static_cast<int>(z.reps);
    const std::size_t reps = z.reps, C = z.C;
    const auto& checks = tally.checks;
    std::vector<double> col(reps);
    const std::size_t T = s.programme.targets.size();
    r.target_met.assign(reps * T, 1);
    r.check_met.assign(reps * C, 0);
    for (std::size_t k = 0; k < reps; ++k)
        for (std::size_t i = 0; i < C; ++i) {
            r.check_met[k * C + i] = checks[k * C + i].met;
            if (!checks[k * C + i].met && !L.checks[i].summary) r.target_met[k * T + L.checks[i].target] = 0;
        }
    r.checks.resize(C);
    std::vector<double> missing(reps);
    std::vector<std::int32_t> first(reps);
    for (std::size_t i = 0; i < C; ++i) {
        int met = 0;
        for (std::size_t k = 0; k < reps; ++k) {
            const CheckOutcome& o = checks[k * C + i];
            col[k] = o.value;
            missing[k] = o.missing;
            first[k] = o.first_met;
            met += o.met;
        }
        auto& cr = r.checks[i];
        cr.p_met = double(met) / n;
        cr.value = quantiles(col);
        cr.missing = quantiles(missing);
        // Nearest rank: a day, or `never`, never a mixture of the two.
        std::sort(first.begin(), first.end());
        auto rank = [&](double q) { return first[static_cast<std::size_t>(std::lround(q * static_cast<double>(reps - 1)))]; };
        cr.first_met_p05 = rank(0.05);
        cr.first_met_p50 = rank(0.5);
        cr.first_met_p95 = rank(0.95);
    }
}

/// The representative replication of the official tables: the one whose
/// count of stations built (bases named) is nearest the median.
void representative_replication(const Scenario& s, const Shape& z, const Tally& tally, Results& r) {
    const std::size_t reps = z.reps;
    const auto& report_status = tally.report_status;
    const std::size_t K = Results::status_kinds;
    std::vector<double> col(reps);
    const std::size_t counted = s.programme.kind == ProgrammeKind::stations ? static_cast<std::size_t>(StationStatus::built)
                                                                            : static_cast<std::size_t>(BaseStatus::named);
    for (std::size_t k = 0; k < reps; ++k) col[k] = report_status[k * K + counted];
    std::vector<double> sorted = col;
    r.report_count = quantiles(sorted);
    double best = std::numeric_limits<double>::infinity();
    for (std::size_t k = 0; k < reps; ++k)
        if (const double gap = std::abs(col[k] - r.report_count.p50); gap < best) {
            best = gap;
            r.representative_replication = static_cast<int>(k);
        }
    r.report_status_mean.assign(K, 0);
    for (std::size_t i = 0; i < K; ++i) {
        std::uint64_t total = 0;
        for (std::size_t k = 0; k < reps; ++k) total += report_status[k * K + i];
        r.report_status_mean[i] = static_cast<double>(total) / static_cast<double>(reps);
    }
    const auto rep = static_cast<std::size_t>(r.representative_replication);
    r.report_status.assign(report_status.begin() + static_cast<std::ptrdiff_t>(rep * K),
                           report_status.begin() + static_cast<std::ptrdiff_t>((rep + 1) * K));
}

/// Per payer: the allocations, the median spent per year, and the totals
/// spent and short over the horizon.
void aggregate_payers(const Layout& L, const Shape& z, const Tally& tally, Results& r) {
    const std::size_t reps = z.reps, PY = z.PY, P = L.payers.size();
    const auto& spent = tally.spent;
    const auto& shorts = tally.shorts;
    const auto& allocated = tally.allocated;
    std::vector<double> col(reps);
    const auto Y = static_cast<std::size_t>(L.years);
    for (std::size_t p = 0; p < P; ++p) {
        Results::PayerResult pr;
        pr.id = L.payers[p];
        std::vector<double> total(reps), total_short(reps);
        for (std::size_t y = 0; y < Y; ++y) {
            const std::size_t i = p * Y + y;
            pr.allocated_by_year.push_back(allocated[i]);
            for (std::size_t k = 0; k < reps; ++k) {
                col[k] = spent[k * PY + i];
                total[k] += spent[k * PY + i];
                total_short[k] += shorts[k * PY + i];
                if (std::isfinite(allocated[i]) && allocated[i] > 0)
                    pr.max_spent_share = std::max(pr.max_spent_share, spent[k * PY + i] / allocated[i]);
            }
            pr.spent_p50_by_year.push_back(quantiles(col).p50);
        }
        pr.spent = quantiles(total);
        pr.short_cny = quantiles(total_short);
        r.payers.push_back(std::move(pr));
    }
}

/// The median replication, and its state at the end (run again).
void median_replication(const Simulator& sim, const Shape& z, const Tally& tally, Results& r) {
    const Layout& L = sim.layout();
    const std::size_t reps = z.reps, S = z.S;
    const auto& series = tally.series;
    // The median replication: its headline nearest the headline's median.
    if (S > 0) {
        const std::size_t head = L.series_index(0, L.all_row(), L.months.size() - 1);
        const double median = r.series[head].p50;
        double best = std::numeric_limits<double>::infinity();
        r.headline.resize(reps);
        for (std::size_t k = 0; k < reps; ++k) r.headline[k] = series[k * S + head];
        for (std::size_t k = 0; k < reps; ++k)
            if (const double gap = std::abs(series[k * S + head] - median); gap < best) {
                best = gap;
                r.median_replication = static_cast<int>(k);
            }
    }
    // What the median replication has open at the end, and where its
    // workers are then: the coverage every output maps (one replication
    // run again rather than every replication's sites kept).
    Trajectory t = sim.run(static_cast<std::uint64_t>(r.median_replication));
    if (!L.months.empty())
        for (std::size_t k = 0; k < L.radii.size(); ++k)
            r.median_covered_at_end.push_back(t.series[L.series_index(L.first_coverage_metric + k, L.all_row(), L.months.size() - 1)]);
    r.median_open_at_end = std::move(t.site_open_at_end);
    r.median_workers_at_end = std::move(t.demand_weight_at_end);
}

/// Per site: P(built by each deadline), P(named), P(demonstration), P(open at
/// the end), the counts by status and month, and each base's median grant.
void aggregate_sites(const Shape& z, Tally& tally, Results& r) {
    const int n = static_cast<int>(z.reps);
    const std::size_t reps = z.reps, B = z.B, N = z.N, D = z.D;
    const auto& grants = tally.grants;
    r.project_p_built.assign(D, std::vector<float>(N, 0));
    r.base_p_named.assign(B, 0);
    r.base_p_demonstration.assign(B, 0);
    r.base_median_grant_cny.assign(B, 0);
    for (std::size_t d = 0; d < D; ++d)
        for (std::size_t p = 0; p < N; ++p) r.project_p_built[d][p] = static_cast<float>(tally.built_by[d * N + p]);
    for (std::size_t b = 0; b < B; ++b) {
        r.base_p_named[b] = static_cast<float>(tally.named[b]);
        r.base_p_demonstration[b] = static_cast<float>(tally.demo[b]);
    }
    r.status_counts = std::move(tally.status);
    r.site_p_open_at_end.assign(z.SITES, 0);
    for (std::size_t j = 0; j < z.SITES; ++j) r.site_p_open_at_end[j] = static_cast<float>(tally.open_end[j]) / static_cast<float>(n);
    // Cumulative by month: built or named by the end of month m.
    r.by_month = std::move(tally.by_month);
    for (std::size_t i = 0; i < z.status_sites; ++i)
        for (std::size_t m = 1; m < z.M; ++m) r.by_month[i * z.M + m] += r.by_month[i * z.M + m - 1];
    for (auto& v : r.project_p_built)
        for (auto& x : v) x /= static_cast<float>(n);
    for (std::size_t b = 0; b < B; ++b) {
        r.base_p_named[b] /= static_cast<float>(n);
        r.base_p_demonstration[b] /= static_cast<float>(n);
        std::vector<double> g;
        for (std::size_t k = 0; k < reps; ++k)
            if (grants[k * B + b] >= 0) g.push_back(grants[k * B + b]);
        r.base_median_grant_cny[b] = g.empty() ? 0.0f : static_cast<float>(quantiles(g).p50);
    }
}

}  // namespace

Results simulate(const Simulator& sim, const MonteCarloOptions& options) {
    const Scenario& s = sim.scenario();
    const Layout& L = sim.layout();
    const Shape z = shape_of(sim, options);
    const int rank = options.ranks ? options.ranks->rank() : 0, ranks = options.ranks ? options.ranks->size() : 1;
    Tally tally = run_share(sim, z, options, rank, ranks);
    if (ranks > 1) {
        std::vector<std::vector<std::uint8_t>> parts = options.ranks->gather(serialise(z, tally));
        if (rank != 0) return {};
        for (std::size_t r = 1; r < parts.size(); ++r) merge_serialised(z, parts[r], tally);
    }
    if (std::count(tally.have.begin(), tally.have.end(), 1) != static_cast<std::ptrdiff_t>(z.reps))
        throw Error("simulate: some replications were not run");
    if (options.progress) options.progress(static_cast<int>(z.reps), static_cast<int>(z.reps));
    const int n = static_cast<int>(z.reps);
    Results r;
    r.layout = L;
    r.replications = n;
    r.project_deadlines = project_deadlines(s);
    r.series = slot_quantiles(tally.series, z.reps, z.S);
    aggregate_checks(s, L, z, tally, r);
    representative_replication(s, z, tally, r);
    aggregate_payers(L, z, tally, r);
    median_replication(sim, z, tally, r);
    aggregate_sites(z, tally, r);
    r.covered_by_industry = slot_quantiles(tally.covered, z.reps, z.IK);
    return r;
}

}  // namespace tisheng
