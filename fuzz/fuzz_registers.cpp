// The CSV registers through GDAL's CSV driver and the site loaders: the
// input's first line names the register (projects, stations, bases or
// demand), the rest is the CSV, read by the shipped scenario that has that
// register in place of its own file (the other files: a few rows each).
#include <string>

#include "fuzz_support.hpp"
#include "tisheng/model/scenario.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace tisheng;
    const std::string_view text = fuzz::as_text(data, size);
    const auto nl = text.find('\n');
    if (nl == std::string_view::npos) return -1;
    const std::string role(text.substr(0, nl));
    std::string scenario;
    if (role == "projects" || role == "stations")
        scenario = "jiangmen-baseline.yaml";
    else if (role == "bases" || role == "demand")
        scenario = "quanzhou-baseline.yaml";
    else
        return -1;  // not a register: kept out of the corpus
    const auto file = fuzz::write_input(fuzz::work_dir() / (role + ".csv"), text.substr(nl + 1));
    fuzz::expect_only_tisheng_errors([&] {
        LoadOptions o;
        o.data_files = {{role, file}};
        (void)load_scenario(fuzz::work_dir() / "scenarios" / scenario, o);
    });
    return 0;
}
