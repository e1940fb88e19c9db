#include "core/model.hpp"
#include "tisheng/simulate/counterfactual.hpp"
#include "tisheng/results/run.hpp"

#include <fmt/format.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>

#include "tisheng/core/error.hpp"

namespace tisheng::viewer {

namespace fs = std::filesystem;

namespace {

MultiPolygon<MetricPoint> to_metric(const MultiPolygon<LonLat>& mp, const MetricCrs& crs) {
    MultiPolygon<MetricPoint> out;
    auto ring = [&](const Ring<LonLat>& r) {
        Ring<MetricPoint> m;
        m.reserve(r.size());
        for (const LonLat& p : r) m.push_back(crs.forward(p));
        return m;
    };
    for (const auto& poly : mp) {
        Polygon<MetricPoint> p{ring(poly.outer), {}};
        for (const auto& h : poly.holes) p.holes.push_back(ring(h));
        out.push_back(std::move(p));
    }
    return out;
}

view::Vec2 v2(MetricPoint p) { return {p.x, p.y}; }

void throw_if_cancelled(const std::atomic<bool>& cancel) {
    if (cancel.load(std::memory_order_relaxed)) throw Cancelled();
}

}  // namespace

std::int64_t Dataset::site_of(std::size_t point) const {
    switch (kind[point]) {
        case PointKind::project: return index[point];
        case PointKind::station: return static_cast<std::int64_t>(scenario->sites.projects.size() + index[point]);
        case PointKind::base: return index[point];
        case PointKind::demand: return -1;
    }
    return -1;
}

std::string Dataset::point_name(std::size_t point) const {
    const Sites& s = scenario->sites;
    switch (kind[point]) {
        case PointKind::project: return s.projects[index[point]].name;
        case PointKind::station: return s.stations[index[point]].name;
        case PointKind::base: return s.bases[index[point]].name;
        case PointKind::demand: return s.demand[index[point]].id;
    }
    return {};
}

Dataset load_dataset(const fs::path& file, const std::vector<std::string>& overrides, Progress& progress,
                     const std::map<std::string, fs::path>& data_files) {
    progress.total = 4;
    LoadOptions o;
    o.overrides = overrides;
    o.data_files = data_files;
    o.cancel = &progress.cancel;
    return prepare_dataset(std::make_shared<const Scenario>(load_scenario(file, o)), progress);
}

Opened open_input(const fs::path& input, const std::vector<std::string>& overrides, Progress& progress) {
    Opened o;
    if (!fs::is_directory(input)) {
        o.scenario_file = input;
        o.overrides = overrides;
        o.data = load_dataset(input, overrides, progress);
        return o;
    }
    const auto t0 = std::chrono::steady_clock::now();
    StoredRun stored = open_store(input);
    throw_if_cancelled(progress.cancel);
    o.scenario_file = input / "input" / "scenario.yaml";
    o.overrides = stored.record.overrides;
    for (const auto& [role, copy] : stored.record.input_files) o.data_files[role] = input / copy.path;
    o.data = prepare_dataset(stored.scenario, progress);
    Run r;
    r.scenario = stored.scenario;
    r.results = std::move(stored.results);
    r.kept = std::move(stored.kept);
    r.overrides = stored.record.overrides;
    r.from = input.string();
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    o.stored = std::move(r);
    o.note = fmt::format("{}: opened its results store ({} replications, {} kept whole) in {:.2f} s; nothing was re-run",
                         input.string(), o.stored->results.replications, o.stored->kept.size(), o.stored->seconds);
    return o;
}

Replay Run::replication(std::int64_t k) const {
    if (simulator) return replay(*simulator, static_cast<std::uint64_t>(k));
    const KeptReplication* best = nullptr;
    for (const auto& x : kept)
        if (!best || std::llabs(x.replay.replication - k) < std::llabs(best->replay.replication - k)) best = &x;
    return best ? best->replay : Replay{};
}

std::vector<std::int64_t> Run::kept_indices() const {
    std::vector<std::int64_t> out;
    if (!simulator)
        for (const auto& x : kept) out.push_back(x.replay.replication);
    return out;
}

namespace {

/// Each character of a text once, in the order first seen: the font atlas
/// needs every glyph once, and a national register's names run to tens of MB.
std::string distinct_characters(const std::string& text) {
    std::vector<bool> seen(0x110000);
    std::string out;
    for (std::size_t i = 0; i < text.size();) {
        const auto lead = static_cast<unsigned char>(text[i]);
        const std::size_t n = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
        if (i + n > text.size()) break;
        std::uint32_t cp = n == 1 ? lead : lead & (0x7F >> n);
        for (std::size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
        if (cp < seen.size() && !seen[cp]) {
            seen[cp] = true;
            out.append(text, i, n);
        }
        i += n;
    }
    return out;
}

}  // namespace

Dataset prepare_dataset(std::shared_ptr<const Scenario> scenario, Progress& progress) {
    progress.total = 4;
    throw_if_cancelled(progress.cancel);
    Dataset d;
    d.scenario = std::move(scenario);
    progress.done = 1;
    const Scenario& s = *d.scenario;
    const MetricCrs& crs = s.region.crs();
    d.stations = s.programme.kind == ProgrammeKind::stations;
    d.glyphs = s.title + s.name + s.region.name() + s.programme.name;
    for (const Payer& p : s.budgets.payers) d.glyphs += p.name;
    // Display names of targets, levers, outcomes (built-in and the scenario's).
    for (const auto& t : s.programme.targets) d.glyphs += s.labels.name("target:" + t.id);
    for (const auto& l : levers(s)) d.glyphs += lever_label(s, l, "zh");
    for (const auto& key : Labels::builtin_keys()) d.glyphs += s.labels.name(key);
    for (const Phase& p : s.programme.phases) d.glyphs += p.name_zh;
    d.glyphs += "＋不限";

    d.bounds = {std::numeric_limits<double>::max(), std::numeric_limits<double>::max(), -std::numeric_limits<double>::max(),
                -std::numeric_limits<double>::max()};
    for (const Unit& u : s.region.units()) {
        throw_if_cancelled(progress.cancel);
        d.units.push_back(to_metric(u.geometry, crs));
        for (const auto& poly : d.units.back())
            for (const MetricPoint& p : poly.outer) {
                d.bounds.min_x = std::min(d.bounds.min_x, p.x);
                d.bounds.min_y = std::min(d.bounds.min_y, p.y);
                d.bounds.max_x = std::max(d.bounds.max_x, p.x);
                d.bounds.max_y = std::max(d.bounds.max_y, p.y);
            }
        d.fills.push_back(view::triangulate(d.units.back()));
        d.labels.push_back(v2(crs.forward(u.label)));
        d.glyphs += u.name;
    }
    d.origin = {(d.bounds.min_x + d.bounds.max_x) / 2, (d.bounds.min_y + d.bounds.max_y) / 2};
    progress.done = 2;

    std::map<std::string, std::int32_t> industry;
    auto industry_of = [&](const std::string& name) {
        auto [it, added] = industry.emplace(name, static_cast<std::int32_t>(d.industries.size()));
        if (added) d.industries.push_back(name);
        return it->second;
    };
    auto add = [&](PointKind k, std::size_t i, LonLat pos, double workers, std::int32_t ind) {
        d.points.push_back(v2(crs.forward(pos)));
        d.kind.push_back(k);
        d.index.push_back(static_cast<std::uint32_t>(i));
        d.workers.push_back(static_cast<float>(workers));
        d.industry.push_back(ind);
    };
    if (d.stations) {
        for (std::size_t i = 0; i < s.sites.projects.size(); ++i) {
            const Project& p = s.sites.projects[i];
            add(PointKind::project, i, p.pos, p.workforce, industry_of(std::string(to_string(p.type))));
            d.glyphs += p.name;
            d.glyphs += p.enterprise;
        }
        for (std::size_t i = 0; i < s.sites.stations.size(); ++i) {
            add(PointKind::station, i, s.sites.stations[i].pos, 0, -1);
            d.glyphs += s.sites.stations[i].name;
        }
    } else {
        for (std::size_t i = 0; i < s.sites.bases.size(); ++i) {
            const CandidateBase& b = s.sites.bases[i];
            add(PointKind::base, i, b.pos, b.annual_trainees, industry_of(b.industry));
            d.glyphs += b.name;
        }
        for (std::size_t i = 0; i < s.sites.demand.size(); ++i)
            add(PointKind::demand, i, s.sites.demand[i].pos, s.sites.demand[i].workers, industry_of(s.sites.demand[i].industry));
    }
    throw_if_cancelled(progress.cancel);
    d.glyphs = distinct_characters(d.glyphs);
    d.picker.set_points(d.points);
    d.picker.set_units(d.units);
    progress.done = 3;
    throw_if_cancelled(progress.cancel);

    d.coverage = std::make_shared<const CoverageModel>(s);
    // A surface of at most ~400 cells along its longer side: fine enough to
    // read on screen, a few milliseconds to recompute when the date moves.
    const double extent = std::max(d.bounds.max_x - d.bounds.min_x, d.bounds.max_y - d.bounds.min_y);
    d.grid = coverage::region_grid(s.region, std::max(extent / 400.0, 1.0), "viewer surface cell");
    throw_if_cancelled(progress.cancel);
    d.mask = coverage::region_mask(s.region, d.grid);
    progress.done = 4;
    return d;
}

bool names_data_input(const std::string& set) {
    // As a sweep's fixed paths: what load_scenario reads from files (or
    // builds the region from) rather than from the YAML alone.
    static const char* const data[] = {"data_dir", "units", "projects", "stations", "bases", "demand", "coverage.cost_matrix", "region"};
    const std::string path = set.substr(0, set.find('='));
    return std::any_of(std::begin(data), std::end(data), [&](const std::string& p) {
        return path == p || path.starts_with(p + ".") || path.starts_with(p + "[");
    });
}

Run run_scenario(const fs::path& file, const std::vector<std::string>& overrides, const std::map<std::string, fs::path>& data_files,
                 int threads, Progress& progress, const Reuse& reuse) {
    const auto start = std::chrono::steady_clock::now();
    Run r;
    r.overrides = overrides;
    r.data = reuse.data;
    LoadOptions o;
    o.overrides = overrides;
    o.data_files = data_files;
    o.data_from = reuse.data.get();
    o.cancel = &progress.cancel;
    r.scenario = std::make_shared<const Scenario>(load_scenario(file, o));
    throw_if_cancelled(progress.cancel);
    // The coverage pairs depend on the data (the same `data`) and these settings only.
    const Run* like = reuse.like.get();
    const bool share = like && like->simulator && r.data && like->data == r.data &&
                       like->scenario->programme.kind == r.scenario->programme.kind &&
                       like->scenario->coverage.radii == r.scenario->coverage.radii &&
                       like->scenario->coverage.match_industry == r.scenario->coverage.match_industry;
    r.simulator = share ? std::make_shared<const Simulator>(*r.scenario, *like->simulator) : std::make_shared<const Simulator>(*r.scenario);
    throw_if_cancelled(progress.cancel);
    MonteCarloOptions mc;
    mc.threads = threads;
    mc.cancel = &progress.cancel;
    mc.progress = [&](int done, int total) {
        progress.total = total;
        progress.done = done;
    };
    r.results = simulate(*r.simulator, mc);
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return r;
}

Shown show_replication(const Dataset& data, const Run& run, std::int64_t k) {
    Replay r = run.replication(k);  // a stored run: the kept replication nearest `k`
    const Sites& s = data.scenario->sites;
    return {r.replication, std::move(r.trajectory), StatusHistory(data.stations ? s.projects.size() : s.bases.size(), r.log)};
}

std::vector<double> unit_accessibility(const Dataset& data, const std::vector<std::uint32_t>& open, const std::atomic<bool>* cancel) {
    const Scenario& s = *data.scenario;
    const CoverageModel& m = *data.coverage;
    const OpenSitesCoverage c = m.assess(open, s.coverage.decay, s.coverage.catchment, cancel);
    std::vector<double> sum(data.units.size(), 0), w(data.units.size(), 0);
    for (std::size_t i = 0; i < c.access.size(); ++i) {
        sum[m.demand_unit[i]] += m.workers[i] * c.access[i];
        w[m.demand_unit[i]] += m.workers[i];
    }
    std::vector<double> out(data.units.size(), std::numeric_limits<double>::quiet_NaN());
    for (std::size_t u = 0; u < sum.size(); ++u)
        if (w[u] > 0) out[u] = sum[u] / w[u] * 1000.0;  // per 1,000 workers
    return out;
}

SurfaceValues surface_values(const Dataset& data, const std::vector<std::uint32_t>& open, int kind, const std::atomic<bool>* cancel) {
    const Scenario& s = *data.scenario;
    std::vector<MetricPoint> at;
    for (std::uint32_t j : open) at.push_back(data.coverage->sites[j]);
    SurfaceValues out;
    out.kind = kind;
    if (kind == 0) {
        out.value = coverage::distance_surface(data.grid, at, 1);
        out.high = s.coverage.radii.empty() ? 10000.0 : s.coverage.radii.back() * 2;
        return out;
    }
    const OpenSitesCoverage c = data.coverage->assess(open, s.coverage.decay, s.coverage.catchment, cancel);
    std::vector<double> ratios;
    for (std::uint32_t j : open) ratios.push_back(c.ratios[j]);
    out.value = coverage::access_surface(data.grid, at, ratios, s.coverage.decay, s.coverage.catchment, 1);
    for (std::size_t i = 0; i < out.value.size(); ++i)
        if (data.mask[i]) out.high = std::max(out.high, double(out.value[i]));
    return out;
}

std::vector<std::string> messages_of(const std::exception& e) {
    if (const auto* bad = dynamic_cast<const InvalidInput*>(&e)) {
        std::vector<std::string> out;
        for (const auto& p : bad->problems()) out.push_back(p.str());
        return out;
    }
    if (const auto* one = dynamic_cast<const InputError*>(&e)) return {one->problem().str()};
    return {std::string("error: ") + e.what()};
}

void lower_thread_priority() {
    // Linux: the nice value is per thread, and new threads inherit it.
    (void)setpriority(PRIO_PROCESS, 0, 10);
}

std::string describe(const std::exception& e) {
    std::string out;
    for (const auto& m : messages_of(e)) out += (out.empty() ? "" : "\n") + m;
    return out;
}

}  // namespace tisheng::viewer
