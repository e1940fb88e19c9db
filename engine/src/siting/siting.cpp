// Siting: validation, infeasibility, the heuristic, evaluation and drop
// analysis. The exact MIP is in siting_mip.cpp.
//
// [SECTION] Messages and validation
// [SECTION] Infeasibility
// [SECTION] Plan: the open set and its constraints
// [SECTION] Objective models
// [SECTION] Search: greedy, local search, perturbation
// [SECTION] Entry points
//
// The objective models keep the state of Resende & Werneck's fast
// interchange ("A fast swap-based local search procedure for location
// problems", Annals of OR 150, 2007) for the current open set: gain(k), what
// opening k would add, for every candidate, and loss(j), what closing j would
// cost, for every open one; a move updates them only for the demand points it
// touches. Swapping j for k changes the objective by
// gain(k) - loss(j) + extra(j, k), where extra(j, k) gives back the demand
// that j serves alone and k would take over. Both models speak "benefit"
// (higher is better): covered weight, or minus the total weighted distance,
// so one greedy and one local search serve both.
#include "tisheng/siting/siting.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <optional>
#include <queue>

#include "core/detail/cancel.hpp"
#include "siting/detail/siting.hpp"
#include "tisheng/core/error.hpp"
#include "tisheng/core/random.hpp"

