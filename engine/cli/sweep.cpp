// tisheng sweep: a batch of what-if variants into a store, or the smallest
// value of one parameter that reaches a target (--find-min).
#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <cstdlib>

#include "commands.hpp"
#include "tisheng/core/error.hpp"
#include "tisheng/core/files.hpp"
#include "tisheng/report/report.hpp"
#include "tisheng/sweep/sweep.hpp"
#include "tisheng/sweep/sweep_analysis.hpp"
#include "tisheng/core/threads.hpp"

namespace fs = std::filesystem;

namespace tisheng::cli {

namespace {

std::string money(double v) {
    // 1234567 -> 1,234,567
    std::string s = fmt::format("{:.0f}", v);
    for (int i = static_cast<int>(s.size()) - 3; i > (s[0] == '-' ? 1 : 0); i -= 3) s.insert(static_cast<std::size_t>(i), ",");
    return s;
}

/// find-min writes find-min.json beside a sweep's other files: the folder
/// must be new, empty, or hold this same sweep.
void check_find_min_folder(const fs::path& dir, const Sweep& sw) {
    std::error_code ec;
    if (!fs::exists(dir, ec)) return;
    if (!fs::is_directory(dir, ec)) throw InputError({dir.string()}, "--out names a file; expected a folder");
    bool empty = true;
    for (const auto& e : fs::directory_iterator(dir)) empty = empty && e.path().filename().string().front() == '.';
    if (empty) return;
    for (const char* name : {"sweep.json", "find-min.json"}) {
        const fs::path f = dir / name;
        if (!fs::exists(f, ec)) continue;
        try {
            const auto j = nlohmann::json::parse(read_file(f));
            if (j.value("fingerprint", "") == sw.fingerprint) return;
        } catch (const nlohmann::json::exception&) {
        }
        throw InputError({f.string()}, "the folder holds another sweep's results; refusing to mix them: choose another --out");
    }
    throw InputError({dir.string()}, "the folder is not empty and holds no results of this sweep; choose a new or empty folder");
}

int run_find_min(const SweepRunner& runner, const SweepArgs& a, const fs::path& out) {
    const Sweep& sw = runner.sweep();
    if (a.target.empty()) throw UsageError("--find-min needs --target, e.g. --target 'p_all_met>=0.9'");
    const SweepTarget target = parse_target(a.target, runner.outcomes());
    check_find_min_folder(out, sw);
    const auto t0 = std::chrono::steady_clock::now();
    fmt::print(stderr, "tisheng: smallest {} with {}: {} replications a step, seed {}\n", a.find_min, target.str(), sw.replications, sw.seed);
    const FindMin f = find_min(runner, a.find_min, target, a.threads, [&](const FindMin::Step& s) {
        fmt::print(stderr, "  {:>16} -> {} = {:.4g}  {}\n", fmt::format("{:.10g}", s.value), target.column, s.estimate, s.holds ? "holds" : "fails");
    });
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    nlohmann::ordered_json j{{"fingerprint", sw.fingerprint}, {"sweep_file", sw.file.string()}, {"parameter", f.parameter},
                             {"target", target.str()}, {"tolerance", f.tolerance}, {"found", f.found},
                             {"at_lower_end", f.at_lower_end}, {"value", f.value}, {"estimate", f.estimate},
                             {"ci95", {f.ci_low, f.ci_high}}, {"replications", f.replications}, {"seed", sw.seed}};
    j["below"] = f.below ? nlohmann::ordered_json(*f.below) : nlohmann::ordered_json(nullptr);
    j["below_estimate"] = f.below ? nlohmann::ordered_json(f.below_estimate) : nlohmann::ordered_json(nullptr);
    nlohmann::ordered_json steps = nlohmann::ordered_json::array();
    for (const auto& s : f.steps) steps.push_back({{"value", s.value}, {"estimate", s.estimate}, {"holds", s.holds}});
    j["steps"] = steps;
    j["seconds"] = secs;
    fs::create_directories(out);
    write_file_atomic(out / "find-min.json", j.dump(2) + "\n");

    const bool p = target.column.starts_with("p_");
    if (!f.found) {
        fmt::print("{} is not reached up to {} = {} ({} = {:.4g}); {} runs, {:.1f} s\n", target.str(), f.parameter, money(f.value),
                   target.column, f.estimate, f.steps.size(), secs);
    } else {
        fmt::print("smallest {} with {}: {}{}\n", f.parameter, target.str(), money(f.value), f.at_lower_end ? " (already at the low end of its range)" : "");
        fmt::print("  estimate {} = {:.3f}{}, {} replications\n", target.column, f.estimate,
                   p ? fmt::format(" (95 % CI {:.3f}-{:.3f})", f.ci_low, f.ci_high) : std::string(), f.replications);
        if (f.below) fmt::print("  {} gives {:.3f}; tolerance {}\n", money(*f.below), f.below_estimate, money(f.tolerance));
        if (p && (f.ci_low < target.value && (target.op == ">=" || target.op == ">")))
            fmt::print("  note: the interval reaches below {}: raise 'replications' in the sweep file for a firmer answer\n", target.value);
        fmt::print("  {} runs in {:.1f} s\n", f.steps.size(), secs);
    }
    write_sweep_report(out);
    fmt::print("written: {} and report.html\n", fs::absolute(out / "find-min.json").lexically_normal().string());
    return 0;
}

}  // namespace

int shared_threads(int threads) {
    return thread_count(threads, mpi_local_size());
}

SweepOptions sweep_options(int threads, bool resume, SweepTransport* transport, const std::string& what, const std::string& unit) {
    SweepOptions o;
    o.threads = shared_threads(threads);
    o.resume = resume;
    o.transport = transport;
    auto bar = std::make_shared<ProgressBar>(what, unit);
    auto started = std::make_shared<bool>(false);
    o.progress = [bar, started](std::size_t done, std::size_t total) {
        if (!*started) bar->start_from(done), *started = true;  // a resumed run's rate counts only this run's work
        (*bar)(done, total);
    };
    return o;
}

int cmd_sweep(const SweepArgs& a, SweepTransport* transport) {
    if (a.threads < 0) throw UsageError("--threads must be 0 (all cores) or more, got " + std::to_string(a.threads));
    const bool printer = !transport || transport->rank() == 0;
    Diagnostics warnings;
    const Sweep sw = load_sweep(a.file, &warnings);
    if (printer)
        for (const auto& p : warnings.problems()) fmt::print(stderr, "{}\n", p.str());
    const fs::path out = a.out.empty() ? fs::path("runs") / sw.name : fs::path(a.out);
    const SweepRunner runner(sw);
    if (!a.find_min.empty()) {
        if (transport && transport->size() > 1) throw UsageError("--find-min runs one step after another; run it without mpirun");
        return run_find_min(runner, a, out);
    }
    if (!a.target.empty()) throw UsageError("--target goes with --find-min PARAM");

    if (printer)
        fmt::print(stderr, "tisheng: sweep '{}': {} variants x {} replications{}\n", sw.name, sw.variants(), sw.replications,
                   transport && transport->size() > 1 ? fmt::format(" on {} processes", transport->size()) : std::string());
    const auto t0 = std::chrono::steady_clock::now();
    const SweepOptions o = sweep_options(a.threads, a.resume, transport, "variants", "variants");
    const SweepSummary s = run_sweep(runner, out, o);
    if (!printer) return 0;
    write_sweep_report(out);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    fmt::print(stderr, "tisheng: {} variants run, {} already done (found in {:.3f} s); {:.1f} s, of which {:.2f} s committing to the store\n",
               s.ran, s.skipped, s.skip_seconds, secs, s.store_seconds);

    // The headline: what moves P(all met), and the frontier.
    const auto summary = nlohmann::json::parse(read_file(out / "sweep.json"));
    for (const auto& e : summary["sensitivity"]) {
        if (e["outcome"] != "p_all_met" && e["outcome"] != "public_spend") continue;
        fmt::print("  {} (R² {:.2f}):", e["outcome"].get<std::string>(), e["r2"].get<double>());
        for (const auto& c : e["ranked"]) fmt::print("  {} {:+.2f}", c["parameter"].get<std::string>(), c["src"].get<double>());
        fmt::print("\n");
    }
    fmt::print("  Pareto frontier (public spend, P(all met), coverage): {} of {} variants\n", summary["pareto"].size(), s.variants);
    fmt::print("results: {}\n", fs::absolute(out).lexically_normal().string());
    return 0;
}

}  // namespace tisheng::cli

#ifndef TISHENG_HAVE_MPI
namespace tisheng::cli {
std::unique_ptr<SweepTransport> start_mpi(int&, char**&) {
    // Several copies started by mpirun would each run the whole sweep into one folder.
    for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"})
        if (const char* n = std::getenv(v); n && std::atoi(n) > 1)
            throw UsageError("started by mpirun with " + std::string(n) + " processes, but this tisheng was built without Open MPI "
                             "(TISHENG_MPI): install libopenmpi-dev and rebuild, or run one process");
    return nullptr;
}
void abort_mpi(int) {}
int mpi_rank() { return 0; }
int mpi_local_size() { return 1; }
RankGroup* mpi_ranks() { return nullptr; }
bool mpi_all_ok(bool ok) { return ok; }
}  // namespace tisheng::cli
#endif
