// Files in and out: inputs refused before they are read (a FIFO, a folder,
// a file too large), outputs written whole or not at all, and the time the
// outputs carry.
#pragma once

#include <cstdint>
#include <ctime>
#include <filesystem>
#include <string>

namespace tisheng {

/// The time outputs carry (run.json's `created`, the workbooks' and the
/// GeoPackages' dates): now, or SOURCE_DATE_EPOCH (seconds since 1970, as
/// reproducible-builds.org defines it) when set, so that two runs of one
/// scenario and seed give byte-identical folders.
std::time_t output_time();

/// Writes `bytes` to `target` atomically (temporary file in the same folder,
/// then rename). Throws Error naming the file on failure.
void write_file_atomic(const std::filesystem::path& target, const std::string& bytes);

/// Refuses (InputError naming `display`) a path that does not exist, is a
/// folder, is not a regular file (a FIFO or a device would block or never
/// end), is larger than `max_bytes`, or cannot be opened for reading.
void check_input_file(const std::filesystem::path& path, const std::string& display = {},
                      std::uintmax_t max_bytes = std::uintmax_t{1} << 30);
/// Reads a whole file (after check_input_file); throws InputError naming it if unreadable.
std::string read_file(const std::filesystem::path& path, const std::string& display = {});

namespace detail {
/// `<dir>/.<stem>.tmp-<pid><ext>` beside `target`, for write-then-rename.
std::filesystem::path temp_sibling(const std::filesystem::path& target);
}  // namespace detail

}  // namespace tisheng
