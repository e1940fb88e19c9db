// A run folder as a results store: it reopens after a move, from any
// folder, without re-running, and says so when it is damaged or edited; one
// run split over MPI ranks gives the bytes of one process.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <set>

#include "test_support.hpp"
#include "tisheng/core/error.hpp"
#include "tisheng/core/privacy.hpp"
#include "tisheng/results/store.hpp"

namespace fs = std::filesystem;
using namespace tisheng;
using namespace tisheng::test;

namespace {

std::string without_created(const std::string& run_json) {
    auto j = nlohmann::json::parse(run_json);
    j.erase("created");
    return j.dump();
}

}  // namespace

// Results and kept replications survive a write and a read bit for bit:
// serialising what was read gives the same bytes.
TEST(Store, SerialiseRoundTrip_isExact) {
    for (const char* name : {"jiangmen", "quanzhou"}) {
        const Scenario s = load_scenario(source_dir() / "scenarios" / (std::string(name) + "-baseline.yaml"));
        const Simulator sim(s);
        MonteCarloOptions o;
        o.replications = 24;
        o.threads = 2;
        o.site_status = true;
        const Results r = simulate(sim, o);
        const auto kept = keep_replications(sim, r, 2, 2);
        ASSERT_GE(kept.size(), 3u) << name;
        const std::string bytes = serialise_results(r, kept);
        Results back;
        std::vector<KeptReplication> kept_back;
        deserialise_results(bytes, "test", back, kept_back);
        EXPECT_EQ(serialise_results(back, kept_back), bytes) << name;
        EXPECT_EQ(back.replications, 24);
        EXPECT_EQ(back.representative_replication, r.representative_replication);
        ASSERT_EQ(kept_back.size(), kept.size());
        for (std::size_t i = 0; i < kept.size(); ++i) {
            // A kept replication is that replication: the same as running it again.
            const Replay again = replay(sim, static_cast<std::uint64_t>(kept_back[i].replay.replication));
            EXPECT_EQ(again.trajectory.series, kept_back[i].replay.trajectory.series) << name << " " << kept_back[i].why;
            EXPECT_EQ(again.log.size(), kept_back[i].replay.log.size());
        }
        // Truncated anywhere: a clear error, never a crash.
        for (std::size_t cut : {std::size_t{0}, bytes.size() / 3, bytes.size() - 1}) {
            EXPECT_THROW(deserialise_results(bytes.substr(0, cut), "results.bin", back, kept_back), InputError) << cut;
        }
    }
}

// The p05, median and p95 replications of the headline and the
// representative one are kept, each once.
TEST(Store, KeepsTheReplicationsTheOutputsName) {
    const Scenario s = load_scenario(source_dir() / "scenarios/jiangmen-baseline.yaml");
    const Simulator sim(s);
    MonteCarloOptions o;
    o.replications = 40;
    const Results r = simulate(sim, o);
    const auto kept = keep_replications(sim, r, 3);
    std::set<std::int64_t> seen;
    bool median = false, representative = false;
    for (const auto& k : kept) {
        EXPECT_TRUE(seen.insert(k.replay.replication).second) << "replication " << k.replay.replication << " kept twice";
        median = median || k.replay.replication == r.median_replication;
        representative = representative || k.replay.replication == r.representative_replication;
    }
    EXPECT_TRUE(median);
    EXPECT_TRUE(representative);
    EXPECT_GE(kept.size(), 4u);
    EXPECT_LE(kept.size(), 7u);
}

// The closing note's move: run, mv the folder, open it from another
// directory. The report and the forms are those of the run, byte for byte,
// without a re-run (no "simulating" line); a damaged store is refused.
TEST(Store, AMovedRunFolderReopensWithoutRerunning) {
    TempDir tmp;
    const fs::path made = tmp / "made" / "run";
    fs::create_directories(made.parent_path());
    auto r = run_cli("run scenarios/jiangmen-baseline.yaml --replications 60 --out '" + made.string() + "'");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const std::string report = slurp(made / "report.html"), run_json = slurp(made / "run.json");
    const std::string city = slurp(made / "forms" / "jiangmen-city.csv");
    const fs::path moved = tmp / "elsewhere" / "moved-run";
    fs::create_directories(moved.parent_path());
    fs::rename(made, moved);
    fs::create_directories(tmp / "cwd");
    r = run_cli_at(tmp / "cwd", "report '" + moved.string() + "'");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(r.output.find("simulating"), std::string::npos) << "the report re-ran the scenario\n" << r.output;
    EXPECT_EQ(slurp(moved / "report.html"), report);
    EXPECT_EQ(slurp(moved / "forms" / "jiangmen-city.csv"), city);
    EXPECT_EQ(slurp(moved / "run.json"), run_json);

    // A replication the store does not keep: re-run from the folder's copy, on demand.
    const StoredRun opened = open_store(moved);
    std::int64_t missing = 0;
    while (opened.find(missing)) ++missing;
    r = run_cli_at(tmp / "cwd", "report '" + moved.string() + "' --replication " + std::to_string(missing));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("not kept"), std::string::npos) << r.output;

    // Run again from the folder (its own copies): the same numbers.
    r = run_cli_at(tmp / "cwd", "run '" + moved.string() + "' --no-explain --out '" + (tmp / "again").string() + "'");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(slurp(tmp / "again" / "timeseries.csv"), slurp(moved / "timeseries.csv"));

    // Damaged: cut short.
    const std::string bin = slurp(moved / "results.bin");
    write(moved / "results.bin", bin.substr(0, bin.size() / 2));
    r = run_cli_at(tmp / "cwd", "report '" + moved.string() + "'");
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("results.bin"), std::string::npos) << r.output;
    // One byte flipped in the payload: the checksum says so.
    std::string flipped = bin;
    flipped[flipped.size() - 5] = static_cast<char>(flipped[flipped.size() - 5] ^ 0x40);
    write(moved / "results.bin", flipped);
    r = run_cli_at(tmp / "cwd", "report '" + moved.string() + "'");
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("checksum"), std::string::npos) << r.output;
}

