// tisheng sweep as a user runs it: killed with SIGKILL and resumed, and over
// two Open MPI ranks; both must end with the uninterrupted single-process
// tables, byte for byte.
#include <gtest/gtest.h>

#include <chrono>
#include <regex>
#include <thread>

#include <nlohmann/json.hpp>

#include "fault_support.hpp"

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

/// Free space (KiB) that holds some of small_sweep()'s variants, not all.
constexpr int kFullSweepKiB = 200;

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
        // Killed: the summary files exist only once every variant is in.
        if (fs::exists(out / "sweep.json")) {
            EXPECT_EQ(nlohmann::json::parse(slurp(out / "sweep.json"))["done"], 27) << "a summary of a sweep not finished";
        }
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

// Out of disk space part way: a clean refusal naming the cause (exit 1),
// the variants committed before it kept, and --resume once there is room
// again ends with the uninterrupted tables.
TEST(SweepCli, FullDisk_stopsCleanlyThenResumesToTheUninterruptedTables) {
    if (!can_mount_small_disk()) GTEST_SKIP() << "cannot mount a small tmpfs here (needs unshare -rm)";
    TempDir tmp;
    write(tmp / "sweep.yaml", small_sweep());
    const std::string sweep = (tmp / "sweep.yaml").string();
    auto whole = run_cli("sweep '" + sweep + "' --out '" + (tmp / "whole").string() + "' --threads 2");
    ASSERT_EQ(whole.exit_code, 0) << whole.output;
    const fs::path save = tmp / "save";
    fs::create_directories(save);
    const auto r = on_small_disk(tmp / "disk", "S='" + save.string() + "'\n"
                                 "fill " + std::to_string(kFullSweepKiB) + "\n"
                                 "\"$TISHENG\" sweep '" + sweep + "' --out \"$DISK/sweep\" --threads 2 >\"$S/full.log\" 2>&1; echo $? >\"$S/full.rc\"\n"
                                 "unfill\n"
                                 "\"$TISHENG\" sweep '" + sweep + "' --out \"$DISK/sweep\" --resume --threads 2 >\"$S/resumed.log\" 2>&1; echo $? >\"$S/resumed.rc\"\n"
                                 "cp -a \"$DISK/sweep\" \"$S/after\"\n");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const std::string full = slurp(save / "full.log");
    EXPECT_EQ(slurp(save / "full.rc"), "1\n") << full;
    EXPECT_NE(full.find("full"), std::string::npos) << "the message should say the disk is full:\n" << full;
    const std::string resumed = slurp(save / "resumed.log");
    ASSERT_EQ(slurp(save / "resumed.rc"), "0\n") << resumed;
    const int done = already_done(resumed);
    EXPECT_GT(done, 0) << "no variant was committed before the disk filled: make kFullSweepKiB larger\n" << resumed;
    EXPECT_LT(done, 27) << "the sweep fitted: make kFullSweepKiB smaller\n" << resumed;
    expect_same_tables(tmp / "whole", save / "after");
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
