// The basemap's plain functions (viewer/core/basemap.hpp): rasters written
// here with GDAL (known colours in known places, WGS84) warped into a
// region's UTM zone, vector lines, errors that name the file, and the tile
// cache. No window.
#include <gtest/gtest.h>

#include <cpl_string.h>
#include <gdal_priv.h>
#include <ogr_spatialref.h>

#include <algorithm>
#include <cmath>
#include <functional>

#include "core/basemap.hpp"
#include "test_support.hpp"
#include "tisheng/core/error.hpp"
#include "tisheng/geo/geo.hpp"

namespace {

namespace fs = std::filesystem;
namespace tv = tisheng::view;
using tisheng::LonLat;
using tisheng::test::TempDir;

// The test raster: lon 118..119, lat 24..25, 200 x 200 pixels.
constexpr double k_lon0 = 118, k_lat1 = 25, k_step = 1.0 / 200;
constexpr int k_side = 200;

const tisheng::MetricCrs& utm() {
    static const tisheng::MetricCrs crs = tisheng::MetricCrs::utm_for({118.5, 24.5});
    return crs;
}

/// Writes a GeoTIFF of `bands` bands of `type`; `value(band, col, row)` gives each pixel.
void write_tiff(const fs::path& file, int bands, GDALDataType type, const std::function<double(int, int, int)>& value, bool with_crs = true,
                const std::function<void(GDALDataset&)>& extra = {}) {
    GDALAllRegister();
    GDALDriver* gtiff = GetGDALDriverManager()->GetDriverByName("GTiff");
    ASSERT_NE(gtiff, nullptr);
    GDALDataset* ds = gtiff->Create(file.string().c_str(), k_side, k_side, bands, type, nullptr);
    ASSERT_NE(ds, nullptr);
    double gt[6] = {k_lon0, k_step, 0, k_lat1, 0, -k_step};
    ds->SetGeoTransform(gt);
    if (with_crs) {
        OGRSpatialReference wgs84;
        wgs84.importFromEPSG(4326);
        ds->SetSpatialRef(&wgs84);
    }
    std::vector<double> row(k_side);
    for (int b = 1; b <= bands; ++b)
        for (int r = 0; r < k_side; ++r) {
            for (int c = 0; c < k_side; ++c) row[static_cast<std::size_t>(c)] = value(b, c, r);
            ASSERT_EQ(ds->GetRasterBand(b)->RasterIO(GF_Write, 0, r, k_side, 1, row.data(), k_side, 1, GDT_Float64, 0, 0, nullptr), CE_None);
        }
    if (extra) extra(*ds);
    GDALClose(ds);
}

/// A render of the whole test raster and 10 km around it, 2 px per km or so.
struct Render {
    tv::RasterSource source;
    tisheng::Box world;
    tv::Image image;
    [[nodiscard]] tv::Rgba at(LonLat p) const {
        const tisheng::MetricPoint m = utm().forward(p);
        const double res = (world.max_x - world.min_x) / image.width;
        const int col = static_cast<int>(std::floor((m.x - world.min_x) / res));
        const int row = static_cast<int>(std::floor((world.max_y - m.y) / res));
        return image.at(col, row);
    }
};

Render render(const fs::path& file) {
    Render r;
    r.source = tv::open_raster(file, utm().wkt());
    const tisheng::Box& b = r.source.world;
    r.world = {b.min_x - 10000, b.min_y - 10000, b.max_x + 10000, b.max_y + 10000};
    const double res = 500;  // metres a pixel, square
    const int w = static_cast<int>(std::ceil((r.world.max_x - r.world.min_x) / res));
    const int h = static_cast<int>(std::ceil((r.world.max_y - r.world.min_y) / res));
    r.world.max_x = r.world.min_x + w * res;
    r.world.min_y = r.world.max_y - h * res;
    r.image = tv::render_basemap({r.source}, utm().wkt(), r.world, w, h);
    return r;
}

std::string rgba(tv::Rgba c) {
    return "rgba(" + std::to_string(c.r) + ", " + std::to_string(c.g) + ", " + std::to_string(c.b) + ", " + std::to_string(c.a) + ")";
}

#define EXPECT_RGBA(got, r_, g_, b_, a_)                                                        \
    do {                                                                                        \
        const tv::Rgba g__ = (got);                                                             \
        EXPECT_TRUE(g__.r == (r_) && g__.g == (g_) && g__.b == (b_) && g__.a == (a_)) << rgba(g__); \
    } while (0)

TEST(ViewCoreBasemap, WarpRgba_quadrantColoursWhereTheyLie_transparentOutsideAndWhereAlphaIsZero) {
    TempDir d;
    const fs::path file = d / "quadrants.tif";
    // NW red, NE green, SW blue, SE alpha 0 (its colour must not show).
    write_tiff(file, 4, GDT_Byte, [](int band, int c, int r) {
        const bool west = c < k_side / 2, north = r < k_side / 2;
        const int quadrant = north ? (west ? 0 : 1) : (west ? 2 : 3);
        static const int colours[4][4] = {{220, 30, 30, 255}, {30, 200, 60, 255}, {40, 60, 210, 255}, {250, 250, 0, 0}};
        return colours[quadrant][band - 1];
    }, true, [](GDALDataset& ds) { ds.GetRasterBand(4)->SetColorInterpretation(GCI_AlphaBand); });
    const Render r = render(file);

    // The extent in UTM holds the corners' projections.
    for (const LonLat corner : {LonLat{118, 24}, LonLat{119, 24}, LonLat{118, 25}, LonLat{119, 25}}) {
        const tisheng::MetricPoint m = utm().forward(corner);
        EXPECT_GE(m.x, r.source.world.min_x - 1);
        EXPECT_LE(m.x, r.source.world.max_x + 1);
        EXPECT_GE(m.y, r.source.world.min_y - 1);
        EXPECT_LE(m.y, r.source.world.max_y + 1);
    }
    EXPECT_NEAR(r.source.metres_per_pixel, 530, 40);  // 1/200 degree near 24.5 N
    ASSERT_GT(r.image.width, 0);
    EXPECT_RGBA(r.at({118.25, 24.75}), 220, 30, 30, 255);
    EXPECT_RGBA(r.at({118.75, 24.75}), 30, 200, 60, 255);
    EXPECT_RGBA(r.at({118.25, 24.25}), 40, 60, 210, 255);
    EXPECT_EQ(r.at({118.75, 24.25}).a, 0) << "alpha 0 in the source";
    EXPECT_EQ(r.at({117.96, 24.5}).a, 0) << "west of the raster";
    EXPECT_EQ(r.at({118.5, 25.04}).a, 0) << "north of the raster";
    // The image's corners lie outside the raster.
    EXPECT_EQ(r.image.at(0, 0).a, 0);
    EXPECT_EQ(r.image.at(r.image.width - 1, r.image.height - 1).a, 0);
}

TEST(ViewCoreBasemap, WarpGreyWithNodata_greyAndTransparentHoles) {
    TempDir d;
    const fs::path file = d / "grey.tif";
    // Grey 180, with a nodata (0) block in the north-east quadrant.
    write_tiff(file, 1, GDT_Byte, [](int, int c, int r) { return c >= 120 && c < 180 && r >= 20 && r < 80 ? 0.0 : 180.0; }, true,
               [](GDALDataset& ds) { ds.GetRasterBand(1)->SetNoDataValue(0); });
    const Render r = render(file);
    EXPECT_RGBA(r.at({118.3, 24.3}), 180, 180, 180, 255);
    EXPECT_EQ(r.at({118.75, 24.75}).a, 0) << "nodata";
}

TEST(ViewCoreBasemap, WarpPalette_expandedToItsColours) {
    TempDir d;
    const fs::path file = d / "palette.tif";
    write_tiff(file, 1, GDT_Byte, [](int, int c, int) { return c < k_side / 2 ? 1.0 : 2.0; }, true, [](GDALDataset& ds) {
        GDALColorTable table;
        const GDALColorEntry none{0, 0, 0, 0}, land{200, 190, 150, 255}, sea{150, 190, 230, 255};
        table.SetColorEntry(0, &none);
        table.SetColorEntry(1, &land);
        table.SetColorEntry(2, &sea);
        ds.GetRasterBand(1)->SetColorTable(&table);
        ds.GetRasterBand(1)->SetColorInterpretation(GCI_PaletteIndex);
    });
    const Render r = render(file);
    EXPECT_RGBA(r.at({118.25, 24.5}), 200, 190, 150, 255);
    EXPECT_RGBA(r.at({118.75, 24.5}), 150, 190, 230, 255);
}

TEST(ViewCoreBasemap, WarpFloatElevation_stretchedFromItsMinimumToItsMaximum) {
    TempDir d;
    const fs::path file = d / "dem.tif";
    // 0 m in the west half, 1000 m in the east half, 500 m in a middle strip.
    write_tiff(file, 1, GDT_Float32, [](int, int c, int) { return c < 80 ? 0.0 : c < 120 ? 500.0 : 1000.0; });
    const Render r = render(file);
    EXPECT_RGBA(r.at({118.1, 24.5}), 0, 0, 0, 255);
    EXPECT_RGBA(r.at({118.9, 24.5}), 255, 255, 255, 255);
    const tv::Rgba mid = r.at({118.5, 24.5});
    EXPECT_NEAR(mid.r, 128, 1) << rgba(mid);
}

TEST(ViewCoreBasemap, RasterWithoutCrs_errorNamesTheFile) {
    TempDir d;
    const fs::path file = d / "no-crs.tif";
    write_tiff(file, 1, GDT_Byte, [](int, int, int) { return 7.0; }, false);
    try {
        (void)tv::open_raster(file, utm().wkt());
        FAIL() << "a raster without a CRS was opened";
    } catch (const tisheng::InputError& e) {
        EXPECT_EQ(e.problem().where.file, file.string());
        EXPECT_NE(std::string(e.what()).find(file.string()), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("no CRS"), std::string::npos) << e.what();
    }
}

TEST(ViewCoreBasemap, UnreadableAndMissingFiles_errorsNameThem_openBasemapsNeverThrows) {
    TempDir d;
    const fs::path junk = d / "junk.tif", missing = d / "missing.tif", no_crs = d / "no-crs.tif", good = d / "good.tif";
    tisheng::test::write(junk, "this is not a raster\n");
    write_tiff(no_crs, 1, GDT_Byte, [](int, int, int) { return 7.0; }, false);
    write_tiff(good, 3, GDT_Byte, [](int, int, int) { return 99.0; });
    for (const fs::path& f : {junk, missing}) {
        try {
            (void)tv::open_raster(f, utm().wkt());
            ADD_FAILURE() << f << " was opened";
        } catch (const tisheng::InputError& e) {
            EXPECT_NE(std::string(e.what()).find(f.string()), std::string::npos) << e.what();
        }
    }
    const tv::Basemaps b = tv::open_basemaps({junk, missing, no_crs, good}, utm().wkt());
    ASSERT_EQ(b.messages.size(), 4u);
    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_NE(b.messages[i].find("error"), std::string::npos) << b.messages[i];
        EXPECT_NE(b.messages[i].find(std::vector<fs::path>{junk, missing, no_crs}[i].string()), std::string::npos) << b.messages[i];
    }
    EXPECT_EQ(b.messages[3].find("error"), std::string::npos) << b.messages[3];
    ASSERT_EQ(b.rasters.size(), 1u);
    EXPECT_EQ(b.rasters[0].file, good);
}

