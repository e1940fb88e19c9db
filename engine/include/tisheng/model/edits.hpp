// The edits that programs make to a scenario, typed. A program (the CLI's
// --replications and --seed, a sweep's replications and seed, the viewer's
// what-if panel) never spells a key path: it calls one of these, which
// gives the `--set` line its edit amounts to. The scenario records that line
// with the user's own (Scenario::overrides), so the run's hash, run.json and
// the replay check cover every edit alike, and a run made with
// `--replications 200` is the run made with `--set run.replications=200`.
// `--set` itself stays for users.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace tisheng::edit {

/// run.replications.
std::string replications(std::int64_t n);
/// run.seed (signed as the CLI reads it: the loader refuses a negative one).
std::string seed(std::int64_t seed);
std::string seed(std::uint64_t seed);
/// A payer's annual budget (budgets.payers.<id>.annual_cny), whole CNY;
/// nullopt: unlimited.
std::string payer_budget(const std::string& payer, std::optional<double> annual_cny);
/// The city grant of tier `tier` (programme.grants.tiers[i].cny), whole CNY.
std::string tier_grant(std::size_t tier, double cny);
/// The adoption probability of a project phase (behaviour.adoption.phases.<name>).
std::string adoption_phase(const std::string& phase, double p);

}  // namespace tisheng::edit
