// Benchmarks of the rollout simulation (see bench/README.md for the targets
// and the last figures). Loading and preparing a scenario happen outside the
// timed loops; they have benchmarks of their own where they matter
// (national/load, national/prepare). Figures are reported, never asserted.
//
//   jiangmen/replication              one Simulator::run, shipped data, one core
//   jiangmen/monte_carlo/10000x2      simulate(), 10,000 replications on 2 threads
//   jiangmen/variant                  simulate(), 100 replications on 1 thread: one variant of a sweep
//   quanzhou/replication              one Simulator::run, shipped data
//   jiangmen_scale/replication/K      Jiangmen rules on `synth jiangmen --scale K`
//   national/{load,prepare,replication}  `synth national` (~2,800 units, ~500k projects)
//
// Synthetic data live in $TISHENG_BENCH_DATA (default: <build dir>/bench-data)
// as <region>-x<scale>/, generated on first use. Peak memory is VmHWM from
// /proc/self/status; the high-water mark is reset (clear_refs 5) when a new
// scenario is loaded, so it covers that scenario only. Run one group per
// process (--benchmark_filter) for figures free of what freed memory the
// allocator kept: bench/scale.sh does.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "tisheng/planning/coverage_model.hpp"
#include "tisheng/model/scenario.hpp"
#include "tisheng/simulate/simulate.hpp"
#include "tisheng/synth/synth.hpp"

namespace fs = std::filesystem;