// The copies in input/ keep personal data masked, and load to the same
// numbers (the report from the store equals the run's).
TEST(Store, InputCopiesAreMasked) {
    TempDir tmp;
    const fs::path run = tmp / "run";
    auto r = run_cli("run scenarios/quanzhou-baseline.yaml --replications 20 --no-explain --out '" + run.string() + "'");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const Scenario original = load_scenario(source_dir() / "scenarios/quanzhou-baseline.yaml");
    const StoredRun opened = open_store(run);
    ASSERT_EQ(opened.scenario->sites.bases.size(), original.sites.bases.size());
    std::size_t checked = 0;
    for (std::size_t b = 0; b < original.sites.bases.size(); ++b) {
        const auto& o = original.sites.bases[b];
        const auto& c = opened.scenario->sites.bases[b];
        EXPECT_EQ(c.id, o.id);
        EXPECT_EQ(c.annual_trainees, o.annual_trainees);
        if (o.head_id_number.empty()) continue;
        EXPECT_NE(c.head_id_number, o.head_id_number);
        EXPECT_EQ(c.head_id_number, mask_id_number(o.head_id_number));
        ++checked;
    }
    EXPECT_GT(checked, 10u);
    // Forms in full cannot come from masked copies: said, not done.
    r = run_cli("report '" + run.string() + "' --unmasked");
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find("masked"), std::string::npos) << r.output;
}

