// Every geodata file in or out goes through GDAL/OGR. Readers report each
// bad row with the file, the feature (and CSV line) and the field; writers
// write to a temporary file and rename, so no output is ever half-written.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "tisheng/core/error.hpp"
#include "tisheng/geo/geo.hpp"

namespace tisheng {

/// Where a layer is and how to read it (from a scenario's `path`, `layer`,
/// `coords`, `lon_field`/`lat_field`).
struct LayerSource {
    std::filesystem::path path;  ///< resolved path
    std::string display;         ///< path as the user wrote it, for messages
    std::string layer;           ///< empty: the first layer
    CoordSys coords = CoordSys::wgs84;
    std::string lon_field = "lon";  ///< CSV only
    std::string lat_field = "lat";  ///< CSV only
    /// Where the scenario names each column (its `*_field` key, or the
    /// layer's entry for a default name): a column the file lacks is said
    /// there, since that is what the user changes.
    std::map<std::string, Location> named_at;
};

/// One feature as read: the requested fields as text (nullopt when null or
/// absent), its geometry converted to WGS84, and where it came from.
struct FeatureRow {
    std::int64_t index = 0;  ///< 0-based order in the layer
    int line = 0;            ///< CSV line number (1 = header), else 0
    std::vector<std::optional<std::string>> values;  ///< same order as requested fields
    enum class Geom { none, point, polygon } geom = Geom::none;
    LonLat point;
    MultiPolygon<LonLat> polygons;
    /// "feature 12" or "line 13", plus " (id X)" once the id is known.
    [[nodiscard]] std::string where(const std::string& id = {}) const;
};

/// Reads a vector layer from any source GDAL opens (GeoJSON, GeoPackage,
/// Shapefile, CSV with lon/lat columns). Missing columns among `fields` are
/// reported once as errors in `diag` and the layer is skipped. Text that is
/// not valid UTF-8 is an error naming the row and field. Returns the number
/// of rows passed to `row_fn`; throws InputError if the file cannot be
/// opened at all.
std::size_t read_layer(const LayerSource& src, const std::vector<std::string>& fields,
                       const std::function<void(const FeatureRow&)>& row_fn, Diagnostics& diag);

/// A value in an output attribute table.
using FieldValue = std::variant<std::monostate, std::int64_t, double, std::string>;

struct FieldDef {
    enum class Type { integer, real, text, date };
    std::string name;
    Type type = Type::text;
    int width = 0;  ///< 0 = default
};

enum class GeomKind { none, point, multipolygon };

/// Writes vector layers through an OGR driver ("GPKG", "GeoJSON", "CSV").
/// Everything goes to `<target>.tmp-<pid>` and becomes `target` only on
/// commit(); a writer destroyed without commit() removes its temporary file.
class VectorWriter {
public:
    VectorWriter(std::filesystem::path target, std::string driver);
    ~VectorWriter();
    VectorWriter(const VectorWriter&) = delete;
    VectorWriter& operator=(const VectorWriter&) = delete;

    /// Starts a layer in EPSG:4326 (lon/lat). `options` are OGR layer
    /// creation options ("COORDINATE_PRECISION=7").
    void begin_layer(const std::string& name, GeomKind geom, const std::vector<FieldDef>& fields,
                     const std::vector<std::string>& options = {});
    void add(const std::vector<FieldValue>& values);
    void add(LonLat point, const std::vector<FieldValue>& values);
    void add(const MultiPolygon<LonLat>& geom, const std::vector<FieldValue>& values);
    /// Closes the dataset and renames it into place.
    void commit();

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

/// check_input_file for a layer that read_layer streams: a folder passes (a
/// Shapefile set), and files up to 64 GiB.
void check_layer_file(const LayerSource& src);

}  // namespace tisheng
