// tisheng-viewer [SCENARIO | RUN_DIR] [--screenshot PNG --frames N] ...
// A GLFW window with Dear ImGui on OpenGL 3.3 core; the engine does the
// work (app.hpp). Exit codes: 0 ok, 1 the input could not be opened (with
// --screenshot), 2 usage, 3 internal error, 4 no window (no display, or no
// OpenGL 3.3).
#include <CLI/CLI.hpp>
#define GL_GLEXT_PROTOTYPES 1
#include <GL/gl.h>
#include <GLFW/glfw3.h>
#include <fmt/format.h>
#include <imgui.h>
#include <imgui_impl_glfw.h>
#include <imgui_impl_opengl3.h>
#include <stb_image_write.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "app.hpp"
#include "core/layout.hpp"
#include "fonts.hpp"
#include "core/labels.hpp"
#include "tisheng/core/files.hpp"

using namespace tisheng;
using namespace tisheng::viewer;

namespace {

std::string g_glfw_error;

/// Reads a rectangle of the back buffer (top-left origin) and writes it as
/// PNG through a temporary file and a rename.
void write_png(const std::string& file, int x, int y, int w, int h, int fb_height) {
    std::vector<unsigned char> pixels(static_cast<std::size_t>(w) * static_cast<std::size_t>(h) * 4);
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glReadBuffer(GL_BACK);
    glReadPixels(x, fb_height - y - h, w, h, GL_RGBA, GL_UNSIGNED_BYTE, pixels.data());
    // OpenGL's rows start at the bottom; PNG's at the top.
    const std::size_t stride = static_cast<std::size_t>(w) * 4;
    std::vector<unsigned char> flipped(pixels.size());
    for (int r = 0; r < h; ++r)
        std::copy_n(pixels.begin() + static_cast<std::ptrdiff_t>(static_cast<std::size_t>(h - 1 - r) * stride), stride,
                    flipped.begin() + static_cast<std::ptrdiff_t>(static_cast<std::size_t>(r) * stride));
    for (std::size_t i = 3; i < flipped.size(); i += 4) flipped[i] = 255;  // opaque
    std::string png;
    stbi_write_png_to_func([](void* ctx, void* data, int size) { static_cast<std::string*>(ctx)->append(static_cast<char*>(data), static_cast<std::size_t>(size)); },
                           &png, w, h, 4, flipped.data(), static_cast<int>(stride));
    write_file_atomic(file, png);
}

struct FrameTimes {
    std::vector<double> all, during_run;
    std::vector<double> loading;  ///< frames before the input was loaded, run and shown (the very first aside)
    double ready_s = -1;  ///< from the window's first frame to the input loaded and its run shown
    void print() const {
        auto stats = [](std::vector<double> v) {
            if (v.empty()) return std::string("none");
            std::sort(v.begin(), v.end());
            return fmt::format("{} frames, median {:.2f} ms, p95 {:.2f} ms, max {:.2f} ms", v.size(), v[v.size() / 2],
                               v[std::min(v.size() - 1, v.size() * 95 / 100)], v.back());
        };
        fmt::print("frame time: {}\n", stats(all));
        fmt::print("frame time while a run was in progress: {}\n", stats(during_run));
        fmt::print("frame time while loading: {}\n", stats(loading));
        if (ready_s >= 0) fmt::print("ready after {:.2f} s (opened, run or read from the store, first frame drawn)\n", ready_s);
    }
};

/// What the command line asks for.
struct Args {
    Options options;
    std::string screenshot;
    int frames = 0;
    bool timing = false, rerun = false;
    bool batch = false;  ///< frames counted, then exit: --screenshot or --timing
    int width = 1600, height = 1000;
};

/// Reads the command line into `args`; an exit code when the viewer stops
/// there (help shown, or a usage error).
std::optional<int> parse_arguments(int argc, char** argv, Args& args) {
    CLI::App cli{"tisheng-viewer: the Tisheng map viewer (Dear ImGui)"};
    Options& options = args.options;
    std::string input, size = "1600x1000", lang = "zh";
    cli.add_option("INPUT", input, "a scenario YAML file or a run directory");
    cli.add_option("--screenshot", args.screenshot, "render, write the window to this PNG, and exit");
    cli.add_option("--frames", args.frames, "frames to render once loaded (with --screenshot or --timing; default 3)");
    cli.add_option("--date", options.date, "the date shown (YYYY-MM-DD; default: the end of the horizon)");
    cli.add_option("--size", size, "window size WxH (default 1600x1000)");
    cli.add_option("--set", options.overrides, "override a scenario value: path.to.key=value (repeatable)");
    cli.add_option("--whatif", options.whatif, "after the first run, a what-if run with this override (repeatable); the map shows A | B (see --compare)");
    cli.add_option("--fill", options.fill, "unit fill: p_target | built | coverage | access")->check(CLI::IsMember({"p_target", "built", "coverage", "access"}));
    cli.add_option("--compare", options.compare, "with --whatif: split (A | B side by side, the default) | difference (B - A) | off")
        ->check(CLI::IsMember({"split", "difference", "off"}));
    cli.add_option("--against", options.against, "a run folder shown as A beside INPUT (B): two saved runs, or a saved run and a scenario");
    cli.add_option("--target", options.target, "the target whose P(met) fills the units, by id (default: the one least likely met)");
    cli.add_option("--mode", options.mode, "state shown: median | replication | probability")->check(CLI::IsMember({"median", "replication", "probability"}));
    cli.add_option("--tab", options.tab, "side panel shown: layers | inspector | charts | whatif | siting (runs the siting model) | messages")
        ->check(CLI::IsMember({"layers", "inspector", "charts", "whatif", "siting", "messages"}));
    cli.add_option("--unit", options.unit, "select this unit (its id) in the Inspector; a screenshot waits for what would fix its misses");
    cli.add_option("--lang", lang, "UI language: zh | en (default zh)")->check(CLI::IsMember({"zh", "en"}));
    cli.add_option("--threads", options.threads, "simulation threads (default: all cores but one)");
    cli.add_option("--basemap", options.basemaps,
                   "a basemap drawn under the data (repeatable): a raster GDAL reads (GeoTIFF, MBTiles, GeoPackage tiles) or "
                   "vector lines (GeoPackage, GeoJSON, Shapefile); default: basemap.tif / basemap.gpkg beside the scenario's data");
    cli.add_flag("--no-basemap", options.no_basemap, "draw no basemap");
    cli.add_flag("--timing", args.timing, "print frame times (median, p95, max) when done");
    cli.add_flag("--rerun", args.rerun, "once loaded, re-run the scenario in the background (frame times while it runs)");
    try {
        cli.parse(argc, argv);
        if (size.find('x') == std::string::npos) throw CLI::ValidationError("--size", "expected WxH, e.g. 1600x1000");
    } catch (const CLI::ParseError& e) {
        return cli.exit(e) == 0 ? 0 : 2;
    }
    try {
        args.width = std::stoi(size.substr(0, size.find('x')));
        args.height = std::stoi(size.substr(size.find('x') + 1));
    } catch (const std::exception&) {
        args.width = args.height = 0;
    }
    if (args.width < 320 || args.height < 240) {
        fmt::print(stderr, "tisheng-viewer: --size {}: expected WxH of at least 320x240\n", size);
        return 2;
    }
    options.input = input;
    options.chinese = lang == "zh";
    args.batch = !args.screenshot.empty() || args.timing;
    if (args.batch && args.frames <= 0) args.frames = 3;
    options.batch = args.batch;
    return std::nullopt;
}

/// A window with an OpenGL 3.3 core context, made current; nullptr (said on
/// stderr) without a display or without OpenGL 3.3.
GLFWwindow* open_window(int width, int height, bool batch) {
    glfwSetErrorCallback([](int, const char* text) { g_glfw_error = text; });
    if (!glfwInit()) {
        fmt::print(stderr, "tisheng-viewer: cannot open a window: {}\n  (run it in a desktop session, or under xvfb-run for screenshots)\n",
                   g_glfw_error);
        return nullptr;
    }
    glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
    glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
    glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GL_TRUE);
    glfwWindowHint(GLFW_RESIZABLE, batch ? GLFW_FALSE : GLFW_TRUE);
    GLFWwindow* window = glfwCreateWindow(width, height, "Tisheng 提升", nullptr, nullptr);
    if (!window) {
        fmt::print(stderr, "tisheng-viewer: cannot create an OpenGL 3.3 window: {}\n", g_glfw_error);
        glfwTerminate();
        return nullptr;
    }
    glfwMakeContextCurrent(window);
    glfwSwapInterval(batch ? 0 : 1);
    return window;
}

