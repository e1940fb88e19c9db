// [SITING] Runs the engine's siting model in the background, lists the
// chosen sites in the order of choice, and toggles any candidate on or off
// to show the coverage change at once through the engine's incremental
// coverage (ReachTracker: one counter per pair touched).
#include <fmt/format.h>
#include <imgui.h>

#include <cmath>

#include "app.hpp"
#include "core/labels.hpp"

namespace tisheng::viewer {

void draw_siting_panel(App& app) {
    if (!app.data) return;
    ImGui::BeginDisabled(app.sitings.running());
    if (ImGui::Button(trid("Run siting").c_str(), ImVec2(160, 0))) app.start_siting();
    ImGui::EndDisabled();
    SitingView& sv = app.siting;
    if (!sv.plan) return;
    const SitingModel& m = *sv.model;
    const Plan& plan = *sv.plan;
    const double radius = app.data->scenario->siting.radius;
    ImGui::Text("%s: %s, %zu %s, %.1f s", plan.solution.solver.c_str(),
                tr(app.data->scenario->siting.objective == siting::Objective::max_cover ? "max cover" : "p-median"), plan.solution.chosen.size(),
                tr("sites"), plan.solution.seconds);
    // Coverage now, against the plan's.
    const double share = sv.tracker->share(0);
    ImGui::Text("%s %.0f m: %.1f%%  (%s %.1f%%, %+.1f pp)", tr("Covered"), radius, 100 * share, tr("Siting"), 100 * sv.objective_share,
                100 * (share - sv.objective_share));
    ImGui::ProgressBar(static_cast<float>(share), ImVec2(-1, 0));
    if (ImGui::BeginTable("units", 2, ImGuiTableFlags_RowBg, ImVec2(0, 0))) {
        for (std::size_t u = 0; u < app.data->units.size(); ++u) {
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(app.unit_name(u).c_str());
            ImGui::TableNextColumn();
            ImGui::Text("%.1f%%", 100 * sv.tracker->share_in_unit(0, static_cast<std::uint32_t>(u)));
        }
        ImGui::EndTable();
    }
    section(tr("Chosen sites in order"));
    ImGui::TextDisabled("%s", tr("Toggle a site to see coverage change at once."));
    // Chosen first (in order), then every other candidate.
    std::vector<std::pair<std::uint32_t, double>> rows;
    std::vector<std::uint8_t> chosen(m.problem.candidates.size(), 0);
    for (const auto& ch : plan.solution.chosen) {
        rows.emplace_back(ch.candidate, ch.gain);
        chosen[ch.candidate] = 1;
    }
    for (std::uint32_t c = 0; c < m.problem.candidates.size(); ++c)
        if (!chosen[c]) rows.emplace_back(c, std::nan(""));
    const Sites& sites = app.data->scenario->sites;
    auto site_name = [&](std::size_t site) -> const std::string& {
        if (!app.data->stations) return sites.bases[site].name;
        return site < sites.projects.size() ? sites.projects[site].name : sites.stations[site - sites.projects.size()].name;
    };
    // Names are long: the list scrolls sideways rather than cut them.
    ImGui::BeginChild("candidates", ImVec2(0, 0), true, ImGuiWindowFlags_HorizontalScrollbar);
    ImGuiListClipper clip;
    clip.Begin(static_cast<int>(rows.size()));
    while (clip.Step())
        for (int r = clip.DisplayStart; r < clip.DisplayEnd; ++r) {
            const auto [c, gain] = rows[static_cast<std::size_t>(r)];
            bool on = sv.on[c] != 0;
            const std::string& id = m.problem.candidates[c].id;
            const std::size_t site = m.site[c];
            const std::string name = site_name(site);
            const std::string label = std::isnan(gain) ? fmt::format("{} {} ({})##{}", name, m.variant[c], id, c)
                                                       : fmt::format("{}. {} {} (+{:.0f})##{}", r + 1, name, m.variant[c], gain, c);
            if (ImGui::Checkbox(label.c_str(), &on)) sv.toggle(c);
        }
    ImGui::EndChild();
}

}  // namespace tisheng::viewer
