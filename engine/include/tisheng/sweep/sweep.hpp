// Batch what-if sweeps: a base scenario, the parameters to vary (explicit
// lists, stepped ranges crossed into a full grid, or Latin-hypercube samples
// over ranges), each variant a Monte Carlo run with the sweep's seed (common
// random numbers: variants differ by their parameters, not by their luck).
// Results stream into an embedded store (SweepStore, sweep_run.hpp), one
// transaction per variant; the analysis (sweep_analysis.hpp) reads the
// finished table.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tisheng/core/error.hpp"
#include "tisheng/model/scenario.hpp"

namespace tisheng {

/// One varied scenario path.
struct SweepParameter {
    std::string path;     ///< as --set takes it: budgets.payers.city_fund.annual_cny
    std::string column;   ///< its column in the results: the path with '_' for other characters
    std::vector<std::string> values;         ///< an explicit list, as written
    std::optional<double> min, max, step;    ///< or a range (step: a grid's spacing; optional for samples)
    bool integral = false;  ///< whole-number bounds and step: every value is a whole number
    bool numeric = true;    ///< every value is a number (the sensitivity analysis needs it)
    Location where;         ///< the parameter in the sweep file

    [[nodiscard]] bool is_range() const { return min.has_value(); }
    /// The grid's values of a range (min, min + step, ... up to max) or the list.
    [[nodiscard]] std::vector<std::string> grid_values() const;
    [[nodiscard]] std::size_t grid_size() const;
    /// A range's value min + k * step, rounded to the decimals min and step are written with.
    [[nodiscard]] double on_grid(double k) const;
    /// A number as a scenario value: whole numbers without a decimal point,
    /// others in the shortest text that reads back to the same double.
    [[nodiscard]] std::string format(double v) const;
};

/// grid: the full cross of the values; lhs: Latin-hypercube samples over
/// the ranges; points: given points (a sensitivity design, sensitivity.hpp).
enum class SweepDesign { grid, lhs, points };

/// A sweep file, read and checked against its base scenario.
class Sweep {
public:
    std::filesystem::path file;
    std::string name;
    std::string title;
    std::filesystem::path scenario;       ///< the base scenario file
    std::shared_ptr<const Scenario> base; ///< loaded with its data, with `fixed` applied
    std::vector<std::string> fixed;       ///< overrides for every variant (`set:`)
    int replications = 100;               ///< per variant
    std::uint64_t seed = 0;               ///< every variant's seed
    SweepDesign design = SweepDesign::grid;
    std::size_t samples = 0;              ///< Latin-hypercube samples
    std::vector<std::string> all_targets; ///< the target ids that P(all met) covers
    std::vector<SweepParameter> parameters;
    double find_min_tolerance = 0;        ///< `find_min.tolerance`; 0: 1 % of the bracket
    std::string fingerprint;              ///< identifies the sweep's results (a store holds one sweep)

    [[nodiscard]] std::size_t variants() const;
    /// Each parameter's value in variant `v`, as scenario text.
    [[nodiscard]] std::vector<std::string> values(std::size_t v) const;
    /// The overrides that make variant `v` of the base scenario.
    [[nodiscard]] std::vector<std::string> overrides(std::size_t v) const;
    /// The overrides of a run with `extra` on top of the base (find-min).
    [[nodiscard]] std::vector<std::string> overrides_with(const std::vector<std::string>& extra) const;

private:
    friend Sweep load_sweep(const std::filesystem::path&, Diagnostics*);
    friend Sweep point_sweep(std::shared_ptr<const Scenario>, std::vector<std::string>, std::string, std::vector<SweepParameter>,
                             std::vector<std::vector<std::string>>, int, std::uint64_t, const std::string&);
    std::vector<std::vector<std::string>> m_points;  ///< points: [variant][parameter], as scenario text
    std::vector<std::size_t> m_grid_sizes;    ///< grid: values per parameter
    std::vector<std::vector<std::string>> m_grid;
    std::vector<std::uint32_t> m_strata;      ///< lhs: [parameter * samples + v], a permutation per parameter
};

/// Reads a sweep file and checks every parameter against the base scenario
/// (the path exists; each value, or a range's ends, has the right type and
/// range); throws InvalidInput listing every problem with file:line.
Sweep load_sweep(const std::filesystem::path& file, Diagnostics* warnings = nullptr);

/// A sweep of given points of the scenario `base` (loaded from its file,
/// with `fixed` applied): variant v sets parameters[j] to points[v][j].
/// `design` names the design in the fingerprint and sweep.json ("morris
/// r=20"). The sensitivity analysis runs its designs through it, so that
/// they have the sweep's store, resume and Open MPI.
Sweep point_sweep(std::shared_ptr<const Scenario> base, std::vector<std::string> fixed, std::string name,
                  std::vector<SweepParameter> parameters, std::vector<std::vector<std::string>> points, int replications,
                  std::uint64_t seed, const std::string& design);

/// The outcome columns of a variant: what planners compare across variants.
struct SweepOutcomes {
    /// Per variant, after its parameters: p_<target> (P(every unit meets it)),
    /// p_all_met (the sweep's targets together), spent_<payer> and
    /// short_<payer> (medians over the horizon, CNY), public_spend (the
    /// non-enterprise payers' spent together), coverage_<radius>, and the
    /// two headline counts at the end date (stations_built, stations_open or
    /// bases_named, demo_bases_named), medians.
    std::vector<std::string> columns;
    /// Per unit: p_<target> of each per-unit target, the headline count and
    /// the headline radius's coverage share at the end date.
    std::vector<std::string> unit_columns;
    std::size_t p_all_met = 0, public_spend = 0, coverage = 0;  ///< indices into columns (the Pareto axes)

    [[nodiscard]] std::optional<std::size_t> find(const std::string& column) const;
};

/// One variant's outcomes, streamed to the store and then dropped.
struct VariantResult {
    std::uint64_t variant = 0;
    std::vector<double> row;    ///< SweepOutcomes::columns
    std::vector<double> units;  ///< [unit * unit_columns + column]
};

/// The base scenario prepared once (its data read once); runs variants.
/// Thread-safe: run() may be called from many threads at once.
class SweepRunner {
public:
    explicit SweepRunner(const Sweep& sweep);
    [[nodiscard]] const Sweep& sweep() const { return m_sweep; }
    [[nodiscard]] const Scenario& base() const { return *m_sweep.base; }
    [[nodiscard]] const SweepOutcomes& outcomes() const { return m_outcomes; }
    /// Variant `v`; `threads` of its Monte Carlo run (results do not depend on it).
    [[nodiscard]] VariantResult run(std::size_t v, int threads = 1) const;
    /// The base with the sweep's fixed overrides and `extra`.
    [[nodiscard]] VariantResult run_with(const std::vector<std::string>& extra, int threads) const;

private:
    [[nodiscard]] VariantResult run_overrides(const std::vector<std::string>& overrides, int threads) const;
    const Sweep& m_sweep;
    SweepOutcomes m_outcomes;
    std::vector<std::size_t> m_all_targets;
};

/// The column name of a path or id: lower case letters, digits and '_'.
std::string column_name(const std::string& text);

}  // namespace tisheng
