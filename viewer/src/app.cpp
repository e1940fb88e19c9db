#include "app.hpp"

#include <fmt/format.h>
#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <utility>

#include "core/layout.hpp"
#include "core/point_class.hpp"
#include "core/labels.hpp"
#include "tisheng/core/threads.hpp"
#include "tisheng/model/ids.hpp"

namespace tisheng::viewer {

namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();
// The points that are no site of the programme: candidate stations, demand.
constexpr view::Rgba candidate_colour{40, 40, 40, 255}, demand_colour{70, 70, 90, 110};

/// Background threads leave one core to the UI (and to llvmpipe).
int background_threads(int requested) { return thread_count(requested, 1, 1); }

/// A background result over open sites: nothing wanted, or what is shown
/// already: no job; else one job for `want`, started once (`asked`).
template <class R, class Make>
void ask_for(Task<R>& task, const SitesKey& want, const SitesKey& shown, SitesKey& asked, const char* what, Make make) {
    if (want == SitesKey{} || want == shown) {
        task.cancel();
        asked = {};
    } else if (want != asked) {
        asked = want;
        task.start(std::string(tr("Running")) + ": " + what, [key = want, make](Progress& p) { return make(key, p); });
    }
}

}  // namespace

App::App(Options o) : options(std::move(o)) {
    set_chinese(options.chinese);
    m_glyphs = chinese_label_text();
    if (!options.input.empty()) open(options.input, options.overrides);
    m_pending_whatif = options.whatif;
}

App::~App() {
    // Every job is asked to stop first, so that they end together; each
    // task then waits for its own.
    loading.cancel();
    againsts.cancel();
    basemap.cancel();
    runs.cancel();
    sitings.cancel();
    explaining.cancel();
    replays.cancel();
    accessing.cancel();
    accessing_a.cancel();
    surfacing.cancel();
}

void App::message(std::string text) {
    std::size_t from = 0;
    for (std::size_t nl; (nl = text.find('\n', from)) != std::string::npos; from = nl + 1) messages.push_back(text.substr(from, nl - from));
    messages.push_back(text.substr(from));
}

void App::open(const std::filesystem::path& input, std::vector<std::string> overrides) {
    m_failed = false;
    scenario_file = input;
    loading.start(tr("Loading"), [input, overrides](Progress& p) { return open_input(input, overrides, p); });
    // A run folder opens as it was run; --set edits then make a second run to compare with.
    if (std::filesystem::is_directory(input) && !overrides.empty()) m_pending_whatif = std::move(overrides);
}

void App::start_run(std::vector<std::string> overrides) {
    if (!data) return;
    const auto file = scenario_file;
    std::vector<std::string> sets = load_overrides;
    sets.insert(sets.end(), overrides.begin(), overrides.end());
    const int threads = background_threads(options.threads);
    const auto files = load_data_files;
    // The data loaded stands in for the files, unless an edit names one of them.
    Reuse reuse;
    if (std::none_of(overrides.begin(), overrides.end(), names_data_input)) reuse = {data->scenario, run};
    runs.start(tr("Simulating"), [file, sets, files, threads, reuse](Progress& p) { return run_scenario(file, sets, files, threads, p, reuse); });
}

void App::compare_with(const std::filesystem::path& folder) {
    againsts.start(tr("Loading"), [folder](Progress& p) {
        if (!std::filesystem::is_directory(folder)) throw Error(folder.string() + ": expected a run folder (made by tisheng run --out)");
        return open_input(folder, {}, p);
    });
}

void App::show_run(Run done) {
    // The run shown becomes A, the new one B; A keeps the replication it
    // showed as B (its key renamed below), so it is not replayed again.
    std::optional<Derived> was_b;
    if (run) {
        previous = std::move(run);
        if (!derived.trajectory_key.empty()) was_b = derived;
    }
    run = std::make_shared<const Run>(std::move(done));
    start_explaining();
    if (run->from.empty())
        message(fmt::format(fmt::runtime(tr("run {}: {} replications in {:.2f} s{}")), run_label(), run->results.replications, run->seconds,
                            run->overrides.empty() ? "" : std::string(tr(" with ")) + fmt::format("{}", fmt::join(run->overrides, ", "))));
    if (!whatif.loaded) {
        load_whatif_defaults();
        apply_startup_options();
    }
    // Until its replication arrives the map keeps the previous run's state;
    // the previous trajectory goes (the charts index it by this run's layout).
    ++m_runs;
    if (was_b) {  // "B|runs|rep" -> "A|runs|rep"
        side_a = std::move(*was_b);
        side_a.trajectory_key = fmt::format("A|{}|{}", m_runs, side_a.trajectory_key.substr(side_a.trajectory_key.rfind('|') + 1));
    }
    derived.key.clear();
    derived.trajectory_key.clear();
    derived.trajectory = {};
    if (!options.against.empty()) compare_with(std::exchange(options.against, {}));
    if (!m_pending_whatif.empty()) {
        const auto sets = std::exchange(m_pending_whatif, {});
        if (options.compare == "difference") view.compare = Compare::difference;
        else if (options.compare == "off") view.compare = Compare::off;
        start_run(sets);
    }
}