namespace {

const fs::path source_dir{TISHENG_BENCH_SOURCE_DIR};

fs::path data_root() {
    if (const char* e = std::getenv("TISHENG_BENCH_DATA"); e && *e) return fs::absolute(e);
    return fs::path{TISHENG_BENCH_DEFAULT_DATA};
}

/// Peak resident set (VmHWM) in MiB, or -1 if /proc is not there.
double peak_mib() {
    std::ifstream in("/proc/self/status");
    for (std::string line; std::getline(in, line);)
        if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;  // "VmHWM:  1234 kB"
    return -1;
}

/// Resets VmHWM to the current resident set (Linux >= 4.0).
void reset_peak() {
    static bool warned = false;
    std::ofstream out("/proc/self/clear_refs");
    out << "5";
    out.flush();
    if (!out && !warned) {
        std::cerr << "bench: cannot reset the peak RSS (/proc/self/clear_refs): peaks cover the whole process\n";
        warned = true;
    }
}

/// <root>/<region>-x<scale>, written by tisheng::synthesize if missing. The
/// last file synth writes (each one renamed into place) marks a complete set.
fs::path synth_dir(const std::string& region, const std::string& scale) {
    const fs::path dir = data_root() / (region + "-x" + scale);
    const fs::path last = dir / (region == "national" ? "scenario.yaml" : "candidate_sites.csv");
    if (!fs::exists(last)) {
        std::cerr << "bench: generating " << dir.string() << " (synth " << region << " --scale " << scale << ")\n";
        tisheng::synthesize({region, std::stod(scale)}, dir);
    }
    return dir;
}

/// A scenario and its prepared Simulator. One at a time is kept, so that a
/// group's peak memory does not include the previous group's data.
struct Loaded {
    std::string key;
    tisheng::Scenario scenario;
    std::unique_ptr<tisheng::Simulator> sim;
};
std::unique_ptr<Loaded> g_loaded;
std::uint64_t g_replication = 0;  // varies the replication from one run to the next

struct Source {
    std::string key;
    fs::path file;
    std::vector<std::string> overrides;
};

Source jiangmen() { return {"jiangmen", source_dir / "scenarios/jiangmen-baseline.yaml", {}}; }
Source quanzhou() { return {"quanzhou", source_dir / "scenarios/quanzhou-baseline.yaml", {}}; }
Source jiangmen_synth(const std::string& scale) {
    // data_dir from --set is relative to the working directory: absolute here.
    const fs::path dir = synth_dir("jiangmen", scale);
    return {"jiangmen-x" + scale, source_dir / "scenarios/jiangmen-baseline.yaml", {"data_dir=" + dir.string()}};
}
Source national(const std::string& scale) {
    const fs::path dir = synth_dir("national", scale);
    return {"national-x" + scale, dir / "scenario.yaml", {}};
}

/// The scenario of `src`, loaded (not timed) unless it is the one kept.
Loaded& scenario(const Source& src) {
    if (!g_loaded || g_loaded->key != src.key) {
        g_loaded.reset();
        reset_peak();
        auto l = std::make_unique<Loaded>();
        l->key = src.key;
        l->scenario = tisheng::load_scenario(src.file, tisheng::LoadOptions{.overrides = src.overrides});
        g_loaded = std::move(l);
    }
    return *g_loaded;
}

/// The same, with its Simulator prepared.
Loaded& prepared(const Source& src) {
    Loaded& l = scenario(src);
    if (!l.sim) l.sim = std::make_unique<tisheng::Simulator>(l.scenario);
    return l;
}

/// Runs `body`, turning an exception (missing data, bad scenario) into a
/// skipped benchmark rather than an aborted run.
template <class F>
void guarded(benchmark::State& state, F&& body) {
    try {
        body();
    } catch (const std::exception& e) {
        state.SkipWithError(e.what());
    }
}

/// One replication per iteration. Counters: register projects and ns per
/// project (wall clock), or candidate bases; peak MiB. `source()` may
/// generate data, so it is called inside the guard.
template <class MakeSource>
void replications(benchmark::State& state, MakeSource&& source) {
    guarded(state, [&] {
        Loaded& l = prepared(source());
        const auto t0 = std::chrono::steady_clock::now();
        for (auto _ : state) {
            tisheng::Trajectory t = l.sim->run(g_replication++);
            benchmark::DoNotOptimize(t);
        }
        const double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
        const auto projects = static_cast<double>(l.scenario.sites.projects.size());
        if (projects > 0) {
            state.counters["projects"] = projects;
            state.counters["ns_per_project"] = ns / static_cast<double>(state.iterations()) / projects;
        }
        if (!l.scenario.sites.bases.empty()) state.counters["bases"] = static_cast<double>(l.scenario.sites.bases.size());
        state.counters["peak_MiB"] = peak_mib();
    });
}

void BM_JiangmenReplication(benchmark::State& state) { replications(state, jiangmen); }
void BM_QuanzhouReplication(benchmark::State& state) { replications(state, quanzhou); }

void BM_JiangmenPrepare(benchmark::State& state) {
    guarded(state, [&] {
        Loaded& l = scenario(jiangmen());
        for (auto _ : state) {
            tisheng::Simulator sim(l.scenario);
            benchmark::DoNotOptimize(&sim);
        }
    });
}

void BM_JiangmenMonteCarlo(benchmark::State& state) {
    const int reps = static_cast<int>(state.range(0)), threads = static_cast<int>(state.range(1));
    guarded(state, [&] {
        Loaded& l = scenario(jiangmen());
        reset_peak();
        for (auto _ : state) {
            tisheng::Results r = tisheng::simulate(l.scenario, {reps, threads, {}});
            benchmark::DoNotOptimize(r);
        }
        state.counters["replications_per_s"] =
            benchmark::Counter(static_cast<double>(reps), benchmark::Counter::kIsIterationInvariantRate);
        state.counters["peak_MiB"] = peak_mib();
    });
}

/// One site toggled on the Jiangmen default data (the viewer's live
/// toggle): open or close one site, then read the city-wide and per-unit
/// shares at every radius. Starts from every third site open.
void BM_JiangmenCoverageToggle(benchmark::State& state) {
    guarded(state, [&] {
        const tisheng::Scenario& s = scenario(jiangmen()).scenario;
        const tisheng::CoverageModel model(s);
        auto pairs = model.radius_pairs(s.coverage.radii);
        tisheng::coverage::ReachTracker t(pairs, model.workers, model.demand_unit, s.region.units().size(), model.demand_industry,
                                          model.industries.size());
        const auto sites = static_cast<std::uint32_t>(model.sites.size());
        for (std::uint32_t j = 0; j < sites; j += 3) t.open(j);
        std::uint32_t j = 0;
        double sum = 0;
        for (auto _ : state) {
            if (t.is_open(j)) t.close(j);
            else t.open(j);
            for (std::size_t k = 0; k < t.radii(); ++k) {
                sum += t.share(k);
                for (std::uint32_t u = 0; u < s.region.units().size(); ++u) sum += t.share_in_unit(k, u);
            }
            j = (j + 7) % sites;
        }
        benchmark::DoNotOptimize(sum);
        state.counters["sites"] = sites;
        std::vector<tisheng::coverage::RadiusPairs::Pair> of;
        double n_pairs = 0;
        for (std::uint32_t site = 0; site < sites; ++site) {
            pairs->pairs_of(site, of);
            n_pairs += static_cast<double>(of.size());
        }
        state.counters["pairs"] = n_pairs;
    });
}

void BM_JiangmenScale(benchmark::State& state, const std::string& scale) {
    replications(state, [&] { return jiangmen_synth(scale); });
}

void BM_NationalLoad(benchmark::State& state, const std::string& scale) {
    guarded(state, [&] {
        const Source src = national(scale);
        g_loaded.reset();
        reset_peak();
        for (auto _ : state) {
            auto l = std::make_unique<Loaded>();
            l->key = src.key;
            l->scenario = tisheng::load_scenario(src.file);
            g_loaded = std::move(l);
        }
        state.counters["units"] = static_cast<double>(g_loaded->scenario.region.units().size());
        state.counters["projects"] = static_cast<double>(g_loaded->scenario.sites.projects.size());
        state.counters["peak_MiB"] = peak_mib();
    });
}

void BM_NationalPrepare(benchmark::State& state, const std::string& scale) {
    guarded(state, [&] {
        Loaded& l = scenario(national(scale));
        for (auto _ : state) {
            l.sim.reset();
            l.sim = std::make_unique<tisheng::Simulator>(l.scenario);
        }
        state.counters["peak_MiB"] = peak_mib();
    });
}

void BM_NationalReplication(benchmark::State& state, const std::string& scale) {
    replications(state, [&] { return national(scale); });
}

std::vector<std::string> split(const std::string& s) {
    std::vector<std::string> out;
    std::stringstream in(s);
    for (std::string item; std::getline(in, item, ',');)
        if (!item.empty()) out.push_back(item);
    return out;
}

std::string env_or(const char* name, const char* fallback) {
    const char* e = std::getenv(name);
    return e && *e ? e : fallback;
}

/// A scale as synth takes it (0 < k <= 1000), or a message and exit code 2.
bool valid_scale(const char* variable, const std::string& k) {
    std::size_t used = 0;
    double v = 0;
    try {
        v = std::stod(k, &used);
    } catch (const std::exception&) {
    }
    if (used == k.size() && v > 0 && v <= 1000) return true;
    std::cerr << "bench: " << variable << ": '" << k << "' is not a scale (a number above 0, at most 1000)\n";
    return false;
}

}  // namespace

