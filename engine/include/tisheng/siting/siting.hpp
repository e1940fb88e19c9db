// Location models and their solvers: which candidates to open.
//
// One problem shape covers every model the programmes need:
// - maximal covering (choose p, or within budgets): maximise the demand
//   weight within reach of an open site;
// - p-median: minimise the weight-times-distance to the nearest open site;
// - budgets per payer (the Quanzhou shape: each base costs the city its grant
//   and its county union the 1:1 match), group constraints with a minimum
//   and a maximum count (per-unit minimums, >= 1 base per focus industry,
//   exactly k demonstration bases, "at most one variant of a site"), and
//   candidates that are fixed open (they exist, or are required).
//
// Two solvers: a heuristic (lazy greedy, then swap local search with fast
// interchange evaluation, then iterated perturbation and local search) and
// an exact MIP through COIN-OR CBC with a time limit, reporting objective,
// bound and gap. Both are deterministic.
#pragma once

#include <atomic>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "tisheng/core/error.hpp"

namespace tisheng::siting {

enum class Objective { max_cover, p_median };

/// A count constraint on the chosen candidates that belong to the group.
struct Group {
    std::string name;  ///< shown in messages: "unit 蓬江区", "industry ceramics", "demonstration"
    int min = 0;
    int max = std::numeric_limits<int>::max();
};

/// A budget: the sum of its costs over the chosen candidates must not exceed
/// `limit` (CNY; infinity = unlimited).
struct Budget {
    std::string name;  ///< e.g. "city", "county:350526"
    double limit = std::numeric_limits<double>::infinity();
};

struct Candidate {
    std::string id;
    std::vector<std::pair<std::uint32_t, double>> costs;  ///< (budget index, amount)
    std::vector<std::uint32_t> groups;                    ///< group indices it belongs to
    bool fixed = false;                                   ///< open whatever the solver decides
};

/// Demand i is covered by candidate j when j is open and i is in covers[j].
/// For p_median, distance[j * demand + i] is the cost of serving i from j
/// (finite; in the unit of the scenario's distances).
struct Problem {
    Objective objective = Objective::max_cover;
    std::vector<double> weight;                     ///< demand weights (workers), >= 0
    std::vector<Candidate> candidates;
    std::vector<std::vector<std::uint32_t>> covers; ///< max_cover: per candidate, sorted demand indices
    std::vector<float> distance;                    ///< p_median: candidates x demand, candidate-major
    int p = -1;                                     ///< open exactly p (fixed included); -1: as many as the budgets allow
    std::vector<Budget> budgets;
    std::vector<Group> groups;