namespace tisheng::siting {

// [SECTION] Messages and validation

namespace {

std::string candidate_name(const Problem& pr, std::uint32_t k) {
    const std::string& id = pr.candidates[k].id;
    return id.empty() ? fmt::format("candidate #{}", k) : fmt::format("candidate '{}'", id);
}

/// "'a', 'b' and 'c'", at most `shown` of them, then "and 4 more".
std::string join_names(const std::vector<std::string>& names, std::size_t shown = 6) {
    std::string out;
    const std::size_t listed = std::min(names.size(), shown);
    for (std::size_t t = 0; t < listed; ++t) {
        if (t > 0) out += (t + 1 == listed && listed == names.size()) ? " and " : ", ";
        out += names[t];
    }
    if (listed < names.size()) out += fmt::format(" and {} more", names.size() - listed);
    return out;
}

std::string quoted_ids(const Problem& pr, const std::vector<std::uint32_t>& ks) {
    std::vector<std::string> names;
    for (std::uint32_t k : ks) names.push_back(pr.candidates[k].id.empty() ? fmt::format("#{}", k) : "'" + pr.candidates[k].id + "'");
    return join_names(names);
}

[[noreturn]] void malformed(const std::string& what) { throw Error("siting: " + what); }

double cost_of(const Candidate& c, std::uint32_t budget) {
    for (const auto& [b, amount] : c.costs)
        if (b == budget) return amount;
    return 0;
}

bool contains(const std::vector<std::uint32_t>& v, std::uint32_t x) { return std::find(v.begin(), v.end(), x) != v.end(); }

/// A budget limit with room for rounding in sums of costs.
double budget_ceiling(double limit) { return std::isinf(limit) ? limit : limit + 1e-9 * std::max(1.0, limit); }

}  // namespace

namespace detail {

std::string amount(double value) {
    const bool whole = std::abs(value - std::round(value)) < 1e-9 * std::max(1.0, std::abs(value));
    std::string s = whole ? fmt::format("{:.0f}", value) : fmt::format("{:.2f}", value);
    if (!std::isfinite(value)) return s;
    const std::size_t sign = s[0] == '-' ? 1 : 0;
    const std::size_t point = std::min(s.find('.'), s.size());
    std::string out;
    for (std::size_t t = 0; t < s.size(); ++t) {
        out += s[t];
        if (t >= sign && t + 1 < point && (point - t - 1) % 3 == 0) out += ',';
    }
    return out;
}

void validate(const Problem& pr) {
    const std::size_t n = pr.demand(), m = pr.candidates.size();
    for (std::size_t i = 0; i < n; ++i)
        if (!std::isfinite(pr.weight[i]) || pr.weight[i] < 0)
            malformed(fmt::format("weight[{}] is {}; demand weights must be finite and >= 0", i, pr.weight[i]));
    if (pr.p < -1) malformed(fmt::format("p = {}; use p >= 0, or -1 for as many sites as the budgets allow", pr.p));
    if (pr.p > 0 && static_cast<std::size_t>(pr.p) > m)
        malformed(fmt::format("p = {} but there are only {} candidates", pr.p, m));
    if (pr.objective == Objective::p_median && pr.p == 0) malformed("p = 0, but a p-median plan needs at least one site");
    for (const Budget& b : pr.budgets)
        if (std::isnan(b.limit) || b.limit < 0)
            malformed(fmt::format("budget '{}' has limit {}; limits must be >= 0 (infinity: no limit)", b.name, b.limit));
    for (const Group& g : pr.groups)
        if (g.min < 0 || g.max < 0)
            malformed(fmt::format("group '{}' has min {} and max {}; both must be >= 0", g.name, g.min, g.max));
    for (std::uint32_t k = 0; k < m; ++k) {
        const Candidate& c = pr.candidates[k];
        for (std::size_t a = 0; a < c.costs.size(); ++a) {
            const auto [b, cost] = c.costs[a];
            if (b >= pr.budgets.size())
                malformed(fmt::format("{}: a cost for budget index {}, but there are {} budgets", candidate_name(pr, k), b,
                                      pr.budgets.size()));
            if (!std::isfinite(cost) || cost < 0)
                malformed(fmt::format("{}: cost {} for budget '{}'; costs must be finite and >= 0", candidate_name(pr, k),
                                      cost, pr.budgets[b].name));
            for (std::size_t a2 = 0; a2 < a; ++a2)
                if (c.costs[a2].first == b)
                    malformed(fmt::format("{}: budget '{}' is listed twice in its costs", candidate_name(pr, k), pr.budgets[b].name));
        }
        for (std::size_t a = 0; a < c.groups.size(); ++a) {
            if (c.groups[a] >= pr.groups.size())
                malformed(fmt::format("{}: group index {}, but there are {} groups", candidate_name(pr, k), c.groups[a],
                                      pr.groups.size()));
            if (std::find(c.groups.begin(), c.groups.begin() + static_cast<std::ptrdiff_t>(a), c.groups[a]) !=
                c.groups.begin() + static_cast<std::ptrdiff_t>(a))
                malformed(fmt::format("{}: group '{}' is listed twice", candidate_name(pr, k), pr.groups[c.groups[a]].name));
        }
    }
    if (pr.objective == Objective::max_cover) {
        if (pr.covers.size() != m) malformed(fmt::format("covers has {} lists for {} candidates", pr.covers.size(), m));
        for (std::uint32_t k = 0; k < m; ++k) {
            const auto& cov = pr.covers[k];
            for (std::size_t a = 0; a < cov.size(); ++a) {
                if (cov[a] >= n)
                    malformed(fmt::format("{}: covers demand {}, but there are {} demand points", candidate_name(pr, k), cov[a], n));
                if (a > 0 && cov[a] <= cov[a - 1])
                    malformed(fmt::format("{}: covers must be sorted ascending without repeats (demand {} after {})",
                                          candidate_name(pr, k), cov[a], cov[a - 1]));
            }
        }
    } else {
        if (pr.distance.size() != m * n)
            malformed(fmt::format("distance has {} entries; expected candidates x demand = {} x {} = {}", pr.distance.size(),
                                  m, n, m * n));
        for (std::uint32_t k = 0; k < m; ++k)
            for (std::size_t i = 0; i < n; ++i)
                if (const float d = pr.distance[k * n + i]; !std::isfinite(d) || d < 0)
                    malformed(fmt::format("{}: distance to demand {} is {}; distances must be finite and >= 0",
                                          candidate_name(pr, k), i, d));
    }
}

// [SECTION] Infeasibility

std::vector<std::string> conflicts(const Problem& pr) {
    const std::size_t m = pr.candidates.size(), nb = pr.budgets.size(), ng = pr.groups.size();
    std::vector<std::string> out;

    std::vector<std::uint32_t> fixed;
    std::vector<double> fixed_spent(nb, 0);
    std::vector<std::vector<std::uint32_t>> members(ng);
    std::vector<int> fixed_members(ng, 0);
    for (std::uint32_t k = 0; k < m; ++k) {
        const Candidate& c = pr.candidates[k];
        for (std::uint32_t g : c.groups) members[g].push_back(k);
        if (!c.fixed) continue;
        fixed.push_back(k);
        for (const auto& [b, cost] : c.costs) fixed_spent[b] += cost;
        for (std::uint32_t g : c.groups) ++fixed_members[g];
    }
    const auto nfixed = static_cast<int>(fixed.size());
    // Sum of the `count` cheapest costs in `budget` among the candidates of
    // `pool` that are not fixed.
    auto cheapest = [&](const std::vector<std::uint32_t>& pool, std::uint32_t budget, int count) {
        std::vector<double> costs;
        for (std::uint32_t k : pool)
            if (!pr.candidates[k].fixed) costs.push_back(cost_of(pr.candidates[k], budget));
        const auto take = std::min<std::size_t>(static_cast<std::size_t>(std::max(count, 0)), costs.size());
        std::partial_sort(costs.begin(), costs.begin() + static_cast<std::ptrdiff_t>(take), costs.end());
        return std::accumulate(costs.begin(), costs.begin() + static_cast<std::ptrdiff_t>(take), 0.0);
    };
    std::vector<std::uint32_t> all(m);
    std::iota(all.begin(), all.end(), 0u);

    if (pr.p >= 0 && nfixed > pr.p)
        out.push_back(fmt::format("{} candidates are fixed open ({}) but p = {}", nfixed, quoted_ids(pr, fixed), pr.p));
    for (std::uint32_t b = 0; b < nb; ++b)
        if (fixed_spent[b] > budget_ceiling(pr.budgets[b].limit))
            out.push_back(fmt::format("the fixed candidates cost {} of budget '{}' {}", amount(fixed_spent[b]),
                                      pr.budgets[b].name, amount(pr.budgets[b].limit)));
    if (pr.p > nfixed)
        for (std::uint32_t b = 0; b < nb; ++b) {
            const double least = fixed_spent[b] + cheapest(all, b, pr.p - nfixed);
            if (least > budget_ceiling(pr.budgets[b].limit) && fixed_spent[b] <= budget_ceiling(pr.budgets[b].limit))
                out.push_back(fmt::format("p = {} sites cost at least {} of budget '{}' {} (the {} cheapest{})", pr.p,
                                          amount(least), pr.budgets[b].name, amount(pr.budgets[b].limit), pr.p,
                                          nfixed > 0 ? ", fixed ones included" : ""));
        }

    for (std::uint32_t g = 0; g < ng; ++g) {
        const Group& grp = pr.groups[g];
        const auto size = static_cast<int>(members[g].size());
        if (grp.min > grp.max) out.push_back(fmt::format("group '{}' has min {} > max {}", grp.name, grp.min, grp.max));
        if (grp.min > size)
            out.push_back(fmt::format("group '{}' needs at least {} sites but has {} candidates", grp.name, grp.min, size));
        if (fixed_members[g] > grp.max) {
            std::vector<std::uint32_t> in;
            for (std::uint32_t k : members[g])
                if (pr.candidates[k].fixed) in.push_back(k);
            out.push_back(fmt::format("group '{}' allows at most {} sites but {} fixed candidates belong to it ({})", grp.name,
                                      grp.max, fixed_members[g], quoted_ids(pr, in)));
        }
        if (grp.min <= fixed_members[g] || grp.min > size) continue;
        for (std::uint32_t b = 0; b < nb; ++b) {
            double fixed_inside = 0;
            for (std::uint32_t k : members[g])
                if (pr.candidates[k].fixed) fixed_inside += cost_of(pr.candidates[k], b);
            const double group_cost = fixed_inside + cheapest(members[g], b, grp.min - fixed_members[g]);
            const double outside = fixed_spent[b] - fixed_inside;
            if (group_cost + outside <= budget_ceiling(pr.budgets[b].limit) || fixed_spent[b] > budget_ceiling(pr.budgets[b].limit)) continue;
            std::string msg = fmt::format("group '{}' needs at least {} sites; the {} cheapest cost {} of budget '{}' {}", grp.name,
                                          grp.min, grp.min, amount(group_cost), pr.budgets[b].name, amount(pr.budgets[b].limit));
            if (outside > 0) msg += fmt::format(", of which fixed candidates outside the group take {}", amount(outside));
            out.push_back(std::move(msg));
        }
    }

    if (pr.p >= 0) {
        // Pairwise disjoint groups need the sum of their minimums: pick a
        // disjoint family greedily, largest minimums first (finding the
        // worst family is a set-packing problem; this catches partitions,
        // the common case: units, industries).
        std::vector<std::uint32_t> order;
        for (std::uint32_t g = 0; g < ng; ++g)
            if (pr.groups[g].min > 0 && pr.groups[g].min <= static_cast<int>(members[g].size())) order.push_back(g);
        std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return pr.groups[a].min > pr.groups[b].min; });
        std::vector<std::uint8_t> taken(m, 0);
        std::vector<std::string> names;
        int need = 0;
        for (std::uint32_t g : order) {
            if (std::any_of(members[g].begin(), members[g].end(), [&](auto k) { return taken[k] != 0; })) continue;
            for (std::uint32_t k : members[g]) taken[k] = 1;
            need += std::max(pr.groups[g].min, fixed_members[g]);
            names.push_back(fmt::format("'{}' (min {})", pr.groups[g].name, pr.groups[g].min));
        }
        const auto outside = static_cast<int>(std::count_if(fixed.begin(), fixed.end(), [&](auto k) { return taken[k] == 0; }));
        if (need + outside > pr.p && nfixed <= pr.p)
            out.push_back(fmt::format("{} {} need {} sites{} but p = {}", names.size() == 1 ? "group" : "groups", join_names(names, 8),
                                      need + outside,
                                      outside > 0 ? fmt::format(" with the {} fixed candidates outside them", outside) : "",
                                      pr.p));