void App::start_siting() {
    if (!data) return;
    auto scenario = data->scenario;
    const int threads = background_threads(options.threads);
    sitings.start(tr("Siting"), [scenario, threads](Progress& p) {
        SitingResult r;
        r.scenario = scenario;
        SitingView& v = r.view;
        v.model = std::make_shared<const SitingModel>(*scenario, &p.cancel);
        SitingOptions o;
        o.threads = threads;
        o.cancel = &p.cancel;
        v.plan = std::make_shared<const Plan>(make_plan(*scenario, *v.model, o));
        const double radius = scenario->siting.radius;
        const CoverageModel& m = v.model->coverage;
        v.tracker = std::make_shared<coverage::ReachTracker>(m.radius_pairs({radius}), m.workers, m.demand_unit,
                                                             scenario->region.units().size());
        if (p.cancel) throw Cancelled();
        v.on.assign(v.model->problem.candidates.size(), 0);
        v.open_count.assign(m.sites.size(), 0);
        for (const auto& ch : v.plan->solution.chosen) v.toggle(ch.candidate);
        v.objective_share = v.tracker->share(0);
        return r;
    });
}

void App::start_explaining() {
    std::shared_ptr<const Run> shown = run;
    if (shown && shown->results.fixes) {  // a stored run's, or computed with it
        explained = {shown, shown->results.fixes};
        return;
    }
    if (!shown || !shown->simulator) return;
    const int threads = background_threads(options.threads);
    explaining.start(tr("Why missed"), [shown, threads](Progress& p) {
        CounterfactualOptions co;
        co.threads = threads;
        co.cancel = &p.cancel;
        co.progress = [&p](int done, int total) {
            p.total = total;
            p.done = done;
        };
        return Explained{shown, std::make_shared<const Counterfactuals>(explain_misses(*shown->simulator, shown->results, co))};
    });
}

bool App::idle() const {
    return !loading.running() && !runs.running() && !sitings.running() && !againsts.running() && !basemap.busy() && m_pending_whatif.empty() &&
           !replays.running() && !accessing.running() && !accessing_a.running() && !surfacing.running() && (options.unit.empty() || !explaining.running());
}

void App::poll_tasks() {
    std::string error;
    std::optional<Opened> loaded;
    if (loading.poll(loaded, error)) {
        if (loaded) {
            scenario_file = loaded->scenario_file;
            load_overrides = loaded->overrides;
            load_data_files = loaded->data_files;
            if (!loaded->note.empty()) message(loaded->note);
            data = std::make_shared<const Dataset>(std::move(loaded->data));
            m_glyphs = chinese_label_text() + data->glyphs;
            run.reset();
            previous.reset();
            siting = {};
            derived = {};
            side_a = {};
            ++m_loads;
            whatif.loaded = false;
            view.fit_pending = true;
            view.selected_point = view.selected_unit = -1;
            if (renderer_ready) renderer.set_geometry(*data);
            if (renderer_ready)  // --basemap files, else those beside the data; --no-basemap: none (File → Open basemap adds)
                basemap.load(*data, options.no_basemap ? std::vector<std::filesystem::path>{} : options.basemaps,
                             !options.no_basemap && options.basemaps.empty());
            if (loaded->stored) show_run(std::move(*loaded->stored));
            else start_run({});
        } else if (error == cancelled_error) {
            message(fmt::format(fmt::runtime(tr("{}: opening cancelled")), scenario_file.string()));
        } else {
            message(fmt::format(fmt::runtime(tr("{}: could not be opened")), scenario_file.string()));
            message(error);
            m_failed = true;
            view.tab = Tab::messages;
            view.tab_request = true;
        }
    }
    std::optional<Run> done;
    if (runs.poll(done, error)) {
        if (done) {
            show_run(std::move(*done));
        } else if (error != cancelled_error) {
            message(tr("the run failed:"));
            message(error);
            m_pending_whatif.clear();
            view.tab = Tab::messages;
            view.tab_request = true;
        } else {
            message(tr("what-if run cancelled; the previous run is kept"));
        }
    }
    std::optional<Opened> other;
    if (againsts.poll(other, error)) {
        // The same units and sites, or the two maps would not mean the same ground.
        if (other && other->stored && data && other->data.units.size() == data->units.size() && other->data.points.size() == data->points.size()) {
            previous = std::make_shared<const Run>(std::move(*other->stored));
            if (view.compare == Compare::off) view.compare = Compare::split;
            ++m_runs;  // every side's replication is asked for again
            derived.key.clear();
            side_a = {};
            message(fmt::format(fmt::runtime(tr("A: the run saved in {}")), previous->from));
        } else {
            message(tr("cannot compare: ") + (other ? std::string(tr("not a run of the same data")) : error));
            view.tab = Tab::messages;
            view.tab_request = true;
        }
    }
    std::optional<Explained> why;
    if (explaining.poll(why, error)) {
        if (why) explained = std::move(*why);
        else if (error != cancelled_error) message(tr("explaining the misses failed: ") + error);
    }
    std::optional<SitingResult> sited;
    if (sitings.poll(sited, error)) {
        if (sited && data && sited->scenario == data->scenario) {
            siting = std::move(sited->view);
        } else if (sited) {
            // made for data since replaced: dropped
        } else if (error == cancelled_error) {
            message(tr("siting cancelled"));
        } else {
            message(tr("siting failed: ") + error);
            view.tab = Tab::messages;
            view.tab_request = true;
        }
    }
    // The view's parts made in the background: applied if still wanted.
    std::optional<Replayed> replayed;
    if (replays.poll(replayed, error)) {
        // B's or A's, if still the one that side wants (else dropped).
        Derived* side = !replayed ? nullptr : replayed->key == m_replay_want ? &derived : replayed->key == m_replay_want_a ? &side_a : nullptr;
        if (side) {
            side->trajectory = std::move(replayed->shown.trajectory);
            side->replication = replayed->shown.replication;
            side->history = std::move(replayed->shown.history);
            side->trajectory_key = std::move(replayed->key);
        } else if (!replayed && error != cancelled_error) {
            message(tr("replaying the replication failed: ") + error);
        }
    }
    for (auto [task, want, side] : {std::tuple{&accessing, &m_access_want, &derived}, std::tuple{&accessing_a, &m_access_want_a, &side_a}}) {
        std::optional<UnitAccess> access;
        if (!task->poll(access, error)) continue;
        if (access && access->key == *want) {
            side->unit_access = std::move(access->value);
            side->access_for = std::move(access->key);
            derived.key.clear();  // the fill again, with these values
        } else if (!access && error != cancelled_error) {
            message(tr("accessibility failed: ") + error);
        }
    }
    std::optional<Surfaced> surfaced;
    if (surfacing.poll(surfaced, error)) {
        if (surfaced && surfaced->key == m_surface_want) {
            show_surface(surfaced->values);
            derived.surface_for = std::move(surfaced->key);
        } else if (!surfaced && error != cancelled_error) {
            message(tr("the surface failed: ") + error);
        }
    }
}

