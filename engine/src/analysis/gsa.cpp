#include "tisheng/analysis/gsa.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>

#include "tisheng/core/random.hpp"

namespace tisheng::gsa {

namespace {

/// Linear interpolation between order statistics (R's type 7) of `v`, which is sorted in place.
double quantile(std::vector<double>& v, double q) {
    std::sort(v.begin(), v.end());
    const double h = q * static_cast<double>(v.size() - 1);
    const auto lo = static_cast<std::size_t>(std::floor(h));
    const std::size_t hi = std::min(lo + 1, v.size() - 1);
    return v[lo] + (h - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

/// [2.5 %, 97.5 %] of `v`, or the estimate twice when there are no resamples.
std::pair<double, double> percentile_interval(std::vector<double>& v, double estimate) {
    if (v.empty()) return {estimate, estimate};
    const double low = quantile(v, 0.025), high = quantile(v, 0.975);
    return {low, high};
}

void shuffle(std::vector<std::size_t>& v, Rng& rng) {
    for (std::size_t i = v.size(); i > 1; --i) {
        const auto j = static_cast<std::size_t>(rng.integer(0, static_cast<std::int64_t>(i - 1)));
        std::swap(v[i - 1], v[j]);
    }
}

void check_finite(std::span<const double> y, std::size_t i, const std::string& where) {
    if (!std::isfinite(y[i]))
        throw std::invalid_argument("output " + std::to_string(i) + " (" + where + ") is not finite: " + std::to_string(y[i]));
}

/// n rows of a Latin hypercube sample of [0,1]^k.
void latin_hypercube(std::vector<std::vector<double>>& out, std::size_t n, std::size_t k, Rng& rng) {
    const std::size_t first = out.size();
    out.resize(first + n, std::vector<double>(k));
    std::vector<std::size_t> strata(n);
    for (std::size_t c = 0; c < k; ++c) {
        std::iota(strata.begin(), strata.end(), std::size_t{0});
        shuffle(strata, rng);
        for (std::size_t r = 0; r < n; ++r)
            out[first + r][c] = (static_cast<double>(strata[r]) + rng.uniform()) / static_cast<double>(n);
    }
}

}  // namespace

MorrisDesign morris_design(std::size_t factors, std::size_t trajectories, std::uint64_t seed, int levels) {
    if (factors == 0) throw std::invalid_argument("Morris design: no factors");
    if (trajectories == 0) throw std::invalid_argument("Morris design: no trajectories");
    if (levels < 2 || levels % 2 != 0)
        throw std::invalid_argument("Morris design: levels must be an even number >= 2, not " + std::to_string(levels));
    MorrisDesign d;
    d.factors = factors;
    d.trajectories = trajectories;
    d.levels = levels;
    const int half = levels / 2;  // Δ in grid steps
    const double top = levels - 1;
    d.delta = half / top;
    d.points.reserve(trajectories * (factors + 1));
    d.changed.reserve(trajectories * factors);
    d.step.reserve(trajectories * factors);
    std::vector<double> low(factors), high(factors);
    std::vector<bool> up(factors);
    std::vector<std::size_t> order(factors);
    for (std::size_t t = 0; t < trajectories; ++t) {
        Rng rng(seed, t);
        // Each factor moves between grid levels a and a + p/2 (a < p/2, so
        // both are on the grid), starting at either end.
        std::vector<double> x(factors);
        for (std::size_t c = 0; c < factors; ++c) {
            const auto a = rng.integer(0, half - 1);
            low[c] = static_cast<double>(a) / top;
            high[c] = static_cast<double>(a + half) / top;
            up[c] = rng.integer(0, 1) == 1;
            x[c] = up[c] ? low[c] : high[c];
        }
        std::iota(order.begin(), order.end(), std::size_t{0});
        shuffle(order, rng);
        d.points.push_back(x);
        for (std::size_t c : order) {
            x[c] = up[c] ? high[c] : low[c];
            d.points.push_back(x);
            d.changed.push_back(c);
            d.step.push_back(up[c] ? d.delta : -d.delta);
        }
    }
    return d;
}

std::vector<MorrisIndex> morris_indices(const MorrisDesign& design, std::span<const double> y, int bootstrap,
                                        std::uint64_t seed) {
    const std::size_t k = design.factors, r = design.trajectories;
    if (design.points.size() != r * (k + 1) || design.changed.size() != r * k || design.step.size() != r * k)
        throw std::invalid_argument("Morris indices: the design is inconsistent");
    if (y.size() != design.points.size())
        throw std::invalid_argument("Morris indices: " + std::to_string(y.size()) + " outputs for " +
                                    std::to_string(design.points.size()) + " design points");
    if (bootstrap < 0) throw std::invalid_argument("Morris indices: negative bootstrap count");
    if (k == 0 || r == 0) return {};
    for (std::size_t i = 0; i < y.size(); ++i)
        check_finite(y, i, "trajectory " + std::to_string(i / (k + 1)) + ", point " + std::to_string(i % (k + 1)));

    // ee[c * r + t]: the elementary effect of factor c in trajectory t.
    std::vector<double> ee(k * r);
    for (std::size_t t = 0; t < r; ++t)
        for (std::size_t j = 0; j < k; ++j) {
            const std::size_t c = design.changed[t * k + j];
            if (c >= k) throw std::invalid_argument("Morris indices: the design is inconsistent");
            const std::size_t p = t * (k + 1) + j;
            ee[c * r + t] = (y[p + 1] - y[p]) / design.step[t * k + j];
        }

    std::vector<MorrisIndex> out(k);
    for (std::size_t c = 0; c < k; ++c) {
        const std::span<const double> e(ee.data() + c * r, r);
        double sum = 0, abs_sum = 0;
        for (double v : e) {
            sum += v;
            abs_sum += std::abs(v);
        }
        MorrisIndex& m = out[c];
        m.mu = sum / static_cast<double>(r);
        m.mu_star = abs_sum / static_cast<double>(r);
        if (r > 1) {
            double ss = 0;
            for (double v : e) ss += (v - m.mu) * (v - m.mu);
            m.sigma = std::sqrt(ss / static_cast<double>(r - 1));
        }
    }

    // Resample whole trajectories, the same ones for every factor.
    std::vector<std::vector<double>> boot(k, std::vector<double>(static_cast<std::size_t>(bootstrap)));
    Rng rng(seed, 0);
    std::vector<double> abs_sum(k);
    for (std::size_t b = 0; b < boot.front().size(); ++b) {
        std::fill(abs_sum.begin(), abs_sum.end(), 0.0);
        for (std::size_t i = 0; i < r; ++i) {
            const auto t = static_cast<std::size_t>(rng.integer(0, static_cast<std::int64_t>(r - 1)));
            for (std::size_t c = 0; c < k; ++c) abs_sum[c] += std::abs(ee[c * r + t]);
        }
        for (std::size_t c = 0; c < k; ++c) boot[c][b] = abs_sum[c] / static_cast<double>(r);
    }
    for (std::size_t c = 0; c < k; ++c)
        std::tie(out[c].mu_star_low, out[c].mu_star_high) = percentile_interval(boot[c], out[c].mu_star);
    return out;
}

SobolDesign sobol_design(std::size_t factors, std::size_t n, std::uint64_t seed) {
    if (factors == 0) throw std::invalid_argument("Sobol design: no factors");
    if (n < 2) throw std::invalid_argument("Sobol design: need at least 2 rows, not " + std::to_string(n));
    SobolDesign d;
    d.factors = factors;
    d.n = n;
    d.points.reserve(n * (factors + 2));
    Rng rng_a(seed, 0), rng_b(seed, 1);
    latin_hypercube(d.points, n, factors, rng_a);
    latin_hypercube(d.points, n, factors, rng_b);
    for (std::size_t i = 0; i < factors; ++i)
        for (std::size_t r = 0; r < n; ++r) {
            std::vector<double> row = d.points[r];
            row[i] = d.points[n + r][i];
            d.points.push_back(std::move(row));
        }
    return d;
}

namespace {

/// Both estimators over the rows `rows` (a resample of 0..n-1, or all of
/// them) of the outputs laid out as in SobolDesign.
void sobol_estimate(std::span<const double> y, std::size_t n, std::size_t k, std::span<const std::size_t> rows,
                    std::vector<double>& first, std::vector<double>& total) {
    const std::size_t m = rows.size();
    const double* fa = y.data();
    const double* fb = y.data() + n;
    // Variance of A and B together, shifted by one output so that a constant
    // output gives exactly 0 and large offsets lose no precision.
    const double shift = fa[rows[0]];
    double s = 0, ss = 0;
    for (std::size_t r : rows) {
        const double a = fa[r] - shift, b = fb[r] - shift;
        s += a + b;
        ss += a * a + b * b;
    }
    const double count = 2.0 * static_cast<double>(m);
    const double v = std::max(0.0, ss / count - (s / count) * (s / count));
    if (!(v > 0)) {
        std::fill(first.begin(), first.end(), 0.0);
        std::fill(total.begin(), total.end(), 0.0);
        return;
    }
    for (std::size_t i = 0; i < k; ++i) {
        const double* fab = y.data() + (2 + i) * n;
        double sf = 0, st = 0;
        for (std::size_t r : rows) {
            const double d = fab[r] - fa[r];
            sf += fb[r] * d;
            st += d * d;
        }
        first[i] = sf / static_cast<double>(m) / v;
        total[i] = st / static_cast<double>(m) / 2.0 / v;
    }
}

}  // namespace

std::vector<SobolIndex> sobol_indices(const SobolDesign& design, std::span<const double> y, int bootstrap,
                                      std::uint64_t seed) {
    const std::size_t k = design.factors, n = design.n;
    if (design.points.size() != n * (k + 2)) throw std::invalid_argument("Sobol indices: the design is inconsistent");
    if (y.size() != design.points.size())
        throw std::invalid_argument("Sobol indices: " + std::to_string(y.size()) + " outputs for " +
                                    std::to_string(design.points.size()) + " design points");
    if (bootstrap < 0) throw std::invalid_argument("Sobol indices: negative bootstrap count");
    if (k == 0 || n == 0) return {};
    for (std::size_t i = 0; i < y.size(); ++i) {
        const std::size_t block = i / n;
        const std::string matrix = block == 0 ? "A" : block == 1 ? "B" : "AB_" + std::to_string(block - 2);
        check_finite(y, i, "matrix " + matrix + ", row " + std::to_string(i % n));
    }

    std::vector<std::size_t> rows(n);
    std::iota(rows.begin(), rows.end(), std::size_t{0});
    std::vector<double> first(k), total(k);
    sobol_estimate(y, n, k, rows, first, total);

    const auto nb = static_cast<std::size_t>(bootstrap);
    std::vector<std::vector<double>> boot_first(k, std::vector<double>(nb)), boot_total(k, std::vector<double>(nb));
    std::vector<double> bf(k), bt(k);
    Rng rng(seed, 0);
    for (std::size_t b = 0; b < nb; ++b) {
        for (auto& r : rows) r = static_cast<std::size_t>(rng.integer(0, static_cast<std::int64_t>(n - 1)));
        sobol_estimate(y, n, k, rows, bf, bt);
        for (std::size_t i = 0; i < k; ++i) {
            boot_first[i][b] = bf[i];
            boot_total[i][b] = bt[i];
        }
    }

    std::vector<SobolIndex> out(k);
    for (std::size_t i = 0; i < k; ++i) {
        SobolIndex& s = out[i];
        s.first = first[i];
        s.total = total[i];
        std::tie(s.first_low, s.first_high) = percentile_interval(boot_first[i], s.first);
        std::tie(s.total_low, s.total_high) = percentile_interval(boot_total[i], s.total);
    }
    return out;
}

}  // namespace tisheng::gsa
