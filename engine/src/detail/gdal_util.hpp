// GDAL set-up shared by the files that talk to GDAL.
#pragma once

#include <gdal_priv.h>

#include <filesystem>
#include <memory>
#include <string>

namespace tisheng::detail {

/// A dataset closed with GDALClose (which also flushes and frees shared ones).
struct DatasetCloser {
    void operator()(GDALDataset* ds) const { GDALClose(ds); }
};
using DatasetPtr = std::unique_ptr<GDALDataset, DatasetCloser>;

/// Registers GDAL's drivers once and routes its messages into our errors.
void ensure_gdal();
/// GDAL's last error message, or a placeholder.
std::string last_gdal_error();
/// `<dir>/.<stem>.tmp-<pid><ext>` beside `target`, for write-then-rename.
std::filesystem::path temp_sibling(const std::filesystem::path& target);

}  // namespace tisheng::detail
