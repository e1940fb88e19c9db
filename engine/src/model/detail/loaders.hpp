// Reading the scenario's layers into the domain types, with field mapping.
#pragma once

#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tisheng/core/error.hpp"
#include "tisheng/coverage/coverage.hpp"
#include "tisheng/io/layers.hpp"
#include "tisheng/model/region.hpp"
#include "tisheng/model/sites.hpp"

namespace tisheng {
struct Scenario;
}

namespace tisheng::detail {

/// A layer and the source column of each logical field ("" = not present).
struct LayerSpec {
    LayerSource source;
    std::map<std::string, std::string> columns;
    Location where;  ///< the scenario's `path:` of the layer, for "file not found"
    const std::atomic<bool>* cancel = nullptr;  ///< polled every row: set, the read throws Cancelled
};

/// Logical fields of each kind of layer, in order; the first is the id.
const std::vector<std::string>& unit_fields();
const std::vector<std::string>& project_fields();
const std::vector<std::string>& station_fields();
const std::vector<std::string>& base_fields();
const std::vector<std::string>& demand_fields();
/// Logical fields that may be mapped to "" (absent).
bool is_optional_field(const std::string& field);

std::vector<Unit> load_units(const LayerSpec& spec, Diagnostics& diag);
/// Site loaders locate each site in `region` (error if outside every unit)
/// and report duplicate ids.
std::vector<Project> load_projects(const LayerSpec& spec, const Region& region, Diagnostics& diag);
std::vector<CandidateSite> load_stations(const LayerSpec& spec, const Region& region, Diagnostics& diag);
std::vector<CandidateBase> load_bases(const LayerSpec& spec, const Region& region, Diagnostics& diag);
std::vector<DemandPoint> load_demand(const LayerSpec& spec, const Region& region, Diagnostics& diag);

/// Reads the cost matrix the scenario names (errors name its file and
/// line), adding that an on-site station serves its own project at 0.
std::shared_ptr<const coverage::CostMatrix> read_cost_matrix(const Scenario& s);
/// (candidate id, variant) of a plan.csv written by `tisheng site`, in the order of choice.
std::vector<std::pair<std::string, std::string>> read_plan_order(const std::filesystem::path& plan_csv,
                                                                 const std::string& shown = {});

}  // namespace tisheng::detail
