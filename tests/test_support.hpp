// Helpers shared by the tests: paths, temporary folders, running the CLI.
#pragma once

#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

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

/// The "# expect: ..." lines of a file: what a message must contain.
inline std::vector<std::string> expectations(const std::filesystem::path& file) {
    std::vector<std::string> out;
    std::istringstream in(slurp(file));
    for (std::string line; std::getline(in, line);)
        if (line.rfind("# expect: ", 0) == 0) out.push_back(line.substr(10));
    return out;
}

/// The .yaml files of a folder, sorted by name.
inline std::vector<std::filesystem::path> yaml_files(const std::filesystem::path& dir) {
    std::vector<std::filesystem::path> files;
    for (const auto& e : std::filesystem::directory_iterator(dir))
        if (e.path().extension() == ".yaml") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    return files;
}

struct CommandResult {
    int exit_code = -1;  ///< 128 + signal if killed by one
    std::string output;  ///< stdout and stderr together
};

/// A command's standard output (popen), closed on every way out of scope.
class Pipe {
public:
    explicit Pipe(const std::string& cmd) : m_file(popen(cmd.c_str(), "r")) {}
    ~Pipe() {
        if (m_file) pclose(m_file);
    }
    Pipe(const Pipe&) = delete;
    Pipe& operator=(const Pipe&) = delete;
    explicit operator bool() const { return m_file != nullptr; }
    /// Everything the command writes, until it closes its output.
    std::string read_all() {
        std::string out;
        std::array<char, 4096> buf{};
        while (std::size_t n = fread(buf.data(), 1, buf.size(), m_file)) out.append(buf.data(), n);
        return out;
    }
    /// Waits for the command: its exit code, or 128 + the signal that killed it.
    int close() {
        const int status = pclose(m_file);
        m_file = nullptr;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }

private:
    FILE* m_file;
};

/// Runs a shell command line (stdout and stderr together), from `cwd` if given.
inline CommandResult run_command(std::string cmd, const std::filesystem::path& cwd = {}) {
    cmd += " 2>&1";
    if (!cwd.empty()) cmd = "cd '" + cwd.string() + "' && " + cmd;
    CommandResult r;
    Pipe pipe(cmd);
    if (!pipe) return r;
    r.output = pipe.read_all();
    r.exit_code = pipe.close();
    return r;
}

/// Runs the tisheng command with `args` (a shell-quoted string), from the
/// working directory `cwd` (empty: the tests' own).
inline CommandResult run_cli_at(const std::filesystem::path& cwd, const std::string& args) {
    return run_command(std::string("'") + TISHENG_CLI + "' " + args, cwd);
}

/// Runs the tisheng command with `args` (a shell-quoted string).
inline CommandResult run_cli(const std::string& args) { return run_cli_at({}, args); }

#ifdef TISHENG_MPIEXEC
/// Runs the tisheng command on `ranks` MPI processes.
inline CommandResult run_cli_mpi(int ranks, const std::string& args) {
    return run_command(std::string("'") + TISHENG_MPIEXEC + "' --oversubscribe --allow-run-as-root -np " + std::to_string(ranks) + " '" +
                         TISHENG_CLI + "' " + args,
                     {});
}
#endif

}  // namespace tisheng::test
