// Fixtures shared by the simulation tests (test_simulate.cpp,
// test_simulate_invariants.cpp, test_simulate_determinism.cpp): a scenario
// written into a folder (units side by side, one data file, the YAML) and
// loaded, the shipped baselines, and reading a trajectory's series.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "tisheng/model/scenario.hpp"
#include "tisheng/simulate/simulate.hpp"
#include "../test_support.hpp"

namespace tisheng::test {

inline Date D(const char* iso) {
    auto d = Date::parse(iso);
    if (!d) throw std::invalid_argument(std::string("bad test date ") + iso);
    return *d;
}

inline std::string unit_id(int k) { return std::to_string(440703 + k); }

/// `n` square units side by side: unit k covers lon 113.0+0.1k .. 113.1+0.1k,
/// lat 22.5 .. 22.6; its id is 440703+k.
inline std::string units_geojson(int n) {
    std::string out = R"({"type": "FeatureCollection", "features": [)";
    for (int k = 0; k < n; ++k) {
        const double x0 = 113.0 + 0.1 * k, x1 = x0 + 0.1;
        out += fmt::format(
            R"({}{{"type": "Feature", "properties": {{"adcode": "{}", "name_zh": "测试{}区", "name_en": "Test{}"}}, )"
            R"("geometry": {{"type": "Polygon", "coordinates": [[[{:.1f}, 22.5], [{:.1f}, 22.5], [{:.1f}, 22.6], [{:.1f}, 22.6], [{:.1f}, 22.5]]]}}}})",
            k ? ",\n" : "\n", unit_id(k), k, k, x0, x1, x1, x0, x0);
    }
    return out + "\n]}\n";
}

/// A point well inside unit `k` (`j` spreads points a little).
inline std::string lonlat(int k, int j = 0) { return fmt::format("{:.4f},{:.4f}", 113.02 + 0.1 * k + 0.0001 * (j % 500), 22.52 + 0.0001 * (j / 500)); }

constexpr const char* kProjectsHeader =
    "id,name,enterprise,type,address,start,planned_end,workforce,contract_cny,contact_name,contact_title,mobile,lon,lat\n";
constexpr const char* kBasesHeader =
    "id,name,attribute,category,industry,address,annual_trainees,senior_share,equipment_sets,recognised,track,head_name,"
    "head_id_number,phone,lon,lat\n";

/// Writes units.geojson, one data file and s.yaml into `dir`; loads it.
inline Scenario load_fixture(const TempDir& dir, int units, const std::string& data_file, const std::string& data,
                             const std::string& yaml, const std::vector<std::string>& overrides = {}) {
    write(dir / "units.geojson", units_geojson(units));
    write(dir / data_file, data);
    write(dir / "s.yaml", yaml);
    LoadOptions o;
    o.overrides = overrides;
    return load_scenario(dir / "s.yaml", o);
}

inline std::filesystem::path baseline(const char* name) { return source_dir() / "scenarios" / (std::string(name) + "-baseline.yaml"); }

inline std::size_t metric_index(const Layout& l, const std::string& name) {
    auto it = std::find(l.metrics.begin(), l.metrics.end(), name);
    if (it == l.metrics.end()) throw std::invalid_argument("no metric " + name);
    return static_cast<std::size_t>(it - l.metrics.begin());
}

/// One row of a metric over every month of the horizon.
inline std::vector<float> row_series(const Trajectory& t, const Layout& l, const std::string& metric, std::size_t row) {
    std::vector<float> out;
    const std::size_t m = metric_index(l, metric);
    for (std::size_t k = 0; k < l.months.size(); ++k) out.push_back(t.series[l.series_index(m, row, k)]);
    return out;
}

/// A status change as "<date> site <k>: <from> -> <to>".
inline std::string str(const StatusChange& c) {
    return fmt::format("{} site {}: {} -> {}", c.date.iso(), c.site, c.from, c.to);
}

}  // namespace tisheng::test
