#include "tisheng/model/scenario.hpp"

#include <fmt/core.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <future>
#include <set>
#include <sstream>

#include "core/detail/cancel.hpp"
#include "model/detail/loaders.hpp"
#include "model/detail/yaml_reader.hpp"
#include "tisheng/core/files.hpp"
#include "tisheng/core/text.hpp"

namespace tisheng {

namespace fs = std::filesystem;
using detail::MapReader;
using detail::YamlContext;


namespace {

// ---- --set overrides ----------------------------------------------------------

struct Segment {
    std::string key;
    std::optional<std::size_t> index;
};

std::vector<Segment> split_path(const std::string& path) {
    std::vector<Segment> out;
    std::size_t i = 0;
    while (i < path.size()) {
        std::size_t j = path.find_first_of(".[", i);
        std::string key = path.substr(i, j == std::string::npos ? std::string::npos : j - i);
        if (!key.empty()) out.push_back({key, std::nullopt});
        if (j == std::string::npos) break;
        if (path[j] == '[') {
            std::size_t k = path.find(']', j);
            if (k == std::string::npos) return {};
            std::size_t v = 0;
            auto [p, ec] = std::from_chars(path.data() + j + 1, path.data() + k, v);
            if (ec != std::errc() || p != path.data() + k) return {};
            out.push_back({"", v});
            i = k + 1;
            if (i < path.size() && path[i] == '.') ++i;
        } else {
            i = j + 1;
        }
    }
    return out;
}

std::vector<std::string> map_keys(const YAML::Node& n) {
    std::vector<std::string> keys;
    for (auto it = n.begin(); it != n.end(); ++it) keys.push_back(it->first.Scalar());
    return keys;
}

/// Applies "a.b[0].c=value" (a list element may also be named by its id:
/// "budgets.payers.city.annual_cny"). Returns the canonical path.
std::optional<std::string> apply_override(YAML::Node root, const std::string& text, Diagnostics& diag) {
    Location where{"--set " + text};
    auto eq = text.find('=');
    if (eq == std::string::npos || eq == 0) {
        diag.error(where, "expected path.to.key=value");
        return std::nullopt;
    }
    auto segs = split_path(text.substr(0, eq));
    if (segs.empty()) {
        diag.error(where, "cannot read the key path '" + text.substr(0, eq) + "'");
        return std::nullopt;
    }
    YAML::Node value;
    try {
        value = YAML::Load(text.substr(eq + 1));
    } catch (const YAML::Exception& e) {
        diag.error(where, "the value is not valid YAML: " + e.msg);
        return std::nullopt;
    }
    YAML::Node cur;
    cur.reset(root);
    std::string canon;
    for (std::size_t s = 0; s < segs.size(); ++s) {
        const bool last = s + 1 == segs.size();
        const Segment& seg = segs[s];
        if (cur.IsSequence()) {
            std::optional<std::size_t> idx = seg.index;
            if (!idx) {  // a list element named by its id
                for (std::size_t k = 0; k < cur.size(); ++k)
                    if (cur[k].IsMap() && cur[k]["id"] && cur[k]["id"].Scalar() == seg.key) idx = k;
            }
            if (!idx || *idx >= cur.size()) {
                diag.error(where, "'" + canon + "' has no element " + (seg.index ? std::to_string(*seg.index) : "with id '" + seg.key + "'") +
                                      " (it has " + std::to_string(cur.size()) + ")");
                return std::nullopt;
            }
            canon += "[" + std::to_string(*idx) + "]";
            if (last) {
                cur[*idx] = value;
                return canon;
            }
            YAML::Node next = cur[*idx];
            cur.reset(next);
            continue;
        }
        if (!cur.IsMap() || seg.index) {
            diag.error(where, "'" + (canon.empty() ? std::string("the scenario") : canon) + "' is not a " +
                                  (seg.index ? "list" : "mapping") + ", so it has no '" +
                                  (seg.index ? std::to_string(*seg.index) : seg.key) + "'");
            return std::nullopt;
        }
        canon += (canon.empty() ? "" : ".") + seg.key;
        if (last) {
            cur[seg.key] = value;
            return canon;
        }
        if (!cur[seg.key]) {
            std::string hint = closest_match(seg.key, map_keys(cur));
            diag.error(where, "no key '" + canon + "' in the scenario" + did_you_mean(hint));
            return std::nullopt;
        }
        YAML::Node next = cur[seg.key];
        cur.reset(next);
    }
    return std::nullopt;
}

// ---- provenance (`sources:`) and the list of inputs ---------------------------

/// The top-level sections that hold no inputs of their own.
bool is_meta_section(const std::string& key) {
    return key == "sources" || key == "labels" || key == "calibrate" || key == "sensitivity";
}

std::string segments_text(const std::vector<Segment>& segs, std::size_t from) {
    std::string out;
    for (std::size_t i = from; i < segs.size(); ++i)
        out += segs[i].index ? "[" + std::to_string(*segs[i].index) + "]" : (out.empty() ? "" : ".") + segs[i].key;
    return out;
}

struct Resolved {
    std::optional<std::string> path;  ///< index form
    std::string why;                  ///< when not found
    std::string hint;                 ///< a near path as the user would write it, or empty
};

/// The node that a key path names, the way `--set` names one ("a.b[0].c",
/// or a list element by its id: "budgets.payers.city_fund"): its path in
/// index form ("budgets.payers[4]").
Resolved resolve_path(const YAML::Node& root, const std::string& text) {
    auto segs = split_path(text);
    if (segs.empty()) return {std::nullopt, "cannot read the key path", ""};
    if (!segs[0].index && is_meta_section(segs[0].key))
        return {std::nullopt, "'" + segs[0].key + ":' holds no inputs of the scenario", ""};
    YAML::Node cur;
    cur.reset(root);
    std::string canon, written;
    for (std::size_t s = 0; s < segs.size(); ++s) {
        const Segment& seg = segs[s];
        const std::string rest = segments_text(segs, s + 1);
        const std::string rest_dot = rest.empty() || rest[0] == '[' ? rest : "." + rest;
        const YAML::Node& c = cur;
        YAML::Node next(YAML::NodeType::Undefined);  // rebound below with reset(): assignment would copy into it
        if (c.IsSequence()) {
            std::optional<std::size_t> idx = seg.index;
            std::vector<std::string> ids;
            for (std::size_t k = 0; k < c.size(); ++k)
                if (c[k].IsMap() && c[k]["id"] && c[k]["id"].IsScalar()) {
                    ids.push_back(c[k]["id"].Scalar());
                    if (!seg.index && ids.back() == seg.key) idx = k;
                }
            if (!idx || *idx >= c.size()) {
                Resolved r{std::nullopt,
                           "'" + canon + "' has no element " + (seg.index ? std::to_string(*seg.index) : "with id '" + seg.key + "'") +
                               " (it has " + std::to_string(c.size()) + ")",
                           ""};
                if (!seg.index)
                    if (auto h = closest_match(seg.key, ids); !h.empty()) r.hint = written + "." + h + rest_dot;
                return r;
            }
            canon += "[" + std::to_string(*idx) + "]";
            written += seg.index ? "[" + std::to_string(*idx) + "]" : "." + seg.key;
            next.reset(c[*idx]);
        } else if (c.IsMap() && !seg.index) {
            const YAML::Node child = c[seg.key];
            if (!child.IsDefined()) {
                std::vector<std::string> keys = map_keys(c);
                if (canon.empty()) std::erase_if(keys, is_meta_section);
                Resolved r{std::nullopt, "no key '" + seg.key + "' " + (canon.empty() ? std::string("at the top") : "under '" + canon + "'"), ""};
                if (auto h = closest_match(seg.key, keys); !h.empty()) r.hint = written + (written.empty() ? "" : ".") + h + rest_dot;
                return r;
            }
            canon += (canon.empty() ? "" : ".") + seg.key;
            written += (written.empty() ? "" : ".") + seg.key;
            next.reset(child);
        } else {
            const std::string what = c.IsMap() ? "mapping" : c.IsSequence() ? "list" : "single value";
            return {std::nullopt,
                    "'" + canon + "' is a " + what + ", so it has no " + (seg.index ? "element " + std::to_string(*seg.index) : "key '" + seg.key + "'"),
                    ""};
        }
        cur.reset(next);
    }
    return {canon, "", ""};
}

/// A plain (unquoted) scalar that reads as a number, a date or a day of
/// the year (MM-DD): a value whose provenance is required.
bool reads_as_quantity(const YAML::Node& n) {
    if (!n.IsScalar() || n.Tag() == "!" || n.Tag() == "tag:yaml.org,2002:str") return false;  // quoted, or tagged !!str
    const std::string& s = n.Scalar();
    if (s.empty()) return false;
    double v = 0;
    if (auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v); ec == std::errc() && p == s.data() + s.size()) return true;
    if (Date::parse(s)) return true;
    auto digit = [&](std::size_t i) { return s[i] >= '0' && s[i] <= '9'; };
    return s.size() == 5 && digit(0) && digit(1) && s[2] == '-' && digit(3) && digit(4) && Date::parse("2000-" + s);
}

/// Calls fn(path, node) for every scalar under `n`, in file order.
template <class F>
void each_leaf(const YAML::Node& n, const std::string& path, F&& fn) {
    if (n.IsMap()) {
        for (auto it = n.begin(); it != n.end(); ++it) {
            const std::string key = it->first.IsScalar() ? it->first.Scalar() : "?";
            if (path.empty() && is_meta_section(key)) continue;
            each_leaf(it->second, path.empty() ? key : path + "." + key, fn);
        }
    } else if (n.IsSequence()) {
        for (std::size_t i = 0; i < n.size(); ++i) each_leaf(n[i], path + "[" + std::to_string(i) + "]", fn);
    } else if (n.IsScalar()) {
        fn(path, n);
    }
}

/// Reads `sources:` into s.sources (keys in index form) and lists every
/// value of the file in s.inputs with the source that covers it. A value
/// that --set replaced comes from the command line: an assumption of whoever
/// typed it, whatever the file says of the value it replaced.
/// Does `path` (index form) match `pattern`, where '*' stands for one key or
/// index: any run of characters other than '.', '[' and ']'?
bool glob_matches(std::string_view pattern, std::string_view path) {
    if (pattern.empty()) return path.empty();
    if (pattern[0] == '*') {  // one character or more
        for (std::size_t n = 1; n <= path.size(); ++n) {
            if (path[n - 1] == '.' || path[n - 1] == '[' || path[n - 1] == ']') return false;
            if (glob_matches(pattern.substr(1), path.substr(n))) return true;
        }
        return false;
    }
    return !path.empty() && pattern[0] == path[0] && glob_matches(pattern.substr(1), path.substr(1));
}

/// `calibrate:` or `sensitivity:` (after the inputs are listed): key path
/// (with '*' for any key or index) -> [lo, hi]. A key that names no number
/// of the scenario is an error, with the nearest path.
std::vector<ParameterRange> read_ranges(const YamlContext& ctx, const YAML::Node& root, const std::string& section,
                                        const std::vector<InputValue>& inputs) {
    std::vector<ParameterRange> out;
    Diagnostics& diag = *ctx.diag;
    const YAML::Node node = root[section];
    if (!node.IsDefined() || node.IsNull()) return out;
    const std::string example = section + ": {behaviour.adoption.phases.*: [0.001, 0.5], behaviour.standard_pass.staff: [0.3, 1.0]}";
    if (!node.IsMap()) {
        diag.error(ctx.at(node, section), "expected a mapping from key paths to [lo, hi], e.g. " + example);
        return out;
    }
    std::vector<std::string> numeric;
    for (const auto& in : inputs) {
        double v = 0;
        const auto [p, ec] = std::from_chars(in.value.data(), in.value.data() + in.value.size(), v);
        if (in.needs_source && ec == std::errc() && p == in.value.data() + in.value.size()) numeric.push_back(in.path);
    }
    std::map<std::string, std::string> taken;  // path -> the key that took it
    for (auto it = node.begin(); it != node.end(); ++it) {
        const std::string key = it->first.IsScalar() ? it->first.Scalar() : "?";
        const std::string field = section + "." + key;
        const Location where = ctx.at_mark(it->first.Mark(), field);
        const YAML::Node v = it->second;  // a copy: `it->` yields a temporary
        std::optional<double> lo, hi;
        if (v.IsSequence() && v.size() == 2) {
            lo = detail::read_number(ctx, v[0], field + "[0]");
            hi = detail::read_number(ctx, v[1], field + "[1]");
        } else {
            diag.error(ctx.at(v, field), "expected [lo, hi], two numbers, e.g. " + example);
            continue;
        }
        if (!lo || !hi) continue;
        if (!(*lo < *hi)) {
            diag.error(ctx.at(v, field), "expected lo < hi, got [" + v[0].Scalar() + ", " + v[1].Scalar() + "]");
            continue;
        }
        std::vector<std::string> hits;
        for (const std::string& prefix : {std::string(), std::string("behaviour.")}) {
            for (const auto& path : numeric)
                if (glob_matches(prefix + key, path)) hits.push_back(path);
            if (!hits.empty()) break;
        }
        if (hits.empty()) {
            std::string hint = closest_match(key, numeric);
            if (hint.empty()) hint = closest_match("behaviour." + key, numeric);
            diag.error(where, "'" + key + "' names no number of the scenario (a key path as --set takes it, '*' for any key or index)" +
                                  did_you_mean(hint));
            continue;
        }
        for (const auto& path : hits) {
            if (auto [at, fresh] = taken.emplace(path, key); !fresh) {
                diag.error(where, "'" + key + "' names " + path + ", which '" + at->second + "' already gives a range");
                continue;
            }
            ParameterRange r;
            r.path = path;
            r.lo = *lo;
            r.hi = *hi;
            r.pattern = key;
            r.line = where.line;
            const auto in = std::find_if(inputs.begin(), inputs.end(), [&](const InputValue& x) { return x.path == path; });
            std::from_chars(in->value.data(), in->value.data() + in->value.size(), r.value);
            r.integral = in->value.find_first_of(".eE") == std::string::npos && std::floor(*lo) == *lo && std::floor(*hi) == *hi;
            out.push_back(std::move(r));
        }
    }
    // In the inputs' file order, whatever the order of the keys.
    std::map<std::string, std::size_t> order;
    for (std::size_t i = 0; i < inputs.size(); ++i) order.emplace(inputs[i].path, i);
    std::stable_sort(out.begin(), out.end(), [&](const auto& a, const auto& b) { return order[a.path] < order[b.path]; });
    return out;
}

void read_provenance(const YamlContext& ctx, const YAML::Node& root, Scenario& s) {
    Diagnostics& diag = *ctx.diag;
    const YAML::Node& croot = root;
    const YAML::Node node = croot["sources"];
    std::vector<std::string> kinds;
    for (SourceKind k : {SourceKind::notice, SourceKind::interpretation, SourceKind::assumption, SourceKind::synthetic, SourceKind::calibrated})
        kinds.emplace_back(to_string(k));
    std::string kinds_list;
    for (const auto& k : kinds) kinds_list += (kinds_list.empty() ? "" : ", ") + k;
    if (node.IsDefined() && !node.IsNull() && !node.IsMap())
        diag.error(ctx.at(node, "sources"), "expected a mapping from key paths to {kind: note} (kinds: " + kinds_list + ")");
    std::map<std::string, std::string> written_as;  // index form -> the key as written
    if (node.IsDefined() && node.IsMap()) {
        for (auto it = node.begin(); it != node.end(); ++it) {
            const std::string key = it->first.IsScalar() ? it->first.Scalar() : "?";
            const std::string field = "sources." + key;
            const Location where = ctx.at_mark(it->first.Mark(), field);
            Resolved r = resolve_path(root, key);
            if (!r.path) {
                diag.error(where, "'" + key + "' names no value of the scenario: " + r.why +
                                      did_you_mean(r.hint));
                continue;
            }
            const YAML::Node v = it->second;  // a copy: `it->` yields a temporary
            if (!v.IsMap() || v.size() != 1) {
                diag.error(ctx.at(v, field), std::string(v.IsMap() && v.size() > 1 ? "give one kind of source per key" : "expected one kind of source") +
                                                 " and its note, e.g. {notice: \"三、目标任务: ...\"} (kinds: " + kinds_list + ")");
                continue;
            }
            const auto entry = v.begin();
            const std::string word = entry->first.IsScalar() ? entry->first.Scalar() : "?";
            const auto kind = parse_source_kind(word);
            if (!kind) {
                const std::string hint = closest_match(word, kinds);
                diag.error(ctx.at_mark(entry->first.Mark(), field), "unknown kind of source '" + word + "'" +
                                                                         did_you_mean(hint) + " (expected one of: " + kinds_list + ")");
                continue;
            }
            const YAML::Node note = entry->second;
            if (!note.IsScalar() || note.Scalar().find_first_not_of(" \t\r\n") == std::string::npos) {
                diag.error(ctx.at(note, field + "." + word), "expected a note saying " +
                                                                 std::string(*kind == SourceKind::notice           ? "which clause of the notice"
                                                                             : *kind == SourceKind::interpretation ? "how the notice is read, and why"
                                                                             : *kind == SourceKind::synthetic      ? "what the made-up data is"
                                                                             : *kind == SourceKind::calibrated     ? "what it was calibrated against"
                                                                                                                   : "the rationale or the source"));
                continue;
            }
            if (auto [at, fresh] = written_as.emplace(*r.path, key); !fresh) {
                diag.error(where, "'" + key + "' names the same value as '" + at->second + "' (" + *r.path + "); give it one source");
                continue;
            }
            s.sources[*r.path] = Source{*kind, note.Scalar()};
        }
    }

    each_leaf(croot, "", [&](const std::string& path, const YAML::Node& n) {
        InputValue in;
        in.path = path;
        in.value = n.Scalar();
        in.needs_source = reads_as_quantity(n);
        for (const auto& [p, text] : ctx.overridden)
            if (path == p || path.starts_with(p + ".") || path.starts_with(p + "[")) {
                in.source_path = "--set " + text;
                in.source = Source{SourceKind::assumption, "set on the command line: --set " + text};
            }
        if (in.source_path.empty()) {
            const YAML::Mark m = n.Mark();
            if (!m.is_null()) {
                in.line = m.line + 1;
                in.column = m.column + 1;
            }
            if (const auto* c = covering_source(s.sources, path)) {
                in.source_path = c->first;
                in.source = c->second;
            }
        }
        s.inputs.push_back(std::move(in));
    });
}

int first_bad_utf8_line(const std::string& bytes) {
    // Find the line holding the first byte that breaks UTF-8.
    int line = 1;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= bytes.size(); ++i) {
        if (i == bytes.size() || bytes[i] == '\n') {
            if (!is_utf8(std::string_view(bytes).substr(start, i - start))) return line;
            ++line;
            start = i + 1;
        }
    }
    return 0;
}

