// Running a sweep: variants in parallel (threads, and processes through a
// transport such as MPI), each result committed to the store in its own
// transaction, so that a killed sweep resumes where it stopped and ends with
// the same table as an uninterrupted one.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tisheng/sweep/sweep.hpp"
#include "tisheng/sweep/sweep_analysis.hpp"

namespace tisheng {

/// DIR/results.gpkg: a GeoPackage (SQLite) of plain tables that QGIS,
/// ogrinfo and sqlite3 read: `sweep` (key, value: what the sweep is),
/// `units` (the unit polygons, to join on), `variants` (one row per variant:
/// its parameters and outcomes), `unit_results` (per variant and unit), and
/// after the analysis `sensitivity` and `pareto`.
class SweepStore {
public:
    static constexpr const char* file_name = "results.gpkg";

    /// Creates the store in `dir` (new or empty), or with `resume` reopens
    /// the store of this same sweep there. Throws InputError, touching
    /// nothing, when `dir` holds anything else: a store of another sweep, a
    /// file named results.gpkg that is not a Tisheng store, other files; or
    /// this sweep's store without `resume`.
    SweepStore(const std::filesystem::path& dir, const SweepRunner& runner, bool resume);
    ~SweepStore();
    SweepStore(const SweepStore&) = delete;
    SweepStore& operator=(const SweepStore&) = delete;

    [[nodiscard]] const std::filesystem::path& path() const;
    /// Per variant: 1 once its row is committed.
    [[nodiscard]] const std::vector<std::uint8_t>& done() const;
    [[nodiscard]] std::size_t done_count() const;
    /// Commits one variant (its row and its units' rows) in one transaction.
    void write(const VariantResult& r);

    /// Every committed variant, ordered by variant number.
    [[nodiscard]] std::vector<SweepRow> rows() const;
    /// Writes variants.csv and units.csv into the store's folder (UTF-8
    /// with a BOM, for spreadsheets), ordered by variant and unit.
    void export_csv() const;
    /// Replaces the tables `sensitivity` and `pareto` (one transaction).
    void write_analysis(const SweepAnalysis& a);

private:
    struct Impl;
    std::unique_ptr<Impl> m;
};

/// How variants are shared among processes (Open MPI: engine/cli). Rank 0
/// holds the store; every rank runs the variants v with v % size == rank.
class SweepTransport {
public:
    virtual ~SweepTransport() = default;
    [[nodiscard]] virtual int rank() const = 0;
    [[nodiscard]] virtual int size() const = 0;
    /// From rank 0 to all: the variants already done, or nullopt when rank 0
    /// could not open its store (every rank then stops).
    virtual std::optional<std::vector<std::uint8_t>> share_done(std::optional<std::vector<std::uint8_t>> done) = 0;
    /// Ranks above 0: hands a result to rank 0.
    virtual void send(const VariantResult& r) = 0;
    /// Rank 0: a result from another rank, if one has arrived.
    virtual std::optional<VariantResult> receive() = 0;
};

struct SweepOptions {
    int threads = 0;      ///< worker threads of this process (0: all cores)
    bool resume = false;
    /// Called on the calling thread of rank 0: (variants done, variants in all).
    std::function<void(std::size_t, std::size_t)> progress;
    SweepTransport* transport = nullptr;  ///< null: this process runs every variant
};

struct SweepSummary {
    std::size_t variants = 0;
    std::size_t skipped = 0;  ///< already done (--resume)
    std::size_t ran = 0;      ///< by this run, all ranks together
    double skip_seconds = 0;  ///< opening the store and finding what is done
    double store_seconds = 0; ///< committing variants to the store (rank 0)
};

/// Runs the sweep into `dir`, then (rank 0) writes the analysis, the CSV
/// exports and sweep.json. Ranks other than 0 return after their variants.
SweepSummary run_sweep(const SweepRunner& runner, const std::filesystem::path& dir, const SweepOptions& options);

}  // namespace tisheng
