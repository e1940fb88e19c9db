#include "tisheng/core/error.hpp"

#include <algorithm>

namespace tisheng {

std::string Location::str() const {
    std::string s = file;
    if (line > 0) {
        s += ':' + std::to_string(line);
        if (column > 0) s += ':' + std::to_string(column);
    }
    auto sep = [&s] {
        if (!s.empty()) s += ": ";
    };
    if (!feature.empty()) {
        sep();
        s += feature;
    }
    if (!field.empty()) {
        sep();
        s += "field '" + field + "'";
    }
    return s;
}

std::string Problem::str() const {
    std::string where_s = where.str();
    std::string kind = severity == Severity::error ? "error" : "warning";
    // "file:line:col: error: field 'x': message" keeps the compiler-style
    // prefix that editors and terminals make clickable.
    std::string head;
    if (!where.file.empty()) {
        head = where.file;
        if (where.line > 0) {
            head += ':' + std::to_string(where.line);
            if (where.column > 0) head += ':' + std::to_string(where.column);
        }
        head += ": ";
    }
    head += kind + ": ";
    Location rest = where;
    rest.file.clear();
    rest.line = rest.column = 0;
    std::string r = rest.str();
    if (!r.empty()) head += r + ": ";
    return head + message;
}

void Diagnostics::error(Location where, std::string message) {
    m_problems.push_back({Severity::error, std::move(where), std::move(message)});
}

void Diagnostics::warning(Location where, std::string message) {
    m_problems.push_back({Severity::warning, std::move(where), std::move(message)});
}

void Diagnostics::append(const Diagnostics& other) {
    m_problems.insert(m_problems.end(), other.m_problems.begin(), other.m_problems.end());
}

bool Diagnostics::has_errors() const { return error_count() > 0; }

std::size_t Diagnostics::error_count() const {
    return static_cast<std::size_t>(std::count_if(m_problems.begin(), m_problems.end(), [](const Problem& p) {
        return p.severity == Severity::error;
    }));
}

void Diagnostics::throw_if_errors() const {
    if (has_errors()) throw InvalidInput(m_problems);
}

InputError::InputError(Location where, std::string message)
    : Error(Problem{Severity::error, where, message}.str()), m_problem{Severity::error, std::move(where), std::move(message)} {}

static std::string join_problems(const std::vector<Problem>& ps) {
    std::string s;
    for (const auto& p : ps) {
        if (!s.empty()) s += '\n';
        s += p.str();
    }
    return s;
}

InvalidInput::InvalidInput(std::vector<Problem> problems)
    : Error(join_problems(problems)), m_problems(std::move(problems)) {}

namespace {
std::string join_conflicts(const std::vector<std::string>& conflicts) {
    std::string out = "the model is infeasible:";
    for (const auto& c : conflicts) out.append("\n  ").append(c);
    return out;
}
}  // namespace

Infeasible::Infeasible(std::vector<std::string> conflicts)
    : Error(join_conflicts(conflicts)), m_conflicts(std::move(conflicts)) {}

}  // namespace tisheng
