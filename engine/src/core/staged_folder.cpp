#include "tisheng/core/staged_folder.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>  // renameat2, RENAME_EXCHANGE (glibc >= 2.28)
#include <cstdlib>
#include <cstring>
#include <string>

#include "tisheng/core/error.hpp"

namespace tisheng {

namespace fs = std::filesystem;

namespace {

/// `.<name>.<kind>-<pid>`, the hidden siblings a StagedFolder makes.
std::string sibling(const fs::path& name, const std::string& kind, long pid) {
    return "." + name.string() + "." + kind + "-" + std::to_string(pid);
}

/// Removes staging and old folders of `name` left by processes that no
/// longer run (a kill -9 before their commit or clean-up).
void remove_leftovers(const fs::path& parent, const fs::path& name) {
    std::error_code ec;
    for (const std::string kind : {"partial", "old"}) {
        const std::string prefix = "." + name.string() + "." + kind + "-";
        for (fs::directory_iterator it(parent, ec), end; !ec && it != end; it.increment(ec)) {
            const std::string f = it->path().filename().string();
            if (f.rfind(prefix, 0) != 0) continue;
            char* tail = nullptr;
            const long pid = std::strtol(f.c_str() + prefix.size(), &tail, 10);
            if (pid <= 0 || *tail != '\0' || pid == ::getpid()) continue;
            if (::kill(static_cast<pid_t>(pid), 0) == -1 && errno == ESRCH) {
                std::error_code rm;
                fs::remove_all(it->path(), rm);
            }
        }
    }
}

/// `to` as a copy of the tree `from`: files as hard links (copied where
/// the file system has none), folders made anew, symbolic links copied.
void link_tree(const fs::path& from, const fs::path& to) {
    fs::create_directory(to);
    for (auto it = fs::recursive_directory_iterator(from); it != fs::recursive_directory_iterator(); ++it) {
        const fs::path dest = to / fs::relative(it->path(), from);
        const fs::file_status st = it->symlink_status();
        if (fs::is_symlink(st)) {
            fs::copy_symlink(it->path(), dest);
        } else if (fs::is_directory(st)) {
            fs::create_directory(dest);
        } else if (fs::is_regular_file(st)) {
            std::error_code ec;
            fs::create_hard_link(it->path(), dest, ec);
            if (ec) fs::copy_file(it->path(), dest);
        }  // sockets, FIFOs, devices: not outputs, not carried over
    }
}

}  // namespace

StagedFolder::StagedFolder(fs::path target) {
    if (target.empty()) throw Error("an output folder needs a name; it was given an empty one");
    std::error_code ec;
    // A link to a folder stays a link: the folder it names is replaced.
    if (fs::is_symlink(target, ec)) target = fs::canonical(target, ec);
    m_target = target.lexically_normal();
    if (!m_target.has_filename()) m_target = m_target.parent_path();
    if (fs::exists(m_target, ec) && !fs::is_directory(m_target, ec))
        throw Error(m_target.string() + ": is a file; expected a folder for the outputs");
    fs::path parent = m_target.parent_path();
    if (parent.empty()) parent = ".";
    fs::create_directories(parent, ec);
    if (ec) throw Error(parent.string() + ": cannot create the folder: " + ec.message());
    const fs::path name = m_target.filename();
    remove_leftovers(parent, name);
    m_staging = parent / sibling(name, "partial", ::getpid());
    fs::remove_all(m_staging, ec);
    try {
        if (fs::exists(m_target, ec)) link_tree(m_target, m_staging);
        else fs::create_directory(m_staging);
    } catch (const fs::filesystem_error& e) {
        fs::remove_all(m_staging, ec);
        throw Error(m_target.string() + ": cannot prepare the new outputs beside it (" + m_staging.filename().string() +
                    "): " + e.code().message());
    }
}

StagedFolder::~StagedFolder() {
    if (m_committed) return;
    std::error_code ec;
    fs::remove_all(m_staging, ec);
}

void StagedFolder::commit() {
    if (m_committed) return;
    std::error_code ec;
    if (!fs::exists(m_target, ec)) {
        fs::rename(m_staging, m_target, ec);
        if (ec) throw Error(m_target.string() + ": cannot move the finished outputs into place: " + ec.message());
        m_committed = true;
        return;
    }
    if (::renameat2(AT_FDCWD, m_staging.c_str(), AT_FDCWD, m_target.c_str(), RENAME_EXCHANGE) == 0) {
        m_committed = true;  // the old folder is now at m_staging
        fs::remove_all(m_staging, ec);
        return;
    }
    const int err = errno;
    if (err != EINVAL && err != ENOSYS && err != ENOTSUP)
        throw Error(m_target.string() + ": cannot swap in the finished outputs: " + std::strerror(err));
    // No atomic swap here: the old folder aside, the new one in, the old gone.
    fs::path parent = m_target.parent_path();
    if (parent.empty()) parent = ".";
    const fs::path old = parent / sibling(m_target.filename(), "old", ::getpid());
    fs::remove_all(old, ec);
    fs::rename(m_target, old, ec);
    if (ec) throw Error(m_target.string() + ": cannot move the previous outputs aside: " + ec.message());
    fs::rename(m_staging, m_target, ec);
    if (ec) {
        std::error_code back;
        fs::rename(old, m_target, back);
        throw Error(m_target.string() + ": cannot move the finished outputs into place: " + ec.message());
    }
    m_committed = true;
    fs::remove_all(old, ec);
}

}  // namespace tisheng
