// The ids of ids.hpp: each text built and read here only.
#include "tisheng/model/ids.hpp"

#include <array>

namespace tisheng {

std::string to_string(const PayerLine& line) { return line.payer + ":" + line.unit; }

std::optional<PayerLine> parse_payer_line(std::string_view id) {
    const auto colon = id.rfind(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == id.size()) return std::nullopt;
    return PayerLine{std::string(id.substr(0, colon)), std::string(id.substr(colon + 1))};
}

std::string payer_group(const Payer& p) {
    // Only an expanded payer has a unit; another payer's id is its own even
    // when it holds a colon.
    if (p.unit.empty()) return p.id;
    const auto line = parse_payer_line(p.id);
    return line ? line->payer : p.id;
}

namespace {
constexpr std::string_view payer_prefix = "payer:";
}  // namespace

std::string to_string(const Cause& cause, ProgrammeKind programme) {
    const bool stations = programme == ProgrammeKind::stations;
    switch (cause.kind) {
        case Cause::Kind::payer: return std::string(payer_prefix) + cause.payer;
        case Cause::Kind::all_payers: return "payers:all";
        case Cause::Kind::durations: return "durations";
        case Cause::Kind::adoption: return stations ? "adoption" : "application";
        case Cause::Kind::review: return stations ? "standard" : "review";
        case Cause::Kind::round_cap: return "round_cap";
    }
    return {};
}

std::optional<Cause> parse_cause(std::string_view id, ProgrammeKind programme) {
    if (id.starts_with(payer_prefix)) {
        if (id.size() == payer_prefix.size()) return std::nullopt;
        return Cause{Cause::Kind::payer, std::string(id.substr(payer_prefix.size()))};
    }
    using K = Cause::Kind;
    for (K kind : std::array{K::all_payers, K::durations, K::adoption, K::review, K::round_cap}) {
        // Only a bases programme names bases in rounds, so only it has a cap to lift.
        if (kind == K::round_cap && programme != ProgrammeKind::bases) continue;
        if (to_string(Cause{kind}, programme) == id) return Cause{kind};
    }
    return std::nullopt;
}

std::string unit_id(const Region& region, std::int32_t unit) {
    return unit == all_units ? std::string("all") : region.unit(static_cast<UnitIndex>(unit)).id;
}

}  // namespace tisheng
