// Run A against run B, target by target: the table a planner reads to answer
// "does B meet the targets where A does not?". A check of B (a target's
// unit, or the city, at a date) is matched with A's check of the same
// target, unit and date; the two runs may come from edited scenarios, so a
// check one of them lacks reads NaN on that side.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "tisheng/model/ids.hpp"
#include "tisheng/simulate/simulate.hpp"

namespace tisheng::view {

struct TargetRow {
    std::int32_t unit = all_units;  ///< unit index, or all_units for the city
    Date date;
    double required = 0;
    bool summary = false;    ///< the city line of a per-unit target: reported, not decisive
    double p_a = 0, p_b = 0; ///< P(met) in A and in B (NaN: no such check)
    std::size_t check_b = 0; ///< index into B's Layout::checks (for B's "what would fix it")
    [[nodiscard]] double change() const { return p_b - p_a; }
};

struct TargetGroup {
    std::size_t target = 0;  ///< index into B's programme targets
    double p_a = 0, p_b = 0; ///< P(every decisive check of the target met)
    std::vector<TargetRow> rows;  ///< by date; at each date the city first, then the units in order
};

/// One group a target of B, in the programme's order.
std::vector<TargetGroup> compare_targets(const Results& a, const Results& b);

}  // namespace tisheng::view
