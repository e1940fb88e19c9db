// The scenario: one YAML file that names the data, the programme's rules,
// the budgets and the run settings. Loading is strict and reports every
// problem at once, each with file:line:column and the field's path.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "tisheng/behaviour.hpp"
#include "tisheng/calendar.hpp"
#include "tisheng/error.hpp"
#include "tisheng/io.hpp"
#include "tisheng/planning.hpp"
#include "tisheng/programme.hpp"
#include "tisheng/region.hpp"
#include "tisheng/sites.hpp"

namespace tisheng {

struct RunSettings {
    std::uint64_t seed = 1;
    int replications = 1000;
    Date start;
    Date end;
    Date report_date;
};

/// Everything a run needs, immutable once loaded.
struct Scenario {
    std::filesystem::path file;  ///< the YAML file
    std::string name;
    std::string title;
    std::string hash;            ///< FNV-1a of the file bytes plus overrides
    RunSettings run;
    Region region;
    Sites sites;
    Programme programme;
    Budgets budgets;
    Behaviour behaviour;
    CoverageSettings coverage;
    std::shared_ptr<const coverage::CostMatrix> cost_matrix;  ///< read from coverage.cost_matrix, if set
    SitingSettings siting;
    std::vector<std::string> overrides;  ///< --set lines applied, in order
};

struct LoadOptions {
    std::vector<std::string> overrides;  ///< "path.to.key=value"
    bool load_data = true;               ///< false: read the YAML only
    /// Take the region, sites and cost matrix of this scenario, loaded from
    /// the same file, instead of reading the data files again (a sweep's
    /// variants, whose overrides never name data files).
    const Scenario* data_from = nullptr;
};

/// Loads and validates. Throws InvalidInput with every problem found
/// (warnings included) if any is an error; `warnings` receives the warnings
/// of a successful load.
Scenario load_scenario(const std::filesystem::path& file, const LoadOptions& options = {},
                       Diagnostics* warnings = nullptr);

/// Writes the scenario `file` with `overrides` applied to `target`, through a
/// temporary file and a rename (the target is untouched if anything fails).
/// Without overrides the file is copied byte for byte, comments included;
/// with them it is re-emitted (comments are lost; a header lists the
/// changes). A relative data_dir is rewritten to point at the same folder
/// from the target's folder. Throws InvalidInput if an override is bad.
void save_scenario(const std::filesystem::path& file, const std::vector<std::string>& overrides,
                   const std::filesystem::path& target);

/// "did you mean" helper: the closest candidate within edit distance 2 (or
/// a third of the word), or empty.
std::string closest_match(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace tisheng
