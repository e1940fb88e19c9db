// Plausible synthetic data for a region, deterministic in (region, scale,
// seed). The files in datasets/ are its output at scale 1 with the seed
// recorded in datasets/README.md.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "tisheng/geo/geo.hpp"

namespace tisheng {

struct SynthOptions {
    std::string region;  ///< jiangmen | quanzhou | national
    double scale = 1;    ///< multiplies projects, candidates and demand
    std::uint64_t seed = 20230808;
};

/// The regions synth knows.
std::vector<std::string> synth_regions();

/// The hand-drawn outline of a city synth draws boundaries for (jiangmen,
/// quanzhou), WGS84, closed: what the union of its units covers. Throws
/// UsageError for another region.
Ring<LonLat> synth_outline(const std::string& region);

/// Writes the region's files into `out` (created if missing) and returns
/// their paths: units.geojson, then projects.csv and candidate_sites.csv
/// (stations programmes) or bases.csv and demand.csv (bases programme),
/// then basemap.tif (a synthetic shaded relief, land and sea; not for
/// `national`); `national` also writes scenario.yaml. Throws UsageError for an unknown
/// region or a scale <= 0.
std::vector<std::filesystem::path> synthesize(const SynthOptions& options, const std::filesystem::path& out,
                                              const std::function<void(const std::string&)>& progress = {});

}  // namespace tisheng
