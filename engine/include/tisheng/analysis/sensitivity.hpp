// Global sensitivity of every target to every assumption: the numbers of a
// scenario marked `assumption` or `calibrated` are varied together over
// their ranges (the scenario's `sensitivity:` section, or a documented
// default), by a Morris screen or a Sobol' design (gsa.hpp), each point a
// Monte Carlo run on the sweep machinery (store, resume, Open MPI). Each
// outcome of the sweep (each target's P(met), P(all met), spend, coverage,
// the headline counts) then ranks the assumptions by their effect.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tisheng/model/scenario.hpp"
#include "tisheng/sweep/sweep.hpp"
#include "tisheng/sweep/sweep_run.hpp"

namespace tisheng {

/// One varied number: its range and where the range comes from.
struct SensitivityFactor {
    ParameterRange range;
    SourceKind kind = SourceKind::assumption;
    bool from_scenario = false;  ///< `sensitivity:` gave the range; else the default
};

/// The factors of a scenario, and the assumptions left out with the reason.
/// Every number whose provenance is `assumption` or `calibrated` is a
/// factor, except the settings of the analysis itself (run:, coverage:,
/// siting:, counterfactuals:); a number given a range under `sensitivity:`
/// is a factor whatever its source. Its range is the scenario's `sensitivity:`
/// range, or by default half to one and a half times its value, cut at 1
/// for a value below 1 that the scenario refuses above 1 (a probability or
/// share), whole numbers rounded. An end the scenario's checks refuse (a
/// share of a cost that must sum to 1 with the others) is pulled back to the
/// value; a number whose range is then empty (0, or refused both ways) is
/// left out, with the loader's message.
struct SensitivityPlan {
    std::vector<SensitivityFactor> factors;
    std::vector<std::pair<std::string, std::string>> left_out;  ///< (path, why)
};
SensitivityPlan sensitivity_factors(const Scenario& s);

enum class GsaMethod { morris, sobol };

struct SensitivityOptions {
    GsaMethod method = GsaMethod::morris;
    int trajectories = 20;   ///< Morris r
    int samples = 64;        ///< Sobol' n (variants: n (k + 2))
    int replications = 100;  ///< per point (common random numbers: the same seed at every point)
    int bootstrap = 500;     ///< resamples of the intervals
};

/// The design as a sweep of points of `base` (with the --set lines `sets`).
Sweep sensitivity_sweep(std::shared_ptr<const Scenario> base, const std::vector<std::string>& sets, const SensitivityPlan& plan,
                        const SensitivityOptions& options);

struct SensitivityResult {
    GsaMethod method = GsaMethod::morris;
    SensitivityOptions options;
    std::vector<SensitivityFactor> factors;
    std::vector<std::pair<std::string, std::string>> left_out;
    struct Effect {
        std::size_t factor = 0;
        /// Morris: mu* (mean |elementary effect|, the outcome's change over
        /// the factor's whole range), mu, sigma, mu*'s 95 % interval.
        /// Sobol': the total index and its 95 % interval in mu_star, low,
        /// high; the first-order index in mu; sigma unused.
        double mu_star = 0, mu = 0, sigma = 0, low = 0, high = 0;
    };
    struct Outcome {
        std::string column;  ///< the sweep's outcome column (p_<target>, public_spend, ...)
        std::string label;   ///< its display name
        std::vector<Effect> ranked;  ///< largest effect first
    };
    std::vector<Outcome> outcomes;
};

/// The indices of every outcome from the sweep's finished rows (all of
/// them, in variant order).
SensitivityResult analyse_sensitivity(const SweepRunner& runner, const std::vector<SweepRow>& rows, const SensitivityPlan& plan,
                                      const SensitivityOptions& options);

/// Writes sensitivity.json and sensitivity.html into `dir` (whole or not at all).
void write_sensitivity(const std::filesystem::path& dir, const Scenario& s, const SensitivityResult& r, const std::string& created);

/// What a run's report shows of the last sensitivity run: per target, the
/// five assumptions that move its P(met) most.
struct SensitivitySummary {
    std::filesystem::path file;
    std::string created, method, scenario_hash;
    /// Made from the same scenario file (its bytes) with the same --set
    /// edits, apart from the run settings (seed, replications).
    bool same_scenario = false;
    struct Top {
        std::string target;  ///< id
        std::vector<std::pair<std::string, double>> factors;  ///< (path, mu* or total index)
    };
    std::vector<Top> targets;
};
/// Where a run's report looks for the sensitivity run of its scenario:
/// DIR/../<scenario name>-sensitivity/sensitivity.json (the default --out
/// of both commands puts them side by side under runs/), then DIR itself.
std::optional<SensitivitySummary> find_sensitivity(const std::filesystem::path& run_dir, const Scenario& s);
/// The section of a run's report.html: per target, the five assumptions
/// that move its P(met) most, from find_sensitivity; or where it looked and
/// the command to run when there is none.
std::string sensitivity_section_html(const std::filesystem::path& run_dir, const Scenario& s);

}  // namespace tisheng