        // Disjoint groups with a maximum cap how many sites can open at all.
        order.clear();
        for (std::uint32_t g = 0; g < ng; ++g)
            if (pr.groups[g].max < static_cast<int>(members[g].size())) order.push_back(g);
        std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) {
            return members[a].size() - static_cast<std::size_t>(pr.groups[a].max) >
                   members[b].size() - static_cast<std::size_t>(pr.groups[b].max);
        });
        std::fill(taken.begin(), taken.end(), 0);
        names.clear();
        std::size_t cap = m;
        for (std::uint32_t g : order) {
            if (std::any_of(members[g].begin(), members[g].end(), [&](auto k) { return taken[k] != 0; })) continue;
            for (std::uint32_t k : members[g]) taken[k] = 1;
            cap -= members[g].size() - static_cast<std::size_t>(pr.groups[g].max);
            names.push_back(fmt::format("'{}' (max {})", pr.groups[g].name, pr.groups[g].max));
        }
        if (cap < static_cast<std::size_t>(pr.p))
            out.push_back(fmt::format("p = {} but {} {} allow at most {} sites", pr.p, names.size() == 1 ? "group" : "groups",
                                      join_names(names, 8), cap));
    }

    // A plan needs one more site than the fixed ones (p above their count,
    // or no count and nothing fixed); say so if none fits on its own.
    const bool needs_one = pr.p > nfixed || (pr.p < 0 && nfixed == 0);
    if (needs_one && out.empty()) {
        bool any = false;
        for (std::uint32_t k = 0; k < m && !any; ++k) {
            const Candidate& c = pr.candidates[k];
            if (c.fixed) continue;
            bool fits = true;
            for (const auto& [b, cost] : c.costs) fits = fits && fixed_spent[b] + cost <= budget_ceiling(pr.budgets[b].limit);
            for (std::uint32_t g : c.groups) fits = fits && fixed_members[g] < pr.groups[g].max;
            any = fits;
        }
        if (m == 0) out.push_back("there are no candidates");
        else if (!any) {
            std::vector<std::string> why;
            for (std::uint32_t b = 0; b < nb; ++b) {
                const double left = pr.budgets[b].limit - fixed_spent[b];
                const double least = cheapest(all, b, 1);
                if (least > budget_ceiling(left))
                    why.push_back(fmt::format("budget '{}' has {} left but the cheapest candidate costs {}", pr.budgets[b].name,
                                              amount(left), amount(least)));
            }
            out.push_back(why.empty() ? "no candidate fits the budgets and group maxima together"
                                      : "no candidate fits: " + join_names(why, 8));
        }
    }
    return out;
}

}  // namespace detail

