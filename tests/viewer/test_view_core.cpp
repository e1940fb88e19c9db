// The viewer's plain functions (viewer/core): camera, legend, triangulation,
// picking. No window, no GL context.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <cmath>
#include <limits>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "core/aggregate.hpp"
#include "core/camera.hpp"
#include "core/compare.hpp"
#include "core/label_place.hpp"
#include "core/labels.hpp"
#include "core/layout.hpp"
#include "core/legend.hpp"
#include "core/picking.hpp"
#include "core/point_class.hpp"
#include "core/triangulate.hpp"

namespace tv = tisheng::view;
using tisheng::MetricPoint;
using tisheng::MultiPolygon;
using tisheng::Polygon;
using tisheng::Ring;

namespace {

constexpr double k_nan = std::numeric_limits<double>::quiet_NaN();

// A camera over UTM-sized coordinates, with the viewport off the window's
// corner (the map panel sits beside the side panels).
tv::Camera utm_camera() {
    tv::Camera cam;
    cam.viewport = {300, 40, 1200, 800};
    cam.center = {512345.25, 2493210.75};
    cam.metres_per_pixel = 37.5;
    return cam;
}

void expect_near_rel(double actual, double expected, double rel) {
    EXPECT_NEAR(actual, expected, rel * std::max(std::abs(expected), 1.0)) << "expected " << expected;
}

// Closed axis-aligned rectangle ring, counter-clockwise.
Ring<MetricPoint> rect_ring(double x0, double y0, double x1, double y1) {
    return {{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}};
}

// Shoelace area of a ring (closed or not), unsigned.
double ring_area(const Ring<MetricPoint>& r) {
    double s = 0;
    for (std::size_t i = 0; i < r.size(); ++i) {
        const auto& a = r[i];
        const auto& b = r[(i + 1) % r.size()];
        s += a.x * b.y - b.x * a.y;
    }
    return std::abs(s) / 2;
}

double polygon_area(const MultiPolygon<MetricPoint>& mp) {
    double s = 0;
    for (const auto& part : mp) {
        s += ring_area(part.outer);
        for (const auto& h : part.holes) s -= ring_area(h);
    }
    return s;
}

// Even-odd crossing test (points on an edge are not expected here).
bool in_ring(const Ring<MetricPoint>& r, tv::Vec2 p) {
    bool inside = false;
    for (std::size_t i = 0, j = r.size() - 1; i < r.size(); j = i++) {
        if ((r[i].y > p.y) != (r[j].y > p.y) &&
            p.x < (r[j].x - r[i].x) * (p.y - r[i].y) / (r[j].y - r[i].y) + r[i].x)
            inside = !inside;
    }
    return inside;
}

bool in_polygon(const MultiPolygon<MetricPoint>& mp, tv::Vec2 p) {
    for (const auto& part : mp) {
        if (!in_ring(part.outer, p)) continue;
        bool in_hole = false;
        for (const auto& h : part.holes) in_hole = in_hole || in_ring(h, p);
        if (!in_hole) return true;
    }
    return false;
}

std::vector<tv::Vec2> centroids(const tv::Triangles& t) {
    std::vector<tv::Vec2> c;
    for (std::size_t i = 0; i + 2 < t.vertices.size(); i += 3)
        c.push_back({(t.vertices[i].x + t.vertices[i + 1].x + t.vertices[i + 2].x) / 3,
                     (t.vertices[i].y + t.vertices[i + 1].y + t.vertices[i + 2].y) / 3});
    return c;
}

// Whether v is m x 10^k for m in {1, 2, 5}.
bool is_one_two_five(double v) {
    if (!(v > 0)) return false;
    const double decade = std::pow(10.0, std::floor(std::log10(v) + 1e-12));
    const double m = v / decade;
    return std::abs(m - 1) < 1e-9 || std::abs(m - 2) < 1e-9 || std::abs(m - 5) < 1e-9;
}

}  // namespace

// ---------------------------------------------------------------------------

TEST(ViewCoreCamera, ToScreenToWorld_roundTrip) {
    const tv::Camera cam = utm_camera();
    for (const tv::Vec2 w : {tv::Vec2{512345.25, 2493210.75}, tv::Vec2{498000, 2510000}, tv::Vec2{530111.5, 2470000.25}}) {
        const tv::Vec2 back = cam.to_world(cam.to_screen(w));
        EXPECT_NEAR(back.x, w.x, 1e-6);
        EXPECT_NEAR(back.y, w.y, 1e-6);
    }
    // The centre lands on the viewport's centre; north is up the screen.
    const tv::Vec2 c = cam.to_screen(cam.center);
    EXPECT_DOUBLE_EQ(c.x, 300 + 600);
    EXPECT_DOUBLE_EQ(c.y, 40 + 400);
    const tv::Vec2 north = cam.to_screen({cam.center.x, cam.center.y + 375});
    EXPECT_DOUBLE_EQ(north.y, 440 - 10);
    const tv::Vec2 east = cam.to_screen({cam.center.x + 375, cam.center.y});
    EXPECT_DOUBLE_EQ(east.x, 900 + 10);
}

TEST(ViewCoreCamera, ZoomAt_keepsCursorWorldPointFixed) {
    for (const double factor : {1.25, 0.8, 3.0, 0.1, 17.0}) {
        for (const tv::Vec2 cursor : {tv::Vec2{310, 50}, tv::Vec2{1234.5, 777.25}, tv::Vec2{900, 440}}) {
            tv::Camera cam = utm_camera();
            const tv::Vec2 before = cam.to_world(cursor);
            const double mpp = cam.metres_per_pixel;
            cam.zoom_at(cursor, factor);
            EXPECT_DOUBLE_EQ(cam.metres_per_pixel, mpp / factor);
            const tv::Vec2 after = cam.to_world(cursor);
            expect_near_rel(after.x, before.x, 1e-9);
            expect_near_rel(after.y, before.y, 1e-9);
        }
    }
}

TEST(ViewCoreCamera, ZoomAt_clampsMetresPerPixel) {
    tv::Camera cam = utm_camera();
    cam.zoom_at({500, 500}, 1e9);
    EXPECT_DOUBLE_EQ(cam.metres_per_pixel, 0.01);
    cam.zoom_at({500, 500}, 1e-12);
    EXPECT_DOUBLE_EQ(cam.metres_per_pixel, 1e6);
    const tv::Camera before = cam;
    cam.zoom_at({500, 500}, 0);    // ignored
    cam.zoom_at({500, 500}, k_nan);  // ignored
    EXPECT_EQ(cam.metres_per_pixel, before.metres_per_pixel);
    EXPECT_EQ(cam.center, before.center);
}

