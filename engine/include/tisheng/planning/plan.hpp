// Siting on a scenario: the location model of its programme (candidates,
// costs per payer, budgets, unit minimums, quotas), solved, explained and
// written as a plan (plan.gpkg, plan.csv, plan.json).
//
// Stations (Jiangmen): candidates are the eligible projects (an on-site
// station) and the off-project sites; each costs its set-up (floor area at
// the standard's minimum x cost per m², plus equipment), split by the
// set-up shares. A target named by siting.unit_minimums sets the least
// number of stations per district.
// Bases (Quanzhou): candidates are the eligible bases, each as a standard
// or a demonstration base (at most one of the two); each costs the city its
// grant tier and its county union the match. The programme's quota sets p
// (30) and exactly `demonstration` (10) demonstration bases; each focus
// industry gets at least one base.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "tisheng/planning/coverage_model.hpp"
#include "tisheng/siting/siting.hpp"

namespace tisheng {

struct Scenario;

struct SitingModel {
    CoverageModel coverage;
    siting::Problem problem;
    std::vector<std::uint32_t> site;      ///< per candidate: its coverage-model site
    std::vector<std::string> variant;     ///< per candidate: "station", "standard", "demonstration"
    std::vector<std::string> budget_payer;  ///< per budget: the payer id

    /// Throws InputError naming the siting.* field (p larger than the
    /// candidates, an unknown required id, no candidate within a budget).
    /// `cancel`, polled while the pairs within reach are found: set, it
    /// throws Cancelled.
    explicit SitingModel(const Scenario& s, const std::atomic<bool>* cancel = nullptr);
};

struct SitingOptions {
    bool exact = false;     ///< solve with the MIP (CBC) instead of the heuristic
    std::uint64_t seed = 0; ///< 0: the scenario's seed
    int threads = 0;
    double time_limit_s = 0;  ///< 0: siting.time_limit_s
    /// Polled by the solvers and between their steps: set, make_plan throws
    /// Cancelled (a running CBC check finishes first: at most siting.time_limit_s).
    const std::atomic<bool>* cancel = nullptr;
};

struct Plan {
    siting::Solution solution;               ///< what the plan is (heuristic, or MIP with --exact)
    std::optional<siting::Solution> check;   ///< default mode: the MIP on small instances, for its gap
    std::vector<siting::DropEffect> effects; ///< per candidate
};

Plan make_plan(const Scenario& s, const SitingModel& model, const SitingOptions& options = {});

/// plan.gpkg (layers plan, candidates, units), plan.csv (UTF-8 with BOM)
/// and plan.json in `dir`; each file whole or not at all.
void write_plan(const Scenario& s, const SitingModel& model, const Plan& plan, const std::filesystem::path& dir);

}  // namespace tisheng
