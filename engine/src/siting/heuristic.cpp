// Siting's heuristic (solve_heuristic): a lazy greedy construction, then
// iterated local search by the fast interchange of detail/models.hpp, each
// step counted so that the plan depends on the work done, not on the clock.
// When greedy finds no plan meeting every bound, a depth-first search looks
// for one before the local search starts from it.
#include "tisheng/siting/siting.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <optional>
#include <queue>

#include "core/detail/cancel.hpp"
#include "siting/detail/state.hpp"
#include "tisheng/core/error.hpp"
#include "tisheng/core/random.hpp"

namespace tisheng::siting {

namespace {

using detail::cost_of;
using detail::join_names;
using detail::Plan;
using detail::State;
using detail::SwapFinder;
using detail::with_model;

/// What the search needs to know beyond the open set, derived once.
struct Rules {
    explicit Rules(const Problem& pr, const std::atomic<bool>* cancel_flag = nullptr)
        : p(pr.p), share(pr.candidates.size(), 0.0), cancel(cancel_flag) {
        double scale = 0;
        if (pr.objective == Objective::max_cover) {
            for (double w : pr.weight) scale += w;
        } else {
            const std::size_t n = pr.demand(), m = pr.candidates.size();
            for (std::size_t i = 0; i < n; ++i) {
                float far = 0;
                for (std::size_t k = 0; k < m; ++k) far = std::max(far, pr.distance[k * n + i]);
                scale += pr.weight[i] * far;
            }
        }
        eps = 1e-9 * std::max(1.0, scale);
        for (std::uint32_t b = 0; b < pr.budgets.size(); ++b)
            if (std::isfinite(pr.budgets[b].limit)) limited.push_back(b);
        for (std::uint32_t k = 0; k < pr.candidates.size(); ++k) {
            for (std::uint32_t b : limited) {
                const double c = cost_of(pr.candidates[k], b), limit = pr.budgets[b].limit;
                share[k] += limit > 0 ? c / limit : (c > 0 ? 1.0 : 0.0);
            }
            if (p > 0) share[k] += 1.0 / p;
        }
        for (const Group& g : pr.groups) group_mins = group_mins || g.min > 0;
    }
    int p;
    double eps;                          ///< smallest change that counts as an improvement
    std::vector<double> share;           ///< normalised cost: Σ cost / limit over limited budgets, + 1/p for the slot
    std::vector<std::uint32_t> limited;  ///< budgets with a finite limit
    bool group_mins = false;
    const std::atomic<bool>* cancel;     ///< the search stops early when set (the caller then throws Cancelled)
};

/// What the slots still to fill after one more site cost at least, per
/// limited budget (the cheapest closed candidates): a candidate that leaves
/// less than that cannot be completed into a plan of p sites.
class Reserve {
public:
    Reserve(const Problem& pr, const Rules& rules) : m_pr(&pr), m_rules(&rules) {
        if (rules.p <= 0) return;
        for (std::uint32_t b : rules.limited) {
            std::vector<std::uint32_t> order(pr.candidates.size());
            std::iota(order.begin(), order.end(), 0u);
            std::stable_sort(order.begin(), order.end(),
                             [&](auto x, auto y) { return cost_of(pr.candidates[x], b) < cost_of(pr.candidates[y], b); });
            m_budgets.push_back({b, std::move(order), std::vector<std::uint8_t>(pr.candidates.size(), 0), {}, 0, 0});
        }
    }

    /// Recomputes for the plan's current size.
    void update(const Plan& plan) {
        const int slots = m_rules->p - plan.size() - 1;
        m_active = slots > 0 && !m_budgets.empty();
        for (Limited& l : m_budgets) {
            for (std::uint32_t k : l.marked) l.in_prefix[k] = 0;
            l.marked.clear();
            l.sum = l.next = 0;
            if (!m_active) continue;
            for (std::uint32_t k : l.by_cost) {
                if (plan.is_open(k)) continue;
                const double c = cost_of(m_pr->candidates[k], l.budget);
                if (static_cast<int>(l.marked.size()) == slots) {
                    l.next = c;
                    break;
                }
                l.in_prefix[k] = 1;
                l.marked.push_back(k);
                l.sum += c;
            }
        }
    }

