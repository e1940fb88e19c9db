// [MAP] Interaction (drag to pan, wheel to zoom around the cursor, hover,
// click to select) and what ImGui draws over the GL map: unit names, the
// selection, the siting plan, the legend and the scale bar.
#include <fmt/format.h>
#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "app.hpp"
#include "core/label_place.hpp"
#include "core/layout.hpp"
#include "core/labels.hpp"

namespace tisheng::viewer {
namespace {

ImVec2 iv(view::Vec2 p) { return {static_cast<float>(p.x), static_cast<float>(p.y)}; }
ImU32 col(view::Rgba c) { return IM_COL32(c.r, c.g, c.b, c.a); }

void draw_legend(const view::Legend& L, ImDrawList* dl, const view::Rect& area) {
    const float w = 260, h = 58, x = static_cast<float>(area.x) + 12, y = static_cast<float>(area.y + area.h) - h - 12;
    dl->AddRectFilled({x, y}, {x + w, y + h}, IM_COL32(255, 255, 255, 225), 4);
    dl->AddText({x + 8, y + 4}, IM_COL32(20, 20, 20, 255), L.title.c_str());
    const float bx = x + 10, by = y + 24, bw = w - 20, bh = 12;
    constexpr int steps = 64;
    for (int i = 0; i < steps; ++i) {
        const double v = L.lo + (L.hi - L.lo) * (i + 0.5) / steps;
        dl->AddRectFilled({bx + bw * i / steps, by}, {bx + bw * (i + 1) / steps + 0.5f, by + bh}, col(L.colour(v)));
    }
    dl->AddRect({bx, by}, {bx + bw, by + bh}, IM_COL32(60, 60, 60, 255));
    for (double t : L.ticks(5)) {
        const float tx = bx + static_cast<float>((t - L.lo) / (L.hi - L.lo)) * bw;
        dl->AddLine({tx, by + bh}, {tx, by + bh + 3}, IM_COL32(40, 40, 40, 255));
        const std::string s = L.format(t);
        dl->AddText({tx - ImGui::CalcTextSize(s.c_str()).x / 2, by + bh + 3}, IM_COL32(30, 30, 30, 255), s.c_str());
    }
}

// The points' key, above the fill legend: each class drawn, with its count
// at the date (the Layers panel lists the same entries). Returns its height.
float draw_point_key(const std::vector<App::KeyEntry>& key, ImDrawList* dl, float x, float bottom) {
    if (key.empty()) return 0;
    const float line = ImGui::GetTextLineHeight() + 2;
    float w = 0;
    std::vector<std::string> text;
    for (const auto& e : key) {
        text.push_back(fmt::format("{}  {}", e.name, e.count));
        w = std::max(w, ImGui::CalcTextSize(text.back().c_str()).x);
    }
    const float h = line * static_cast<float>(key.size()) + 8, y = bottom - h;
    dl->AddRectFilled({x, y}, {x + w + 34, bottom}, IM_COL32(255, 255, 255, 225), 4);
    for (std::size_t e = 0; e < key.size(); ++e) {
        const float cy = y + 4 + line * (static_cast<float>(e) + 0.5f);
        dl->AddCircleFilled({x + 14, cy}, 5.5f, col(key[e].colour));
        dl->AddCircle({x + 14, cy}, 5.5f, IM_COL32(30, 30, 30, 255), 0, 1.2f);
        dl->AddText({x + 26, cy - line / 2 + 1}, IM_COL32(20, 20, 20, 255), text[e].c_str());
    }
    return h;
}

// Says so when the points are drawn as cells.
// `top`: below the map's title, if any.
void draw_aggregation_note(App& app, ImDrawList* dl, const view::Rect& area, float top) {
    if (!app.points_aggregated()) return;
    const std::string note = tr("Points aggregated: each disc is the points of its cell, in the colour most have; zoom in for each");
    const ImVec2 size = ImGui::CalcTextSize(note.c_str());
    const float x = static_cast<float>(area.x + area.w) - size.x - 14, y = top + 10;
    dl->AddRectFilled({x - 6, y - 3}, {x + size.x + 6, y + size.y + 3}, IM_COL32(255, 255, 255, 225), 3);
    dl->AddText({x, y}, IM_COL32(30, 30, 30, 255), note.c_str());
}

void draw_scale_bar(const view::Camera& cam, ImDrawList* dl, const view::Rect& area) {
    const view::ScaleBar bar = view::scale_bar(cam.metres_per_pixel, 160);
    const float x1 = static_cast<float>(area.x + area.w) - 16, y = static_cast<float>(area.y + area.h) - 20;
    const float x0 = x1 - static_cast<float>(bar.pixels);
    dl->AddRectFilled({x0 - 6, y - 20}, {x1 + 6, y + 8}, IM_COL32(255, 255, 255, 210), 3);
    dl->AddLine({x0, y}, {x1, y}, IM_COL32(20, 20, 20, 255), 2);
    dl->AddLine({x0, y - 5}, {x0, y + 3}, IM_COL32(20, 20, 20, 255), 2);
    dl->AddLine({x1, y - 5}, {x1, y + 3}, IM_COL32(20, 20, 20, 255), 2);
    dl->AddText({(x0 + x1) / 2 - ImGui::CalcTextSize(bar.label.c_str()).x / 2, y - 19}, IM_COL32(20, 20, 20, 255), bar.label.c_str());
}

void outline_unit(App& app, const view::Camera& cam, ImDrawList* dl, std::size_t u, ImU32 colour, float thickness) {
    for (const auto& poly : app.data->units[u]) {
        std::vector<ImVec2> pts;
        pts.reserve(poly.outer.size());
        for (const MetricPoint& p : poly.outer) pts.push_back(iv(cam.to_screen({p.x, p.y})));
        dl->AddPolyline(pts.data(), static_cast<int>(pts.size()), colour, ImDrawFlags_Closed, thickness);
    }
}


// One map: the siting plan, the names, the hover and selection, the
// legend and the key of the side's run, and the scale bar. `tag`: "A" or
// "B" in the split view, else null.
void draw_side(App& app, const view::Camera& cam, const Derived& d, const Run& r, const char* tag) {
    const ViewState& v = app.view;
    const view::Rect& area = cam.viewport;
    ImDrawList* dl = ImGui::GetBackgroundDrawList();
    dl->PushClipRect(iv({area.x, area.y}), iv({area.x + area.w, area.y + area.h}), true);
    // The siting plan's sites: rings, numbered in the order of choice.
    if (app.siting.plan && v.tab == Tab::siting) {
        const SitingModel& m = *app.siting.model;
        int order = 0;
        for (const auto& ch : app.siting.plan->solution.chosen) {
            ++order;
            const MetricPoint p = m.coverage.sites[m.site[ch.candidate]];
            const ImVec2 s = iv(cam.to_screen({p.x, p.y}));
            const bool on = app.siting.on[ch.candidate] != 0;
            dl->AddCircle(s, 9, on ? IM_COL32(213, 94, 0, 255) : IM_COL32(120, 120, 120, 200), 0, 2.5f);
            if (cam.metres_per_pixel < 200) dl->AddText({s.x + 9, s.y - 16}, IM_COL32(120, 50, 0, 255), std::to_string(order).c_str());
        }
    }
    // Unit names in the UI's language, with a light halo for legibility:
    // the larger units first; a name that would overlap one already placed
    // moves nearby with a leader line, or is left out (the tooltip names
    // the unit under the mouse).
    if (v.show_names) {
        const auto& units = app.data->scenario->region.units();
        std::vector<view::Rect> boxes;
        std::vector<std::string> names;
        for (std::size_t u = 0; u < app.data->labels.size(); ++u) {
            const ImVec2 s = iv(cam.to_screen(app.data->labels[u]));
            names.push_back(app.unit_label(u));
            const ImVec2 size = ImGui::CalcTextSize(names.back().c_str());
            boxes.push_back({s.x - size.x / 2 - 3, s.y - size.y / 2 - 1, size.x + 6, size.y + 2});
        }
        std::vector<std::size_t> by_size(boxes.size());
        for (std::size_t u = 0; u < by_size.size(); ++u) by_size[u] = u;
        std::stable_sort(by_size.begin(), by_size.end(), [&](std::size_t a, std::size_t b) { return units[a].area_km2 > units[b].area_km2; });
        for (const view::PlacedLabel& l : view::place_labels(boxes, by_size, area, 70)) {
            const view::Rect& r = l.box;
            if (l.leader) {  // from the anchor to the nearest point of the moved label
                const view::Rect& at = boxes[l.index];
                const ImVec2 a{static_cast<float>(at.x + at.w / 2), static_cast<float>(at.y + at.h / 2)};
                const ImVec2 b{std::clamp(a.x, static_cast<float>(r.x), static_cast<float>(r.x + r.w)),
                               std::clamp(a.y, static_cast<float>(r.y), static_cast<float>(r.y + r.h))};
                dl->AddLine(a, b, IM_COL32(40, 40, 50, 220), 1.2f);
                dl->AddCircleFilled(a, 2.5f, IM_COL32(40, 40, 50, 220));
            }
            dl->AddRectFilled({static_cast<float>(r.x), static_cast<float>(r.y)}, {static_cast<float>(r.x + r.w), static_cast<float>(r.y + r.h)},
                              IM_COL32(255, 255, 255, l.leader ? 215 : 170), 3);
            dl->AddText({static_cast<float>(r.x + 3), static_cast<float>(r.y + 1)}, IM_COL32(15, 15, 25, 255), names[l.index].c_str());
        }
    }
    if (v.hovered_unit >= 0) outline_unit(app, cam, dl, static_cast<std::size_t>(v.hovered_unit), IM_COL32(255, 255, 255, 200), 2);
    if (v.selected_unit >= 0) outline_unit(app, cam, dl, static_cast<std::size_t>(v.selected_unit), IM_COL32(0, 0, 0, 255), 3);
    for (std::int64_t p : {v.hovered_point, v.selected_point})
        if (p >= 0) dl->AddCircle(iv(cam.to_screen(app.data->points[static_cast<std::size_t>(p)])), 11, IM_COL32(0, 0, 0, 255), 0, 2);
    draw_legend(d.legend, dl, area);
    draw_point_key(app.point_key(d), dl, static_cast<float>(area.x) + 12, static_cast<float>(area.y + area.h) - 58 - 12 - 6);
    // What the map shows: the run (A or B and its edits), or B - A.
    std::string title;
    if (tag) {
        const std::string edits = r.overrides.empty() ? std::string(tr("as the scenario")) : fmt::format("{}", fmt::join(r.overrides, ", "));
        title = r.from.empty() ? fmt::format("{}  {}", tag, edits)
                               : fmt::format("{}  {}: {}", tag, std::filesystem::path(r.from).filename().string(), edits);
    }
    else if (app.comparing()) title = fmt::format("B - A   ({})", fmt::join(r.overrides, ", "));
    float top = static_cast<float>(area.y);
    if (!title.empty()) {
        const ImVec2 size = ImGui::CalcTextSize(title.c_str());
        const float x = static_cast<float>(area.x) + 10, y = static_cast<float>(area.y) + 8;
        dl->AddRectFilled({x - 4, y - 2}, {x + size.x + 4, y + size.y + 2}, IM_COL32(255, 255, 255, 215), 3);
        dl->AddText({x, y}, IM_COL32(20, 20, 20, 255), title.c_str());
        top = y + size.y;
    }
    draw_scale_bar(cam, dl, area);
    draw_aggregation_note(app, dl, area, top);
    dl->PopClipRect();
}

}  // namespace

view::Camera App::camera_a() const {
    view::Camera c = view.camera;
    c.viewport = view::split_map(map_area).a;
    return c;
}

void draw_map_overlay(App& app, const view::Rect& area) {
    if (!app.data) return;
    ViewState& v = app.view;
    const bool split = app.split();
    // The camera of the map under the mouse (in the split view, both show
    // the same ground: a change to one is a change to both).
    view::Camera& cam = v.camera;
    view::Camera under = cam;
    ImGuiIO& io = ImGui::GetIO();
    const view::Vec2 mouse{io.MousePos.x, io.MousePos.y};
    if (split && app.camera_a().viewport.contains(mouse)) under = app.camera_a();
    const bool over = !app.options.batch && under.viewport.contains(mouse) && area.contains(mouse) &&
                      !ImGui::IsWindowHovered(ImGuiHoveredFlags_AnyWindow) && !ImGui::IsAnyItemActive();

    // Pan and zoom.
    if (over && io.MouseWheel != 0) under.zoom_at(mouse, std::pow(1.2, io.MouseWheel));
    if (over && ImGui::IsMouseDragging(ImGuiMouseButton_Left, 2.0f)) under.pan({io.MouseDelta.x, io.MouseDelta.y});
    cam.center = under.center;
    cam.metres_per_pixel = under.metres_per_pixel;
    // Hover: a point under the cursor (within 8 px), else the unit.
    v.hovered_point = v.hovered_unit = -1;
    bool hover_a = false;
    if (over) {
        const view::Vec2 w = under.to_world(mouse);
        const auto& d = *app.data;
        auto visible = [&](std::size_t i) {
            const PointKind k = d.kind[i];
            if (k == PointKind::demand) return false;
            if (k == PointKind::station) return v.show_candidates;
            return v.show_sites;
        };
        if (auto p = d.picker.point_at(w, 8 * under.metres_per_pixel, visible)) v.hovered_point = static_cast<std::int64_t>(*p);
        else if (auto u = d.picker.unit_at(w)) v.hovered_unit = static_cast<std::int64_t>(*u);
        if (ImGui::IsMouseReleased(ImGuiMouseButton_Left) && ImGui::GetMouseDragDelta(ImGuiMouseButton_Left, 0).x == 0 &&
            ImGui::GetMouseDragDelta(ImGuiMouseButton_Left, 0).y == 0) {
            v.selected_point = v.hovered_point;
            v.selected_unit = v.hovered_point >= 0 ? -1 : v.hovered_unit;
            if (v.selected_point >= 0 || v.selected_unit >= 0) {
                v.tab = Tab::inspector;
                v.tab_request = true;
            }
        }
        hover_a = split && under.viewport.x == app.camera_a().viewport.x;
    }
    if (!app.run) return;
    if (split) {
        draw_side(app, app.camera_a(), app.side_a, *app.previous, "A");
        draw_side(app, cam, app.derived, *app.run, "B");
    } else {
        draw_side(app, cam, app.derived, *app.run, nullptr);
    }
    if (over && (v.hovered_point >= 0 || v.hovered_unit >= 0)) draw_tooltip(app, hover_a ? app.side_a : app.derived, split ? (hover_a ? "A" : "B") : nullptr);
}

}  // namespace tisheng::viewer
