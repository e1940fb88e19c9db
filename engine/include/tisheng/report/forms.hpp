// The official tables the notices ask for, in forms/ of a run directory:
// Jiangmen's 情况表 (one per district and one for the city); Quanzhou's
// roster of named bases, funding table and one 申报表 (application form)
// per named base. Each as CSV (UTF-8 with BOM, the same rows as the sheet:
// title, notes, header, rows, footer) and XLSX (A4 page set-up, bold
// header, column widths for Chinese text, frozen and repeated header).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "tisheng/model/scenario.hpp"
#include "tisheng/simulate/simulate.hpp"

namespace tisheng {

/// Where each site stands at the report date, as the forms show it.
struct FormsInput {
    /// Stations (Jiangmen): the StationStatus at run.report_date of every
    /// project of one replication (register projects, then the projects
    /// that arrived during it, as numbered in its status log), or of each
    /// register project (most likely statuses). Bases (Quanzhou): each
    /// candidate's BaseStatus at run.report_date.
    std::vector<std::uint8_t> status;
    /// Stations, per entry of `status`: the register project it is or
    /// copies (Trajectory::project_slot). Empty: `status` covers the
    /// register projects only.
    std::vector<std::uint32_t> project_slot;
    /// Per candidate base: the day it was named (or `never`), the city
    /// grant, demonstration or not; empty for a stations programme.
    std::vector<std::int32_t> base_named_on;
    std::vector<float> base_grant_cny;
    std::vector<std::uint8_t> base_demonstration;
    /// What the statuses are, for the report: "replication 17
    /// (representative ...)", "replication 3", "most likely".
    std::string source;
    /// The replication the forms show; -1 for the most likely statuses of
    /// a stations programme.
    std::int64_t replication = -1;
    /// True when `replication` is Results::representative_replication.
    bool representative = false;
};

/// The forms input of replication `k` (statuses from its status log; every
/// station, those on projects that arrived during the replication too).
FormsInput forms_from_replication(const Simulator& sim, std::uint64_t k);
/// The same from a replication already run (a run's store keeps a few).
FormsInput forms_from_replay(const Scenario& s, const Replay& rp);
/// The default: Results::representative_replication, the one whose city
/// count at the report date (stations 已建 and in use, or bases named) is
/// nearest the median.
FormsInput forms_representative(const Simulator& sim, const Results& r);
/// The same from the representative replication already run (`rp`).
FormsInput forms_representative(const Scenario& s, const Results& r, const Replay& rp);
/// Stations: the most likely status of each register project across the
/// replications of `r` at the report date (needs
/// MonteCarloOptions::site_status), so the table as a whole is no one
/// replication's outcome. Bases: as forms_representative (names, grants
/// and flags must be one replication's consistent set).
FormsInput forms_most_likely(const Simulator& sim, const Results& r);
/// The same without a simulator: bases take `representative` (the
/// representative replication, already run).
FormsInput forms_most_likely(const Scenario& s, const Results& r, const Replay& representative);

/// Writes forms/ into `dir` (each file through a temporary file and a
/// rename); personal data masked unless `unmasked`. Returns the files written.
std::vector<std::filesystem::path> write_forms(const Scenario& s, const FormsInput& in, const std::filesystem::path& dir,
                                               bool unmasked);

/// 属性 and 类别 as the Quanzhou notice words them: 政府办 / 行业、企业办 /
/// 其它; A生产制造及智能制造, B生产、运输设备操作, C商业、服务, D其他.
std::string attribute_zh(BaseAttribute a);
std::string category_zh(char category);

}  // namespace tisheng