// ---- sections -----------------------------------------------------------------

struct Loader {
    YamlContext ctx;
    fs::path data_dir;
    std::string data_dir_shown;

    std::optional<detail::LayerSpec> layer(MapReader& parent, const std::string& key,
                                           const std::vector<std::string>& logical, bool required) {
        if (!parent.has(key)) {
            if (required) parent.missing(key);
            return std::nullopt;
        }
        MapReader m(ctx, parent.child(key), parent.path(key));
        if (!m.valid()) return std::nullopt;
        detail::LayerSpec spec;
        auto path = m.string("path", true);
        if (auto l = m.string("layer")) spec.source.layer = *l;
        if (auto c = m.choice("coords", {"wgs84", "gcj02", "bd09"})) spec.source.coords = *parse_coord_sys(*c);
        // Where each column is named: its key, or the layer's entry for a default name.
        auto named = [&](const std::string& key, const std::string& column) {
            spec.source.named_at.emplace(column, ctx.at(m.has(key) ? m.child(key) : m.node(), m.path(key)));
        };
        if (auto f = m.string("lon_field")) spec.source.lon_field = *f;
        if (auto f = m.string("lat_field")) spec.source.lat_field = *f;
        named("lon_field", spec.source.lon_field);
        named("lat_field", spec.source.lat_field);
        bool ok = path.has_value();
        for (const auto& f : logical) {
            std::string col = m.string(f + "_field").value_or(f);
            if (col.empty() && !detail::is_optional_field(f)) {
                m.error(f + "_field", "field '" + f + "' is required and cannot be mapped to nothing");
                ok = false;
            }
            spec.columns[f] = col;
            if (!col.empty()) named(f + "_field", col);
        }
        if (!ok) return std::nullopt;
        fs::path p = *path;
        spec.where = ctx.at(m.child("path"), m.path("path"));
        spec.source.display = p.is_absolute() ? p.string() : (fs::path(data_dir_shown) / p).lexically_normal().string();
        spec.source.path = p.is_absolute() ? p : (data_dir / p).lexically_normal();
        return spec;
    }