TEST(ViewCoreCamera, Fit_boxInsideMarginAndTouchingIt) {
    const double margin = 24;
    // Wide, tall and square boxes, in UTM-sized coordinates.
    for (const tisheng::Box box : {tisheng::Box{480000, 2470000, 560000, 2490000},
                                   tisheng::Box{480000, 2470000, 490000, 2530000},
                                   tisheng::Box{500000, 2500000, 501000, 2500800}}) {
        tv::Camera cam = utm_camera();
        cam.fit(box, margin);
        const auto& vp = cam.viewport;
        double gap_x = 1e300, gap_y = 1e300;  // smallest distance to the viewport's edge
        for (const tv::Vec2 corner : {tv::Vec2{box.min_x, box.min_y}, tv::Vec2{box.max_x, box.min_y},
                                      tv::Vec2{box.max_x, box.max_y}, tv::Vec2{box.min_x, box.max_y}}) {
            const tv::Vec2 s = cam.to_screen(corner);
            EXPECT_GE(s.x, vp.x + margin - 1e-6);
            EXPECT_LE(s.x, vp.x + vp.w - margin + 1e-6);
            EXPECT_GE(s.y, vp.y + margin - 1e-6);
            EXPECT_LE(s.y, vp.y + vp.h - margin + 1e-6);
            gap_x = std::min({gap_x, s.x - vp.x, vp.x + vp.w - s.x});
            gap_y = std::min({gap_y, s.y - vp.y, vp.y + vp.h - s.y});
        }
        EXPECT_TRUE(std::abs(gap_x - margin) < 1e-6 || std::abs(gap_y - margin) < 1e-6)
            << "gaps " << gap_x << ", " << gap_y;
        // Centred.
        const tv::Vec2 mid = cam.to_screen({(box.min_x + box.max_x) / 2, (box.min_y + box.max_y) / 2});
        EXPECT_NEAR(mid.x, vp.x + vp.w / 2, 1e-6);
        EXPECT_NEAR(mid.y, vp.y + vp.h / 2, 1e-6);
    }
}

TEST(ViewCoreCamera, Fit_degenerateBoxes_stayFinite) {
    const double inf = std::numeric_limits<double>::infinity();
    for (const tisheng::Box box : {tisheng::Box{}, tisheng::Box{5, 5, 5, 5}, tisheng::Box{0, 0, 1000, 0},
                                   tisheng::Box{inf, inf, -inf, -inf}, tisheng::Box{10, 10, 0, 0},
                                   tisheng::Box{k_nan, 0, 1, 1}}) {
        tv::Camera cam = utm_camera();
        cam.fit(box);
        EXPECT_TRUE(std::isfinite(cam.center.x) && std::isfinite(cam.center.y));
        EXPECT_TRUE(std::isfinite(cam.metres_per_pixel) && cam.metres_per_pixel > 0);
    }
    // A zero-sized viewport (a minimised window) too.
    tv::Camera cam;
    cam.fit({0, 0, 1000, 1000});
    EXPECT_TRUE(std::isfinite(cam.metres_per_pixel) && cam.metres_per_pixel > 0);
    EXPECT_TRUE(std::isfinite(cam.world_to_ndc({0, 0})[0]));
    // A point is centred, a line is fitted along its length.
    cam = utm_camera();
    cam.fit({5, 7, 5, 7});
    EXPECT_EQ(cam.center, (tv::Vec2{5, 7}));
    cam.fit({0, 0, 1000, 0}, 0);
    EXPECT_DOUBLE_EQ(cam.metres_per_pixel, 1000.0 / 1200.0);
}

TEST(ViewCoreCamera, Pan_movesScreenPositionByDelta) {
    tv::Camera cam = utm_camera();
    const tv::Vec2 w{505000.5, 2498000.25};
    const tv::Vec2 s0 = cam.to_screen(w);
    cam.pan({17, -42});
    const tv::Vec2 s1 = cam.to_screen(w);
    EXPECT_NEAR(s1.x - s0.x, 17, 1e-6);
    EXPECT_NEAR(s1.y - s0.y, -42, 1e-6);
}

TEST(ViewCoreCamera, WorldToNdc_matchesToScreen) {
    tv::Camera cam = utm_camera();
    cam.zoom_at({700, 300}, 2.5);
    const tv::Vec2 origin{510000, 2490000};  // a corner of the data, as the renderer would pick
    const auto m = cam.world_to_ndc(origin);
    for (const tv::Vec2 w : {cam.center, tv::Vec2{505000, 2498000}, tv::Vec2{513333.3, 2489999.9}, origin}) {
        // What the shader does: float position (world - origin), then m * (x, y, 0, 1).
        const float vx = static_cast<float>(w.x - origin.x);
        const float vy = static_cast<float>(w.y - origin.y);
        const double ndc_x = (m[0] * vx + m[4] * vy + m[12]) / (m[3] * vx + m[7] * vy + m[15]);
        const double ndc_y = (m[1] * vx + m[5] * vy + m[13]) / (m[3] * vx + m[7] * vy + m[15]);
        // NDC from the screen position: -1..1 across the viewport, y up.
        const tv::Vec2 s = cam.to_screen(w);
        const double want_x = 2 * (s.x - cam.viewport.x) / cam.viewport.w - 1;
        const double want_y = 1 - 2 * (s.y - cam.viewport.y) / cam.viewport.h;
        EXPECT_NEAR(ndc_x, want_x, 1e-5);  // float precision: ~1e-3 px
        EXPECT_NEAR(ndc_y, want_y, 1e-5);
    }
    EXPECT_EQ(m[10], 1.0f);
}

TEST(ViewCoreCamera, VisibleWorld_matchesViewportCorners) {
    const tv::Camera cam = utm_camera();
    const tv::Rect r = cam.visible_world();
    const tv::Vec2 top_left = cam.to_world({cam.viewport.x, cam.viewport.y});
    const tv::Vec2 bottom_right = cam.to_world({cam.viewport.x + cam.viewport.w, cam.viewport.y + cam.viewport.h});
    EXPECT_NEAR(r.x, top_left.x, 1e-6);
    EXPECT_NEAR(r.y, bottom_right.y, 1e-6);
    EXPECT_NEAR(r.w, bottom_right.x - top_left.x, 1e-6);
    EXPECT_NEAR(r.h, top_left.y - bottom_right.y, 1e-6);
}

TEST(ViewCoreCamera, RectContains_halfOpen) {
    const tv::Rect r{10, 20, 100, 50};
    EXPECT_TRUE(r.contains({10, 20}));
    EXPECT_TRUE(r.contains({109.9, 69.9}));
    EXPECT_FALSE(r.contains({110, 30}));
    EXPECT_FALSE(r.contains({50, 70}));
    EXPECT_FALSE(r.contains({9.99, 30}));
}

TEST(ViewCoreCamera, ScaleBar_largestOneTwoFiveThatFits) {
    for (const double mpp : {0.01, 0.037, 1.0, 2.5, 7.77, 10.0, 37.5, 123.4, 999.0, 1e4, 1e6}) {
        for (const double max_px : {80.0, 100.0, 150.0, 200.0}) {
            const tv::ScaleBar bar = tv::scale_bar(mpp, max_px);
            EXPECT_TRUE(is_one_two_five(bar.metres)) << bar.metres;
            EXPECT_LE(bar.pixels, max_px);
            EXPECT_GT(bar.pixels, max_px / 2.5);
            EXPECT_NEAR(bar.pixels, bar.metres / mpp, 1e-9 * bar.pixels);
            EXPECT_FALSE(bar.label.empty());
        }
    }
    // Exactly at a nice length: it fits.
    EXPECT_DOUBLE_EQ(tv::scale_bar(10, 100).metres, 1000);
    EXPECT_EQ(tv::scale_bar(0, 100).label, "");
}

