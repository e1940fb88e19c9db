// The official tables the notices ask for, in forms/ of a run directory:
// Jiangmen's 情况表 (one per district and one for the city) and Quanzhou's
// roster of named bases and funding table; each as CSV (UTF-8 with BOM) and
// XLSX (header row, column widths, frozen header).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "tisheng/scenario.hpp"
#include "tisheng/simulate.hpp"

namespace tisheng {

/// Where each site stands at the report date, as the forms show it.
struct FormsInput {
    /// Per register project (Jiangmen): its StationStatus at the report
    /// date; per candidate base (Quanzhou): its BaseStatus at the end.
    std::vector<std::uint8_t> status;
    /// Per candidate base: the day it was named (or `never`), the city
    /// grant, demonstration or not; empty for a stations programme.
    std::vector<std::int32_t> base_named_on;
    std::vector<float> base_grant_cny;
    std::vector<std::uint8_t> base_demonstration;
    /// What the statuses are: "replication 17" or "most likely".
    std::string source;
};

/// The forms input of replication `k` (statuses from its status log).
FormsInput forms_from_replication(const Simulator& sim, std::uint64_t k);
/// The most likely status of each site across the replications of `r`
/// (needs MonteCarloOptions::status_at = the report date); base fields from
/// the median replication.
FormsInput forms_most_likely(const Simulator& sim, const Results& r);

/// Writes forms/ into `dir` (each file through a temporary file and a
/// rename); personal data masked unless `unmasked`. Returns the files written.
std::vector<std::filesystem::path> write_forms(const Scenario& s, const FormsInput& in, const std::filesystem::path& dir,
                                               bool unmasked);

}  // namespace tisheng
