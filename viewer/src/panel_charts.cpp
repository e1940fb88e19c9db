// [CHARTS] Drawn with ImGui's draw lists (ImPlot is not packaged): the
// measure over time for the selected unit or the city, with its p05-p95
// band, the replication shown and the target steps; budget spent per payer
// and year; named bases against the programme's goals.
#include <fmt/format.h>
#include <imgui.h>

#include <algorithm>
#include <cmath>

#include "app.hpp"
#include "core/legend.hpp"
#include "core/labels.hpp"

namespace tisheng::viewer {
namespace {

struct Series {
    std::vector<double> p05, p50, p95, line, other;  ///< line: the replication shown; other: run A's median
};

struct Step {
    std::size_t month;
    double required;
};

/// `months`: the month end of each value, for the date axis.
void band_chart(const char* title, const Series& s, const std::vector<Step>& steps, const std::vector<Date>& months, int current, float height) {
    ImGui::TextUnformatted(title);
    const ImVec2 p0 = ImGui::GetCursorScreenPos();
    const float w = ImGui::GetContentRegionAvail().x, h = height;
    ImGui::Dummy(ImVec2(w, h));
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const std::size_t n = s.p50.size();
    if (n < 2) return;
    double hi = 1;
    for (double v : s.p95) hi = std::max(hi, v);
    for (double v : s.line) hi = std::max(hi, v);
    for (double v : s.other) hi = std::max(hi, v);
    for (const Step& st : steps) hi = std::max(hi, st.required);
    const auto ticks = view::nice_ticks(0, hi * 1.05, 4);
    hi = std::max(hi * 1.05, ticks.empty() ? hi : ticks.back());
    const float left = 40, bottom = ImGui::GetTextLineHeight() + 2;
    auto X = [&](double m) { return p0.x + left + static_cast<float>(m / static_cast<double>(n - 1)) * (w - left - 6); };
    auto Y = [&](double v) { return p0.y + h - bottom - static_cast<float>(v / hi) * (h - bottom - 4); };
    dl->PushClipRect(p0, {p0.x + w, p0.y + h}, true);
    dl->AddRectFilled(p0, {p0.x + w, p0.y + h}, IM_COL32(255, 255, 255, 255));
    for (double t : ticks) {
        dl->AddLine({X(0), Y(t)}, {X(static_cast<double>(n - 1)), Y(t)}, IM_COL32(225, 225, 225, 255));
        const std::string label = fmt::format("{:g}", t);
        dl->AddText({p0.x + 2, Y(t) - 7}, IM_COL32(90, 90, 90, 255), label.c_str());
    }
    // The p05-p95 band, without anti-aliased edges (they would seam).
    const ImDrawListFlags flags = dl->Flags;
    dl->Flags &= ~ImDrawListFlags_AntiAliasedFill;
    for (std::size_t m = 0; m + 1 < n; ++m) {
        const ImVec2 q[4] = {{X(double(m)), Y(s.p05[m])}, {X(double(m + 1)), Y(s.p05[m + 1])}, {X(double(m + 1)), Y(s.p95[m + 1])}, {X(double(m)), Y(s.p95[m])}};
        dl->AddConvexPolyFilled(q, 4, IM_COL32(86, 180, 233, 90));
    }
    dl->Flags = flags;
    auto polyline = [&](const std::vector<double>& v, ImU32 colour, float thickness) {
        if (v.size() != n) return;
        std::vector<ImVec2> pts;
        for (std::size_t m = 0; m < n; ++m) pts.push_back({X(double(m)), Y(v[m])});
        dl->AddPolyline(pts.data(), static_cast<int>(pts.size()), colour, 0, thickness);
    };
    polyline(s.other, IM_COL32(150, 150, 150, 255), 1.5f);
    polyline(s.p50, IM_COL32(0, 114, 178, 255), 2.0f);
    polyline(s.line, IM_COL32(0, 0, 0, 200), 1.0f);
    for (const Step& st : steps) {  // a target: required from its deadline on
        dl->AddLine({X(double(st.month)), Y(st.required)}, {X(double(n - 1)), Y(st.required)}, IM_COL32(213, 94, 0, 255), 2);
        dl->AddCircleFilled({X(double(st.month)), Y(st.required)}, 3, IM_COL32(213, 94, 0, 255));
    }
    // The date axis: a tick at each January, labelled with its year where there is room.
    float last_label = -1e9f;
    for (std::size_t m = 0; m < n && m < months.size(); ++m) {
        if (months[m].month() != 1 && m != 0) continue;
        const float x = X(double(m));
        dl->AddLine({x, Y(0)}, {x, Y(0) + 3}, IM_COL32(90, 90, 90, 255));
        const std::string year = months[m].month() == 1 ? std::to_string(months[m].year()) : months[m].iso().substr(0, 7);
        const float tw = ImGui::CalcTextSize(year.c_str()).x;
        if (x - tw / 2 < last_label + 6 || x + tw / 2 > p0.x + w) continue;
        dl->AddText({std::max(x - tw / 2, p0.x + left - 6), Y(0) + 1}, IM_COL32(90, 90, 90, 255), year.c_str());
        last_label = x + tw / 2;
    }
    dl->AddLine({X(current), p0.y}, {X(current), p0.y + h - bottom}, IM_COL32(0, 0, 0, 120));
    dl->AddRect(p0, {p0.x + w, p0.y + h}, IM_COL32(180, 180, 180, 255));
    dl->PopClipRect();
}

Series series_of(App& app, std::size_t metric, std::size_t row) {
    Series s;
    const Layout& L = app.run->results.layout;
    for (std::size_t m = 0; m < L.months.size(); ++m) {
        const Quantiles q = app.series(*app.run, metric, row, m);
        s.p05.push_back(q.p05);
        s.p50.push_back(q.p50);
        s.p95.push_back(q.p95);
        if (!app.derived.trajectory.series.empty() && app.view.mode != StateMode::probability)
            s.line.push_back(app.derived.trajectory.series[L.series_index(metric, row, m)]);
        if (app.previous && app.previous->results.layout.series_size() == L.series_size())
            s.other.push_back(app.series(*app.previous, metric, row, m).p50);
    }
    return s;
}

std::vector<Step> steps_of(App& app, std::int32_t unit, const std::string& measure) {
    std::vector<Step> steps;
    const Layout& L = app.run->results.layout;
    const auto& targets = app.data->scenario->programme.targets;
    for (const Check& c : L.checks) {
        const auto& t = targets[c.target];
        if (c.unit != unit || to_string(t.measure) != measure) continue;
        auto it = std::lower_bound(L.months.begin(), L.months.end(), c.date);
        if (it != L.months.end()) steps.push_back({static_cast<std::size_t>(it - L.months.begin()), c.required});
    }
    return steps;
}

}  // namespace

void draw_charts_panel(App& app) {
    if (!app.run || !app.data) return;
    const Layout& L = app.run->results.layout;
    const std::int64_t unit = app.view.selected_unit;
    const bool per_unit = unit >= 0 && L.per_unit_series();
    const std::size_t row = per_unit ? static_cast<std::size_t>(unit) : L.all_row();
    const std::string where = per_unit ? app.unit_name(static_cast<std::size_t>(unit)) : tr("City");

    const std::string name = app.series_metric_name();
    if (auto m = app.metric_index(name)) {
        const std::string title = fmt::format("{} · {}", tr(app.data->stations ? "Built over time" : "Bases named"), where);
        band_chart(title.c_str(), series_of(app, *m, row), steps_of(app, per_unit ? static_cast<std::int32_t>(unit) : -1, name),
                   L.months, app.view.month, 150);
    }
    if (!app.data->stations)
        if (auto m = app.metric_index("demo_bases_named")) {
            const std::string title = fmt::format("{} · {}", tr("Named bases against the goal"), tr("demonstration"));
            band_chart(title.c_str(), series_of(app, *m, L.all_row()), steps_of(app, -1, "demo_bases_named"), L.months, app.view.month, 110);
        }

    // Money: median spend per payer and year against the allocation.
    ImGui::Spacing();
    ImGui::TextUnformatted(tr("Budget spent per payer and year"));
    const auto& payers = app.run->results.payers;
    if (ImGui::BeginTable("budget", 2 + L.years,
                          ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_ScrollY | ImGuiTableFlags_ScrollX | ImGuiTableFlags_SizingFixedFit,
                          ImVec2(0, 230))) {
        ImGui::TableSetupScrollFreeze(1, 1);
        ImGui::TableSetupColumn(tr("Payer"));
        for (int y = 0; y < L.years; ++y) ImGui::TableSetupColumn(std::to_string(L.first_year + y).c_str(), ImGuiTableColumnFlags_WidthFixed, 70);
        ImGui::TableSetupColumn(tr("short p50"));
        ImGui::TableHeadersRow();
        for (const auto& p : payers) {
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            const std::string who = app.payer_name(p.id);
            ImGui::TextUnformatted(who.c_str());
            for (int y = 0; y < L.years; ++y) {
                ImGui::TableNextColumn();
                const double alloc = p.allocated_by_year[static_cast<std::size_t>(y)], spent = p.spent_p50_by_year[static_cast<std::size_t>(y)];
                const float f = std::isfinite(alloc) && alloc > 0 ? static_cast<float>(spent / alloc) : 0.0f;
                const std::string label = fmt::format("{:.0f}k", spent / 1000);
                ImGui::PushStyleColor(ImGuiCol_PlotHistogram, f >= 0.999f ? IM_COL32(213, 94, 0, 255) : IM_COL32(0, 114, 178, 255));
                ImGui::ProgressBar(std::isfinite(alloc) ? f : 0.0f, ImVec2(-1, 0), label.c_str());
                ImGui::PopStyleColor();
                if (ImGui::IsItemHovered())
                    ImGui::SetTooltip("%s %s: %s %.0f, %s %s", who.c_str(), std::to_string(L.first_year + y).c_str(), tr("spent (median)"),
                                      spent, tr("allocated"), std::isfinite(alloc) ? fmt::format("{:.0f}", alloc).c_str() : tr("unlimited"));
            }
            ImGui::TableNextColumn();
            ImGui::Text("%.0fk", p.short_cny.p50 / 1000);
        }
        ImGui::EndTable();
    }
}

}  // namespace tisheng::viewer