TEST(ViewCoreBasemap, VectorLines_inTheWorldCrs_riversAreWater_osmKeepsRoadsAndWater) {
    TempDir d;
    const fs::path rivers = d / "rivers.geojson", osm = d / "osm.geojson";
    tisheng::test::write(rivers, R"({"type": "FeatureCollection", "features": [
      {"type": "Feature", "properties": {}, "geometry": {"type": "LineString", "coordinates": [[118.1, 24.1], [118.2, 24.3], [118.4, 24.35]]}}]})");
    tisheng::test::write(osm, R"({"type": "FeatureCollection", "features": [
      {"type": "Feature", "properties": {"highway": "primary", "waterway": null, "natural": null},
       "geometry": {"type": "LineString", "coordinates": [[118.5, 24.5], [118.6, 24.6]]}},
      {"type": "Feature", "properties": {"highway": null, "waterway": null, "natural": "water"},
       "geometry": {"type": "Polygon", "coordinates": [[[118.7, 24.7], [118.8, 24.7], [118.8, 24.8], [118.7, 24.7]]]}},
      {"type": "Feature", "properties": {"highway": null, "waterway": null, "natural": null, "building": "yes"},
       "geometry": {"type": "LineString", "coordinates": [[118.9, 24.9], [118.95, 24.95]]}}]})");
    const tv::BasemapLines r = tv::read_lines(rivers, utm().wkt());
    ASSERT_EQ(r.kind.size(), 2u);
    ASSERT_EQ(r.points.size(), 4u);
    EXPECT_TRUE(std::all_of(r.kind.begin(), r.kind.end(), [](tv::LineKind k) { return k == tv::LineKind::water; }));
    const LonLat expect[4] = {{118.1, 24.1}, {118.2, 24.3}, {118.2, 24.3}, {118.4, 24.35}};
    for (std::size_t i = 0; i < 4; ++i) {
        const tisheng::MetricPoint m = utm().forward(expect[i]);
        EXPECT_NEAR(r.points[i].x, m.x, 0.01);
        EXPECT_NEAR(r.points[i].y, m.y, 0.01);
    }
    const tv::BasemapLines o = tv::read_lines(osm, utm().wkt());
    ASSERT_EQ(o.kind.size(), 1u + 3u) << "the road's segment and the lake's three edges; not the building";
    EXPECT_EQ(o.kind[0], tv::LineKind::road);
    EXPECT_EQ(std::count(o.kind.begin(), o.kind.end(), tv::LineKind::water), 3);

    const tv::Basemaps b = tv::open_basemaps({rivers}, utm().wkt());
    EXPECT_TRUE(b.rasters.empty());
    EXPECT_EQ(b.lines.kind.size(), 2u);
}

