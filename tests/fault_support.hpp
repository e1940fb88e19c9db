// Faults for the command-line tests: a kill -9 at a chosen moment, and a
// nearly full disk (a small tmpfs in a private mount namespace).
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "test_support.hpp"
#include "tisheng/core/text.hpp"

extern char** environ;

namespace tisheng::test {

/// Starts `tisheng args...` in the background, its output thrown away.
inline pid_t spawn_cli(const std::vector<std::string>& args) {
    std::vector<std::string> all{TISHENG_CLI};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid = -1;
    posix_spawn(&pid, all[0].c_str(), &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    return pid;
}

/// Runs `tisheng args...` and sends it SIGKILL `delay` after it starts or,
/// with `wait_for`, after the path wait_for(pid) appears. Returns the pid
/// and whether the kill landed (false: it had finished first).
struct Killed {
    pid_t pid = -1;
    bool killed = false;
};
inline Killed kill_after(const std::vector<std::string>& args, std::chrono::milliseconds delay,
                         const std::function<std::filesystem::path(pid_t)>& wait_for = {}) {
    Killed k;
    k.pid = spawn_cli(args);
    if (k.pid <= 0) return k;
    int status = 0;
    if (wait_for) {
        const std::filesystem::path p = wait_for(k.pid);
        std::error_code ec;
        while (!std::filesystem::exists(p, ec) && waitpid(k.pid, &status, WNOHANG) == 0)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    std::this_thread::sleep_for(delay);
    kill(k.pid, SIGKILL);
    waitpid(k.pid, &status, 0);
    k.killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
    return k;
}

/// Every file under `dir`: its path relative to `dir`, and its bytes' hash.
inline std::map<std::string, std::string> snapshot(const std::filesystem::path& dir) {
    std::map<std::string, std::string> out;
    std::error_code ec;
    if (!std::filesystem::exists(dir, ec)) return out;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
        if (e.is_regular_file()) out[std::filesystem::relative(e.path(), dir).generic_string()] = fnv1a_hex(slurp(e.path()));
    return out;
}

/// The names in `parent` that begin with `prefix` (staging folders left
/// beside an output, temporary files).
inline std::vector<std::string> names_beginning(const std::filesystem::path& parent, const std::string& prefix) {
    std::vector<std::string> out;
    std::error_code ec;
    for (std::filesystem::directory_iterator it(parent, ec), end; !ec && it != end; it.increment(ec))
        if (it->path().filename().string().rfind(prefix, 0) == 0) out.push_back(it->path().filename().string());
    return out;
}

/// True if this machine lets a process mount a tmpfs in a mount namespace
/// of its own (unshare -rm: root, or unprivileged user namespaces).
inline bool can_mount_small_disk() {
    static const bool ok = run_command("unshare -rm sh -c 'd=$(mktemp -d) && mount -t tmpfs -o size=1m tmpfs \"$d\" && umount \"$d\"; "
                                       "s=$?; rmdir \"$d\"; exit $s'")
                               .exit_code == 0;
    return ok;
}

/// Runs the bash `script` with $DISK, a folder on a 64 MiB tmpfs of its own
/// (unshare -rm), and $TISHENG, the command. `fill K` fills the disk but for
/// K KiB; `unfill` frees it. The tmpfs is gone when the script ends: copy
/// what the test must see to a folder outside $DISK.
inline CommandResult on_small_disk(const std::filesystem::path& mount_point, const std::string& script) {
    std::filesystem::create_directories(mount_point);
    const std::filesystem::path file = mount_point.parent_path() / (mount_point.filename().string() + ".sh");
    write(file, "set -u\n"
                "DISK='" + mount_point.string() + "'\n"
                "TISHENG='" TISHENG_CLI "'\n"
                "mount -t tmpfs -o size=64m tmpfs \"$DISK\" || exit 90\n"
                "fill() { dd if=/dev/zero of=\"$DISK/.filler\" bs=1M 2>/dev/null; truncate -s -\"$1\"K \"$DISK/.filler\"; }\n"
                "unfill() { rm -f \"$DISK/.filler\"; }\n" +
                    script);
    return run_command("unshare -rm bash '" + file.string() + "'");
}

}  // namespace tisheng::test
