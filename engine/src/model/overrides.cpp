// Key paths into a scenario's YAML tree, as `--set` writes them
// ("budgets.payers[0].annual_cny", or a list element by its id:
// "budgets.payers.city.annual_cny"): reading them, and applying an override
// to the tree before any section is read.
#include <algorithm>
#include <charconv>

#include "model/detail/scenario_loader.hpp"
#include "tisheng/core/text.hpp"

namespace tisheng::detail {

std::vector<PathSegment> split_path(const std::string& path) {
    std::vector<PathSegment> out;
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
        const PathSegment& seg = segs[s];
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
            canon.append("[").append(std::to_string(*idx)).append("]");  // not "[" + ...: GCC 12 warns falsely (-Wrestrict)
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

}  // namespace tisheng::detail