std::vector<std::string> infeasibility(const Problem& problem) {
    detail::validate(problem);
    return detail::conflicts(problem);
}

// [SECTION] Plan: the open set and its constraints

namespace {

/// The open set with what the constraints need: how many are open, the
/// spending per budget and the members per group.
class Plan {
public:
    explicit Plan(const Problem& pr)
        : m_pr(&pr), m_open(pr.candidates.size(), 0), m_spent(pr.budgets.size(), 0), m_members(pr.groups.size(), 0) {
        for (const Budget& b : pr.budgets) m_ceiling.push_back(budget_ceiling(b.limit));
    }

    [[nodiscard]] bool is_open(std::uint32_t k) const { return m_open[k] != 0; }
    [[nodiscard]] int size() const { return m_size; }
    [[nodiscard]] double spent(std::uint32_t b) const { return m_spent[b]; }
    [[nodiscard]] double ceiling(std::uint32_t b) const { return m_ceiling[b]; }
    [[nodiscard]] int members(std::uint32_t g) const { return m_members[g]; }

    void open(std::uint32_t k) { toggle(k, +1); }
    void close(std::uint32_t k) { toggle(k, -1); }

    /// Opening k keeps every budget and group maximum (the count p aside).
    [[nodiscard]] bool can_add(std::uint32_t k) const {
        const Candidate& c = m_pr->candidates[k];
        if (is_open(k)) return false;
        for (const auto& [b, cost] : c.costs)
            if (m_spent[b] + cost > m_ceiling[b]) return false;
        for (std::uint32_t g : c.groups)
            if (m_members[g] >= m_pr->groups[g].max) return false;
        return true;
    }

    /// Closing `out` and opening `in` keeps every constraint.
    [[nodiscard]] bool can_swap(std::uint32_t out, std::uint32_t in) const {
        const Candidate& o = m_pr->candidates[out];
        const Candidate& i = m_pr->candidates[in];
        if (o.fixed || !is_open(out) || is_open(in)) return false;
        for (const auto& [b, cost] : i.costs)
            if (m_spent[b] - cost_of(o, b) + cost > m_ceiling[b]) return false;
        for (std::uint32_t g : i.groups)
            if (!contains(o.groups, g) && m_members[g] >= m_pr->groups[g].max) return false;
        for (std::uint32_t g : o.groups)
            if (!contains(i.groups, g) && m_members[g] <= m_pr->groups[g].min) return false;
        return true;
    }

    /// Closing j keeps every group minimum (the count p aside).
    [[nodiscard]] bool can_drop(std::uint32_t j) const {
        const Candidate& c = m_pr->candidates[j];
        if (c.fixed || !is_open(j)) return false;
        return std::all_of(c.groups.begin(), c.groups.end(), [&](auto g) { return m_members[g] > m_pr->groups[g].min; });
    }

    [[nodiscard]] bool mins_met() const {
        for (std::size_t g = 0; g < m_members.size(); ++g)
            if (m_members[g] < m_pr->groups[g].min) return false;
        return true;
    }

    /// Some group of k is below its minimum.
    [[nodiscard]] bool serves_unmet_group(std::uint32_t k) const {
        const auto& gs = m_pr->candidates[k].groups;
        return std::any_of(gs.begin(), gs.end(), [&](auto g) { return m_members[g] < m_pr->groups[g].min; });
    }

private:
    void toggle(std::uint32_t k, int sign) {
        const Candidate& c = m_pr->candidates[k];
        m_open[k] = sign > 0 ? 1 : 0;
        m_size += sign;
        for (const auto& [b, cost] : c.costs) m_spent[b] += sign * cost;
        for (std::uint32_t g : c.groups) m_members[g] += sign;
    }