TEST(ViewCoreCamera, ScaleBar_labels) {
    EXPECT_EQ(tv::scale_bar(5, 120).label, "500 m");
    EXPECT_EQ(tv::scale_bar(20, 120).label, "2 km");
    EXPECT_EQ(tv::scale_bar(500, 120).label, "50 km");
    EXPECT_EQ(tv::scale_bar(0.01, 120).label, "1 m");
    EXPECT_EQ(tv::scale_bar(0.01, 60).label, "0.5 m");
}

// ---------------------------------------------------------------------------

TEST(ViewCoreLegend, Lightness_knownColours) {
    EXPECT_NEAR(tv::lightness({0, 0, 0}), 0, 1e-9);
    EXPECT_NEAR(tv::lightness({255, 255, 255}), 100, 1e-6);
    EXPECT_NEAR(tv::lightness({128, 128, 128}), 53.585, 0.01);
    EXPECT_NEAR(tv::lightness({0x77, 0x77, 0x77}), 50.0, 0.05);
    EXPECT_GT(tv::lightness({255, 255, 0}), tv::lightness({0, 0, 255}));
}

TEST(ViewCoreLegend, Sequential_lightnessStrictlyIncreasing) {
    double prev = -1;
    for (int i = 0; i < 64; ++i) {
        const double l = tv::lightness(tv::sample(tv::Palette::sequential, i / 63.0));
        EXPECT_GT(l, prev) << "sample " << i;
        prev = l;
    }
    // Dark blue to light yellow, the full range in between.
    const tv::Rgba lo = tv::sample(tv::Palette::sequential, 0);
    const tv::Rgba hi = tv::sample(tv::Palette::sequential, 1);
    EXPECT_GT(lo.b, lo.r);
    EXPECT_GT(hi.r, hi.b);
    EXPECT_GT(hi.g, hi.b);
    EXPECT_LT(tv::lightness(lo), 20);
    EXPECT_GT(tv::lightness(hi), 85);
    // Clamped.
    EXPECT_EQ(tv::sample(tv::Palette::sequential, -3), lo);
    EXPECT_EQ(tv::sample(tv::Palette::sequential, 7), hi);
    EXPECT_EQ(tv::sample(tv::Palette::sequential, k_nan), lo);
}

TEST(ViewCoreLegend, Diverging_lightestAtCentreDarkerOutward) {
    const double centre = tv::lightness(tv::sample(tv::Palette::diverging, 0.5));
    double up = centre, down = centre;
    for (int i = 1; i <= 32; ++i) {
        const double l_up = tv::lightness(tv::sample(tv::Palette::diverging, 0.5 + i / 64.0));
        const double l_down = tv::lightness(tv::sample(tv::Palette::diverging, 0.5 - i / 64.0));
        EXPECT_LT(l_up, up) << "t = 0.5 + " << i << "/64";
        EXPECT_LT(l_down, down) << "t = 0.5 - " << i << "/64";
        EXPECT_NEAR(l_up, l_down, 6) << "roughly symmetric, step " << i;
        up = l_up;
        down = l_down;
    }
    // Blue below, orange above, a neutral grey between.
    const tv::Rgba neg = tv::sample(tv::Palette::diverging, 0);
    const tv::Rgba pos = tv::sample(tv::Palette::diverging, 1);
    const tv::Rgba mid = tv::sample(tv::Palette::diverging, 0.5);
    EXPECT_GT(neg.b, neg.r + 80);
    EXPECT_GT(pos.r, pos.b + 80);
    EXPECT_GT(pos.r, pos.g);
    EXPECT_EQ(mid.r, mid.g);
    EXPECT_EQ(mid.g, mid.b);
    EXPECT_GT(centre, 85);
}

TEST(ViewCoreLegend, Bins_constantWithinClassDistinctAcross) {
    tv::Legend legend;
    legend.lo = 0;
    legend.hi = 1;
    legend.bins = 5;
    std::vector<tv::Rgba> classes;
    for (int c = 0; c < 5; ++c) {
        const tv::Rgba first = legend.colour(c * 0.2 + 0.001);
        for (int k = 1; k < 20; ++k) EXPECT_EQ(legend.colour(c * 0.2 + k * 0.01), first) << "class " << c;
        // The class takes the colour of its middle.
        EXPECT_EQ(first, tv::sample(legend.palette, c * 0.2 + 0.1));
        classes.push_back(first);
    }
    for (int a = 0; a < 5; ++a)
        for (int b = a + 1; b < 5; ++b) EXPECT_FALSE(classes[a] == classes[b]) << a << " vs " << b;
    EXPECT_EQ(legend.colour(1.0), classes[4]);   // the top edge belongs to the last class
    EXPECT_EQ(legend.colour(-5.0), classes[0]);  // clamped
}

TEST(ViewCoreLegend, Colour_nanIsNoDataAndOutOfRangeClamps) {
    tv::Legend legend;
    legend.lo = 10;
    legend.hi = 20;
    legend.no_data = {1, 2, 3, 4};
    EXPECT_EQ(legend.colour(k_nan), (tv::Rgba{1, 2, 3, 4}));
    EXPECT_EQ(legend.colour(5), tv::sample(tv::Palette::sequential, 0));
    EXPECT_EQ(legend.colour(25), tv::sample(tv::Palette::sequential, 1));
    EXPECT_EQ(legend.colour(15), tv::sample(tv::Palette::sequential, 0.5));
    EXPECT_EQ(legend.colour(std::numeric_limits<double>::infinity()), tv::sample(tv::Palette::sequential, 1));
}