// The first run of a scenario: the date, fill, state and panel asked for
// on the command line (later runs keep what the user chose since).
void App::apply_startup_options() {
    view.month = static_cast<int>(month_count()) - 1;  // the end of the horizon, unless --date says otherwise
    if (!options.date.empty()) set_month_from_date(options.date);
    // A programme whose targets are all city-wide (Quanzhou's 30/10)
    // has no per-unit P(target met): start on the count instead.
    const auto& checks = run->results.layout.checks;
    if (std::none_of(checks.begin(), checks.end(), [](const Check& c) { return c.unit >= 0; }) && view.fill == FillMetric::p_target)
        view.fill = FillMetric::built;
    // The target shown first is the one least likely met (the first on
    // ties): the answer a planner needs first, not a target met everywhere.
    const auto& targets = run->scenario->programme.targets;
    double lowest = 2;
    for (std::size_t t = 0; t < targets.size(); ++t) {
        const bool per_unit = std::any_of(checks.begin(), checks.end(), [&](const Check& c) { return c.target == t && c.unit >= 0; });
        if (const double p = p_targets_met(run->results, {t}); per_unit && p < lowest) {
            lowest = p;
            view.target = static_cast<int>(t);
        }
    }
    if (!options.target.empty()) {
        auto it = std::find_if(targets.begin(), targets.end(), [&](const Target& t) { return t.id == options.target; });
        if (it != targets.end()) view.target = static_cast<int>(it - targets.begin());
        else message("--target " + options.target + tr(": no such target"));
    }
    if (!options.fill.empty()) {
        const std::string& f = options.fill;
        view.fill = f == "built" ? FillMetric::built : f == "coverage" ? FillMetric::coverage
                  : f == "access" ? FillMetric::accessibility : FillMetric::p_target;
    }
    if (options.mode == "probability") view.mode = StateMode::probability;
    if (options.mode == "replication") view.mode = StateMode::replication;
    if (!options.tab.empty()) {
        static const char* names[] = {"layers", "inspector", "charts", "whatif", "siting", "messages"};
        for (int t = 0; t < 6; ++t)
            if (options.tab == names[t]) view.tab = static_cast<Tab>(t);
        view.tab_request = true;
        if (view.tab == Tab::siting && !siting.plan) start_siting();
    }
    if (!options.unit.empty()) {
        if (auto u = data->scenario->region.find(options.unit)) {
            view.selected_unit = static_cast<std::int64_t>(*u);
            view.tab = Tab::inspector;
            view.tab_request = true;
        } else {
            message("--unit " + options.unit + tr(": no such unit"));
        }
    }
}

