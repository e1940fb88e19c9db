// The scenario's demand and sites as coverage and siting see them: points in
// the region's metric CRS, workers, units, industries, and the pairs within
// a radius (Euclidean, or from the scenario's cost matrix).
//
// Stations programme: demand = workers on the register's projects; sites =
// the projects themselves (an on-site station reaches its own workers at
// distance 0), then the off-project candidate sites. Bases programme:
// demand = the demand points (workers by industry); sites = candidate bases.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tisheng/coverage/coverage.hpp"

namespace tisheng {

struct Scenario;

/// What a set of open sites gives the demand.
struct OpenSitesCoverage {
    std::vector<std::uint32_t> open;  ///< coverage-model sites
    std::vector<double> nearest;      ///< per demand point: cost to the nearest open site; inf = none
    std::vector<double> ratios;       ///< per site: 2SFCA supply-to-demand ratio (0 if not open)
    std::vector<double> access;       ///< per demand point: 2SFCA accessibility
};

struct CoverageModel {
    std::vector<std::string> demand_ids;  ///< coverage_ids(s).demand
    std::vector<MetricPoint> demand;
    std::vector<double> workers;
    std::vector<std::uint32_t> demand_unit, demand_industry;
    std::vector<std::string> industries;  ///< "construction" for the stations programme

    std::vector<std::string> site_ids;
    std::vector<MetricPoint> sites;
    std::vector<std::uint32_t> site_unit;
    std::vector<std::int32_t> site_industry;  ///< -1: serves every industry
    std::vector<double> capacity;             ///< 2SFCA supply: annual trainees (bases) or 1 a station
    std::size_t project_sites = 0;            ///< stations: sites [0, project_sites) are the register's projects

    std::shared_ptr<const coverage::CostMatrix> matrix;  ///< the scenario's, read once when it was loaded
    bool match_industry = false;

    explicit CoverageModel(const Scenario& s);

    /// Sites a scenario's coverage model holds, without building it.
    static std::size_t site_count(const Scenario& s);

    /// Pairs within `radius` (the matrix's unit if there is one), keeping
    /// only same-industry pairs when match_industry is set. With `only`,
    /// the other sites get no pairs (site indices stay those of the model).
    /// `cancel`: as coverage::reach's.
    [[nodiscard]] coverage::Reach reach(double radius, int threads = 0, const std::vector<std::uint32_t>* only = nullptr,
                                        const std::atomic<bool>* cancel = nullptr) const;
    /// The pairs within each of `radii` (ascending) that coverage trackers
    /// share: Euclidean ones found on demand, a cost matrix's as listed.
    [[nodiscard]] std::shared_ptr<const coverage::RadiusPairs> radius_pairs(std::vector<double> radii) const;
    /// Cost from every site to every demand point, site-major; pairs the
    /// matrix does not list cost `unlisted` (for p-median).
    [[nodiscard]] std::vector<float> dense_costs(float unlisted) const;
    /// Distance to the nearest open site and 2SFCA accessibility (within
    /// `catchment`, with `decay`) per demand point, for the sites `open`.
    /// `cancel`, polled between its steps and while pairs are found: set, it
    /// throws Cancelled.
    [[nodiscard]] OpenSitesCoverage assess(std::vector<std::uint32_t> open, coverage::Decay decay, double catchment,
                                           const std::atomic<bool>* cancel = nullptr) const;
};

}  // namespace tisheng
