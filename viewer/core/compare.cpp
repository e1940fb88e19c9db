#include "core/compare.hpp"

#include <algorithm>
#include <limits>
#include <map>
#include <tuple>

namespace tisheng::view {

std::vector<TargetGroup> compare_targets(const Results& a, const Results& b) {
    constexpr double nan = std::numeric_limits<double>::quiet_NaN();
    const auto& ca = a.layout.checks;
    const auto& cb = b.layout.checks;
    using Key = std::tuple<std::size_t, std::int32_t, std::int32_t>;  // target, unit, day
    std::map<Key, double> in_a;
    for (std::size_t c = 0; c < ca.size() && c < a.checks.size(); ++c) in_a[{ca[c].target, ca[c].unit, ca[c].date.days()}] = a.checks[c].p_met;

    std::size_t targets = 0;
    for (const Check& c : cb) targets = std::max(targets, c.target + 1);
    const std::size_t targets_a = a.replications > 0 ? a.target_met.size() / static_cast<std::size_t>(a.replications) : 0;
    std::vector<TargetGroup> groups(targets);
    for (std::size_t t = 0; t < targets; ++t) {
        groups[t].target = t;
        groups[t].p_a = t < targets_a ? p_targets_met(a, {t}) : nan;
        groups[t].p_b = p_targets_met(b, {t});
    }
    for (std::size_t c = 0; c < cb.size() && c < b.checks.size(); ++c) {
        TargetRow r;
        r.unit = cb[c].unit;
        r.date = cb[c].date;
        r.required = cb[c].required;
        r.summary = cb[c].summary;
        r.p_b = b.checks[c].p_met;
        const auto it = in_a.find({cb[c].target, cb[c].unit, cb[c].date.days()});
        r.p_a = it == in_a.end() ? nan : it->second;
        r.check_b = c;
        groups[cb[c].target].rows.push_back(r);
    }
    for (auto& g : groups)
        std::stable_sort(g.rows.begin(), g.rows.end(), [](const TargetRow& x, const TargetRow& y) {
            return std::tuple(x.date.days(), x.unit) < std::tuple(y.date.days(), y.unit);
        });
    return groups;
}

}  // namespace tisheng::view
