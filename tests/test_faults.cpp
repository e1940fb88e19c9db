// `tisheng run` and `tisheng report` killed with SIGKILL at moments spread
// over their run, and on a full disk: the folder afterwards holds the
// previous complete output or the new one, byte for byte, never some files
// of each or a half-written file. (The sweep's own: tests/test_sweep_cli.cpp.)
#include <gtest/gtest.h>

#include <array>
#include <cstdlib>
#include <functional>

#include "fault_support.hpp"

namespace fs = std::filesystem;
using namespace tisheng::test;
using Snapshot = std::map<std::string, std::string>;

namespace {

const std::string kScenario = (source_dir() / "scenarios/jiangmen-baseline.yaml").string();

/// A fixed output time (SOURCE_DATE_EPOCH), so that one command gives the
/// same bytes each time; the spawned commands inherit it.
struct FixedOutputTime {
    FixedOutputTime() { setenv("SOURCE_DATE_EPOCH", "1700000000", 1); }
    ~FixedOutputTime() { unsetenv("SOURCE_DATE_EPOCH"); }
};

std::vector<std::string> run_args(int seed, const fs::path& out) {
    return {"run", kScenario, "--replications", "10", "--seed", std::to_string(seed), "--out", out.string()};
}

std::string shell(const std::vector<std::string>& args) {
    std::string s;
    for (const auto& a : args) s += (s.empty() ? "'" : " '") + a + "'";
    return s;
}

/// Runs `args` whole; returns its wall time.
std::chrono::milliseconds timed_cli(const std::vector<std::string>& args) {
    const auto t0 = std::chrono::steady_clock::now();
    const auto r = run_cli(shell(args));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
}

/// Kills `make(state)` (the command that turns the folder from `state`'s
/// output into the other's) `attempts` times at moments spread over
/// `whole`, then `attempts` times once it has begun to write (its staging
/// folder is there) at moments spread over a fifth of `whole`. After each
/// kill, `out` must be one of the two outputs whole. Returns how many kills
/// landed while the new output was being written (the staging folder left).
int kill_repeatedly(const fs::path& out, const std::array<Snapshot, 2>& outputs,
                    const std::function<std::vector<std::string>(int)>& make, std::chrono::milliseconds whole, int attempts) {
    auto staging = [&](pid_t pid) { return out.parent_path() / ("." + out.filename().string() + ".partial-" + std::to_string(pid)); };
    int state = 0, mid_write = 0;
    EXPECT_EQ(snapshot(out), outputs[0]);
    for (int i = 0; i < 2 * attempts; ++i) {
        const bool writing = i >= attempts;
        const int j = i % attempts;
        const auto delay = writing ? whole * j / (5 * attempts) : whole * (j + 1) / (attempts + 1);
        SCOPED_TRACE("killed " + std::to_string(delay.count()) + " ms after " + (writing ? "it began to write" : "it started"));
        const Killed k = writing ? kill_after(make(state), delay, staging) : kill_after(make(state), delay);
        const Snapshot now = snapshot(out);
        const bool old = now == outputs[static_cast<std::size_t>(state)];
        const bool next = now == outputs[static_cast<std::size_t>(1 - state)];
        EXPECT_TRUE(old || next) << "the folder is neither output whole (" << now.size() << " files)";
        if (k.killed && old && fs::exists(staging(k.pid))) ++mid_write;
        if (next) state = 1 - state;
    }
    // The next whole run clears what killed ones left beside the folder.
    const auto r = run_cli(shell(make(state)));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(snapshot(out), outputs[static_cast<std::size_t>(1 - state)]);
    EXPECT_TRUE(names_beginning(out.parent_path(), "." + out.filename().string() + ".").empty()) << "staging folders left";
    return mid_write;
}

}  // namespace