    const Problem* m_pr;
    std::vector<std::uint8_t> m_open;
    int m_size = 0;
    std::vector<double> m_spent, m_ceiling;
    std::vector<int> m_members;
};

// [SECTION] Objective models
//
// A model is the fast-interchange state of one objective for the current open
// set: open(k), close(k), gain(k), loss(j), add_extra(j, extra) (adds
// extra(j, k) for every k into `extra`), benefit() (recomputed from scratch,
// free of rounding drift) and work() (inner-loop steps so far, the
// deterministic measure of effort). gain(k) is 0 for an open k.

/// extra(j, ·) for one j: dense values with the list of those touched, so
/// that clearing costs what filling did.
struct Extra {
    explicit Extra(std::size_t candidates) : value(candidates, 0.0) {}
    void add(std::uint32_t k, double v) {
        if (v <= 0) return;  // keeps touched free of repeats: a value once set stays above 0
        if (value[k] == 0) touched.push_back(k);
        value[k] += v;
    }
    void clear() {
        for (std::uint32_t k : touched) value[k] = 0;
        touched.clear();
    }
    std::vector<double> value;
    std::vector<std::uint32_t> touched;
};

/// Max cover: per demand point, how many open sites cover it and the sum of
/// their indices, which is the covering site itself when the count is 1.
class CoverModel {
public:
    /// The candidates covering each demand point (demand-major `covers`).
    struct Index {
        explicit Index(const Problem& pr) : first(pr.demand() + 1, 0) {
            for (const auto& cov : pr.covers)
                for (std::uint32_t i : cov) ++first[i + 1];
            std::partial_sum(first.begin(), first.end(), first.begin());
            site.resize(first.back());
            std::vector<std::uint32_t> fill(first.begin(), first.end() - 1);
            for (std::uint32_t k = 0; k < pr.covers.size(); ++k)
                for (std::uint32_t i : pr.covers[k]) site[fill[i]++] = k;
        }
        std::vector<std::uint32_t> first, site;
    };

    CoverModel(const Problem& pr, const Index& index)
        : m_pr(&pr), m_index(&index), m_count(pr.demand(), 0), m_sum(pr.demand(), 0),
          m_gain(pr.candidates.size(), 0.0), m_loss(pr.candidates.size(), 0.0) {
        for (std::size_t k = 0; k < pr.covers.size(); ++k)
            for (std::uint32_t i : pr.covers[k]) m_gain[k] += pr.weight[i];
    }

    void open(std::uint32_t k) { toggle(k, +1); }
    void close(std::uint32_t k) { toggle(k, -1); }
    [[nodiscard]] double gain(std::uint32_t k) const { return m_gain[k]; }
    [[nodiscard]] double loss(std::uint32_t j) const { return m_loss[j]; }
    [[nodiscard]] std::uint64_t work() const { return m_work; }

    /// extra(j, k): the weight that only j covers and k would cover too.
    void add_extra(std::uint32_t j, Extra& extra) {
        for (std::uint32_t i : m_pr->covers[j]) {
            const double w = m_pr->weight[i];
            if (m_count[i] != 1 || w == 0) continue;
            const auto [b, e] = sites(i);
            for (auto s = b; s != e; ++s)
                if (*s != j) extra.add(*s, w);
            m_work += static_cast<std::uint64_t>(e - b);
        }
        m_work += m_pr->covers[j].size();
    }

    [[nodiscard]] double benefit() const {
        double covered = 0;
        for (std::size_t i = 0; i < m_count.size(); ++i)
            if (m_count[i] > 0) covered += m_pr->weight[i];
        return covered;
    }

private:
    [[nodiscard]] std::pair<const std::uint32_t*, const std::uint32_t*> sites(std::uint32_t i) const {
        const std::uint32_t* base = m_index->site.data();
        return {base + m_index->first[i], base + m_index->first[i + 1]};
    }

    /// Adds (sign +1) or removes (-1) demand i's share of the gains and losses.
    void contribute(std::uint32_t i, double sign) {
        const double w = sign * m_pr->weight[i];
        if (w == 0) return;
        if (m_count[i] == 0) {
            const auto [b, e] = sites(i);
            for (auto s = b; s != e; ++s) m_gain[*s] += w;
            m_work += static_cast<std::uint64_t>(e - b);
        } else if (m_count[i] == 1) {
            m_loss[m_sum[i]] += w;
        }
    }

    void toggle(std::uint32_t k, int sign) {
        for (std::uint32_t i : m_pr->covers[k]) {
            contribute(i, -1);
            m_count[i] += static_cast<std::uint32_t>(sign);
            m_sum[i] += static_cast<std::uint64_t>(static_cast<std::int64_t>(sign) * k);
            contribute(i, +1);
        }
        m_work += m_pr->covers[k].size();
    }

