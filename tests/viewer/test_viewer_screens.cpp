// Screenshots of the real viewer under Xvfb: the unit fills against colours
// computed here from the engine's own run, the labels, the date, a broken
// scenario, and the exit codes. The expected values are computed in the
// test from the same inputs, never written down.
#include <gtest/gtest.h>
#include <stb_image.h>  // the implementation is in libstb (Debian)
#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/camera.hpp"
#include "core/layout.hpp"
#include "core/legend.hpp"
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
const std::string k_replications = "run.replications=200";  // keeps a run to about a second

fs::path scenario() { return source_dir() / "scenarios" / "jiangmen-baseline.yaml"; }

std::uint32_t key(tv::Rgba c) { return (std::uint32_t{c.r} << 16) | (std::uint32_t{c.g} << 8) | c.b; }

/// Colour counts over a pixel rectangle (alpha ignored: the PNG is opaque).
std::map<std::uint32_t, std::size_t> histogram(const Image& img, const tv::Rect& r) {
    std::map<std::uint32_t, std::size_t> h;
    for (int y = static_cast<int>(r.y); y < static_cast<int>(r.y + r.h); ++y)
        for (int x = static_cast<int>(r.x); x < static_cast<int>(r.x + r.w); ++x) ++h[key(img.at(x, y))];
    return h;
}

double luminance(tv::Rgba c) { return 0.299 * c.r + 0.587 * c.g + 0.114 * c.b; }

/// Dark pixels (text, lines) in a rectangle, clipped to the image.
int dark_pixels(const Image& img, double x0, double y0, double x1, double y1) {
    int n = 0;
    for (int y = std::max(0, static_cast<int>(y0)); y < std::min(img.h, static_cast<int>(std::ceil(y1))); ++y)
        for (int x = std::max(0, static_cast<int>(x0)); x < std::min(img.w, static_cast<int>(std::ceil(x1))); ++x)
            if (luminance(img.at(x, y)) < 100) ++n;
    return n;
}

double distance_to_segment(tv::Vec2 p, tv::Vec2 a, tv::Vec2 b) {
    const double dx = b.x - a.x, dy = b.y - a.y, len2 = dx * dx + dy * dy;
    const double t = len2 > 0 ? std::clamp(((p.x - a.x) * dx + (p.y - a.y) * dy) / len2, 0.0, 1.0) : 0.0;
    return std::hypot(p.x - (a.x + t * dx), p.y - (a.y + t * dy));
}

bool in_rect(tv::Vec2 p, double x0, double y0, double x1, double y1) { return p.x >= x0 && p.x < x1 && p.y >= y0 && p.y < y1; }

/// A dataset as one map draws it: the camera fitted as app.cpp fits it to
/// `map`, and the points, the label anchors and every border segment on
/// the screen.
struct Projected {
    tv::Camera camera;
    tv::Rect map;
    std::vector<tv::Vec2> points, labels;
    std::vector<std::pair<tv::Vec2, tv::Vec2>> edges;

    Projected(const tisheng::viewer::Dataset& data, const tv::Rect& area) : map(area) {
        camera.viewport = area;
        camera.fit(data.bounds);
        for (const tv::Vec2& w : data.points) points.push_back(camera.to_screen(w));
        for (const tv::Vec2& w : data.labels) labels.push_back(camera.to_screen(w));
        for (const auto& mp : data.units)
            for (const auto& poly : mp) {
                auto ring = [&](const tisheng::Ring<tisheng::MetricPoint>& r) {
                    for (std::size_t i = 0; i < r.size(); ++i) {
                        const auto& a = r[i];
                        const auto& b = r[(i + 1) % r.size()];
                        edges.emplace_back(camera.to_screen({a.x, a.y}), camera.to_screen({b.x, b.y}));
                    }
                };
                ring(poly.outer);
                for (const auto& h : poly.holes) ring(h);
            }
    }
    [[nodiscard]] double nearest_edge(tv::Vec2 p) const {
        double d = 1e300;
        for (const auto& [a, b] : edges) d = std::min(d, distance_to_segment(p, a, b));
        return d;
    }
    [[nodiscard]] double nearest_point(tv::Vec2 p) const {
        double d = 1e300;
        for (const tv::Vec2& q : points) d = std::min(d, std::hypot(p.x - q.x, p.y - q.y));
        return d;
    }
};

