// Benchmarks of the siting solvers (see bench/README.md, "Siting", for the
// figures and the commands). A plain program printing aligned tables: each
// row is one solve, too long for Google Benchmark's repetitions.
//
//   --pmed             OR-Library pmed1..pmed40: heuristic against the proven
//                      optimum, CBC within --pmed-cbc-seconds per instance
//   --cover            clustered max cover, 2,000 x 200 and 10,000 x 1,000,
//                      p = 10, 25, 50, 100: heuristic against CBC
//                      (--cover-cbc-seconds each)
//   --versus           10,000 x 1,000, p = 50, radius 3 km: CBC for
//                      --cbc-seconds (default 300) against the heuristic
//   --large            100,000 x 5,000, p = 100: reach lists
//                      (coverage::reach) and the heuristic
//
// Other flags: --pmed-from N --pmed-to N (instance range), --time-limit S
// (heuristic, default 2), --seed S, --threads T (CBC and reach). Several
// sections may be given; none means all. The OR-Library files are read from
// $TISHENG_SHARED_DIR/datasets/orlib-pmed (default: the shared folder beside
// the source tree).
#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "support/instances.hpp"
#include "support/orlib.hpp"
#include "tisheng/coverage/coverage.hpp"
#include "tisheng/core/error.hpp"
#include "tisheng/siting/siting.hpp"

namespace fs = std::filesystem;
namespace siting = tisheng::siting;

