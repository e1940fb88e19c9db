// The shipped basemap on screen, in the real viewer under Xvfb: outside the
// unit polygons, where the map was the flat background, it now shows the
// basemap raster's colours (sea and land) at the places the raster puts
// them; --no-basemap gives the background back. The expected colours are
// read here from datasets/quanzhou/basemap.tif with GDAL.
#include <gtest/gtest.h>
#include <stb_image.h>  // the implementation is in libstb (Debian)
#include <sys/wait.h>

#include <gdal_priv.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "core/camera.hpp"
#include "core/layout.hpp"
#include "core/model.hpp"
#include "test_support.hpp"
#include "viewer/screen_support.hpp"

namespace {

namespace fs = std::filesystem;
using namespace tisheng::test::screens;
namespace tv = tisheng::view;
using tisheng::test::slurp;
using tisheng::test::source_dir;
using tisheng::test::TempDir;

constexpr int k_width = 1600, k_height = 1000;
const std::string k_replications = "run.replications=100";

fs::path scenario() { return source_dir() / "scenarios" / "quanzhou-baseline.yaml"; }

std::array<int, 3> rgb(tv::Rgba c) { return {c.r, c.g, c.b}; }

/// The basemap raster: RGB pixels and where they lie (lon/lat, no rotation).
struct Raster {
    int w = 0, h = 0;
    double gt[6] = {};
    std::vector<std::uint8_t> rgb;
    /// The colour at a lon/lat, or nullopt outside.
    [[nodiscard]] std::optional<std::array<int, 3>> at(tisheng::LonLat p) const {
        const double col = (p.lon - gt[0]) / gt[1], row = (p.lat - gt[3]) / gt[5];
        if (col < 0 || row < 0 || col >= w || row >= h) return std::nullopt;
        const std::size_t i = (static_cast<std::size_t>(row) * static_cast<std::size_t>(w) + static_cast<std::size_t>(col)) * 3;
        return std::array<int, 3>{rgb[i], rgb[i + 1], rgb[i + 2]};
    }
};

std::optional<Raster> read_raster(const fs::path& file) {
    GDALAllRegister();
    GDALDataset* ds = GDALDataset::Open(file.string().c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY);
    if (!ds) return std::nullopt;
    Raster r;
    r.w = ds->GetRasterXSize();
    r.h = ds->GetRasterYSize();
    ds->GetGeoTransform(r.gt);
    r.rgb.resize(static_cast<std::size_t>(r.w) * static_cast<std::size_t>(r.h) * 3);
    const CPLErr e = ds->RasterIO(GF_Read, 0, 0, r.w, r.h, r.rgb.data(), r.w, r.h, GDT_Byte, 3, nullptr, 3, 3L * r.w, 1, nullptr);
    GDALClose(ds);
    if (e != CE_None) return std::nullopt;
    return r;
}

TEST(ViewerBasemapScreens, QuanzhouShowsTheShippedBasemapOutsideTheUnits_andNoBasemapTheBackground) {
    if (!on_path("xvfb-run")) GTEST_SKIP() << "xvfb-run is not on PATH";
    const fs::path tif = source_dir() / "datasets" / "quanzhou" / "basemap.tif";
    const auto raster = read_raster(tif);
    ASSERT_TRUE(raster.has_value()) << tif;

    TempDir tmp;
    const fs::path with = tmp / "with.png", without = tmp / "without.png";
    const std::string common = quote(scenario().string()) + " --frames 3 --size 1600x1000 --lang en --set " + k_replications + " --screenshot ";
    ASSERT_EQ(run_viewer_xvfb(common + quote(with.string()), tmp / "with.err").code, 0) << slurp(tmp / "with.err");
    ASSERT_EQ(run_viewer_xvfb(common + quote(without.string()) + " --no-basemap", tmp / "without.err").code, 0) << slurp(tmp / "without.err");
    const auto a = load_png(with), b = load_png(without);
    ASSERT_TRUE(a && b);
    ASSERT_EQ(a->w, k_width);
    ASSERT_EQ(b->w, k_width);

    // Where the map shows no data: outside every unit, away from borders,
    // points, labels, the legend and key (bottom left) and the scale bar
    // (bottom right).
    tisheng::viewer::Progress progress;
    const tisheng::viewer::Dataset d = tisheng::viewer::load_dataset(scenario(), {k_replications}, progress);
    const tv::Rect m = tv::screen_layout(k_width, k_height).map;
    tv::Camera cam;
    cam.viewport = m;
    cam.fit(d.bounds);
    std::vector<tv::Vec2> points, labels;
    for (const tv::Vec2& p : d.points) points.push_back(cam.to_screen(p));
    for (const tv::Vec2& p : d.labels) labels.push_back(cam.to_screen(p));
    auto clear = [&](tv::Vec2 s) {
        if (s.x < m.x + 6 || s.y < m.y + 6 || s.x > m.x + m.w - 6 || s.y > m.y + m.h - 6) return false;
        if (s.x < m.x + 320 && s.y > m.y + m.h - 240) return false;  // the legend and the points' key above it
        if (s.x > m.x + m.w - 200 && s.y > m.y + m.h - 50) return false;
        for (const tv::Vec2& l : labels)
            if (std::abs(s.x - l.x) < 60 && std::abs(s.y - l.y) < 20) return false;
        for (const tv::Vec2& p : points)
            if (std::hypot(s.x - p.x, s.y - p.y) < 30) return false;
        // Outside every unit by 6 px or more.
        for (const double dx : {-6.0, 0.0, 6.0})
            for (const double dy : {-6.0, 0.0, 6.0})
                if (d.picker.unit_at(cam.to_world({s.x + dx, s.y + dy}))) return false;
        return true;
    };

    const std::array<int, 3> background{237, 240, 242};  // map_renderer.cpp's clear colour
    auto same = [](std::array<int, 3> x, std::array<int, 3> y, int tolerance) {
        return std::abs(x[0] - y[0]) <= tolerance && std::abs(x[1] - y[1]) <= tolerance && std::abs(x[2] - y[2]) <= tolerance;
    };
    const tisheng::MetricCrs& crs = d.scenario->region.crs();
    int samples = 0, background_without = 0, matches = 0, not_background = 0, sea = 0, land = 0;
    for (int y = static_cast<int>(m.y); y < static_cast<int>(m.y + m.h); y += 9)
        for (int x = static_cast<int>(m.x); x < static_cast<int>(m.x + m.w); x += 9) {
            const tv::Vec2 s{x + 0.5, y + 0.5};
            if (!clear(s)) continue;
            const tv::Vec2 w = cam.to_world(s);
            const auto want = raster->at(crs.inverse({w.x, w.y}));
            if (!want) continue;
            ++samples;
            const auto got = rgb(a->at(x, y));
            background_without += same(rgb(b->at(x, y)), background, 1);
            not_background += !same(got, background, 2);
            matches += same(got, *want, 10);
            sea += got[2] > got[0] + 15;
            land += got[1] >= got[2] && !same(got, background, 2);
        }
    ASSERT_GE(samples, 500) << "too few map pixels outside the units to tell";
    EXPECT_GE(background_without, samples * 99 / 100) << "--no-basemap: the flat background outside the units";
    EXPECT_GE(not_background, samples * 99 / 100) << "with the basemap, the background still shows outside the units";
    EXPECT_GE(matches, samples * 97 / 100) << matches << " of " << samples
                                         << " pixels outside the units have the basemap's colour at their place (within 10)";
    EXPECT_GE(sea, samples / 20) << "no sea";
    EXPECT_GE(land, samples / 20) << "no land";
    EXPECT_EQ(slurp(tmp / "with.err").find("error"), std::string::npos) << slurp(tmp / "with.err");
}

}  // namespace
