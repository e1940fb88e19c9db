// The units layer through GDAL: the input as units.geojson (or units.gpkg
// when it is an SQLite file), read by the Jiangmen scenario, whose few
// projects and stations are then located against the fuzzed units.
#include <string>

#include "fuzz_support.hpp"
#include "tisheng/model/scenario.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace tisheng;
    const std::string_view text = fuzz::as_text(data, size);
    const bool gpkg = text.starts_with(std::string_view("SQLite format 3\0", 16));
    const auto units = fuzz::write_input(fuzz::work_dir() / (gpkg ? "units.gpkg" : "units.geojson"), text);
    fuzz::expect_only_tisheng_errors([&] {
        LoadOptions o;
        o.data_files = {{"units", units}};
        (void)load_scenario(fuzz::work_dir() / "scenarios" / "jiangmen-baseline.yaml", o);
    });
    return 0;
}
