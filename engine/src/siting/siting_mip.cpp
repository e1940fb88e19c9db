// Exact siting through COIN-OR CBC (its C interface).
//
// Max cover: x_j binary (open), y_i in [0, 1] (covered), maximise Σ w_i y_i
// subject to y_i <= Σ_{j covers i} x_j. y may stay continuous: at an optimum
// y_i = min(1, Σ x_j) for free. Demand points covered by the same set of
// candidates share one y with their weights added (clustered data have many).
//
// p-median, with a sparse assignment: demand i may be assigned (z_ij >= 0,
// z_ij <= x_j) only to its L_i nearest candidates, and otherwise falls back on
// s_i >= 0 priced at the distance of its (L_i + 1)-th nearest, a lower bound
// on any farther assignment:
//     min Σ_i w_i (Σ_j d_ij z_ij + d_i(L_i+1) s_i),  Σ_j z_ij + s_i = 1.
// Every plan costs at least as much as in the full model, so the restricted
// model's bound holds for the full one; a plan whose demand never falls back
// costs exactly its true objective, so proven optimal there means optimal.
// When the plan CBC returns leaves some demand without an open candidate
// among its L_i, those L_i grow and CBC runs again from that plan. No list
// needs more than the m - p + 1 nearest (p sites cannot all lie beyond
// them) nor goes past the nearest fixed candidate.
//
// Both share: Σ x = p (when p >= 0), one row per limited budget, one per
// group with a bound that can bind, x_j = 1 for fixed candidates.
//
// The time limit bounds the whole solve by the wall clock. CBC's own limit
// ("sec", counted from the start of its run) is checked between
// branch-and-bound nodes and heuristic passes only: the first LP relaxation
// of a large sparse p-median model takes minutes, a pass of the feasibility
// pump many seconds. So each run also stops at the deadline (a) the first
// LP relaxation, by Clp's wall-clock limit, (b) every later LP that Clp
// began before it, at its next simplex iteration, and (c) CBC's search, at
// its next node or heuristic pass. An LP begun after the deadline runs to
// its end: CBC checks each plan it finds with one (cut short, the plan
// would be lost), and its search goes no further.
#include <coin/CbcEventHandler.hpp>
#include <coin/CbcModel.hpp>
#include <coin/CbcSolver.hpp>
#include <coin/ClpEventHandler.hpp>
#include <coin/OsiClpSolverInterface.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "core/detail/cancel.hpp"
#include "siting/detail/siting.hpp"
#include "tisheng/core/error.hpp"
#include "tisheng/siting/siting.hpp"

namespace tisheng::siting {
namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

/// A MIP built row by row (as triplets), handed to CBC column-wise.
class Mip {
public:
    int add_column(double lower, double upper, double cost, bool integer) {
        m_lower.push_back(lower);
        m_upper.push_back(upper);
        m_cost.push_back(cost);
        m_integer.push_back(integer ? 1 : 0);
        return static_cast<int>(m_cost.size()) - 1;
    }
    /// lower <= Σ coef * column <= upper.
    void add_row(double lower, double upper, const std::vector<std::pair<int, double>>& terms) {
        const auto row = static_cast<int>(m_row_lower.size());
        m_row_lower.push_back(lower);
        m_row_upper.push_back(upper);
        for (const auto& [col, coef] : terms) m_entries.push_back({col, row, coef});
    }
    [[nodiscard]] int columns() const { return static_cast<int>(m_cost.size()); }
    [[nodiscard]] int rows() const { return static_cast<int>(m_row_lower.size()); }

