#include "core/labels.hpp"

#include <cstring>
#include <string_view>
#include <unordered_map>

namespace tisheng::viewer {
namespace {

bool g_chinese = false;

struct Label {
    const char* en;
    const char* zh;
};

constexpr Label labels[] = {
    {"File", "文件"}, {"Open scenario...", "打开情景..."}, {"Open run directory...", "打开运行目录..."},
    {"Save scenario as...", "情景另存为..."}, {"Export map as PNG...", "导出地图 PNG..."}, {"Quit", "退出"},
    {"View", "视图"}, {"Fit to region", "适配全域"}, {"Language", "语言"},
    {"Layers", "图层"}, {"Inspector", "查看"}, {"Charts", "图表"}, {"What-if", "情景推演"}, {"Siting", "选址"},
    {"Messages", "消息"},
    {"Points aggregated: each disc is the points of its cell, in the colour most have; zoom in for each",
     "点已聚合：每个圆为其格内各点，取多数点的颜色；放大可见单点"},
    {"Fill units by", "区县填色"}, {"P(target met)", "达标概率"}, {"Stations built", "已建站点数"},
    {"Bases named", "已认定基地数"}, {"Coverage share", "覆盖率"}, {"Accessibility", "可达性"},
    {"Target", "目标"}, {"Radius", "半径"}, {"State shown", "显示状态"}, {"Median replication", "中位数重复"},
    {"One replication", "指定重复"}, {"Probabilities", "概率"}, {"Replication", "重复编号"},
    {"Colour points by", "点位着色"}, {"Status", "状态"}, {"Industry", "行业"},
    {"Unit fills", "区县填色"}, {"Borders", "边界"}, {"Names", "名称"}, {"Projects", "在建项目"},
    {"Candidate sites", "候选站点"}, {"Bases", "培训基地"}, {"Demand", "需求点"}, {"Surface", "栅格面"},
    {"Distance to nearest", "到最近站点距离"}, {"Opacity", "透明度"},
    {"Basemap", "底图"}, {"Fill opacity", "填色透明度"}, {"Open basemap...", "打开底图..."},
    {"Compare with previous run", "与上次运行比较"}, {"Difference B - A", "差值 B - A"},
    {"Play", "播放"}, {"Pause", "暂停"}, {"Date", "日期"}, {"Deadline", "截止日期"},
    {"no station", "未建站"}, {"planned", "拟建"}, {"under construction", "在建"}, {"failed standard", "未达标"},
    {"built", "已建"}, {"closed", "已关闭"}, {"abandoned", "已放弃"}, {"candidate", "候选"},
    {"in review", "审核中"}, {"review failed", "评审未通过"}, {"ineligible", "不符合条件"}, {"not selected", "未入选"}, {"awaiting funds", "待拨款"},
    {"named", "已认定"}, {"dropped", "已撤销"},
    {"Name", "名称"}, {"Enterprise", "企业"}, {"Unit", "区县"}, {"Workers", "工人数"}, {"Start", "开工"},
    {"Planned end", "计划完工"}, {"P(built by)", "建成概率"}, {"Address", "地址"}, {"Kind", "类型"},
    {"Why targets are missed", "未达标原因"}, {"What would fix it: P(met) with the lever relaxed", "放宽条件后的达标概率"},
    {"Smallest set", "最小组合"}, {"Why missed", "未达标原因分析"}, {"met in", "达标于"}, {"of replications", "的重复中"},
    {"Nothing selected: click a unit or a site on the map.", "未选择：请在地图上点击区县或站点。"},
    {"Built over time", "累计建成"}, {"Budget spent per payer and year", "各出资方年度支出"},
    {"Named bases against the goal", "已认定基地与目标"}, {"allocated", "预算"}, {"spent (median)", "支出（中位数）"},
    {"City", "全市"},
    {"Budgets per payer (CNY a year)", "各出资方年度预算（元）"}, {"unlimited", "不限"},
    {"Grant tiers (CNY)", "补助档次（元）"}, {"Adoption by phase (monthly)", "各阶段月建站概率"},
    {"Replications", "重复次数"}, {"Seed", "随机种子"}, {"Run what-if", "运行推演"}, {"Cancel", "取消"},
    {"Reset", "重置"}, {"Running", "运行中"}, {"Run A (previous)", "运行 A（上次）"}, {"Run B (current)", "运行 B（当前）"},
    {"Run siting", "运行选址"}, {"Chosen sites in order", "选中站点（按顺序）"}, {"Covered", "覆盖"},
    {"Toggle a site to see coverage change at once.", "勾选或取消站点，即时查看覆盖变化。"},
    {"No problems.", "没有问题。"}, {"Loading", "加载中"}, {"Simulating", "模拟中"},
    {"Targets: P(met) in A and B", "各目标达标概率：A 与 B"}, {"Only rows that change or that B misses", "仅显示有变化或 B 未达标的行"},
    {"What would fix it in B", "B 如何达标"}, {"per unit", "按区县"}, {"City total", "全市合计"},
    {"no lever fixes it", "无单项可解决"}, {"Spent per payer (median, CNY)", "各出资方支出（中位数，元）"}, {"Payer", "出资方"},
    {"not started", "未开工"}, {"ended (past planned end)", "已完工（过计划完工日）"},
    {"run {}: {} replications in {:.2f} s{}", "运行 {}：{} 次重复，用时 {:.2f} 秒{}"}, {" with ", "，修改 "},
    {"{}: could not be opened", "{}：无法打开"}, {"the run failed:", "运行失败："},
    {"what-if run cancelled; the previous run is kept", "推演已取消，保留上次运行"},
    {"explaining the misses failed: ", "未达标原因分析失败："}, {"siting failed: ", "选址失败："},
    {": no such unit", "：无此区县"}, {": expected YYYY-MM-DD", "：应为 YYYY-MM-DD"}, {": no such target", "：无此目标"},
    {"saved ", "已保存 "}, {"could not save ", "无法保存 "}, {"exported the map to ", "地图已导出至 "}, {"could not export the map: ", "无法导出地图："},
    {"demonstration", "示范"}, {"short p50", "缺口中位数"}, {"max cover", "最大覆盖"}, {"p-median", "p-中位"}, {"sites", "个站点"},
    {"A | B side by side", "A | B 并排"}, {"B only", "仅 B"}, {"as the scenario", "按情景原值"},
    {"Compare with run directory (as A)...", "与运行目录比较（作为 A）..."}, {"A: the run saved in {}", "A：{} 中保存的运行"},
    {"cannot compare: ", "无法比较："}, {"not a run of the same data", "不是同一数据的运行"},
    {"Show the forms' replication #{}", "显示报表所用重复 #{}"},
    {"{}: opening cancelled", "{}：已取消打开"}, {"siting cancelled", "选址已取消"}, {"the surface failed: ", "栅格面计算失败："},
    {"replaying the replication failed: ", "重放重复失败："}, {"accessibility failed: ", "可达性计算失败："},
    {"P(all met)", "全部达标概率"}, {"goal", "目标"}, {"replications", "次重复"},
};

const std::unordered_map<std::string_view, const char*>& table() {
    static const auto t = [] {
        std::unordered_map<std::string_view, const char*> m;
        for (const auto& l : labels) m.emplace(l.en, l.zh);
        return m;
    }();
    return t;
}

}  // namespace

void set_chinese(bool on) { g_chinese = on; }
bool chinese() { return g_chinese; }

const char* tr(const char* english) {
    if (!g_chinese) return english;
    auto it = table().find(english);
    return it == table().end() ? english : it->second;
}

std::string trid(const char* english) { return std::string(tr(english)) + "###" + english; }

std::string chinese_label_text() {
    std::string s = "中文→–≥·＋";  // and the signs the panels print beside the names
    for (const auto& l : labels) s += l.zh;
    return s;
}

}  // namespace tisheng::viewer