    /// Distances (metres, or the cost matrix's unit) are positive and at most
    /// 1e7: 10,000 km, or 19 years of minutes.
    static constexpr double max_length = 1e7;
    std::optional<double> length(MapReader& m, const std::string& key, const std::string& what) {
        auto v = m.number(key);
        if (v && !(*v > 0 && *v <= max_length)) {
            m.error(key, what + " must be > 0 and at most 1e7, got " + m.child(key).Scalar());
            return std::nullopt;
        }
        return v;
    }

    void run(MapReader& top, RunSettings& r) {
        if (!top.has("run")) {
            top.missing("run");
            return;
        }
        MapReader m(ctx, top.child("run"), "run");
        if (auto v = m.integer("seed", 0, INT64_MAX)) r.seed = static_cast<std::uint64_t>(*v);
        if (auto v = m.integer("replications", 1, 10'000'000)) r.replications = static_cast<int>(*v);
        auto start = m.date("start", true), end = m.date("end", true);
        if (start) r.start = *start;
        if (end) r.end = *end;
        if (start && end && *end <= *start) m.error("end", "the horizon ends (" + end->iso() + ") before it starts (" + start->iso() + ")");
        r.report_date = m.date("report_date").value_or(r.end);
        if (start && end && (r.report_date < r.start || r.report_date > r.end))
            m.error("report_date", "report date " + r.report_date.iso() + " lies outside the horizon " + start->iso() + " .. " + end->iso());
    }

    std::vector<Phase> phases(MapReader& prog) {
        std::vector<Phase> out;
        detail::each_map(prog, "phases", [&](MapReader& m, std::size_t) {
            Phase p;
            p.name = m.string("name", true).value_or("");
            p.name_zh = m.string("zh").value_or("");
            auto s = m.date("start", true), e = m.date("end", true);
            if (s) p.start = *s;
            if (e) p.end = *e;
            if (s && e && *e < *s) m.error("end", "phase '" + p.name + "' ends (" + e->iso() + ") before it starts (" + s->iso() + ")");
            for (const Phase& q : out)
                if (s && e && p.start <= q.end && q.start <= p.end)
                    m.error("start", "phase '" + p.name + "' (" + p.start.iso() + " .. " + p.end.iso() + ") overlaps phase '" + q.name + "' (" +
                                         q.start.iso() + " .. " + q.end.iso() + "); phases follow one another");
            out.push_back(p);
        });
        return out;
    }

    std::vector<Target> targets(MapReader& prog) {
        std::vector<Target> out;
        detail::each_map(prog, "targets", [&](MapReader& m, std::size_t) {
            Target t;
            t.id = m.string("id", true).value_or("");
            if (auto v = m.choice("measure", {"stations_built", "share_eligible_with_station", "bases_named",
                                              "demo_bases_named", "focus_industries_covered"}, true)) {
                for (Measure ms : {Measure::stations_built, Measure::share_eligible_with_station, Measure::bases_named,
                                   Measure::demo_bases_named, Measure::focus_industries_covered})
                    if (to_string(ms) == *v) t.measure = ms;
            }
            bool has_deadline = m.has("deadline"), has_from = m.has("from");
            if (has_deadline == has_from)
                m.error(has_from ? "from" : "deadline",
                        "give exactly one of 'deadline' (checked once) or 'from' (checked at the 'check' dates from then on)");
            else if (auto d = has_deadline ? m.date("deadline") : m.date("from")) {
                t.deadline = *d;
                if (has_from) t.check = CheckDates::month_end;
            }
            if (m.has("check")) {
                YAML::Node cn = m.child("check");
                if (!has_from) {
                    m.error("check", "'check' belongs to a recurring target (one with 'from'); a 'deadline' is checked once");
                } else if (cn.IsSequence()) {
                    t.check = CheckDates::listed;
                    auto items = detail::sequence(ctx, cn, m.path("check"));
                    for (std::size_t k = 0; k < items.size(); ++k)
                        if (auto d = detail::read_date(ctx, items[k], m.path("check") + "[" + std::to_string(k) + "]"))
                            t.check_dates.push_back(*d);
                    if (items.empty()) m.error("check", "an empty list of check dates: give at least one date, or year_end | month_end");
                } else if (auto v = m.choice("check", {"year_end", "month_end"})) {
                    t.check = *v == "year_end" ? CheckDates::year_end : CheckDates::month_end;
                }
            }
            if (auto u = m.choice("unit", {"each", "all"})) t.city_wide = *u == "all";
            if (auto g = m.integer("grace_days", 0, 3650)) t.grace_days = static_cast<int>(*g);
            const bool share = t.measure == Measure::share_eligible_with_station;
            const double max_required = share ? 1.0 : 1e9;
            YAML::Node req = m.child("required");
            std::string req_path = m.path("required");
            auto check = [&](const YAML::Node& n, const std::string& p) -> std::optional<double> {
                auto v = detail::read_number(ctx, n, p);
                if (v && (*v < 0 || *v > max_required)) {
                    ctx.error(n, p, share ? "a required share is between 0 and 1, got " + n.Scalar()
                                          : "a required count cannot be negative, got " + n.Scalar());
                    return std::nullopt;
                }
                return v;
            };
            if (!req.IsDefined()) {
                m.missing("required");
            } else if (req.IsMap()) {
                for (auto it = req.begin(); it != req.end(); ++it) {
                    std::string key = it->first.Scalar();
                    auto v = check(it->second, req_path + "." + key);
                    if (!v) continue;
                    if (key == "default")
                        t.required_default = *v;
                    else
                        t.required_by_unit[key] = *v;  // unit ids are checked once units are known
                }
            } else if (auto v = check(req, req_path)) {
                t.required_default = *v;
            }
            out.push_back(std::move(t));
        });
        return out;
    }

    std::vector<ReviewStage> review(MapReader& prog, Date run_end) {
        std::vector<ReviewStage> out;
        const WorkCalendar& cal = WorkCalendar::china();
        detail::each_map(prog, "review", [&](MapReader& m, std::size_t) {
            ReviewStage st;
            st.name = m.string("stage", true).value_or("");
            st.name_zh = m.string("zh").value_or("");
            st.working_days = m.boolean("working_days").value_or(false);
            if (st.working_days && run_end.year() > cal.last_year())
                ctx.diag->warning(ctx.at(m.child("working_days"), m.path("working_days")),
                                  "the run ends in " + std::to_string(run_end.year()) + ", after the working-day calendar (" +
                                      std::to_string(cal.first_year()) + "-" + std::to_string(cal.last_year()) +
                                      "): from " + std::to_string(cal.last_year() + 1) +
                                      " only weekends count as days off, since the State Council has not yet published those "
                                      "years' holidays, so this stage's deadlines then come a few days early");

            st.pass_probability = m.probability("pass", true).value_or(1);
            st.pass_probability_ineligible = m.probability("pass_ineligible").value_or(st.pass_probability);
            if (auto d = m.days("days", 1, true)) st.days = *d;
            out.push_back(st);
        });
        return out;
    }

    void grants(MapReader& prog, GrantRule& g) {
        if (!prog.has("grants")) return;
        MapReader m(ctx, prog.child("grants"), prog.path("grants"));
        auto lo = m.money("min_cny", true), hi = m.money("max_cny", true);
        if (lo) g.min_cny = *lo;
        if (hi) g.max_cny = *hi;
        if (lo && hi && *lo > *hi)
            m.error("min_cny", "the smallest grant (" + m.child("min_cny").Scalar() + " CNY) is larger than the largest (max_cny " + m.child("max_cny").Scalar() + " CNY)");
        if (auto r = m.number_in("county_match", 0, 10)) g.county_match_ratio = *r;
        if (auto r = m.choice("on_county_shortfall", {"defer", "reduce", "drop"}))
            g.on_county_shortfall = *r == "defer" ? ShortfallRule::defer : *r == "reduce" ? ShortfallRule::reduce : ShortfallRule::drop;
        if (auto v = m.string("city_payer")) g.city_payer = *v;
        if (auto v = m.string("county_payer")) g.county_payer = *v;
        detail::each_map(m, "tiers", [&](MapReader& t, std::size_t) {
                GrantTier tier;
                tier.name = t.string("name", true).value_or("");
                if (auto c = t.money("cny", true)) {
                    tier.cny = *c;
                    if (lo && hi && *lo <= *hi && (*c < *lo || *c > *hi))
                        t.error("cny", "grant tier '" + tier.name + "' (" + t.child("cny").Scalar() + " CNY) lies outside the grant range " + m.child("min_cny").Scalar() + " .. " + m.child("max_cny").Scalar());
                }
                g.tiers.push_back(tier);
        });
    }

