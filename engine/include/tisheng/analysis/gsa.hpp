// Global sensitivity analysis in the unit cube [0,1]^k: Morris screening
// (which factors matter at all, cheaply) and Sobol' indices (how much of the
// output's variance each factor explains, alone and with interactions).
// The caller maps unit coordinates to its parameters' ranges, runs the model
// at every design point and hands the outputs back, in the design's order.
// Everything is deterministic for a given seed (tisheng::Rng, no threads).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace tisheng::gsa {

/// Morris (1991) elementary-effects screening in the unit cube [0,1]^k:
/// r random one-at-a-time trajectories on a p-level grid {0, 1/(p-1), ..., 1},
/// step Δ = p / (2 (p - 1)) (p even, default 4, so Δ = 2/3). Each trajectory
/// starts at a random grid point and moves every factor exactly once, in a
/// random order, by +Δ or -Δ (random direction), staying in [0,1].
struct MorrisDesign {
    std::size_t factors = 0, trajectories = 0;
    int levels = 4;
    double delta = 0;
    /// trajectories * (factors + 1) points, trajectory by trajectory, each of
    /// `factors` coordinates in [0,1].
    std::vector<std::vector<double>> points;
    /// [t * factors + j]: the factor that changes from point j to point j+1 of trajectory t.
    std::vector<std::size_t> changed;
    /// [t * factors + j]: +delta or -delta, that change in unit coordinates (the
    /// points' coordinates differ from it by at most an ulp: grid values are l / (p-1)).
    std::vector<double> step;
};

/// A Morris design of `trajectories` trajectories over `factors` factors.
/// Trajectory t draws from Rng(seed, t), so the first t trajectories do not
/// depend on how many are asked for. Throws std::invalid_argument when
/// factors or trajectories is 0 or levels is not an even number >= 2.
MorrisDesign morris_design(std::size_t factors, std::size_t trajectories, std::uint64_t seed, int levels = 4);

/// One factor's Morris statistics over the r trajectories.
struct MorrisIndex {
    double mu = 0;       ///< mean elementary effect (effects of opposite sign cancel)
    double mu_star = 0;  ///< mean |elementary effect| (Campolongo et al. 2007): the ranking measure
    double sigma = 0;    ///< standard deviation of the elementary effects (n-1; 0 with one trajectory): non-linearity or interactions
    /// 95 % percentile bootstrap interval of mu_star, from `bootstrap`
    /// resamples (with replacement) of whole trajectories.
    double mu_star_low = 0, mu_star_high = 0;
};

/// y[i]: the model's output at design.points[i]. Elementary effects are in
/// unit-cube units: (y_{j+1} - y_j) / step. One entry per factor, in factor
/// order. bootstrap = 0 gives mu_star_low = mu_star_high = mu_star.
/// Throws std::invalid_argument when y's size does not match the design,
/// when bootstrap < 0, or when an output is not finite (naming the point).
/// O(r k + bootstrap r k).
std::vector<MorrisIndex> morris_indices(const MorrisDesign& design, std::span<const double> y, int bootstrap = 1000,
                                        std::uint64_t seed = 1);

/// Sobol' indices by the Saltelli (2010) scheme: matrices A and B (n rows
/// each, independent Latin hypercube samples of [0,1]^k: each column has one
/// point in each of the n strata), and for each factor i the matrix AB_i
/// (A with column i taken from B). Cost: n (k + 2) model runs.
struct SobolDesign {
    std::size_t factors = 0, n = 0;
    /// A (n rows), B (n rows), then AB_0 ... AB_{k-1} (n rows each): n * (k + 2) points.
    std::vector<std::vector<double>> points;
};

/// A draws from Rng(seed, 0), B from Rng(seed, 1). Throws
/// std::invalid_argument when factors is 0 or n < 2.
SobolDesign sobol_design(std::size_t factors, std::size_t n, std::uint64_t seed);

/// One factor's Sobol' indices with 95 % percentile bootstrap intervals.
struct SobolIndex {
    /// S_i, the share of the variance the factor explains alone: Saltelli et
    /// al. (2010) estimator mean(f(B) * (f(AB_i) - f(A))) / V. Sampling error
    /// can make it slightly negative.
    double first = 0, first_low = 0, first_high = 0;
    /// S_Ti, its share including every interaction: Jansen (1999) estimator
    /// mean((f(A) - f(AB_i))^2) / 2 / V.
    double total = 0, total_low = 0, total_high = 0;
};

/// y[i]: the model's output at design.points[i]. One entry per factor.
/// V = variance of f over A and B together (the 2n outputs, divided by 2n).
/// Intervals: `bootstrap` resamples of the n row indices (with replacement;
/// V and both estimators recomputed per resample); bootstrap = 0 gives
/// intervals of zero width at the estimate.
/// If V == 0 (the output does not vary over A and B) every index and every
/// interval bound is 0, as it is in a resample whose V is 0.
/// Throws std::invalid_argument when y's size does not match the design,
/// when bootstrap < 0, or when an output is not finite (naming the point).
/// O(n k + bootstrap n k).
std::vector<SobolIndex> sobol_indices(const SobolDesign& design, std::span<const double> y, int bootstrap = 500,
                                      std::uint64_t seed = 1);

}  // namespace tisheng::gsa
