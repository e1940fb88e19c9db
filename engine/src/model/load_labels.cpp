// `labels:` of a scenario file: the display names of targets, measures,
// payers, levers, outcomes and statuses, in Chinese and English, over the
// built-in ones (labels.cpp).
#include <algorithm>
#include <string>
#include <utility>

#include "model/detail/scenario_loader.hpp"
#include "tisheng/core/text.hpp"

namespace tisheng::detail {

/// `labels:` into s.labels.names, on top of the built-in names and the
/// payers' own names (their Chinese name by default).
void ScenarioLoader::labels(MapReader& top, Scenario& s) {
    auto& names = s.labels.names;
    const Labels none;
    const std::vector<std::string> builtin = Labels::builtin_keys();
    for (const auto& key : builtin) names[key] = {none.name(key, "zh"), none.name(key, "en")};
    for (const Payer& p : s.budgets.payers)
        if (!p.name.empty() && p.name != p.id) names["payer:" + p.id].first = p.name;
    if (!top.has("labels")) return;
    MapReader m(ctx, top.child("labels"), "labels");
    if (!m.valid()) return;
    auto with_prefix = [&](const std::string& prefix) {
        std::vector<std::string> out;
        for (const auto& key : builtin)
            if (key.starts_with(prefix + ":")) out.push_back(key.substr(prefix.size() + 1));
        return out;
    };
    std::vector<std::string> target_ids, payer_ids;
    for (const auto& t : s.programme.targets) target_ids.push_back(t.id);
    for (const auto& p : s.budgets.payers) payer_ids.push_back(p.id);
    const std::vector<std::pair<std::string, std::pair<std::string, std::vector<std::string>>>> sections{
        {"targets", {"target", target_ids}},          {"measures", {"measure", with_prefix("measure")}},
        {"payers", {"payer", payer_ids}},             {"levers", {"lever", lever_ids(s, std::nullopt)}},
        {"outcomes", {"outcome", with_prefix("outcome")}}, {"statuses", {"status", with_prefix("status")}},
    };
    for (const auto& [section, what] : sections) {
        const auto& [prefix, known] = what;
        if (!m.has(section)) continue;
        MapReader sm(ctx, m.child(section), m.path(section));
        if (!sm.valid()) continue;
        for (auto it = sm.node().begin(); it != sm.node().end(); ++it) {
            const std::string id = it->first.IsScalar() ? it->first.Scalar() : "?";
            const YAML::Node value = sm.child(id);
            const std::string ip = sm.path(id);
            if (std::find(known.begin(), known.end(), id) == known.end()) {
                const std::string hint = closest_match(id, known);
                ctx.diag->error(ctx.at_mark(it->first.Mark(), ip), "unknown " + prefix + " '" + id + "'" +
                                                                        did_you_mean(hint) +
                                                                        " (expected one of: " + listed(known) + ")");
                continue;
            }
            MapReader em(ctx, value, ip);
            if (!em.valid()) continue;
            auto zh = em.string("zh"), en = em.string("en");
            if (em.node().size() == 0) {  // (other keys are reported as unknown)
                ctx.error(value, ip, "expected {zh: 中文名, en: English name}, one or both");
                continue;
            }
            auto& entry = names[prefix + ":" + id];
            if (zh) entry.first = *zh;
            if (en) entry.second = *en;
        }
    }
}

}  // namespace tisheng::detail
