// [WHAT-IF] Edit the main parameters (budgets per payer, grant tiers,
// adoption by phase, replications, seed) and re-run in the background with
// a progress bar and Cancel. The run shown becomes A, the new one B; the
// map shows A | B side by side (or B - A), and the table below compares
// every target (panel_compare.cpp).
#include <fmt/format.h>
#include <imgui.h>

#include "app.hpp"
#include "core/labels.hpp"
#include "tisheng/model/edits.hpp"

namespace tisheng::viewer {

std::vector<std::string> App::whatif_overrides() const {
    std::vector<std::string> out;
    const WhatIf& w = whatif;
    const WhatIf& b = whatif_base;
    for (std::size_t i = 0; i < w.payer_ids.size(); ++i)
        if (w.payer_unlimited[i] != b.payer_unlimited[i] || (!w.payer_unlimited[i] && w.payer_cny[i] != b.payer_cny[i]))
            out.push_back(edit::payer_budget(w.payer_ids[i], w.payer_unlimited[i] ? std::nullopt : std::optional<double>(w.payer_cny[i])));
    for (std::size_t i = 0; i < w.tier_cny.size(); ++i)
        if (w.tier_cny[i] != b.tier_cny[i]) out.push_back(edit::tier_grant(i, w.tier_cny[i]));
    for (std::size_t i = 0; i < w.phase_p.size(); ++i)
        if (w.phase_p[i] != b.phase_p[i]) out.push_back(edit::adoption_phase(w.phase_names[i], w.phase_p[i]));
    if (w.replications != b.replications) out.push_back(edit::replications(w.replications));
    if (w.seed != b.seed) out.push_back(edit::seed(static_cast<std::int64_t>(w.seed)));
    return out;
}

void draw_whatif_panel(App& app) {
    if (!app.run || !app.whatif.loaded) {
        ImGui::TextDisabled("%s", tr("Loading"));
        return;
    }
    WhatIf& w = app.whatif;
    section(tr("Budgets per payer (CNY a year)"));
    for (std::size_t i = 0; i < w.payer_ids.size(); ++i) {
        ImGui::PushID(static_cast<int>(i));
        bool unlimited = w.payer_unlimited[i];
        if (ImGui::Checkbox(tr("unlimited"), &unlimited)) w.payer_unlimited[i] = unlimited;
        ImGui::SameLine();
        ImGui::BeginDisabled(unlimited);
        ImGui::SetNextItemWidth(150);
        ImGui::InputDouble(fmt::format("{}###{}", app.payer_name(w.payer_ids[i]), w.payer_ids[i]).c_str(), &w.payer_cny[i], 100000, 1000000, "%.0f");
        if (w.payer_cny[i] < 0) w.payer_cny[i] = 0;
        ImGui::EndDisabled();
        ImGui::PopID();
    }
    if (!w.tier_cny.empty()) {
        section(tr("Grant tiers (CNY)"));
        const auto& tiers = app.run->scenario->programme.grants.tiers;
        for (std::size_t i = 0; i < w.tier_cny.size(); ++i) {
            ImGui::SetNextItemWidth(150);
            ImGui::InputDouble(tiers[i].name.c_str(), &w.tier_cny[i], 10000, 50000, "%.0f");
        }
    }
    if (!w.phase_p.empty()) {
        section(tr("Adoption by phase (monthly)"));
        for (std::size_t i = 0; i < w.phase_p.size(); ++i) {
            float p = static_cast<float>(w.phase_p[i]);
            std::string name = w.phase_names[i];
            for (const Phase& ph : app.run->scenario->programme.phases)
                if (ph.name == name && chinese() && !ph.name_zh.empty()) name = ph.name_zh;
            if (ImGui::SliderFloat(fmt::format("{}###{}", name, w.phase_names[i]).c_str(), &p, 0.0f, 1.0f, "%.3f")) w.phase_p[i] = p;
        }
    }
    section(tr("Replications"));
    ImGui::SetNextItemWidth(150);
    ImGui::InputInt(trid("Replications").c_str(), &w.replications, 100, 1000);
    w.replications = std::clamp(w.replications, 1, 1000000);
    ImGui::SetNextItemWidth(150);
    ImGui::InputScalar(trid("Seed").c_str(), ImGuiDataType_S64, &w.seed);

    const auto sets = app.whatif_overrides();
    ImGui::Spacing();
    ImGui::BeginDisabled(app.run_in_progress());
    if (ImGui::Button(trid("Run what-if").c_str(), ImVec2(160, 0))) app.start_run(sets);
    ImGui::EndDisabled();
    ImGui::SameLine();
    if (ImGui::Button(trid("Reset").c_str())) w = app.whatif_base;
    for (const auto& s : sets) ImGui::BulletText("--set %s", s.c_str());

    if (app.previous) draw_comparison_table(app);
}

}  // namespace tisheng::viewer
