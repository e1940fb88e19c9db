// `calibrate:` and `sensitivity:`: ranges of the scenario's numbers, each
// named by a key path in which '*' stands for any key or index, read once
// every value of the file is listed (load_sources.cpp) so that a pattern is
// matched against the numbers the scenario really has.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <string_view>

#include "model/detail/scenario_loader.hpp"
#include "tisheng/core/text.hpp"

namespace tisheng::detail {

namespace {

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

}  // namespace

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
            lo = read_number(ctx, v[0], field + "[0]");
            hi = read_number(ctx, v[1], field + "[1]");
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

}  // namespace tisheng::detail
