// Siting: the checks of a problem. validate throws on a malformed one (sizes,
// indices, values out of range); conflicts (infeasibility) says why a
// well-formed one has no plan: constraints that cannot hold together.
#include "tisheng/siting/siting.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "siting/detail/siting.hpp"
#include "tisheng/core/error.hpp"

namespace tisheng::siting {

namespace {

using detail::join_names;

std::string candidate_name(const Problem& pr, std::uint32_t k) {
    const std::string& id = pr.candidates[k].id;
    return id.empty() ? fmt::format("candidate #{}", k) : fmt::format("candidate '{}'", id);
}

std::string quoted_ids(const Problem& pr, const std::vector<std::uint32_t>& ks) {
    std::vector<std::string> names;
    for (std::uint32_t k : ks) names.push_back(pr.candidates[k].id.empty() ? fmt::format("#{}", k) : "'" + pr.candidates[k].id + "'");
    return join_names(names);
}

/// What pairwise disjoint groups ask of a count p (part of `conflicts`):
/// their minimums added up, and the cap their maximums put on the sites.
void disjoint_group_conflicts(const Problem& pr, const std::vector<std::vector<std::uint32_t>>& members,
                              const std::vector<int>& fixed_members, const std::vector<std::uint32_t>& fixed,
                              std::vector<std::string>& out) {
    const std::size_t m = pr.candidates.size(), ng = pr.groups.size();
    const auto nfixed = static_cast<int>(fixed.size());
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

}  // namespace

namespace detail {

std::string join_names(const std::vector<std::string>& names, std::size_t shown) {
    std::string out;
    const std::size_t listed = std::min(names.size(), shown);
    for (std::size_t t = 0; t < listed; ++t) {
        if (t > 0) out += (t + 1 == listed && listed == names.size()) ? " and " : ", ";
        out += names[t];
    }
    if (listed < names.size()) out += fmt::format(" and {} more", names.size() - listed);
    return out;
}

void malformed(const std::string& what) { throw Error("siting: " + what); }

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

    if (pr.p >= 0) disjoint_group_conflicts(pr, members, fixed_members, fixed, out);

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

}  // namespace tisheng::siting
