// [LAYERS] What the map shows: the unit fill and its measure, the state
// shown (median replication, one replication, probabilities), point
// colours, layer toggles, the surface overlay, A vs B.
#include <fmt/format.h>
#include <imgui.h>

#include "app.hpp"
#include "core/labels.hpp"

namespace tisheng::viewer {

void section(const char* title) {
    ImGui::Spacing();
    ImGui::TextColored(ImVec4(0.0f, 0.35f, 0.6f, 1.0f), "%s", title);
    ImGui::Separator();
}

void draw_layers_panel(App& app) {
    if (!app.data || !app.run) {
        ImGui::TextDisabled("%s", tr("Loading"));
        return;
    }
    ViewState& v = app.view;
    const Scenario& s = *app.data->scenario;
    const Layout& L = app.run->results.layout;

    section(tr("Fill units by"));
    int fill = static_cast<int>(v.fill);
    ImGui::RadioButton(trid("P(target met)").c_str(), &fill, 0);
    ImGui::RadioButton(trid(app.data->stations ? "Stations built" : "Bases named").c_str(), &fill, 1);
    ImGui::RadioButton(trid("Coverage share").c_str(), &fill, 2);
    ImGui::RadioButton(trid("Accessibility").c_str(), &fill, 3);
    v.fill = static_cast<FillMetric>(fill);
    if (v.fill == FillMetric::p_target && !s.programme.targets.empty()) {
        std::vector<std::string> names;
        for (const auto& t : s.programme.targets)
            names.push_back(fmt::format("{} ({}{})", s.labels.name("target:" + t.id, chinese() ? "zh" : "en"), t.recurring() ? "from " : "",
                                        t.deadline.iso()));
        v.target = std::clamp(v.target, 0, static_cast<int>(names.size()) - 1);
        if (ImGui::BeginCombo(trid("Target").c_str(), names[static_cast<std::size_t>(v.target)].c_str())) {
            for (int i = 0; i < static_cast<int>(names.size()); ++i)
                if (ImGui::Selectable(names[static_cast<std::size_t>(i)].c_str(), i == v.target)) v.target = i;
            ImGui::EndCombo();
        }
    }
    if (v.fill == FillMetric::coverage && !L.radii.empty()) {
        v.radius = std::clamp(v.radius, 0, static_cast<int>(L.radii.size()) - 1);
        const std::string r = fmt::format("{:g} {}", L.radii[static_cast<std::size_t>(v.radius)], L.radius_unit);
        ImGui::SliderInt(trid("Radius").c_str(), &v.radius, 0, static_cast<int>(L.radii.size()) - 1, r.c_str());
    }
    if (app.previous) {
        section(tr("Compare with previous run"));
        int c = static_cast<int>(v.compare);
        ImGui::RadioButton(trid("A | B side by side").c_str(), &c, static_cast<int>(Compare::split));
        ImGui::SameLine();
        ImGui::RadioButton(trid("Difference B - A").c_str(), &c, static_cast<int>(Compare::difference));
        ImGui::SameLine();
        ImGui::RadioButton(trid("B only").c_str(), &c, static_cast<int>(Compare::off));
        v.compare = static_cast<Compare>(c);
    }

    section(tr("State shown"));
    int mode = static_cast<int>(v.mode);
    ImGui::RadioButton(trid("Median replication").c_str(), &mode, 0);
    ImGui::SameLine();
    ImGui::RadioButton(trid("One replication").c_str(), &mode, 1);
    ImGui::SameLine();
    ImGui::RadioButton(trid("Probabilities").c_str(), &mode, 2);
    v.mode = static_cast<StateMode>(mode);
    if (v.mode == StateMode::replication && !app.run->simulator) {
        // A stored run shows the replications its folder keeps.
        const auto kept = app.run->kept_indices();
        const auto label = [&](std::int64_t k) {
            const KeptReplication* x = find_kept(app.run->kept, k);
            return x ? fmt::format("#{} ({})", k, x->why) : fmt::format("#{}", k);
        };
        if (ImGui::BeginCombo(trid("Replication").c_str(), label(app.derived.replication).c_str())) {
            for (std::int64_t k : kept)
                if (ImGui::Selectable(label(k).c_str(), k == app.derived.replication)) v.replication = static_cast<int>(k);
            ImGui::EndCombo();
        }
    } else if (v.mode == StateMode::replication) {
        ImGui::SliderInt(trid("Replication").c_str(), &v.replication, 0, app.run->results.replications - 1);
    }
    else if (v.mode == StateMode::median)
        ImGui::TextDisabled("%s #%d", tr("Replication"), app.run->results.median_replication);
    // The official tables (情况表) are filled from another replication (the
    // one whose count at the report date is the median): one click shows it.
    const int forms = app.run->results.representative_replication;
    if (!(v.mode == StateMode::replication && app.derived.replication == forms) &&
        ImGui::SmallButton(fmt::format(fmt::runtime(tr("Show the forms' replication #{}")), forms).c_str())) {
        v.mode = StateMode::replication;
        v.replication = forms;
    }

    section(tr("Colour points by"));
    int pc = static_cast<int>(v.point_colour);
    ImGui::RadioButton(trid("Status").c_str(), &pc, 0);
    ImGui::SameLine();
    ImGui::RadioButton(trid("Industry").c_str(), &pc, 1);
    v.point_colour = static_cast<PointColour>(pc);
    // The key: every class drawn at the date (or industry), with its count,
    // as the map's own key lists them.
    const auto key = app.point_key(app.derived);
    for (std::size_t e = 0; e < key.size(); ++e) {
        const view::Rgba c = key[e].colour;
        ImGui::ColorButton(("##key" + std::to_string(e)).c_str(), ImVec4(c.r / 255.f, c.g / 255.f, c.b / 255.f, 1), 0, ImVec2(12, 12));
        ImGui::SameLine();
        ImGui::Text("%s %u", key[e].name.c_str(), key[e].count);
    }
    if (v.mode == StateMode::probability) ImGui::TextDisabled("%s", tr("P(built by)"));

    section(tr("Layers"));
    ImGui::Checkbox(trid("Unit fills").c_str(), &v.show_fill);
    ImGui::SameLine();
    ImGui::Checkbox(trid("Borders").c_str(), &v.show_borders);
    ImGui::SameLine();
    ImGui::Checkbox(trid("Names").c_str(), &v.show_names);
    ImGui::Checkbox(trid(app.data->stations ? "Projects" : "Bases").c_str(), &v.show_sites);
    ImGui::SameLine();
    if (app.data->stations) ImGui::Checkbox(trid("Candidate sites").c_str(), &v.show_candidates);
    else ImGui::Checkbox(trid("Demand").c_str(), &v.show_demand);
    ImGui::Checkbox(trid("Surface").c_str(), &v.show_surface);
    if (v.show_surface) {
        ImGui::SameLine();
        ImGui::RadioButton(trid("Distance to nearest").c_str(), &v.surface, 0);
        ImGui::SameLine();
        ImGui::RadioButton(trid("Accessibility").c_str(), &v.surface, 1);
        ImGui::SliderFloat(trid("Opacity").c_str(), &v.surface_opacity, 0.1f, 1.0f);
    }
    if (app.basemap.available()) {
        ImGui::Checkbox(trid("Basemap").c_str(), &v.show_basemap);
        if (v.show_basemap) {
            ImGui::SliderFloat((std::string(tr("Opacity")) + "###basemap opacity").c_str(), &v.basemap_opacity, 0.1f, 1.0f);
            ImGui::SliderFloat(trid("Fill opacity").c_str(), &v.basemap_fill_alpha, 0.2f, 1.0f);
        }
    }
    if (ImGui::Button(trid("Fit to region").c_str())) v.fit_pending = true;
}

}  // namespace tisheng::viewer