TEST(Faults, RunKilledAtAnyMoment_leavesThePreviousRunOrTheNewOneWhole) {
    FixedOutputTime fixed;
    TempDir tmp;
    // The two outputs, each made whole once; run again, each gives the same bytes.
    const auto whole = timed_cli(run_args(1, tmp / "one"));
    timed_cli(run_args(2, tmp / "two"));
    const std::array<Snapshot, 2> outputs{snapshot(tmp / "one"), snapshot(tmp / "two")};
    ASSERT_GT(outputs[0].size(), 20u);
    ASSERT_EQ(outputs[0].size(), outputs[1].size());
    ASSERT_NE(outputs[0], outputs[1]);
    const fs::path out = tmp / "run";
    fs::copy(tmp / "one", out, fs::copy_options::recursive);
    const int mid_write = kill_repeatedly(out, outputs, [&](int state) { return run_args(state == 0 ? 2 : 1, out); }, whole, 6);
    EXPECT_GE(mid_write, 3) << "too few kills landed while the run was writing its folder";
}

TEST(Faults, ReportKilledAtAnyMoment_leavesTheOldFormsAndReportOrTheNew) {
    FixedOutputTime fixed;
    TempDir tmp;
    ASSERT_EQ(run_cli(shell(run_args(1, tmp / "run"))).exit_code, 0);
    // Output 0: the report and forms of the representative replication;
    // output 1: of replication 3 (--replication 3).
    fs::copy(tmp / "run", tmp / "three", fs::copy_options::recursive);
    auto report = [&](const fs::path& dir, int state) {
        std::vector<std::string> a{"report", dir.string()};
        if (state == 0) a.insert(a.end(), {"--replication", "3"});
        return a;
    };
    timed_cli(report(tmp / "run", 1));
    const auto whole = timed_cli(report(tmp / "three", 0));
    const std::array<Snapshot, 2> outputs{snapshot(tmp / "run"), snapshot(tmp / "three")};
    ASSERT_NE(outputs[0], outputs[1]);
    const int mid_write = kill_repeatedly(tmp / "run", outputs, [&](int state) { return report(tmp / "run", state); }, whole, 5);
    EXPECT_GE(mid_write, 2) << "too few kills landed while the report was writing";
}

// A full disk: exit 1 with a message that names the file and says the
// disk is full; the previous run's folder as it was (or, with none before,
// no folder); nothing left beside it.
TEST(Faults, FullDisk_runAndReportFailCleanlyAndKeepThePreviousOutput) {
    if (!can_mount_small_disk()) GTEST_SKIP() << "cannot mount a small tmpfs here (needs unshare -rm)";
    FixedOutputTime fixed;
    TempDir tmp;
    const fs::path save = tmp / "save";
    fs::create_directories(save);
    // `tisheng run` with `seed` into the folder `out` (on the disk), its
    // output and exit code saved as `name`.log and `name`.rc.
    auto run = [](int seed, const std::string& out, const std::string& name) {
        return "\"$TISHENG\" run '" + kScenario + "' --replications 20 --seed " + std::to_string(seed) + " --out \"$DISK/" + out +
               "\" >\"$S/" + name + ".log\" 2>&1; echo $? >\"$S/" + name + ".rc\"\n";
    };
    const auto r = on_small_disk(tmp / "disk", "S='" + save.string() + "'\n" + run(1, "run", "first") +
                                                   "cp -a \"$DISK/run\" \"$S/before\"\n"
                                                   "fill 256\n" +
                                                   run(2, "run", "run") +
                                                   "\"$TISHENG\" report \"$DISK/run\" --replication 3 >\"$S/report.log\" 2>&1; echo $? >\"$S/report.rc\"\n" +
                                                   run(2, "new", "new") +
                                                   "cp -a \"$DISK/run\" \"$S/after\"\n"
                                                   "ls -A \"$DISK\" >\"$S/listing\"\n");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    ASSERT_EQ(slurp(save / "first.rc"), "0\n") << slurp(save / "first.log");
    for (const char* what : {"run", "report", "new"}) {
        SCOPED_TRACE(what);
        const std::string log = slurp(save / (std::string(what) + ".log"));
        EXPECT_EQ(slurp(save / (std::string(what) + ".rc")), "1\n") << log;
        EXPECT_NE(log.find("No space left on device"), std::string::npos) << log;
        EXPECT_NE(log.find(tmp.path.string()), std::string::npos) << "the message names no file:\n" << log;
    }
    EXPECT_EQ(snapshot(save / "after"), snapshot(save / "before"));
    EXPECT_EQ(slurp(save / "listing"), ".filler\nrun\n") << "a new folder, a staging folder or a temporary file left";
}
