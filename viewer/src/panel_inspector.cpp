// [INSPECTOR] Everything about the site or unit under the cursor (tooltip)
// or selected (panel), including what would fix a unit's misses: P(met)
// with each lever relaxed, from the counterfactual re-runs.
#include <fmt/format.h>
#include <imgui.h>

#include "app.hpp"
#include "core/labels.hpp"
#include "tisheng/simulate/counterfactual.hpp"
#include "tisheng/report/report.hpp"
#include "tisheng/results/run.hpp"

namespace tisheng::viewer {
namespace {

void row(const char* label, const std::string& value) {
    ImGui::TextDisabled("%s", tr(label));
    ImGui::SameLine(120);
    ImGui::TextUnformatted(value.c_str());
}

/// The facts about a point, at the date shown.
void point_facts(App& app, const Derived& dv, std::size_t i, bool full) {
    const Dataset& d = *app.data;
    const Sites& s = d.scenario->sites;
    const std::uint32_t idx = d.index[i];
    const Date date = app.month_date(app.view.month);
    auto status = [&] {
        std::string st = dv.point_class.size() > i ? app.class_name(dv.point_class[i]) : "";
        if (app.view.mode == StateMode::probability && !dv.probability.empty())
            st += fmt::format("  (P {:.0f}%)", 100.0 * dv.probability[idx]);
        return st + "  @ " + date.iso();
    };
    switch (d.kind[i]) {
        case PointKind::project: {
            const Project& p = s.projects[idx];
            ImGui::TextUnformatted(p.name.c_str());
            row("Enterprise", p.enterprise);
            row("Unit", app.unit_name(p.unit));
            row("Status", status());
            row("Workers", std::to_string(p.workforce));
            row("Start", p.start.iso());
            row("Planned end", p.planned_end.iso());
            if (full) {
                row("Address", p.address);
                const Results& R = app.run->results;
                for (std::size_t k = 0; k < R.project_deadlines.size(); ++k)
                    row("P(built by)", fmt::format("{}: {:.0f}%", R.project_deadlines[k].iso(), 100.0 * R.project_p_built[k][idx]));
            }
            break;
        }
        case PointKind::station: {
            const CandidateSite& c = s.stations[idx];
            ImGui::TextUnformatted(c.name.c_str());
            row("Kind", std::string(to_string(c.kind)));
            row("Unit", app.unit_name(c.unit));
            row("Status", tr("candidate"));
            if (full) row("Address", c.address);
            break;
        }
        case PointKind::base: {
            const CandidateBase& b = s.bases[idx];
            ImGui::TextUnformatted(b.name.c_str());
            row("Industry", b.industry);
            row("Unit", app.unit_name(b.unit));
            row("Status", status());
            row("Workers", fmt::format("{} trainees/yr", b.annual_trainees));
            if (full) {
                row("Address", b.address);
                const Results& R = app.run->results;
                row("P(built by)", fmt::format("{}: named {:.0f}%, demonstration {:.0f}%", app.run->scenario->run.end.iso(),
                                               100.0 * R.base_p_named[idx], 100.0 * R.base_p_demonstration[idx]));
            }
            break;
        }
        case PointKind::demand: break;
    }
}

void unit_facts(App& app, const Derived& dv, const Run& run, std::size_t u, bool full) {
    ImGui::TextUnformatted(app.unit_name(u).c_str());
    const double value = u < dv.unit_value.size() ? dv.unit_value[u] : std::nan("");
    ImGui::TextDisabled("%s", dv.legend.title.c_str());
    ImGui::SameLine();
    ImGui::TextUnformatted(dv.legend.format(value).c_str());
    const Results& R = run.results;
    const Layout& L = R.layout;
    const auto& targets = app.data->scenario->programme.targets;
    const Scenario& s = *app.data->scenario;
    for (std::size_t c = 0; c < L.checks.size(); ++c) {
        if (L.checks[c].unit != static_cast<std::int32_t>(u)) continue;
        const auto& cr = R.checks[c];
        const Target& t = targets[L.checks[c].target];
        // Shares as percentages, counts as whole numbers.
        const bool share = t.measure == Measure::share_eligible_with_station;
        auto shown = [&](double v) { return share ? format_share(v) : format_count(v); };
        ImGui::Bullet();
        ImGui::TextWrapped("%s %s: %s %s (%s %s, p50 %s)", s.labels.name("target:" + t.id, (chinese() ? "zh" : "en")).c_str(),
                           L.checks[c].date.iso().c_str(), tr("P(target met)"), format_share(cr.p_met).c_str(), tr("Target"),
                           shown(L.checks[c].required).c_str(), shown(cr.value.p50).c_str());
        const Counterfactuals* cf = &run == app.run.get() ? app.fixes() : nullptr;
        const Fix* f = cf ? cf->find(c) : nullptr;
        if (!full || !f || f->rerun == 0) continue;
        ImGui::Indent();
        ImGui::TextDisabled("%s", tr("What would fix it: P(met) with the lever relaxed"));
        for (std::size_t l = 0; l < cf->levers.size(); ++l) {
            const double p = f->p_if(l, cr.p_met);
            ImGui::ProgressBar(static_cast<float>(p), ImVec2(120, 0), format_share(p).c_str());
            ImGui::SameLine();
            ImGui::TextUnformatted(lever_label(s, cf->levers[l], (chinese() ? "zh" : "en")).c_str());
        }
        if (!f->smallest.empty())
            ImGui::TextWrapped("%s: %s (%s)", tr("Smallest set"), lever_set_label(s, *cf, f->smallest, (chinese() ? "zh" : "en")).c_str(),
                               format_share(f->p_smallest(cr.p_met)).c_str());
        ImGui::Unindent();
    }
}

}  // namespace

void draw_tooltip(App& app, const Derived& d, const char* side) {
    if (!app.run) return;
    const Run& run = &d == &app.side_a && app.previous ? *app.previous : *app.run;
    ImGui::BeginTooltip();
    if (side) ImGui::TextDisabled("%s", side);
    if (app.view.hovered_point >= 0) point_facts(app, d, static_cast<std::size_t>(app.view.hovered_point), false);
    else unit_facts(app, d, run, static_cast<std::size_t>(app.view.hovered_unit), false);
    ImGui::EndTooltip();
}

void draw_inspector_panel(App& app) {
    if (!app.run) return;
    if (app.view.selected_point >= 0) point_facts(app, app.derived, static_cast<std::size_t>(app.view.selected_point), true);
    else if (app.view.selected_unit >= 0) unit_facts(app, app.derived, *app.run, static_cast<std::size_t>(app.view.selected_unit), true);
    else ImGui::TextWrapped("%s", tr("Nothing selected: click a unit or a site on the map."));
}

}  // namespace tisheng::viewer
