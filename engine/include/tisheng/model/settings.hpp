// Scenario settings for coverage (`coverage:`) and siting (`siting:`).
// Plain data; the scenario loader fills and checks them.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "tisheng/coverage/coverage.hpp"
#include "tisheng/siting/siting.hpp"

namespace tisheng {

/// An origin-destination cost matrix from a routing service (CSV:
/// origin_id, destination_id, cost). When given, every distance measure
/// uses it, and radii are in its unit.
struct CostMatrixSpec {
    std::filesystem::path path;
    std::string shown;            ///< as the scenario wrote it, for messages
    std::string unit = "metres";  ///< "metres" or "minutes"
};

struct CoverageSettings {
    std::vector<double> radii{1000, 3000, 5000};  ///< ascending; metres, or the matrix's unit
    /// Bases: workers count as reached only by a base of their own industry.
    bool match_industry = false;
    double cell_m = 100;  ///< coverage.tif / access.tif cell size
    coverage::Decay decay = coverage::Decay::gaussian;
    double catchment = 10000;  ///< 2SFCA catchment (metres or the matrix's unit)
    std::optional<CostMatrixSpec> cost_matrix;
};

struct SitingSettings {
    siting::Objective objective = siting::Objective::max_cover;
    double radius = 3000;  ///< max_cover: reach of a site
    int p = -1;            ///< sites to open, existing ones included; -1: what the budgets allow
    int budget_years = 0;  ///< payers' annual budgets counted over this many years; 0: the run's horizon
    std::string unit_minimums;           ///< a target id: its per-unit required counts become minimums
    std::vector<std::string> required;   ///< candidate ids that must be open
    double time_limit_s = 60;            ///< the exact MIP's time limit
    std::size_t exact_up_to = 400;       ///< default mode also runs the MIP (for the gap) up to this many candidates
};

}  // namespace tisheng