TEST(ViewCoreLegend, NiceTicks_severalRanges) {
    EXPECT_EQ(tv::nice_ticks(0, 1, 6), (std::vector<double>{0, 0.2, 0.4, 0.6, 0.8, 1}));
    EXPECT_EQ(tv::nice_ticks(0, 100, 6), (std::vector<double>{0, 20, 40, 60, 80, 100}));
    EXPECT_EQ(tv::nice_ticks(-3.7, 12.2, 5), (std::vector<double>{0, 5, 10}));
    EXPECT_EQ(tv::nice_ticks(0.013, 0.087, 4), (std::vector<double>{0.02, 0.04, 0.06, 0.08}));
    EXPECT_EQ(tv::nice_ticks(-0.3, 0.3, 7), (std::vector<double>{-0.3, -0.2, -0.1, 0, 0.1, 0.2, 0.3}));
    EXPECT_EQ(tv::nice_ticks(5, 5, 6), (std::vector<double>{5}));
    EXPECT_TRUE(tv::nice_ticks(k_nan, 1, 6).empty());

    // Properties over many ranges: inside, not too many, evenly spaced by a
    // 1-2-5 step, and every tick a multiple of that step.
    std::mt19937 rng(7);
    std::uniform_real_distribution<double> exponent(-4, 7);
    std::uniform_real_distribution<double> unit(-1, 1);
    for (int i = 0; i < 500; ++i) {
        const double scale = std::pow(10.0, exponent(rng));
        double lo = unit(rng) * scale, hi = unit(rng) * scale;
        if (lo > hi) std::swap(lo, hi);
        const int max_ticks = 2 + i % 9;
        const auto ticks = tv::nice_ticks(lo, hi, max_ticks);
        ASSERT_FALSE(ticks.empty()) << lo << " " << hi;
        EXPECT_LE(static_cast<int>(ticks.size()), max_ticks);
        for (double t : ticks) {
            EXPECT_GE(t, lo);
            EXPECT_LE(t, hi);
        }
        if (ticks.size() >= 2) {
            const double step = ticks[1] - ticks[0];
            EXPECT_TRUE(is_one_two_five(step * (1 + 1e-12))) << step;
            for (std::size_t k = 1; k < ticks.size(); ++k) EXPECT_NEAR(ticks[k] - ticks[k - 1], step, 1e-9 * step);
            EXPECT_NEAR(ticks[0] / step, std::round(ticks[0] / step), 1e-6);
            // The step is the finest allowed: the next finer one (x0.5, or
            // x0.4 from a 5) would give too many ticks.
            const double m = step / std::pow(10.0, std::floor(std::log10(step) + 1e-12));
            const double finer = step * (std::abs(m - 5) < 1e-6 ? 0.4 : 0.5);
            const double n_finer = std::floor(hi / finer + 1e-9) - std::ceil(lo / finer - 1e-9) + 1;
            EXPECT_GT(n_finer, max_ticks) << lo << " " << hi << " step " << step;
        }
    }
}

TEST(ViewCoreLegend, Format_compactAndPercent) {
    tv::Legend legend;
    EXPECT_EQ(legend.format(1200), "1.2k");
    EXPECT_EQ(legend.format(250), "250");
    EXPECT_EQ(legend.format(0.75), "0.75");
    EXPECT_EQ(legend.format(0), "0");
    EXPECT_EQ(legend.format(-1500), "-1.5k");
    EXPECT_EQ(legend.format(2500000), "2.5M");
    EXPECT_EQ(legend.format(999.7), "1k");
    EXPECT_EQ(legend.format(0.1 * 3), "0.3");
    legend.percent = true;
    EXPECT_EQ(legend.format(0.35), "35%");
    EXPECT_EQ(legend.format(1), "100%");
    EXPECT_EQ(legend.format(0.125), "12.5%");
    EXPECT_EQ(legend.format(-0.05), "-5%");
}

TEST(ViewCoreLegend, Ticks_binnedAreClassBoundaries) {
    const tv::Legend legend = tv::make_legend(tv::Measure::probability, "p", {});
    EXPECT_EQ(legend.ticks(), (std::vector<double>{0, 0.2, 0.4, 0.6, 0.8, 1}));
    std::vector<std::string> labels;
    for (double t : legend.ticks()) labels.push_back(legend.format(t));
    EXPECT_EQ(labels, (std::vector<std::string>{"0%", "20%", "40%", "60%", "80%", "100%"}));
    // Too many classes for the room: nice ticks instead.
    EXPECT_EQ(legend.ticks(3), (std::vector<double>{0, 0.5, 1}));
}

TEST(ViewCoreLegend, MakeLegend_ranges) {
    const auto p = tv::make_legend(tv::Measure::probability, "Adoption", {0.3, 0.9});
    EXPECT_EQ(p.title, "Adoption");
    EXPECT_EQ(p.lo, 0);
    EXPECT_EQ(p.hi, 1);
    EXPECT_TRUE(p.percent);
    EXPECT_EQ(p.bins, 5);
    EXPECT_EQ(p.palette, tv::Palette::sequential);

    const auto s = tv::make_legend(tv::Measure::share, "Share", {0.1});
    EXPECT_EQ(s.hi, 1);
    EXPECT_TRUE(s.percent);
    EXPECT_EQ(s.bins, 0);

    const auto c = tv::make_legend(tv::Measure::count, "Trainees", {3, k_nan, 17, 0});
    EXPECT_EQ(c.lo, 0);
    EXPECT_EQ(c.hi, 20);
    EXPECT_FALSE(c.percent);
    EXPECT_EQ(tv::make_legend(tv::Measure::count, "n", {0, 0, k_nan}).hi, 1);
    EXPECT_EQ(tv::make_legend(tv::Measure::count, "n", {}).hi, 1);
    EXPECT_EQ(tv::make_legend(tv::Measure::count, "n", {5100}).hi, 6000);
    EXPECT_EQ(tv::make_legend(tv::Measure::count, "n", {1000}).hi, 1000);

    const auto a = tv::make_legend(tv::Measure::accessibility, "Access", {0.2, 0.73, k_nan});
    EXPECT_EQ(a.lo, 0);
    EXPECT_DOUBLE_EQ(a.hi, 0.8);
    EXPECT_GT(tv::make_legend(tv::Measure::accessibility, "Access", {}).hi, 0);

    // Nice ceilings never fall short and waste at most a third.
    std::mt19937 rng(11);
    std::uniform_real_distribution<double> exponent(-3, 6);
    for (int i = 0; i < 300; ++i) {
        const double v = std::pow(10.0, exponent(rng));
        const double hi = tv::make_legend(tv::Measure::accessibility, "", {v}).hi;
        EXPECT_GE(hi, v);
        EXPECT_LE(hi, 1.5 * v * (1 + 1e-12));
    }

    const auto d = tv::make_legend(tv::Measure::difference, "Change", {-0.3, 0.12, k_nan}, true);
    EXPECT_EQ(d.palette, tv::Palette::diverging);
    EXPECT_DOUBLE_EQ(d.hi, 0.3);
    EXPECT_DOUBLE_EQ(d.lo, -0.3);
    EXPECT_TRUE(d.percent);
    EXPECT_EQ(d.colour(0), tv::sample(tv::Palette::diverging, 0.5));
    const auto d0 = tv::make_legend(tv::Measure::difference, "Change", {0, 0});
    EXPECT_GT(d0.hi, 0);
    EXPECT_EQ(d0.lo, -d0.hi);
    EXPECT_FALSE(d0.percent);
    EXPECT_EQ(tv::make_legend(tv::Measure::difference, "", {-250, 37}).hi, 250);
}

TEST(ViewCoreLegend, Categorical_okabeItoCycle) {
    EXPECT_EQ(tv::categorical(0), (tv::Rgba{0xE6, 0x9F, 0x00, 255}));  // orange
    EXPECT_EQ(tv::categorical(1), (tv::Rgba{0x56, 0xB4, 0xE9, 255}));  // sky blue
    EXPECT_EQ(tv::categorical(5), (tv::Rgba{0xD5, 0x5E, 0x00, 255}));  // vermillion
    std::set<std::tuple<int, int, int>> distinct;
    for (std::size_t i = 0; i < 8; ++i) {
        const tv::Rgba c = tv::categorical(i);
        distinct.insert({c.r, c.g, c.b});
        EXPECT_FALSE(c.r == 0 && c.g == 0 && c.b == 0) << "no black";
        EXPECT_EQ(tv::categorical(i + 8), c);
    }
    EXPECT_EQ(distinct.size(), 8u);
}

