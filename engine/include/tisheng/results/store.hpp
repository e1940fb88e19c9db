// A run directory as a results store: everything that `tisheng report`, the
// forms and the viewer read, so that a saved run reopens anywhere (another
// folder, another machine, after `mv` or a zip) without re-running.
//
//   DIR/results.bin   the aggregates (Results, what_would_fix included) and
//                     the full trajectory and status log of a few kept
//                     replications (layout: docs/store.md)
//   DIR/data.bin      the data files as the copies in input/ give them,
//                     parsed (region, sites, cost matrix)
//   DIR/input/        the scenario file byte for byte (input/scenario.yaml)
//                     and a copy of every data file it read
//                     (input/<role>/<file name>)
//   DIR/run.json      what was run: the scenario's hash, every data file's
//                     digest, the engine version, the --set edits
//
// Opening a store reads input/scenario.yaml with the data of data.bin, which
// must be of the data files run.json lists; without data.bin it parses the
// copies and checks them against run.json's digests: a copy edited since the
// run is refused, naming the file, because the report would then describe
// data the run never saw. A re-run always reads and checks the copies.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tisheng/results/run.hpp"
#include "tisheng/model/scenario.hpp"
#include "tisheng/simulate/simulate.hpp"

namespace tisheng {

/// A replication the store keeps whole, and why ("p05", "median", "p95"
/// of the headline; "representative" for the forms; "kept" for one of
/// --keep-replications).
struct KeptReplication {
    std::string why;
    Replay replay;
};

/// The kept replication `k`, or null.
const KeptReplication* find_kept(const std::vector<KeptReplication>& kept, std::int64_t k);

/// The replications a run keeps: the ones whose headline (the first
/// metric, city-wide, at the end) is nearest its p05, median and p95, the
/// representative replication of the forms, and `extra` more evenly spaced
/// over the run; each once, by replication index. Runs them (over
/// `threads`) with their logs.
std::vector<KeptReplication> keep_replications(const Simulator& sim, const Results& r, int extra, int threads = 0);

/// Writes results.bin, data.bin and input/ into `dir` (each file through a temporary
/// file and a rename). Call before write_run_directory, whose run.json
/// lists input/.
void write_store(const Scenario& s, const Results& r, const std::vector<KeptReplication>& kept, const std::filesystem::path& dir);

/// The file a role's copy has in input/ ("projects" -> input/projects/projects.csv).
std::filesystem::path input_copy(const std::string& role, const std::filesystem::path& original);

/// A saved run, opened.
struct StoredRun {
    RunRecord record;
    std::shared_ptr<const Scenario> scenario;  ///< input/scenario.yaml with data.bin's data (or the copies')
    Results results;
    std::vector<KeptReplication> kept;
    /// The kept replication `k`, or null.
    [[nodiscard]] const Replay* find(std::int64_t k) const;
    /// The representative replication (always kept).
    [[nodiscard]] const Replay& representative() const;
};

/// True if `dir` holds a store (results.bin and input/scenario.yaml;
/// data.bin is optional).
bool has_store(const std::filesystem::path& dir);

/// Opens the store in `dir`: run.json, results.bin, input/scenario.yaml and
/// data.bin (else the copies in input/, checked against run.json's
/// digests). Throws InputError naming the file and what is wrong (missing,
/// truncated, another format version, of other data, edited since).
StoredRun open_store(const std::filesystem::path& dir);

/// The scenario of a run folder, as the run read it: input/scenario.yaml
/// with the run's --set edits (then `edits`) and input/'s data files;
/// throws InputError naming a copy (or, without edits, the scenario) that
/// changed since the run. For re-running on demand, or again with edits.
Scenario load_run_scenario(const std::filesystem::path& dir, const RunRecord& rec, const std::vector<std::string>& edits = {});

/// Bytes <-> Results and kept replications (what results.bin holds after
/// its header); exposed for tests.
std::string serialise_results(const Results& r, const std::vector<KeptReplication>& kept);
void deserialise_results(std::string_view bytes, const std::string& shown, Results& r, std::vector<KeptReplication>& kept);

}  // namespace tisheng
