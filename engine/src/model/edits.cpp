#include "tisheng/model/edits.hpp"

#include <fmt/format.h>

namespace tisheng::edit {

std::string replications(std::int64_t n) { return fmt::format("run.replications={}", n); }

std::string seed(std::int64_t seed) { return fmt::format("run.seed={}", seed); }

std::string seed(std::uint64_t seed) { return fmt::format("run.seed={}", seed); }

std::string payer_budget(const std::string& payer, std::optional<double> annual_cny) {
    return fmt::format("budgets.payers.{}.annual_cny={}", payer, annual_cny ? fmt::format("{:.0f}", *annual_cny) : std::string("unlimited"));
}

std::string tier_grant(std::size_t tier, double cny) { return fmt::format("programme.grants.tiers[{}].cny={:.0f}", tier, cny); }

std::string adoption_phase(const std::string& phase, double p) { return fmt::format("behaviour.adoption.phases.{}={:g}", phase, p); }

}  // namespace tisheng::edit