TEST(ViewCoreBasemap, DefaultBasemaps_besideTheDataFiles_eachOnce) {
    TempDir d;
    fs::create_directories(d / "data");
    tisheng::test::write(d / "data" / "units.geojson", "{}");
    tisheng::test::write(d / "data" / "basemap.tif", "x");
    tisheng::test::write(d / "basemap.gpkg", "x");  // not beside any data file
    const auto found = tv::default_basemaps({d / "data" / "units.geojson", d / "data" / "projects.csv"});
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0], (d / "data" / "basemap.tif").lexically_normal());
}

// [CACHE]

const tisheng::Box k_data{0, 2000000, 1000000, 3000000};  // 1000 km square
constexpr double k_data_mpp = 100;

bool covers(const tisheng::Box& outer, const tv::Rect& r) {
    return outer.min_x <= r.x && outer.min_y <= r.y && outer.max_x >= r.x + r.w && outer.max_y >= r.y + r.h;
}

TEST(ViewCoreBasemapCache, TileFor_coversTheViewWithAMargin_snappedToTheGrid) {
    const tv::Rect view{450000, 2650000, 1200 * 64.0, 800 * 64.0};  // 1200 x 800 px at 64 m
    const tv::Tile t = tv::tile_for(view, 64, k_data, 1);
    EXPECT_EQ(t.level, 6);
    const double texel = 64, cell = texel * tv::tile_grid;
    EXPECT_TRUE(covers(t.world, {view.x - 0.25 * view.w, view.y - 0.25 * view.h, 1.5 * view.w, 1.5 * view.h}));
    for (const double v : {t.world.min_x, t.world.min_y, t.world.max_x, t.world.max_y}) EXPECT_DOUBLE_EQ(v / cell, std::round(v / cell)) << v;
    EXPECT_EQ(t.width, static_cast<int>((t.world.max_x - t.world.min_x) / texel));
    EXPECT_EQ(t.height, static_cast<int>((t.world.max_y - t.world.min_y) / texel));
}

