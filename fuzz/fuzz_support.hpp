// What every fuzz target shares: a scratch folder laid out like the source
// tree (the shipped scenarios' relative paths resolve, to small data), the
// input written to a file there, and
// the rule that decides a finding: any exception outside Tisheng's own Error
// family is an internal error and aborts (libFuzzer then saves the input).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <typeinfo>

#include "tisheng/core/error.hpp"

namespace tisheng::fuzz {

inline std::filesystem::path source_dir() { return TISHENG_SOURCE_DIR; }

/// A scratch folder of this process (on /dev/shm when there is one), laid
/// out as the source tree: scenarios/ links to the shipped scenarios and
/// datasets/ holds their units with a few rows of each register
/// (tests/fuzz/data/), so that a shipped scenario loads in milliseconds.
/// Removed at exit.
inline const std::filesystem::path& work_dir() {
    namespace fs = std::filesystem;
    static const fs::path dir = [] {
        std::error_code ec;
        fs::path base = fs::is_directory("/dev/shm", ec) ? fs::path("/dev/shm") : fs::temp_directory_path();
        std::string tmpl = (base / "tisheng-fuzz-XXXXXX").string();
        if (!mkdtemp(tmpl.data())) {
            std::perror("mkdtemp");
            std::abort();
        }
        const fs::path d = tmpl, src = source_dir(), small = src / "tests" / "fuzz" / "data";
        fs::create_directories(d / "scenarios");
        for (const auto& e : fs::directory_iterator(src / "scenarios"))
            fs::create_symlink(e.path(), d / "scenarios" / e.path().filename());
        fs::create_directories(d / "datasets" / "jiangmen");
        fs::create_directories(d / "datasets" / "quanzhou");
        for (const char* f : {"calendar", "observed"}) fs::create_directory_symlink(src / "datasets" / f, d / "datasets" / f);
        for (const char* region : {"jiangmen", "quanzhou"})
            fs::create_symlink(src / "datasets" / region / "units.geojson", d / "datasets" / region / "units.geojson");
        fs::create_symlink(small / "projects.csv", d / "datasets" / "jiangmen" / "projects.csv");
        fs::create_symlink(small / "stations.csv", d / "datasets" / "jiangmen" / "candidate_sites.csv");
        fs::create_symlink(small / "bases.csv", d / "datasets" / "quanzhou" / "bases.csv");
        fs::create_symlink(small / "demand.csv", d / "datasets" / "quanzhou" / "demand.csv");
        std::atexit([] {
            std::error_code ignored;
            fs::remove_all(work_dir(), ignored);
        });
        return d;
    }();
    return dir;
}

/// Writes the bytes to `path` (replacing it) and returns the path.
inline std::filesystem::path write_input(const std::filesystem::path& path, std::string_view bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) {
        std::perror(path.c_str());
        std::abort();
    }
    return path;
}

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

/// Runs `fn`: Tisheng's own errors (bad input, said with its location) are
/// the expected outcome; anything else escaping is a finding.
template <class F>
void expect_only_tisheng_errors(F&& fn) {
    try {
        fn();
    } catch (const tisheng::Error&) {
    } catch (const std::exception& e) {
        std::fprintf(stderr, "internal error: %s escaped: %s\n", typeid(e).name(), e.what());
        std::abort();
    } catch (...) {
        std::fprintf(stderr, "internal error: a non-standard exception escaped\n");
        std::abort();
    }
}

}  // namespace tisheng::fuzz