    [[nodiscard]] bool fits(const Plan& plan, std::uint32_t k) const {
        if (!m_active) return true;
        for (const Limited& l : m_budgets) {
            const double c = cost_of(m_pr->candidates[k], l.budget);
            const double rest = l.in_prefix[k] ? l.sum - c + l.next : l.sum;
            if (plan.spent(l.budget) + c + rest > plan.ceiling(l.budget)) return false;
        }
        return true;
    }

private:
    struct Limited {
        std::uint32_t budget;
        std::vector<std::uint32_t> by_cost;
        std::vector<std::uint8_t> in_prefix;  // among the `slots` cheapest closed
        std::vector<std::uint32_t> marked;
        double sum, next;  // their total, and the cost of the next one
    };
    const Problem* m_pr;
    const Rules* m_rules;
    std::vector<Limited> m_budgets;
    bool m_active = false;
};

/// When improvement stops: a budget of work (steps of the models' and the
/// search's inner loops, counted, so that the result does not depend on the
/// machine's speed) and a wall-clock deadline that only guards against a
/// much slower machine than the budget assumes.
struct Effort {
    std::chrono::steady_clock::time_point deadline;
    std::uint64_t work_limit;
    const std::atomic<bool>* cancel = nullptr;
    [[nodiscard]] bool over(std::uint64_t work) const {
        return work >= work_limit || std::chrono::steady_clock::now() >= deadline || tisheng::detail::cancelled(cancel);
    }
};

/// Lazy greedy: opens candidates accepted by `eligible` by decreasing gain
/// per normalised cost (Rules::share), until p are open, or, when
/// `positive_only`, until nothing adds.
/// Both objectives are submodular, so a key computed earlier bounds the
/// current one: the queue holds stale keys and a step re-reads only the few
/// at its top. A candidate that breaks a budget or a group maximum never
/// fits again (greedy only opens); one that fails the reserve waits for the
/// next opening.
template <class Model, class Eligible>
void greedy(State<Model>& s, const Rules& rules, Reserve& reserve, Eligible eligible, bool positive_only) {
    struct Entry {
        double key, share;
        std::uint32_t k;
        bool operator<(const Entry& o) const {  // max-heap: high key, then low share, then low index
            if (key != o.key) return key < o.key;
            if (share != o.share) return share > o.share;
            return k > o.k;
        }
    };
    auto entry = [&](std::uint32_t k) {
        return Entry{std::max(s.model().gain(k), 0.0) / std::max(rules.share[k], 1e-12), rules.share[k], k};
    };
    const auto m = static_cast<std::uint32_t>(rules.share.size());
    std::priority_queue<Entry> queue;
    for (std::uint32_t k = 0; k < m; ++k)
        if (s.plan().can_add(k) && eligible(k)) queue.push(entry(k));
    std::vector<Entry> waiting;
    reserve.update(s.plan());
    while (!queue.empty() && (rules.p < 0 || s.plan().size() < rules.p) && !tisheng::detail::cancelled(rules.cancel)) {
        const Entry top = queue.top();
        queue.pop();
        if (!s.plan().can_add(top.k) || !eligible(top.k)) continue;
        const Entry fresh = entry(top.k);
        if (!queue.empty() && fresh < queue.top()) {
            queue.push(fresh);
            continue;
        }
        if (positive_only && s.model().gain(top.k) <= rules.eps) continue;  // gains never grow back
        if (!reserve.fits(s.plan(), top.k)) {
            waiting.push_back(fresh);
            continue;
        }
        s.open(top.k);
        for (const Entry& e : waiting) queue.push(e);
        waiting.clear();
        reserve.update(s.plan());
    }
}

/// Group minimums first (among candidates of unmet groups), then the rest.
template <class Model>
void construct(State<Model>& s, const Rules& rules, Reserve& reserve) {
    if (rules.group_mins) greedy(s, rules, reserve, [&](std::uint32_t k) { return s.plan().serves_unmet_group(k); }, false);
    greedy(s, rules, reserve, [](std::uint32_t) { return true; }, rules.p < 0);
}

/// Without a count (p = -1), opens what still fits and adds.
template <class Model>
void fill(State<Model>& s, const Rules& rules, Reserve& reserve) {
    if (rules.p < 0) greedy(s, rules, reserve, [](std::uint32_t) { return true; }, true);
}

/// Swaps until no single swap improves: open candidates are visited in a
/// cycle, each taking its best replacement if that improves (first
/// improvement over j, best over k). Without a count (p = -1) what the
/// budgets leave is filled greedily first and after every swap.
template <class Model>
void local_search(State<Model>& s, const Rules& rules, Reserve& reserve, SwapFinder<Model>& finder, const Effort& effort) {
    const auto m = static_cast<std::uint32_t>(rules.share.size());
    std::uint32_t cursor = 0, idle = 0;
    fill(s, rules, reserve);
    while (idle < m && !effort.over(s.work())) {
        const std::uint32_t j = cursor;
        cursor = (cursor + 1) % m;
        ++idle;
        if (!s.plan().is_open(j)) continue;
        const auto swap = finder.best(s, j);
        if (!swap || swap->delta <= rules.eps) continue;
        s.close(j);
        s.open(swap->in);
        fill(s, rules, reserve);
        idle = 0;
    }
}

/// A random move of `count` sites, redrawn a few times until it keeps every
/// constraint: close `count` random open candidates (not fixed), then open
/// as many others (one fewer, half the time, without a count p, so that
/// local search refills the budget another way). Each new one is, at even
/// odds, any candidate or one of the 8 that would add most (diversify, or
/// reshape the plan where the closings left a gap). Closing them all first
/// lets the new ones use the budget they free together.
template <class Model>
void perturb(State<Model>& s, const Problem& pr, Rng& rng, int count) {
    const auto m = static_cast<std::uint32_t>(pr.candidates.size());
    std::vector<std::uint32_t> movable, pool;
    for (std::uint32_t k = 0; k < m; ++k)
        if (s.plan().is_open(k) && !pr.candidates[k].fixed) movable.push_back(k);
    const auto n = std::min<std::size_t>(static_cast<std::size_t>(count), movable.size());
    auto pick = [&](std::int64_t size) { return static_cast<std::size_t>(rng.integer(0, size - 1)); };
    const auto before = s.order();
    for (int attempt = 0; attempt < 8 && n > 0; ++attempt) {
        for (std::size_t c = 0; c < n; ++c) {  // n distinct ones: a partial shuffle
            std::swap(movable[c], movable[c + pick(static_cast<std::int64_t>(movable.size() - c))]);
            s.close(movable[c]);
        }
        auto fits = [&](std::uint32_t k) {
            return s.plan().can_add(k) && std::find(movable.begin(), movable.begin() + static_cast<std::ptrdiff_t>(n), k) ==
                                              movable.begin() + static_cast<std::ptrdiff_t>(n);
        };
        const std::size_t opens = n - (pr.p < 0 && rng.bernoulli(0.5) ? 1 : 0);
        for (std::size_t c = 0; c < opens; ++c) {
            pool.clear();
            if (rng.bernoulli(0.5)) {
                for (std::uint32_t k = 0; k < m; ++k)
                    if (fits(k)) pool.push_back(k);
                const auto top = std::min<std::size_t>(8, pool.size());
                std::partial_sort(pool.begin(), pool.begin() + static_cast<std::ptrdiff_t>(top), pool.end(), [&](auto a, auto b) {
                    return s.model().gain(a) > s.model().gain(b) || (s.model().gain(a) == s.model().gain(b) && a < b);
                });
                pool.resize(top);
                s.count(m);
            } else {
                for (int draw = 0; draw < 32 && pool.empty(); ++draw)
                    if (const auto k = static_cast<std::uint32_t>(pick(m)); fits(k)) pool.push_back(k);
            }
            if (!pool.empty()) s.open(pool[pick(static_cast<std::int64_t>(pool.size()))]);
        }
        if (s.plan().mins_met() && (pr.p < 0 || s.plan().size() == pr.p)) return;
        s.restore(before);
    }
}

/// Iterated local search: local search, then rounds of a random perturbation
/// (1 to 3 swaps) and local search again, keeping the best plan (moving on
/// from plans as good as it, going back to it from worse ones). Stops after
/// `patience` rounds without improvement, or when the effort runs out.
template <class Model>
void iterate(State<Model>& s, const Problem& pr, const Rules& rules, Reserve& reserve, const Effort& effort,
             std::uint64_t seed) {
    SwapFinder<Model> finder(pr.candidates.size());
    local_search(s, rules, reserve, finder, effort);
    int movable = 0;
    for (std::uint32_t k = 0; k < pr.candidates.size(); ++k) movable += s.plan().is_open(k) && !pr.candidates[k].fixed;
    if (movable == 0) return;
    Rng rng(seed, 0x517e);
    std::vector<std::uint32_t> best = s.order();
    double best_benefit = s.model().benefit();
    const int patience = 300 + 20 * movable;
    for (int idle = 0; idle < patience && !effort.over(s.work());) {
        perturb(s, pr, rng, 1 + static_cast<int>(rng.integer(0, std::min(2, movable - 1))));
        local_search(s, rules, reserve, finder, effort);
        const double b = s.model().benefit();
        if (b > best_benefit + rules.eps) {
            best_benefit = b;
            idle = 0;
        } else {
            ++idle;
        }
        if (b >= best_benefit - rules.eps) best = s.order();
        else s.restore(best);
    }
    s.restore(best);
}

/// Nodes the search for a feasible plan may visit: each costs O(candidates),
/// so this bounds it to well under a second at 5,000 candidates.
constexpr std::uint64_t feasibility_nodes = 50'000;

/// Candidates that complete `plan` (the fixed ones open) to one that meets
/// p and every budget and group bound, for when greedy fails (budgets that
/// bind together, overlapping groups): depth-first over the candidates by
/// increasing normalised cost. A branch is cut when the candidates after it
/// cannot meet a group minimum, or the cheapest of them cannot fill the
/// slots left within a budget. Gives up after `nodes` nodes.
std::optional<std::vector<std::uint32_t>> feasible_plan(const Problem& pr, const Rules& rules, Plan plan, std::uint64_t nodes) {
    std::vector<std::uint32_t> order;
    for (std::uint32_t k = 0; k < pr.candidates.size(); ++k)
        if (!plan.is_open(k)) order.push_back(k);
    std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return rules.share[a] < rules.share[b]; });
    std::vector<std::uint32_t> chosen;
    std::vector<int> left(pr.groups.size());
    std::vector<double> costs;
    auto promising = [&](std::size_t from) {
        std::fill(left.begin(), left.end(), 0);
        for (std::size_t t = from; t < order.size(); ++t)
            if (plan.can_add(order[t]))
                for (std::uint32_t g : pr.candidates[order[t]].groups) ++left[g];
        for (std::uint32_t g = 0; g < pr.groups.size(); ++g)
            if (plan.members(g) + left[g] < pr.groups[g].min) return false;
        if (rules.p < 0) return true;
        const auto slots = static_cast<std::size_t>(rules.p - plan.size());
        for (std::uint32_t b : rules.limited) {
            costs.clear();
            for (std::size_t t = from; t < order.size(); ++t)
                if (plan.can_add(order[t])) costs.push_back(cost_of(pr.candidates[order[t]], b));
            if (costs.size() < slots) return false;
            std::nth_element(costs.begin(), costs.begin() + static_cast<std::ptrdiff_t>(slots) - 1, costs.end());
            const double least = std::accumulate(costs.begin(), costs.begin() + static_cast<std::ptrdiff_t>(slots), 0.0);
            if (plan.spent(b) + least > plan.ceiling(b)) return false;
        }
        return true;
    };
    auto search = [&](auto&& self, std::size_t from) -> bool {
        if (plan.mins_met() && (rules.p < 0 || plan.size() == rules.p)) return true;
        if ((rules.p >= 0 && plan.size() >= rules.p) || nodes == 0 || tisheng::detail::cancelled(rules.cancel)) return false;
        --nodes;
        if (!promising(from)) return false;
        for (std::size_t t = from; t < order.size() && nodes > 0; ++t) {
            if (!plan.can_add(order[t])) continue;
            plan.open(order[t]);
            chosen.push_back(order[t]);
            if (self(self, t + 1)) return true;
            plan.close(order[t]);
            chosen.pop_back();
        }
        return false;
    };
    if (search(search, 0)) return chosen;
    return std::nullopt;
}