/// p50 stations built per unit at the first month end on or after `date`
/// (App::set_month_from_date), or empty without a per-unit series.
std::vector<double> built_at(const tisheng::viewer::Run& run, const std::string& date) {
    const tisheng::Layout& L = run.results.layout;
    const auto d = tisheng::Date::parse(date);
    std::size_t month = 0;
    while (month + 1 < L.months.size() && L.months[month] < *d) ++month;
    const auto metric = std::find(L.metrics.begin(), L.metrics.end(), "stations_built");
    std::vector<double> built;
    if (metric == L.metrics.end() || !L.per_unit_series()) return built;
    for (std::size_t u = 0; u < L.units; ++u)
        built.push_back(run.results.series.at(L.series_index(static_cast<std::size_t>(metric - L.metrics.begin()), u, month)).p50);
    return built;
}

/// Checks each unit's fill at the centroid of its largest clear triangle
/// (away from points, borders, names and the overlays) against the
/// legend's colour of its value. Returns how many units had such a pixel;
/// adds the expected colours to `colours`.
int expect_fills(const Image& img, const Projected& p, const tisheng::viewer::Dataset& data, const std::vector<double>& values,
                 const tv::Legend& legend, const std::string& side, std::set<std::uint32_t>& colours) {
    const tv::Rect& m = p.map;
    // The overlays' areas (panel_map.cpp), with pixels to spare: the legend
    // and the points' key above it bottom-left, the scale bar (at most
    // 160 px) bottom-right, the title top-left.
    const double lx0 = m.x + 12 - 4, lx1 = m.x + 12 + 300 + 4, ly0 = m.y + m.h - 70 - 4 - 170, ly1 = m.y + m.h - 12 + 4;
    const double sx0 = m.x + m.w - 16 - 160 - 6 - 4, sy0 = m.y + m.h - 20 - 20 - 4;
    auto clear = [&](tv::Vec2 s) {
        if (!in_rect(s, m.x + 4, m.y + 30, m.x + m.w - 4, m.y + m.h - 4)) return false;
        if (in_rect(s, lx0, ly0, lx1, ly1) || (s.x >= sx0 && s.y >= sy0)) return false;
        for (const tv::Vec2& l : p.labels)
            if (std::abs(s.x - l.x) < 90 && std::abs(s.y - l.y) < 45) return false;  // a name, or one moved beside it
        return p.nearest_point(s) >= 30 && p.nearest_edge(s) >= 4;  // discs (<= 22 px) and border lines
    };
    int found = 0;
    for (std::size_t u = 0; u < data.fills.size(); ++u) {
        const tv::Rgba want = legend.colour(values[u]);
        colours.insert(key(want));
        const auto& v = data.fills[u].vertices;
        std::optional<tv::Vec2> best;
        double best_area = -1;
        for (std::size_t t = 0; t + 2 < v.size(); t += 3) {
            const tv::Vec2 a = p.camera.to_screen(v[t]), b = p.camera.to_screen(v[t + 1]), c = p.camera.to_screen(v[t + 2]);
            const double area = std::abs((b.x - a.x) * (c.y - a.y) - (c.x - a.x) * (b.y - a.y)) / 2;
            const tv::Vec2 centroid{(a.x + b.x + c.x) / 3, (a.y + b.y + c.y) / 3};
            if (area > best_area && clear(centroid)) {
                best = centroid;
                best_area = area;
            }
        }
        if (!best) continue;
        ++found;
        const int x = static_cast<int>(std::floor(best->x)), y = static_cast<int>(std::floor(best->y));
        const tv::Rgba got = img.at(x, y);
        const auto close = [](int a, int b) { return std::abs(a - b) <= 3; };
        EXPECT_TRUE(close(got.r, want.r) && close(got.g, want.g) && close(got.b, want.b))
            << side << ": unit " << u << " (" << data.scenario->region.unit(static_cast<tisheng::UnitIndex>(u)).name << ", value "
            << values[u] << ") at pixel (" << x << ", " << y << "): got rgb(" << int(got.r) << ", " << int(got.g) << ", " << int(got.b)
            << "), expected rgb(" << int(want.r) << ", " << int(want.g) << ", " << int(want.b) << ")";
    }
    return found;
}

/// What the viewer should show, computed here from the engine: the same
/// scenario, overrides and date, on the whole map.
struct Expected {
    tisheng::viewer::Dataset data;
    tisheng::viewer::Run run;
    std::vector<double> built;  ///< p50 stations built per unit at the date
    tv::Legend legend;
    std::unique_ptr<Projected> screen;
};