namespace {

struct Args {
    std::set<std::string> sections;
    int pmed_from = 1, pmed_to = 40;
    double pmed_cbc_seconds = 60, cover_cbc_seconds = 60, cbc_seconds = 300;
    double time_limit = 2;
    std::uint64_t seed = 1;
    int threads = 1;
    [[nodiscard]] bool wants(const std::string& s) const { return sections.empty() || sections.count(s) > 0; }
};

Args parse(int argc, char** argv) {
    Args a;
    for (int t = 1; t < argc; ++t) {
        const std::string flag = argv[t];
        auto value = [&]() -> std::string {
            if (t + 1 >= argc) throw tisheng::UsageError(flag + " needs a value");
            return argv[++t];
        };
        if (flag == "--pmed" || flag == "--cover" || flag == "--versus" || flag == "--large") a.sections.insert(flag.substr(2));
        else if (flag == "--pmed-from") a.pmed_from = std::stoi(value());
        else if (flag == "--pmed-to") a.pmed_to = std::stoi(value());
        else if (flag == "--pmed-cbc-seconds") a.pmed_cbc_seconds = std::stod(value());
        else if (flag == "--cover-cbc-seconds") a.cover_cbc_seconds = std::stod(value());
        else if (flag == "--cbc-seconds") a.cbc_seconds = std::stod(value());
        else if (flag == "--time-limit") a.time_limit = std::stod(value());
        else if (flag == "--seed") a.seed = std::stoull(value());
        else if (flag == "--threads") a.threads = std::stoi(value());
        else throw tisheng::UsageError("unknown flag " + flag + " (see the comment at the top of bench_siting.cpp)");
    }
    return a;
}

fs::path shared_dir() {
    if (const char* e = std::getenv("TISHENG_SHARED_DIR"); e && *e) return e;
    return fs::path(TISHENG_BENCH_SOURCE_DIR) / ".." / "shared";
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::string status(const siting::Solution& s) {
    return s.optimal ? "optimal" : s.timed_out ? fmt::format("limit, gap {:.2f} %", 100 * s.gap) : "stopped";
}
constexpr const char* no_plan = "no feasible plan in time";

/// CBC on `pr` within `limit` s: its solution, or none when it found no
/// plan in time (the row says so and the table goes on). `seconds`: the wall
/// clock from the call to the answer, either way.
std::optional<siting::Solution> exact(const siting::Problem& pr, double limit, int threads, double& seconds) {
    const auto t0 = std::chrono::steady_clock::now();
    try {
        auto e = siting::solve_exact(pr, {limit, threads, nullptr});
        seconds = seconds_since(t0);
        return e;
    } catch (const siting::NoPlanInTime&) {
        seconds = seconds_since(t0);
        return std::nullopt;
    }
}

void pmed(const Args& a) {
    const fs::path dir = shared_dir() / "datasets" / "orlib-pmed";
    if (!fs::exists(dir / "pmedopt.txt")) {
        fmt::print("pmed: {} not found, skipped\n\n", dir.string());
        return;
    }
    const auto optima = tisheng::test::orlib::read_optima(dir / "pmedopt.txt");
    fmt::print("OR-Library p-median (heuristic time limit {} s, seed {}; CBC limit {} s per instance)\n", a.time_limit, a.seed,
               a.pmed_cbc_seconds);
    fmt::print("{:<7} {:>4} {:>4} {:>7} {:>9} {:>7} {:>7} {:>9} {:>8}  {}\n", "name", "n", "p", "optimum", "heuristic", "gap %",
               "s", "CBC", "CBC s", "CBC status");
    int hits = 0, count = 0;
    double worst = 0, total_s = 0;
    for (int k = a.pmed_from; k <= a.pmed_to; ++k) {
        const std::string name = fmt::format("pmed{}", k);
        const auto inst = tisheng::test::orlib::read_pmed(dir / (name + ".txt"));
        const siting::Problem pr = tisheng::test::orlib::to_problem(inst);
        const double opt = optima.at(name);
        const auto h = siting::solve_heuristic(pr, {a.seed, a.time_limit, a.threads});
        const double gap = 100 * (h.objective - opt) / opt;
        hits += h.objective <= opt + 1e-6;
        worst = std::max(worst, gap);
        total_s += h.seconds;
        ++count;
        std::string exact = fmt::format("{:>9} {:>8}  {}", "-", "-", "not run");
        if (a.pmed_cbc_seconds > 0) {
            double s = 0;
            const auto e = ::exact(pr, a.pmed_cbc_seconds, a.threads, s);
            exact = e ? fmt::format("{:>9.0f} {:>8.2f}  {}", e->objective, s, status(*e)) : fmt::format("{:>9} {:>8.2f}  {}", "-", s, no_plan);
        }
        fmt::print("{:<7} {:>4} {:>4} {:>7.0f} {:>9.0f} {:>7.2f} {:>7.2f} {}\n", name, inst.n, inst.p, opt, h.objective, gap,
                   h.seconds, exact);
        std::fflush(stdout);
    }
    fmt::print("heuristic: optimum on {} of {}, worst gap {:.2f} %, {:.1f} s in all\n\n", hits, count, worst, total_s);
}

siting::Problem cover(std::size_t demand, std::size_t sites, double radius, int p, std::uint64_t seed) {
    const auto inst = tisheng::test::clustered({.demand = demand, .candidates = sites, .seed = seed});
    return tisheng::test::covering_problem(inst, tisheng::test::covers_within(inst, radius), p);
}

void cover_table(const Args& a) {
    fmt::print("Clustered max cover, radius 3 km (heuristic time limit {} s; CBC limit {} s)\n", a.time_limit,
               a.cover_cbc_seconds);
    fmt::print("{:>7} {:>6} {:>4} {:>12} {:>6} {:>12} {:>12} {:>8}  {:<20} {:>9}\n", "demand", "sites", "p", "heuristic", "s", "CBC",
               "CBC bound", "CBC s", "CBC status", "heur/CBC");
    for (const auto& [n, m] : {std::pair<std::size_t, std::size_t>{2000, 200}, {10000, 1000}})
        for (int p : {10, 25, 50, 100}) {
            const siting::Problem pr = cover(n, m, 3000, p, a.seed);
            const auto h = siting::solve_heuristic(pr, {a.seed, a.time_limit, a.threads});
            double s = 0;
            const auto e = exact(pr, a.cover_cbc_seconds, a.threads, s);
            if (e)
                fmt::print("{:>7} {:>6} {:>4} {:>12.0f} {:>6.2f} {:>12.0f} {:>12.0f} {:>8.2f}  {:<20} {:>9.5f}\n", n, m, p, h.objective,
                           h.seconds, e->objective, e->bound, s, status(*e), h.objective / e->objective);
            else
                fmt::print("{:>7} {:>6} {:>4} {:>12.0f} {:>6.2f} {:>12} {:>12} {:>8.2f}  {:<20} {:>9}\n", n, m, p, h.objective, h.seconds,
                           "-", "-", s, no_plan, "-");
            std::fflush(stdout);
        }
    fmt::print("\n");
}

void versus(const Args& a) {
    const siting::Problem pr = cover(10000, 1000, 3000, 50, a.seed);
    fmt::print("10,000 demand x 1,000 candidates, p = 50, radius 3 km: CBC {} s against the heuristic\n", a.cbc_seconds);
    const auto h = siting::solve_heuristic(pr, {a.seed, a.time_limit, a.threads});
    double s = 0;
    const auto e = exact(pr, a.cbc_seconds, a.threads, s);
    fmt::print("{:<10} {:>12} {:>12} {:>9} {:>9}\n", "solver", "objective", "bound", "gap %", "s");
    fmt::print("{:<10} {:>12.0f} {:>12} {:>9} {:>9.2f}\n", "heuristic", h.objective, "-", "-", h.seconds);
    if (!e) {
        fmt::print("{:<10} {:>12} {:>12} {:>9} {:>9.2f}  {}\n\n", "cbc", "-", "-", "-", s, no_plan);
        return;
    }
    fmt::print("{:<10} {:>12.0f} {:>12.0f} {:>9.3f} {:>9.2f}  {}\n", "cbc", e->objective, e->bound, 100 * e->gap, s, status(*e));
    fmt::print("heuristic - CBC incumbent: {:+.0f} ({:+.3f} %); heuristic against CBC's bound: {:.3f} %\n\n",
               h.objective - e->objective, 100 * (h.objective - e->objective) / e->objective, 100 * h.objective / e->bound);
}

void large(const Args& a) {
    const auto inst = tisheng::test::clustered({.demand = 100000, .candidates = 5000, .seed = a.seed});
    fmt::print("100,000 demand x 5,000 candidates, p = 100, radius 3 km (reach on {} threads)\n", a.threads);
    const auto t0 = std::chrono::steady_clock::now();
    const tisheng::coverage::Reach reach = tisheng::coverage::reach(inst.demand, inst.sites, 3000, a.threads);
    const double reach_s = seconds_since(t0);
    std::vector<std::vector<std::uint32_t>> covers(reach.sites());
    for (std::size_t j = 0; j < reach.sites(); ++j)
        covers[j].assign(reach.demand.begin() + reach.offset[j], reach.demand.begin() + reach.offset[j + 1]);
    const siting::Problem pr = tisheng::test::covering_problem(inst, std::move(covers), 100);
    const double convert_s = seconds_since(t0) - reach_s;
    const auto h = siting::solve_heuristic(pr, {a.seed, a.time_limit, a.threads});
    fmt::print("{:>12} {:>9} {:>10} {:>12} {:>12} {:>9}\n", "pairs", "reach s", "convert s", "heuristic s", "objective", "covered %");
    double total = 0;
    for (double w : pr.weight) total += w;
    fmt::print("{:>12} {:>9.2f} {:>10.2f} {:>12.2f} {:>12.0f} {:>9.2f}\n", reach.demand.size(), reach_s, convert_s, h.seconds,
               h.objective, 100 * h.objective / total);
    fmt::print("total (reach lists + heuristic): {:.2f} s\n\n", seconds_since(t0));
}

}  // namespace

int main(int argc, char** argv) try {
    const Args a = parse(argc, argv);
    if (a.wants("pmed")) pmed(a);
    if (a.wants("cover")) cover_table(a);
    if (a.wants("versus")) versus(a);
    if (a.wants("large")) large(a);
    return EXIT_SUCCESS;
} catch (const tisheng::UsageError& e) {
    fmt::print(stderr, "bench_siting: {}\n", e.what());
    return 2;
} catch (const std::exception& e) {
    fmt::print(stderr, "bench_siting: {}\n", e.what());
    return EXIT_FAILURE;
}
