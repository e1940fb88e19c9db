// Errors and diagnostics: one exception family that carries where a problem
// is (file, line/column or feature, field) so every message can name it.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace tisheng {

/// Where a problem was found. Any part may be empty / zero.
struct Location {
    std::string file;     ///< path as the user gave it
    int line = 0;         ///< 1-based; 0 = unknown
    int column = 0;       ///< 1-based; 0 = unknown
    std::string feature;  ///< e.g. "feature 12 (id P0012)"
    std::string field;    ///< e.g. "programme.targets[0].deadline" or "workforce"

    /// "file:line:col: feature: field 'x'" with the empty parts left out.
    [[nodiscard]] std::string str() const;
};

enum class Severity { error, warning };

struct Problem {
    Severity severity = Severity::error;
    Location where;
    std::string message;  ///< what is wrong and what was expected

    /// One line: "file:line:col: error: field 'a.b': message".
    [[nodiscard]] std::string str() const;
};

/// Collects every problem of an input, so all are reported at once.
class Diagnostics {
public:
    void error(Location where, std::string message);
    void warning(Location where, std::string message);
    void add(Problem p) { m_problems.push_back(std::move(p)); }
    void append(const Diagnostics& other);

    [[nodiscard]] bool has_errors() const;
    [[nodiscard]] std::size_t error_count() const;
    [[nodiscard]] const std::vector<Problem>& problems() const { return m_problems; }

    /// Throws InvalidInput holding every problem if any is an error.
    void throw_if_errors() const;

private:
    std::vector<Problem> m_problems;
};

/// Base of every exception Tisheng throws on purpose.
class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Thrown by long work whose cancel flag was set (MonteCarloOptions::cancel,
/// LoadOptions::cancel, SitingOptions::cancel...).
struct Cancelled : std::runtime_error {
    Cancelled() : std::runtime_error("cancelled") {}
};

/// Bad input (exit code 1): one problem, with its location.
class InputError : public Error {
public:
    InputError(Location where, std::string message);
    [[nodiscard]] const Problem& problem() const { return m_problem; }

private:
    Problem m_problem;
};

/// Bad input (exit code 1): several problems found together.
class InvalidInput : public Error {
public:
    explicit InvalidInput(std::vector<Problem> problems);
    [[nodiscard]] const std::vector<Problem>& problems() const { return m_problems; }

private:
    std::vector<Problem> m_problems;
};

/// A model with no feasible solution (exit code 1), with the constraints in
/// conflict, one per line of `conflicts`.
class Infeasible : public Error {
public:
    explicit Infeasible(std::vector<std::string> conflicts);
    [[nodiscard]] const std::vector<std::string>& conflicts() const { return m_conflicts; }

private:
    std::vector<std::string> m_conflicts;
};

/// Bad command-line use (exit code 2).
class UsageError : public Error {
public:
    using Error::Error;
};

}  // namespace tisheng