    void programme(MapReader& top, Programme& p, Date run_end) {
        if (!top.has("programme")) {
            top.missing("programme");
            return;
        }
        MapReader m(ctx, top.child("programme"), "programme");
        p.name = m.string("name", true).value_or("");
        if (auto k = m.choice("kind", {"stations", "bases"}, true)) p.kind = *k == "stations" ? ProgrammeKind::stations : ProgrammeKind::bases;
        p.phases = phases(m);
        p.targets = targets(m);
        if (m.has("eligibility")) {
            MapReader e(ctx, m.child("eligibility"), m.path("eligibility"));
            if (auto types = detail::string_list(e, "project_types")) {
                p.eligibility.project_types.clear();
                for (const auto& t : *types) {
                    if (t != "housing" && t != "municipal")
                        e.error("project_types", "unknown project type '" + t + "'; expected housing or municipal");
                    else
                        p.eligibility.project_types.push_back(t);
                }
                if (types->empty())
                    e.error("project_types", "is empty, so no project would be eligible; list housing and/or municipal (房屋建筑, 市政基础设施)");
            }
            if (auto v = e.integer("min_workforce", 0, 1'000'000)) p.eligibility.min_workforce = static_cast<int>(*v);
            if (auto v = e.money("min_contract_cny")) p.eligibility.min_contract_cny = *v;
            if (auto v = e.integer("min_duration_months", 0, 600)) p.eligibility.min_duration_months = static_cast<int>(*v);
        }
        if (m.has("station_standard")) {
            MapReader s(ctx, m.child("station_standard"), m.path("station_standard"));
            if (auto v = s.number_in("min_area_m2", 0, 1e6)) p.standard.min_area_m2 = *v;
            if (auto v = detail::string_list(s, "elements")) {
                // The notice's parts 2-5 (四（二）): anything else is a typo or a rule the model has no draw for.
                const std::vector<std::string> known{"facilities", "content", "staff", "funding"};
                for (const auto& el : *v)
                    if (std::find(known.begin(), known.end(), el) == known.end()) {
                        const std::string hint = closest_match(el, known);
                        s.error("elements", "unknown standard element '" + el + "'" + did_you_mean(hint) +
                                                " (the notice's parts: facilities, content, staff, funding)");
                    }
                p.standard.elements = *v;
            }
        }
        if (auto v = m.integer("first_year", 1990, 2100)) p.first_year = static_cast<int>(*v);
        if (auto v = m.integer("rounds", 1, 50)) p.rounds = static_cast<int>(*v);
        if (auto v = m.string("application_due")) {
            auto d = Date::parse("2000-" + *v);
            if (!d) m.error("application_due", "expected a month and day MM-DD, got '" + *v + "'");
            else {
                p.application_due_month = d->month();
                p.application_due_day = d->day();
            }
        }
        if (auto v = detail::string_list(m, "focus_industries")) p.focus_industries = *v;
        if (m.has("quota")) {
            MapReader q(ctx, m.child("quota"), m.path("quota"));
            if (auto v = q.integer("bases", 0, 100'000)) p.quota_bases = static_cast<int>(*v);
            if (auto v = q.integer("demonstration", 0, 100'000)) p.quota_demonstration = static_cast<int>(*v);
            if (p.quota_demonstration > p.quota_bases)
                q.error("demonstration", "more demonstration bases (" + std::to_string(p.quota_demonstration) +
                                             ") than bases (" + std::to_string(p.quota_bases) + ")");
            if (auto v = q.choice("per_round", {"none", "even"}))
                p.round_cap = *v == "even" ? Programme::RoundCap::even : Programme::RoundCap::none;
        }
        if (m.has("base_eligibility")) {
            MapReader e(ctx, m.child("base_eligibility"), m.path("base_eligibility"));
            if (auto v = e.integer("min_trainees", 0, 10'000'000)) p.base_eligibility.min_trainees = static_cast<int>(*v);
            if (auto v = e.probability("min_senior_share")) p.base_eligibility.min_senior_share = *v;
            if (auto v = e.integer("min_equipment_sets", 0, 100'000)) p.base_eligibility.min_equipment_sets = static_cast<int>(*v);
        }
        p.review = review(m, run_end);
        grants(m, p.grants);
    }

    /// {key: probability} under `parent.key`, keys checked later.
    std::map<std::string, double> probabilities(MapReader& parent, const std::string& key) {
        std::map<std::string, double> out;
        if (!parent.has(key)) return out;
        MapReader m(ctx, parent.child(key), parent.path(key));
        if (!m.valid()) return out;
        for (auto it = m.node().begin(); it != m.node().end(); ++it) {
            std::string k = it->first.Scalar();
            key_nodes[m.path(k)] = it->first;
            if (auto v = m.probability(k)) out[k] = *v;
        }
        return out;
    }

    std::vector<CostShare> shares(MapReader& parent, const std::string& key) {
        std::vector<CostShare> out;
        if (!parent.has(key)) return out;
        MapReader m(ctx, parent.child(key), parent.path(key));
        if (!m.valid()) return out;
        double total = 0;
        for (auto it = m.node().begin(); it != m.node().end(); ++it) {
            std::string k = it->first.Scalar();
            key_nodes[m.path(k)] = it->first;
            if (auto v = m.probability(k)) {
                out.push_back({k, *v});
                total += *v;
            }
        }
        if (std::abs(total - 1.0) > 1e-9)
            parent.error(key, "the shares of " + key + " add up to " + detail::shown_number(total) + "; expected 1");
        return out;
    }

    void behaviour(MapReader& top, Behaviour& b) {
        if (top.has("behaviour")) {
            MapReader m(ctx, top.child("behaviour"), "behaviour");
            auto& st = b.stations;
            if (auto d = m.date("as_of")) st.as_of = *d;
            if (m.has("arrivals")) {
                MapReader a(ctx, m.child("arrivals"), m.path("arrivals"));
                YAML::Node py = a.child("per_year");
                std::string pp = a.path("per_year");
                if (py.IsDefined() && py.IsMap()) {
                    for (auto it = py.begin(); it != py.end(); ++it) {
                        std::string k = it->first.Scalar();
                        auto v = detail::read_number(ctx, it->second, pp + "." + k);
                        if (v && *v < 0) ctx.error(it->second, pp + "." + k, "an arrival rate cannot be negative, got " + it->second.Scalar());
                        else if (v && k == "default") st.arrivals.per_year_default = *v;
                        else if (v) st.arrivals.per_year_by_unit[k] = *v;
                        if (k != "default") unit_refs.emplace_back(pp + "." + k, it->first);
                    }
                } else if (py.IsDefined() && !(py.IsScalar() && py.Scalar() == "from_data")) {
                    auto v = a.number("per_year");
                    if (v && *v < 0) a.error("per_year", "an arrival rate cannot be negative, got " + py.Scalar() + " projects a year");
                    else if (v) st.arrivals.per_year_default = *v;
                }
                if (auto v = a.integer("history_months", 1, 600)) st.arrivals.history_months = static_cast<int>(*v);
                if (auto v = a.number_in("factor", 0, 1000)) st.arrivals.factor = *v;
            }
            if (auto d = m.days("completion_delay_days", 0)) st.completion_delay = *d;
            if (m.has("adoption")) {
                MapReader a(ctx, m.child("adoption"), m.path("adoption"));
                st.adoption_by_phase = probabilities(a, "phases");
                if (auto v = a.number_in("enterprise_has_station", 0, 100)) st.enterprise_has_station = *v;
            }
            if (auto d = m.days("plan_days", 1)) st.plan_days = *d;
            if (auto d = m.days("construct_days", 1)) st.construct_days = *d;
            YAML::Node area = m.child("area_m2");
            if (area.IsDefined() && area.IsSequence() && area.size() == 2) {
                auto lo = detail::read_number(ctx, area[0], m.path("area_m2") + "[0]");
                auto hi = detail::read_number(ctx, area[1], m.path("area_m2") + "[1]");
                if (lo && hi && (*lo <= 0 || *hi < *lo))
                    m.error("area_m2", "expected [smallest, largest] floor area in m² with 0 < smallest <= largest");
                else if (lo && hi) {
                    st.area_min_m2 = *lo;
                    st.area_max_m2 = *hi;
                }
            } else if (area.IsDefined()) {
                if (auto v = m.number_in("area_m2", 0.1, 1e6)) st.area_min_m2 = st.area_max_m2 = *v;
            }
            st.element_pass = probabilities(m, "standard_pass");
            if (auto v = m.probability("fix_probability")) st.fix_probability = *v;
            if (auto d = m.days("fix_days", 1)) st.fix_days = *d;
            if (auto v = m.probability("relocate_probability")) st.relocate_probability = *v;
            if (auto d = m.days("relocate_days", 1)) st.relocate_days = *d;

            auto& bb = b.bases;
            if (m.has("apply")) {
                MapReader a(ctx, m.child("apply"), m.path("apply"));
                if (auto v = a.probability("existing")) bb.apply_existing = *v;
                if (auto v = a.probability("new")) bb.apply_new = *v;
                if (auto v = a.probability("recognised")) bb.apply_recognised = *v;
            }
            if (auto v = m.probability("reapply")) bb.reapply = *v;
            if (auto v = m.string("selection_plan")) {
                selection_plan = *v;
                selection_plan_where = ctx.at(m.child("selection_plan"), m.path("selection_plan"));
            }
            if (m.has("ramp_up")) {
                bb.ramp_up.clear();
                auto items = detail::sequence(ctx, m.child("ramp_up"), m.path("ramp_up"));
                for (std::size_t i = 0; i < items.size(); ++i) {
                    std::string ip = m.path("ramp_up") + "[" + std::to_string(i) + "]";
                    auto v = detail::read_number(ctx, items[i], ip);
                    if (v && (*v < 0 || *v > 1)) ctx.error(items[i], ip, "a ramp-up share is between 0 and 1, got " + items[i].Scalar());
                    else if (v) bb.ramp_up.push_back(*v);
                }
                if (bb.ramp_up.empty()) m.error("ramp_up", "expected at least one share, e.g. [0.5, 0.8, 1.0]");
            }
        }
        if (top.has("costs")) {
            MapReader m(ctx, top.child("costs"), "costs");
            auto& c = b.costs;
            if (auto v = m.money("area_cny_per_m2")) c.area_cny_per_m2 = *v;
            if (auto v = m.money("equipment_cny")) c.equipment_cny = *v;
            if (auto v = m.money("monthly_cny")) c.monthly_cny = *v;
            if (auto v = m.number_in("relocate_share", 0, 1)) c.relocate_share = *v;
            c.setup_paid_by = shares(m, "setup_paid_by");
            c.running_paid_by = shares(m, "running_paid_by");
        }
    }

    void coverage(MapReader& top, CoverageSettings& c) {
        if (!top.has("coverage")) return;
        MapReader m(ctx, top.child("coverage"), "coverage");
        if (m.has("radii")) {
            c.radii.clear();
            const std::string rp = m.path("radii");
            auto items = detail::sequence(ctx, m.child("radii"), rp);
            for (std::size_t i = 0; i < items.size(); ++i) {
                const std::string ip = rp + "[" + std::to_string(i) + "]";
                auto v = detail::read_number(ctx, items[i], ip);
                if (v && !(*v > 0 && *v <= max_length)) ctx.error(items[i], ip, "a radius must be > 0 and at most 1e7, got " + items[i].Scalar());
                else if (v && !c.radii.empty() && *v <= c.radii.back())
                    ctx.error(items[i], ip, "radii must ascend, got " + items[i].Scalar() + " after " + detail::shown_number(c.radii.back()));
                else if (v) c.radii.push_back(*v);
            }
            if (items.empty()) m.error("radii", "expected at least one radius, e.g. [1000, 3000, 5000]");
        }
        if (auto v = m.boolean("match_industry")) c.match_industry = *v;
        if (auto v = length(m, "cell_m", "the cell size")) c.cell_m = *v;
        if (m.has("access")) {
            MapReader a(ctx, m.child("access"), m.path("access"));
            if (auto v = length(a, "catchment", "the catchment")) c.catchment = *v;
            if (auto d = a.choice("decay", {"none", "step", "linear", "gaussian"}))
                c.decay = *d == "none" ? coverage::Decay::none : *d == "step" ? coverage::Decay::step
                        : *d == "linear" ? coverage::Decay::linear : coverage::Decay::gaussian;
        }
        if (m.has("cost_matrix")) {
            MapReader a(ctx, m.child("cost_matrix"), m.path("cost_matrix"));
            CostMatrixSpec spec;
            spec.shown = a.string("path", true).value_or("");
            spec.unit = a.choice("unit", {"metres", "minutes"}, true).value_or("metres");
            matrix_path = spec.shown;
            matrix_where = ctx.at(a.child("path"), a.path("path"));
            c.cost_matrix = spec;
        }
    }

    void siting(MapReader& top, SitingSettings& st) {
        if (!top.has("siting")) return;
        MapReader m(ctx, top.child("siting"), "siting");
        if (auto o = m.choice("objective", {"max_cover", "p_median"}))
            st.objective = *o == "max_cover" ? siting::Objective::max_cover : siting::Objective::p_median;
        if (auto v = length(m, "radius", "the radius")) st.radius = *v;
        if (auto v = m.integer("p", 1, 1000000)) st.p = static_cast<int>(*v);
        if (auto v = m.integer("budget_years", 1, 100)) st.budget_years = static_cast<int>(*v);
        if (auto v = m.string("unit_minimums")) st.unit_minimums = *v;
        if (auto v = detail::string_list(m, "required")) st.required = *v;
        if (auto v = m.number_in("time_limit_s", 0.1, 86400)) st.time_limit_s = *v;
        if (auto v = m.integer("exact_up_to", 0, 1000000)) st.exact_up_to = static_cast<std::size_t>(*v);
    }

    void budgets(MapReader& top, Budgets& b) {
        if (!top.has("budgets")) return;
        MapReader m(ctx, top.child("budgets"), "budgets");
        if (auto r = m.choice("on_exhausted", {"wait", "enterprise_pays", "not_built"}))
            b.on_exhausted = *r == "wait" ? ExhaustedRule::wait : *r == "enterprise_pays" ? ExhaustedRule::enterprise_pays : ExhaustedRule::not_built;
        std::set<std::string> ids;
        detail::each_map(m, "payers", [&](MapReader& pm, std::size_t) {
            Payer p;
            p.id = pm.string("id", true).value_or("");
            payer_nodes[p.id] = pm.child("id");
            p.name = pm.string("name").value_or(p.id);
            if (!p.id.empty() && !ids.insert(p.id).second) pm.error("id", "duplicate payer id '" + p.id + "'");
            YAML::Node a = pm.child("annual_cny");
            if (!a.IsDefined()) pm.missing("annual_cny");
            else if (!(a.IsScalar() && a.Scalar() == "unlimited")) {
                if (auto v = pm.money("annual_cny")) p.annual_cny = *v;
            }
            if (pm.has("years")) {
                MapReader ym(ctx, pm.child("years"), pm.path("years"));
                for (auto it = ym.node().begin(); it != ym.node().end(); ++it) {
                    std::string key = it->first.Scalar();
                    int year = 0;
                    auto [ptr, ec] = std::from_chars(key.data(), key.data() + key.size(), year);
                    if (ec != std::errc() || ptr != key.data() + key.size() || year < 1990 || year > 2100) {
                        ctx.diag->error(ctx.at_mark(it->first.Mark(), pm.path("years") + "." + key), "expected a year such as 2024, got '" + key + "'");
                        ym.child(key);
                        continue;
                    }
                    if (auto v = ym.money(key)) p.annual_by_year[year] = *v;
                }
            }
            bool per_unit = pm.boolean("per_unit").value_or(false);
            std::map<std::string, double> unit_amounts;
            if (pm.has("units")) {
                MapReader um(ctx, pm.child("units"), pm.path("units"));
                for (auto it = um.node().begin(); it != um.node().end(); ++it) {
                    std::string key = it->first.Scalar();
                    unit_refs.emplace_back(um.path(key), it->first);
                    if (auto v = um.money(key)) unit_amounts[key] = *v;
                }
            }
            if (!per_unit) {
                if (!unit_amounts.empty()) pm.error("units", "per-unit amounts need 'per_unit: true'");
                b.payers.push_back(std::move(p));
                return;
            }
            // Expanded into one payer per unit once the units are known:
            // keep a template with the per-unit table in annual_by_year's stead.
            p.unit = "*";
            for (const auto& [u, v] : unit_amounts) per_unit_amounts[p.id][u] = v;
            b.payers.push_back(std::move(p));
        });
    }

    /// The lever ids of counterfactual.hpp that a scenario of kind `kind`
    /// can name (both kinds' when `kind` is empty).
    static std::vector<std::string> lever_ids(const Scenario& s, std::optional<ProgrammeKind> kind) {
        std::vector<std::string> ids;
        for (const Payer& p : s.budgets.payers) ids.push_back("payer:" + p.id);  // per-unit payers: their prefix, not yet expanded
        ids.insert(ids.end(), {"payers:all", "durations"});
        if (!kind || *kind == ProgrammeKind::stations) ids.insert(ids.end(), {"adoption", "standard"});
        if (!kind || *kind == ProgrammeKind::bases) ids.insert(ids.end(), {"application", "review", "round_cap"});
        return ids;
    }

    static std::string listed(const std::vector<std::string>& v) {
        std::string out;
        for (const auto& x : v) out += (out.empty() ? "" : ", ") + x;
        return out;
    }

    void counterfactuals(MapReader& top, Scenario& s) {
        if (!top.has("counterfactuals")) return;
        MapReader m(ctx, top.child("counterfactuals"), "counterfactuals");
        auto& c = s.counterfactuals;
        if (auto v = m.integer("sample", 1, 1'000'000)) c.sample = static_cast<int>(*v);
        if (auto v = m.integer("max_sets", 1, 1'000'000)) c.max_sets = static_cast<int>(*v);
        if (auto v = m.number("fix_share")) {
            if (*v > 0 && *v <= 1) c.fix_share = *v;
            else m.error("fix_share", "expected a share above 0 and at most 1, got " + m.child("fix_share").Scalar());
        }
        if (!m.has("levers")) return;
        const std::string lp = m.path("levers");
        const auto items = detail::sequence(ctx, m.child("levers"), lp);
        const ProgrammeKind kind = s.programme.kind;
        const std::vector<std::string> mine = lever_ids(s, kind), any = lever_ids(s, std::nullopt);
        for (std::size_t k = 0; k < items.size(); ++k) {
            const std::string ip = lp + "[" + std::to_string(k) + "]";
            auto id = detail::read_string(ctx, items[k], ip);
            if (!id) continue;
            if (std::find(mine.begin(), mine.end(), *id) == mine.end()) {
                const std::string kind_name = kind == ProgrammeKind::stations ? "stations" : "bases";
                if (std::find(any.begin(), any.end(), *id) != any.end())
                    ctx.error(items[k], ip, "'" + *id + "' is a lever of a " + (kind == ProgrammeKind::stations ? "bases" : "stations") +
                                                " programme; this is a " + kind_name + " programme (its levers: " + listed(mine) + ")");
                else {
                    const std::string hint = closest_match(*id, mine);
                    ctx.error(items[k], ip, "unknown lever '" + *id + "'" + did_you_mean(hint) +
                                                " (expected one of: " + listed(mine) + ")");
                }
                continue;
            }
            // Known but idle here: say so, since it would silently be left out.
            if (id->starts_with("payer:")) {
                const auto p = std::find_if(s.budgets.payers.begin(), s.budgets.payers.end(), [&](const Payer& q) { return "payer:" + q.id == *id; });
                if (p != s.budgets.payers.end() && !p->annual_cny && p->annual_by_year.empty())
                    ctx.diag->warning(ctx.at(items[k], ip), "payer '" + p->id + "' has no limit (annual_cny: unlimited); relaxing it changes nothing, so it is not tried");
            } else if (*id == "round_cap" && s.programme.round_cap == Programme::RoundCap::none) {
                ctx.diag->warning(ctx.at(items[k], ip), "there is no per-round cap to lift (programme.quota.per_round: none), so it is not tried");
            }
            c.levers.push_back(*id);
        }
    }

    /// `labels:` into s.labels.names, on top of the built-in names and the
    /// payers' own names (their Chinese name by default).
    void labels(MapReader& top, Scenario& s) {
        auto& names = s.labels.names;
        const Labels none;
        const std::vector<std::string> builtin = Labels::builtin_keys();
        for (const auto& key : builtin) names[key] = {none.name(key, "zh"), none.name(key, "en")};
        for (const Payer& p : s.budgets.payers)
            if (!p.name.empty() && p.name != p.id) names["payer:" + p.id].first = p.name;
        if (!top.has("labels")) return;
        MapReader m(ctx, top.child("labels"), "labels");
        if (!m.valid()) return;
        auto with_prefix = [&](const std::string& prefix) {
            std::vector<std::string> out;
            for (const auto& key : builtin)
                if (key.starts_with(prefix + ":")) out.push_back(key.substr(prefix.size() + 1));
            return out;
        };
        std::vector<std::string> target_ids, payer_ids;
        for (const auto& t : s.programme.targets) target_ids.push_back(t.id);
        for (const auto& p : s.budgets.payers) payer_ids.push_back(p.id);
        const std::vector<std::pair<std::string, std::pair<std::string, std::vector<std::string>>>> sections{
            {"targets", {"target", target_ids}},          {"measures", {"measure", with_prefix("measure")}},
            {"payers", {"payer", payer_ids}},             {"levers", {"lever", lever_ids(s, std::nullopt)}},
            {"outcomes", {"outcome", with_prefix("outcome")}}, {"statuses", {"status", with_prefix("status")}},
        };
        for (const auto& [section, what] : sections) {
            const auto& [prefix, known] = what;
            if (!m.has(section)) continue;
            MapReader sm(ctx, m.child(section), m.path(section));
            if (!sm.valid()) continue;
            for (auto it = sm.node().begin(); it != sm.node().end(); ++it) {
                const std::string id = it->first.IsScalar() ? it->first.Scalar() : "?";
                const YAML::Node value = sm.child(id);
                const std::string ip = sm.path(id);
                if (std::find(known.begin(), known.end(), id) == known.end()) {
                    const std::string hint = closest_match(id, known);
                    ctx.diag->error(ctx.at_mark(it->first.Mark(), ip), "unknown " + prefix + " '" + id + "'" +
                                                                            did_you_mean(hint) +
                                                                            " (expected one of: " + listed(known) + ")");
                    continue;
                }
                MapReader em(ctx, value, ip);
                if (!em.valid()) continue;
                auto zh = em.string("zh"), en = em.string("en");
                if (em.node().size() == 0) {  // (other keys are reported as unknown)
                    ctx.error(value, ip, "expected {zh: 中文名, en: English name}, one or both");
                    continue;
                }
                auto& entry = names[prefix + ":" + id];
                if (zh) entry.first = *zh;
                if (en) entry.second = *en;
            }
        }
    }

    std::map<std::string, std::map<std::string, double>> per_unit_amounts;  // payer -> unit -> annual
    std::map<std::string, YAML::Node> payer_nodes;                          // payer id -> its id node
    std::map<std::string, YAML::Node> key_nodes;                            // field path -> key node (for later checks)
    std::vector<std::pair<std::string, YAML::Node>> unit_refs;              // field path -> unit id key
    std::string matrix_path;                                                // coverage.cost_matrix.path as written
    Location matrix_where;                                                  // ... and where
    std::string selection_plan;                                             // behaviour.selection_plan as written
    Location selection_plan_where;                                          // ... and where
};

}  // namespace

namespace {

/// The node at a dotted path ("programme.grants.city_payer"), or undefined.
YAML::Node lookup(const YAML::Node& root, const std::string& dotted) {
    YAML::Node cur;
    cur.reset(root);
    std::size_t i = 0;
    while (i <= dotted.size()) {
        std::size_t j = std::min(dotted.find('.', i), dotted.size());
        if (!cur.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
        const YAML::Node& c = cur;
        YAML::Node next = c[dotted.substr(i, j - i)];
        if (!next.IsDefined()) return next;
        cur.reset(next);
        i = j + 1;
    }
    return cur;
}

/// Cross-field checks of behaviour, costs and payers: every name refers to
/// something that exists, and every payer pays for something.
/// The projects a replication would add from the arrival rates the
/// scenario gives (a from_data rate is bounded by the register): a rate
/// meant for the whole city, or a stray exponent, would otherwise run for
/// hours. Needs the region's units.
void check_arrivals(const Scenario& s, Loader& L, const YAML::Node& root, Diagnostics& diag) {
    const auto& a = s.behaviour.stations.arrivals;
    if (!a.per_year_default && a.per_year_by_unit.empty()) return;
    constexpr double most = 10'000'000;
    double per_year = 0;
    for (const auto& u : s.region.units()) {
        const auto it = a.per_year_by_unit.find(u.id);
        per_year += it != a.per_year_by_unit.end() ? it->second : a.per_year_default.value_or(0);
    }
    const double years = std::max(0, s.run.end.days() - s.run.start.days()) / 365.25;
    if (const double added = per_year * a.factor * years; added > most)
        diag.error(L.ctx.at(lookup(root, "behaviour.arrivals"), "behaviour.arrivals"),
                   fmt::format("these arrival rates add about {:.3g} projects to each replication ({:.3g} a year over {} units, x{:g}, "
                               "for {:.1f} years); expected at most {:.0f} (per_year is projects a year in each unit)",
                               added, per_year, s.region.units().size(), a.factor, years, most));
}

void check_behaviour(Scenario& s, Loader& L, const YAML::Node& root, Diagnostics& diag) {
    const auto& prog = s.programme;
    auto& st = s.behaviour.stations;
    if (st.as_of.days() == 0) st.as_of = s.run.start;
    auto at = [&](const std::string& path) { return L.ctx.at(lookup(root, path), path); };
    auto at_key = [&](const std::string& path) {
        auto it = L.key_nodes.find(path);
        return it == L.key_nodes.end() ? at(path) : L.ctx.at(it->second, path);
    };
    auto names_in = [](const std::vector<std::string>& v) {
        std::string out;
        for (const auto& x : v) out += (out.empty() ? "" : ", ") + x;
        return out.empty() ? std::string("none") : out;
    };

    std::vector<std::string> phase_names;
    for (const auto& ph : prog.phases) phase_names.push_back(ph.name);
    for (const auto& [name, p] : st.adoption_by_phase)
        if (std::find(phase_names.begin(), phase_names.end(), name) == phase_names.end()) {
            std::string hint = closest_match(name, phase_names);
            diag.error(at_key("behaviour.adoption.phases." + name),
                       "unknown phase '" + name + "'" + did_you_mean(hint) +
                           " (programme.phases has: " + names_in(phase_names) + ")");
        }
    for (const auto& [name, p] : st.element_pass)
        if (std::find(prog.standard.elements.begin(), prog.standard.elements.end(), name) == prog.standard.elements.end()) {
            std::string hint = closest_match(name, prog.standard.elements);
            diag.error(at_key("behaviour.standard_pass." + name),
                       "unknown standard element '" + name + "'" + did_you_mean(hint) +
                           " (programme.station_standard.elements has: " + names_in(prog.standard.elements) + ")");
        }
    if (s.run.end.days() != 0 && st.as_of > s.run.end)
        diag.error(at("behaviour.as_of"), "the register's date " + st.as_of.iso() + " lies after the run's end " + s.run.end.iso());

    // Payers: every one named must exist, and every one listed must pay.
    std::map<std::string, const Payer*> payers;
    for (const auto& p : s.budgets.payers) payers[p.id] = &p;
    std::vector<std::string> payer_ids;
    for (const auto& p : s.budgets.payers) payer_ids.push_back(p.id);
    std::set<std::string> used;
    bool misnamed = false;  // then an "unused" payer is most likely the one meant: say nothing more
    auto known_payer = [&](const std::string& id, const Location& where) {
        if (payers.count(id)) {
            used.insert(id);
            return true;
        }
        misnamed = true;
        std::string hint = closest_match(id, payer_ids);
        diag.error(where, "unknown payer '" + id + "'" + did_you_mean(hint) +
                              " (budgets.payers has: " + names_in(payer_ids) + ")");
        return false;
    };
    const auto& on_exhausted = s.budgets.on_exhausted;
    if (prog.kind == ProgrammeKind::stations) {
        for (const auto* list : {&s.behaviour.costs.setup_paid_by, &s.behaviour.costs.running_paid_by}) {
            const std::string key = list == &s.behaviour.costs.setup_paid_by ? "costs.setup_paid_by." : "costs.running_paid_by.";
            for (const auto& c : *list) known_payer(c.payer, at_key(key + c.payer));
        }
        if (on_exhausted == ExhaustedRule::enterprise_pays) {
            auto it = payers.find("enterprise");
            if (it == payers.end() || it->second->annual_cny || !it->second->annual_by_year.empty())
                diag.error(at("budgets.on_exhausted"), "'enterprise_pays' needs a payer with id 'enterprise' and annual_cny: unlimited, "
                                                       "who pays what other budgets cannot");
            else
                used.insert("enterprise");
        }
    } else {
        const auto& g = prog.grants;
        if (known_payer(g.city_payer, at("programme.grants.city_payer")) && payers[g.city_payer]->unit == "*")
            diag.error(at("programme.grants.city_payer"), "the city's payer '" + g.city_payer + "' is a per-unit payer; expected one budget");
        if (known_payer(g.county_payer, at("programme.grants.county_payer")) && payers[g.county_payer]->unit != "*") {
            misnamed = true;
            diag.error(at("programme.grants.county_payer"),
                       "the county payer '" + g.county_payer + "' needs 'per_unit: true' (one budget per county union)");
        }
        if (on_exhausted == ExhaustedRule::enterprise_pays)
            diag.error(at("budgets.on_exhausted"), "'enterprise_pays' applies to stations; for bases use wait or not_built");
    }
    for (const auto& p : s.budgets.payers)
        if (!misnamed && !p.id.empty() && !used.count(p.id)) {
            auto it = L.payer_nodes.find(p.id);
            std::string hint = prog.kind == ProgrammeKind::stations ? "name it in costs.setup_paid_by or costs.running_paid_by"
                                                                    : "name it in programme.grants.city_payer or county_payer";
            diag.error(L.ctx.at(it == L.payer_nodes.end() ? YAML::Node() : it->second, "budgets.payers." + p.id),
                       "payer '" + p.id + "' pays for nothing; " + hint + ", or remove it");
        }
}

}  // namespace

using detail::parse_yaml;

void save_scenario(const fs::path& file, const std::vector<std::string>& overrides, const fs::path& target,
                   const std::map<std::string, Source>& sources, const std::string& header) {
    const std::string shown = file.string();
    std::string bytes = read_file(file, shown);
    const fs::path from_dir = fs::absolute(file).parent_path(), to_dir = fs::absolute(target).parent_path();
    if (overrides.empty() && sources.empty() && header.empty() && from_dir == to_dir) {
        write_file_atomic(target, bytes);
        return;
    }
    YAML::Node root = parse_yaml(bytes, shown);
    Diagnostics diag;
    for (const auto& o : overrides) apply_override(root, o, diag);
    diag.throw_if_errors();
    if (root.IsMap() && from_dir != to_dir) {
        const std::string dd = root["data_dir"] && root["data_dir"].IsScalar() ? root["data_dir"].Scalar() : ".";
        if (!fs::path(dd).is_absolute()) root["data_dir"] = (from_dir / dd).lexically_normal().lexically_relative(to_dir).generic_string();
    }
    // The emitter forgets quotes: a quoted "440700" would come back a
    // number (one that then needs a source). Such scalars, quoted and
    // reading as a number or a date, keep an explicit string tag.
    std::function<void(YAML::Node)> keep_strings = [&](YAML::Node n) {
        if (n.IsMap())
            for (auto it = n.begin(); it != n.end(); ++it) keep_strings(it->second);
        else if (n.IsSequence())
            for (std::size_t i = 0; i < n.size(); ++i) keep_strings(n[i]);
        else if (n.IsScalar() && n.Tag() == "!" && reads_as_quantity(YAML::Node(n.Scalar())))
            n.SetTag("tag:yaml.org,2002:str");
    };
    keep_strings(root);
    for (const auto& [key, src] : sources) {
        YAML::Node entry(YAML::NodeType::Map);
        entry[std::string(to_string(src.kind))] = src.note;
        root["sources"][key] = entry;
    }
    std::string text;
    std::istringstream lines(header);
    for (std::string line; std::getline(lines, line);) text += "# " + line + "\n";
    text += "# Saved from " + shown + "\n";
    for (const auto& o : overrides) text += "#   --set " + o + "\n";
    YAML::Emitter out;
    out << root;
    std::string body = out.c_str();
    const std::string verbatim = "!<tag:yaml.org,2002:str> ";  // as the emitter writes the tag; "!!str " is the same, shorter
    for (std::size_t at = body.find(verbatim); at != std::string::npos; at = body.find(verbatim, at)) body.replace(at, verbatim.size(), "!!str ");
    text += body;
    text += "\n";
    write_file_atomic(target, text);
}

namespace {
// behaviour.selection_plan: relative to the scenario file, unless a run
// folder's copy stands in for it.
fs::path selection_plan_path(const std::string& written, const fs::path& file, const LoadOptions& options) {
    if (auto it = options.data_files.find("selection_plan"); it != options.data_files.end()) return it->second;
    const fs::path rel(written);
    return rel.is_absolute() ? rel : file.parent_path() / rel;
}
}  // namespace

Scenario load_scenario(const fs::path& file, const LoadOptions& options, Diagnostics* warnings) {
    Diagnostics diag;
    const std::string shown = file.string();
    std::string bytes = read_file(file, shown);
    Scenario s;
    s.file = file;
    s.overrides = options.overrides;
    if (bytes.find_first_not_of(" \t\r\n") == std::string::npos)
        throw InputError({shown, 1, 1}, "the scenario file is empty; expected a YAML mapping (see scenarios/jiangmen-baseline.yaml)");
    if (int line = first_bad_utf8_line(bytes))
        throw InputError({shown, line}, "the file is not valid UTF-8 text; save it as UTF-8 (Chinese text in GBK is not supported)");

    std::string fingerprint = bytes;
    for (const auto& o : options.overrides) fingerprint += "\n--set " + o;
    s.hash = fnv1a_hex(fingerprint);

    YAML::Node root = parse_yaml(bytes, shown);

    Loader L;
    L.ctx.file = shown;
    L.ctx.diag = &diag;
    // A root that is not a mapping is the only error said: no --set edit can apply to it.
    if (!root.IsMap()) {
        const MapReader says_what_it_is(L.ctx, root, "");
        diag.throw_if_errors();
    }
    for (const auto& o : options.overrides)
        if (auto canon = apply_override(root, o, diag)) L.ctx.overridden[*canon] = o;

    MapReader top(L.ctx, root, "");
    s.name = top.string("name", true).value_or(file.stem().string());
    // The name becomes the default output folder (runs/<name>) and file names.
    if (top.has("name") && (s.name.empty() || s.name == "." || s.name == ".." || s.name.find_first_of("/\\") != std::string::npos))
        top.error("name", "'" + s.name + "' cannot name the run's folder (runs/<name>); expected a name without '/' or '\\', not empty");
    s.title = top.string("title").value_or(s.name);
    L.run(top, s.run);

    // Data paths are relative to the scenario file, or to the working
    // directory when data_dir comes from --set.
    std::string dd = top.string("data_dir").value_or(".");
    bool dd_overridden = L.ctx.overridden.count("data_dir") > 0;
    fs::path base = dd_overridden ? fs::path(".") : file.parent_path();
    L.data_dir = fs::path(dd).is_absolute() ? fs::path(dd) : (base / dd).lexically_normal();
    L.data_dir_shown = fs::path(dd).is_absolute() ? dd : (base / dd).lexically_normal().string();

    std::string region_name, region_code;
    std::optional<int> epsg;
    {
        if (!top.has("region")) top.missing("region");
        MapReader r(L.ctx, top.has("region") ? top.child("region") : YAML::Node(YAML::NodeType::Map), "region");
        region_name = r.string("name", true).value_or("");
        region_code = r.string("code").value_or("");
        YAML::Node crs = r.child("crs");
        if (crs.IsDefined() && !(crs.IsScalar() && crs.Scalar() == "utm")) {
            if (auto v = detail::read_integer(L.ctx, crs, "region.crs", 1024, 999999)) epsg = static_cast<int>(*v);
        }
    }
    auto units_spec = L.layer(top, "units", detail::unit_fields(), true);
    auto projects_spec = L.layer(top, "projects", detail::project_fields(), false);
    auto stations_spec = L.layer(top, "stations", detail::station_fields(), false);
    auto bases_spec = L.layer(top, "bases", detail::base_fields(), false);
    auto demand_spec = L.layer(top, "demand", detail::demand_fields(), false);
    // Personal data, by the columns that hold it.
    {
        using K = PersonalColumn::Kind;
        auto personal = [&](const char* role, const std::optional<detail::LayerSpec>& spec, const char* field, K kind) {
            if (!spec) return;
            auto it = spec->columns.find(field);
            if (it != spec->columns.end() && !it->second.empty()) s.personal_columns.push_back({role, it->second, kind});
        };
        personal("projects", projects_spec, "contact_name", K::name);
        personal("projects", projects_spec, "mobile", K::phone);
        for (const char* f : {"head_name", "contact_name"}) personal("bases", bases_spec, f, K::name);
        for (const char* f : {"phone", "contact_mobile", "bank_account"}) personal("bases", bases_spec, f, K::phone);
        personal("bases", bases_spec, "head_id_number", K::id_number);
    }
    // A run folder's copies (input/) stand in for the files the scenario names.
    for (auto [role, spec] : {std::pair{"units", &units_spec}, {"projects", &projects_spec}, {"stations", &stations_spec},
                              {"bases", &bases_spec}, {"demand", &demand_spec}})
        if (auto it = options.data_files.find(role); *spec && it != options.data_files.end())
            (*spec)->source.path = (*spec)->source.display = it->second.string();
    L.programme(top, s.programme, s.run.end);
    L.budgets(top, s.budgets);
    L.behaviour(top, s.behaviour);
    L.coverage(top, s.coverage);
    L.siting(top, s.siting);
    L.counterfactuals(top, s);
    L.labels(top, s);
    top.child("sources");  // read with the inputs, below
    top.child("calibrate");
    top.child("sensitivity");
    top.finish();
    read_provenance(L.ctx, root, s);
    s.calibrate = read_ranges(L.ctx, root, "calibrate", s.inputs);
    s.sensitivity = read_ranges(L.ctx, root, "sensitivity", s.inputs);

    check_behaviour(s, L, root, diag);
    if (s.coverage.cost_matrix) {
        const fs::path mp(L.matrix_path);
        s.coverage.cost_matrix->path = mp.is_absolute() ? mp : L.data_dir / mp;
        s.coverage.cost_matrix->shown = mp.is_absolute() ? L.matrix_path : (fs::path(L.data_dir_shown) / mp).string();
        if (auto it = options.data_files.find("cost_matrix"); it != options.data_files.end())
            s.coverage.cost_matrix->path = s.coverage.cost_matrix->shown = it->second.string();
    }
    if (!s.siting.unit_minimums.empty()) {
        const auto& ts = s.programme.targets;
        const auto it = std::find_if(ts.begin(), ts.end(), [&](const Target& t) { return t.id == s.siting.unit_minimums; });
        std::vector<std::string> ids;
        for (const auto& t : ts) ids.push_back(t.id);
        const std::string hint = closest_match(s.siting.unit_minimums, ids);
        if (it == ts.end())
            diag.error(L.ctx.at(static_cast<const YAML::Node&>(root)["siting"]["unit_minimums"], "siting.unit_minimums"),
                       "unknown target '" + s.siting.unit_minimums + "'" + did_you_mean(hint) +
                           ": expected the id of a per-unit count target");
        else if (it->city_wide || (it->measure != Measure::stations_built && it->measure != Measure::bases_named))
            diag.error(L.ctx.at(static_cast<const YAML::Node&>(root)["siting"]["unit_minimums"], "siting.unit_minimums"),
                       "target '" + it->id + "' is not a per-unit count of stations or bases");
    }

    const auto& prog = s.programme;
    if (prog.kind == ProgrammeKind::stations && top.has("programme") && !top.has("projects"))
        diag.error(L.ctx.at(root, "projects"), "a stations programme needs a 'projects' layer");
    if (prog.kind == ProgrammeKind::bases && top.has("programme") && !top.has("bases"))
        diag.error(L.ctx.at(root, "bases"), "a bases programme needs a 'bases' layer");

    // Targets and phases against the horizon.
    auto prog_node = static_cast<const YAML::Node&>(root)["programme"];
    auto targets_node = prog_node && prog_node.IsMap() ? static_cast<const YAML::Node&>(prog_node)["targets"] : YAML::Node();
    for (std::size_t i = 0; i < prog.targets.size(); ++i) {
        const Target& t = prog.targets[i];
        YAML::Node tn = targets_node && targets_node.IsSequence() && i < targets_node.size() ? targets_node[i] : YAML::Node();
        std::string path = "programme.targets[" + std::to_string(i) + "]." + (t.recurring() ? "from" : "deadline");
        YAML::Node dn = tn && tn.IsMap() ? static_cast<const YAML::Node&>(tn)[t.recurring() ? "from" : "deadline"] : YAML::Node();
        if (t.deadline.days() != 0 && s.run.end.days() != 0 && (t.deadline > s.run.end || t.deadline < s.run.start))
            diag.error(L.ctx.at(dn, path), "target '" + t.id + "' falls on " + t.deadline.iso() + ", outside the run's horizon " +
                                               s.run.start.iso() + " .. " + s.run.end.iso());
        else if (t.measure == Measure::share_eligible_with_station && [&] {
                     for (std::size_t j = 0; j < i; ++j)
                         if (prog.targets[j].measure == Measure::share_eligible_with_station && prog.targets[j].grace_days != t.grace_days) return true;
                     return false;
                 }())
            diag.error(L.ctx.at(tn && tn.IsMap() ? static_cast<const YAML::Node&>(tn)["grace_days"] : YAML::Node(),
                                "programme.targets[" + std::to_string(i) + "].grace_days"),
                       "share targets must have the same grace_days: a project becomes due once, for all of them");
        else if (t.recurring() && s.run.end.days() != 0 && t.dates(s.run.start, s.run.end).empty())
            diag.error(L.ctx.at(dn, path), "target '" + t.id + "' is never checked: none of its check dates falls between " +
                                               std::max(t.deadline, s.run.start).iso() + " and the run's end " + s.run.end.iso());
    }
    // Budget years outside the run: money that would never be used, or a typo.
    if (s.run.end.days() != 0)
        for (const Payer& payer : s.budgets.payers)
            for (const auto& [year, amount] : payer.annual_by_year)
                if (year < s.run.start.year() || year > s.run.end.year()) {
                    auto budgets = static_cast<const YAML::Node&>(root)["budgets"];
                    diag.error(L.ctx.at(budgets, "budgets.payers." + payer.id + ".years." + std::to_string(year)),
                               "a budget for " + std::to_string(year) + ", outside the run's years " + std::to_string(s.run.start.year()) + " .. " +
                                   std::to_string(s.run.end.year()));
                    break;
                }
    if (prog.kind == ProgrammeKind::bases && prog.first_year != 0 && s.run.start.days() != 0 &&
        (prog.first_year < s.run.start.year() || prog.first_year > s.run.end.year()))
        diag.error(L.ctx.at(prog_node && prog_node.IsMap() ? static_cast<const YAML::Node&>(prog_node)["first_year"] : YAML::Node(), "programme.first_year"),
                   "the first round (" + std::to_string(prog.first_year) + ") lies outside the run's horizon");

    if (!options.load_data) {
        if (warnings) for (const auto& p : diag.problems()) if (p.severity == Severity::warning) warnings->add(p);
        diag.throw_if_errors();
        return s;
    }

    // Data: each layer is read even when another failed, so that one run of
    // `tisheng validate` lists every problem.
    auto read_guarded = [&](auto&& fn) {
        try {
            fn();
        } catch (const InputError& e) {
            diag.add(e.problem());
        } catch (const InvalidInput& e) {
            for (const auto& p : e.problems()) diag.add(p);
        }
    };
    // A data file refused at open (not there, a folder, a pipe or a device,
    // too large, unreadable; for a layer also one GDAL cannot open): said at
    // the scenario line that names it, the file named in the message. True
    // if `open` threw.
    auto refused = [&](const Location& named_at, auto&& open) {
        try {
            open();
            return false;
        } catch (const InputError& e) {
            diag.error(named_at, e.problem().where.str() + ": " + e.problem().message);
            return true;
        }
    };
    // A layer's reader throws only when it cannot open the layer (each
    // row's problems go to `diag`).
    auto read_layer = [&](const detail::LayerSpec& spec, auto&& read) { read_guarded([&] { refused(spec.where, read); }); };
    detail::throw_if_cancelled(options.cancel);
    for (auto* spec : {&units_spec, &projects_spec, &stations_spec, &bases_spec, &demand_spec}) {
        if (*spec) (*spec)->cancel = options.cancel;
        if (*spec && !options.data_from && refused((*spec)->where, [&] { check_layer_file((*spec)->source); })) spec->reset();
    }
    const bool matrix_ok = s.coverage.cost_matrix && (options.data_from || !refused(L.matrix_where, [&] {
                                                          check_input_file(s.coverage.cost_matrix->path, s.coverage.cost_matrix->shown);
                                                      }));
    const bool plan_ok = !L.selection_plan.empty() && !refused(L.selection_plan_where, [&] {
        const fs::path path = selection_plan_path(L.selection_plan, file, options);
        check_input_file(path, path.string());
    });
    std::vector<Unit> units;
    struct Digested {
        std::string name, role;
        fs::path path, shown;
    };
    std::vector<Digested> files;
    std::future<std::vector<std::string>> digests;  // of `files`, read beside the loaders
    if (options.data_from) {
        s.region = options.data_from->region;
        s.sites = options.data_from->sites;
        s.data_digests = options.data_from->data_digests;
        s.data_paths = options.data_from->data_paths;
    } else {
        // What the run reads, digested: a later re-run compares (run.json data_files).
        // Named by layer and file name, which do not depend on where the command runs.
        // Each file is read and hashed beside the loaders (a national register
        // is over 100 MB); a file that cannot be read still fails the load
        // with its read error, once the loaders are done.
        const std::pair<const char*, const std::optional<detail::LayerSpec>*> layers[] = {
            {"units", &units_spec}, {"projects", &projects_spec}, {"stations", &stations_spec}, {"bases", &bases_spec}, {"demand", &demand_spec}};
        for (const auto& [name, spec] : layers)
            if (*spec && fs::is_regular_file(spec->value().source.path))
                files.push_back({std::string(name) + ": " + spec->value().source.path.filename().string(), name, spec->value().source.path,
                                 spec->value().source.display});
        if (matrix_ok)
            files.push_back({"cost_matrix: " + s.coverage.cost_matrix->path.filename().string(), "cost_matrix", s.coverage.cost_matrix->path,
                             s.coverage.cost_matrix->shown});
        if (plan_ok) {
            const fs::path path = selection_plan_path(L.selection_plan, file, options);
            files.push_back({"selection_plan: " + L.selection_plan, "selection_plan", path, path});
        }
        digests = std::async(std::launch::async, [&files] {
            std::vector<std::string> out;
            for (const auto& f : files) out.push_back(fnv1a_hex(read_file(f.path, f.shown.string())));
            return out;
        });
        if (units_spec) read_layer(*units_spec, [&] { units = detail::load_units(*units_spec, diag); });
        try {
            s.region = Region(region_name, region_code, std::move(units), epsg);
        } catch (const Error& e) {
            diag.error(L.ctx.at(static_cast<const YAML::Node&>(root)["region"], "region.crs"), e.what());
            s.region = Region(region_name, region_code, {}, std::nullopt);
        }
    }
    if (!s.region.units().empty()) {
        check_arrivals(s, L, root, diag);
        if (!options.data_from) {
            if (projects_spec) read_layer(*projects_spec, [&] { s.sites.projects = detail::load_projects(*projects_spec, s.region, diag); });
            if (stations_spec) read_layer(*stations_spec, [&] { s.sites.stations = detail::load_stations(*stations_spec, s.region, diag); });
            if (bases_spec) read_layer(*bases_spec, [&] { s.sites.bases = detail::load_bases(*bases_spec, s.region, diag); });
            if (demand_spec) read_layer(*demand_spec, [&] { s.sites.demand = detail::load_demand(*demand_spec, s.region, diag); });
            // A register with a header and no rows would give an empty run
            // without a word: said, like a refusal, where the scenario names it.
            if (!diag.has_errors()) {
                if (prog.kind == ProgrammeKind::stations && projects_spec && s.sites.projects.empty())
                    diag.error(projects_spec->where, projects_spec->source.display +
                                                         ": holds no projects (a header and no rows?); a stations programme needs its register");
                if (prog.kind == ProgrammeKind::bases && bases_spec && s.sites.bases.empty())
                    diag.error(bases_spec->where, bases_spec->source.display +
                                                      ": holds no candidate bases (a header and no rows?); a bases programme needs its candidates");
            }
        }
        // The surfaces' size and the cost matrix are checked now, not after a long run.
        try {
            (void)coverage::region_grid(s.region, s.coverage.cell_m, "coverage.cell_m");
        } catch (const InputError& e) {
            auto cov = static_cast<const YAML::Node&>(root)["coverage"];
            diag.error(L.ctx.at(cov && cov.IsMap() ? static_cast<const YAML::Node&>(cov)["cell_m"] : YAML::Node(), "coverage.cell_m"),
                       e.problem().message);
        }
        detail::throw_if_cancelled(options.cancel);
        if (s.coverage.cost_matrix && options.data_from) s.cost_matrix = options.data_from->cost_matrix;
        else if (matrix_ok) read_guarded([&] { s.cost_matrix = detail::read_cost_matrix(s); });
        if (!L.selection_plan.empty()) {
            const Location& where = L.selection_plan_where;
            if (prog.kind != ProgrammeKind::bases) {
                diag.error(where, "a selection plan orders the naming of bases; a stations programme has no such choice");
            } else if (plan_ok) {
                const fs::path path = selection_plan_path(L.selection_plan, file, options);
                read_guarded([&] {
                    auto order = detail::read_plan_order(path, path.string());
                    for (const auto& [id, tier] : order) {
                        const bool known = std::any_of(s.sites.bases.begin(), s.sites.bases.end(), [&id = id](const CandidateBase& b) { return b.id == id; });
                        if (!known) diag.error(where, "the plan names '" + id + "', which is not a candidate base of this scenario");
                    }
                    s.behaviour.bases.selection_plan = std::move(order);
                });
            }
        }

        // Unit ids named in targets and budgets must exist.
        std::vector<std::string> ids;
        for (const auto& u : s.region.units()) ids.push_back(u.id);
        auto unknown_unit = [&](const std::string& id, const Location& where) {
            std::string hint = closest_match(id, ids);
            diag.error(where, "unknown unit '" + id + "'" + did_you_mean(hint) +
                                  " (units come from " + (units_spec ? units_spec->source.display : "the units layer") + ")");
        };
        for (std::size_t i = 0; i < prog.targets.size(); ++i) {
            YAML::Node tn = targets_node && targets_node.IsSequence() && i < targets_node.size() ? targets_node[i] : YAML::Node();
            YAML::Node rn = tn && tn.IsMap() ? static_cast<const YAML::Node&>(tn)["required"] : YAML::Node();
            for (const auto& [id, v] : prog.targets[i].required_by_unit) {
                if (s.region.find(id)) continue;
                YAML::Mark mark = YAML::Mark::null_mark();
                if (rn && rn.IsMap())
                    for (auto it = rn.begin(); it != rn.end(); ++it)
                        if (it->first.Scalar() == id) mark = it->first.Mark();
                unknown_unit(id, L.ctx.at_mark(mark, "programme.targets[" + std::to_string(i) + "].required." + id));
            }
        }
        for (const auto& [path, key] : L.unit_refs)
            if (!s.region.find(key.Scalar())) unknown_unit(key.Scalar(), L.ctx.at_mark(key.Mark(), path));

        // Per-unit payers: one payer per unit, named by the unit's id.
        std::vector<Payer> expanded;
        for (auto& p : s.budgets.payers) {
            if (p.unit != "*") {
                expanded.push_back(std::move(p));
                continue;
            }
            for (const auto& u : s.region.units()) {
                Payer q = p;
                q.id = p.id + ":" + u.id;
                q.name = u.name + p.name;
                // "德化县总工会" and "County trade union (Dehua)" for payer:county:350526.
                const auto& group = s.labels.names["payer:" + p.id];
                s.labels.names["payer:" + q.id] = {q.name, group.second.empty() || u.name_en.empty() ? group.second
                                                                                                    : group.second + " (" + u.name_en + ")"};
                q.unit = u.id;
                auto& amounts = L.per_unit_amounts[p.id];
                if (auto it = amounts.find(u.id); it != amounts.end()) q.annual_cny = it->second;
                expanded.push_back(std::move(q));
            }
        }
        s.budgets.payers = std::move(expanded);
    }

    if (digests.valid()) {
        const std::vector<std::string> hex = digests.get();
        for (std::size_t i = 0; i < files.size(); ++i) {
            s.data_digests.emplace_back(files[i].name, hex[i]);
            s.data_paths.emplace_back(files[i].role, files[i].path);
        }
    }
    if (warnings)
        for (const auto& p : diag.problems())
            if (p.severity == Severity::warning) warnings->add(p);
    diag.throw_if_errors();
    return s;
}

}  // namespace tisheng
