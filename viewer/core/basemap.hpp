// Basemaps from local files, drawn under the data (docs/basemap.md): any
// raster GDAL reads (GeoTIFF, MBTiles, GeoPackage tiles...) warped on demand
// into the viewer's world CRS (the region's metric CRS) as RGBA images, and
// vector layers (roads, rivers) read once as world line segments. No GL and
// no network: the renderer uploads what these return. GDAL stays in the .cpp.
//   [SOURCES] opening files, told apart by what GDAL finds in them
//   [RENDER]  warping rasters into a world rectangle
//   [CACHE]   which tile a view needs, and when the one shown still serves
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/camera.hpp"
#include "core/legend.hpp"
#include "tisheng/geo/geo.hpp"

namespace tisheng::view {

/// RGBA pixels, row 0 at the top (north); straight, not premultiplied, alpha.
struct Image {
    int width = 0, height = 0;
    std::vector<Rgba> pixels;
    [[nodiscard]] Rgba at(int x, int y) const {
        return pixels[static_cast<std::size_t>(y) * static_cast<std::size_t>(width) + static_cast<std::size_t>(x)];
    }
};

// [SOURCES]

/// A raster basemap opened: where it lies in the world CRS and how fine it is.
struct RasterSource {
    std::filesystem::path file;
    tisheng::Box world;           ///< its extent in the world CRS
    double metres_per_pixel = 0;  ///< its finest resolution near its centre, world metres
    double low = 0, high = 255;   ///< values stretched to black..white (non-byte single bands, e.g. a DEM)
    std::string summary;          ///< "GTiff, 1024 x 812 px, 3 bands, WGS 84", for the Messages panel
};

enum class LineKind : std::uint8_t { road, water };

/// Vector layers as line segments in the world CRS.
struct BasemapLines {
    std::vector<Vec2> points;    ///< segment k runs from points[2k] to points[2k + 1]
    std::vector<LineKind> kind;  ///< per segment
};

/// The basemap files of a view, opened.
struct Basemaps {
    std::string world_wkt;              ///< the CRS everything here is in
    std::vector<RasterSource> rasters;  ///< composited in order, the first at the bottom
    BasemapLines lines;
    std::vector<std::string> messages;  ///< a line a file: what was read, or why not (naming it)
    [[nodiscard]] bool empty() const { return rasters.empty() && lines.kind.empty(); }
};

/// `basemap.tif` and `basemap.gpkg` in the folders of `data_files` (a
/// scenario's data), those that exist, each once.
std::vector<std::filesystem::path> default_basemaps(const std::vector<std::filesystem::path>& data_files);

/// Opens a raster. Throws InputError naming the file when GDAL cannot read
/// it, it holds no raster, or it has no CRS (or none that reaches the world CRS).
RasterSource open_raster(const std::filesystem::path& file, const std::string& world_wkt);
/// Every line and polygon ring of a vector file in the world CRS; OSM
/// layers (a `highway`, `waterway` or `natural` field) keep only roads and
/// water. Throws InputError naming the file (and layer) as open_raster does.
BasemapLines read_lines(const std::filesystem::path& file, const std::string& world_wkt);
/// Opens each file as a raster, as vector layers or both, as GDAL finds
/// them. Never throws: a file that fails becomes a message naming it.
Basemaps open_basemaps(const std::vector<std::filesystem::path>& files, const std::string& world_wkt);

// [RENDER]

/// The rasters warped into `world` (world CRS) at width x height pixels and
/// composited in order; transparent where none has data (nodata, alpha,
/// outside). Reads the overview that fits the pixel size. Throws InputError
/// naming a file GDAL fails on; Error("cancelled") when `cancel` turns true.
Image render_basemap(const std::vector<RasterSource>& rasters, const std::string& world_wkt, const tisheng::Box& world, int width,
                     int height, const std::atomic<bool>* cancel = nullptr);

// [CACHE]

/// A rendered piece of basemap: texels of 2^level world metres over a world
/// rectangle snapped to a grid of 256 texels.
struct Tile {
    int level = 0;
    tisheng::Box world;
    int width = 0, height = 0;  ///< texels; 0 when the view shows none of the data
    [[nodiscard]] bool empty() const { return width <= 0 || height <= 0; }
};
bool operator==(const Tile& a, const Tile& b);

constexpr int tile_grid = 256;        ///< texels of a grid cell
constexpr double tile_margin = 0.25;  ///< rendered beyond the view on each side, a share of its size
constexpr int max_tile_side = 4096;   ///< texels; GL 3.3 guarantees 1024, every driver in use gives 4096+

/// The texel level a view needs: 2^level near its metres per pixel
/// (rounded in log scale), never finer than half the data's own resolution.
int tile_level(double metres_per_pixel, double data_metres_per_pixel);
/// The tile to render for a view of `data` (the rasters' extent): the view
/// grown by tile_margin, clipped to the data, snapped outwards to the grid.
Tile tile_for(const Rect& visible_world, double metres_per_pixel, const tisheng::Box& data, double data_metres_per_pixel);

/// Keeps the tile shown and says when the view has left it: re-rendered when
/// the view leaves the tile's extent or the zoom changes level (a factor of
/// 2 in metres per pixel), not on every pan or zoom step.
class TileCache {
public:
    /// The data the tiles come from (rasters' extent and finest resolution); forgets the tile shown.
    void reset(const tisheng::Box& data, double data_metres_per_pixel);
    /// A tile to render when the one shown does not serve this view, else nullopt.
    [[nodiscard]] std::optional<Tile> needed(const Rect& visible_world, double metres_per_pixel) const;
    /// The tile now shown (or failed: not asked for again while the view stays in it).
    void shown(const Tile& t) { m_shown = t; }
    [[nodiscard]] const std::optional<Tile>& shown() const { return m_shown; }

private:
    tisheng::Box m_data;
    double m_data_mpp = 0;
    bool m_has_data = false;
    std::optional<Tile> m_shown;
};

}  // namespace tisheng::view