void App::set_month_from_date(const std::string& iso) {
    if (!run) return;
    const auto d = Date::parse(iso);
    if (!d) {
        message("--date " + iso + tr(": expected YYYY-MM-DD"));
        return;
    }
    const auto& months = run->results.layout.months;
    int m = 0;
    while (m + 1 < static_cast<int>(months.size()) && months[static_cast<std::size_t>(m)] < *d) ++m;
    view.month = m;
}

std::size_t App::month_count() const { return run ? run->results.layout.months.size() : 0; }
Date App::month_date(int m) const { return run->results.layout.months.at(static_cast<std::size_t>(std::clamp(m, 0, static_cast<int>(month_count()) - 1))); }

std::string App::unit_name(std::size_t u) const {
    const Unit& unit = data->scenario->region.unit(static_cast<UnitIndex>(u));
    return chinese() ? unit.name : unit.name_en.empty() ? unit.name : unit.name_en + " " + unit.name;
}

std::string App::unit_label(std::size_t u) const {
    const Unit& unit = data->scenario->region.unit(static_cast<UnitIndex>(u));
    return chinese() || unit.name_en.empty() ? unit.name : unit.name_en;
}

// The engine's dictionary (Labels: status:*, outcome:*), as the report and
// the forms name them.
std::string App::status_name(std::uint8_t status) const {
    const char* lang = chinese() ? "zh" : "en";
    if (data->stations)
        return data->scenario->labels.name("status:" + std::string(to_string(static_cast<StationStatus>(std::min<std::uint8_t>(status, 6)))), lang);
    return data->scenario->labels.name("outcome:" + std::string(outcome_name(static_cast<BaseStatus>(std::min<std::uint8_t>(status, 7)))), lang);
}

int App::class_count() const { return data && data->stations ? view::project_classes : view::base_classes; }

std::string App::class_name(std::uint8_t c) const {
    if (!data->stations) return status_name(c);
    static const char* names[] = {"not started", "no station", "ended (past planned end)"};
    return c < 3 ? tr(names[c]) : status_name(static_cast<std::uint8_t>(c - 2));
}

view::Rgba App::class_colour(std::uint8_t c) const {
    return data->stations ? view::project_class_colour(static_cast<view::ProjectClass>(c)) : view::base_class_colour(c);
}

std::vector<App::KeyEntry> App::point_key(const Derived& d) const {
    std::vector<KeyEntry> key;
    if (!data || view.mode == StateMode::probability) return key;
    if (view.point_colour == PointColour::industry && view.show_sites) {
        for (std::size_t i = 0; i < d.industry_count.size(); ++i)
            if (d.industry_count[i] > 0) key.push_back({data->industries[i], view::categorical(i), d.industry_count[i]});
        return key;
    }
    for (std::size_t c = 0; c < d.class_count.size() && view.show_sites; ++c)
        if (d.class_count[c] > 0) key.push_back({class_name(static_cast<std::uint8_t>(c)), class_colour(static_cast<std::uint8_t>(c)), d.class_count[c]});
    // The points that are no site of the programme, as derive_points draws them.
    if ((data->stations ? view.show_candidates : view.show_demand) && d.other_count > 0)
        key.push_back({tr(data->stations ? "Candidate sites" : "Demand"), data->stations ? candidate_colour : demand_colour, d.other_count});
    return key;
}

std::string App::payer_name(const std::string& id) const {
    const Scenario& sc = *data->scenario;
    const char* lang = chinese() ? "zh" : "en";
    if (auto line = parse_payer_line(id))
        if (auto u = sc.region.find(line->unit)) return sc.labels.name("payer:" + line->payer, lang) + " " + unit_name(*u);
    return sc.labels.name("payer:" + id, lang);
}

std::string App::series_metric_name() const { return data && data->stations ? "stations_built" : "bases_named"; }

std::optional<std::size_t> App::metric_index(const std::string& name) const {
    if (!run) return std::nullopt;
    const auto& m = run->results.layout.metrics;
    auto it = std::find(m.begin(), m.end(), name);
    if (it == m.end()) return std::nullopt;
    return static_cast<std::size_t>(it - m.begin());
}

Quantiles App::series(const Run& r, std::size_t metric, std::size_t row, std::size_t month) const {
    const Layout& L = r.results.layout;
    return r.results.series.at(L.series_index(metric, row, month));
}