    /// Loads the model into a solver.
    void load(OsiClpSolverInterface& solver) const {
        std::vector<CoinBigIndex> start(m_cost.size() + 1, 0);
        for (const Entry& e : m_entries) ++start[static_cast<std::size_t>(e.col) + 1];
        std::partial_sum(start.begin(), start.end(), start.begin());
        std::vector<int> index(m_entries.size());
        std::vector<double> value(m_entries.size());
        std::vector<CoinBigIndex> fill(start.begin(), start.end() - 1);
        for (const Entry& e : m_entries) {
            const auto at = static_cast<std::size_t>(fill[static_cast<std::size_t>(e.col)]++);
            index[at] = e.row;
            value[at] = e.coef;
        }
        solver.loadProblem(columns(), rows(), start.data(), index.data(), value.data(), m_lower.data(), m_upper.data(), m_cost.data(),
                           m_row_lower.data(), m_row_upper.data());
        for (int c = 0; c < columns(); ++c)
            if (m_integer[static_cast<std::size_t>(c)]) solver.setInteger(c);
    }

private:
    struct Entry {
        int col, row;
        double coef;
    };
    std::vector<double> m_lower, m_upper, m_cost, m_row_lower, m_row_upper;
    std::vector<std::uint8_t> m_integer;
    std::vector<Entry> m_entries;
};

/// x columns 0..m-1 and the rows on them: count, budgets, groups.
void add_plan_rows(Mip& mip, const Problem& pr) {
    const auto m = static_cast<int>(pr.candidates.size());
    for (int j = 0; j < m; ++j) mip.add_column(pr.candidates[static_cast<std::size_t>(j)].fixed ? 1 : 0, 1, 0, true);
    std::vector<std::pair<int, double>> all;
    for (int j = 0; j < m; ++j) all.push_back({j, 1.0});
    if (pr.p >= 0) mip.add_row(pr.p, pr.p, all);
    else if (pr.objective == Objective::p_median) mip.add_row(1, inf, all);
    for (std::uint32_t b = 0; b < pr.budgets.size(); ++b) {
        if (!std::isfinite(pr.budgets[b].limit)) continue;
        std::vector<std::pair<int, double>> terms;
        for (int j = 0; j < m; ++j)
            for (const auto& [budget, cost] : pr.candidates[static_cast<std::size_t>(j)].costs)
                if (budget == b && cost != 0) terms.push_back({j, cost});
        mip.add_row(-inf, pr.budgets[b].limit, terms);
    }
    for (std::uint32_t g = 0; g < pr.groups.size(); ++g) {
        std::vector<std::pair<int, double>> terms;
        for (int j = 0; j < m; ++j)
            if (const auto& gs = pr.candidates[static_cast<std::size_t>(j)].groups; std::find(gs.begin(), gs.end(), g) != gs.end())
                terms.push_back({j, 1.0});
        const Group& grp = pr.groups[g];
        if (grp.min > 0 || grp.max < static_cast<int>(terms.size()))
            mip.add_row(grp.min, grp.max == std::numeric_limits<int>::max() ? inf : grp.max, terms);
    }
}

/// The constraint families present, for "CBC proved the model infeasible".
std::string families(const Problem& pr) {
    std::vector<std::string> out;
    if (pr.p >= 0) out.push_back(fmt::format("p = {}", pr.p));
    for (const Budget& b : pr.budgets)
        if (std::isfinite(b.limit)) out.push_back(fmt::format("budget '{}' {}", b.name, detail::amount(b.limit)));
    for (const Group& g : pr.groups)
        if (g.min > 0 || g.max < std::numeric_limits<int>::max())
            out.push_back(g.max == std::numeric_limits<int>::max() ? fmt::format("group '{}' (min {})", g.name, g.min)
                                                                   : fmt::format("group '{}' (min {}, max {})", g.name, g.min, g.max));
    const auto fixed = std::count_if(pr.candidates.begin(), pr.candidates.end(), [](const Candidate& c) { return c.fixed; });
    if (fixed > 0) out.push_back(fmt::format("{} fixed candidates", fixed));
    std::string s;
    for (const auto& f : out) s += (s.empty() ? "" : "; ") + f;
    return s;
}

struct Outcome {
    bool found = false;     ///< an integer solution exists
    bool optimal = false;   ///< proven optimal (for this model)
    bool timed_out = false;
    double objective = 0;   ///< of this model
    double bound = 0;       ///< of this model
    std::vector<std::uint8_t> open;  ///< x > 0.5
};

using Clock = std::chrono::steady_clock;

/// Stops CBC's search once the deadline has passed, at the next node, tree
/// status or heuristic pass (CBC copies it into every model it makes).
class StopAtDeadline : public CbcEventHandler {
public:
    explicit StopAtDeadline(Clock::time_point deadline) : m_deadline(deadline) {}
    CbcAction event(CbcEvent which) override {
        switch (which) {
        case node:
        case treeStatus:
        case afterHeuristic:
        case heuristicPass: return Clock::now() >= m_deadline ? stop : noAction;
        default: return noAction;  // solutions are kept whenever they come
        }
    }
    [[nodiscard]] CbcEventHandler* clone() const override { return new StopAtDeadline(*this); }