/// Dear ImGui on the window, light style, no saved layout.
void start_imgui(GLFWwindow* window) {
    IMGUI_CHECKVERSION();
    ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr;  // the layout is fixed; nothing to remember
    ImGui::StyleColorsLight();
    ImGui::GetStyle().WindowRounding = 0;
    ImGui_ImplGlfw_InitForOpenGL(window, true);
    ImGui_ImplOpenGL3_Init("#version 330 core");
}

/// Dear ImGui and the window, closed in the reverse order of their start.
void close_window(GLFWwindow* window) {
    ImGui_ImplOpenGL3_Shutdown();
    ImGui_ImplGlfw_Shutdown();
    ImGui::DestroyContext();
    glfwDestroyWindow(window);
    glfwTerminate();
}

/// The map alone as the PNG the user asked for (app.export_png), if any.
void export_map(App& app, int fb_w, int fb_h) {
    if (app.export_png.empty()) return;
    const view::Rect m = view::screen_layout(fb_w, fb_h).map;
    try {
        write_png(app.export_png, static_cast<int>(m.x), static_cast<int>(m.y), static_cast<int>(m.w), static_cast<int>(m.h), fb_h);
        app.message(tr("exported the map to ") + app.export_png);
    } catch (const std::exception& e) {
        app.message(tr("could not export the map: ") + std::string(e.what()));
    }
    app.export_png.clear();
}

}  // namespace

