// The scenario YAML reader: load_scenario on the input as scenarios/fuzz.yaml,
// with its data (a few rows of each register).
#include "fuzz_support.hpp"
#include "tisheng/model/scenario.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace tisheng;
    const auto file = fuzz::write_input(fuzz::work_dir() / "scenarios" / "fuzz.yaml", fuzz::as_text(data, size));
    fuzz::expect_only_tisheng_errors([&] {
        LoadOptions o;
        (void)load_scenario(file, o);
    });
    return 0;
}