/// What the plan still misses: group minimums, or p. Empty: complete.
template <class Model>
std::vector<std::string> shortfalls(const State<Model>& s, const Problem& pr, const Rules& rules) {
    std::vector<std::string> unmet;
    for (std::uint32_t g = 0; g < pr.groups.size(); ++g)
        if (s.plan().members(g) < pr.groups[g].min)
            unmet.push_back(fmt::format("the heuristic found no plan meeting group '{}' (min {}; it reached {})",
                                        pr.groups[g].name, pr.groups[g].min, s.plan().members(g)));
    if (rules.p >= 0 && s.plan().size() < rules.p) {
        std::vector<std::string> left;
        for (std::uint32_t b : rules.limited)
            left.push_back(fmt::format("'{}' {} of {}", pr.budgets[b].name,
                                       detail::amount(pr.budgets[b].limit - s.plan().spent(b)),
                                       detail::amount(pr.budgets[b].limit)));
        unmet.push_back(fmt::format("the heuristic found no plan of p = {} sites within the budgets and group maxima: it "
                                    "stopped at {} sites{}",
                                    rules.p, s.plan().size(), left.empty() ? "" : " with budgets " + join_names(left, 8) + " left"));
    }
    return unmet;
}

/// The heuristic's plan, in entry order (fixed candidates first).
template <class Model>
std::vector<std::uint32_t> heuristic_order(const Problem& pr, Model model, const HeuristicOptions& options,
                                           const Effort& effort) {
    const Rules rules(pr, options.cancel);
    Reserve reserve(pr, rules);
    State<Model> base(pr, std::move(model));
    for (std::uint32_t k = 0; k < pr.candidates.size(); ++k)
        if (pr.candidates[k].fixed) base.open(k);
    State<Model> s = base;
    construct(s, rules, reserve);
    tisheng::detail::throw_if_cancelled(options.cancel);
    auto complete = [&](const State<Model>& t) { return shortfalls(t, pr, rules).empty(); };

    // With budgets, the ratio greedy can starve a big valuable candidate;
    // the classic guard also tries the best single candidate first.
    if (!rules.limited.empty() && (rules.p < 0 || base.plan().size() < rules.p)) {
        std::optional<std::uint32_t> seed;
        reserve.update(base.plan());
        for (std::uint32_t k = 0; k < pr.candidates.size(); ++k)
            if (base.plan().can_add(k) && reserve.fits(base.plan(), k) &&
                (!seed || base.model().gain(k) > base.model().gain(*seed)))
                seed = k;
        const auto greedy_order = s.order();
        const bool same = greedy_order.size() > static_cast<std::size_t>(base.plan().size()) &&
                          seed == greedy_order[static_cast<std::size_t>(base.plan().size())];
        if (seed && !same) {
            State<Model> alt = base;
            alt.open(*seed);
            construct(alt, rules, reserve);
            tisheng::detail::throw_if_cancelled(options.cancel);
            const bool better = complete(alt) != complete(s) ? complete(alt)
                                                             : alt.model().benefit() > s.model().benefit() + rules.eps;
            if (better) s = std::move(alt);
        }
    }
    if (!complete(s))
        if (const auto plan = feasible_plan(pr, rules, base.plan(), feasibility_nodes)) {
            s = base;
            for (std::uint32_t k : *plan) s.open(k);
        }
    tisheng::detail::throw_if_cancelled(options.cancel);
    if (auto missing = shortfalls(s, pr, rules); !missing.empty()) throw Infeasible(std::move(missing));
    iterate(s, pr, rules, reserve, effort, options.seed);
    tisheng::detail::throw_if_cancelled(options.cancel);
    return s.order();
}

