// The YAML side of provenance (scenario.hpp: Source, InputValue): reading
// `sources:`, whose keys are key paths as --set takes them, and listing every
// value of the file with the source that covers it. The lookups and counts
// over the result are in provenance.cpp.
#include <charconv>

#include "model/detail/scenario_loader.hpp"
#include "tisheng/core/text.hpp"

namespace tisheng::detail {

/// The top-level sections that hold no inputs of their own.
bool is_meta_section(const std::string& key) {
    return key == "sources" || key == "labels" || key == "calibrate" || key == "sensitivity";
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

namespace {

std::string segments_text(const std::vector<PathSegment>& segs, std::size_t from) {
    std::string out;
    for (std::size_t i = from; i < segs.size(); ++i)
        // append, not "[" + ...: GCC 12 warns falsely of overlapping copies (-Wrestrict) on the latter here.
        if (segs[i].index)
            out.append("[").append(std::to_string(*segs[i].index)).append("]");
        else
            out.append(out.empty() ? "" : ".").append(segs[i].key);
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
        const PathSegment& seg = segs[s];
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
            canon.append("[").append(std::to_string(*idx)).append("]");
            if (seg.index)
                written.append("[").append(std::to_string(*idx)).append("]");
            else
                written.append(".").append(seg.key);
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

}  // namespace

/// Reads `sources:` into s.sources (keys in index form) and lists every
/// value of the file in s.inputs with the source that covers it. A value
/// that --set replaced comes from the command line: an assumption of whoever
/// typed it, whatever the file says of the value it replaced.
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

}  // namespace tisheng::detail