std::unique_ptr<Expected> compute_expected(const std::string& date) {
    auto e = std::make_unique<Expected>();
    tisheng::viewer::Progress p;
    e->data = tisheng::viewer::load_dataset(scenario(), {k_replications}, p);
    e->run = tisheng::viewer::run_scenario(scenario(), {k_replications}, {}, 1, p);  // deterministic whatever the threads
    e->built = built_at(e->run, date);
    if (e->built.empty()) return nullptr;
    e->legend = tv::make_legend(tv::Measure::count, "", e->built);
    e->screen = std::make_unique<Projected>(e->data, tv::screen_layout(k_width, k_height).map);
    return e;
}

const std::string k_date_a = "2024-06-30";  // the date the fills are checked at
const std::string k_date_b = "2023-09-30";  // an earlier one, to see the map change

#define REQUIRE_XVFB() \
    if (!on_path("xvfb-run")) GTEST_SKIP() << "xvfb-run is not on PATH: the viewer needs an X display for screenshots"

// [FIXTURE] Two screenshots of Jiangmen (k_date_a and k_date_b, fill
// "built"; no basemap, whose colours the fills would blend with: see
// test_basemap_screens.cpp) and the expected values, each made once, when a test first
// needs it: under ctest every test is a process of its own, and the tests
// that need no screenshot then make none.

class ViewerScreens : public ::testing::Test {
protected:
    struct Shot {
        Exit exit;
        std::optional<Image> image;
    };

    static TempDir& dir() {
        static TempDir d;
        return d;
    }

    static const Shot& shot(const std::string& date) {
        static std::map<std::string, Shot> shots;
        auto it = shots.find(date);
        if (it == shots.end()) {
            const fs::path png = dir() / ("jiangmen-" + date + ".png");
            Shot s;
            s.exit = run_viewer_xvfb(quote(scenario().string()) + " --screenshot " + quote(png.string()) +
                                         " --frames 3 --size 1600x1000 --date " + date + " --fill built --lang zh --no-basemap --set " + k_replications,
                                     dir() / ("jiangmen-" + date + ".err"));
            s.image = load_png(png);
            it = shots.emplace(date, std::move(s)).first;
        }
        return it->second;
    }

    /// The screenshot of `date`, asserted written whole (ASSERT_NO_FATAL_FAILURE at the call).
    static void require_shot(const std::string& date, const Image*& out) {
        const Shot& s = shot(date);
        ASSERT_EQ(s.exit.code, 0) << "viewer stderr:\n" << s.exit.stderr_text;
        ASSERT_TRUE(s.image.has_value()) << "no readable PNG for " << date;
        ASSERT_EQ(s.image->w, k_width);
        ASSERT_EQ(s.image->h, k_height);
        out = &*s.image;
    }

    static const Expected* expected() {
        static std::unique_ptr<Expected> e = compute_expected(k_date_a);
        return e.get();
    }
};

TEST_F(ViewerScreens, JiangmenFillsMatchTheLegendAtUnitInteriors) {
    REQUIRE_XVFB();
    const Image* img = nullptr;
    ASSERT_NO_FATAL_FAILURE(require_shot(k_date_a, img));
    const Expected* e = expected();
    ASSERT_NE(e, nullptr) << "the run has no per-unit 'stations_built' series";
    std::set<std::uint32_t> colours;
    const int found = expect_fills(*img, *e->screen, e->data, e->built, e->legend, "map", colours);
    EXPECT_GE(found, 5) << "a clear interior pixel was found for only " << found << " of " << e->data.fills.size() << " units";
    EXPECT_GE(colours.size(), 3u) << "the expected fills are nearly uniform: the test would not tell a wrong colour";
}

