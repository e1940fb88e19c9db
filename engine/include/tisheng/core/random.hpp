// Reproducible random streams: xoshiro256** seeded through SplitMix64 from
// (seed, stream id), so that replication k of a run draws the same numbers
// whichever thread runs it. Distributions are written here, not taken from
// <random>, whose results differ between standard libraries.
#pragma once

#include <cmath>
#include <cstdint>
#include <numbers>
#include <vector>

namespace tisheng {

class Rng {
public:
    /// Stream `stream` of seed `seed`; distinct streams are independent.
    explicit Rng(std::uint64_t seed, std::uint64_t stream = 0) {
        std::uint64_t x = seed ^ (0x9E3779B97F4A7C15ULL * (stream + 1));
        for (auto& s : m_s) s = splitmix64(x);
    }

    /// The stream of one purpose of one entity in one replication: draws
    /// keyed this way stay the same when a change to the model alters what
    /// other entities draw (common random numbers for counterfactuals).
    static Rng keyed(std::uint64_t seed, std::uint64_t replication, std::uint64_t purpose, std::uint64_t entity,
                     std::uint64_t n = 0) {
        std::uint64_t x = replication;
        std::uint64_t h = splitmix64(x);
        for (std::uint64_t part : {purpose, entity, n}) {
            x = h ^ part;
            h = splitmix64(x);
        }
        return Rng(seed, h);
    }

    std::uint64_t next() {
        const std::uint64_t result = rotl(m_s[1] * 5, 7) * 9;
        const std::uint64_t t = m_s[1] << 17;
        m_s[2] ^= m_s[0];
        m_s[3] ^= m_s[1];
        m_s[1] ^= m_s[2];
        m_s[0] ^= m_s[3];
        m_s[2] ^= t;
        m_s[3] = rotl(m_s[3], 45);
        return result;
    }
    /// Uniform in [0, 1), 53 random bits.
    double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
    double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
    /// Uniform integer in [lo, hi] (inclusive), without modulo bias worth noting for ranges < 2^32.
    std::int64_t integer(std::int64_t lo, std::int64_t hi) {
        auto span = static_cast<std::uint64_t>(hi - lo) + 1;
        return lo + static_cast<std::int64_t>(span == 0 ? next() : next() % span);
    }
    bool bernoulli(double p) { return uniform() < p; }
    /// Standard normal (Box-Muller, one value per call).
    double normal() {
        double u1 = 1.0 - uniform(), u2 = uniform();
        return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
    }
    double normal(double mean, double sd) { return mean + sd * normal(); }
    double lognormal(double median, double sigma) { return median * std::exp(sigma * normal()); }
    double exponential(double mean) { return -mean * std::log(1.0 - uniform()); }
    /// Index drawn with probability proportional to weights (O(n)).
    std::size_t weighted(const std::vector<double>& weights) {
        double total = 0;
        for (double w : weights) total += w;
        double r = uniform() * total;
        for (std::size_t i = 0; i < weights.size(); ++i) {
            if (r < weights[i]) return i;
            r -= weights[i];
        }
        return weights.empty() ? 0 : weights.size() - 1;
    }

private:
    static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
    static std::uint64_t splitmix64(std::uint64_t& x) {
        std::uint64_t z = (x += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }
    std::uint64_t m_s[4]{};
};

}  // namespace tisheng
