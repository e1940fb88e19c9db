// GDAL set-up shared by the files that talk to GDAL.
#pragma once

#include <filesystem>
#include <string>

namespace tisheng::detail {

/// Registers GDAL's drivers once and routes its messages into our errors.
void ensure_gdal();
/// GDAL's last error message, or a placeholder.
std::string last_gdal_error();
/// `<dir>/.<stem>.tmp-<pid><ext>` beside `target`, for write-then-rename.
std::filesystem::path temp_sibling(const std::filesystem::path& target);

}  // namespace tisheng::detail