void App::load_whatif_defaults() {
    const Scenario& s = *run->scenario;
    whatif = {};
    // Expanded per-unit payers ("county:350526") share one YAML entry, shown
    // with its first county's amount.
    for (const Payer& p : s.budgets.payers) {
        const std::string id = payer_group(p);
        if (std::find(whatif.payer_ids.begin(), whatif.payer_ids.end(), id) != whatif.payer_ids.end()) continue;
        whatif.payer_ids.push_back(id);
        whatif.payer_cny.push_back(p.annual_cny.value_or(0));
        whatif.payer_unlimited.push_back(!p.annual_cny.has_value());
    }
    for (const auto& t : s.programme.grants.tiers) whatif.tier_cny.push_back(t.cny);
    for (const auto& [phase, p] : s.behaviour.stations.adoption_by_phase) {
        whatif.phase_names.push_back(phase);
        whatif.phase_p.push_back(p);
    }
    whatif.replications = run->results.replications;
    whatif.seed = static_cast<long long>(s.run.seed);
    whatif.loaded = true;
    whatif_base = whatif;
}

// [DERIVE] What the map shows at the chosen date, recomputed when the run,
// the date, the mode or the fill changes (not every frame).
std::vector<double> App::unit_values(const Run& r, const Trajectory* t, const std::vector<double>& access) const {
    const std::size_t units = data->units.size();
    std::vector<double> v(units, nan);
    const Layout& L = r.results.layout;
    const auto month = static_cast<std::size_t>(std::clamp(view.month, 0, static_cast<int>(L.months.size()) - 1));
    auto from_series = [&](std::size_t metric) {
        if (!L.per_unit_series()) return;
        for (std::size_t u = 0; u < units; ++u) {
            const std::size_t i = L.series_index(metric, u, month);
            v[u] = t ? t->series[i] : r.results.series[i].p50;
        }
    };
    switch (view.fill) {
        case FillMetric::p_target: {
            // A recurring target: its first check date on or after the month shown (else its last).
            const Date shown = L.months.empty() ? Date{} : L.months[std::min(static_cast<std::size_t>(std::max(view.month, 0)), L.months.size() - 1)];
            std::optional<Date> when;
            for (const Check& c : L.checks)
                if (c.target == static_cast<std::size_t>(view.target) && (!when || (*when < shown && c.date > *when))) when = c.date;
            for (std::size_t c = 0; c < L.checks.size(); ++c)
                if (L.checks[c].target == static_cast<std::size_t>(view.target) && L.checks[c].unit >= 0 && L.checks[c].date == when)
                    v[static_cast<std::size_t>(L.checks[c].unit)] = r.results.checks[c].p_met;
            break;
        }
        case FillMetric::built:
            if (auto m = metric_index(series_metric_name())) from_series(*m);
            break;
        case FillMetric::coverage:
            if (!L.radii.empty()) from_series(L.first_coverage_metric + static_cast<std::size_t>(std::clamp(view.radius, 0, static_cast<int>(L.radii.size()) - 1)));
            break;
        case FillMetric::accessibility:
            if (!access.empty()) v = access;
            break;
    }
    return v;
}

// The replication shown of a side's run (median, chosen, or for a stored
// run the kept one nearest), replayed in the background (a second at
// national size); the side keeps the one before until it arrives, and shows
// nothing of a new run. A replay cannot stop half way: one at a time, B's
// first, the latest wanted next. True once the side has a replication.
bool App::want_replay(const std::shared_ptr<const Run>& r, Derived& d, std::string& want, char side) {
    const Results& R = r->results;
    const int rep = view.mode == StateMode::replication ? std::clamp(view.replication, 0, R.replications - 1) : R.median_replication;
    want = fmt::format("{}|{}|{}", side, m_runs, rep);
    if (d.trajectory_key != want && m_replay_for != want && !replays.running()) {
        m_replay_for = want;
        replays.start(std::string(tr("Running")) + ": " + tr("Replication"), [key = want, dd = data, r, rep](Progress&) {
            return Replayed{key, show_replication(*dd, *r, rep)};
        });
    }
    return !d.trajectory_key.empty();
}

// Accessibility per unit for a side's sites open at the date, only when
// shown (seconds at national size): made in the background; until it
// arrives the fill keeps the values it has.
void App::want_access(Derived& d, Task<UnitAccess>& task, SitesKey& want, SitesKey& asked) {
    if (d.unit_access.size() != data->units.size()) d.unit_access.assign(data->units.size(), nan);
    want = view.fill == FillMetric::accessibility ? SitesKey{m_loads, -1, d.open_sites} : SitesKey{};
    ask_for(task, want, d.access_for, asked, tr("Accessibility"), [dd = data](const SitesKey& key, Progress& p) {
        return UnitAccess{key, unit_accessibility(*dd, key.sites, &p.cancel)};
    });
}

