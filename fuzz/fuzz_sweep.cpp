// The sweep YAML reader: load_sweep on the input as scenarios/fuzz-sweep.yaml,
// beside the shipped scenarios (a valid sweep loads its base with its data,
// a few rows of each register, and checks every parameter against it).
#include "fuzz_support.hpp"
#include "tisheng/model/scenario.hpp"
#include "tisheng/sweep/sweep.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace tisheng;
    const auto file = fuzz::write_input(fuzz::work_dir() / "scenarios" / "fuzz-sweep.yaml", fuzz::as_text(data, size));
    fuzz::expect_only_tisheng_errors([&] {
        Diagnostics warnings;
        (void)load_sweep(file, &warnings);
    });
    return 0;
}
