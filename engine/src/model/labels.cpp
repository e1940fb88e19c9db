// Display names of ids (scenario.hpp, Labels): the built-in ones, and the
// lookup with its fallbacks.
#include <string>

#include "tisheng/model/scenario.hpp"

namespace tisheng {

namespace {

const std::map<std::string, std::pair<std::string, std::string>>& builtin() {
    static const std::map<std::string, std::pair<std::string, std::string>> names{
        {"measure:stations_built", {"累计建成提升站数", "stations built (cumulative)"}},
        {"measure:share_eligible_with_station", {"到期在建项目已建站比例", "share of due eligible projects with a built station"}},
        {"measure:bases_named", {"累计命名基地数", "bases named (cumulative)"}},
        {"measure:demo_bases_named", {"累计示范基地数", "demonstration bases named"}},
        {"measure:focus_industries_covered", {"已覆盖重点产业数", "focus industries covered"}},
        {"lever:payers:all", {"各出资方资金均不限", "every payer unlimited"}},
        {"lever:durations", {"各环节用时取最短", "durations at their minimum"}},
        {"lever:adoption", {"项目必建站（立即启动）", "adoption certain (at once)"}},
        {"lever:application", {"候选单位必申报", "every candidate applies"}},
        {"lever:review", {"评审全部通过", "every review passing"}},
        {"lever:standard", {"建成即达标", "every station meets the standard"}},
        {"lever:round_cap", {"取消每批命名上限", "no per-round naming cap"}},
        {"outcome:named", {"已命名", "named"}},
        {"outcome:ineligible", {"不符合申报条件（依规不予通过）", "ineligible (rightly rejected)"}},
        {"outcome:review_failed", {"评审未通过", "review failed"}},
        {"outcome:not_selected:cap", {"因名额已满（或每批上限）未入选", "not selected: quota (or per-round cap) full"}},
        {"outcome:not_selected:budget", {"因资金未入选", "not selected: budget"}},
        {"outcome:awaiting_funds", {"待资金到位", "awaiting funds"}},
        {"outcome:in_review", {"评审中", "in review"}},
        {"outcome:candidate", {"未申报", "not applied"}},
        {"status:none", {"未建站", "no station"}},
        {"status:planned", {"拟建", "planned"}},
        {"status:under_construction", {"在建", "under construction"}},
        {"status:failed_standard", {"整改中（未达标）", "being fixed (below standard)"}},
        {"status:built", {"已建", "built"}},
        {"status:closed", {"已关闭", "closed"}},
        {"status:abandoned", {"放弃", "abandoned"}},
    };
    return names;
}

}  // namespace

std::string Labels::name(const std::string& key, std::string_view lang) const {
    const std::pair<std::string, std::string>* found = nullptr;
    if (auto it = names.find(key); it != names.end()) found = &it->second;
    else if (auto b = builtin().find(key); b != builtin().end()) found = &b->second;
    if (found) {
        const std::string& want = lang == "en" ? found->second : found->first;
        const std::string& other = lang == "en" ? found->first : found->second;
        if (!want.empty()) return want;
        if (!other.empty()) return other;
    }
    const auto colon = key.find(':');
    return colon == std::string::npos ? key : key.substr(colon + 1);
}

std::vector<std::string> Labels::builtin_keys() {
    std::vector<std::string> keys;
    for (const auto& [key, names] : builtin()) keys.push_back(key);
    return keys;
}


}  // namespace tisheng