// The points of a run at the date: status (or P(built by the date)),
// class, colour, size, and the coverage-model sites open.
void App::derive_points(const Run& r, Derived& d) const {
    const Results& R = r.results;
    const std::size_t n_points = data->points.size();
    const Date date = month_date(view.month);
    const bool probability = view.mode == StateMode::probability;
    if (probability) d.probability = share_by_month(R, static_cast<std::size_t>(std::max(view.month, 0)));
    d.status.assign(n_points, 0);
    d.point_colour.assign(n_points, {});
    d.point_size.assign(n_points, 0);
    d.point_class.assign(n_points, no_class);
    d.open_sites.clear();
    const view::Legend p_legend = view::make_legend(view::Measure::probability, "", {});
    const auto built = static_cast<std::uint8_t>(data->stations ? static_cast<int>(StationStatus::built) : static_cast<int>(BaseStatus::named));
    for (std::size_t i = 0; i < n_points; ++i) {
        const PointKind k = data->kind[i];
        const std::uint32_t idx = data->index[i];
        float size = 5.0f;
        view::Rgba colour{120, 120, 120, 255};
        if (k == PointKind::project || k == PointKind::base) {
            const std::uint8_t st = d.history.at(idx, date);
            d.status[i] = st;
            const bool open = probability ? d.probability[idx] >= 0.5f : st == built;
            if (open) d.open_sites.push_back(static_cast<std::uint32_t>(data->site_of(i)));
            if (data->stations) {
                const Project& p = data->scenario->sites.projects[idx];
                d.point_class[i] = static_cast<std::uint8_t>(view::project_class(st, date, p.start, p.planned_end));
            } else {
                d.point_class[i] = st;
            }
            if (view.point_colour == PointColour::industry && data->industry[i] >= 0)
                colour = view::categorical(static_cast<std::size_t>(data->industry[i]));
            else if (probability)
                colour = p_legend.colour(d.probability[idx]);
            else
                colour = class_colour(d.point_class[i]);
            // Sized by workers (or trainees): area grows with the number.
            size = 4.0f + 1.6f * std::sqrt(std::max(0.0f, data->workers[i]) / 10.0f);
            size = std::min(size, 22.0f);
            if (!view.show_sites) colour.a = 0;
        } else if (k == PointKind::station) {
            colour = candidate_colour;
            if (!view.show_candidates) colour.a = 0;
            size = 7.0f;
        } else {  // demand
            colour = demand_colour;
            if (!view.show_demand) colour.a = 0;
            size = 2.5f + std::min(4.0f, std::sqrt(std::max(0.0f, data->workers[i])) / 20.0f);
        }
        d.point_colour[i] = colour;
        d.point_size[i] = size;
    }
    std::sort(d.open_sites.begin(), d.open_sites.end());
    d.class_count = view::count_classes(d.point_class, class_count());
    d.industry_count.assign(data->industries.size(), 0);
    d.other_count = 0;
    for (std::size_t i = 0; i < n_points; ++i)
        if (d.point_class[i] == no_class) ++d.other_count;
        else if (data->industry[i] >= 0) ++d.industry_count[static_cast<std::size_t>(data->industry[i])];
}

void App::derive() {
    if (!data || !run) return;
    const bool split = comparing() && view.compare == Compare::split;
    const bool difference = comparing() && view.compare == Compare::difference;
    const bool ready_b = want_replay(run, derived, m_replay_want, 'B');
    const bool ready_a = split && ready_b && want_replay(previous, side_a, m_replay_want_a, 'A');
    if (!ready_b) return;

    const std::string key = fmt::format("{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}", derived.trajectory_key, split ? side_a.trajectory_key : "",
                                        view.month, static_cast<int>(view.mode), static_cast<int>(view.fill), view.target, view.radius,
                                        static_cast<int>(view.point_colour), static_cast<int>(comparing() ? view.compare : Compare::off),
                                        view.show_sites, view.show_candidates, view.show_demand);
    if (key == derived.key) return;
    derived.key = key;

    derive_points(*run, derived);
    want_access(derived, accessing, m_access_want, m_access_for);
    if (split && ready_a) {
        derive_points(*previous, side_a);
        want_access(side_a, accessing_a, m_access_want_a, m_access_for_a);
    } else if (split) {  // A's replication is on its way: no points rather than wrong ones
        side_a.point_colour.assign(data->points.size(), view::Rgba{0, 0, 0, 0});
        side_a.point_size.assign(data->points.size(), 0.0f);
        side_a.point_class.assign(data->points.size(), no_class);
        side_a.class_count.clear();
        side_a.industry_count.clear();
        side_a.other_count = 0;
    }

    // Unit fills: the value, B - A against the previous run, or A | B on
    // one scale (so that a colour means the same number on both sides).
    // One replication's counts in that mode (once it has arrived), else the medians.
    auto shown = [&](const Derived& d) { return view.mode == StateMode::replication && !d.trajectory.series.empty() ? &d.trajectory : nullptr; };
    derived.unit_value = unit_values(*run, shown(derived), derived.unit_access);
    static const char* titles[] = {"P(target met)", "Stations built", "Coverage share", "Accessibility"};
    std::string title = tr(view.fill == FillMetric::built && !data->stations ? "Bases named" : titles[static_cast<int>(view.fill)]);
    const view::Measure measure = view.fill == FillMetric::p_target ? view::Measure::probability
                                : view.fill == FillMetric::built      ? view::Measure::count
                                : view.fill == FillMetric::coverage   ? view::Measure::share
                                                                      : view::Measure::accessibility;
    if (difference && view.fill != FillMetric::accessibility) {
        const std::vector<double> a = unit_values(*previous, nullptr, {});
        for (std::size_t u = 0; u < a.size(); ++u) derived.unit_value[u] -= a[u];
        derived.legend = view::make_legend(view::Measure::difference, title + " " + tr("Difference B - A"), derived.unit_value,
                                           measure == view::Measure::probability || measure == view::Measure::share);
    } else if (split) {
        side_a.unit_value = unit_values(*previous, shown(side_a), side_a.unit_access);
        std::vector<double> both = derived.unit_value;
        both.insert(both.end(), side_a.unit_value.begin(), side_a.unit_value.end());
        derived.legend = view::make_legend(measure, title, both);
        side_a.legend = derived.legend;
    } else {
        derived.legend = view::make_legend(measure, title, derived.unit_value);
    }
    for (Derived* d : {&derived, &side_a}) {
        if (d == &side_a && !split) break;
        d->unit_colour.resize(d->unit_value.size());
        for (std::size_t u = 0; u < d->unit_value.size(); ++u) d->unit_colour[u] = d->legend.colour(d->unit_value[u]);
    }
    if (renderer_ready) {
        renderer.set_unit_colours(derived.unit_colour);
        renderer.set_point_style(derived.point_colour, derived.point_size);
        if (split) {
            renderer.set_unit_colours(side_a.unit_colour, 1);
            renderer.set_point_style(side_a.point_colour, side_a.point_size, 1);
        }
    }
}

