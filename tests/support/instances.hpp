// Seeded random covering instances for the siting tests and benchmark:
// demand points in Gaussian clusters of varied size and spread, candidates
// near demand points, lognormal weights (workers per point). Header-only;
// draws come from tisheng::Rng, so an instance is the same on every
// platform.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "tisheng/geo/geo.hpp"
#include "tisheng/core/random.hpp"
#include "tisheng/siting/siting.hpp"

namespace tisheng::test {

struct ClusteredSpec {
    std::size_t demand = 2000;
    std::size_t candidates = 200;
    std::uint64_t seed = 1;
    /// Clusters and the side of the square they lie in; 0 = scaled with the
    /// demand (one cluster per 200 points, 600 m x sqrt(demand)), so that
    /// density, and how much a site covers, stay alike across sizes.
    std::size_t clusters = 0;
    double extent_m = 0;
    double spread_m = 2500;   ///< typical cluster standard deviation (each drawn in 0.5..1.5 times this)
    double jitter_m = 1000;   ///< candidate offset from the demand point it is drawn near
};

struct Clustered {
    std::vector<MetricPoint> demand, sites;
    std::vector<double> weight;
};

inline Clustered clustered(const ClusteredSpec& spec) {
    Rng rng(spec.seed, 0xC1u);
    const std::size_t clusters = spec.clusters > 0 ? spec.clusters : std::max<std::size_t>(1, spec.demand / 200);
    const double extent = spec.extent_m > 0 ? spec.extent_m : 600.0 * std::sqrt(static_cast<double>(spec.demand));
    struct Cluster {
        MetricPoint centre;
        double spread;
    };
    std::vector<Cluster> cs;
    std::vector<double> size;
    for (std::size_t c = 0; c < clusters; ++c) {
        cs.push_back({{rng.uniform(0, extent), rng.uniform(0, extent)}, spec.spread_m * rng.uniform(0.5, 1.5)});
        size.push_back(rng.uniform(0.3, 3.0));
    }
    Clustered out;
    for (std::size_t i = 0; i < spec.demand; ++i) {
        const Cluster& c = cs[rng.weighted(size)];
        out.demand.push_back({c.centre.x + rng.normal(0, c.spread), c.centre.y + rng.normal(0, c.spread)});
        out.weight.push_back(std::round(rng.lognormal(40, 0.8)));
    }
    for (std::size_t j = 0; j < spec.candidates; ++j) {
        const MetricPoint& near = out.demand[static_cast<std::size_t>(rng.integer(0, static_cast<std::int64_t>(spec.demand) - 1))];
        out.sites.push_back({near.x + rng.normal(0, spec.jitter_m), near.y + rng.normal(0, spec.jitter_m)});
    }
    return out;
}

/// covers[j]: the demand points within `radius` of site j, ascending (brute
/// force, O(demand x sites)).
inline std::vector<std::vector<std::uint32_t>> covers_within(const Clustered& inst, double radius) {
    std::vector<std::vector<std::uint32_t>> covers(inst.sites.size());
    const double r2 = radius * radius;
    for (std::size_t j = 0; j < inst.sites.size(); ++j)
        for (std::size_t i = 0; i < inst.demand.size(); ++i) {
            const double dx = inst.demand[i].x - inst.sites[j].x, dy = inst.demand[i].y - inst.sites[j].y;
            if (dx * dx + dy * dy <= r2) covers[j].push_back(static_cast<std::uint32_t>(i));
        }
    return covers;
}

/// A max cover problem: open p of the sites, cover within `radius`.
inline siting::Problem covering_problem(const Clustered& inst, std::vector<std::vector<std::uint32_t>> covers, int p) {
    siting::Problem pr;
    pr.objective = siting::Objective::max_cover;
    pr.weight = inst.weight;
    pr.candidates.resize(inst.sites.size());
    for (std::size_t j = 0; j < inst.sites.size(); ++j) pr.candidates[j].id = std::string(1, 'S').append(std::to_string(j));
    pr.covers = std::move(covers);
    pr.p = p;
    return pr;
}

}  // namespace tisheng::test
