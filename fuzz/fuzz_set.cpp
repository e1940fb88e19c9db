// `--set` expressions: each line of the input is one override applied to the
// shipped Jiangmen scenario (a first line "quanzhou" picks Quanzhou's).
#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "tisheng/model/scenario.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace tisheng;
    std::string_view text = fuzz::as_text(data, size);
    std::vector<std::string> lines;
    while (!text.empty()) {
        const auto nl = text.find('\n');
        lines.emplace_back(text.substr(0, nl));
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    }
    std::string scenario = "jiangmen-baseline.yaml";
    if (!lines.empty() && lines.front() == "quanzhou") {
        scenario = "quanzhou-baseline.yaml";
        lines.erase(lines.begin());
    }
    fuzz::expect_only_tisheng_errors([&] {
        LoadOptions o;
        o.overrides = lines;
        (void)load_scenario(fuzz::work_dir() / "scenarios" / scenario, o);
    });
    return 0;
}
