// Where each number of a scenario comes from (scenario.hpp: Source,
// InputValue, ProvenanceSummary): the covering `sources:` key and the counts
// that `tisheng validate` prints. The YAML side (reading `sources:`, listing
// the inputs) is in load_sources.cpp, with the rest of the loading.
#include <array>
#include <string>

#include "tisheng/model/scenario.hpp"

namespace tisheng {

namespace {

constexpr std::array<SourceKind, 5> all_kinds{SourceKind::notice, SourceKind::interpretation, SourceKind::assumption,
                                              SourceKind::synthetic, SourceKind::calibrated};

}  // namespace

std::string_view to_string(SourceKind k) {
    switch (k) {
        case SourceKind::notice: return "notice";
        case SourceKind::interpretation: return "interpretation";
        case SourceKind::assumption: return "assumption";
        case SourceKind::synthetic: return "synthetic";
        case SourceKind::calibrated: return "calibrated";
    }
    return "?";
}

std::optional<SourceKind> parse_source_kind(std::string_view word) {
    for (SourceKind k : all_kinds)
        if (to_string(k) == word) return k;
    return std::nullopt;
}

const std::pair<const std::string, Source>* covering_source(const std::map<std::string, Source>& sources,
                                                            const std::string& path) {
    // Ancestors end where a '.' or a '[' starts the next segment; try the
    // path itself, then each ancestor from the longest.
    std::size_t end = path.size();
    while (true) {
        if (auto it = sources.find(path.substr(0, end)); it != sources.end()) return &*it;
        const std::size_t cut = end == 0 ? std::string::npos : path.find_last_of(".[", end - 1);
        if (cut == std::string::npos || cut == 0) return nullptr;
        end = cut;
    }
}

std::string ProvenanceSummary::str() const {
    std::string out = "provenance:";
    for (SourceKind k : all_kinds) {
        const auto it = by_kind.find(k);
        const std::size_t n = it == by_kind.end() ? 0 : it->second;
        if (k == SourceKind::calibrated && n == 0) continue;
        out += " " + std::to_string(n) + " " + std::string(to_string(k)) + ",";
    }
    return out + " " + std::to_string(without) + " without";
}

ProvenanceSummary summarise_provenance(const Scenario& s) {
    ProvenanceSummary out;
    for (SourceKind k : all_kinds) out.by_kind[k] = 0;
    const std::string file = s.file.string();
    for (const InputValue& v : s.inputs) {
        if (!v.needs_source) continue;
        if (v.source) {
            ++out.by_kind[v.source->kind];
            continue;
        }
        ++out.without;
        out.warnings.push_back({Severity::warning, Location{file, v.line, v.column, "", v.path},
                                "the value " + v.value + " has no provenance (say where it comes from under 'sources:'; docs/simulation.md)"});
    }
    return out;
}

}  // namespace tisheng
