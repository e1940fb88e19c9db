// Strict reading of YAML trees: every key a reader asks for is "known";
// every other key is reported as unknown with a "did you mean". Problems go
// to Diagnostics with file:line:column and the field's path, so that all of
// them are reported together.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "tisheng/model/calendar.hpp"
#include "tisheng/core/error.hpp"
#include "tisheng/model/programme.hpp"

namespace tisheng::detail {

struct YamlContext {
    std::string file;
    Diagnostics* diag = nullptr;
    /// field path -> the --set text that produced it
    std::map<std::string, std::string> overridden;

    [[nodiscard]] Location at(const YAML::Node& node, const std::string& path) const;
    [[nodiscard]] Location at_mark(const YAML::Mark& mark, const std::string& path) const;
    void error(const YAML::Node& node, const std::string& path, const std::string& message) const;
};

/// The YAML text of file `shown`; InputError at the syntax error's line and column.
YAML::Node parse_yaml(const std::string& bytes, const std::string& shown);

/// A number as a person writes it: 0.3, 1500000, 1e-09.
std::string shown_number(double v);

/// Scalar conversions: nullopt and an error in ctx when the value is wrong.
std::optional<std::string> read_string(const YamlContext& ctx, const YAML::Node& n, const std::string& path);
std::optional<double> read_number(const YamlContext& ctx, const YAML::Node& n, const std::string& path);
std::optional<std::int64_t> read_integer(const YamlContext& ctx, const YAML::Node& n, const std::string& path,
                                         std::int64_t min, std::int64_t max);
std::optional<bool> read_bool(const YamlContext& ctx, const YAML::Node& n, const std::string& path);
std::optional<Date> read_date(const YamlContext& ctx, const YAML::Node& n, const std::string& path);

class MapReader {
public:
    MapReader(const YamlContext& ctx, YAML::Node node, std::string path);
    ~MapReader();  ///< reports unknown keys (once)
    MapReader(const MapReader&) = delete;
    MapReader& operator=(const MapReader&) = delete;

    [[nodiscard]] bool valid() const { return m_valid; }
    [[nodiscard]] bool has(const std::string& key);
    /// The child node (undefined if absent); marks the key as known.
    YAML::Node child(const std::string& key);
    [[nodiscard]] std::string path(const std::string& key) const;
    [[nodiscard]] const YamlContext& ctx() const { return m_ctx; }
    [[nodiscard]] const YAML::Node& node() const { return m_node; }

    std::optional<std::string> string(const std::string& key, bool required = false);
    std::optional<double> number(const std::string& key, bool required = false);
    /// A number in [lo, hi]; the message names the range.
    std::optional<double> number_in(const std::string& key, double lo, double hi, bool required = false);
    std::optional<double> money(const std::string& key, bool required = false);  ///< >= 0, finite
    std::optional<double> probability(const std::string& key, bool required = false);
    std::optional<std::int64_t> integer(const std::string& key, std::int64_t min, std::int64_t max,
                                        bool required = false);
    std::optional<bool> boolean(const std::string& key, bool required = false);
    std::optional<Date> date(const std::string& key, bool required = false);
    /// Whole days: a fixed count `n` or a range `[min, max]`, each >= `least`.
    std::optional<DayRange> days(const std::string& key, int least, bool required = false);
    /// One of `choices`; the message lists them.
    std::optional<std::string> choice(const std::string& key, const std::vector<std::string>& choices,
                                      bool required = false);
    /// Reports a missing required key at this map's position.
    void missing(const std::string& key);
    void error(const std::string& key, const std::string& message);

    /// Keys present that no reader asked for: reported now.
    void finish();

private:
    const YamlContext& m_ctx;
    YAML::Node m_node;
    std::string m_path;
    bool m_valid = false;
    bool m_finished = false;
    std::set<std::string> m_known;
};

/// Every element of a sequence node; an error if it is not a sequence.
std::vector<YAML::Node> sequence(const YamlContext& ctx, const YAML::Node& n, const std::string& path);

/// Calls `fn(item, path)` for each element of the list `parent.key`, with
/// the element's path "parent.key[i]" for its messages; an error if the
/// value is not a list. Returns how many elements the list has. Every loop
/// over a list of the scenario goes through here, so that each names its
/// elements the same way.
template <class F>
std::size_t each_item(MapReader& parent, const std::string& key, F&& fn) {
    const std::string path = parent.path(key);
    const std::vector<YAML::Node> items = sequence(parent.ctx(), parent.child(key), path);
    for (std::size_t i = 0; i < items.size(); ++i) fn(items[i], path + "[" + std::to_string(i) + "]");
    return items.size();
}

/// Calls `fn(reader, index)` for each mapping in the list `parent.key`
/// (nothing if the key is absent).
template <class F>
void each_map(MapReader& parent, const std::string& key, F&& fn) {
    if (!parent.has(key)) return;
    std::size_t i = 0;
    each_item(parent, key, [&](const YAML::Node& item, const std::string& path) {
        MapReader m(parent.ctx(), item, path);
        fn(m, i++);
    });
}

/// The list of strings `parent.key`, or nullopt if the key is absent.
std::optional<std::vector<std::string>> string_list(MapReader& parent, const std::string& key);

}  // namespace tisheng::detail
