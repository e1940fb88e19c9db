#include "tisheng/simulate.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <sstream>
#include <thread>

#include "detail/sim.hpp"
#include "tisheng/coverage_model.hpp"

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
                l.checks.push_back({t, -1, target.required_default, d, watch});
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
            l.checks.push_back({t, -1, share ? target.required_default : city, d, watch, true});
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

std::vector<float> share_by(const std::vector<std::int32_t>& days, std::size_t sites, Date d) {
    std::vector<float> share(sites, 0.0f);
    if (sites == 0 || days.empty()) return share;
    const std::size_t reps = days.size() / sites;
    for (std::size_t k = 0; k < reps; ++k)
        for (std::size_t i = 0; i < sites; ++i) share[i] += days[k * sites + i] <= d.days() ? 1.0f : 0.0f;
    for (auto& x : share) x /= static_cast<float>(reps);
    return share;
}

double p_met_all_dates(const Results& r, std::size_t c) {
    const auto reps = static_cast<std::size_t>(r.replications);
    const std::size_t C = r.layout.checks.size();
    if (reps == 0 || r.check_met.size() != reps * C) return 0;
    const Check& of = r.layout.checks.at(c);
    std::size_t met = 0;
    for (std::size_t k = 0; k < reps; ++k) {
        bool all = true;
        for (std::size_t i = 0; i < C && all; ++i)
            if (r.layout.checks[i].target == of.target && r.layout.checks[i].unit == of.unit) all = r.check_met[k * C + i] != 0;
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

Results simulate(const Simulator& sim, const MonteCarloOptions& options) {
    const Scenario& s = sim.scenario();
    const Layout& L = sim.layout();
    const int n = options.replications > 0 ? options.replications : s.run.replications;
    const auto reps = static_cast<std::size_t>(n);
    int threads = options.threads > 0 ? options.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    threads = std::clamp(threads, 1, n);

    // Per-replication outcomes in slots by replication index, so that the
    // aggregates never depend on which thread ran what.
    const std::size_t S = L.series_size(), C = L.checks.size(), PY = L.payers.size() * static_cast<std::size_t>(L.years);
    const std::size_t P = L.payers.size(), B = s.sites.bases.size(), N = s.sites.projects.size();
    std::vector<float> series(reps * S);
    std::vector<CheckOutcome> checks(reps * C);
    std::vector<double> spent(reps * PY), shorts(reps * PY), allocated;
    std::vector<float> grants(reps * B);
    const std::size_t SITES = CoverageModel::site_count(s), IK = L.industries.size() * L.radii.size();
    std::vector<float> covered(reps * IK);
    std::vector<std::uint32_t> report_status(reps * Results::status_kinds);
    std::vector<std::int32_t> project_days(options.keep_days ? reps * N : 0), base_days(options.keep_days ? reps * B : 0);

    Results r;
    r.layout = L;
    r.replications = n;
    for (const auto& t : s.programme.targets) r.project_deadlines.push_back(t.deadline);
    r.project_deadlines.push_back(s.run.end);
    std::sort(r.project_deadlines.begin(), r.project_deadlines.end());
    r.project_deadlines.erase(std::unique(r.project_deadlines.begin(), r.project_deadlines.end()), r.project_deadlines.end());
    const std::size_t D = r.project_deadlines.size();

    const std::size_t STATUS_SITES = s.programme.kind == ProgrammeKind::stations ? N : B, K = Results::status_kinds;
    struct Counts {
        std::vector<std::uint32_t> status;    // [site * K + status] at options.status_at
        std::vector<std::uint32_t> built_by;  // [deadline * N + project]
        std::vector<std::uint32_t> named, demo;
        std::vector<std::uint32_t> open_end;  // per coverage site
    };
    std::vector<Counts> counts(static_cast<std::size_t>(threads));
    std::atomic<std::size_t> next{0}, done{0};
    auto worker = [&](std::size_t w) {
        Counts& c = counts[w];
        c.built_by.assign(D * N, 0);
        c.named.assign(B, 0);
        c.demo.assign(B, 0);
        c.open_end.assign(SITES, 0);
        if (options.status_at) c.status.assign(STATUS_SITES * K, 0);
        std::vector<StatusChange> log;
        for (std::size_t k; (k = next.fetch_add(1)) < reps; done.fetch_add(1)) {
            if (options.cancel && options.cancel->load(std::memory_order_relaxed)) {
                next.store(reps);
                done.store(reps);
                return;
            }
            log.clear();
            Trajectory t = sim.run(k, options.status_at ? &log : nullptr);
            if (options.status_at) {
                const StatusHistory h(STATUS_SITES, log);
                for (std::size_t i = 0; i < STATUS_SITES; ++i) ++c.status[i * K + h.at(i, *options.status_at)];
            }
            if (options.keep_days) {
                std::copy_n(t.project_built_on.begin(), std::min(N, t.project_built_on.size()), project_days.begin() + static_cast<std::ptrdiff_t>(k * N));
                std::copy_n(t.base_named_on.begin(), std::min(B, t.base_named_on.size()), base_days.begin() + static_cast<std::ptrdiff_t>(k * B));
            }
            std::copy(t.series.begin(), t.series.end(), series.begin() + static_cast<std::ptrdiff_t>(k * S));
            std::copy(t.checks.begin(), t.checks.end(), checks.begin() + static_cast<std::ptrdiff_t>(k * C));
            std::copy(t.spent.begin(), t.spent.end(), spent.begin() + static_cast<std::ptrdiff_t>(k * PY));
            std::copy(t.short_cny.begin(), t.short_cny.end(), shorts.begin() + static_cast<std::ptrdiff_t>(k * PY));
            if (k == 0) allocated = t.allocated;  // the same in every replication
            for (std::size_t d = 0; d < D; ++d)
                for (std::size_t p = 0; p < t.project_built_on.size(); ++p)
                    c.built_by[d * N + p] += t.project_built_on[p] <= r.project_deadlines[d].days();
            for (std::size_t b = 0; b < t.base_named_on.size(); ++b) {
                const bool named = t.base_named_on[b] != never;
                c.named[b] += named;
                c.demo[b] += named && t.base_demonstration[b];
                grants[k * B + b] = named ? t.base_grant_cny[b] : -1.0f;
            }
            for (std::size_t j = 0; j < t.site_open_at_end.size(); ++j) c.open_end[j] += t.site_open_at_end[j];
            std::copy(t.covered_by_industry.begin(), t.covered_by_industry.end(), covered.begin() + static_cast<std::ptrdiff_t>(k * IK));
            std::copy(t.report_status.begin(), t.report_status.end(),
                      report_status.begin() + static_cast<std::ptrdiff_t>(k * Results::status_kinds));
        }
    };
    {
        std::vector<std::jthread> pool;
        for (int w = 1; w < threads; ++w) pool.emplace_back(worker, static_cast<std::size_t>(w));
        if (!options.progress) {
            worker(0);
        } else {
            std::jthread own(worker, 0);
            while (done.load() < reps) {
                options.progress(static_cast<int>(done.load()), n);
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
            }
            options.progress(n, n);
        }
    }
    if (options.cancel && options.cancel->load()) throw Cancelled();
    r.project_days = std::move(project_days);
    r.base_days = std::move(base_days);

    // Aggregates.
    std::vector<double> col(reps);
    r.series.resize(S);
    for (std::size_t i = 0; i < S; ++i) {
        for (std::size_t k = 0; k < reps; ++k) col[k] = series[k * S + i];
        r.series[i] = quantiles(col);
    }
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
    // The representative replication of the official tables.
    {
        const std::size_t K = Results::status_kinds;
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
    // The median replication: its headline nearest the headline's median.
    if (S > 0) {
        const std::size_t head = L.series_index(0, L.all_row(), L.months.size() - 1);
        const double median = r.series[head].p50;
        double best = std::numeric_limits<double>::infinity();
        for (std::size_t k = 0; k < reps; ++k)
            if (const double gap = std::abs(series[k * S + head] - median); gap < best) {
                best = gap;
                r.median_replication = static_cast<int>(k);
            }
    }
    // What the median replication has open at the end, and where its
    // workers are then: the coverage every output maps (one replication
    // run again rather than every replication's sites kept).
    {
        Trajectory t = sim.run(static_cast<std::uint64_t>(r.median_replication));
        if (!L.months.empty())
            for (std::size_t k = 0; k < L.radii.size(); ++k)
                r.median_covered_at_end.push_back(t.series[L.series_index(L.first_coverage_metric + k, L.all_row(), L.months.size() - 1)]);
        r.median_open_at_end = std::move(t.site_open_at_end);
        r.median_workers_at_end = std::move(t.demand_weight_at_end);
    }
    r.project_p_built.assign(D, std::vector<float>(N, 0));
    r.base_p_named.assign(B, 0);
    r.base_p_demonstration.assign(B, 0);
    r.base_median_grant_cny.assign(B, 0);
    for (const auto& c : counts) {
        for (std::size_t d = 0; d < D; ++d)
            for (std::size_t p = 0; p < N; ++p) r.project_p_built[d][p] += static_cast<float>(c.built_by[d * N + p]);
        for (std::size_t b = 0; b < B; ++b) {
            r.base_p_named[b] += static_cast<float>(c.named[b]);
            r.base_p_demonstration[b] += static_cast<float>(c.demo[b]);
        }
    }
    if (options.status_at) {
        r.status_counts.assign(STATUS_SITES * K, 0);
        for (const auto& c : counts)
            for (std::size_t i = 0; i < c.status.size(); ++i) r.status_counts[i] += c.status[i];
    }
    r.site_p_open_at_end.assign(SITES, 0);
    for (const auto& c : counts)
        for (std::size_t j = 0; j < SITES; ++j) r.site_p_open_at_end[j] += static_cast<float>(c.open_end[j]);
    for (auto& x : r.site_p_open_at_end) x /= static_cast<float>(n);
    r.covered_by_industry.resize(IK);
    for (std::size_t i = 0; i < IK; ++i) {
        for (std::size_t k = 0; k < reps; ++k) col[k] = covered[k * IK + i];
        r.covered_by_industry[i] = quantiles(col);
    }
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
    return r;
}

}  // namespace tisheng
