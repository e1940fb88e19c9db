#include "tisheng/planning/coverage_model.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "core/detail/cancel.hpp"
#include "tisheng/model/scenario.hpp"

namespace tisheng {

CoverageModel::CoverageModel(const Scenario& s) : matrix(s.cost_matrix), match_industry(s.coverage.match_industry) {
    // The ids and their order are coverage_ids' (the cost matrix is read by them).
    CoverageIds ids = coverage_ids(s);
    demand_ids = std::move(ids.demand);
    site_ids = std::move(ids.sites);
    project_sites = ids.project_sites;
    const MetricCrs& crs = s.region.crs();
    const auto& sites_in = s.sites;
    if (s.programme.kind == ProgrammeKind::stations) {
        industries = {"construction"};
        for (const Project& p : sites_in.projects) {
            demand.push_back(crs.forward(p.pos));
            workers.push_back(p.workforce);
            demand_unit.push_back(p.unit);
            demand_industry.push_back(0);
            sites.push_back(demand.back());
            site_unit.push_back(p.unit);
            site_industry.push_back(-1);
            capacity.push_back(1);
        }
        for (const CandidateSite& c : sites_in.stations) {
            sites.push_back(crs.forward(c.pos));
            site_unit.push_back(c.unit);
            site_industry.push_back(-1);
            capacity.push_back(1);
        }
    } else {
        std::map<std::string, std::uint32_t> index;
        auto industry = [&](const std::string& name) {
            auto [it, added] = index.emplace(name, static_cast<std::uint32_t>(industries.size()));
            if (added) industries.push_back(name);
            return it->second;
        };
        for (const DemandPoint& d : sites_in.demand) {
            demand.push_back(crs.forward(d.pos));
            workers.push_back(d.workers);
            demand_unit.push_back(d.unit);
            demand_industry.push_back(industry(d.industry));
        }
        for (const CandidateBase& b : sites_in.bases) {
            sites.push_back(crs.forward(b.pos));
            site_unit.push_back(b.unit);
            site_industry.push_back(static_cast<std::int32_t>(industry(b.industry)));
            capacity.push_back(b.annual_trainees);
        }
    }
}

std::size_t CoverageModel::site_count(const Scenario& s) {
    return s.programme.kind == ProgrammeKind::stations ? s.sites.projects.size() + s.sites.stations.size() : s.sites.bases.size();
}

coverage::Reach CoverageModel::reach(double radius, int threads, const std::vector<std::uint32_t>* only,
                                     const std::atomic<bool>* cancel) const {
    // Euclidean pairs of the chosen sites only, numbered by their place in `only`.
    std::vector<MetricPoint> chosen;
    if (only && !matrix)
        for (std::uint32_t j : *only) chosen.push_back(sites[j]);
    const coverage::Reach r = matrix ? matrix->reach(radius) : coverage::reach(demand, only ? chosen : sites, radius, threads, cancel);
    if (!only && !match_industry) return r;
    // The model's site -> its row in r (-1: left out).
    std::vector<std::int64_t> row(sites.size(), -1);
    if (!only)
        for (std::uint32_t j = 0; j < sites.size(); ++j) row[j] = j;
    else
        for (std::uint32_t k = 0; k < only->size(); ++k) row[(*only)[k]] = matrix ? (*only)[k] : k;
    coverage::Reach kept;
    kept.offset.assign(sites.size() + 1, 0);
    for (std::size_t j = 0; j < sites.size(); ++j) {
        if (row[j] >= 0)
            for (std::uint32_t p = r.offset[static_cast<std::size_t>(row[j])]; p < r.offset[static_cast<std::size_t>(row[j]) + 1]; ++p) {
                if (match_industry && site_industry[j] >= 0 && static_cast<std::uint32_t>(site_industry[j]) != demand_industry[r.demand[p]])
                    continue;
                kept.demand.push_back(r.demand[p]);
                kept.cost.push_back(r.cost[p]);
            }
        kept.offset[j + 1] = static_cast<std::uint32_t>(kept.demand.size());
    }
    return kept;
}

std::shared_ptr<const coverage::RadiusPairs> CoverageModel::radius_pairs(std::vector<double> radii) const {
    if (matrix) return std::make_shared<const coverage::RadiusPairs>(reach(radii.back()), std::move(radii));
    return std::make_shared<const coverage::RadiusPairs>(demand, sites, std::move(radii),
                                                         match_industry ? site_industry : std::vector<std::int32_t>{},
                                                         match_industry ? demand_industry : std::vector<std::uint32_t>{});
}

std::vector<float> CoverageModel::dense_costs(float unlisted) const {
    const std::size_t n = demand.size();
    std::vector<float> d(sites.size() * n, unlisted);
    auto serves = [&](std::size_t j, std::size_t i) {
        return !match_industry || site_industry[j] < 0 || static_cast<std::uint32_t>(site_industry[j]) == demand_industry[i];
    };
    if (matrix) {
        for (std::size_t k = 0; k < matrix->cost.size(); ++k) {
            if (!serves(matrix->destination[k], matrix->origin[k])) continue;
            float& c = d[matrix->destination[k] * n + matrix->origin[k]];
            c = std::min(c, matrix->cost[k]);
        }
        return d;
    }
    for (std::size_t j = 0; j < sites.size(); ++j)
        for (std::size_t i = 0; i < n; ++i)
            if (serves(j, i)) d[j * n + i] = static_cast<float>(std::hypot(sites[j].x - demand[i].x, sites[j].y - demand[i].y));
    return d;
}

OpenSitesCoverage CoverageModel::assess(std::vector<std::uint32_t> open, coverage::Decay decay, double catchment,
                                        const std::atomic<bool>* cancel) const {
    OpenSitesCoverage c;
    c.open = std::move(open);
    const std::size_t n = demand.size();
    c.nearest.assign(n, coverage::unreachable);
    const coverage::Reach pairs = reach(catchment, 0, &c.open, cancel);
    std::vector<double> supply(sites.size(), 0.0);
    for (std::uint32_t j : c.open) supply[j] = capacity[j];
    if (matrix || match_industry) {
        // Costs from the matrix, or only to sites of the point's own industry.
        const std::vector<float> d = dense_costs(std::numeric_limits<float>::infinity());
        for (std::uint32_t j : c.open)
            for (std::size_t i = 0; i < n; ++i) c.nearest[i] = std::min(c.nearest[i], double(d[j * n + i]));
    } else if (!c.open.empty()) {
        std::vector<MetricPoint> pts;
        for (std::uint32_t j : c.open) pts.push_back(sites[j]);
        const coverage::NearestIndex index(pts);
        std::vector<coverage::NearestIndex::Hit> hits(n);
        index.nearest(demand, hits, 0);
        for (std::size_t i = 0; i < n; ++i) c.nearest[i] = hits[i].distance;
    }
    detail::throw_if_cancelled(cancel);
    c.ratios = coverage::site_ratios(pairs, supply, workers, decay, catchment);
    c.access = coverage::accessibility(pairs, c.ratios, n, decay, catchment);
    return c;
}

}  // namespace tisheng