int main(int argc, char** argv) {
    Args args;
    if (const auto stop = parse_arguments(argc, argv, args)) return *stop;
    const Options& options = args.options;
    const std::string& screenshot = args.screenshot;
    const int frames = args.frames;
    const bool timing = args.timing, rerun = args.rerun, batch = args.batch;

    GLFWwindow* window = open_window(args.width, args.height, batch);
    if (!window) return 4;
    start_imgui(window);

    int code = 0;
    // A job that ends wakes the loop below from glfwWaitEventsTimeout.
    job_ended_hook = [] { glfwPostEmptyEvent(); };
    try {
        App app(options);
        std::string glyphs = app.glyphs();
        if (auto warning = load_fonts(glyphs, 16.0f); !warning.empty()) {
            fmt::print(stderr, "tisheng-viewer: warning: {}\n", warning);
            app.message("warning: " + warning);
        }
        std::string error;
        app.renderer_ready = app.renderer.init(error);
        if (!app.renderer_ready) app.message("error: the map's shaders did not compile: " + error);

        FrameTimes times;
        int frames_done = 0, loading_frames = 0;
        bool rerun_started = false;
        auto last = std::chrono::steady_clock::now();
        const auto started = last;
        while (!glfwWindowShouldClose(window) && !app.quit) {
            // While work runs in the background and nothing animates, wait
            // for input (at most 0.1 s, so that progress still moves): a frame
            // drawn by software takes a core that the work needs. Input
            // wakes the loop at once.
            if (!app.idle() && !app.view.playing) glfwWaitEventsTimeout(0.1);
            else glfwPollEvents();
            // A new scenario brings new names: rebake the font between frames.
            if (app.glyphs() != glyphs) {
                glyphs = app.glyphs();
                load_fonts(glyphs, 16.0f);
                ImGui_ImplOpenGL3_DestroyFontsTexture();
                ImGui_ImplOpenGL3_CreateFontsTexture();
            }
            const auto now = std::chrono::steady_clock::now();
            const double dt = std::chrono::duration<double>(now - last).count();
            last = now;

            ImGui_ImplOpenGL3_NewFrame();
            ImGui_ImplGlfw_NewFrame();
            ImGui::NewFrame();
            int fb_w = 0, fb_h = 0;
            glfwGetFramebufferSize(window, &fb_w, &fb_h);
            const bool was_running = app.run_in_progress();
            const bool was_loading = times.ready_s < 0;
            app.frame(fb_w, fb_h, dt);
            ImGui::Render();
            glViewport(0, 0, fb_w, fb_h);
            glClearColor(0.96f, 0.96f, 0.96f, 1.0f);
            glClear(GL_COLOR_BUFFER_BIT);
            app.render_map(fb_h);
            ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());

            export_map(app, fb_w, fb_h);
            if (batch) {
                // Frames count once everything is loaded and run.
                const bool ready = app.idle() && (app.run || app.failed());
                if (was_loading && ++loading_frames > 1) {  // the first frame makes the font texture
                    glFinish();
                    times.loading.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - now).count());
                }
                if (ready && times.ready_s < 0) times.ready_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
                if (ready && rerun && !rerun_started) {
                    app.start_run({});
                    rerun_started = true;
                } else if (ready || (rerun_started && app.run_in_progress())) {
                    glFinish();  // time the frame as drawn, not as queued
                    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - now).count();
                    if (frames_done > 0) times.all.push_back(ms);  // the first frame after loading uploads buffers
                    if (was_running) times.during_run.push_back(ms);
                    if (ready && ++frames_done >= frames && !(rerun_started && app.run_in_progress())) {
                        if (!screenshot.empty()) write_png(screenshot, 0, 0, fb_w, fb_h, fb_h);
                        if (app.failed()) {
                            for (const auto& m : app.messages) fmt::print(stderr, "{}\n", m);
                            code = 1;
                        }
                        break;
                    }
                }
                if (std::chrono::steady_clock::now() - started > std::chrono::minutes(10)) {
                    fmt::print(stderr, "tisheng-viewer: still loading after 10 minutes; giving up\n");
                    code = 3;
                    break;
                }
            }
            glfwSwapBuffers(window);
        }
        if (timing) times.print();
    } catch (const std::exception& e) {
        fmt::print(stderr, "tisheng-viewer: internal error: {}\n", e.what());
        code = 3;
    }
    job_ended_hook = nullptr;  // every job has ended with the App
    close_window(window);
    return code;
}
