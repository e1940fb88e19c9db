// `counterfactuals:` of a scenario file: which levers `tisheng explain`
// may relax, checked against the kind of programme and the payers.
#include <algorithm>
#include <string>

#include "model/detail/scenario_loader.hpp"
#include "tisheng/core/text.hpp"
#include "tisheng/model/ids.hpp"

namespace tisheng::detail {

/// The lever ids of counterfactual.hpp that a scenario of kind `kind`
/// can name (both kinds' when `kind` is empty).
std::vector<std::string> lever_ids(const Scenario& s, std::optional<ProgrammeKind> kind) {
    std::vector<std::string> ids;
    using K = Cause::Kind;
    // Per-unit payers: their own id, not yet expanded.
    for (const Payer& p : s.budgets.payers) ids.push_back(to_string(Cause{K::payer, p.id}, s.programme.kind));
    for (K k : {K::all_payers, K::durations}) ids.push_back(to_string(Cause{k}, s.programme.kind));
    for (ProgrammeKind pk : {ProgrammeKind::stations, ProgrammeKind::bases})
        if (!kind || *kind == pk)
            for (K k : {K::adoption, K::review}) ids.push_back(to_string(Cause{k}, pk));
    if (!kind || *kind == ProgrammeKind::bases) ids.push_back(to_string(Cause{K::round_cap}, ProgrammeKind::bases));
    return ids;
}

/// "a, b, c".
std::string listed(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& x : v) out += (out.empty() ? "" : ", ") + x;
    return out;
}

void ScenarioLoader::counterfactuals(MapReader& top, Scenario& s) {
    if (!top.has("counterfactuals")) return;
    MapReader m(ctx, top.child("counterfactuals"), "counterfactuals");
    auto& c = s.counterfactuals;
    if (auto v = m.integer("sample", 1, 1'000'000)) c.sample = static_cast<int>(*v);
    if (auto v = m.integer("max_sets", 1, 1'000'000)) c.max_sets = static_cast<int>(*v);
    if (auto v = m.number("fix_share")) {
        if (*v > 0 && *v <= 1) c.fix_share = *v;
        else m.error("fix_share", "expected a share above 0 and at most 1, got " + m.child("fix_share").Scalar());
    }
    if (!m.has("levers")) return;
    const ProgrammeKind kind = s.programme.kind;
    const std::vector<std::string> mine = lever_ids(s, kind), any = lever_ids(s, std::nullopt);
    each_item(m, "levers", [&](const YAML::Node& item, const std::string& ip) {
        auto id = read_string(ctx, item, ip);
        if (!id) return;
        if (std::find(mine.begin(), mine.end(), *id) == mine.end()) {
            const std::string kind_name = kind == ProgrammeKind::stations ? "stations" : "bases";
            if (std::find(any.begin(), any.end(), *id) != any.end())
                ctx.error(item, ip, "'" + *id + "' is a lever of a " + (kind == ProgrammeKind::stations ? "bases" : "stations") +
                                    " programme; this is a " + kind_name + " programme (its levers: " + listed(mine) + ")");
            else {
                const std::string hint = closest_match(*id, mine);
                ctx.error(item, ip, "unknown lever '" + *id + "'" + did_you_mean(hint) +
                                    " (expected one of: " + listed(mine) + ")");
            }
            return;
        }
        // Known but idle here: say so, since it would silently be left out.
        const auto cause = parse_cause(*id, kind);
        if (cause && cause->kind == Cause::Kind::payer) {
            const auto p = std::find_if(s.budgets.payers.begin(), s.budgets.payers.end(), [&](const Payer& q) { return q.id == cause->payer; });
            if (p != s.budgets.payers.end() && !p->annual_cny && p->annual_by_year.empty())
                ctx.diag->warning(ctx.at(item, ip), "payer '" + p->id + "' has no limit (annual_cny: unlimited); relaxing it changes nothing, so it is not tried");
        } else if (cause && cause->kind == Cause::Kind::round_cap && s.programme.round_cap == Programme::RoundCap::none) {
            ctx.diag->warning(ctx.at(item, ip), "there is no per-round cap to lift (programme.quota.per_round: none), so it is not tried");
        }
        c.levers.push_back(*id);
    });
}

}  // namespace tisheng::detail