// The split view: A (the scenario) on the left, B (pilot-phase adoption
// cut to 0.01 a month: far fewer stations by mid-2024) on the right, one
// camera, one legend scale: each side's fills are its own run's numbers,
// computed here from the engine. The two runs differ, so a side drawing the
// other's numbers fails.
TEST_F(ViewerScreens, SplitViewFillsAreEachRunsOwnOnOneScale) {
    REQUIRE_XVFB();
    const std::string edit = "behaviour.adoption.phases.pilot=0.01";
    const fs::path png = dir() / "split.png";
    const Exit x = run_viewer_xvfb(quote(scenario().string()) + " --screenshot " + quote(png.string()) + " --frames 3 --size 1600x1000 --date " +
                                       k_date_a + " --fill built --lang zh --no-basemap --set " + k_replications + " --whatif " + edit,
                                   dir() / "split.err");
    ASSERT_EQ(x.code, 0) << x.stderr_text;
    const auto img = load_png(png);
    ASSERT_TRUE(img.has_value());
    const Expected* e = expected();
    ASSERT_NE(e, nullptr);
    tisheng::viewer::Progress p;
    const tisheng::viewer::Run b = tisheng::viewer::run_scenario(scenario(), {k_replications, edit}, {}, 1, p);
    const std::vector<double> built_b = built_at(b, k_date_a);
    ASSERT_NE(built_b, e->built) << "A and B must differ for the test to tell the sides apart";
    std::vector<double> both = e->built;
    both.insert(both.end(), built_b.begin(), built_b.end());
    const tv::Legend legend = tv::make_legend(tv::Measure::count, "", both);
    const tv::SplitMap halves = tv::split_map(tv::screen_layout(k_width, k_height).map);
    ASSERT_EQ(halves.a.w, halves.b.w);
    std::set<std::uint32_t> colours;
    const int found_a = expect_fills(*img, Projected(e->data, halves.a), e->data, e->built, legend, "A", colours);
    const int found_b = expect_fills(*img, Projected(e->data, halves.b), e->data, built_b, legend, "B", colours);
    EXPECT_GE(found_a, 4);
    EXPECT_GE(found_b, 4);
    EXPECT_GE(colours.size(), 3u) << "the expected fills are nearly uniform: the test would not tell a wrong colour";
}

TEST_F(ViewerScreens, NotBlank) {
    REQUIRE_XVFB();
    const Image* img = nullptr;
    ASSERT_NO_FATAL_FAILURE(require_shot(k_date_a, img));
    EXPECT_GE(histogram(*img, {0, 0, double(img->w), double(img->h)}).size(), 20u);
    // The map: no colour covers nearly all of it.
    const tv::Rect m = tv::screen_layout(k_width, k_height).map;
    const auto h = histogram(*img, m);
    std::size_t most = 0;
    for (const auto& [c, n] : h) most = std::max(most, n);
    EXPECT_GT(h.size(), 1u);
    EXPECT_LT(static_cast<double>(most), 0.9 * m.w * m.h) << "the map is (nearly) one colour";
}

TEST_F(ViewerScreens, ChineseLabelIsDrawn) {
    REQUIRE_XVFB();
    const Image* img = nullptr;
    ASSERT_NO_FATAL_FAILURE(require_shot(k_date_a, img));
    const Expected* e = expected();
    ASSERT_NE(e, nullptr);
    // The name is drawn on a white box (alpha 170) that lifts whatever the
    // map has under it (borders, disc rims) to a luminance of about 170 or
    // more: dark pixels there are the text's, and most of the rest is light.
    int checked = 0;
    for (std::size_t u = 0; u < e->screen->labels.size(); ++u) {
        const tv::Vec2 l = e->screen->labels[u];
        if (!in_rect(l, e->screen->map.x + 30, e->screen->map.y + 10, e->screen->map.x + e->screen->map.w - 30, e->screen->map.y + e->screen->map.h - 10)) continue;
        ++checked;
        const int dark = dark_pixels(*img, l.x - 25, l.y - 8, l.x + 25, l.y + 8);
        int light = 0, all = 0;
        for (int y = static_cast<int>(l.y - 8); y < static_cast<int>(l.y + 8); ++y)
            for (int x = static_cast<int>(l.x - 25); x < static_cast<int>(l.x + 25); ++x, ++all) light += luminance(img->at(x, y)) >= 150;
        const std::string name = e->data.scenario->region.unit(static_cast<tisheng::UnitIndex>(u)).name;
        EXPECT_GT(dark, 5) << "no text at the label of " << name << " (" << l.x << ", " << l.y << ")";
        EXPECT_GT(light, all / 2) << "no light box behind the label of " << name << " (" << l.x << ", " << l.y << ")";
    }
    EXPECT_GE(checked, 3) << "too few labels inside the map";
    // The menu bar: 文件 ... in its first 200 px.
    EXPECT_GT(dark_pixels(*img, 0, 0, 200, tv::menu_height), 5) << "the menu bar has no text";
}