/// Work per second of time limit. A 2.6 GHz core spends the budget in a
/// third (pmed, 10,000 demand points) to two thirds (100,000, more cache
/// misses per step) of the limit: see bench/README.md, "Siting". So the
/// clock stops the search, and the result depends on timing, only on a
/// machine 1.5 to 3 times slower.
constexpr double work_per_second = 1.5e8;

Solution finish(const Problem& pr, const std::vector<std::uint32_t>& order, std::string solver,
                std::chrono::steady_clock::time_point t0) {
    Solution sol;
    sol.chosen = detail::gains_along(pr, order);
    sol.objective = detail::objective_of(pr, order);
    sol.spent = detail::spending(pr, order);
    sol.solver = std::move(solver);
    sol.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return sol;
}

}  // namespace

Solution solve_heuristic(const Problem& problem, const HeuristicOptions& options) {
    const auto t0 = std::chrono::steady_clock::now();
    detail::validate(problem);
    if (auto c = detail::conflicts(problem); !c.empty()) throw Infeasible(std::move(c));
    // The deadline is ten times the budget's nominal time: a machine busy
    // with other work (a CI run beside a viewer) must still reach the same
    // work budget, and so the same plan.
    const Effort effort{t0 + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                 std::chrono::duration<double>(10 * options.time_limit_s)),
                        static_cast<std::uint64_t>(std::max(0.0, options.time_limit_s) * work_per_second), options.cancel};
    const auto order = with_model(problem, [&](auto model) { return heuristic_order(problem, std::move(model), options, effort); });
    return finish(problem, order, "heuristic", t0);
}

}  // namespace tisheng::siting