// ---------------------------------------------------------------------------

TEST(ViewCoreTriangulate, Square_area) {
    const MultiPolygon<MetricPoint> mp{{rect_ring(0, 0, 10, 10), {}}};
    const tv::Triangles t = tv::triangulate(mp);
    EXPECT_EQ(t.vertices.size() % 3, 0u);
    EXPECT_EQ(t.vertices.size(), 6u);
    EXPECT_NEAR(t.area(), 100, 1e-9 * 100);
}

TEST(ViewCoreTriangulate, SquareWithHole_holeStaysEmpty) {
    // UTM-sized coordinates, outer clockwise and hole counter-clockwise as
    // tisheng::normalise leaves them.
    const double x0 = 512000, y0 = 2493000;
    Ring<MetricPoint> outer = rect_ring(x0, y0, x0 + 1000, y0 + 1000);
    std::reverse(outer.begin(), outer.end());
    const Ring<MetricPoint> hole = rect_ring(x0 + 300, y0 + 200, x0 + 700, y0 + 600);
    const MultiPolygon<MetricPoint> mp{{outer, {hole}}};
    const tv::Triangles t = tv::triangulate(mp);
    EXPECT_EQ(t.vertices.size() % 3, 0u);
    const double want = 1000.0 * 1000.0 - 400.0 * 400.0;
    EXPECT_NEAR(t.area(), want, 1e-9 * want);
    EXPECT_NEAR(polygon_area(mp), want, 1e-9 * want);
    for (const tv::Vec2 c : centroids(t)) {
        EXPECT_FALSE(in_ring(hole, c)) << c.x << ", " << c.y;
        EXPECT_TRUE(in_ring(outer, c)) << c.x << ", " << c.y;
    }
}

TEST(ViewCoreTriangulate, TwoParts_bothFilled) {
    const MultiPolygon<MetricPoint> mp{{rect_ring(0, 0, 10, 10), {}}, {rect_ring(20, 0, 25, 4), {}}};
    const tv::Triangles t = tv::triangulate(mp);
    EXPECT_NEAR(t.area(), 120, 1e-9 * 120);
    int left = 0, right = 0;
    for (const tv::Vec2 c : centroids(t)) (c.x < 15 ? left : right)++;
    EXPECT_GT(left, 0);
    EXPECT_GT(right, 0);
}

TEST(ViewCoreTriangulate, ConcaveC_centroidsInside) {
    // A "C" opening east, with a rounded back: 16 distinct vertices.
    Ring<MetricPoint> c{{10, 0},  {4, 0},   {2, 0.5}, {0.8, 1.5}, {0.2, 3}, {0, 5},  {0.2, 7}, {0.8, 8.5}, {2, 9.5},
                        {4, 10},  {10, 10}, {10, 8},  {4, 8},     {2.5, 5}, {4, 2},  {10, 2},  {10, 0}};
    const MultiPolygon<MetricPoint> mp{{c, {}}};
    ASSERT_GE(c.size() - 1, 12u);
    const tv::Triangles t = tv::triangulate(mp);
    EXPECT_EQ(t.vertices.size(), 3 * (c.size() - 1 - 2)) << "a simple n-gon gives n - 2 triangles";
    EXPECT_NEAR(t.area(), ring_area(c), 1e-9 * ring_area(c));
    for (const tv::Vec2 ctr : centroids(t)) EXPECT_TRUE(in_polygon(mp, ctr)) << ctr.x << ", " << ctr.y;
    // The mouth of the C stays empty.
    for (const tv::Vec2 ctr : centroids(t)) EXPECT_FALSE(ctr.x > 4 && ctr.y > 2 && ctr.y < 8);
}

TEST(ViewCoreTriangulate, ClosingPointOptional) {
    Ring<MetricPoint> closed = rect_ring(0, 0, 3, 2);
    Ring<MetricPoint> open = closed;
    open.pop_back();
    Ring<MetricPoint> doubled = closed;  // a repeated vertex as well
    doubled.insert(doubled.begin() + 2, doubled[2]);
    for (const auto& ring : {closed, open, doubled}) {
        const tv::Triangles t = tv::triangulate({{ring, {}}});
        EXPECT_EQ(t.vertices.size(), 6u);
        EXPECT_NEAR(t.area(), 6, 1e-12);
    }
}

TEST(ViewCoreTriangulate, SelfIntersecting_splitByOddRule) {
    // A bow tie: two triangles of area 1 meeting at (1, 1), a vertex GLU adds.
    const Ring<MetricPoint> bow{{0, 0}, {2, 2}, {2, 0}, {0, 2}, {0, 0}};
    const tv::Triangles t = tv::triangulate({{bow, {}}});
    EXPECT_NEAR(t.area(), 2, 1e-9);
    EXPECT_EQ(t.vertices.size(), 6u);
    EXPECT_TRUE(std::any_of(t.vertices.begin(), t.vertices.end(), [](tv::Vec2 v) {
        return std::abs(v.x - 1) < 1e-12 && std::abs(v.y - 1) < 1e-12;
    }));
}

TEST(ViewCoreTriangulate, EmptyAndDegenerate_noTriangles) {
    EXPECT_TRUE(tv::triangulate({}).vertices.empty());
    EXPECT_TRUE(tv::triangulate({{Ring<MetricPoint>{}, {}}}).vertices.empty());
    EXPECT_TRUE(tv::triangulate({{Ring<MetricPoint>{{0, 0}, {1, 1}, {0, 0}}, {}}}).vertices.empty());
    // A degenerate part does not spoil the next one.
    const tv::Triangles t = tv::triangulate({{Ring<MetricPoint>{{0, 0}, {1, 1}}, {}}, {rect_ring(0, 0, 1, 1), {}}});
    EXPECT_NEAR(t.area(), 1, 1e-12);
}

TEST(ViewCoreTriangulate, ManyHolesAtUtmScale_areaExact) {
    // A 10 km square with a grid of 25 square holes, at UTM-sized offsets.
    const double x0 = 498765.4321, y0 = 2512345.6789;
    Polygon<MetricPoint> part{rect_ring(x0, y0, x0 + 10000, y0 + 10000), {}};
    for (int i = 0; i < 5; ++i)
        for (int j = 0; j < 5; ++j)
            part.holes.push_back(rect_ring(x0 + 500 + 2000 * i, y0 + 700 + 2000 * j, x0 + 1300 + 2000 * i,
                                           y0 + 1500 + 2000 * j));
    const MultiPolygon<MetricPoint> mp{part};
    const tv::Triangles t = tv::triangulate(mp);
    const double want = 1e8 - 25 * 800.0 * 800.0;
    EXPECT_NEAR(t.area(), want, 1e-9 * want);
    for (const tv::Vec2 c : centroids(t)) EXPECT_TRUE(in_polygon(mp, c));
}