TEST_F(ViewerScreens, DateSliderChangesTheMap) {
    REQUIRE_XVFB();
    const Image *a = nullptr, *b = nullptr;
    ASSERT_NO_FATAL_FAILURE(require_shot(k_date_a, a));
    ASSERT_NO_FATAL_FAILURE(require_shot(k_date_b, b));
    const tv::Rect m = tv::screen_layout(k_width, k_height).map;
    std::size_t differ = 0;
    for (int y = static_cast<int>(m.y); y < static_cast<int>(m.y + m.h); ++y)
        for (int x = static_cast<int>(m.x); x < static_cast<int>(m.x + m.w); ++x) differ += key(a->at(x, y)) != key(b->at(x, y));
    EXPECT_GT(static_cast<double>(differ), 0.01 * m.w * m.h) << k_date_a << " and " << k_date_b << " differ in " << differ << " map pixels";
}

TEST_F(ViewerScreens, BrokenScenarioShowsTheProblemsAndKeepsRunning) {
    REQUIRE_XVFB();
    // The baseline with a misspelt run key, its data_dir made absolute so
    // that the copy finds the data from a temporary folder.
    std::string yaml = slurp(scenario());
    const auto run_at = yaml.find("\nrun:");
    ASSERT_NE(run_at, std::string::npos);
    const auto key_at = yaml.find("\n  replications:", run_at);
    ASSERT_NE(key_at, std::string::npos);
    yaml.replace(key_at, std::string("\n  replications:").size(), "\n  replicatons:");
    const auto dd = yaml.find("\ndata_dir:");
    ASSERT_NE(dd, std::string::npos);
    const auto value_at = dd + std::string("\ndata_dir:").size(), eol = yaml.find('\n', value_at);
    std::string value = yaml.substr(value_at, eol - value_at);
    value = value.substr(0, value.find('#'));
    value.erase(0, value.find_first_not_of(' '));
    value.erase(value.find_last_not_of(' ') + 1);
    const fs::path data_dir = (scenario().parent_path() / value).lexically_normal();
    ASSERT_TRUE(fs::is_directory(data_dir)) << data_dir;
    yaml.replace(value_at, eol - value_at, " " + data_dir.string());

    TempDir tmp;
    const fs::path bad = tmp / "broken.yaml", png = tmp / "broken.png";
    tisheng::test::write(bad, yaml);

    // The first problem as `tisheng validate` states it.
    const auto validate = tisheng::test::run_cli("validate " + quote(bad.string()));
    ASSERT_NE(validate.exit_code, 0) << validate.output;
    std::string first_error;
    std::istringstream lines(validate.output);
    for (std::string line; std::getline(lines, line);)
        if (line.find("error") != std::string::npos) {
            first_error = line;
            break;
        }
    ASSERT_FALSE(first_error.empty()) << "validate printed no error:\n" << validate.output;

    const Exit viewer = run_viewer_xvfb(quote(bad.string()) + " --screenshot " + quote(png.string()) + " --frames 3 --set " + k_replications,
                                        tmp / "viewer.err");
    EXPECT_EQ(viewer.code, 1) << viewer.stderr_text;
    EXPECT_NE(viewer.stderr_text.find(first_error), std::string::npos)
        << "viewer stderr:\n" << viewer.stderr_text << "\nlacks validate's:\n" << first_error;
    const auto img = load_png(png);
    ASSERT_TRUE(img.has_value()) << "no screenshot of the failed load";
    EXPECT_GE(histogram(*img, {0, 0, double(img->w), double(img->h)}).size(), 20u) << "the screenshot is blank";
}

// The last two need no X server (they run without one), so they never skip.
TEST_F(ViewerScreens, NoDisplayExitsWithCode4) {
    TempDir tmp;
    const fs::path png = tmp / "x.png";
    const Exit e = run_shell("env -u DISPLAY -u WAYLAND_DISPLAY " + quote(TISHENG_VIEWER) + " " + quote(scenario().string()) +
                                 " --screenshot " + quote(png.string()),
                             tmp / "viewer.err");
    EXPECT_EQ(e.code, 4) << e.stderr_text;
    EXPECT_NE(e.stderr_text.find("cannot open a window"), std::string::npos) << e.stderr_text;
    EXPECT_FALSE(fs::exists(png));
}

