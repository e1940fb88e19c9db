#include "model/detail/yaml_reader.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <optional>
#include <set>

#include "tisheng/model/scenario.hpp"
#include "tisheng/core/text.hpp"

namespace tisheng::detail {

Location YamlContext::at_mark(const YAML::Mark& mark, const std::string& path) const {
    // Values that came from --set have no place in the file: say so instead.
    for (const auto& [p, text] : overridden)
        if (path == p || path.starts_with(p + ".") || path.starts_with(p + "["))
            return {"--set " + text, 0, 0, "", path};
    if (mark.is_null()) return {file, 0, 0, "", path};
    return {file, mark.line + 1, mark.column + 1, "", path};
}

Location YamlContext::at(const YAML::Node& node, const std::string& path) const {
    return at_mark(node.IsDefined() ? node.Mark() : YAML::Mark::null_mark(), path);
}

void YamlContext::error(const YAML::Node& node, const std::string& path, const std::string& message) const {
    diag->error(at(node, path), message);
}

namespace {

/// The first key that a mapping under `n` holds twice (YAML forbids it; the
/// parser keeps both and a lookup would silently take one): its mark and text.
std::optional<std::pair<YAML::Mark, std::string>> duplicate_key(const YAML::Node& n) {
    if (n.IsMap()) {
        std::set<std::string> seen;
        for (auto it = n.begin(); it != n.end(); ++it) {
            if (it->first.IsScalar() && !seen.insert(it->first.Scalar()).second) return std::pair{it->first.Mark(), it->first.Scalar()};
            if (auto d = duplicate_key(it->second)) return d;
        }
    } else if (n.IsSequence()) {
        for (const auto& item : n)
            if (auto d = duplicate_key(item)) return d;
    }
    return std::nullopt;
}

}  // namespace

YAML::Node parse_yaml(const std::string& bytes, const std::string& shown) {
    if (const auto nul = bytes.find('\0'); nul != std::string::npos) {
        const int line = 1 + static_cast<int>(std::count(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(nul), '\n'));
        throw InputError({shown, line}, "holds a NUL byte; expected YAML text");
    }
    YAML::Node root;
    try {
        root = YAML::Load(bytes);
    } catch (const YAML::ParserException& e) {
        throw InputError({shown, e.mark.line + 1, e.mark.column + 1}, "not valid YAML: " + e.msg);
    }
    if (auto d = duplicate_key(root))
        throw InputError({shown, d->first.line + 1, d->first.column + 1}, "the key '" + d->second + "' appears twice in the same mapping; keep one");
    return root;
}

std::string shown_number(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.10g", v);
    return buf;
}

static std::string shown(const YAML::Node& n) {
    if (n.IsScalar()) return "'" + n.Scalar() + "'";
    if (n.IsMap()) return "a mapping";
    if (n.IsSequence()) return "a list";
    return "nothing";
}

std::optional<std::string> read_string(const YamlContext& ctx, const YAML::Node& n, const std::string& path) {
    if (!n.IsScalar()) {
        ctx.error(n, path, "expected text, got " + shown(n));
        return std::nullopt;
    }
    return n.Scalar();
}

std::optional<double> read_number(const YamlContext& ctx, const YAML::Node& n, const std::string& path) {
    if (n.IsScalar()) {
        const std::string& s = n.Scalar();
        double v = 0;
        auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        if (ec == std::errc::result_out_of_range || (ec == std::errc() && ptr == s.data() + s.size() && !std::isfinite(v))) {
            ctx.error(n, path, "number " + shown(n) + " is out of range; expected a finite number");
            return std::nullopt;
        }
        if (ec == std::errc() && ptr == s.data() + s.size()) return v;
    }
    ctx.error(n, path, "expected a number, got " + shown(n));
    return std::nullopt;
}

std::optional<std::int64_t> read_integer(const YamlContext& ctx, const YAML::Node& n, const std::string& path,
                                         std::int64_t min, std::int64_t max) {
    auto range = [&] { return "between " + std::to_string(min) + " and " + std::to_string(max); };
    if (n.IsScalar()) {
        const std::string& s = n.Scalar();
        std::int64_t v = 0;
        auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        if (ec == std::errc() && ptr == s.data() + s.size()) {
            if (v < min || v > max) {
                ctx.error(n, path, "expected a whole number " + range() + ", got " + shown(n));
                return std::nullopt;
            }
            return v;
        }
        if (ec == std::errc::result_out_of_range) {
            ctx.error(n, path, "number " + shown(n) + " is too large; expected a whole number " + range());
            return std::nullopt;
        }
    }
    ctx.error(n, path, "expected a whole number " + range() + ", got " + shown(n));
    return std::nullopt;
}

std::optional<bool> read_bool(const YamlContext& ctx, const YAML::Node& n, const std::string& path) {
    if (n.IsScalar()) {
        const std::string& s = n.Scalar();
        if (s == "true" || s == "yes") return true;
        if (s == "false" || s == "no") return false;
    }
    ctx.error(n, path, "expected true or false, got " + shown(n));
    return std::nullopt;
}

std::optional<Date> read_date(const YamlContext& ctx, const YAML::Node& n, const std::string& path) {
    if (n.IsScalar())
        if (auto d = Date::parse(n.Scalar())) return d;
    ctx.error(n, path, "expected a date YYYY-MM-DD, got " + shown(n));
    return std::nullopt;
}

std::vector<YAML::Node> sequence(const YamlContext& ctx, const YAML::Node& n, const std::string& path) {
    std::vector<YAML::Node> out;
    if (!n.IsSequence()) {
        ctx.error(n, path, "expected a list, got " + shown(n));
        return out;
    }
    for (const auto& e : n) out.push_back(e);
    return out;
}

MapReader::MapReader(const YamlContext& ctx, YAML::Node node, std::string path)
    : m_ctx(ctx), m_node(std::move(node)), m_path(std::move(path)) {
    m_valid = m_node.IsMap();
    if (!m_valid) ctx.error(m_node, m_path, "expected a mapping of keys to values, got " + shown(m_node));
}

MapReader::~MapReader() { finish(); }

std::string MapReader::path(const std::string& key) const { return m_path.empty() ? key : m_path + "." + key; }

bool MapReader::has(const std::string& key) {
    m_known.insert(key);
    if (!m_valid) return false;
    // const access: a lookup of a key that is not there must not insert it
    // (callers iterate over this map while they ask).
    const YAML::Node& cn = m_node;
    const YAML::Node n = cn[key];
    return n.IsDefined() && !n.IsNull();
}

YAML::Node MapReader::child(const std::string& key) {
    m_known.insert(key);
    if (!m_valid) return YAML::Node(YAML::NodeType::Undefined);
    // const access: never inserts the key into the tree. An absent key gives
    // yaml-cpp's "zombie" node, which throws InvalidNode when assigned from:
    // a plain undefined node instead.
    const YAML::Node& cn = m_node;
    YAML::Node n = cn[key];
    if (!n.IsDefined()) return YAML::Node(YAML::NodeType::Undefined);
    return n;
}

void MapReader::missing(const std::string& key) {
    m_ctx.diag->error(m_ctx.at(m_node, path(key)), "required field is missing");
}

void MapReader::error(const std::string& key, const std::string& message) {
    // An absent key is placed at its map, which has a line.
    m_ctx.error(has(key) ? child(key) : m_node, path(key), message);
}

template <class F>
static auto read_key(MapReader& r, const std::string& key, bool required, F&& f) -> decltype(f(YAML::Node())) {
    if (!r.has(key)) {
        if (required && r.valid()) r.missing(key);
        return std::nullopt;
    }
    return f(r.child(key));
}

std::optional<std::string> MapReader::string(const std::string& key, bool required) {
    auto v = read_key(*this, key, required, [&](const YAML::Node& n) { return read_string(m_ctx, n, path(key)); });
    if (v && v->empty() && required) {
        error(key, "required field is empty; expected a text");
        return std::nullopt;
    }
    return v;
}

std::optional<double> MapReader::number(const std::string& key, bool required) {
    return read_key(*this, key, required, [&](const YAML::Node& n) { return read_number(m_ctx, n, path(key)); });
}

std::optional<double> MapReader::number_in(const std::string& key, double lo, double hi, bool required) {
    auto v = number(key, required);
    if (v && (*v < lo || *v > hi)) {
        error(key, "expected a number between " + shown_number(lo) + " and " + shown_number(hi) + ", got " + child(key).Scalar());
        return std::nullopt;
    }
    return v;
}

std::optional<double> MapReader::money(const std::string& key, bool required) {
    auto v = number(key, required);
    if (v && *v < 0) {
        error(key, "an amount of money cannot be negative (got " + child(key).Scalar() + " CNY)");
        return std::nullopt;
    }
    // Sums of such amounts stay finite and exact to the fen.
    if (v && *v > 1e15) {
        error(key, "expected at most 1e15 CNY, got " + child(key).Scalar());
        return std::nullopt;
    }
    return v;
}

std::optional<double> MapReader::probability(const std::string& key, bool required) {
    auto v = number(key, required);
    if (v && (*v < 0 || *v > 1)) {
        error(key, "expected a probability between 0 and 1, got " + child(key).Scalar());
        return std::nullopt;
    }
    return v;
}

std::optional<std::int64_t> MapReader::integer(const std::string& key, std::int64_t min, std::int64_t max,
                                               bool required) {
    return read_key(*this, key, required,
                    [&](const YAML::Node& n) { return read_integer(m_ctx, n, path(key), min, max); });
}

std::optional<bool> MapReader::boolean(const std::string& key, bool required) {
    return read_key(*this, key, required, [&](const YAML::Node& n) { return read_bool(m_ctx, n, path(key)); });
}

std::optional<Date> MapReader::date(const std::string& key, bool required) {
    return read_key(*this, key, required, [&](const YAML::Node& n) { return read_date(m_ctx, n, path(key)); });
}

std::optional<DayRange> MapReader::days(const std::string& key, int least, bool required) {
    if (!has(key)) {
        if (required && valid()) missing(key);
        return std::nullopt;
    }
    YAML::Node d = child(key);
    const std::string dp = path(key);
    auto too_short = [&](const YAML::Node& n, const std::string& p, std::int64_t v) {
        if (v >= least) return false;
        m_ctx.error(n, p, "a duration must be at least " + std::to_string(least) + " day" + (least == 1 ? "" : "s") +
                              ", got " + std::to_string(v));
        return true;
    };
    if (d.IsSequence()) {
        if (d.size() != 2) {
            m_ctx.error(d, dp, "expected [shortest, longest] in days, got a list of " + std::to_string(d.size()));
            return std::nullopt;
        }
        auto lo = read_integer(m_ctx, d[0], dp + "[0]", INT32_MIN, INT32_MAX);
        auto hi = read_integer(m_ctx, d[1], dp + "[1]", INT32_MIN, INT32_MAX);
        if (!lo || !hi || too_short(d[0], dp + "[0]", *lo)) return std::nullopt;
        if (*hi < *lo) {
            m_ctx.error(d[1], dp + "[1]", "the longest duration (" + std::to_string(*hi) + ") is shorter than the shortest (" +
                                              std::to_string(*lo) + ")");
            return std::nullopt;
        }
        return DayRange{static_cast<int>(*lo), static_cast<int>(*hi)};
    }
    auto v = read_integer(m_ctx, d, dp, INT32_MIN, INT32_MAX);
    if (!v || too_short(d, dp, *v)) return std::nullopt;
    return DayRange{static_cast<int>(*v), static_cast<int>(*v)};
}

std::optional<std::vector<std::string>> string_list(MapReader& parent, const std::string& key) {
    if (!parent.has(key)) return std::nullopt;
    std::vector<std::string> out;
    each_item(parent, key, [&](const YAML::Node& item, const std::string& path) {
        if (auto v = read_string(parent.ctx(), item, path)) out.push_back(*v);
    });
    return out;
}

std::optional<std::string> MapReader::choice(const std::string& key, const std::vector<std::string>& choices,
                                             bool required) {
    auto v = string(key, required);
    if (!v) return v;
    for (const auto& c : choices)
        if (c == *v) return v;
    std::string list;
    for (const auto& c : choices) list += (list.empty() ? "" : ", ") + c;
    std::string hint = closest_match(*v, choices);
    error(key, "unknown value '" + *v + "'" + did_you_mean(hint) +
                   " (expected one of: " + list + ")");
    return std::nullopt;
}

void MapReader::finish() {
    if (m_finished || !m_valid) return;
    m_finished = true;
    std::vector<std::string> known(m_known.begin(), m_known.end());
    for (auto it = m_node.begin(); it != m_node.end(); ++it) {
        std::string list;
        for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
        if (!it->first.IsScalar()) {  // `? [a, b]: 1`, or `&anchor: 1` (an empty key)
            m_ctx.diag->error(m_ctx.at_mark(it->first.Mark(), path("?")),
                              "a key must be a name, got " + (it->first.IsNull() ? std::string("an empty key (did an &, * or ! start it?)") : shown(it->first)) +
                                  " (known keys here: " + list + ")");
            continue;
        }
        std::string key = it->first.Scalar();
        if (m_known.count(key)) continue;
        std::string hint = closest_match(key, known);
        m_ctx.diag->error(m_ctx.at_mark(it->first.Mark(), path(key)),
                          "unknown key '" + key + "'" + did_you_mean(hint) +
                              " (known keys here: " + list + ")");
    }
}

}  // namespace tisheng::detail
