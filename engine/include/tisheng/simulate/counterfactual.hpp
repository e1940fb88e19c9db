// Why a target is missed, found by re-running: each replication that missed
// a check is run again with one lever relaxed (a payer's budget unlimited,
// durations at their minimum, adoption certain, every review passing, the
// naming cap lifted ...), with every random stream the same (draws are keyed
// by replication, entity and purpose; see simulate.hpp), so the difference
// is that lever's effect alone. A cause is what would have changed the
// outcome, not who ran out first.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tisheng/model/ids.hpp"
#include "tisheng/model/scenario.hpp"
#include "tisheng/simulate/simulate.hpp"

namespace tisheng {

/// One thing a planner (or the model) could relax: a cause (ids.hpp) with
/// its id.
struct Lever : Cause {
    /// to_string(cause, the programme's kind): "payer:union", "payer:county"
    /// (every county's own budget), "payers:all", "durations" ... Kept with
    /// the lever, since the outputs name it by this and a lever does not
    /// know its programme.
    std::string id;
};

/// The levers the scenario's model has: every payer whose budget is
/// limited (a per-unit payer as one lever), all payers together (when
/// there are two or more), durations, adoption or application, the
/// station standard or the base review, and the per-round naming cap
/// (when the scenario has one). `counterfactuals.levers` in the scenario
/// may restrict the list.
std::vector<Lever> levers(const Scenario& s);

/// A copy of `s` with the levers relaxed.
Scenario relaxed(const Scenario& s, const std::vector<const Lever*>& levers);

/// What would have fixed one check's misses.
struct Fix {
    std::size_t check = 0;  ///< index into Layout::checks
    int missed = 0;         ///< replications that missed it
    int rerun = 0;          ///< of which re-run (in the sample)
    int rerun_met = 0;      ///< replications that met it, re-run (in the sample)
    /// Per lever (Counterfactuals::levers): the share of the re-run misses
    /// that the lever alone turns into a met check, and the share of the
    /// re-run met replications that still meet it (a lever can break what
    /// worked: relaxing one thing changes who takes the places).
    std::vector<double> fixed_by, kept_by;
    /// The smallest set of levers (indices) that fixes at least `fix_share`
    /// of the re-run misses: among singles the one with the highest
    /// P(met | lever), among larger sets the first found in lever order
    /// (then the best of its size among those run). Every lever when only
    /// all of them together do; empty when no set tried does.
    std::vector<std::size_t> smallest;
    double smallest_fixed = 0, smallest_kept = 1;
    bool capped = false;  ///< max_sets stopped the search while this check had no smaller set
    /// With every lever relaxed: the shares fixed and kept, and the
    /// measure's quantiles in the re-run replications (for a share target:
    /// the structural ceiling, what cannot be served in time whatever is done).
    double all_fixed = 0, all_kept = 1;
    Quantiles all_value;
    /// P(met | lever l), P(met | the smallest set), P(met | every lever),
    /// from the check's P(met) `p` (p_met_if).
    [[nodiscard]] double p_if(std::size_t l, double p) const;
    [[nodiscard]] double p_smallest(double p) const;
    [[nodiscard]] double p_all(double p) const;
};

/// P(met | levers) estimated from a Fix's shares: the met replications that
/// stay met plus the misses that are fixed.
double p_met_if(double p_met, double fixed_share, double kept_share);

struct Counterfactuals {
    std::vector<Lever> levers;
    std::vector<Fix> fixes;  ///< one per check that was missed at least once
    /// Replications re-run: evenly spaced over all of them down to the
    /// sample size, plus at least 10 misses and 10 met replications of each
    /// missed check (all, if fewer), so that a rare miss is explained too.
    int sample = 0;
    int sets_run = 0;        ///< lever sets run (every single lever and all of them always; larger sets up to max_sets)
    int max_sets = 0;
    double fix_share = 0.9;
    [[nodiscard]] const Fix* find(std::size_t check) const;
};

struct CounterfactualOptions {
    int sample = 0;         ///< replications re-run, besides each missed check's own 10 (0: the scenario's, 100)
    int max_sets = 0;       ///< lever sets run at most, when larger sets are searched (0: the scenario's, 48)
    double fix_share = 0;   ///< a set fixes a check when it fixes this share of its misses (0: the scenario's, 0.9)
    int threads = 0;        ///< 0: all cores
    /// Called on the calling thread: (replications re-run, planned).
    std::function<void(int, int)> progress;
    const std::atomic<bool>* cancel = nullptr;
};

/// Re-runs a sample of the replications of `r` (which `sim` produced; needs
/// Results::check_met) with each lever relaxed, then all of them, then
/// larger sets up to the cap. The numbers do not depend on the thread count.
Counterfactuals explain_misses(const Simulator& sim, const Results& r, const CounterfactualOptions& options = {});

}  // namespace tisheng
