// What the `tisheng` subcommands share: the progress bar, and the sweep
// command (sweep.cpp) with its optional Open MPI transport (mpi_transport.cpp).
#pragma once

#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <unistd.h>
#include <vector>

#include <fmt/core.h>

#include "tisheng/simulate/simulate.hpp"
#include "tisheng/sweep/sweep_run.hpp"

namespace tisheng::cli {

/// A progress bar on stderr, shown once the work has taken a second: done
/// of total, the rate, the time left. Without a terminal, a line every 10 s.
class ProgressBar {
public:
    explicit ProgressBar(std::string what, std::string unit = {}) : m_what(std::move(what)), m_unit(std::move(unit)), m_tty(isatty(fileno(stderr)) != 0) {}
    /// `first`: work done before this run started (a resumed sweep), left out of the rate.
    void start_from(std::size_t first) { m_first = first; }
    void operator()(std::size_t done, std::size_t total) {
        const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - m_t0).count();
        if (secs < 1.0 || total == 0) return;
        const int width = 30, filled = static_cast<int>(static_cast<double>(width) * static_cast<double>(done) / static_cast<double>(total));
        const double rate = done > m_first ? static_cast<double>(done - m_first) / secs : 0;
        const double eta = rate > 0 ? static_cast<double>(total - done) / rate : 0;
        const std::string rate_text = m_unit.empty() ? std::string() : fmt::format("  {:.1f} {}/s", rate, m_unit);
        if (m_tty)
            fmt::print(stderr, "\r{} [{}{}] {}/{}{}  {:.0f} s left ", m_what, std::string(static_cast<std::size_t>(filled), '#'),
                       std::string(static_cast<std::size_t>(width - filled), '.'), done, total, rate_text, eta);
        else if (done == total || secs - m_last >= 10)
            fmt::print(stderr, "{}: {}/{}{} ({:.0f} s, {:.0f} s left)\n", m_what, done, total, rate_text, secs, eta);
        if (m_tty || done == total || secs - m_last >= 10) m_last = secs;
        if (done == total && m_tty && !m_ended) {
            fmt::print(stderr, "\n");
            m_ended = true;
        }
    }

private:
    std::string m_what, m_unit;
    bool m_tty;
    bool m_ended = false;
    double m_last = 0;
    std::size_t m_first = 0;
    std::chrono::steady_clock::time_point m_t0 = std::chrono::steady_clock::now();
};

struct SweepArgs {
    std::string file, out;
    int threads = 0;
    bool resume = false;
    std::string find_min, target;
};
int cmd_sweep(const SweepArgs& args, SweepTransport* transport);

/// Threads of this process: `threads`, or by default the machine's cores
/// shared among the ranks on it.
int shared_threads(int threads);
/// How the command line runs a sweep (or a sensitivity design): those
/// threads, --resume, the ranks, a progress bar of `what` on rank 0.
SweepOptions sweep_options(int threads, bool resume, SweepTransport* transport, const std::string& what, const std::string& unit);

struct CalibrateArgs {
    std::string scenario, observed, out;
    std::vector<std::string> sets;
    int threads = 0, replications = 100;
    bool resume = false;
};
int cmd_calibrate(const CalibrateArgs& args, SweepTransport* transport);

struct ObserveArgs {
    std::string scenario, out, dates;
    std::vector<std::string> sets;
    std::uint64_t replication = 0;
};
int cmd_observe(const ObserveArgs& args);

struct SensitivityArgs {
    std::string scenario, out, method = "morris";
    std::vector<std::string> sets;
    int threads = 0, trajectories = 20, samples = 64, replications = 100;
    bool resume = false;
};
int cmd_sensitivity(const SensitivityArgs& args, SweepTransport* transport);

/// Open MPI, when this process was started by mpirun or srun (and the
/// build has TISHENG_MPI); null otherwise. Finalizes when destroyed.
std::unique_ptr<SweepTransport> start_mpi(int& argc, char**& argv);
/// Ends every rank at once after an error on one (MPI_Abort), if MPI runs.
void abort_mpi(int code);
/// This process's rank (0 without MPI): only rank 0 prints.
int mpi_rank();
/// The ranks on this machine (1 without MPI): they share its cores.
int mpi_local_size();
/// The ranks a `tisheng run` splits its replications over, or null (one process).
RankGroup* mpi_ranks();
/// True when `ok` holds on every rank (`ok` itself without MPI); a collective call.
bool mpi_all_ok(bool ok);

}  // namespace tisheng::cli
