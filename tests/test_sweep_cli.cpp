// tisheng sweep as a user runs it: killed with SIGKILL and resumed, and over
// two Open MPI ranks; both must end with the uninterrupted single-process
// tables, byte for byte.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <regex>
#include <thread>

#include "test_support.hpp"

extern char** environ;

namespace fs = std::filesystem;
using namespace tisheng::test;

namespace {

/// A small Jiangmen sweep: 9 x 3 = 27 variants of 20 replications.
std::string small_sweep() {
    return "name: kill-test\n"
           "scenario: " + (source_dir() / "scenarios/jiangmen-baseline.yaml").string() + "\n"
           "replications: 20\n"
           "set: [\"budgets.payers.city_fund.years={}\"]\n"
           "targets: [stations-2023, stations-2024]\n"
           "parameters:\n"
           "  - {path: budgets.payers.city_fund.annual_cny, min: 0, max: 2000000, step: 250000}\n"
           "  - {path: budgets.payers.union.annual_cny, values: [500000, 1000000, 1500000]}\n";
}

/// Starts `tisheng args...` in the background, its output thrown away.
pid_t spawn_cli(const std::vector<std::string>& args) {
    std::vector<std::string> all{TISHENG_CLI};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid = -1;
    posix_spawn(&pid, all[0].c_str(), &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    return pid;
}

/// The number in "N already done" of a sweep's output, or -1.
int already_done(const std::string& output) {
    std::smatch m;
    if (!std::regex_search(output, m, std::regex(R"((\d+) already done)"))) return -1;
    return std::stoi(m[1]);
}

void expect_same_tables(const fs::path& a, const fs::path& b) {
    for (const char* f : {"variants.csv", "units.csv", "sweep.json"}) {
        ASSERT_TRUE(fs::exists(a / f)) << a / f;
        ASSERT_TRUE(fs::exists(b / f)) << b / f;
        EXPECT_EQ(slurp(a / f), slurp(b / f)) << f << " differs between " << a << " and " << b;
    }
}

}  // namespace

TEST(SweepCli, KilledWithSigkillThenResumed_endsWithTheUninterruptedTables) {
    TempDir tmp;
    write(tmp / "sweep.yaml", small_sweep());
    const std::string sweep = (tmp / "sweep.yaml").string();
    auto whole = run_cli("sweep '" + sweep + "' --out '" + (tmp / "whole").string() + "' --threads 2");
    ASSERT_EQ(whole.exit_code, 0) << whole.output;
    ASSERT_EQ(already_done(whole.output), 0) << whole.output;

    // Kill at different moments until one lands mid-sweep (some variants
    // committed, not all): the timing of a loaded machine varies.
    bool mid_sweep = false;
    for (int attempt = 0; attempt < 6 && !mid_sweep; ++attempt) {
        const fs::path out = tmp / ("killed-" + std::to_string(attempt));
        const pid_t pid = spawn_cli({"sweep", sweep, "--out", out.string(), "--threads", "2"});
        ASSERT_GT(pid, 0);
        const auto t0 = std::chrono::steady_clock::now();
        while (!fs::exists(out / "results.gpkg") && std::chrono::steady_clock::now() - t0 < std::chrono::seconds(20))
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        std::this_thread::sleep_for(std::chrono::milliseconds(150 + 150 * attempt));
        kill(pid, SIGKILL);
        int status = 0;
        waitpid(pid, &status, 0);
        if (!WIFSIGNALED(status)) continue;  // it finished first: kill sooner next time is not possible, so wait longer is no help
        auto resumed = run_cli("sweep '" + sweep + "' --out '" + out.string() + "' --resume --threads 2");
        ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
        const int done = already_done(resumed.output);
        ASSERT_GE(done, 0) << resumed.output;
        if (done == 0 || done == 27) continue;
        mid_sweep = true;
        expect_same_tables(tmp / "whole", out);
        // Resuming a finished sweep redoes nothing and changes nothing.
        auto again = run_cli("sweep '" + sweep + "' --out '" + out.string() + "' --resume");
        ASSERT_EQ(again.exit_code, 0) << again.output;
        EXPECT_EQ(already_done(again.output), 27) << again.output;
        expect_same_tables(tmp / "whole", out);
    }
    EXPECT_TRUE(mid_sweep) << "no kill landed between the first and the last variant in 6 attempts";
}

TEST(SweepCli, TwoMpiRanks_giveTheSingleProcessTablesBitForBit) {
#ifndef TISHENG_MPIEXEC
    GTEST_SKIP() << "built without TISHENG_MPI (Open MPI not found)";
#else
    if (!fs::exists(TISHENG_MPIEXEC)) GTEST_SKIP() << TISHENG_MPIEXEC << " is not installed";
    TempDir tmp;
    write(tmp / "sweep.yaml", small_sweep());
    const std::string sweep = (tmp / "sweep.yaml").string();
    auto single = run_cli("sweep '" + sweep + "' --out '" + (tmp / "single").string() + "' --threads 1");
    ASSERT_EQ(single.exit_code, 0) << single.output;
    const auto mpi = run_cli_mpi(2, "sweep '" + sweep + "' --out '" + (tmp / "mpi").string() + "' --threads 1");
    const std::string& output = mpi.output;
    ASSERT_EQ(mpi.exit_code, 0) << output;
    EXPECT_NE(output.find("on 2 processes"), std::string::npos) << output;
    expect_same_tables(tmp / "single", tmp / "mpi");
#endif
}

// find-min refuses a target it could never decide: not a number, or a
// probability outside [0, 1] (both ran a whole search before).
TEST(SweepCli, FindMin_refusesANanOrImpossibleTarget) {
    TempDir tmp;
    for (const char* target : {"p_all_met>=nan", "p_all_met>=1.5"}) {
        const auto r = run_cli(std::string("sweep scenarios/jiangmen-budget-sweep.yaml --find-min budgets.payers.city_fund.annual_cny --target '") +
                               target + "' --out '" + (tmp / "fm").string() + "'");
        EXPECT_EQ(r.exit_code, 1) << target << "\n" << r.output;
        EXPECT_NE(r.output.find(std::string("--target '") + target + "'"), std::string::npos) << r.output;
        EXPECT_FALSE(fs::exists(tmp / "fm" / "find-min.json"));
    }
}