TEST(ViewCoreTriangulate, ConcurrentCalls_sameResult) {
    // Each call owns its tessellator and callback state: threads must not mix.
    Polygon<MetricPoint> part{rect_ring(0, 0, 1000, 1000), {}};
    for (int i = 0; i < 8; ++i) part.holes.push_back(rect_ring(100 * i + 20, 100, 100 * i + 80, 900));
    const MultiPolygon<MetricPoint> mp{part};
    const tv::Triangles want = tv::triangulate(mp);
    std::vector<tv::Triangles> got(4);
    std::vector<std::thread> threads;
    for (auto& g : got)
        threads.emplace_back([&g, &mp] {
            for (int k = 0; k < 50; ++k) g = tv::triangulate(mp);
        });
    for (auto& t : threads) t.join();
    for (const auto& g : got) EXPECT_EQ(g.vertices, want.vertices);
    EXPECT_NEAR(want.area(), 1e6 - 8 * 60.0 * 800.0, 1e-6);
}

// ---------------------------------------------------------------------------

TEST(ViewCorePicking, PointAt_nearestWithinDistance) {
    tv::Picker picker;
    picker.set_points({{0, 0}, {10, 0}, {0, 10}, {10, 10}});
    EXPECT_EQ(picker.point_at({1, 1}, 5), 0u);
    EXPECT_EQ(picker.point_at({9, 2}, 5), 1u);
    EXPECT_EQ(picker.point_at({6, 9}, 5), 3u);
    EXPECT_EQ(picker.point_at({13, 14}, 5), 3u);  // exactly at the distance: included
    EXPECT_EQ(picker.point_at({5, 5}, 3), std::nullopt);
    EXPECT_EQ(picker.point_at({-100, 0}, 50), std::nullopt);
    EXPECT_EQ(picker.point_at({1, 1}, -1), std::nullopt);
    EXPECT_EQ(picker.point_at({k_nan, 1}, 5), std::nullopt);
    EXPECT_EQ(picker.point_at({1, 1}, k_nan), std::nullopt);
    EXPECT_EQ(picker.point_at({5, 5}, 1e9), 0u);  // all four tie: the lowest index
}

TEST(ViewCorePicking, PointAt_filterRespected) {
    tv::Picker picker;
    picker.set_points({{0, 0}, {1, 0}, {2, 0}, {50, 0}});
    auto odd = [](std::size_t i) { return i % 2 == 1; };
    EXPECT_EQ(picker.point_at({0, 0}, 10, odd), 1u);
    EXPECT_EQ(picker.point_at({2.1, 0}, 10, odd), 1u);
    EXPECT_EQ(picker.point_at({2.1, 0}, 0.5, odd), std::nullopt);  // the visible one is too far
    auto none = [](std::size_t) { return false; };
    EXPECT_EQ(picker.point_at({0, 0}, 100, none), std::nullopt);
    EXPECT_EQ(picker.point_at({2.1, 0}, 10, {}), 2u);
}

TEST(ViewCorePicking, PointAt_randomAgainstBruteForce) {
    std::mt19937 rng(20240521);
    std::uniform_real_distribution<double> coord(0, 10000);
    std::vector<tv::Vec2> pts(1000);
    for (auto& p : pts) p = {500000 + coord(rng), 2500000 + coord(rng)};
    tv::Picker picker;
    picker.set_points(pts);
    std::uniform_real_distribution<double> radius(0, 800);
    for (int q = 0; q < 1000; ++q) {
        const tv::Vec2 at{500000 + coord(rng) * 1.1 - 500, 2500000 + coord(rng) * 1.1 - 500};
        const double max_dist = radius(rng);
        const int mod = 1 + q % 4;  // every point, every other one, ...
        auto visible = [mod](std::size_t i) { return i % mod == 0; };
        std::optional<std::size_t> want;
        double best = 0;
        for (std::size_t i = 0; i < pts.size(); ++i) {
            if (!visible(i)) continue;
            const double d = std::hypot(pts[i].x - at.x, pts[i].y - at.y);
            if (d <= max_dist && (!want || d < best)) {
                want = i;
                best = d;
            }
        }
        EXPECT_EQ(picker.point_at(at, max_dist, visible), want) << "query " << q;
    }
}

TEST(ViewCorePicking, UnitAt_holeIsNotTheUnit) {
    // Unit 0: a square with a hole; unit 1: an island inside that hole.
    const MultiPolygon<MetricPoint> ring_unit{{rect_ring(0, 0, 100, 100), {rect_ring(30, 30, 70, 70)}}};
    const MultiPolygon<MetricPoint> island{{rect_ring(40, 40, 60, 60), {}}};
    tv::Picker picker;
    picker.set_units({ring_unit, island});
    EXPECT_EQ(picker.unit_at({10, 10}), 0u);
    EXPECT_EQ(picker.unit_at({35, 50}), std::nullopt);  // in the hole, off the island
    EXPECT_EQ(picker.unit_at({50, 50}), 1u);
    EXPECT_EQ(picker.unit_at({150, 50}), std::nullopt);
}

TEST(ViewCorePicking, UnitAt_adjacentUnits) {
    // Three units side by side; the middle one has two parts. Rings come in
    // both orientations, open and closed: the picker corrects them.
    Ring<MetricPoint> west = rect_ring(0, 0, 10, 10);
    std::reverse(west.begin(), west.end());
    Ring<MetricPoint> east = rect_ring(20, 0, 30, 10);
    east.pop_back();
    const std::vector<MultiPolygon<MetricPoint>> units{
        {{west, {}}},
        {{rect_ring(10, 0, 20, 5), {}}, {rect_ring(10, 5, 20, 10), {}}},
        {{east, {}}},
        {},  // a unit without geometry
    };
    tv::Picker picker;
    picker.set_units(units);
    EXPECT_EQ(picker.unit_at({5, 5}), 0u);
    EXPECT_EQ(picker.unit_at({15, 2}), 1u);
    EXPECT_EQ(picker.unit_at({15, 8}), 1u);
    EXPECT_EQ(picker.unit_at({25, 5}), 2u);
    EXPECT_EQ(picker.unit_at({9.999, 5}), 0u);
    EXPECT_EQ(picker.unit_at({10.001, 5}), 1u);
    EXPECT_EQ(picker.unit_at({10, 5}), 0u);  // on the shared border: the lowest index
    EXPECT_EQ(picker.unit_at({15, 11}), std::nullopt);
}

TEST(ViewCorePicking, EmptyAndMovedFrom_pickNothing) {
    tv::Picker picker;
    EXPECT_EQ(picker.point_at({0, 0}, 1e9), std::nullopt);
    EXPECT_EQ(picker.unit_at({0, 0}), std::nullopt);
    picker.set_points({{1, 1}});
    tv::Picker moved = std::move(picker);
    EXPECT_EQ(moved.point_at({0, 0}, 2), 0u);
    picker.set_points({{5, 5}});  // usable again after a move
    EXPECT_EQ(picker.point_at({5, 5}, 0), 0u);
    EXPECT_EQ(picker.unit_at({5, 5}), std::nullopt);
}

// ---------------------------------------------------------------------------
// Aggregation of many points

