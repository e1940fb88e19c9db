// Helpers shared by the tests: paths, temporary folders, running the CLI.
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

namespace tisheng::test {

inline std::filesystem::path source_dir() { return TISHENG_SOURCE_DIR; }
inline std::filesystem::path shared_dir() { return TISHENG_SHARED_DIR; }

/// A fresh folder under the system temp dir, removed at scope exit.
struct TempDir {
    std::filesystem::path path;
    TempDir() {
        std::random_device rd;
        path = std::filesystem::temp_directory_path() / ("tisheng-test-" + std::to_string(rd()) + std::to_string(rd()));
        std::filesystem::create_directories(path);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    std::filesystem::path operator/(const std::string& s) const { return path / s; }
};

inline std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

inline void write(const std::filesystem::path& p, const std::string& text) {
    std::ofstream out(p, std::ios::binary);
    out << text;
}

struct CommandResult {
    int exit_code = -1;  ///< 128 + signal if killed by one
    std::string output;  ///< stdout and stderr together
};

/// Runs the tisheng command with `args` (a shell-quoted string).
inline CommandResult run_cli(const std::string& args) {
    std::string cmd = std::string("'") + TISHENG_CLI + "' " + args + " 2>&1";
    CommandResult r;
    FILE* pipe = popen(cmd.c_str(), "r");
    if (!pipe) return r;
    std::array<char, 4096> buf{};
    while (std::size_t n = fread(buf.data(), 1, buf.size(), pipe)) r.output.append(buf.data(), n);
    int status = pclose(pipe);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return r;
}

}  // namespace tisheng::test
