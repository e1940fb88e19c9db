// Siting: evaluation of a plan. Its objective, each site's gain in the
// order the sites opened, the spending per budget, and drop analysis: what
// closing each open candidate (or opening a closed one) would change, with
// the best swap that keeps every constraint.
#include "tisheng/siting/siting.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <optional>

#include "core/detail/cancel.hpp"
#include "siting/detail/state.hpp"

namespace tisheng::siting {

namespace {

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
            detail::malformed(fmt::format("open candidate index {}, but there are {} candidates", k, pr.candidates.size()));
        if (!seen[k]) out.push_back(k);
        seen[k] = 1;
    }
    return out;
}

}  // namespace

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

double evaluate(const Problem& problem, const std::vector<std::uint32_t>& open) {
    detail::validate(problem);
    return detail::objective_of(problem, with_fixed(problem, open));
}

std::vector<DropEffect> drop_analysis(const Problem& problem, const Solution& solution, const std::atomic<bool>* cancel) {
    detail::validate(problem);
    std::vector<std::uint32_t> open;
    for (const Choice& c : solution.chosen) open.push_back(c.candidate);
    open = with_fixed(problem, open);
    return detail::with_model(problem, [&](auto model) {
        detail::State<decltype(model)> s(problem, std::move(model));
        for (std::uint32_t k : open) s.open(k);
        detail::SwapFinder<decltype(model)> finder(problem.candidates.size());
        const double none = std::numeric_limits<double>::quiet_NaN();
        std::vector<DropEffect> out;
        for (std::uint32_t k = 0; k < problem.candidates.size(); ++k) {
            tisheng::detail::throw_if_cancelled(cancel);
            DropEffect e{k, 0, -1, none};
            if (!s.plan().is_open(k)) {
                e.loss = s.plan().can_add(k) ? -s.model().gain(k) : none;
            } else {
                e.loss = s.model().loss(k);
                const auto swap = problem.candidates[k].fixed ? std::optional<detail::Swap>{} : finder.best(s, k);
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