    /// Set once the first LP relaxation is solved: until then CBC's bound
    /// is whatever the stopped LP held, no bound at all.
    bool root_lp_solved = false;

private:
    Clock::time_point m_deadline;
};

/// Stops an LP that began before the deadline and is still running at it
/// (Clp then reports status 5, "stopped by event"). Clp copies it into every
/// model it makes, so it also reaches the LPs of preprocessing, cuts and
/// heuristics. A new solve is seen by its iteration count starting again.
class StopLpAtDeadline : public ClpEventHandler {
public:
    explicit StopLpAtDeadline(Clock::time_point deadline) : m_deadline(deadline) {}
    int event(Event which) override {
        if (which != endOfIteration) return -1;
        const auto now = Clock::now();
        const int iteration = model_->numberIterations();
        if (iteration <= m_last) m_began = now;
        m_last = iteration;
        return now >= m_deadline && m_began < m_deadline ? 0 : -1;
    }
    [[nodiscard]] ClpEventHandler* clone() const override { return new StopLpAtDeadline(*this); }

private:
    Clock::time_point m_deadline, m_began;
    int m_last = std::numeric_limits<int>::max();
};

double seconds_until(Clock::time_point deadline) { return std::chrono::duration<double>(deadline - Clock::now()).count(); }

/// One CBC run of `mip` (x = its first m columns) until `deadline`, from
/// `start` if not empty.
Outcome run_cbc(const Mip& mip, const Problem& pr, bool maximise, Clock::time_point deadline, int threads,
                const std::vector<std::uint32_t>& start) {
    OsiClpSolverInterface solver;
    mip.load(solver);
    solver.setObjSense(maximise ? -1 : 1);
    const StopLpAtDeadline stop_lp(deadline);
    solver.getModelPtr()->passInEventHandler(&stop_lp);  // Clp keeps a copy
    CbcModel model(solver);
    CbcSolverUsefulData data;
    CbcMain0(model, data);
    if (!start.empty()) {  // by column name, as CBC takes it
        std::vector<std::string> names;
        for (std::size_t k = 0; k < pr.candidates.size(); ++k) names.push_back(model.solver()->getColName(static_cast<int>(k)));
        std::vector<const char*> name_ptrs;
        for (const auto& n : names) name_ptrs.push_back(n.c_str());
        std::vector<double> values(pr.candidates.size(), 0.0);
        for (std::uint32_t k : start) values[k] = 1.0;
        model.setMIPStart(static_cast<int>(names.size()), name_ptrs.data(), values.data());
    }
    const StopAtDeadline stop_at(deadline);
    model.passInEventHandler(&stop_at);  // CBC keeps a copy
    // What is left once the model is built and loaded; a run is never given less than 10 ms.
    const double seconds = std::max(seconds_until(deadline), 0.01);
    const char* log_env = std::getenv("TISHENG_CBC_LOG");
    const std::string log = std::to_string(log_env && *log_env ? std::max(1, std::atoi(log_env)) : 0);  // CBC's and Clp's
    const std::string sec = fmt::format("{:.3f}", seconds);
    // 100 + n: n threads with a repeatable search, as the heuristic promises.
    const std::string thread_count = std::to_string(100 + threads);
    std::vector<const char*> argv{"tisheng", "-log", log.c_str(), "-slog", log.c_str(), "-timeMode", "elapsed", "-sec", sec.c_str()};
    if (threads > 1) argv.insert(argv.end(), {"-threads", thread_count.c_str()});
    argv.insert(argv.end(), {"-solve", "-quit"});
    // The first LP relaxation: Clp's own wall-clock limit (not every path
    // of its initial solve calls the event handler), lifted once that LP
    // is done so that no later LP stops at it.
    dynamic_cast<OsiClpSolverInterface*>(model.solver())->getModelPtr()->setMaximumWallSeconds(seconds);
    constexpr int after_root_lp = 1;  // CbcMain1's callback points: 1 after the first LP, 2 after preprocessing, ...
    CbcMain1(static_cast<int>(argv.size()), argv.data(), model,
             [](CbcModel* m, int where) {
                 if (where != after_root_lp) return 0;
                 if (auto* stop = dynamic_cast<StopAtDeadline*>(m->getEventHandler())) stop->root_lp_solved = m->solver()->isProvenOptimal();
                 if (auto* clp = dynamic_cast<OsiClpSolverInterface*>(m->solver())) clp->getModelPtr()->setMaximumWallSeconds(-1);
                 return 0;
             },
             data);
    const auto* stop = dynamic_cast<const StopAtDeadline*>(model.getEventHandler());

    // Past the deadline, an LP may have been cut short: CBC's proofs
    // (optimal, infeasible) are not trusted then.
    Outcome out;
    out.timed_out = model.isSecondsLimitReached() || Clock::now() >= deadline;
    if (model.isProvenInfeasible() && !out.timed_out)
        throw Infeasible({"CBC proved the model infeasible: " + families(pr)});
    out.found = model.bestSolution() != nullptr;
    out.optimal = out.found && model.isProvenOptimal() && !out.timed_out;
    out.objective = model.getObjValue();
    out.bound = stop && stop->root_lp_solved ? model.getBestPossibleObjValue() : std::numeric_limits<double>::quiet_NaN();
    if (out.found) {
        const double* x = model.getColSolution();
        for (std::size_t j = 0; j < pr.candidates.size(); ++j) out.open.push_back(x[j] > 0.5 ? 1 : 0);
    }
    return out;
}

/// The max cover model; one row per distinct covering set.
Mip cover_model(const Problem& pr) {
    Mip mip;
    add_plan_rows(mip, pr);
    const std::size_t n = pr.demand();
    std::vector<std::vector<std::uint32_t>> by(n);
    for (std::uint32_t k = 0; k < pr.covers.size(); ++k)
        for (std::uint32_t i : pr.covers[k]) by[i].push_back(k);
    std::vector<std::uint32_t> demand;
    for (std::uint32_t i = 0; i < n; ++i)
        if (pr.weight[i] > 0 && !by[i].empty()) demand.push_back(i);
    std::stable_sort(demand.begin(), demand.end(), [&](auto a, auto b) { return by[a] < by[b]; });
    for (std::size_t a = 0; a < demand.size();) {
        std::size_t b = a;
        double weight = 0;
        for (; b < demand.size() && by[demand[b]] == by[demand[a]]; ++b) weight += pr.weight[demand[b]];
        const int y = mip.add_column(0, 1, weight, false);
        std::vector<std::pair<int, double>> terms{{y, 1.0}};
        for (std::uint32_t k : by[demand[a]]) terms.push_back({static_cast<int>(k), -1.0});
        mip.add_row(-inf, 0, terms);
        a = b;
    }
    return mip;
}

/// Per demand point, its candidates by increasing distance (ties by index)
/// and how far down that list an assignment can ever go.
struct Nearest {
    explicit Nearest(const Problem& pr) : n(pr.demand()), m(pr.candidates.size()), order(n * m), cap(n, m) {
        const std::size_t p = pr.p > 0 ? static_cast<std::size_t>(pr.p) : 1;
        for (std::size_t i = 0; i < n; ++i) {
            std::uint32_t* row = &order[i * m];
            std::iota(row, row + m, 0u);
            auto d = [&](std::uint32_t k) { return pr.distance[k * n + i]; };
            std::sort(row, row + m, [&](auto a, auto b) { return d(a) < d(b) || (d(a) == d(b) && a < b); });
            cap[i] = m - p + 1;
            for (std::size_t r = 0; r < cap[i]; ++r)
                if (pr.candidates[row[r]].fixed) cap[i] = r + 1;
        }
    }
    std::size_t n, m;
    std::vector<std::uint32_t> order;
    std::vector<std::size_t> cap;
};

/// The sparse p-median model with `depth[i]` candidates per demand point.
Mip median_model(const Problem& pr, const Nearest& near, const std::vector<std::size_t>& depth) {
    Mip mip;
    add_plan_rows(mip, pr);
    const std::size_t n = near.n, m = near.m;
    for (std::size_t i = 0; i < n; ++i) {
        const double w = pr.weight[i];
        if (w == 0) continue;
        std::vector<std::pair<int, double>> assign;
        for (std::size_t r = 0; r < depth[i]; ++r) {
            const std::uint32_t k = near.order[i * m + r];
            const int z = mip.add_column(0, 1, w * pr.distance[k * n + i], false);
            assign.push_back({z, 1.0});
            mip.add_row(-inf, 0, {{z, 1.0}, {static_cast<int>(k), -1.0}});
        }
        if (depth[i] < near.cap[i]) {
            const std::uint32_t next = near.order[i * m + depth[i]];
            assign.push_back({mip.add_column(0, 1, w * pr.distance[next * n + i], false), 1.0});
        }
        mip.add_row(1, 1, assign);
    }
    return mip;
}

std::vector<std::uint32_t> open_list(const std::vector<std::uint8_t>& open) {
    std::vector<std::uint32_t> out;
    for (std::uint32_t k = 0; k < open.size(); ++k)
        if (open[k]) out.push_back(k);
    return out;
}

}  // namespace

