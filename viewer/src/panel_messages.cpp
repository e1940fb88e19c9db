// [MESSAGES] What went wrong (a broken scenario's problems exactly as
// `tisheng validate` lists them) and what happened (runs, timings).
#include <imgui.h>

#include "app.hpp"
#include "core/labels.hpp"

namespace tisheng::viewer {

void draw_messages_panel(App& app) {
    if (app.messages.empty()) {
        ImGui::TextDisabled("%s", tr("No problems."));
        return;
    }
    for (const auto& m : app.messages) {
        const bool error = m.find("error") != std::string::npos || m.find("failed") != std::string::npos ||
                           m.find("could not") != std::string::npos;
        if (error) ImGui::PushStyleColor(ImGuiCol_Text, IM_COL32(180, 30, 20, 255));
        ImGui::TextWrapped("%s", m.c_str());
        if (error) ImGui::PopStyleColor();
    }
}

}  // namespace tisheng::viewer