TEST(ViewCoreAggregate, CellsHoldEveryDrawnPointInView_inTheMajorityColour) {
    tv::Camera cam;
    cam.viewport = {0, 0, 800, 600};
    cam.center = {5000, 5000};
    cam.metres_per_pixel = 20;  // 16 km x 12 km in view
    std::mt19937 rng(7);
    std::uniform_real_distribution<double> u(-5000, 15000);
    std::vector<tv::Vec2> pts;
    std::vector<tv::Rgba> col;
    for (int i = 0; i < 40000; ++i) {
        pts.push_back({u(rng), u(rng)});
        // Two in three red; hidden ones (alpha 0) never count.
        col.push_back(i % 7 == 0 ? tv::Rgba{0, 0, 0, 0} : (i % 3 == 0 ? tv::Rgba{0, 0, 255, 255} : tv::Rgba{255, 0, 0, 255}));
    }
    const std::size_t shown = tv::points_in_view(cam, pts, col);
    const tv::Bins b = tv::aggregate(cam, pts, col, 14);
    EXPECT_EQ(b.points, shown);
    std::size_t total = 0, red = 0;
    for (std::size_t c = 0; c < b.count.size(); ++c) {
        total += b.count[c];
        red += b.colour[c] == tv::Rgba{255, 0, 0, 255};
        EXPECT_LE(b.size_px[c], 14.0f);
        // The disc sits inside the view.
        const tv::Rect w = cam.visible_world();
        EXPECT_TRUE(w.contains(b.centre[c]));
    }
    EXPECT_EQ(total, shown);
    EXPECT_GT(red, b.count.size() / 2) << "most cells are mostly red";
    // At most one disc per 14-pixel cell of the viewport (a cell cut by the edge counts once).
    EXPECT_LE(b.centre.size(), static_cast<std::size_t>((800 / 14 + 2) * (600 / 14 + 2)));
    EXPECT_LT(b.centre.size(), shown / 4) << "aggregation must draw far fewer discs than points";
}

// Labels: no two drawn ones overlap, a higher priority always wins a clash,
// none sticks out of the view, and a label clashing with nothing drawn is
// drawn (so nothing is hidden without a reason). Checked against all pairs.
TEST(ViewCoreLabels, DrawnLabelsNeverOverlap_andOnlyAClashHidesOne) {
    std::mt19937_64 rng(20261206);
    const tv::Rect view{100, 50, 800, 600};
    std::uniform_real_distribution<double> x(60, 900), y(20, 650), w(20, 90);
    std::vector<tv::Rect> boxes;
    for (int i = 0; i < 2800; ++i) boxes.push_back({x(rng), y(rng), w(rng), 16});
    std::vector<std::size_t> priority(boxes.size());
    for (std::size_t i = 0; i < priority.size(); ++i) priority[i] = (i * 7919) % boxes.size();  // a permutation
    std::vector<std::size_t> drawn;
    for (const tv::PlacedLabel& l : tv::place_labels(boxes, priority, view)) {
        EXPECT_FALSE(l.leader) << "without max_shift, no label moves";
        drawn.push_back(l.index);
    }
    auto overlap = [](const tv::Rect& a, const tv::Rect& b) { return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h; };
    auto inside = [&](const tv::Rect& r) { return r.x >= view.x && r.y >= view.y && r.x + r.w <= view.x + view.w && r.y + r.h <= view.y + view.h; };
    std::vector<std::size_t> rank(boxes.size());
    for (std::size_t k = 0; k < priority.size(); ++k) rank[priority[k]] = k;
    std::vector<bool> is_drawn(boxes.size(), false);
    for (std::size_t i : drawn) is_drawn[i] = true;
    ASSERT_GT(drawn.size(), 50u);
    ASSERT_LT(drawn.size(), boxes.size() / 2) << "2,800 labels in 800 x 600 pixels must clash";
    for (std::size_t a = 0; a < drawn.size(); ++a) {
        EXPECT_TRUE(inside(boxes[drawn[a]]));
        for (std::size_t b = a + 1; b < drawn.size(); ++b) ASSERT_FALSE(overlap(boxes[drawn[a]], boxes[drawn[b]])) << drawn[a] << " " << drawn[b];
    }
    for (std::size_t i = 0; i < boxes.size(); ++i) {
        if (is_drawn[i] || !inside(boxes[i])) continue;
        bool hidden_by_a_higher_one = false;  // every label left out clashes with a drawn label that comes before it
        for (std::size_t j : drawn) hidden_by_a_higher_one = hidden_by_a_higher_one || (rank[j] < rank[i] && overlap(boxes[i], boxes[j]));
        EXPECT_TRUE(hidden_by_a_higher_one) << "label " << i << " was left out without a clash";
    }
}

// Labels that clash at their anchors (Quanzhou's dense south-east: five
// small districts around one point) move to free spots nearby, each with a
// leader back to its anchor, and still never overlap nor leave the view;
// one that finds no free spot within max_shift is left out.
TEST(ViewCoreLabels, ClashingLabelsMoveWithALeader_withinMaxShift) {
    const tv::Rect view{0, 0, 400, 300};
    std::vector<tv::Rect> boxes;
    for (int i = 0; i < 5; ++i) boxes.push_back({200 - 25 + i * 3.0, 150 - 8 + i * 2.0, 50, 16});
    const std::vector<std::size_t> priority{0, 1, 2, 3, 4};
    const auto placed = tv::place_labels(boxes, priority, view, 60);
    ASSERT_EQ(placed.size(), 5u) << "five labels fit within 60 px of one point";
    EXPECT_EQ(placed[0].index, 0u);
    EXPECT_FALSE(placed[0].leader) << "the first label keeps its anchor";
    EXPECT_EQ(placed[0].box.x, boxes[0].x);
    auto overlap = [](const tv::Rect& a, const tv::Rect& b) { return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h; };
    for (std::size_t a = 0; a < placed.size(); ++a) {
        const tv::Rect& r = placed[a].box;
        const tv::Rect& anchor = boxes[placed[a].index];
        EXPECT_EQ(placed[a].leader, r.x != anchor.x || r.y != anchor.y);
        EXPECT_LE(std::hypot(r.x - anchor.x, r.y - anchor.y), 60.0);
        EXPECT_TRUE(r.x >= 0 && r.y >= 0 && r.x + r.w <= 400 && r.y + r.h <= 300);
        for (std::size_t b = a + 1; b < placed.size(); ++b) EXPECT_FALSE(overlap(r, placed[b].box)) << a << " " << b;
    }
    // Twenty at one point cannot all fit within 30 px: some are left out.
    std::vector<tv::Rect> crowd(20, tv::Rect{175, 142, 50, 16});
    std::vector<std::size_t> order(20);
    for (std::size_t i = 0; i < 20; ++i) order[i] = i;
    const auto few = tv::place_labels(crowd, order, view, 30);
    EXPECT_GT(few.size(), 1u);
    EXPECT_LT(few.size(), 20u);
}