int main(int argc, char** argv) {
    using benchmark::kMillisecond;
    using benchmark::kMicrosecond;
    using benchmark::kSecond;
    benchmark::RegisterBenchmark("jiangmen/replication", BM_JiangmenReplication)
        ->Unit(kMicrosecond)->Repetitions(10)->ReportAggregatesOnly(true);
    benchmark::RegisterBenchmark("jiangmen/prepare", BM_JiangmenPrepare)->Unit(kMicrosecond);
    benchmark::RegisterBenchmark("jiangmen/monte_carlo", BM_JiangmenMonteCarlo)
        ->ArgNames({"reps", "threads"})->Args({10000, 2})
        ->Iterations(1)->UseRealTime()->Unit(kSecond);
    benchmark::RegisterBenchmark("jiangmen/variant", BM_JiangmenMonteCarlo)
        ->ArgNames({"reps", "threads"})->Args({100, 1})
        ->Repetitions(10)->ReportAggregatesOnly(true)->Unit(kMillisecond);
    benchmark::RegisterBenchmark("jiangmen/coverage_toggle", BM_JiangmenCoverageToggle)->Unit(kMicrosecond);
    benchmark::RegisterBenchmark("quanzhou/replication", BM_QuanzhouReplication)
        ->Unit(kMicrosecond)->Repetitions(10)->ReportAggregatesOnly(true);

    // Scales as written in the data folders' names: TISHENG_BENCH_SCALES=1,10,100.
    for (const std::string& k : split(env_or("TISHENG_BENCH_SCALES", "1,10,100"))) {
        if (!valid_scale("TISHENG_BENCH_SCALES", k)) return 2;
        benchmark::RegisterBenchmark(("jiangmen_scale/replication/" + k).c_str(), BM_JiangmenScale, k)
            ->Unit(kMillisecond)->Repetitions(5)->ReportAggregatesOnly(true);
    }

    const std::string n = env_or("TISHENG_BENCH_NATIONAL_SCALE", "1");
    if (!valid_scale("TISHENG_BENCH_NATIONAL_SCALE", n)) return 2;
    benchmark::RegisterBenchmark(("national/load/" + n).c_str(), BM_NationalLoad, n)
        ->Iterations(1)->UseRealTime()->Unit(kSecond);
    benchmark::RegisterBenchmark(("national/prepare/" + n).c_str(), BM_NationalPrepare, n)
        ->Iterations(1)->UseRealTime()->Unit(kMillisecond);
    benchmark::RegisterBenchmark(("national/replication/" + n).c_str(), BM_NationalReplication, n)
        ->Iterations(1)->Repetitions(3)->UseRealTime()->Unit(kMillisecond);

    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