    const Problem* m_pr;
    const Index* m_index;
    std::vector<std::uint32_t> m_count;
    std::vector<std::uint64_t> m_sum;
    std::vector<double> m_gain, m_loss;
    std::uint64_t m_work = 0;
};

/// p-median: per demand point, its nearest and second nearest open site.
/// Before any site opens, every demand point is served by a stand-in at the
/// distance of its farthest candidate (ranked after every real candidate),
/// which keeps gains finite and the objective submodular.
class MedianModel {
public:
    /// Per demand point, the candidates by increasing distance (ties by
    /// index) and those distances.
    struct Index {
        explicit Index(const Problem& pr)
            : n(pr.demand()), m(pr.candidates.size()), near(n * m), near_distance(n * m), far(n, 0.0f) {
            for (std::size_t i = 0; i < n; ++i) {
                std::uint32_t* row = &near[i * m];
                std::iota(row, row + m, 0u);
                auto d = [&](std::uint32_t k) { return pr.distance[k * n + i]; };
                std::sort(row, row + m, [&](auto a, auto b) { return d(a) < d(b) || (d(a) == d(b) && a < b); });
                for (std::size_t r = 0; r < m; ++r) near_distance[i * m + r] = d(row[r]);
                if (m > 0) far[i] = near_distance[i * m + m - 1];
            }
        }
        std::size_t n, m;
        std::vector<std::uint32_t> near;
        std::vector<float> near_distance;
        std::vector<float> far;
    };

    MedianModel(const Problem& pr, const Index& index)
        : m_pr(&pr), m_index(&index), m_none(static_cast<std::uint32_t>(index.m)),
          m_open(index.m, 0), m_c1(index.n, m_none), m_c2(index.n, m_none), m_d1(index.far), m_d2(index.far), m_gain(index.m, 0.0), m_loss(index.m, 0.0) {
        for (std::size_t i = 0; i < index.n; ++i) contribute(i, +1);
    }

    void open(std::uint32_t k) {
        const std::size_t n = m_index->n;
        const float* dk = &m_pr->distance[k * n];
        for (std::size_t i = 0; i < n; ++i) {
            if (!nearer(dk[i], k, m_d2[i], m_c2[i])) continue;
            contribute(i, -1);
            if (nearer(dk[i], k, m_d1[i], m_c1[i])) {
                m_c2[i] = m_c1[i];
                m_d2[i] = m_d1[i];
                m_c1[i] = k;
                m_d1[i] = dk[i];
            } else {
                m_c2[i] = k;
                m_d2[i] = dk[i];
            }
            contribute(i, +1);
        }
        m_work += n;
        m_open[k] = 1;
    }

    void close(std::uint32_t k) {
        m_open[k] = 0;
        for (std::size_t i = 0; i < m_index->n; ++i) {
            if (m_c1[i] != k && m_c2[i] != k) continue;
            contribute(i, -1);
            assign(i);
            contribute(i, +1);
        }
        m_work += m_index->n;
    }

    [[nodiscard]] double gain(std::uint32_t k) const { return m_gain[k]; }
    [[nodiscard]] double loss(std::uint32_t j) const { return m_loss[j]; }
    [[nodiscard]] std::uint64_t work() const { return m_work; }

    /// extra(j, k): for the demand j serves, what k would save against the
    /// second nearest site, d2 - max(d(k), d1), where k is nearer than d2.
    void add_extra(std::uint32_t j, Extra& extra) {
        const std::size_t n = m_index->n, m = m_index->m;
        for (std::size_t i = 0; i < n; ++i) {
            const double w = m_pr->weight[i];
            if (m_c1[i] != j || w == 0) continue;
            const float d1 = m_d1[i], d2 = m_d2[i];
            const std::uint32_t* near = &m_index->near[i * m];
            const float* dist = &m_index->near_distance[i * m];
            std::size_t r = 0;
            for (; r < m && dist[r] < d2; ++r)
                if (near[r] != j) extra.add(near[r], w * (double{d2} - std::max(dist[r], d1)));
            m_work += r;
        }
        m_work += n;
    }

    [[nodiscard]] double benefit() const {
        double total = 0;
        for (std::size_t i = 0; i < m_index->n; ++i) total += m_pr->weight[i] * m_d1[i];
        return -total;
    }

private:
    [[nodiscard]] static bool nearer(float da, std::uint32_t a, float db, std::uint32_t b) {
        return da < db || (da == db && a < b);
    }

    /// Nearest and second nearest open site of i, from its sorted list.
    void assign(std::size_t i) {
        const std::size_t m = m_index->m;
        m_c1[i] = m_c2[i] = m_none;
        m_d1[i] = m_d2[i] = m_index->far[i];
        std::size_t r = 0;
        for (int found = 0; r < m && found < 2; ++r) {
            const std::uint32_t k = m_index->near[i * m + r];
            if (!m_open[k]) continue;
            (found == 0 ? m_c1[i] : m_c2[i]) = k;
            (found == 0 ? m_d1[i] : m_d2[i]) = m_index->near_distance[i * m + r];
            ++found;
        }
        m_work += r;
    }

    /// Adds (sign +1) or removes (-1) demand i's share of the gains and losses.
    void contribute(std::size_t i, double sign) {
        const double w = sign * m_pr->weight[i];
        if (w == 0) return;
        const std::size_t m = m_index->m;
        const float d1 = m_d1[i];
        const std::uint32_t* near = &m_index->near[i * m];
        const float* dist = &m_index->near_distance[i * m];
        std::size_t r = 0;
        for (; r < m && dist[r] < d1; ++r) m_gain[near[r]] += w * (double{d1} - dist[r]);
        m_work += r + 1;
        if (m_c1[i] != m_none) m_loss[m_c1[i]] += w * (double{m_d2[i]} - d1);
    }

