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
#include <coin/Cbc_C_Interface.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "detail/cancel.hpp"
#include "detail/siting.hpp"
#include "tisheng/error.hpp"
#include "tisheng/siting.hpp"

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

    /// Loads the model into CBC.
    void load(Cbc_Model* model) const {
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
        Cbc_loadProblem(model, columns(), rows(), start.data(), index.data(), value.data(), m_lower.data(), m_upper.data(),
                        m_cost.data(), m_row_lower.data(), m_row_upper.data());
        for (int c = 0; c < columns(); ++c)
            if (m_integer[static_cast<std::size_t>(c)]) Cbc_setInteger(model, c);
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

/// One CBC run of `mip` (x = its first m columns), from `start` if not empty.
Outcome run_cbc(const Mip& mip, const Problem& pr, bool maximise, double seconds, int threads,
                const std::vector<std::uint32_t>& start) {
    std::unique_ptr<Cbc_Model, void (*)(Cbc_Model*)> model(Cbc_newModel(), Cbc_deleteModel);
    mip.load(model.get());
    Cbc_setObjSense(model.get(), maximise ? -1 : 1);
    const char* log = std::getenv("TISHENG_CBC_LOG");
    Cbc_setLogLevel(model.get(), log && *log ? std::max(1, std::atoi(log)) : 0);
    Cbc_setParameter(model.get(), "timeMode", "elapsed");  // the limit is wall-clock, as the caller measures it
    Cbc_setParameter(model.get(), "sec", fmt::format("{:.3f}", std::max(seconds, 0.01)).c_str());
    // 100 + n: n threads with a repeatable search, as the heuristic promises.
    if (threads > 1) Cbc_setParameter(model.get(), "threads", std::to_string(100 + threads).c_str());
    if (!start.empty()) {
        const auto m = static_cast<int>(pr.candidates.size());
        std::vector<int> cols(static_cast<std::size_t>(m));
        std::iota(cols.begin(), cols.end(), 0);
        std::vector<double> values(static_cast<std::size_t>(m), 0.0);
        for (std::uint32_t k : start) values[k] = 1.0;
        Cbc_setMIPStartI(model.get(), m, cols.data(), values.data());
    }
    Cbc_solve(model.get());

    Outcome out;
    if (Cbc_isProvenInfeasible(model.get()))
        throw Infeasible({"CBC proved the model infeasible: " + families(pr)});
    out.timed_out = Cbc_isSecondsLimitReached(model.get()) != 0;
    out.found = Cbc_bestSolution(model.get()) != nullptr;
    out.optimal = out.found && Cbc_isProvenOptimal(model.get()) != 0;
    out.objective = Cbc_getObjValue(model.get());
    out.bound = Cbc_getBestPossibleObjValue(model.get());
    if (out.found) {
        const double* x = Cbc_getColSolution(model.get());
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
    using clock = std::chrono::steady_clock;
    const auto t0 = clock::now();
    detail::validate(problem);
    if (auto c = detail::conflicts(problem); !c.empty()) throw Infeasible(std::move(c));
    auto left = [&] { return options.time_limit_s - std::chrono::duration<double>(clock::now() - t0).count(); };

    std::vector<std::uint32_t> start;
    if (options.start)
        for (const Choice& c : options.start->chosen) start.push_back(c.candidate);

    Solution sol;
    sol.solver = "cbc";
    std::vector<std::uint32_t> best;  // open candidates of the best plan
    bool found = false;
    tisheng::detail::throw_if_cancelled(options.cancel);
    if (problem.objective == Objective::max_cover) {
        const Outcome out = run_cbc(cover_model(problem), problem, true, left(), options.threads, start);
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
            const Outcome out = run_cbc(median_model(problem, near, depth), problem, false, left(), options.threads, start);
            sol.bound = std::max(sol.bound, out.bound);
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
            if (left() <= 0) {
                sol.timed_out = true;
                break;
            }
            start = best;
        }
    }
    if (!found)
        throw Error(fmt::format("siting: CBC found no feasible plan within {} s (best bound {}); raise the time limit or "
                                "start it from the heuristic's plan",
                                options.time_limit_s, sol.bound));

    std::vector<std::uint32_t> order;
    for (std::uint32_t k : best)
        if (problem.candidates[k].fixed) order.push_back(k);
    for (std::uint32_t k : best)
        if (!problem.candidates[k].fixed) order.push_back(k);
    sol.chosen = detail::gains_along(problem, order);
    sol.objective = detail::objective_of(problem, order);
    sol.spent = detail::spending(problem, order);
    sol.gap = std::abs(sol.bound - sol.objective) / std::max(std::abs(sol.objective), 1e-9);
    sol.seconds = std::chrono::duration<double>(clock::now() - t0).count();
    return sol;
}

}  // namespace tisheng::siting
