// [TIME] The date slider over the horizon (a month a step), play/pause,
// and the deadlines marked on it.
#include <fmt/format.h>
#include <imgui.h>

#include <algorithm>

#include "app.hpp"
#include "core/labels.hpp"

namespace tisheng::viewer {

void draw_time_bar(App& app, const view::Rect& area, double dt) {
    ImGui::SetNextWindowPos(ImVec2(static_cast<float>(area.x), static_cast<float>(area.y)));
    ImGui::SetNextWindowSize(ImVec2(static_cast<float>(area.w), static_cast<float>(area.h)));
    ImGui::Begin("##time", nullptr, ImGuiWindowFlags_NoTitleBar | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoMove |
                                        ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoCollapse);
    const int months = static_cast<int>(app.month_count());
    if (months == 0) {
        ImGui::TextUnformatted(app.failed() ? "-" : tr("Loading"));
        ImGui::End();
        return;
    }
    ViewState& v = app.view;
    // Play: a month every half second, stopping at the end.
    if (v.playing) {
        v.play_clock += dt;
        if (v.play_clock >= 0.5) {
            v.play_clock = 0;
            if (v.month + 1 < months) ++v.month;
            else v.playing = false;
        }
    }
    if (ImGui::Button(v.playing ? trid("Pause").c_str() : trid("Play").c_str(), ImVec2(70, 0))) {
        if (!v.playing && v.month + 1 >= months) v.month = 0;
        v.playing = !v.playing;
    }
    ImGui::SameLine();
    const std::string date = app.month_date(v.month).iso();
    ImGui::SetNextItemWidth(-1);
    const ImVec2 slider_min = ImGui::GetCursorScreenPos();
    ImGui::SliderInt("##month", &v.month, 0, months - 1, date.c_str());
    const ImVec2 slider_max{ImGui::GetItemRectMax().x, ImGui::GetItemRectMax().y};

    // Deadlines: a tick and a label under the slider at their month.
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const auto& L = app.run->results.layout;
    const auto& targets = app.data->scenario->programme.targets;
    std::vector<Date> seen;
    float label_end = -1e9f;  // labels that would overlap the previous one are left out
    const float grab = ImGui::GetStyle().GrabMinSize;
    for (const auto& t : targets) {
        if (std::find(seen.begin(), seen.end(), t.deadline) != seen.end()) continue;
        seen.push_back(t.deadline);
        auto it = std::lower_bound(L.months.begin(), L.months.end(), t.deadline);
        if (it == L.months.end()) continue;
        const float f = static_cast<float>(it - L.months.begin()) / static_cast<float>(std::max(1, months - 1));
        const float x = slider_min.x + grab / 2 + f * (slider_max.x - slider_min.x - grab);
        dl->AddLine({x, slider_max.y}, {x, slider_max.y + 8}, IM_COL32(213, 94, 0, 255), 3);
        const std::string label = fmt::format("{} {}", tr("Deadline"), t.deadline.iso());
        const float lw = ImGui::CalcTextSize(label.c_str()).x;
        const float lx = std::min(x - lw / 2, slider_max.x - lw);  // kept inside the bar
        if (lx < label_end + 8) continue;
        dl->AddText({lx, slider_max.y + 9}, IM_COL32(213, 94, 0, 255), label.c_str());
        label_end = lx + lw;
    }
    ImGui::Dummy(ImVec2(0, 26));
    const Date first = L.months.front(), last = L.months.back();
    ImGui::TextDisabled("%s … %s   ·   %s: %d %s", first.iso().c_str(), last.iso().c_str(), app.run_label(),
                        app.run->results.replications, tr("replications"));
    ImGui::End();
}

}  // namespace tisheng::viewer
