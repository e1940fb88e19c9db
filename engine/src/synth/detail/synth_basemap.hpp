// A synthetic basemap for `tisheng synth`: a muted shaded-relief and
// land/sea GeoTIFF (WGS84) behind a region's schematic boundaries, so the
// viewer's demo has context without any real map data.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "tisheng/geo/geo.hpp"

namespace tisheng::detail {

struct BasemapTown {
    LonLat pos;
    double weight = 1;  ///< share of activity: the size of its built-up area
};

struct BasemapGeography {
    std::vector<LonLat> outline;    ///< the city's hand-drawn outline (WGS84)
    std::vector<BasemapTown> towns;
    LonLat sea_direction;           ///< roughly where the sea lies (lon, lat components): outline edges facing it are coast
};

/// Writes `file` (RGB, DEFLATE, EPSG:4326, about 1024 px on the long side)
/// through a temporary file and a rename; the same pixels for the same
/// geography and seed. Returns `file`.
std::filesystem::path write_synthetic_basemap(const std::filesystem::path& file, const BasemapGeography& g, std::uint64_t seed);

}  // namespace tisheng::detail
