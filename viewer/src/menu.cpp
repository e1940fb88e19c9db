// [MENU] File (open a scenario or a run directory, compare with a saved
// run, save the scenario with the what-if edits, export the map as PNG),
// View, Language.
#include <imgui.h>

#include <cstring>
#include <filesystem>

#include "app.hpp"
#include "core/labels.hpp"

namespace tisheng::viewer {
namespace {

using Ask = PathPrompt::Ask;

void ask(PathPrompt& prompt, Ask a, const std::string& initial) {
    prompt.ask = a;
    prompt.open_popup = true;
    std::strncpy(prompt.path, initial.c_str(), sizeof prompt.path - 1);
}

void act(App& app) {
    const std::string path = app.prompt.path;
    switch (app.prompt.ask) {
        case Ask::open: app.open(path); break;
        case Ask::against: app.compare_with(path); break;
        case Ask::save:
            // The edits stay in the panel whatever happens; a failed write
            // leaves the target as it was (temporary file, then rename).
            try {
                std::vector<std::string> sets = app.load_overrides;
                for (auto& s : app.whatif_overrides()) sets.push_back(s);
                save_scenario(app.scenario_file, sets, path);
                app.message(tr("saved ") + path);
            } catch (const std::exception& e) {
                app.message(tr("could not save ") + path + ":");
                for (auto& m : messages_of(e)) app.message(m);
                app.view.tab = Tab::messages;
                app.view.tab_request = true;
            }
            break;
        case Ask::export_png: app.export_png = path; break;
        case Ask::basemap:
            app.view.show_basemap = true;
            app.basemap.add(path);
            break;
        case Ask::none: break;
    }
}

}  // namespace

void draw_menu(App& app) {
    if (ImGui::BeginMainMenuBar()) {
        if (ImGui::BeginMenu(trid("File").c_str())) {
            if (ImGui::MenuItem(trid("Open scenario...").c_str())) ask(app.prompt, Ask::open, "scenarios/");
            if (ImGui::MenuItem(trid("Open run directory...").c_str())) ask(app.prompt, Ask::open, "runs/");
            // Two saved runs side by side: the one shown stays B.
            if (ImGui::MenuItem(trid("Compare with run directory (as A)...").c_str(), nullptr, false, app.run != nullptr))
                ask(app.prompt, Ask::against, "runs/");
            if (ImGui::MenuItem(trid("Save scenario as...").c_str(), nullptr, false, app.data != nullptr))
                ask(app.prompt, Ask::save, app.scenario_file.parent_path().string() + "/" + app.scenario_file.stem().string() + "-whatif.yaml");
            if (ImGui::MenuItem(trid("Export map as PNG...").c_str(), nullptr, false, app.data != nullptr)) ask(app.prompt, Ask::export_png, "map.png");
            if (ImGui::MenuItem(trid("Open basemap...").c_str(), nullptr, false, app.data != nullptr)) ask(app.prompt, Ask::basemap, "");
            ImGui::Separator();
            if (ImGui::MenuItem(trid("Quit").c_str())) app.quit = true;
            ImGui::EndMenu();
        }
        if (ImGui::BeginMenu(trid("View").c_str())) {
            if (ImGui::MenuItem(trid("Fit to region").c_str())) app.view.fit_pending = true;
            ImGui::EndMenu();
        }
        if (ImGui::BeginMenu(trid("Language").c_str())) {
            if (ImGui::MenuItem("English", nullptr, !chinese())) set_chinese(false);
            if (ImGui::MenuItem("中文", nullptr, chinese())) set_chinese(true);
            ImGui::EndMenu();
        }
        if (app.data) {
            const std::string title = app.data->scenario->title;
            ImGui::SameLine(ImGui::GetWindowWidth() - ImGui::CalcTextSize(title.c_str()).x - 16);
            ImGui::TextDisabled("%s", title.c_str());
        }
        ImGui::EndMainMenuBar();
    }
    if (app.prompt.open_popup) {
        ImGui::OpenPopup("path");
        app.prompt.open_popup = false;
    }
    if (ImGui::BeginPopupModal("path", nullptr, ImGuiWindowFlags_AlwaysAutoResize)) {
        ImGui::SetNextItemWidth(520);
        if (ImGui::IsWindowAppearing()) ImGui::SetKeyboardFocusHere();
        const bool enter = ImGui::InputText("##path", app.prompt.path, sizeof app.prompt.path, ImGuiInputTextFlags_EnterReturnsTrue);
        if (ImGui::Button("OK", ImVec2(100, 0)) || enter) {
            act(app);
            ImGui::CloseCurrentPopup();
        }
        ImGui::SameLine();
        if (ImGui::Button(tr("Cancel"), ImVec2(100, 0))) ImGui::CloseCurrentPopup();
        ImGui::EndPopup();
    }
}

}  // namespace tisheng::viewer
