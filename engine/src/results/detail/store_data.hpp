// data.bin's payload: the data files of a run as the run folder's copies in
// input/ give them (personal columns masked), already parsed: the units,
// the sites and the cost matrix. Opening a store reads it instead of
// parsing the copies again (a national register is 117 MB of CSV and took
// 3.4 s through GDAL); re-running still reads and checks the copies.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "tisheng/model/scenario.hpp"
#include "tisheng/results/run.hpp"

namespace tisheng::detail {

/// A personal value as the copies in input/ hold it (张*明, 138****5678).
std::string mask_personal(const std::string& v, PersonalColumn::Kind kind);

/// The payload, or none when the copies would not load to the same data:
/// a personal column that feeds a field other than a text one (an id, a
/// number), which masking the copy changes in another way.
std::optional<std::string> serialise_data(const Scenario& s);

/// A scenario that holds only the data (region, sites, cost matrix and the
/// files read, as their copies in `dir`, digests from `rec`): the
/// `LoadOptions::data_from` of input/scenario.yaml. Throws InputError
/// naming `shown` and the byte if the payload is damaged, or a file that
/// run.json does not list.
Scenario deserialise_data(std::string_view payload, const std::string& shown, const std::filesystem::path& dir, const RunRecord& rec);

}  // namespace tisheng::detail