    const Problem* m_pr;
    const Index* m_index;
    std::uint32_t m_none;  // the stand-in's index: after every candidate
    std::vector<std::uint8_t> m_open;
    std::vector<std::uint32_t> m_c1, m_c2;
    std::vector<float> m_d1, m_d2;
    std::vector<double> m_gain, m_loss;
    std::uint64_t m_work = 0;
};

/// Calls f(model) with a fresh model of the problem's objective; the index
/// it reads lives for the call.
template <class F>
decltype(auto) with_model(const Problem& pr, F&& f) {
    if (pr.objective == Objective::max_cover) {
        const CoverModel::Index index(pr);
        return f(CoverModel(pr, index));
    }
    const MedianModel::Index index(pr);
    return f(MedianModel(pr, index));
}

// [SECTION] Search: greedy, local search, perturbation

/// A model and a plan kept in step, with the order in which the open
/// candidates entered (for Solution::chosen).
template <class Model>
class State {
public:
    State(const Problem& pr, Model model)
        : m_model(std::move(model)), m_plan(pr), m_stamp(pr.candidates.size(), 0) {}

    void open(std::uint32_t k) {
        m_model.open(k);
        m_plan.open(k);
        m_stamp[k] = ++m_clock;
        ++m_version;
    }
    void close(std::uint32_t k) {
        m_model.close(k);
        m_plan.close(k);
        ++m_version;
    }
    /// Changes with every open and close.
    [[nodiscard]] std::uint64_t version() const { return m_version; }
    /// Work so far: the model's, and what the search reports (scans).
    [[nodiscard]] std::uint64_t work() const { return m_model.work() + m_work; }
    void count(std::uint64_t work) { m_work += work; }

    [[nodiscard]] const Model& model() const { return m_model; }
    Model& model() { return m_model; }
    [[nodiscard]] const Plan& plan() const { return m_plan; }

    /// The open candidates in the order they entered.
    [[nodiscard]] std::vector<std::uint32_t> order() const {
        std::vector<std::uint32_t> out;
        for (std::uint32_t k = 0; k < m_stamp.size(); ++k)
            if (m_plan.is_open(k)) out.push_back(k);
        std::sort(out.begin(), out.end(), [&](auto a, auto b) { return m_stamp[a] < m_stamp[b]; });
        return out;
    }

    /// Back to `order` (an earlier order()), entry order included.
    void restore(const std::vector<std::uint32_t>& order) {
        std::vector<std::uint8_t> keep(m_stamp.size(), 0);
        for (std::uint32_t k : order) keep[k] = 1;
        for (std::uint32_t k : order)
            if (!m_plan.is_open(k)) open(k);
        for (std::uint32_t k = 0; k < m_stamp.size(); ++k)
            if (m_plan.is_open(k) && !keep[k]) close(k);
        m_clock = 0;
        for (std::uint32_t k : order) m_stamp[k] = ++m_clock;
    }

private:
    Model m_model;
    Plan m_plan;
    std::vector<std::uint64_t> m_stamp;
    std::uint64_t m_clock = 0, m_version = 0, m_work = 0;
};

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

struct Swap {
    std::uint32_t in = 0;
    double delta = 0;  ///< change of benefit
};

/// Finds the best swap out of an open candidate j that keeps every
/// constraint: the closed k with the largest gain(k) + extra(j, k). extra is
/// non-zero only for the few k that share j's demand; among the others the
/// best is the first that fits by decreasing gain. So the closed candidates
/// with the highest gains are kept in order (again after the plan changes),
/// and the rest are scanned only if none of those fits.
template <class Model>
class SwapFinder {
public:
    explicit SwapFinder(std::size_t candidates) : m_extra(candidates) {}

    std::optional<Swap> best(State<Model>& s, std::uint32_t j) {
        if (s.version() != m_version) rank(s);
        const Model& model = s.model();
        s.model().add_extra(j, m_extra);
        std::optional<Swap> best;
        double best_value = -std::numeric_limits<double>::infinity();
        for (std::uint32_t k : m_extra.touched) {
            const double v = model.gain(k) + m_extra.value[k];
            if (v > best_value && s.plan().can_swap(j, k)) {
                best_value = v;
                best = Swap{k, 0};
            }
        }
        bool settled = false;
        m_scanned = 0;
        for (std::size_t t = 0; t < m_top && !settled; ++t) {
            ++m_scanned;
            const std::uint32_t k = m_ranked[t];
            settled = model.gain(k) <= best_value;
            if (!settled && m_extra.value[k] == 0 && s.plan().can_swap(j, k)) {
                best_value = model.gain(k);
                best = Swap{k, 0};
                settled = true;
            }
        }
        for (std::size_t t = m_top; t < m_ranked.size() && !settled; ++t) {
            ++m_scanned;
            const std::uint32_t k = m_ranked[t];
            const double v = model.gain(k);
            const bool better = v > best_value || (v == best_value && best && k < best->in);
            if (better && m_extra.value[k] == 0 && s.plan().can_swap(j, k)) {
                best_value = v;
                best = Swap{k, 0};
            }
        }
        s.count(m_extra.touched.size() + m_scanned);
        m_extra.clear();
        if (best) best->delta = best_value - model.loss(j);
        return best;
    }

private:
    void rank(State<Model>& s) {
        m_ranked.clear();
        for (std::uint32_t k = 0; k < m_extra.value.size(); ++k)
            if (!s.plan().is_open(k)) m_ranked.push_back(k);
        const Model& model = s.model();
        m_top = std::min<std::size_t>(16, m_ranked.size());
        std::partial_sort(m_ranked.begin(), m_ranked.begin() + static_cast<std::ptrdiff_t>(m_top), m_ranked.end(),
                          [&](auto a, auto b) { return model.gain(a) > model.gain(b) || (model.gain(a) == model.gain(b) && a < b); });
        m_version = s.version();
        s.count(m_extra.value.size());
    }