// The A / B table: B's checks matched with A's by target, unit and date
// (not by position: an edited scenario may have other checks), NaN where A
// has none, each target's P(all met) from the replications' target_met,
// rows by date with the city first.
TEST(ViewCoreCompare, TargetsMatchByTargetUnitAndDate_notByPosition) {
    using tisheng::Check;
    using tisheng::Date;
    using tisheng::Results;
    const Date d1 = *Date::parse("2023-12-31"), d2 = *Date::parse("2024-12-31");
    auto check = [](std::size_t target, std::int32_t unit, Date d) {
        Check c;
        c.target = target;
        c.unit = unit;
        c.date = d;
        c.required = 2;
        return c;
    };
    Results a, b;
    a.replications = b.replications = 4;
    // A: target 0 for units 1, 0 at d1 (another order), no d2 check.
    a.layout.checks = {check(0, 1, d1), check(0, 0, d1), check(1, -1, d1)};
    a.checks.resize(3);
    a.checks[0].p_met = 0.25, a.checks[1].p_met = 0.5, a.checks[2].p_met = 1.0;
    a.target_met = {1, 1, 0, 1, 0, 0, 0, 1};  // [rep * 2 + target]: target 0 met in 1 of 4, target 1 in 3
    // B: units 0, 1 at d2 then d1; target 1 for the city.
    b.layout.checks = {check(0, 0, d2), check(0, 0, d1), check(0, 1, d1), check(1, -1, d1)};
    b.checks.resize(4);
    b.checks[0].p_met = 0.9, b.checks[1].p_met = 0.75, b.checks[2].p_met = 0.5, b.checks[3].p_met = 0.0;
    b.target_met = {1, 0, 1, 0, 1, 0, 0, 0};  // target 0 met in 3 of 4, target 1 never
    const auto groups = tv::compare_targets(a, b);
    ASSERT_EQ(groups.size(), 2u);
    EXPECT_DOUBLE_EQ(groups[0].p_a, 0.25);
    EXPECT_DOUBLE_EQ(groups[0].p_b, 0.75);
    EXPECT_DOUBLE_EQ(groups[1].p_a, 0.75);
    EXPECT_DOUBLE_EQ(groups[1].p_b, 0.0);
    ASSERT_EQ(groups[0].rows.size(), 3u);
    // By date, then unit: (d1, 0), (d1, 1), (d2, 0).
    EXPECT_EQ(groups[0].rows[0].unit, 0);
    EXPECT_EQ(groups[0].rows[0].date, d1);
    EXPECT_DOUBLE_EQ(groups[0].rows[0].p_a, 0.5);   // A's unit 0, listed second in A
    EXPECT_DOUBLE_EQ(groups[0].rows[0].p_b, 0.75);
    EXPECT_EQ(groups[0].rows[0].check_b, 1u);
    EXPECT_DOUBLE_EQ(groups[0].rows[1].p_a, 0.25);
    EXPECT_DOUBLE_EQ(groups[0].rows[1].change(), 0.25);
    EXPECT_EQ(groups[0].rows[2].date, d2);
    EXPECT_TRUE(std::isnan(groups[0].rows[2].p_a)) << "A has no check at 2024-12-31";
    ASSERT_EQ(groups[1].rows.size(), 1u);
    EXPECT_DOUBLE_EQ(groups[1].rows[0].p_a, 1.0);
}

// A project without a station: not started before its start, running up
// to its planned end, ended after it; with a station, the station's status
// whatever the dates.
TEST(ViewCorePointClass, AProjectWithoutAStationIsNotStartedRunningOrEnded) {
    using tisheng::Date;
    using PC = tv::ProjectClass;
    const Date start = *Date::parse("2023-03-01"), end = *Date::parse("2024-02-29");
    EXPECT_EQ(tv::project_class(0, *Date::parse("2023-02-28"), start, end), PC::not_started);
    EXPECT_EQ(tv::project_class(0, start, start, end), PC::no_station);
    EXPECT_EQ(tv::project_class(0, end, start, end), PC::no_station);
    EXPECT_EQ(tv::project_class(0, *Date::parse("2024-03-01"), start, end), PC::ended);
    EXPECT_EQ(tv::project_class(4, *Date::parse("2025-01-01"), start, end), PC::built);
    EXPECT_EQ(tv::project_class(1, *Date::parse("2022-01-01"), start, end), PC::planned);
    // Every class has its own colour, so the key can tell them apart.
    std::set<std::uint32_t> colours;
    for (int c = 0; c < tv::project_classes; ++c) {
        const tv::Rgba k = tv::project_class_colour(static_cast<PC>(c));
        colours.insert((std::uint32_t{k.r} << 16) | (std::uint32_t{k.g} << 8) | k.b);
    }
    EXPECT_EQ(colours.size(), static_cast<std::size_t>(tv::project_classes));
    const auto n = tv::count_classes({0, 2, 2, 8, 255}, tv::project_classes);
    EXPECT_EQ(n[0], 1u);
    EXPECT_EQ(n[2], 2u);
    EXPECT_EQ(n[8], 1u);
}

// The split map: two equal halves inside the map, A left of B; one camera
// on each shows the same ground (a world point lands at the same offset in
// both halves).
TEST(ViewCoreLayout, SplitHalvesAreEqualAndShowTheSameGround) {
    const tv::Rect map{400, 22, 1201, 892};
    const tv::SplitMap s = tv::split_map(map);
    EXPECT_EQ(s.a.w, s.b.w);
    EXPECT_EQ(s.a.h, map.h);
    EXPECT_DOUBLE_EQ(s.a.x, map.x);
    EXPECT_DOUBLE_EQ(s.b.x + s.b.w, map.x + map.w);
    EXPECT_GE(s.b.x - (s.a.x + s.a.w), tv::split_gutter);
    tv::Camera a = utm_camera(), b = utm_camera();
    a.viewport = s.a;
    b.viewport = s.b;
    const tv::Vec2 w{512000, 2493000};
    const tv::Vec2 pa = a.to_screen(w), pb = b.to_screen(w);
    EXPECT_NEAR(pa.x - s.a.x, pb.x - s.b.x, 1e-9);
    EXPECT_NEAR(pa.y, pb.y, 1e-9);
}

// Every UI string the viewer's sources pass to tr() or trid() has a
// Chinese form in the table (core/labels.cpp), so the Chinese UI shows no
// English word of ours (engine error texts aside).
TEST(ViewCoreLabels, EveryTranslatedStringHasAChineseForm) {
    namespace fs = std::filesystem;
    const std::regex call(R"re(\btr(?:id)?\("((?:[^"\\]|\\.)*)"\))re");
    std::vector<std::string> missing;
    int seen = 0;
    tisheng::viewer::set_chinese(true);
    for (const auto& entry : fs::directory_iterator(fs::path(TISHENG_SOURCE_DIR) / "viewer" / "src")) {
        std::ifstream in(entry.path());
        const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        for (std::sregex_iterator m(text.begin(), text.end(), call), end; m != end; ++m) {
            const std::string english = (*m)[1];
            ++seen;
            if (english == tisheng::viewer::tr(english.c_str())) missing.push_back(entry.path().filename().string() + ": " + english);
        }
    }
    tisheng::viewer::set_chinese(false);
    EXPECT_GT(seen, 80) << "the scan found too few calls to mean anything";
    EXPECT_TRUE(missing.empty()) << "no Chinese form for:\n  " << [&] {
        std::string s;
        for (const auto& m : missing) s += m + "\n  ";
        return s;
    }();
}