// Opening reads the data parsed (data.bin), not the copies in input/: it
// must be what parsing the copies gives, field for field, personal columns
// masked as the copies mask them, a column read into two fields included.
// Without data.bin (a folder of an older tisheng) the copies are parsed;
// a data.bin of another run's data, or damaged, is refused.
TEST(Store, TheParsedDataIsWhatTheCopiesLoadTo) {
    TempDir tmp;
    // Quanzhou with a cost matrix, which the parsed data holds too.
    std::string quanzhou = slurp(source_dir() / "scenarios" / "quanzhou-baseline.yaml");
    const auto data_dir = quanzhou.find("\ndata_dir:");
    ASSERT_NE(data_dir, std::string::npos);
    quanzhou.replace(data_dir + 1, quanzhou.find('\n', data_dir + 1) - data_dir - 1,
                     "data_dir: '" + (source_dir() / "datasets" / "quanzhou").string() + "'");
    const auto coverage = quanzhou.find("\ncoverage:\n");
    ASSERT_NE(coverage, std::string::npos);
    quanzhou.insert(coverage + 11, "  cost_matrix: {path: '" + (tmp / "od.csv").string() + "', unit: minutes}\n");
    write(tmp / "od.csv", "origin_id,destination_id,minutes\nQZD00001,QZB0001,12.5\nQZD00002,QZB0002,4\n");
    write(tmp / "quanzhou.yaml", quanzhou);
    const std::pair<std::string, std::string> runs[] = {
        {"jiangmen", "'" + (source_dir() / "scenarios" / "jiangmen-baseline.yaml").string() + "' --set projects.contact_title_field=mobile"},
        {"quanzhou", "'" + (tmp / "quanzhou.yaml").string() + "'"}};
    for (const auto& [name, scenario] : runs) {
        const fs::path dir = tmp / name;
        auto r = run_cli("run " + scenario + " --replications 12 --no-explain --out '" + dir.string() + "'");
        ASSERT_EQ(r.exit_code, 0) << r.output;
        ASSERT_TRUE(fs::exists(dir / "data.bin")) << name;
        const StoredRun opened = open_store(dir);
        const Scenario parsed = load_run_scenario(dir, opened.record);
        const Scenario& s = *opened.scenario;
        EXPECT_EQ(s.region.name(), parsed.region.name()) << name;
        EXPECT_EQ(s.region.code(), parsed.region.code()) << name;
        EXPECT_EQ(s.region.crs().epsg(), parsed.region.crs().epsg()) << name;
        EXPECT_TRUE(s.region.units() == parsed.region.units()) << name;
        EXPECT_TRUE(s.sites.projects == parsed.sites.projects) << name;
        EXPECT_TRUE(s.sites.stations == parsed.sites.stations) << name;
        EXPECT_TRUE(s.sites.bases == parsed.sites.bases) << name;
        EXPECT_TRUE(s.sites.demand == parsed.sites.demand) << name;
        ASSERT_EQ(s.cost_matrix != nullptr, parsed.cost_matrix != nullptr) << name;
        if (s.cost_matrix) EXPECT_TRUE(*s.cost_matrix == *parsed.cost_matrix) << name;
        EXPECT_EQ(s.data_digests, parsed.data_digests) << name;
        EXPECT_EQ(s.data_paths, parsed.data_paths) << name;
        EXPECT_EQ(s.hash, parsed.hash) << name;
        if (name == "jiangmen") {
            // The mobile column feeds contact_title too: both masked, in the parsed data as in the copy.
            ASSERT_FALSE(s.sites.projects.empty());
            EXPECT_NE(s.sites.projects[0].contact_title.find("****"), std::string::npos) << s.sites.projects[0].contact_title;
            EXPECT_EQ(s.sites.projects[0].contact_title, s.sites.projects[0].mobile);
        } else {
            ASSERT_TRUE(s.cost_matrix);
            EXPECT_EQ(s.cost_matrix->cost.size(), 2u);
        }

        // Without data.bin: the copies parsed, the same report.
        const std::string report = slurp(dir / "report.html"), bin = slurp(dir / "data.bin");
        fs::remove(dir / "data.bin");
        r = run_cli("report '" + dir.string() + "'");
        ASSERT_EQ(r.exit_code, 0) << r.output;
        EXPECT_EQ(slurp(dir / "report.html"), report) << name;
        // A byte of it flipped: refused by its checksum, naming it.
        std::string flipped = bin;
        flipped[flipped.size() / 2] = static_cast<char>(flipped[flipped.size() / 2] ^ 0x20);
        write(dir / "data.bin", flipped);
        r = run_cli("report '" + dir.string() + "'");
        EXPECT_EQ(r.exit_code, 1) << r.output;
        EXPECT_NE(r.output.find("data.bin"), std::string::npos) << r.output;
        EXPECT_NE(r.output.find("checksum"), std::string::npos) << r.output;
        write(dir / "data.bin", bin);
    }
    // Another run's data.bin (the same scenario, other data) beside these results: refused.
    write(tmp / "od.csv", "origin_id,destination_id,minutes\nQZD00001,QZB0001,12.5\nQZD00002,QZB0002,5\n");
    auto r = run_cli("run '" + (tmp / "quanzhou.yaml").string() + "' --replications 12 --no-explain --out '" + (tmp / "other").string() + "'");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    fs::copy_file(tmp / "other" / "data.bin", tmp / "quanzhou" / "data.bin", fs::copy_options::overwrite_existing);
    r = run_cli("report '" + (tmp / "quanzhou").string() + "'");
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("data.bin: error: holds the data of another run: its 'cost_matrix: od.csv'"), std::string::npos)
        << "output:\n" << r.output;
}

// mpirun -np 2 tisheng run: the replications split over two processes give
// the results store, run.json and timeseries.csv of one process bit for bit.
TEST(Store, TwoMpiRanks_giveTheSingleProcessRunBitForBit) {
#ifndef TISHENG_MPIEXEC
    GTEST_SKIP() << "built without TISHENG_MPI (Open MPI not found)";
#else
    if (!fs::exists(TISHENG_MPIEXEC)) GTEST_SKIP() << TISHENG_MPIEXEC << " is not installed";
    TempDir tmp;
    for (const char* name : {"jiangmen", "quanzhou"}) {
        const std::string scenario = (source_dir() / "scenarios" / (std::string(name) + "-baseline.yaml")).string();
        const fs::path one = tmp / (std::string(name) + "-one"), two = tmp / (std::string(name) + "-two");
        auto single = run_cli("run '" + scenario + "' --replications 30 --threads 2 --explain-sample 10 --explain-sets 4 --out '" + one.string() + "'");
        ASSERT_EQ(single.exit_code, 0) << single.output;
        const auto two_ranks = run_cli_mpi(2, "run '" + scenario + "' --replications 30 --threads 1 --explain-sample 10 --explain-sets 4 --out '" +
                                                  two.string() + "'");
        ASSERT_EQ(two_ranks.exit_code, 0) << two_ranks.output;
        EXPECT_EQ(slurp(one / "results.bin"), slurp(two / "results.bin")) << name;
        EXPECT_EQ(slurp(one / "data.bin"), slurp(two / "data.bin")) << name;
        EXPECT_EQ(slurp(one / "timeseries.csv"), slurp(two / "timeseries.csv")) << name;
        EXPECT_EQ(without_created(slurp(one / "run.json")), without_created(slurp(two / "run.json"))) << name;
    }
#endif
}
