// [WHAT-IF] The A / B table: every target, at each check date, for the city
// and each unit: P(met) in A, in B and the change, coloured as the map's
// B - A difference; and, where B still misses, what would fix it in B (the
// counterfactual re-runs of the run shown). Then the money each payer spent.
#include <fmt/format.h>
#include <imgui.h>

#include <cmath>

#include "app.hpp"
#include "core/compare.hpp"
#include "core/labels.hpp"
#include "tisheng/simulate/counterfactual.hpp"
#include "tisheng/report/report.hpp"
#include "tisheng/results/run.hpp"

namespace tisheng::viewer {
namespace {

ImVec4 vec4(view::Rgba c) { return {c.r / 255.0f, c.g / 255.0f, c.b / 255.0f, 1.0f}; }

std::string share_or_dash(double p) { return std::isnan(p) ? "–" : format_share(p); }

/// The change in percentage points, coloured as the map's difference legend.
void change_cell(double d) {
    if (std::isnan(d)) {
        ImGui::TextDisabled("–");
        return;
    }
    const double t = 0.5 + std::clamp(d, -1.0, 1.0) / 2;
    const view::Rgba c = view::sample(view::Palette::diverging, std::abs(d) < 0.005 ? 0.5 : t);
    const bool zero = std::abs(d) < 0.005;
    if (zero) ImGui::TextDisabled("0");
    else ImGui::TextColored(vec4({static_cast<std::uint8_t>(c.r * 0.8), static_cast<std::uint8_t>(c.g * 0.8), static_cast<std::uint8_t>(c.b * 0.8), 255}),
                            "%+.0f pp", 100 * d);
}

}  // namespace

void draw_comparison_table(App& app) {
    const Results& A = app.previous->results;
    const Results& B = app.run->results;
    const Scenario& sc = *app.run->scenario;
    const char* lang = chinese() ? "zh" : "en";
    const auto groups = view::compare_targets(A, B);
    const Counterfactuals* cf = app.fixes();

    section(tr("Targets: P(met) in A and B"));
    const bool many = app.data->units.size() > 20;
    static bool only_changes = false;
    static bool first = true;
    if (first) only_changes = many, first = false;
    ImGui::Checkbox(trid("Only rows that change or that B misses").c_str(), &only_changes);
    const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_SizingFixedFit |
                                  ImGuiTableFlags_ScrollX | ImGuiTableFlags_ScrollY;
    if (!ImGui::BeginTable("ab-targets", 5, flags, ImVec2(0, std::min(460.0f, ImGui::GetContentRegionAvail().y * 0.6f)))) return;
    ImGui::TableSetupScrollFreeze(1, 1);
    ImGui::TableSetupColumn(tr("Unit"));
    ImGui::TableSetupColumn("A");
    ImGui::TableSetupColumn("B");
    ImGui::TableSetupColumn("B - A");
    ImGui::TableSetupColumn(tr("What would fix it in B"));
    ImGui::TableHeadersRow();
    for (const auto& g : groups) {
        const Target& t = sc.programme.targets.at(g.target);
        const bool share = t.measure == Measure::share_eligible_with_station;
        // The target: P(every check met), as the report's headline.
        ImGui::TableNextRow(ImGuiTableRowFlags_None);
        ImGui::TableSetBgColor(ImGuiTableBgTarget_RowBg0, IM_COL32(220, 232, 245, 255));
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(sc.labels.name("target:" + t.id, lang).c_str());
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(share_or_dash(g.p_a).c_str());
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(share_or_dash(g.p_b).c_str());
        ImGui::TableNextColumn();
        change_cell(g.p_b - g.p_a);
        ImGui::TableNextColumn();
        ImGui::TextDisabled("%s", tr("P(all met)"));
        Date shown_date;
        for (const auto& r : g.rows) {
            const double d = r.change();
            const bool misses = r.p_b < 0.995;
            if (only_changes && !(std::isnan(d) || std::abs(d) >= 0.005 || (misses && !r.summary))) continue;
            if (r.date != shown_date) {  // the check date, once
                shown_date = r.date;
                ImGui::TableNextRow();
                ImGui::TableNextColumn();
                const std::string when = fmt::format("{} · {} {}", r.date.iso(), tr("Target"),
                                                     r.unit < 0 && !r.summary ? (share ? format_share(r.required) : format_count(r.required))
                                                                              : std::string(tr("per unit")));
                ImGui::TextDisabled("%s", when.c_str());
            }
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            const std::string who = r.unit < 0 ? std::string(tr(r.summary ? "City total" : "City")) : app.unit_name(static_cast<std::size_t>(r.unit));
            const std::string need = share ? format_share(r.required) : format_count(r.required);
            ImGui::Text("  %s%s", who.c_str(), r.summary ? "" : fmt::format(" ≥ {}", need).c_str());
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(share_or_dash(r.p_a).c_str());
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(share_or_dash(r.p_b).c_str());
            ImGui::TableNextColumn();
            change_cell(d);
            ImGui::TableNextColumn();
            const Fix* f = cf && !r.summary ? cf->find(r.check_b) : nullptr;
            if (f && f->rerun > 0 && !f->smallest.empty()) {
                const std::string set = lever_set_label(sc, *cf, f->smallest, lang);
                ImGui::Text("%s → %s", set.c_str(), format_share(f->p_smallest(r.p_b)).c_str());
                if (ImGui::IsItemHovered()) {
                    ImGui::BeginTooltip();
                    ImGui::TextUnformatted(tr("What would fix it: P(met) with the lever relaxed"));
                    for (std::size_t l = 0; l < cf->levers.size(); ++l)
                        ImGui::Text("%s  %s", format_share(f->p_if(l, r.p_b)).c_str(), lever_label(sc, cf->levers[l], lang).c_str());
                    ImGui::EndTooltip();
                }
            } else if (f && f->rerun > 0) {
                ImGui::TextDisabled("%s (%s)", tr("no lever fixes it"), format_share(f->p_all(r.p_b)).c_str());
            } else if (misses && !r.summary && !cf) {
                ImGui::TextDisabled("%s", app.explaining.running() ? tr("Why missed") : "–");
            }
        }
    }
    ImGui::EndTable();

    // Money: what each payer spent (median over the replications).
    section(tr("Spent per payer (median, CNY)"));
    if (ImGui::BeginTable("ab-money", 4, ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_SizingFixedFit)) {
        ImGui::TableSetupColumn(tr("Payer"));
        ImGui::TableSetupColumn("A");
        ImGui::TableSetupColumn("B");
        ImGui::TableSetupColumn("B - A");
        ImGui::TableHeadersRow();
        for (std::size_t p = 0; p < B.payers.size(); ++p) {
            const auto& pb = B.payers[p];
            const auto* pa = p < A.payers.size() && A.payers[p].id == pb.id ? &A.payers[p] : nullptr;
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(app.payer_name(pb.id).c_str());
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(pa ? format_count(pa->spent.p50).c_str() : "–");
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(format_count(pb.spent.p50).c_str());
            ImGui::TableNextColumn();
            if (pa) ImGui::Text("%+.0f", pb.spent.p50 - pa->spent.p50);
        }
        ImGui::EndTable();
    }
}

}  // namespace tisheng::viewer