TEST(ViewCoreBasemapCache, TileFor_clippedToTheData_emptyWhenTheViewMissesIt) {
    const tv::Rect far{2000000, 2650000, 120000, 80000};
    EXPECT_TRUE(tv::tile_for(far, 100, k_data, k_data_mpp).empty());
    const tv::Rect whole{-600000, 1500000, 1200 * 2000.0, 800 * 2000.0};  // zoomed far out: the data is inside
    const tv::Tile t = tv::tile_for(whole, 2000, k_data, k_data_mpp);
    ASSERT_FALSE(t.empty());
    const double cell = std::ldexp(1.0, t.level) * tv::tile_grid;
    EXPECT_LE(t.world.max_x - t.world.min_x, k_data.max_x - k_data.min_x + 2 * cell);
}

TEST(ViewCoreBasemapCache, Level_nearTheViewNeverFinerThanTheData_sideCapped) {
    EXPECT_EQ(tv::tile_level(64, 1), 6);
    EXPECT_EQ(tv::tile_level(80, 1), 6);   // log2 80 = 6.3
    EXPECT_EQ(tv::tile_level(100, 1), 7);  // log2 100 = 6.6
    EXPECT_EQ(tv::tile_level(2, 150), 7) << "zoomed in past the data: texels of 128 m, the GPU magnifies";
    const tv::Tile huge = tv::tile_for({0, 0, 20000 * 1.0, 20000 * 1.0}, 1, {0, 0, 1e6, 1e6}, 0.5);
    EXPECT_LE(huge.width, tv::max_tile_side);
    EXPECT_LE(huge.height, tv::max_tile_side);
}

