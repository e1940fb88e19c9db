// GDAL set-up shared by the files that talk to GDAL.
#pragma once

#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include <filesystem>
#include <memory>
#include <string>

namespace tisheng::detail {

/// A dataset closed with GDALClose (which also flushes and frees shared ones).
struct DatasetCloser {
    void operator()(GDALDataset* ds) const { GDALClose(ds); }
};
using DatasetPtr = std::unique_ptr<GDALDataset, DatasetCloser>;

// Features: GDAL's own OGRFeatureUniquePtr (OGRFeature::DestroyFeature),
// e.g. `while (OGRFeatureUniquePtr f{layer->GetNextFeature()})`.

/// The layer of an ExecuteSQL result, released on every way out of its scope.
class ResultSet {
public:
    ResultSet(GDALDataset& ds, const std::string& sql) : m_ds(&ds), m_layer(ds.ExecuteSQL(sql.c_str(), nullptr, nullptr)) {}
    ~ResultSet() {
        if (m_layer) m_ds->ReleaseResultSet(m_layer);
    }
    ResultSet(const ResultSet&) = delete;
    ResultSet& operator=(const ResultSet&) = delete;
    /// Null when the statement failed or returns no rows (a PRAGMA that sets).
    [[nodiscard]] OGRLayer* get() const { return m_layer; }

private:
    GDALDataset* m_ds;
    OGRLayer* m_layer;
};

/// Registers GDAL's drivers once and routes its messages into our errors.
void ensure_gdal();
/// GDAL's last error message, or a placeholder.
std::string last_gdal_error();

}  // namespace tisheng::detail
