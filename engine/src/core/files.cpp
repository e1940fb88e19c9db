#include "tisheng/core/files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "tisheng/core/error.hpp"

namespace tisheng {

namespace fs = std::filesystem;

namespace detail {

fs::path temp_sibling(const fs::path& target) {
    // Keep the extension: several GDAL drivers choose their format by it.
    // Appended piece by piece: GCC 12 warns falsely (-Wrestrict) on one chain of +.
    std::string name = ".";
    name += target.stem().string();
    name += ".tmp-";
    name += std::to_string(::getpid());
    name += target.extension().string();
    return target.parent_path() / name;
}

}  // namespace detail

void check_input_file(const fs::path& path, const std::string& display, std::uintmax_t max_bytes) {
    const std::string shown = display.empty() ? path.string() : display;
    std::error_code ec;
    const fs::file_status st = fs::status(path, ec);
    if (ec || !fs::exists(st)) throw InputError({shown}, "file not found (resolved to " + path.string() + ")");
    if (fs::is_directory(st)) throw InputError({shown}, "is a folder; expected a file");
    if (!fs::is_regular_file(st))
        throw InputError({shown}, "is not a regular file (a pipe, a device or a socket); expected a file that can be read to its end");
    if (const auto size = fs::file_size(path, ec); !ec && size > max_bytes)
        throw InputError({shown}, "is " + std::to_string(size >> 20) + " MiB; inputs read whole are limited to " + std::to_string(max_bytes >> 20) +
                                      " MiB");
    // Permissions and the like: found now, not halfway through a load.
    if (std::ifstream probe(path, std::ios::binary); !probe)
        throw InputError({shown}, std::string("cannot be opened for reading: ") + std::strerror(errno));
}

std::string read_file(const fs::path& path, const std::string& display) {
    check_input_file(path, display);
    std::ifstream in(path, std::ios::binary);
    if (!in) throw InputError({display.empty() ? path.string() : display}, "cannot open file (does it exist?)");
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::time_t output_time() {
    if (const char* epoch = std::getenv("SOURCE_DATE_EPOCH")) {
        char* end = nullptr;
        const long long v = std::strtoll(epoch, &end, 10);
        if (end != epoch && *end == '\0' && v >= 0) return static_cast<std::time_t>(v);
    }
    return std::time(nullptr);
}

void write_file_atomic(const fs::path& target, const std::string& bytes) {
    const fs::path tmp = detail::temp_sibling(target);
    // POSIX calls, not a stream: a full disk is told as such (errno).
    auto fail = [&](const char* what) {
        const std::string why = std::strerror(errno);
        std::error_code ec;
        fs::remove(tmp, ec);
        throw Error(target.string() + ": cannot " + what + ": " + why);
    };
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) fail("create the file");
    for (std::size_t done = 0; done < bytes.size();) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            const int err = errno;
            ::close(fd);
            errno = err;
            fail("write the file");
        }
        done += static_cast<std::size_t>(n);
    }
    if (::close(fd) != 0) fail("write the file");
    std::error_code ec;
    fs::rename(tmp, target, ec);
    if (ec) {
        fs::remove(tmp, ec);
        throw Error(target.string() + ": cannot move the finished file into place: " + ec.message());
    }
}

}  // namespace tisheng