TEST(ViewCoreBasemapCache, PanInsideTheMarginAndSmallZoomsReuse_leavingOrHalvingRenders) {
    tv::TileCache cache;
    cache.reset(k_data, k_data_mpp);
    tv::Camera cam;
    cam.viewport = {0, 0, 1200, 800};
    cam.center = {500000, 2700000};
    cam.metres_per_pixel = 128;
    const auto first = cache.needed(cam.visible_world(), cam.metres_per_pixel);
    ASSERT_TRUE(first.has_value()) << "nothing shown yet";
    cache.shown(*first);
    EXPECT_FALSE(cache.needed(cam.visible_world(), cam.metres_per_pixel)) << "the same view";

    tv::Camera moved = cam;
    moved.pan({100, 60});  // less than the margin (300 x 200 px)
    EXPECT_FALSE(cache.needed(moved.visible_world(), moved.metres_per_pixel)) << "a small pan";
    moved.pan({600, 0});
    EXPECT_TRUE(cache.needed(moved.visible_world(), moved.metres_per_pixel)) << "out of the tile";

    tv::Camera zoomed = cam;
    zoomed.zoom_at({600, 400}, 1.3);  // 98 m a pixel: still level 7
    EXPECT_FALSE(cache.needed(zoomed.visible_world(), zoomed.metres_per_pixel)) << "a small zoom in";
    zoomed = cam;
    zoomed.zoom_at({600, 400}, 1 / 1.3);  // 166 m a pixel: level 7, and the margin holds the wider view
    EXPECT_FALSE(cache.needed(zoomed.visible_world(), zoomed.metres_per_pixel)) << "a small zoom out";
    zoomed = cam;
    zoomed.zoom_at({600, 400}, 2.2);
    const auto in = cache.needed(zoomed.visible_world(), zoomed.metres_per_pixel);
    ASSERT_TRUE(in.has_value()) << "zoomed in more than twice: finer texels";
    EXPECT_EQ(in->level, 6);

    cache.reset({}, 0);
    EXPECT_FALSE(cache.needed(cam.visible_world(), cam.metres_per_pixel)) << "no raster: nothing to render";
}

}  // namespace
