#include <gdal_priv.h>
#include <gtest/gtest.h>
#include <ogr_spatialref.h>

#include <array>

#include "tisheng/geo.hpp"
#include "tisheng/scenario.hpp"
#include "tisheng/synth.hpp"
#include "test_support.hpp"

using namespace tisheng;
using namespace tisheng::test;
namespace fs = std::filesystem;

namespace {

/// A raster's size, georeferencing, CRS and pixels, as GDAL reads them:
/// what must match, whatever bytes another zlib would compress them to.
struct Raster {
    int width = 0, height = 0, bands = 0;
    std::array<double, 6> transform{};
    std::string crs;
    std::vector<std::uint8_t> pixels;  ///< band-interleaved by pixel
};

Raster read_raster(const fs::path& file) {
    GDALAllRegister();
    Raster r;
    GDALDataset* ds = GDALDataset::Open(file.string().c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY);
    if (!ds) return r;
    r.width = ds->GetRasterXSize();
    r.height = ds->GetRasterYSize();
    r.bands = ds->GetRasterCount();
    ds->GetGeoTransform(r.transform.data());
    if (const OGRSpatialReference* s = ds->GetSpatialRef()) r.crs = s->GetAuthorityCode(nullptr) ? s->GetAuthorityCode(nullptr) : "";
    r.pixels.resize(static_cast<std::size_t>(r.width) * static_cast<std::size_t>(r.height) * static_cast<std::size_t>(r.bands));
    if (ds->RasterIO(GF_Read, 0, 0, r.width, r.height, r.pixels.data(), r.width, r.height, GDT_Byte, r.bands, nullptr, r.bands,
                     static_cast<GSpacing>(r.width) * r.bands, 1, nullptr) != CE_None)
        r.pixels.clear();
    GDALClose(ds);
    return r;
}

}  // namespace

// The shipped data is synth's output at scale 1 with the default seed; the
// basemap's pixels and georeferencing (its bytes depend on the zlib build).
TEST(Synth, ShippedDatasetsAreItsOutputAtScaleOne) {
    for (const char* region : {"jiangmen", "quanzhou"}) {
        SCOPED_TRACE(region);
        TempDir d;
        auto files = synthesize({region, 1, SynthOptions{}.seed}, d.path);
        ASSERT_EQ(files.size(), 4u);
        EXPECT_EQ(files.back().filename(), "basemap.tif");
        for (const auto& f : files) {
            fs::path shipped = source_dir() / "datasets" / region / f.filename();
            ASSERT_TRUE(fs::exists(shipped)) << shipped;
            const std::string regenerate = std::string("regenerate with: tisheng synth ") + region + " --out datasets/" + region;
            if (f.extension() == ".tif") {
                const Raster a = read_raster(f), b = read_raster(shipped);
                ASSERT_FALSE(a.pixels.empty()) << f;
                EXPECT_EQ(a.width, b.width);
                EXPECT_EQ(a.height, b.height);
                EXPECT_EQ(a.bands, b.bands);
                EXPECT_EQ(a.transform, b.transform);
                EXPECT_EQ(a.crs, b.crs);
                EXPECT_TRUE(a.pixels == b.pixels) << f.filename() << "'s pixels differ from the shipped file's; " << regenerate;
                continue;
            }
            EXPECT_TRUE(slurp(f) == slurp(shipped)) << f.filename() << " differs from the shipped file; " << regenerate;
        }
    }
}