// The surface overlay, when shown: distance to the nearest open site or
// accessibility on the coarse grid, made in the background for the sites
// open at the date (the overlay shows the one before until it arrives).
void App::derive_surface() {
    const bool shown = data && run && view.show_surface && renderer_ready && !derived.trajectory_key.empty();
    m_surface_want = shown ? SitesKey{m_loads, view.surface, derived.open_sites} : SitesKey{};
    ask_for(surfacing, m_surface_want, derived.surface_for, m_surface_for, tr("Surface"), [d = data](const SitesKey& key, Progress& p) {
        return Surfaced{key, surface_values(*d, key.sites, key.kind, &p.cancel)};
    });
}

// Its texture (a few milliseconds): colours from the values.
void App::show_surface(const SurfaceValues& s) {
    const std::vector<float>& v = s.value;
    const double hi = s.high;
    std::vector<view::Rgba> rgba(v.size(), view::Rgba{0, 0, 0, 0});
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (!data->mask[i]) continue;
        // Near (or accessible) is bright: t = 1 at the site, 0 far away.
        const double t = s.kind == 0 ? 1.0 - std::min(1.0, v[i] / hi) : std::min(1.0, v[i] / hi);
        rgba[i] = view::sample(view::Palette::sequential, t);
    }
    renderer.set_surface(data->grid, rgba);
}

void App::frame(double width, double height, double dt) {
    poll_tasks();
    derive();
    derive_surface();

    const view::ScreenLayout layout = view::screen_layout(width, height);
    map_area = layout.map;
    view.camera.viewport = split() ? view::split_map(layout.map).b : layout.map;
    if (split() != m_was_split) {  // the map's width changed: show the region whole again
        m_was_split = split();
        view.fit_pending = true;
    }
    if (data && view.fit_pending) {
        view.camera.fit(data->bounds);
        view.fit_pending = false;
    }
    draw_menu(*this);
    draw_map_overlay(*this, layout.map);
    draw_time_bar(*this, layout.timebar, dt);

    ImGui::SetNextWindowPos(ImVec2(static_cast<float>(layout.sidebar.x), static_cast<float>(layout.sidebar.y)));
    ImGui::SetNextWindowSize(ImVec2(static_cast<float>(layout.sidebar.w), static_cast<float>(layout.sidebar.h)));
    ImGui::Begin("##sidebar", nullptr, ImGuiWindowFlags_NoTitleBar | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoMove |
                                          ImGuiWindowFlags_NoCollapse | ImGuiWindowFlags_NoBringToFrontOnFocus);
    auto busy = [&](const std::string& what, float f, bool can_cancel, auto cancel) {
        ImGui::Text("%s", what.c_str());
        ImGui::ProgressBar(f, ImVec2(can_cancel ? -80.0f : -1.0f, 0));
        if (can_cancel) {
            ImGui::SameLine();
            if (ImGui::Button(tr("Cancel"))) cancel();
        }
    };
    if (loading.running()) busy(loading.what(), loading.fraction(), !loading.cancelling(), [&] { loading.cancel(); });
    if (runs.running()) busy(runs.what(), runs.fraction(), !runs.cancelling(), [&] { runs.cancel(); });
    if (sitings.running()) busy(sitings.what(), 0.0f, !sitings.cancelling(), [&] { sitings.cancel(); });
    if (explaining.running()) busy(explaining.what(), explaining.fraction(), !explaining.cancelling(), [&] { explaining.cancel(); });
    if (ImGui::BeginTabBar("tabs")) {
        struct T {
            Tab tab;
            const char* label;
            void (*draw)(App&);
        };
        const T tabs[] = {{Tab::layers, "Layers", draw_layers_panel},       {Tab::inspector, "Inspector", draw_inspector_panel},
                          {Tab::charts, "Charts", draw_charts_panel},       {Tab::whatif, "What-if", draw_whatif_panel},
                          {Tab::siting, "Siting", draw_siting_panel},       {Tab::messages, "Messages", draw_messages_panel}};
        for (const T& t : tabs) {
            const bool select = view.tab_request && view.tab == t.tab;
            if (ImGui::BeginTabItem(trid(t.label).c_str(), nullptr, select ? ImGuiTabItemFlags_SetSelected : 0)) {
                if (!view.tab_request) view.tab = t.tab;
                t.draw(*this);
                ImGui::EndTabItem();
            }
        }
        view.tab_request = false;
        ImGui::EndTabBar();
    }
    // The view's own parts, below the panels (they come and go as the date
    // moves: the tabs stay put); superseded when the view changes.
    if (replays.running()) ImGui::TextDisabled("%s ...", replays.what().c_str());
    if (accessing.running()) ImGui::TextDisabled("%s ...", accessing.what().c_str());
    if (surfacing.running()) ImGui::TextDisabled("%s ...", surfacing.what().c_str());
    ImGui::End();
}

