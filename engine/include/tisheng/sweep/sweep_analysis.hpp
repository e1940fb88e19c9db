// What a finished sweep says: which lever matters most (standardised
// regression coefficients), which variants are worth considering (the
// Pareto frontier of public spend, P(all targets met) and coverage), and the
// smallest value of one budget that reaches a target (find-min).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "tisheng/sweep/sweep.hpp"

namespace tisheng {

/// A finished variant as the sweep's store reads it back: parameter values
/// as text, outcomes.
struct SweepRow {
    std::uint64_t variant = 0;
    std::vector<std::string> values;
    std::vector<double> outcomes;
};

/// One outcome regressed on the varied parameters, every column scaled to
/// mean 0 and standard deviation 1: the coefficients are the SRCs, |SRC|
/// ranks the levers, R² says how much of the outcome a linear model of the
/// levers explains (a low R² means interactions or thresholds dominate).
struct Sensitivity {
    std::string outcome;
    std::size_t n = 0;  ///< variants
    double r2 = 0;
    struct Coefficient {
        std::string parameter;
        double src = 0;
    };
    std::vector<Coefficient> ranked;  ///< by |src|, largest first
};

/// `x` and `y` are rows of variants. Parameters or outcomes that do not vary
/// are left out (an outcome that does not vary gets no entry).
std::vector<Sensitivity> sensitivity(const std::vector<std::string>& parameters, const std::vector<std::vector<double>>& x,
                                     const std::vector<std::string>& outcomes, const std::vector<std::vector<double>>& y);

/// A point of the frontier's space: public spend (less is better),
/// P(all met) and coverage (more is better).
using ParetoPoint = std::array<double, 3>;
/// 1 for each point no other point dominates (as good on every axis, better
/// on one). Equal points are all kept.
std::vector<std::uint8_t> pareto_front(const std::vector<ParetoPoint>& points);

struct SweepAnalysis {
    std::vector<Sensitivity> sensitivity;
    std::vector<std::uint64_t> variants;
    std::vector<ParetoPoint> points;
    std::vector<std::uint8_t> front;
};
/// The analysis of a store's finished rows.
SweepAnalysis analyse(const SweepRunner& runner, const std::vector<SweepRow>& rows);

/// "p_all_met>=0.9": an outcome column, a comparison, a number.
struct SweepTarget {
    std::string column;
    std::string op;  ///< >=, >, <=, <
    double value = 0;
    std::size_t index = 0;  ///< into SweepOutcomes::columns
    [[nodiscard]] bool holds(double x) const;
    [[nodiscard]] std::string str() const;
};
/// Throws InputError (with "did you mean") when the text is not a target.
SweepTarget parse_target(const std::string& text, const SweepOutcomes& outcomes);

/// The smallest value of one parameter at which the target holds, the other
/// parameters at the base scenario's values: bracketing (the parameter's
/// range in the sweep file, widened upwards while the target still fails)
/// then bisection down to the tolerance. Each step is a Monte Carlo run with
/// the sweep's seed and replications; the answer comes with the estimate's
/// 95 % Wilson interval (for probability outcomes).
struct FindMin {
    std::string parameter;
    SweepTarget target;
    double tolerance = 0;
    bool found = false;        ///< the target holds at `value`
    bool at_lower_end = false; ///< it already holds at the bracket's low end
    double value = 0;          ///< the answer (found), or the highest value tried
    double estimate = 0, ci_low = 0, ci_high = 0;  ///< the outcome at `value`
    std::optional<double> below;  ///< the highest value tried where the target fails
    double below_estimate = 0;
    int replications = 0;
    struct Step {
        double value = 0, estimate = 0;
        bool holds = false;
    };
    std::vector<Step> steps;   ///< in the order run
};
FindMin find_min(const SweepRunner& runner, const std::string& parameter, const SweepTarget& target, int threads,
                 const std::function<void(const FindMin::Step&)>& on_step = {});

/// 95 % Wilson score interval of a proportion `p` from `n` trials.
std::array<double, 2> wilson_interval(double p, int n);

}  // namespace tisheng