// The synthetic basemap: WGS84 RGB over the region and a margin, the same
// bytes for the same seed, relief that the seed changes, sea and land.
TEST(Synth, BasemapIsDeterministicCoversTheRegionAndHasSeaAndLand) {
    TempDir a, b, c;
    synthesize({"quanzhou", 0.05, 7}, a.path);
    synthesize({"quanzhou", 0.05, 7}, b.path);
    synthesize({"quanzhou", 0.05, 8}, c.path);
    EXPECT_TRUE(slurp(a / "basemap.tif") == slurp(b / "basemap.tif")) << "the same seed wrote different bytes";
    const Raster ra = read_raster(a / "basemap.tif"), rc = read_raster(c / "basemap.tif");
    ASSERT_FALSE(ra.pixels.empty());
    EXPECT_EQ(ra.crs, "4326");
    EXPECT_EQ(ra.bands, 3);
    EXPECT_EQ(std::max(ra.width, ra.height), 1024);
    EXPECT_FALSE(ra.pixels == rc.pixels) << "another seed, the same relief";
    EXPECT_LT(fs::file_size(a / "basemap.tif"), 600u * 1024u) << "a demo basemap should stay small";

    // Every unit (the shipped ones: the basemap does not depend on the scale) lies inside the raster.
    const Scenario s = load_scenario(source_dir() / "scenarios/quanzhou-baseline.yaml");
    const auto& t = ra.transform;
    for (const Unit& u : s.region.units()) {
        const Box bx = bounds(u.geometry);
        EXPECT_GE(bx.min_x, t[0]);
        EXPECT_LE(bx.max_x, t[0] + t[1] * ra.width);
        EXPECT_LE(bx.max_y, t[3]);
        EXPECT_GE(bx.min_y, t[3] + t[5] * ra.height);
    }
    // Sea (blue above red) off the south-east coast, land at the centre of a county.
    auto pixel = [&](LonLat p) {
        const auto col = static_cast<std::size_t>((p.lon - t[0]) / t[1]), row = static_cast<std::size_t>((p.lat - t[3]) / t[5]);
        const std::size_t i = (row * static_cast<std::size_t>(ra.width) + col) * 3;
        return std::array<int, 3>{ra.pixels[i], ra.pixels[i + 1], ra.pixels[i + 2]};
    };
    const auto sea = pixel({118.95, 24.55}), land = pixel({118.25, 25.35});
    EXPECT_GT(sea[2], sea[0] + 15) << "sea " << sea[0] << "," << sea[1] << "," << sea[2];
    EXPECT_GE(land[1], land[2]) << "land " << land[0] << "," << land[1] << "," << land[2];
    // Muted: light everywhere, so the data stays legible over it.
    std::size_t dark = 0;
    for (std::size_t i = 0; i + 2 < ra.pixels.size(); i += 3) dark += ra.pixels[i] + ra.pixels[i + 1] + ra.pixels[i + 2] < 3 * 150;
    EXPECT_EQ(dark, 0u);
}

TEST(Synth, SeedChangesTheDataAndScaleMultipliesIt) {
    TempDir a, b;
    synthesize({"jiangmen", 1, 1}, a.path);
    synthesize({"jiangmen", 3, 2}, b.path);
    std::string pa = slurp(a / "projects.csv"), pb = slurp(b / "projects.csv");
    EXPECT_NE(pa.substr(0, 2000), pb.substr(0, 2000));
    auto lines = [](const std::string& s) { return std::count(s.begin(), s.end(), '\n') - 1; };
    EXPECT_EQ(lines(pa), 1200);
    EXPECT_EQ(lines(pb), 3600);
}

TEST(Synth, RejectsUnknownRegionAndBadScale) {
    TempDir d;
    EXPECT_THROW(synthesize({"atlantis", 1, 1}, d.path), UsageError);
    EXPECT_THROW(synthesize({"jiangmen", 0, 1}, d.path), UsageError);
    EXPECT_THROW(synthesize({"jiangmen", -2, 1}, d.path), UsageError);
}

// Synthetic data at another scale and seed validates against the baseline
// rules: every site inside its unit, no duplicate ids.
TEST(Synth, ScaledDataValidatesWithTheBaselineScenario) {
    TempDir d;
    synthesize({"quanzhou", 2.5, 99}, d.path);
    LoadOptions o;
    o.overrides = {"data_dir=" + d.path.string()};
    Scenario s = load_scenario(source_dir() / "scenarios/quanzhou-baseline.yaml", o);
    EXPECT_EQ(s.sites.bases.size(), 275u);
    EXPECT_EQ(s.sites.demand.size(), 12500u);
}

TEST(Synth, NationalWritesARunnableScenario) {
    TempDir d;
    auto files = synthesize({"national", 0.01, 5}, d.path);
    Scenario s = load_scenario(d / "scenario.yaml");
    EXPECT_EQ(s.region.units().size(), 2800u);
    EXPECT_EQ(s.sites.projects.size(), 5000u);
}
