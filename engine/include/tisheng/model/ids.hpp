// The ids that name the model's things in every output, as types: a county's
// budget line of a per-unit payer ("county:350526"), a cause of a miss (a
// lever of the counterfactual re-runs: "payer:county", "durations" ...), and
// a unit index that may stand for the whole region ("all"). Each text is
// built by one function and read by one, so that run.json, the store, the
// report and the viewer cannot drift apart.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tisheng/model/programme.hpp"
#include "tisheng/model/region.hpp"

namespace tisheng {

/// One county's budget line of a per-unit payer: the scenario declares the
/// payer once (`per_unit: true`) and the loader expands it into one Payer
/// per unit, whose id is this line's text.
struct PayerLine {
    std::string payer;  ///< the per-unit payer's own id ("county")
    std::string unit;   ///< the unit's id ("350526")
    friend bool operator==(const PayerLine&, const PayerLine&) = default;
};
/// "county:350526": the expanded payer's id, as every output names it.
std::string to_string(const PayerLine& line);
/// The line an id names, or nullopt for an id of no line ("city", or either
/// side empty). The unit is what follows the last colon: unit ids are
/// codes, while a payer's own id may hold a colon.
std::optional<PayerLine> parse_payer_line(std::string_view id);
/// The payer a Payer's budget belongs to: a county line's per-unit payer
/// ("county" for "county:350526"), else the payer's own id. The scenario's
/// `budgets.payers` entries, the counterfactual levers and the labels name
/// payers by it.
std::string payer_group(const Payer& p);

/// A cause of a miss: one lever of the counterfactual re-runs
/// (counterfactual.hpp), by what it relaxes.
struct Cause {
    enum class Kind { payer, all_payers, durations, adoption, review, round_cap };
    Kind kind = Kind::payer;
    /// Kind::payer: the payer_group ("union", or "county" for every
    /// county's line together); empty otherwise.
    std::string payer;
    friend bool operator==(const Cause&, const Cause&) = default;
};
/// The cause's id in `counterfactuals.levers`, run.json, the store and the
/// report: "payer:<payer>", "payers:all", "durations", "adoption" (stations)
/// or "application" (bases), "standard" (stations) or "review" (bases),
/// "round_cap". Adoption and review read differently per programme, hence
/// `programme`.
std::string to_string(const Cause& cause, ProgrammeKind programme);
/// The cause an id names in a programme of kind `programme`, or nullopt
/// when it names none there ("application" in a stations programme,
/// "payer:" without a payer, an unknown word). Whether the payer exists is
/// the scenario's to check.
std::optional<Cause> parse_cause(std::string_view id, ProgrammeKind programme);

/// A unit index where a check, an observation or a row may also stand for
/// the whole region: this value (−1) is the region.
inline constexpr std::int32_t all_units = -1;
/// "all" for all_units, else the unit's id.
std::string unit_id(const Region& region, std::int32_t unit);

}  // namespace tisheng