TEST_F(ViewerScreens, UsageErrorExitsWith2) {
    TempDir tmp;
    const fs::path png = tmp / "x.png";
    // No display either: a size check that came too late would end in 4, not open a window.
    const Exit e = run_shell("env -u DISPLAY -u WAYLAND_DISPLAY " + quote(TISHENG_VIEWER) + " " + quote(scenario().string()) +
                                 " --screenshot " + quote(png.string()) + " --size 10x10",
                             tmp / "viewer.err");
    EXPECT_EQ(e.code, 2) << e.stderr_text;
    EXPECT_FALSE(fs::exists(png));
}

}  // namespace

// A run folder made by `tisheng run`, moved, opens in the viewer from its
// store: no simulator, the run's own numbers, the kept replications; the
// real program draws it (--timing says when it was ready).
TEST_F(ViewerScreens, AMovedRunFolderOpensFromItsStore) {
    TempDir tmp;
    const fs::path made = tmp / "made", moved = tmp / "elsewhere" / "run";
    const auto r = tisheng::test::run_cli("run " + quote(scenario().string()) + " --replications 40 --no-explain --out " + quote(made.string()));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    fs::create_directories(moved.parent_path());
    fs::rename(made, moved);

    tisheng::viewer::Progress p;
    const tisheng::viewer::Opened o = tisheng::viewer::open_input(moved, {}, p);
    ASSERT_TRUE(o.stored.has_value());
    EXPECT_EQ(o.stored->simulator, nullptr) << "nothing is simulated";
    const tisheng::StoredRun store = tisheng::open_store(moved);
    EXPECT_EQ(o.stored->results.replications, 40);
    ASSERT_EQ(o.stored->results.series.size(), store.results.series.size());
    for (std::size_t i = 0; i < store.results.series.size(); ++i) ASSERT_EQ(o.stored->results.series[i].p50, store.results.series[i].p50);
    EXPECT_EQ(o.data.points.size(), o.stored->scenario->sites.projects.size() + o.stored->scenario->sites.stations.size());
    // The median replication is kept: "median replication" shows it, not a neighbour.
    EXPECT_EQ(o.stored->replication(o.stored->results.median_replication).replication, o.stored->results.median_replication);
    EXPECT_FALSE(o.stored->kept_indices().empty());

    REQUIRE_XVFB();
    const fs::path png = tmp / "stored.png";
    const Exit e = run_viewer_xvfb(quote(moved.string()) + " --screenshot " + quote(png.string()) + " --frames 3 --timing", tmp / "stored.err");
    ASSERT_EQ(e.code, 0) << e.stderr_text;
    const std::string out = slurp(tmp / "stored.err.out");
    EXPECT_NE(out.find("ready after"), std::string::npos) << out;
    const auto img = load_png(png);
    ASSERT_TRUE(img.has_value());
    EXPECT_GE(histogram(*img, {0, 0, double(img->w), double(img->h)}).size(), 20u) << "the screenshot is blank";
}

// The font atlas is built from Dataset::glyphs: every character of every
// name must be in it (or it shows as '?'), each once (a national register's
// names would otherwise make it tens of MB, compared every frame).
TEST(ViewerDataset, GlyphsHoldEveryCharacterOfTheNamesOnce) {
    tisheng::viewer::Progress p;
    const tisheng::viewer::Dataset d = tisheng::viewer::load_dataset(scenario(), {}, p);
    // Characters as byte strings, split at UTF-8 lead bytes.
    auto characters = [](const std::string& s) {
        std::vector<std::string> out;
        for (const char c : s) {
            if ((static_cast<unsigned char>(c) & 0xC0) != 0x80 || out.empty()) out.emplace_back();
            out.back() += c;
        }
        return out;
    };
    const std::vector<std::string> glyphs = characters(d.glyphs);
    const std::set<std::string> distinct(glyphs.begin(), glyphs.end());
    EXPECT_EQ(distinct.size(), glyphs.size()) << "a character is in the glyphs twice";
    std::size_t checked = 0;
    for (const auto& project : d.scenario->sites.projects)
        for (const auto& name : {project.name, project.enterprise})
            for (const std::string& c : characters(name)) {
                ASSERT_TRUE(distinct.count(c)) << "'" << c << "' of '" << name << "' is not in the font's glyphs";
                ++checked;
            }
    for (const auto& unit : d.scenario->region.units())
        for (const std::string& c : characters(unit.name)) EXPECT_TRUE(distinct.count(c)) << c;
    EXPECT_GT(checked, distinct.size()) << "the names repeat characters, so the glyphs must be fewer than their characters";
}
