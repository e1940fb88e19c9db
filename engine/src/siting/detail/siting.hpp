// Internals shared by the siting files: the checks (siting_check.cpp), the
// heuristic (heuristic.cpp), evaluation (evaluate.cpp) and the exact MIP
// (siting_mip.cpp).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "tisheng/siting/siting.hpp"

namespace tisheng::siting::detail {

/// Throws tisheng::Error naming the field, candidate or group if `problem`
/// is malformed (sizes, indices, negative or NaN values, p out of range).
void validate(const Problem& problem);

/// `infeasibility` without validating again.
std::vector<std::string> conflicts(const Problem& problem);

/// Objective of exactly the candidates in `open` (fixed ones must be listed).
double objective_of(const Problem& problem, const std::vector<std::uint32_t>& open);

/// `order` with each candidate's marginal gain when opened in that order
/// (fixed candidates must come first). For max_cover the gains sum to the
/// covered weight; for p_median to the reduction from every demand point at
/// its farthest candidate.
std::vector<Choice> gains_along(const Problem& problem, const std::vector<std::uint32_t>& order);

/// Spending per budget of the candidates in `open`.
std::vector<double> spending(const Problem& problem, const std::vector<std::uint32_t>& open);

/// 1,234,567 or 1,234.50: amounts in messages.
std::string amount(double value);

/// "'a', 'b' and 'c'", at most `shown` of them, then "and 4 more".
std::string join_names(const std::vector<std::string>& names, std::size_t shown = 6);

/// Throws tisheng::Error "siting: `what`" (a malformed problem or argument).
[[noreturn]] void malformed(const std::string& what);

/// What candidate `c` costs in `budget`: 0 when it lists no cost there.
inline double cost_of(const Candidate& c, std::uint32_t budget) {
    for (const auto& [b, cost] : c.costs)
        if (b == budget) return cost;
    return 0;
}

/// A budget limit with room for rounding in sums of costs.
inline double budget_ceiling(double limit) { return std::isinf(limit) ? limit : limit + 1e-9 * std::max(1.0, limit); }

}  // namespace tisheng::siting::detail
