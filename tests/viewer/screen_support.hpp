// What the viewer's screenshot tests share: running the real viewer under
// a fresh Xvfb, and reading the PNG it writes.
#pragma once

#include <stb_image.h>  // the implementation is in libstb (Debian)
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/legend.hpp"
#include "test_support.hpp"

namespace tisheng::test::screens {

namespace fs = std::filesystem;
namespace tv = tisheng::view;

inline bool on_path(const std::string& program) { return std::system(("command -v " + program + " >/dev/null 2>&1").c_str()) == 0; }

inline std::string quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

struct Exit {
    int code = -1;       ///< 128 + signal if killed by one
    std::string stderr_text;
};

/// Runs a shell command with stderr captured to `err_file` (stdout next to it).
inline Exit run_shell(const std::string& command, const fs::path& err_file) {
    static const std::string limit = on_path("timeout") ? "timeout -k 10 300 " : "";
    const std::string line = limit + command + " >" + quote(err_file.string() + ".out") + " 2>" + quote(err_file.string());
    const int status = std::system(line.c_str());
    Exit e;
    e.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    e.stderr_text = tisheng::test::slurp(err_file);
    return e;
}

/// The viewer under a fresh virtual screen of the window's size. The X
/// authority file is ours (-f): with its own temporary one, xvfb-run's
/// clean-up now and then fails and turns the viewer's exit code into 5.
inline Exit run_viewer_xvfb(const std::string& args, const fs::path& err_file) {
    return run_shell("xvfb-run -a -f " + quote(err_file.string() + ".xauth") + " -s " + quote("-screen 0 1600x1000x24") + " " +
                         quote(TISHENG_VIEWER) + " " + args,
                     err_file);
}

struct Image {
    int w = 0, h = 0;
    std::vector<unsigned char> rgba;
    [[nodiscard]] tv::Rgba at(int x, int y) const {
        const std::size_t i = (static_cast<std::size_t>(y) * static_cast<std::size_t>(w) + static_cast<std::size_t>(x)) * 4;
        return {rgba[i], rgba[i + 1], rgba[i + 2], rgba[i + 3]};
    }
};

inline std::optional<Image> load_png(const fs::path& file) {
    int w = 0, h = 0, n = 0;
    unsigned char* data = stbi_load(file.string().c_str(), &w, &h, &n, 4);
    if (!data) return std::nullopt;
    Image img{w, h, std::vector<unsigned char>(data, data + static_cast<std::size_t>(w) * static_cast<std::size_t>(h) * 4)};
    stbi_image_free(data);
    return img;
}

}  // namespace tisheng::test::screens