    Extra m_extra;
    std::vector<std::uint32_t> m_ranked;  // closed candidates, the first m_top by decreasing gain (ties by index)
    std::size_t m_top = 0, m_scanned = 0;
    std::uint64_t m_version = ~std::uint64_t{0};
};

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

/// `open` plus the fixed candidates, each once, fixed first; throws Error
/// on an index out of range.
std::vector<std::uint32_t> with_fixed(const Problem& pr, const std::vector<std::uint32_t>& open) {
    std::vector<std::uint32_t> out;
    std::vector<std::uint8_t> seen(pr.candidates.size(), 0);
    for (std::uint32_t k = 0; k < pr.candidates.size(); ++k)
        if (pr.candidates[k].fixed) {
            out.push_back(k);
            seen[k] = 1;
        }
    for (std::uint32_t k : open) {
        if (k >= pr.candidates.size())
            malformed(fmt::format("open candidate index {}, but there are {} candidates", k, pr.candidates.size()));
        if (!seen[k]) out.push_back(k);
        seen[k] = 1;
    }
    return out;
}

}  // namespace

// [SECTION] Entry points

namespace detail {

double objective_of(const Problem& pr, const std::vector<std::uint32_t>& open) {
    const std::size_t n = pr.demand();
    double total = 0;
    if (pr.objective == Objective::max_cover) {
        std::vector<std::uint8_t> covered(n, 0);
        for (std::uint32_t k : open)
            for (std::uint32_t i : pr.covers[k]) covered[i] = 1;
        for (std::size_t i = 0; i < n; ++i)
            if (covered[i]) total += pr.weight[i];
        return total;
    }
    std::vector<float> nearest(n, std::numeric_limits<float>::infinity());
    for (std::uint32_t k : open)
        for (std::size_t i = 0; i < n; ++i) nearest[i] = std::min(nearest[i], pr.distance[k * n + i]);
    for (std::size_t i = 0; i < n; ++i)
        if (pr.weight[i] > 0) total += pr.weight[i] * nearest[i];
    return total;
}

std::vector<Choice> gains_along(const Problem& pr, const std::vector<std::uint32_t>& order) {
    return with_model(pr, [&](auto model) {
        std::vector<Choice> out;
        for (std::uint32_t k : order) {
            out.push_back({k, model.gain(k)});
            model.open(k);
        }
        return out;
    });
}

std::vector<double> spending(const Problem& pr, const std::vector<std::uint32_t>& open) {
    std::vector<double> spent(pr.budgets.size(), 0.0);
    for (std::uint32_t k : open)
        for (const auto& [b, cost] : pr.candidates[k].costs) spent[b] += cost;
    return spent;
}

}  // namespace detail

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

double evaluate(const Problem& problem, const std::vector<std::uint32_t>& open) {
    detail::validate(problem);
    return detail::objective_of(problem, with_fixed(problem, open));
}

std::vector<DropEffect> drop_analysis(const Problem& problem, const Solution& solution, const std::atomic<bool>* cancel) {
    detail::validate(problem);
    std::vector<std::uint32_t> open;
    for (const Choice& c : solution.chosen) open.push_back(c.candidate);
    open = with_fixed(problem, open);
    return with_model(problem, [&](auto model) {
        State<decltype(model)> s(problem, std::move(model));
        for (std::uint32_t k : open) s.open(k);
        SwapFinder<decltype(model)> finder(problem.candidates.size());
        const double none = std::numeric_limits<double>::quiet_NaN();
        std::vector<DropEffect> out;
        for (std::uint32_t k = 0; k < problem.candidates.size(); ++k) {
            tisheng::detail::throw_if_cancelled(cancel);
            DropEffect e{k, 0, -1, none};
            if (!s.plan().is_open(k)) {
                e.loss = s.plan().can_add(k) ? -s.model().gain(k) : none;
            } else {
                e.loss = s.model().loss(k);
                const auto swap = problem.candidates[k].fixed ? std::optional<Swap>{} : finder.best(s, k);
                if (swap) {
                    e.replacement = static_cast<std::int32_t>(swap->in);
                    e.swap_delta = swap->delta;
                }
            }
            out.push_back(e);
        }
        return out;
    });
}

}  // namespace tisheng::siting