Solution solve_exact(const Problem& problem, const ExactOptions& options) {
    const auto t0 = Clock::now();
    const auto deadline = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(std::max(options.time_limit_s, 0.0)));
    detail::validate(problem);
    if (auto c = detail::conflicts(problem); !c.empty()) throw Infeasible(std::move(c));

    std::vector<std::uint32_t> start;
    if (options.start)
        for (const Choice& c : options.start->chosen) start.push_back(c.candidate);
    const std::vector<std::uint32_t> start_plan = start;

    Solution sol;
    sol.solver = "cbc";
    std::vector<std::uint32_t> best;  // open candidates of the best plan
    bool found = false;
    tisheng::detail::throw_if_cancelled(options.cancel);
    if (problem.objective == Objective::max_cover) {
        const Outcome out = run_cbc(cover_model(problem), problem, true, deadline, options.threads, start);
        found = out.found;
        if (found) best = open_list(out.open);
        sol.optimal = out.optimal;
        sol.timed_out = out.timed_out;
        sol.bound = out.bound;
    } else {
        const Nearest near(problem);
        // With p of m candidates open, the nearest open one is typically among
        // a demand point's m / p nearest: the lists start there and grow where needed.
        const std::size_t first = problem.p > 0 ? near.m / static_cast<std::size_t>(problem.p) + 8 : 16;
        std::vector<std::size_t> depth(near.n);
        for (std::size_t i = 0; i < near.n; ++i) depth[i] = std::min(first, near.cap[i]);
        double best_cost = inf;
        sol.bound = -inf;
        for (;;) {
            tisheng::detail::throw_if_cancelled(options.cancel);
            const Outcome out = run_cbc(median_model(problem, near, depth), problem, false, deadline, options.threads, start);
            if (!std::isnan(out.bound)) sol.bound = std::max(sol.bound, out.bound);
            sol.timed_out = out.timed_out;
            if (!out.found) break;
            found = true;
            const auto open = open_list(out.open);
            const double cost = detail::objective_of(problem, open);
            if (cost < best_cost) {
                best_cost = cost;
                best = open;
            }
            // Demand whose nearest open candidate lies beyond its list gets a
            // longer one (at least reaching that candidate).
            bool grown = false;
            for (std::size_t i = 0; i < near.n; ++i) {
                if (problem.weight[i] == 0 || depth[i] >= near.cap[i]) continue;
                std::size_t r = 0;
                while (!out.open[near.order[i * near.m + r]]) ++r;
                if (r < depth[i]) continue;
                depth[i] = std::min(near.cap[i], std::max(2 * depth[i], r + 1));
                grown = true;
            }
            if (!grown) {
                sol.optimal = out.optimal;
                break;
            }
            if (Clock::now() >= deadline) {
                sol.timed_out = true;
                break;
            }
            start = best;
        }
    }
    if (!found && options.start) {  // the time ran out first: the warm start is the best plan known
        best = start_plan;
        found = true;
    }
    if (std::isinf(sol.bound)) sol.bound = std::numeric_limits<double>::quiet_NaN();  // no run solved its LP relaxation
    if (!found)
        throw NoPlanInTime(fmt::format("siting: CBC found no feasible plan within {} s ({}); raise the time limit or "
                                       "start it from the heuristic's plan",
                                       options.time_limit_s,
                                       std::isnan(sol.bound) ? "its LP relaxation was not solved by then" : fmt::format("best bound {}", sol.bound)));

    std::vector<std::uint32_t> order;
    for (std::uint32_t k : best)
        if (problem.candidates[k].fixed) order.push_back(k);
    for (std::uint32_t k : best)
        if (!problem.candidates[k].fixed) order.push_back(k);
    sol.chosen = detail::gains_along(problem, order);
    sol.objective = detail::objective_of(problem, order);
    sol.spent = detail::spending(problem, order);
    sol.gap = std::abs(sol.bound - sol.objective) / std::max(std::abs(sol.objective), 1e-9);
    sol.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    return sol;
}

}  // namespace tisheng::siting
