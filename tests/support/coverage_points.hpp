// Seeded point sets for the coverage tests (test_coverage.cpp,
// test_coverage_surfaces.cpp): uniform and clustered points around a
// UTM-like origin, the brute-force nearest distance they are checked
// against, and the message of the error a call throws.
#pragma once

#include <algorithm>
#include <cstddef>
#include <initializer_list>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "tisheng/core/error.hpp"
#include "tisheng/coverage/coverage.hpp"

namespace tisheng::test {

using Points = std::vector<MetricPoint>;
constexpr double inf = std::numeric_limits<double>::infinity();

// A UTM-like neighbourhood, so that coordinates are large (precision matters).
constexpr double X0 = 400000, Y0 = 2480000;
constexpr Box city{X0, Y0, X0 + 20000, Y0 + 20000};

inline Points uniform_points(std::mt19937_64& rng, std::size_t n, Box b) {
    std::uniform_real_distribution<double> ux(b.min_x, b.max_x), uy(b.min_y, b.max_y);
    Points out(n);
    for (auto& p : out) {
        p.x = ux(rng);
        p.y = uy(rng);
    }
    return out;
}

inline Points clustered_points(std::mt19937_64& rng, std::size_t n, Box b, std::size_t clusters, double sigma) {
    const Points centres = uniform_points(rng, clusters, b);
    std::normal_distribution<double> nd(0, sigma);
    std::uniform_int_distribution<std::size_t> pick(0, clusters - 1);
    Points out(n);
    for (auto& p : out) {
        const MetricPoint c = centres[pick(rng)];
        p.x = c.x + nd(rng);
        p.y = c.y + nd(rng);
    }
    return out;
}

inline Points concat(std::initializer_list<Points> parts) {
    Points out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

inline double dist2(MetricPoint a, MetricPoint b) { return (a.x - b.x) * (a.x - b.x) + (a.y - b.y) * (a.y - b.y); }

inline double brute_nearest2(const Points& sites, MetricPoint p) {
    double best = inf;
    for (const auto& s : sites) best = std::min(best, dist2(s, p));
    return best;
}

// The message of the tisheng error a call throws ("" if none), and whether it
// was InvalidInput / InputError.
template <class Fn>
std::string input_error_of(Fn&& fn, bool* input_kind = nullptr) {
    try {
        fn();
    } catch (const InvalidInput& e) {
        if (input_kind) *input_kind = true;
        return e.what();
    } catch (const InputError& e) {
        if (input_kind) *input_kind = true;
        return e.what();
    } catch (const Error& e) {
        if (input_kind) *input_kind = false;
        return e.what();
    }
    return "";
}

}  // namespace tisheng::test