    [[nodiscard]] std::size_t demand() const { return weight.size(); }
};

/// A candidate in the plan, in the order the heuristic chose it: fixed
/// candidates first, then the greedy's choices that survived local search,
/// then those local search swapped in (CBC: fixed, then by index). `gain`:
/// what it adds when the plan is opened in this order (recomputed for the
/// final plan, so for max_cover the gains sum to the objective; for p_median
/// the first site's gain counts from every demand point at its farthest
/// candidate).
struct Choice {
    std::uint32_t candidate = 0;
    double gain = 0;
};

struct Solution {
    std::vector<Choice> chosen;
    double objective = 0;  ///< covered weight (max_cover) or total weighted distance (p_median)
    /// Best bound known (MIP), else NaN. gap = |bound - objective| / max(|objective|, 1e-9).
    double bound = std::numeric_limits<double>::quiet_NaN();
    double gap = std::numeric_limits<double>::quiet_NaN();
    bool optimal = false;       ///< proven optimal (MIP only)
    bool timed_out = false;     ///< MIP stopped at its time limit
    double seconds = 0;
    std::string solver;         ///< "heuristic" or "cbc"
    std::vector<double> spent;  ///< per budget
};

/// For a chosen candidate: what the objective loses if it alone is dropped
/// (whatever p and the group minimums say: the value of one site less), and
/// the best single replacement (another candidate that keeps every
/// constraint) with the objective change of that swap (>= -loss); fixed
/// candidates, and those with no replacement, get replacement = -1 and
/// swap_delta = NaN.
/// For a candidate not chosen: `loss` is minus its gain if added (when that
/// keeps the budgets and group maximums, p aside: the value of one site
/// more; NaN otherwise), replacement = -1, swap_delta = NaN.
/// Losses and deltas are in the objective's unit, positive = worse for loss
/// and better for swap_delta, for both objectives.
struct DropEffect {
    std::uint32_t candidate = 0;
    double loss = 0;
    std::int32_t replacement = -1;
    double swap_delta = 0;  ///< objective change of dropping `candidate` and opening `replacement`, in the objective's sense (+ = better)
};

/// The heuristic's result depends only on the problem, `seed` and
/// `time_limit_s`: the perturbation rounds stop after a number of rounds
/// without improvement or a budget of work (counted steps, proportional to
/// time_limit_s and spent in a third to two thirds of it on a 2.6 GHz
/// core), not on the clock; the clock stops them only on a machine (or
/// under a load) 1.5 to 3 times slower.
struct HeuristicOptions {
    std::uint64_t seed = 1;      ///< for the perturbation rounds
    /// Local search stops after a budget of work this long on a typical core
    /// (counted, so the plan does not depend on the machine's speed); the
    /// wall clock stops it only at ten times this.
    double time_limit_s = 2.0;
    int threads = 1;             ///< reserved: the search runs on one thread (its moves are sequential)
    /// Polled by the search: set, solve_heuristic throws Cancelled.
    const std::atomic<bool>* cancel = nullptr;
};

struct ExactOptions {
    /// Wall clock from the call to solve_exact until it returns: the checks,
    /// building each model, every CBC run (a p-median model runs again with
    /// longer lists, from the best plan so far) and evaluating the plan.
    /// Each CBC run gets the time left, and at the deadline
    /// - its first LP relaxation stops (Clp's wall-clock limit);
    /// - any later LP begun before the deadline stops at its next iteration;
    /// - its search stops at the next node or heuristic pass.
    /// What can run past it: the start of the first LP (Clp's presolve and
    /// crash, which look at the clock only now and then) and its clean-up
    /// once stopped; the LPs CBC begins after the deadline to check and
    /// complete a plan it found (cut short, the plan would be lost);
    /// loading a model into CBC. Measured on 2 cores (bench/README.md,
    /// "CBC's time limit"): at most 1.9 s past a 10 s limit on OR-Library
    /// pmed1-pmed40 (mostly under 0.5 s), 1.7 s past 0.5 s on pmed38 (a
    /// model of 170,000 columns), 0.6 s past 0.2 s on tests/test_siting.cpp's
    /// 72,000. Once the limit has passed, CBC's proofs are not trusted (an
    /// LP may have been cut short): the solution says timed_out, not
    /// optimal. With no plan found by then, the warm start (if any) is the
    /// answer, else NoPlanInTime is thrown.
    double time_limit_s = 60;
    int threads = 1;           ///< CBC threads, in its repeatable mode
    /// Warm start: a feasible solution to give CBC as its first incumbent.
    const Solution* start = nullptr;
    /// Polled before each CBC run (a run itself ends only at the time
    /// limit): set, solve_exact throws Cancelled.
    const std::atomic<bool>* cancel = nullptr;
};

/// Problems that make the model infeasible before any search, each naming
/// the constraints in conflict ("groups 'unit 蓬江区' (min 3) and
/// 'unit 江海区' (min 2) need 5 sites but p = 4"). Empty: none found (the
/// checks are necessary conditions; overlapping groups can still conflict).
/// Throws tisheng::Error if the problem is malformed.
std::vector<std::string> infeasibility(const Problem& problem);

/// solve_exact's time limit ended before CBC found a plan, and no warm
/// start was given. The message names the limit and CBC's bound.
class NoPlanInTime : public Error {
public:
    using Error::Error;
};

/// Throws tisheng::Error if the problem is malformed (sizes, indices,
/// negative weights or costs, p larger than the candidates) and
/// tisheng::Infeasible (see below) if `infeasibility` finds conflicts or the
/// search finds no feasible plan (the heuristic names what it could not
/// meet; CBC, when it proves infeasibility, the constraint families). The
/// exact solver throws NoPlanInTime if CBC finds no plan within its time
/// and it has no warm start.
Solution solve_heuristic(const Problem& problem, const HeuristicOptions& options = {});
Solution solve_exact(const Problem& problem, const ExactOptions& options = {});

/// Objective of a set of open candidates (fixed ones need not be listed;
/// repeats count once); p_median with none open: infinity. Throws
/// tisheng::Error on a malformed problem or an index out of range.
double evaluate(const Problem& problem, const std::vector<std::uint32_t>& open);

/// One entry per candidate, in candidate order.
/// `cancel`, polled for every candidate: set, it throws Cancelled.
std::vector<DropEffect> drop_analysis(const Problem& problem, const Solution& solution, const std::atomic<bool>* cancel = nullptr);

}  // namespace tisheng::siting