// Discs cover about their size squared in pixels each; where the points in
// view would cover the map more than once over, they shrink (to 2 px at
// least): legible, and what software rendering pays for is fragments.
float App::point_scale() const {
    if (!data || data->points.empty()) return 1.0f;
    const Box& b = data->bounds;
    const view::Rect w = view.camera.visible_world();
    const double bounds_area = std::max(1.0, (b.max_x - b.min_x) * (b.max_y - b.min_y));
    const double shown = static_cast<double>(data->points.size()) * std::min(1.0, w.w * w.h / bounds_area);
    const double map_px = std::max(1.0, view.camera.viewport.w * view.camera.viewport.h);
    constexpr double typical_px = 8.0;  // a typical disc's diameter
    const double cover = shown * typical_px * typical_px / map_px;
    return cover <= 1.0 ? 1.0f : static_cast<float>(std::max(0.2, 1.0 / std::sqrt(cover)));
}

void App::render_map(int framebuffer_height) {
    if (!renderer_ready || !data) return;
    MapLayers layers;
    layers.fill = view.show_fill;
    layers.borders = view.show_borders;
    // Points wait for their first colours (a new dataset's first replay):
    // undrawn, not 100,000 placeholder discs drawn one by one.
    layers.points = (view.show_sites || view.show_demand || view.show_candidates) && derived.point_colour.size() == data->points.size();
    layers.surface = view.show_surface;
    layers.surface_opacity = view.surface_opacity;
    layers.point_scale = point_scale();
    if (basemap.update(view.camera, renderer, [this](std::string m) { message(std::move(m)); })) {
        view.tab = Tab::messages;
        view.tab_request = true;
    }
    layers.basemap = view.show_basemap && basemap.available();
    layers.basemap_opacity = view.basemap_opacity;
    if (layers.basemap) layers.fill_alpha = view.basemap_fill_alpha;
    // Too many points in view to read one by one: aggregated into cells,
    // recomputed when the view or the points' colours change.
    const view::Camera& cam = view.camera;
    const bool split_view = split();
    const std::string key = fmt::format("{}|{:.3f}|{:.3f}|{:.6g}|{}x{}", derived.key, cam.center.x, cam.center.y, cam.metres_per_pixel,
                                        cam.viewport.w, cam.viewport.h);
    if (key != m_bins_key) {
        m_bins_key = key;
        m_aggregated = view::points_in_view(cam, data->points, derived.point_colour) > view::max_points_drawn;
        if (m_aggregated) {
            renderer.set_bins(view::aggregate(cam, data->points, derived.point_colour));
            if (split_view) renderer.set_bins(view::aggregate(camera_a(), data->points, side_a.point_colour), 1);
        }
    }
    layers.aggregated = m_aggregated;
    renderer.draw(cam, layers, framebuffer_height);
    if (split_view) renderer.draw(camera_a(), layers, framebuffer_height, 1);
}

}  // namespace tisheng::viewer

namespace tisheng::viewer {

void SitingView::toggle(std::uint32_t c) {
    const std::uint32_t site = model->site[c];
    if (on[c]) {
        on[c] = 0;
        if (--open_count[site] == 0) tracker->close(site);
    } else {
        on[c] = 1;
        if (open_count[site]++ == 0) tracker->open(site);
    }
}

}  // namespace tisheng::viewer
