// The run's report.html (see report.hpp). Maps are drawn in the region's
// metric CRS. Every share is written by format_share, every count by
// format_count; every id by its display name (Scenario::labels), the id
// itself in small print beside it.
#include "tisheng/report/report.hpp"
#include "tisheng/analysis/sensitivity.hpp"

#include <gdal_priv.h>
#include <cpl_vsi.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <optional>
#include <set>

#include "io/detail/gdal_util.hpp"
#include "core/detail/html.hpp"
#include "tisheng/simulate/counterfactual.hpp"
#include "tisheng/planning/coverage_model.hpp"
#include "tisheng/core/files.hpp"
#include "tisheng/results/run.hpp"
#include "tisheng/core/version.hpp"

namespace fs = std::filesystem;

namespace tisheng {

std::string format_share(double share) { return detail::html::percent(share); }
std::string format_count(double count) { return detail::html::whole(count); }
std::string format_value(Measure m, double v) {
    return m == Measure::share_eligible_with_station ? format_share(v) : format_count(v);
}

CoverageSnapshot coverage_snapshot(const Scenario& s, const Results& r) {
    const Layout& L = r.layout;
    CoverageSnapshot c;
    c.replication = r.median_replication;
    c.date = s.run.end;
    c.radii = L.radii;
    c.radius_unit = L.radius_unit;
    if (L.radii.empty() || L.months.empty()) return c;
    c.headline = L.headline_radius();
    const CoverageModel model(s);
    std::vector<std::uint32_t> open;
    for (std::uint32_t j = 0; j < r.median_open_at_end.size() && j < model.sites.size(); ++j)
        if (r.median_open_at_end[j]) {
            open.push_back(j);
            c.open_sites.push_back(model.sites[j]);
        }
    c.demand = model.demand;
    c.unit = model.demand_unit;
    c.workers = model.workers;
    if (!r.median_workers_at_end.empty()) c.workers.assign(r.median_workers_at_end.begin(), r.median_workers_at_end.end());
    const std::size_t n = c.demand.size(), K = c.radii.size(), U = s.region.units().size();
    // The nearest open site within the largest radius, as coverage counts it
    // (the same pairs, of the point's own industry when match_industry).
    std::vector<float> best(n, std::numeric_limits<float>::infinity());
    if (!open.empty()) {
        const coverage::Reach pairs = model.reach(c.radii.back(), 0, &open);
        for (std::size_t j = 0; j < pairs.sites(); ++j)
            for (std::uint32_t p = pairs.offset[j]; p < pairs.offset[j + 1]; ++p) best[pairs.demand[p]] = std::min(best[pairs.demand[p]], pairs.cost[p]);
    }
    c.radius_class.assign(n, static_cast<std::uint8_t>(K));
    for (std::size_t i = 0; i < n; ++i)
        if (std::isfinite(best[i]))
            c.radius_class[i] = static_cast<std::uint8_t>(std::lower_bound(c.radii.begin(), c.radii.end(), static_cast<double>(best[i])) - c.radii.begin());
    std::vector<double> covered(K, 0), unit_total(U, 0);
    std::vector<std::vector<double>> unit_covered(U, std::vector<double>(K, 0));
    for (std::size_t i = 0; i < n; ++i) {
        const double w = c.workers[i];
        c.total_workers += w;
        unit_total[c.unit[i]] += w;
        for (std::size_t k = c.radius_class[i]; k < K; ++k) {
            covered[k] += w;
            unit_covered[c.unit[i]][k] += w;
        }
    }
    for (std::size_t k = 0; k < K; ++k) c.share.push_back(c.total_workers > 0 ? covered[k] / c.total_workers : 1.0);
    c.share_by_unit.assign(U, std::vector<double>(K, 1.0));
    for (std::size_t u = 0; u < U; ++u)
        for (std::size_t k = 0; k < K; ++k)
            if (unit_total[u] > 0) c.share_by_unit[u][k] = unit_covered[u][k] / unit_total[u];
    c.simulated_share = r.median_covered_at_end;
    return c;
}

namespace {

using namespace detail::html;

std::string fmt(const char* f, double a, double b = 0, double c = 0, double d = 0) {
    char buf[160];
    std::snprintf(buf, sizeof buf, f, a, b, c, d);
    return buf;
}

// ---- names and numbers --------------------------------------------------------------

/// A display name (zh, with en beside it when it differs) and the id in small print.
std::string named(const std::string& zh, const std::string& en, const std::string& id) {
    std::string h = esc(zh);
    if (!en.empty() && en != zh) h += " <span class=\"en\">" + esc(en) + "</span>";
    if (!id.empty() && id != zh && id != en) h += " <span class=\"id\">" + esc(id) + "</span>";
    return h;
}

std::string target_html(const Scenario& s, const Target& t) {
    return named(s.labels.name("target:" + t.id, "zh"), s.labels.name("target:" + t.id, "en"), t.id);
}

std::string measure_html(const Scenario& s, Measure m) {
    const std::string key = "measure:" + to_string(m);
    return named(s.labels.name(key, "zh"), s.labels.name(key, "en"), "");
}

/// A payer (Results::payers[p]): the scenario's labels, else its name.
std::string payer_html(const Scenario& s, std::size_t p, const std::string& id) {
    const auto& payer = s.budgets.payers[p];
    const std::string base = id.substr(0, id.find(':'));
    for (const std::string& key : {"payer:" + id, "payer:" + base})
        if (s.labels.names.count(key)) {
            std::string zh = s.labels.name(key, "zh"), en = s.labels.name(key, "en");
            if (key != "payer:" + id && !payer.unit.empty()) {  // a county's own: the label, then the county
                const auto u = s.region.find(payer.unit);
                if (u) {
                    zh = s.region.unit(*u).name + zh;
                    en = s.region.unit(*u).name_en + " " + en;
                }
            }
            return named(zh, en, id);
        }
    return named(payer.name.empty() ? id : payer.name, "", id);
}
std::string payer_text(const Scenario& s, std::size_t p, const std::string& id) {
    const auto& payer = s.budgets.payers[p];
    if (s.labels.names.count("payer:" + id)) return s.labels.name("payer:" + id, "zh");
    return payer.name.empty() ? id : payer.name;
}

std::string lever_html(const Scenario& s, const Lever& l) { return named(lever_label(s, l, "zh"), lever_label(s, l, "en"), l.id); }

std::string unit_html(const Scenario& s, std::int32_t u) {
    if (u < 0) return esc(s.region.name()) + " 全市 <span class=\"en\">city</span>";
    const Unit& x = s.region.unit(static_cast<UnitIndex>(u));
    return named(x.name, x.name_en, "");
}

/// "p50 [p05–p95]" in the measure's kind.
std::string range_text(Measure m, const Quantiles& q) {
    return format_value(m, q.p50) + " [" + format_value(m, q.p05) + "–" + format_value(m, q.p95) + "]";
}
std::string count_range(const Quantiles& q) { return format_count(q.p50) + " [" + format_count(q.p05) + "–" + format_count(q.p95) + "]"; }

/// A month as "2025-06"; `never` as "not by <end>".
std::string month_text(std::int32_t days, Date end) {
    if (days == never) return "至 " + end.iso() + " 未达到 <span class=\"en\">not by " + end.iso() + "</span>";
    return Date::from_days(days).iso().substr(0, 7);
}

std::string status_label(double p) {
    if (p >= 0.9) return "<span class=\"ok\">很可能达标 likely met</span>";
    if (p >= 0.5) return "存疑 uncertain";
    return "<span class=\"miss\">很可能未达标 likely missed</span>";
}

/// A table cell showing a probability on the report's ramp.
std::string p_cell(double p) {
    if (!std::isfinite(p)) return "<td class=\"n\">–</td>";
    return "<td class=\"n\" style=\"background:" + ramp(p) + (p < 0.55 ? ";color:#fff" : "") + "\">" + format_share(p) + "</td>";
}

/// The index of the first month end on or after `d` (the last one if none).
std::size_t month_of(const Layout& L, Date d) {
    for (std::size_t m = 0; m < L.months.size(); ++m)
        if (L.months[m] >= d) return m;
    return L.months.empty() ? 0 : L.months.size() - 1;
}

/// The distinct check dates of target `t`, in order.
std::vector<Date> check_dates(const Layout& L, std::size_t t) {
    std::vector<Date> out;
    for (const Check& c : L.checks)
        if (c.target == t && std::find(out.begin(), out.end(), c.date) == out.end()) out.push_back(c.date);
    std::sort(out.begin(), out.end());
    return out;
}

/// The check of target `t` for unit `u` at `d`, or checks.size().
std::size_t find_check(const Layout& L, std::size_t t, std::int32_t u, Date d) {
    for (std::size_t k = 0; k < L.checks.size(); ++k)
        if (L.checks[k].target == t && L.checks[k].unit == u && L.checks[k].date == d) return k;
    return L.checks.size();
}

// ---- maps ---------------------------------------------------------------------------

/// The units in the region's metric CRS, fitted into a `width`-pixel box.
class MapFrame {
public:
    MapFrame(const Region& region, double width) : m_width(width) {
        for (const auto& u : region.units()) {
            std::vector<std::vector<MetricPoint>> rings;
            for (const auto& poly : u.geometry) {
                for (std::size_t r = 0; r <= poly.holes.size(); ++r) {
                    const auto& ring = r == 0 ? poly.outer : poly.holes[r - 1];
                    std::vector<MetricPoint> pts(ring.size());
                    region.crs().forward(ring.begin(), ring.end(), pts.begin());
                    for (const auto& p : pts) extend(p);
                    rings.push_back(std::move(pts));
                }
            }
            m_units.push_back(std::move(rings));
            m_labels.push_back(region.crs().forward(u.label));
        }
        const double w = m_max.x - m_min.x, h = m_max.y - m_min.y;
        m_scale = w > 0 ? (width - 2 * pad) / w : 1;
        m_height = h * m_scale + 2 * pad;
    }
    [[nodiscard]] double x(double mx) const { return pad + (mx - m_min.x) * m_scale; }
    [[nodiscard]] double y(double my) const { return pad + (m_max.y - my) * m_scale; }
    [[nodiscard]] double height() const { return m_height; }
    [[nodiscard]] std::string open(const std::string& cls = "") const {
        return fmt("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\"", m_width, m_height,
                   m_width, m_height) +
               (cls.empty() ? "" : " class=\"" + cls + "\"") + ">";
    }
    /// The unit's outline as one path (holes by the even-odd rule).
    [[nodiscard]] std::string path(std::size_t u, const std::string& fill, const std::string& stroke = "#ffffff") const {
        std::string d;
        char buf[48];
        for (const auto& ring : m_units[u]) {
            // Vertices closer than half a pixel to the last one drawn add
            // nothing to the picture (a national map's units have many).
            double lx = 0, ly = 0;
            for (std::size_t i = 0; i < ring.size(); ++i) {
                const double px = x(ring[i].x), py = y(ring[i].y);
                if (i > 0 && i + 1 < ring.size() && std::abs(px - lx) < 0.5 && std::abs(py - ly) < 0.5) continue;
                std::snprintf(buf, sizeof buf, "%c%.1f %.1f", i == 0 ? 'M' : 'L', px, py);
                d += buf;
                lx = px;
                ly = py;
            }
            d += "Z";
        }
        return "<path d=\"" + d + "\" fill=\"" + fill + "\" fill-rule=\"evenodd\" stroke=\"" + stroke + "\" stroke-width=\"1\"/>";
    }
    /// The unit's name at its label point, and a second line below it.
    [[nodiscard]] std::string label(std::size_t u, const std::string& text, const std::string& line2 = "") const {
        if (m_labels.size() > max_labels) return {};  // unreadable at this size: the tables name them
        const auto p = m_labels[u];
        const char* halo = "fill=\"#111\" stroke=\"#fff\" stroke-width=\"2.5\" paint-order=\"stroke\"";
        std::string out = fmt("<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" text-anchor=\"middle\" ", x(p.x), y(p.y)) + halo + ">" + esc(text) + "</text>";
        if (!line2.empty())
            out += fmt("<text x=\"%.1f\" y=\"%.1f\" font-size=\"8.5\" text-anchor=\"middle\" ", x(p.x), y(p.y) + 10) + halo + ">" + esc(line2) +
                   "</text>";
        return out;
    }

    [[nodiscard]] MetricPoint min() const { return m_min; }
    [[nodiscard]] MetricPoint max() const { return m_max; }

    static constexpr std::size_t max_labels = 60;

private:
    static constexpr double pad = 6;
    void extend(MetricPoint p) {
        m_min = {std::min(m_min.x, p.x), std::min(m_min.y, p.y)};
        m_max = {std::max(m_max.x, p.x), std::max(m_max.y, p.y)};
    }
    double m_width, m_height = 0, m_scale = 1;
    MetricPoint m_min{1e300, 1e300}, m_max{-1e300, -1e300};
    std::vector<std::vector<std::vector<MetricPoint>>> m_units;
    std::vector<MetricPoint> m_labels;
};

/// A legend: swatches (ramp position, text).
std::string legend(const std::string& title, const std::vector<std::pair<std::string, std::string>>& swatches) {
    std::string s = "<span class=\"legend\">" + title;
    for (const auto& [colour, text] : swatches) s += "<span class=\"sw\" style=\"background:" + colour + "\"></span>" + text;
    return s + "</span>";
}

/// One map: units filled (`fill`: a ramp position in [0, 1], NaN: no value),
/// labelled with their name and `line2`; the sites on top, white where
/// their probability is at least 0.5.
std::string unit_map(const Scenario& s, const MapFrame& f, const std::vector<double>& fill, const std::vector<std::string>& line2,
                     const std::vector<std::pair<LonLat, double>>& sites, std::size_t max_drawn_points) {
    std::string svg = f.open();
    const auto& units = s.region.units();
    for (std::size_t u = 0; u < units.size(); ++u) svg += f.path(u, std::isfinite(fill[u]) ? ramp(fill[u]) : "#dddddd");
    if (sites.size() <= max_drawn_points) for (const auto& [pos, p] : sites) {
        const MetricPoint m = s.region.crs().forward(pos);
        char buf[128];
        if (p >= 0.5)
            std::snprintf(buf, sizeof buf, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"1.4\" fill=\"#ffffff\" stroke=\"#222\" stroke-width=\"0.3\"/>", f.x(m.x),
                          f.y(m.y));
        else
            std::snprintf(buf, sizeof buf, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"1\" fill=\"#111111\" fill-opacity=\"0.45\"/>", f.x(m.x), f.y(m.y));
        svg += buf;
    }
    for (std::size_t u = 0; u < units.size(); ++u) svg += f.label(u, units[u].name, line2[u]);
    return svg + "</svg>";
}

/// The median against the requirement on the ramp: the dark half below the
/// requirement (0 .. 1x), the light half above it (1x .. `hi`x).
double ratio_position(double ratio, double hi) {
    if (!std::isfinite(ratio)) return std::numeric_limits<double>::quiet_NaN();
    if (ratio <= 1) return 0.5 * std::max(0.0, ratio);
    return hi > 1 ? 0.5 + 0.5 * std::min(1.0, (ratio - 1) / (hi - 1)) : 0.5;
}

std::string times(double ratio) { return num(ratio, 2) + "×"; }

/// RGBA pixels as a base64 PNG.
std::optional<std::string> png_base64(const std::vector<std::uint8_t>& rgba, int W, int H) {
    detail::ensure_gdal();
    GDALDriver* mem = GetGDALDriverManager()->GetDriverByName("MEM");
    GDALDriver* png = GetGDALDriverManager()->GetDriverByName("PNG");
    if (!mem || !png) return std::nullopt;
    detail::DatasetPtr img(mem->Create("", W, H, 4, GDT_Byte, nullptr));
    if (!img) return std::nullopt;
    for (int b = 0; b < 4; ++b)
        if (img->GetRasterBand(b + 1)->RasterIO(GF_Write, 0, 0, W, H, const_cast<std::uint8_t*>(rgba.data()) + b, W, H, GDT_Byte, 4, 4 * W) !=
            CE_None)
            return std::nullopt;
    const std::string vsi = "/vsimem/tisheng-report-" + std::to_string(reinterpret_cast<std::uintptr_t>(&rgba)) + ".png";
    if (!detail::DatasetPtr(png->CreateCopy(vsi.c_str(), img.get(), FALSE, nullptr, nullptr, nullptr))) return std::nullopt;  // written at close
    vsi_l_offset size = 0;
    GByte* bytes = VSIGetMemFileBuffer(vsi.c_str(), &size, FALSE);
    std::string b64 = bytes ? base64(std::string_view(reinterpret_cast<const char*>(bytes), size)) : std::string();
    VSIUnlink(vsi.c_str());
    if (b64.empty()) return std::nullopt;
    return b64;
}

constexpr const char* reach_tint = "#d6e0f0";

/// The coverage snapshot as a map: the area within the headline radius of
/// an open site shaded (Euclidean distances to any site only), the demand
/// points with workers at the date coloured by the radius that reaches
/// them, the open sites, and each unit's share within the headline radius.
std::string coverage_svg(const Scenario& s, const MapFrame& f, const CoverageSnapshot& c, bool tinted, std::size_t max_drawn_points) {
    const auto& units = s.region.units();
    const std::size_t K = c.radii.size();
    std::string svg = f.open("coverage");
    for (std::size_t u = 0; u < units.size(); ++u) svg += f.path(u, "#f4f4f6", "none");
    if (tinted) {
        // A coarse grid (about 480 cells across) of the distance to the nearest open site.
        const double extent = std::max(f.max().x - f.min().x, f.max().y - f.min().y);
        const double cell = std::max(s.coverage.cell_m, extent / 480);
        const coverage::Grid grid = coverage::region_grid(s.region, cell, "coverage.cell_m");
        const std::vector<std::uint8_t> mask = coverage::region_mask(s.region, grid);
        const std::vector<float> d = coverage::distance_surface(grid, c.open_sites, 0);
        const int W = static_cast<int>(grid.width), H = static_cast<int>(grid.height);
        std::vector<std::uint8_t> rgba(static_cast<std::size_t>(W) * static_cast<std::size_t>(H) * 4, 0);
        const std::uint8_t tint[3] = {0xd6, 0xe0, 0xf0};
        for (std::size_t i = 0; i < d.size(); ++i)
            if (mask[i] && d[i] <= c.radii[c.headline]) {
                std::copy(tint, tint + 3, rgba.begin() + static_cast<std::ptrdiff_t>(4 * i));
                rgba[4 * i + 3] = 255;
            }
        if (const auto b64 = png_base64(rgba, W, H)) {
            const double x0 = f.x(grid.x0), y0 = f.y(grid.y0), x1 = f.x(grid.x0 + grid.cell * W), y1 = f.y(grid.y0 - grid.cell * H);
            svg += fmt("<image x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" preserveAspectRatio=\"none\" ", x0, y0, x1 - x0, y1 - y0) +
                   "href=\"data:image/png;base64," + *b64 + "\"/>";
        }
    }
    for (std::size_t u = 0; u < units.size(); ++u) svg += f.path(u, "none", "#555555");
    // Demand points: the covered first, the farthest on top.
    double wmax = 0;
    std::size_t shown = 0;
    for (double w : c.workers) {
        wmax = std::max(wmax, w);
        shown += w > 0;
    }
    const double r0 = shown > 2000 ? 0.6 : 0.9, r1 = shown > 2000 ? 1.1 : 1.6;
    if (shown > max_drawn_points) {
        // Too many to draw one by one: each cell of a ~2-pixel grid takes
        // the colour of the radius class that holds most of its workers.
        const double px = 2;
        const int W = static_cast<int>(std::ceil(f.x(f.max().x) / px)) + 2, H = static_cast<int>(std::ceil(f.height() / px)) + 2;
        std::vector<double> by_class(static_cast<std::size_t>(W) * static_cast<std::size_t>(H) * (K + 1), 0.0);
        for (std::size_t i = 0; i < c.demand.size(); ++i) {
            if (!(c.workers[i] > 0)) continue;
            const int cx = std::clamp(static_cast<int>(f.x(c.demand[i].x) / px), 0, W - 1), cy = std::clamp(static_cast<int>(f.y(c.demand[i].y) / px), 0, H - 1);
            by_class[(static_cast<std::size_t>(cy) * static_cast<std::size_t>(W) + static_cast<std::size_t>(cx)) * (K + 1) + c.radius_class[i]] += c.workers[i];
        }
        std::vector<std::uint8_t> rgba(static_cast<std::size_t>(W) * static_cast<std::size_t>(H) * 4, 0);
        for (std::size_t cell = 0; cell < static_cast<std::size_t>(W) * static_cast<std::size_t>(H); ++cell) {
            const double* w = &by_class[cell * (K + 1)];
            const std::size_t k = static_cast<std::size_t>(std::max_element(w, w + K + 1) - w);
            if (!(w[k] > 0)) continue;
            const std::string hex = ramp(1.0 - static_cast<double>(k) / static_cast<double>(std::max<std::size_t>(1, K)));
            for (int b = 0; b < 3; ++b) rgba[4 * cell + static_cast<std::size_t>(b)] = static_cast<std::uint8_t>(std::stoi(hex.substr(1 + 2 * static_cast<std::size_t>(b), 2), nullptr, 16));
            rgba[4 * cell + 3] = 255;
        }
        if (const auto b64 = png_base64(rgba, W, H))
            svg += fmt("<image class=\"demand-raster\" x=\"0\" y=\"0\" width=\"%.1f\" height=\"%.1f\" preserveAspectRatio=\"none\" ", W * px, H * px) +
                   "href=\"data:image/png;base64," + *b64 + "\"/>";
    } else for (std::size_t k = 0; k <= K; ++k) {
        svg += "<g class=\"radius-" + std::to_string(k) + "\" fill=\"" + ramp(1.0 - static_cast<double>(k) / static_cast<double>(std::max<std::size_t>(1, K))) +
               (shown > 2000 ? "\">" : "\" stroke=\"#333\" stroke-width=\"0.3\">");
        for (std::size_t i = 0; i < c.demand.size(); ++i) {
            if (c.radius_class[i] != k || !(c.workers[i] > 0)) continue;
            svg += fmt("<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\"/>", f.x(c.demand[i].x), f.y(c.demand[i].y), r0 + r1 * std::sqrt(c.workers[i] / wmax));
        }
        svg += "</g>";
    }
    svg += "<g class=\"sites\" fill=\"#000\">";
    const bool stations = s.programme.kind == ProgrammeKind::stations;
    if (c.open_sites.size() <= max_drawn_points) for (const auto& p : c.open_sites) {
        if (stations) svg += fmt("<circle cx=\"%.1f\" cy=\"%.1f\" r=\"0.7\"/>", f.x(p.x), f.y(p.y));
        else svg += fmt("<path d=\"M%.1f %.1fl2.6 2.6l-2.6 2.6l-2.6 -2.6z\" stroke=\"#fff\" stroke-width=\"0.6\"/>", f.x(p.x), f.y(p.y) - 2.6);
    }
    svg += "</g>";
    for (std::size_t u = 0; u < units.size(); ++u)
        svg += f.label(u, units[u].name, u < c.share_by_unit.size() ? format_share(c.share_by_unit[u][c.headline]) : "");
    return svg + "</svg>";
}

std::string radius_text(double r, const std::string& unit) { return num(r) + " " + unit; }

// ---- charts -------------------------------------------------------------------------

/// A unit's (or the city's) count over time: p05-p95 band, median, target steps.
std::string progress_chart(const Results& r, std::size_t metric, std::size_t row, const std::vector<std::pair<Date, double>>& steps,
                           const std::string& title) {
    const Layout& L = r.layout;
    Frame f;
    f.w = 300;
    f.h = 180;
    f.top = 22;
    f.x0 = L.months.front().days();
    f.x1 = L.months.back().days();
    double top = 1;
    for (std::size_t m = 0; m < L.months.size(); ++m) top = std::max(top, r.series[L.series_index(metric, row, m)].p95);
    for (const auto& st : steps) top = std::max(top, st.second);
    const auto yt = ticks(0, top * 1.05);
    f.y1 = std::max(yt.back(), top * 1.05);
    std::vector<std::pair<double, double>> band, median;
    for (std::size_t m = 0; m < L.months.size(); ++m) band.emplace_back(f.x(L.months[m].days()), f.y(r.series[L.series_index(metric, row, m)].p95));
    for (std::size_t m = L.months.size(); m-- > 0;) band.emplace_back(f.x(L.months[m].days()), f.y(r.series[L.series_index(metric, row, m)].p05));
    for (std::size_t m = 0; m < L.months.size(); ++m) median.emplace_back(f.x(L.months[m].days()), f.y(r.series[L.series_index(metric, row, m)].p50));
    std::string svg = f.open(yt);
    svg += "<polygon points=\"" + points(band) + "\" fill=\"#21918c\" fill-opacity=\"0.25\" stroke=\"none\"/>";
    svg += "<polyline points=\"" + points(median) + "\" fill=\"none\" stroke=\"#3b528b\" stroke-width=\"1.8\"/>";
    for (const auto& [d, req] : steps) {
        const double x = f.x(d.days()), y = f.y(req);
        svg += fmt("<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#b3261e\" stroke-width=\"1.5\"/>", x - 14, x, y, y);
        svg += fmt("<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"#b3261e\"/>", x, y);
    }
    for (int year = L.months.front().year() + 1; year <= L.months.back().year(); ++year) {
        const double x = f.x(Date::from_ymd(year, 1, 1).days());
        svg += fmt("<text x=\"%.1f\" y=\"%.1f\" font-size=\"9\" text-anchor=\"middle\" fill=\"#555\">%.0f</text>", x, f.h - 10, year);
    }
    svg += "<text x=\"" + num(f.left) + "\" y=\"12\" font-size=\"10\" font-weight=\"bold\">" + esc(title) + "</text>";
    return svg + "</svg>";
}

/// Spent (median) against allocated, per year, as paired bars.
std::string money_chart(const Results::PayerResult& p, const Layout& L, const std::string& title) {
    Frame f;
    f.w = 300;
    f.h = 160;
    f.top = 22;
    const std::size_t Y = p.allocated_by_year.size();
    double top = 1;
    for (std::size_t y = 0; y < Y; ++y) {
        if (std::isfinite(p.allocated_by_year[y])) top = std::max(top, p.allocated_by_year[y]);
        top = std::max(top, p.spent_p50_by_year[y]);
    }
    const auto yt = ticks(0, top * 1.05);
    f.y1 = std::max(yt.back(), top * 1.05);
    f.x0 = 0;
    f.x1 = static_cast<double>(Y);
    std::string svg = f.open(yt);
    const double bw = (f.w - f.left - f.right) / std::max<std::size_t>(1, Y) / 2.6;
    for (std::size_t y = 0; y < Y; ++y) {
        const double x = f.x(static_cast<double>(y) + 0.5);
        if (std::isfinite(p.allocated_by_year[y]))
            svg += fmt("<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#c8cbe0\"/>", x - bw, f.y(p.allocated_by_year[y]), bw,
                       f.y(0) - f.y(p.allocated_by_year[y]));
        svg += fmt("<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#3b528b\"/>", x, f.y(p.spent_p50_by_year[y]), bw,
                   f.y(0) - f.y(p.spent_p50_by_year[y]));
        svg += fmt("<text x=\"%.1f\" y=\"%.1f\" font-size=\"9\" text-anchor=\"middle\" fill=\"#555\">%.0f</text>", x, f.h - 10, L.first_year + static_cast<double>(y));
    }
    svg += "<text x=\"" + num(f.left) + "\" y=\"12\" font-size=\"10\" font-weight=\"bold\">" + esc(title) + "</text>";
    return svg + "</svg>";
}

// ---- sections -----------------------------------------------------------------------

/// Units a target's table lists one by one; beyond it, the weakest.
constexpr std::size_t max_table_units = 60, weakest_units = 30;

/// The rows of a target's table: its units in order, then the city (-1).
/// With more than max_table_units units, only the `weakest_units` with the
/// lowest P(met) at any of the target's dates (the lower index on ties),
/// then the city; `left_out` counts the others.
std::vector<std::int32_t> table_rows(const Layout& L, const Results& r, std::size_t t, std::size_t& left_out) {
    std::vector<std::int32_t> units;
    std::map<std::int32_t, double> lowest;
    bool city = false;
    for (std::size_t k = 0; k < L.checks.size(); ++k) {
        const Check& c = L.checks[k];
        if (c.target != t) continue;
        if (c.unit < 0) {
            city = true;
            continue;
        }
        auto [it, added] = lowest.emplace(c.unit, r.checks[k].p_met);
        if (added) units.push_back(c.unit);
        else it->second = std::min(it->second, r.checks[k].p_met);
    }
    left_out = 0;
    if (units.size() > max_table_units) {
        std::stable_sort(units.begin(), units.end(), [&](std::int32_t a, std::int32_t b) { return lowest[a] < lowest[b]; });
        left_out = units.size() - weakest_units;
        units.resize(weakest_units);
    }
    if (city) units.push_back(-1);
    return units;
}

std::string left_out_row(std::size_t left_out, int columns) {
    if (left_out == 0) return {};
    return "<tr><td colspan=\"" + std::to_string(columns) + "\" class=\"note\">另有 " + format_count(static_cast<double>(left_out)) +
           " 个单位 P(达标) 更高，未逐一列出；全部见 run.json 与 map.gpkg <span class=\"en\">" + format_count(static_cast<double>(left_out)) +
           " more units, each with a higher P(met), are not listed here: run.json and map.gpkg's units layer have every one</span></td></tr>";
}

/// A dated target: per unit (or the city) the requirement, P(met), the
/// measure at the deadline and a verdict.
std::string dated_target_table(const Scenario& s, const Results& r, std::size_t t) {
    const Layout& L = r.layout;
    const Target& tg = s.programme.targets[t];
    std::string h = "<table><tr><th>单位 Unit</th><th>要求 Required</th><th>P(达标 met)</th><th>中位数 Median [p05–p95]</th>"
                    "<th>首次达到 First reached (p50)</th><th>判断 Verdict</th></tr>";
    std::size_t left_out = 0;
    const auto rows = table_rows(L, r, t, left_out);
    for (std::int32_t u : rows) {
        if (u < 0) h += left_out_row(left_out, 6);
        const auto dates = check_dates(L, t);
        const std::size_t k = dates.empty() ? L.checks.size() : find_check(L, t, u, dates.front());
        if (k >= L.checks.size()) continue;
        const Check& c = L.checks[k];
        const auto& cr = r.checks[k];
        h += "<tr><td>" + unit_html(s, c.unit) + "</td><td class=\"n\">" + format_value(tg.measure, c.required) + "</td>" + p_cell(cr.p_met) +
             "<td class=\"n\">" + range_text(tg.measure, cr.value) + "</td><td class=\"n\">" + month_text(cr.first_met_p50, s.run.end) + "</td><td>" +
             status_label(cr.p_met) + "</td></tr>";
    }
    return h + "</table>";
}

/// A recurring target: per unit and the city, at each check date, P(met),
/// the measure, what is missing; the first month reaching the requirement;
/// and the structural ceiling (every lever relaxed).
std::string recurring_target_table(const Scenario& s, const Results& r, std::size_t t) {
    const Layout& L = r.layout;
    const Target& tg = s.programme.targets[t];
    const auto dates = check_dates(L, t);
    const bool share = tg.measure == Measure::share_eligible_with_station;
    std::size_t left_out = 0;
    const auto rows = table_rows(L, r, t, left_out);  // units of the target's checks, then the city
    const std::string thr = format_value(tg.measure, tg.required_default);
    const std::string missing_head = share ? "未建站的到期项目 Due projects without a station" : "差额 Short of the requirement";
    std::string h = "<table><tr><th>单位 Unit</th><th>首次达到要求 First month reaching it<br><span class=\"en\">p50 (p05–p95)</span></th>"
                    "<th>检查日 Date</th><th>P(达标 met)</th><th>" + measure_html(s, tg.measure) + "<br><span class=\"en\">p50 [p05–p95]</span></th><th>" +
                    missing_head + "<br><span class=\"en\">p50 [p05–p95]</span></th></tr>";
    for (std::int32_t u : rows) {
        if (u < 0) h += left_out_row(left_out, 6);
        bool first = true;
        for (const Date& d : dates) {
            const std::size_t k = find_check(L, t, u, d);
            h += "<tr>";
            if (first) {
                std::string reach = "–", every;
                if (k < L.checks.size()) {
                    const auto& cr = r.checks[k];
                    reach = month_text(cr.first_met_p50, s.run.end);
                    if (cr.first_met_p50 != never || cr.first_met_p05 != never)
                        reach += " <span class=\"en\">(" + (cr.first_met_p05 == never ? std::string("–") : Date::from_days(cr.first_met_p05).iso().substr(0, 7)) +
                                 "–" + (cr.first_met_p95 == never ? "not by " + s.run.end.iso() : Date::from_days(cr.first_met_p95).iso().substr(0, 7)) + ")</span>";
                    every = "<br><span class=\"en\">P(每次均达标 met at every date) " + format_share(p_met_all_dates(r, k)) + "</span>";
                }
                const std::string span = " rowspan=\"" + std::to_string(dates.size()) + "\"";
                h += "<td" + span + ">" + unit_html(s, u) + every + "</td><td" + span + ">" + reach + "</td>";
                first = false;
            }
            h += "<td class=\"date\">" + d.iso() + "</td>";
            if (k < L.checks.size()) {
                const auto& cr = r.checks[k];
                h += p_cell(cr.p_met) + "<td class=\"n\">" + range_text(tg.measure, cr.value) + "</td><td class=\"n\">" + count_range(cr.missing) + "</td>";
            }
            h += "</tr>";
        }
    }
    h += "</table>";
    h += "<p class=\"note\">要求 Required: " + thr + (share ? " 的到期在建合格项目已建站 of the due eligible projects have a built station" : "") +
         "; 检查日 checked at " + [&] {
             std::string ds;
             for (const Date& d : dates) ds += (ds.empty() ? "" : ", ") + d.iso();
             return ds;
         }() + (tg.grace_days > 0 ? "; 项目开工 " + std::to_string(tg.grace_days) + " 天后到期 a project is due " + std::to_string(tg.grace_days) +
                                        " days after it starts" : "") + ".</p>";
    // The structural ceiling: every lever relaxed, in the re-run misses.
    if (r.fixes) {
        std::string lines;
        for (const Date& d : dates) {
            double lo = std::numeric_limits<double>::infinity(), hi = -lo;
            std::int32_t worst = -2;
            for (std::size_t k = 0; k < L.checks.size(); ++k) {
                if (L.checks[k].target != t || L.checks[k].date != d) continue;
                const Fix* f = r.fixes->find(k);
                if (!f || f->rerun == 0) continue;
                if (f->all_value.p50 < lo) worst = L.checks[k].unit;
                lo = std::min(lo, f->all_value.p50);
                hi = std::max(hi, f->all_value.p50);
            }
            if (worst == -2) continue;
            lines += "<li>" + d.iso() + ": " + (share ? "到期项目可建站比例 " : "") + format_value(tg.measure, lo) +
                     (hi > lo ? "–" + format_value(tg.measure, hi) : std::string()) + " <span class=\"en\">(" + (share ? "of due projects served, " : "") +
                     "p50; lowest: " + esc(worst < 0 ? s.region.name() : s.region.unit(static_cast<UnitIndex>(worst)).name) + ")</span></li>";
        }
        if (!lines.empty())
            h += "<p><b>结构上限 Structural ceiling</b>: 即使放开所有杠杆 <span class=\"en\">even with every lever relaxed (re-runs of the missed "
                 "replications), " + std::string(share ? "this share of due projects can be served by the date" : "the measure by the date") +
                 "</span>:</p><ul class=\"note\">" + lines + "</ul>";
    }
    return h;
}

/// Why missed and what would fix it: per target and date, the checks missed
/// at least once (weakest first), P(met) with each lever relaxed, the
/// smallest set of levers, every lever.
std::string fixes_section(const Scenario& s, const Results& r) {
    const Layout& L = r.layout;
    std::string h = "<h2>为何未达标 · 如何补救 <span class=\"en\">Why targets are missed, and what would fix them</span></h2>\n";
    if (!r.fixes) {
        return h + "<p>未计算（--no-explain） <span class=\"en\">Not computed (--no-explain).</span></p>\n";
    }
    const Counterfactuals& cf = *r.fixes;
    if (cf.fixes.empty()) return h + "<p>每次重复均达标 <span class=\"en\">Every check was met in every replication.</span></p>\n";
    h += "<p class=\"note\">方法 Method: 每个未达标的重复（至多 " + std::to_string(cf.sample) +
         " 个，均匀抽取）在同一随机数流下放开一个杠杆重新运行，差别即为该杠杆本身的作用。 <span class=\"en\">Each replication that missed a check (" +
         std::to_string(cf.sample) + " of them, evenly spaced over the misses) is run again with one lever relaxed and every random stream the "
         "same (draws are keyed by replication, site and purpose), so a difference is that lever's effect alone. P(met | lever) = P(met) + "
         "(1 − P(met)) × the share of the re-run misses then met. The smallest set is the fewest levers fixing at least " +
         format_share(cf.fix_share) + " of the re-run misses (" + std::to_string(cf.sets_run) + " sets tried, at most " + std::to_string(cf.max_sets) +
         "); “search capped” where the cap stopped the search before a smaller set was found.</span></p>\n";
    for (std::size_t t = 0; t < s.programme.targets.size(); ++t) {
        const Target& tg = s.programme.targets[t];
        for (const Date& d : check_dates(L, t)) {
            std::vector<std::pair<std::size_t, const Fix*>> cols;  // (check, fix), weakest first
            for (std::size_t k = 0; k < L.checks.size(); ++k)
                if (L.checks[k].target == t && L.checks[k].date == d)
                    if (const Fix* f = cf.find(k)) cols.emplace_back(k, f);
            if (cols.empty()) continue;
            std::stable_sort(cols.begin(), cols.end(), [&](const auto& a, const auto& b) { return r.checks[a.first].p_met < r.checks[b.first].p_met; });
            h += "<section><h3>" + target_html(s, tg) + " · " + d.iso() + "</h3><table class=\"fix\" data-target=\"" + esc(tg.id) + "\" data-date=\"" +
                 d.iso() + "\"><tr><th></th>";
            for (const auto& [k, f] : cols)
                h += "<th data-unit=\"" + esc(L.checks[k].unit < 0 ? std::string("all") : s.region.unit(static_cast<UnitIndex>(L.checks[k].unit)).id) + "\">" +
                     unit_html(s, L.checks[k].unit) + "</th>";
            h += "</tr><tr><td>P(达标 met)</td>";
            for (const auto& [k, f] : cols) h += p_cell(r.checks[k].p_met);
            h += "</tr><tr><td>重跑的未达标重复 <span class=\"en\">misses re-run / missed</span></td>";
            for (const auto& [k, f] : cols) h += "<td class=\"n\">" + std::to_string(f->rerun) + " / " + std::to_string(f->missed) + "</td>";
            h += "</tr>";
            for (std::size_t l = 0; l < cf.levers.size(); ++l) {
                h += "<tr data-lever=\"" + esc(cf.levers[l].id) + "\"><td>P(met | " + lever_html(s, cf.levers[l]) + ")</td>";
                for (const auto& [k, f] : cols) h += f->rerun > 0 ? p_cell(f->p_if(l, r.checks[k].p_met)) : "<td class=\"n\">–</td>";
                h += "</tr>";
            }
            h += "<tr><td><b>最小杠杆组合 Smallest set</b></td>";
            for (const auto& [k, f] : cols) {
                std::string cell = "–";
                if (f->rerun == 0) cell = "未重跑 <span class=\"en\">not re-run (outside the sample)</span>";
                else if (f->smallest.empty()) cell = "无 <span class=\"en\">none fixes " + format_share(cf.fix_share) + "</span>";
                else {
                    cell = esc(lever_set_label(s, cf, f->smallest, "zh")) + " <span class=\"en\">" + esc(lever_set_label(s, cf, f->smallest, "en")) + "</span>";
                    if (f->capped) cell += " <span class=\"miss\">search capped</span>";
                }
                h += "<td>" + cell + "</td>";
            }
            h += "</tr><tr><td>P(met | 最小组合 smallest set)</td>";
            for (const auto& [k, f] : cols)
                h += f->rerun > 0 && !f->smallest.empty() ? p_cell(f->p_smallest(r.checks[k].p_met)) : "<td class=\"n\">–</td>";
            h += "</tr><tr><td>P(met | 放开全部 every lever)</td>";
            for (const auto& [k, f] : cols) h += f->rerun > 0 ? p_cell(f->p_all(r.checks[k].p_met)) : "<td class=\"n\">–</td>";
            h += "</tr><tr><td>" + measure_html(s, tg.measure) + " | 放开全部 <span class=\"en\">every lever, p50</span></td>";
            for (const auto& [k, f] : cols) h += "<td class=\"n\">" + (f->rerun > 0 ? format_value(tg.measure, f->all_value.p50) : std::string("–")) + "</td>";
            h += "</tr></table></section>\n";
        }
    }
    return h;
}

/// Every value of the scenario file with where it comes from, by top-level
/// key; a note shared with the row above is not repeated.
std::string inputs_section(const Scenario& s) {
    static const std::map<std::string, std::string> kind_zh = {{"notice", "通知原文"}, {"interpretation", "解读"}, {"assumption", "假设"},
                                                               {"synthetic", "合成数据"}, {"calibrated", "校准"},  {"none", "未注明"},
                                                               {"text", "文本"}};
    std::string h = "<h2>输入及来源 <span class=\"en\">Inputs and where they come from</span></h2>\n";
    if (s.inputs.empty())
        return h + "<p>情景未列出其输入 <span class=\"en\">The scenario lists no inputs with provenance (Scenario::inputs is empty).</span></p>\n";
    // A value's kind: its source's; without one, "none" for a number or date
    // (which needs one) and "text" for the rest (ids, names, choices).
    auto kind_of = [](const InputValue& v) -> std::string {
        if (v.source) return std::string(to_string(v.source->kind));
        return v.needs_source ? "none" : "text";
    };
    std::map<std::string, std::size_t> counts;
    for (const InputValue& v : s.inputs) ++counts[kind_of(v)];
    h += "<p>" + std::to_string(s.inputs.size()) + " 个取值 <span class=\"en\">values</span>:";
    bool first = true;
    for (const char* k : {"notice", "interpretation", "assumption", "synthetic", "calibrated", "none", "text"}) {
        if (!counts.count(k)) continue;
        const std::string label = std::string(k) == "none" ? "无来源的数字或日期 none (numbers and dates without a source)"
                                  : std::string(k) == "text" ? "无来源的文本 text without a source"
                                                             : kind_zh.at(k) + " " + k;
        h += std::string(first ? " " : " · ") + "<span class=\"kind-" + k + "\">" + label + " <b>" + std::to_string(counts[k]) + "</b></span>";
        first = false;
    }
    h += "</p>\n<table class=\"inputs\"><tr><th>键 Key</th><th>值 Value</th><th>来源 Kind</th><th>说明 Note</th></tr>";
    auto top = [](const std::string& path) { return path.substr(0, path.find_first_of(".[")); };
    std::vector<std::string> order;
    for (const InputValue& v : s.inputs)
        if (std::find(order.begin(), order.end(), top(v.path)) == order.end()) order.push_back(top(v.path));
    for (const std::string& key : order) {
        h += "<tr><th colspan=\"4\">" + esc(key) + "</th></tr>";
        std::string previous;
        for (const InputValue& v : s.inputs) {
            if (top(v.path) != key) continue;
            std::string rest = v.path.substr(key.size());
            if (!rest.empty() && rest[0] == '.') rest.erase(0, 1);
            std::string value = v.value;
            if (value.size() > 90) value = value.substr(0, 87) + "...";
            const std::string kind = kind_of(v);
            std::string note;
            if (v.source) {
                note = esc(v.source->note);
                if (!v.source_path.empty() && v.source_path != v.path) note += " <span class=\"id\">(" + esc(v.source_path) + ")</span>";
            }
            const std::string shown = !note.empty() && note == previous ? "〃" : note;
            previous = note;
            h += "<tr><td>" + esc(rest.empty() ? key : rest) + "</td><td class=\"v\">" + esc(value) + "</td><td class=\"kind-" + kind + "\">" +
                 (kind == "text" ? std::string("–") : kind_zh.at(kind) + " " + kind) + "</td><td class=\"note\">" + shown + "</td></tr>";
        }
    }
    return h + "</table>\n";
}

}  // namespace

namespace {

/// Quanzhou: how the candidates end up at the report date (the mean over the
/// replications, and the representative replication's count). A rejected
/// ineligible candidate is the rules working, not a cause of a miss.
std::string outcomes_section(const Scenario& s, const Results& r) {
    if (s.programme.kind != ProgrammeKind::bases || r.report_status_mean.empty()) return {};
    std::string h = "<section><h3>候选单位结局 <span class=\"en\">How the " + std::to_string(s.sites.bases.size()) +
                    " candidates end up at " + s.run.report_date.iso() + "</span></h3><table><tr><th>结局 Outcome</th>"
                    "<th>平均数 Mean over replications</th><th>代表性重复 Replication " + std::to_string(r.representative_replication) + "</th></tr>";
    for (BaseStatus b : {BaseStatus::named, BaseStatus::awaiting_funds, BaseStatus::dropped, BaseStatus::not_selected, BaseStatus::rejected,
                         BaseStatus::in_review, BaseStatus::candidate, BaseStatus::ineligible}) {
        const auto k = static_cast<std::size_t>(b);
        const std::string key = "outcome:" + std::string(outcome_name(b));
        h += "<tr><td>" + esc(s.labels.name(key, "zh")) + " <span class=\"en\">" + esc(s.labels.name(key, "en")) + "</span></td><td class=\"n\">" +
             fmt("%.1f", r.report_status_mean[k]) + "</td><td class=\"n\">" + (k < r.report_status.size() ? std::to_string(r.report_status[k]) : "–") +
             "</td></tr>";
    }
    h += "</table><p class=\"note\">不符合申报条件者被依规拒绝，不计为未达标原因。 <span class=\"en\">An ineligible candidate's rejection "
         "is the rules working, not a cause of a miss; the causes are in the table above.</span></p></section>\n";
    return h;
}

}  // namespace

void write_report(const Scenario& s, const Results& r, const fs::path& dir, const ReportOptions& o) {
    const std::size_t max_drawn_points = o.max_points;
    const Layout& L = r.layout;
    const auto& units = s.region.units();
    const auto& targets = s.programme.targets;
    const bool stations = s.programme.kind == ProgrammeKind::stations;
    const std::size_t U = units.size();
    std::string h = page_begin(s.title);

    // ---- title and run
    h += "<h1>" + esc(s.title) + "</h1>\n<p>" + esc(s.region.name()) + " · " +
         (stations ? "农民工素质和技能提升站 Skill stations on construction projects" : "产业工人技能培训基地 Industrial training bases") +
         " · 报告日期 report date " + s.run.report_date.iso() + "</p>\n";
    h += "<table class=\"meta\">";
    auto meta = [&](const std::string& k, const std::string& v) { h += "<tr><td>" + k + "</td><td>" + v + "</td></tr>"; };
    meta("情景 Scenario", esc(s.name) + " (" + esc(o.scenario_file.empty() ? s.file.string() : o.scenario_file) + ")");
    meta("情景哈希 Scenario hash", "fnv1a64:" + esc(s.hash));
    std::string sets;
    for (const auto& x : s.overrides) sets += (sets.empty() ? "" : "<br>") + esc(x);
    if (!sets.empty()) meta("修改 Overrides (--set)", sets);
    meta("随机种子 Seed", std::to_string(s.run.seed));
    meta("重复次数 Replications", std::to_string(r.replications));
    meta("模拟期 Horizon", s.run.start.iso() + " – " + s.run.end.iso());
    meta("引擎版本 Engine", "tisheng " + esc(engine_version()));
    if (!o.created.empty()) meta("运行时间 Run at", esc(o.created));
    if (!o.forms_source.empty()) meta("表格状态来源 Forms' statuses", esc(o.forms_source));
    meta("输入来源 Inputs", std::to_string(s.inputs.size()) + " 个取值及其来源见文末 <span class=\"en\">values, each with its source: see the end</span>");
    h += "</table>\n";

    // ---- targets
    h += "<h2>目标达成 <span class=\"en\">Targets: who meets them, and how likely</span></h2>\n";
    for (std::size_t t = 0; t < targets.size(); ++t) {
        const Target& tg = targets[t];
        h += "<section><h3>" + target_html(s, tg) + " · " + (tg.recurring() ? "自 from " : "截至 by ") + tg.deadline.iso() + " · " +
             measure_html(s, tg.measure) + "</h3>\n<p>全部达标的概率 <span class=\"en\">P(every " + (tg.city_wide ? "city-wide" : "unit") + " check met" +
             (tg.recurring() ? ", at every date" : "") + ")</span> <b>" + format_share(p_targets_met(r, {t})) + "</b></p>\n";
        h += tg.recurring() ? recurring_target_table(s, r, t) : dated_target_table(s, r, t);
        h += "</section>\n";
    }

    // ---- maps of the targets
    h += "<h2>地图 <span class=\"en\">Maps</span></h2>\n<div class=\"maps\">";
    const MapFrame frame(s.region, 340);
    std::vector<Date> city_maps;  // city-wide targets share one map per deadline
    for (std::size_t t = 0; t < targets.size(); ++t) {
        const Target& tg = targets[t];
        for (const Date& d : check_dates(L, t)) {
            std::vector<double> fill(U, std::numeric_limits<double>::quiet_NaN());
            std::vector<std::string> line2(U);
            std::string title, what, key, req_text;
            if (!tg.city_wide) {
                // The median against the requirement: it varies where P(met) is 0 or 1 everywhere.
                std::vector<double> ratio(U, std::numeric_limits<double>::quiet_NaN());
                double top = 1;
                std::set<double> required;
                for (const Check& c : L.checks)
                    if (c.target == t && c.date == d && c.unit >= 0) required.insert(c.required);
                for (std::size_t k = 0; k < L.checks.size(); ++k) {
                    const Check& c = L.checks[k];
                    if (c.target != t || c.date != d || c.unit < 0) continue;
                    const auto u = static_cast<std::size_t>(c.unit);
                    ratio[u] = c.required > 0 ? r.checks[k].value.p50 / c.required : std::numeric_limits<double>::quiet_NaN();
                    if (std::isfinite(ratio[u])) top = std::max(top, ratio[u]);
                    line2[u] = format_value(tg.measure, r.checks[k].value.p50) +
                               (required.size() > 1 ? " / " + format_value(tg.measure, c.required) : std::string()) + " · P " + format_share(r.checks[k].p_met);
                }
                if (required.size() == 1) req_text = "; 要求 required " + format_value(tg.measure, *required.begin());
                const double hi = top > 1 ? std::max(top, ticks(1, top, 4).back()) : 1.0;
                for (std::size_t u = 0; u < U; ++u) fill[u] = ratio_position(ratio[u], hi);
                title = target_html(s, tg);
                what = "填色 fill: 中位数 ÷ 要求 <span class=\"en\">median ÷ required</span>; 标注 labels: 中位数" + std::string(req_text.empty() ? " / 要求" : "") +
                       " · P(达标 met)" + req_text;
                std::vector<std::pair<std::string, std::string>> sw{{ramp(0), "0×"}, {ramp(0.25), "0.5×"}, {ramp(0.5), "1× = 要求 required"}};
                if (hi > 1) {
                    sw.emplace_back(ramp(0.75), times((1 + hi) / 2));
                    sw.emplace_back(ramp(1), "≥ " + times(hi));
                }
                key = legend("", sw);
            } else {
                if (std::find(city_maps.begin(), city_maps.end(), d) != city_maps.end() || !L.per_unit_series() || L.metrics.empty()) continue;
                city_maps.push_back(d);
                const std::size_t m = month_of(L, d);
                std::vector<double> v(U);
                double hi = 1;
                for (std::size_t u = 0; u < U; ++u) hi = std::max(hi, v[u] = r.series[L.series_index(0, u, m)].p50);
                hi = ticks(0, hi, 4).back();
                for (std::size_t u = 0; u < U; ++u) {
                    fill[u] = v[u] / hi;
                    line2[u] = format_count(v[u]);
                }
                title = "全市目标 <span class=\"en\">city-wide targets</span>";
                what = "填色及标注 fill and labels: 各单位" + s.labels.name("measure:" + L.metrics[0], "zh") + "中位数 <span class=\"en\">median " +
                       esc(s.labels.name("measure:" + L.metrics[0], "en")) + " per unit</span>";
                key = legend("", {{ramp(0), "0"}, {ramp(0.25), format_count(hi / 4)}, {ramp(0.5), format_count(hi / 2)}, {ramp(0.75), format_count(hi * 3 / 4)},
                                  {ramp(1), format_count(hi)}});
            }
            // Sites: projects by P(station built by the date), or bases by P(named).
            std::vector<std::pair<LonLat, double>> sites;
            std::string dots;
            if (stations) {
                const auto di = std::find(r.project_deadlines.begin(), r.project_deadlines.end(), d);
                if (di != r.project_deadlines.end()) {
                    const auto& col = r.project_p_built[static_cast<std::size_t>(di - r.project_deadlines.begin())];
                    for (std::size_t p = 0; p < s.sites.projects.size(); ++p) sites.emplace_back(s.sites.projects[p].pos, col[p]);
                    dots = "; 点 dots: 登记项目，白色 = P(建成 built) ≥ 50 % <span class=\"en\">register projects, white: P(station built by then) ≥ 50 %</span>";
                }
            } else {
                for (std::size_t b = 0; b < s.sites.bases.size(); ++b) sites.emplace_back(s.sites.bases[b].pos, r.base_p_named[b]);
                dots = "; 点 dots: 候选基地，白色 = P(命名 named) ≥ 50 % <span class=\"en\">candidate bases, white: P(named) ≥ 50 %</span>";
            }
            if (sites.size() > max_drawn_points)
                dots = "; " + format_count(static_cast<double>(sites.size())) + (stations ? " 个登记项目" : " 个候选基地") +
                       "过多，不逐个绘出，见 map.gpkg <span class=\"en\">" + (stations ? "register projects" : "candidate bases") +
                       ": too many to draw one by one here; map.gpkg has each</span>";
            h += "<figure>" + unit_map(s, frame, fill, line2, sites, max_drawn_points) + "<figcaption><b>" + title + "</b> " + d.iso() + ": " + what + dots + "<br>" + key +
                 "</figcaption></figure>";
        }
    }
    h += "</div>\n";

    // ---- coverage: one replication, the same numbers as the map
    if (!L.radii.empty() && !L.months.empty()) {
        const CoverageSnapshot c = coverage_snapshot(s, r);
        const bool tinted = !s.coverage.cost_matrix && !s.coverage.match_industry && !c.open_sites.empty();
        const std::size_t K = c.radii.size(), head = c.headline, last = L.months.size() - 1;
        const std::string hr = radius_text(c.radii[head], c.radius_unit);
        h += "<section class=\"coverage\"><h3>覆盖 <span class=\"en\">Coverage at " + c.date.iso() + ": replication " + std::to_string(c.replication) +
             " (the median one), its open " + (stations ? "stations" : "bases") + " and its workers</span></h3>";
        h += coverage_svg(s, MapFrame(s.region, 600), c, tinted, max_drawn_points);
        std::vector<std::pair<std::string, std::string>> classes;
        for (std::size_t k = 0; k <= K; ++k)
            classes.emplace_back(ramp(1.0 - static_cast<double>(k) / static_cast<double>(K)),
                                 k < K ? "≤ " + radius_text(c.radii[k], c.radius_unit) : "> " + radius_text(c.radii.back(), c.radius_unit) + " 或不可达 or unreached");
        const std::string dots_zh = stations ? "点为当时在建项目的工人，颜色为至最近开放提升站的距离" : "点为工人需求点，颜色为至最近开放的本行业基地的距离";
        const std::string dots_en = stations ? "workers on the projects active then, by the distance to the nearest open station"
                                   : s.coverage.match_industry ? "workers' demand points, by the distance to the nearest open base of their own industry"
                                                               : "workers' demand points, by the distance to the nearest open base";
        std::size_t drawn = 0;
        for (double w : c.workers) drawn += w > 0;
        if (drawn > max_drawn_points)
            h += "<p>" + legend(dots_zh + "；点过多，每个 2 像素格取其多数工人的距离等级 <span class=\"en\">Dots: " + dots_en +
                                    "; too many to draw one by one, so each 2-pixel cell takes the class of most of its workers:</span> ",
                                classes);
        else
            h += "<p>" + legend(dots_zh + " <span class=\"en\">Dots: " + dots_en + " (the farthest drawn on top):</span> ", classes);
        h += "<br><span class=\"legend\">" + std::string(stations ? "<b>•</b> 黑点 = 开放的提升站 black centre: an open station"
                                                                   : "<b>◆</b> 黑色菱形 = 已命名基地 black diamond: a named base");
        if (tinted) h += "<span class=\"sw\" style=\"background:" + std::string(reach_tint) + "\"></span>" + hr + " 内 within " + hr + " of an open " + (stations ? "station" : "base");
        else if (s.coverage.match_industry) h += " · 覆盖按行业计算，故不绘距离底图 <span class=\"en\">(reach depends on the industry: no distance shading)</span>";
        h += "</span></p>";
        double workers = 0;
        std::size_t points = 0;
        for (std::size_t i = 0; i < c.demand.size(); ++i)
            if (c.workers[i] > 0) {
                workers += c.workers[i];
                ++points;
            }
        const Quantiles& q = r.series[L.series_index(L.first_coverage_metric + head, L.all_row(), last)];
        h += "<p>" + hr + " 内工人占比 <span class=\"en\">share of workers within " + hr + "</span>: <b class=\"coverage-share\">" + format_share(c.share[head]) +
             "</b> <span class=\"en\">(this map: replication " + std::to_string(c.replication) + ", " + format_count(c.total_workers) + " workers at " +
             format_count(static_cast<double>(points)) + " " + (stations ? "active projects" : "demand points") + ", " +
             format_count(static_cast<double>(c.open_sites.size())) + " open " + (stations ? "stations" : "bases") + ")</span>; 全部 " +
             std::to_string(r.replications) + " 次重复 <span class=\"en\">across all replications</span>: 中位数 median " + format_share(q.p50) + " [" +
             format_share(q.p05) + "–" + format_share(q.p95) + "]</p>";
        h += "<table><tr><th>半径 Radius</th><th>本图 This map (replication " + std::to_string(c.replication) + ")</th><th>全部重复 All replications: p50 [p05–p95]</th></tr>";
        for (std::size_t k = 0; k < K; ++k) {
            const Quantiles& qk = r.series[L.series_index(L.first_coverage_metric + k, L.all_row(), last)];
            h += "<tr><td>≤ " + radius_text(c.radii[k], c.radius_unit) + "</td><td class=\"n\">" + format_share(c.share[k]) + "</td><td class=\"n\">" +
                 format_share(qk.p50) + " [" + format_share(qk.p05) + "–" + format_share(qk.p95) + "]</td></tr>";
        }
        h += "</table><p class=\"note\">地图上的占比与点由同一次重复算出；coverage.tif、access.tif 与 map.gpkg 的需求点距离也取这次重复的开放站点。"
             " <span class=\"en\">The map and the shares beside it come from the same replication: its open sites at the end date and the workers "
             "there then; coverage.tif, access.tif and map.gpkg's demand distances use its open sites too. The median replication is the one whose " + esc(s.labels.name("measure:" + (L.metrics.empty() ? std::string() : L.metrics[0]), "en")) +
             " at the end is nearest the median.</span></p></section>\n";
    }

    // ---- per unit progress
    if (!L.metrics.empty() && !L.months.empty()) {
        h += "<h2>各单位进度 <span class=\"en\">Progress per unit: median, p05–p95 band, target steps (red)</span></h2>\n<div class=\"charts\">";
        const std::size_t rows = L.per_unit_series() && U <= max_table_units ? U + 1 : 1;  // many units: the city alone
        const std::string metric_name = s.labels.name("measure:" + L.metrics[0], "zh");
        for (std::size_t row = 0; row < rows; ++row) {
            const bool all = row == rows - 1;
            std::vector<std::pair<Date, double>> steps;
            for (std::size_t k = 0; k < L.checks.size(); ++k) {
                const Check& c = L.checks[k];
                const Target& tg = targets[c.target];
                if (tg.recurring() || to_string(tg.measure) != L.metrics[0]) continue;
                if ((all && c.unit < 0) || (!all && c.unit == static_cast<std::int32_t>(row))) steps.emplace_back(c.date, c.required);
            }
            const std::string title = (all ? s.region.name() + " 全市" : units[row].name) + " · " + metric_name;
            h += "<figure>" + progress_chart(r, 0, all ? L.all_row() : row, steps, title) + "</figure>";
        }
        h += "</div>\n";
    }

    // ---- why missed, what would fix it
    h += fixes_section(s, r);
    h += outcomes_section(s, r);

    // ---- money
    h += "<h2>资金 <span class=\"en\">Money: allocated (light) and spent (dark, median) per year, CNY</span></h2>\n<div class=\"charts\">";
    for (std::size_t p = 0; p < r.payers.size(); ++p) {
        if (s.budgets.payers[p].unit.empty() || r.payers.size() <= 8)
            h += "<figure>" + money_chart(r.payers[p], L, payer_text(s, p, r.payers[p].id)) + "</figure>";
    }
    h += "</div>\n<table><tr><th>出资方 Payer</th><th>预算 Allocated</th><th>支出 Spent p50 [p05–p95]</th><th>缺口 Short p50 / p95</th></tr>";
    for (std::size_t p = 0; p < r.payers.size(); ++p) {
        const auto& pr = r.payers[p];
        double allocated = 0;
        for (double a : pr.allocated_by_year) allocated += a;
        h += "<tr><td>" + payer_html(s, p, pr.id) + "</td><td class=\"n\">" + money(allocated) + "</td><td class=\"n\">" + money(pr.spent.p50) + " [" +
             money(pr.spent.p05) + "–" + money(pr.spent.p95) + "]</td><td class=\"n\"" + (pr.short_cny.p95 > 0 ? " style=\"color:#b3261e\"" : "") + ">" +
             money(pr.short_cny.p50) + " / " + money(pr.short_cny.p95) + "</td></tr>";
    }
    h += "</table>\n";
    if (!stations) {
        // City grant against county match, per county.
        const auto& g = s.programme.grants;
        h += "<section><h3>市级补助与县级配套 <span class=\"en\">City grant vs county match per county (expected over the horizon)</span></h3><table>"
             "<tr><th>县(市、区) County</th><th>预计命名基地 Bases named (expected)</th><th>市级补助 City grant</th><th>县级配套 County match"
             " (spent p50)</th><th>配套缺口 Match short p50 / p95</th><th>能否配套 Can it match?</th></tr>";
        for (std::size_t u = 0; u < U; ++u) {
            double named_bases = 0, grant = 0;
            for (std::size_t b = 0; b < s.sites.bases.size(); ++b)
                if (s.sites.bases[b].unit == u) {
                    named_bases += r.base_p_named[b];
                    grant += r.base_p_named[b] * r.base_median_grant_cny[b];
                }
            const std::string id = g.county_payer + ":" + units[u].id;
            const auto it = std::find_if(r.payers.begin(), r.payers.end(), [&](const auto& pr) { return pr.id == id; });
            if (it == r.payers.end()) continue;
            const std::string verdict = it->short_cny.p50 > 0 ? "<span class=\"miss\">多数情形不能 not in most replications</span>"
                                        : it->short_cny.p95 > 0 ? "部分情形不能 not in some (≥ 5 %)" : "<span class=\"ok\">能 yes</span>";
            h += "<tr><td>" + unit_html(s, static_cast<std::int32_t>(u)) + "</td><td class=\"n\">" + num(named_bases, 2) + "</td><td class=\"n\">" +
                 money(grant) + "</td><td class=\"n\">" + money(it->spent.p50) + "</td><td class=\"n\">" + money(it->short_cny.p50) + " / " +
                 money(it->short_cny.p95) + "</td><td>" + verdict + "</td></tr>";
        }
        h += "</table><p>配套比例 match ratio " + num(g.county_match_ratio) +
             ":1; 市级补助为各基地命名概率 × 中位补助之和 (city grant: the sum over bases of P(named) × median grant; expected bases named: the sum of "
             "P(named), an expectation, not a count).</p></section>\n";
    }

    h += sensitivity_section_html(dir, s);

    h += "<h2>说明 <span class=\"en\">Notes</span></h2>\n<p>每个数字来自 " + std::to_string(r.replications) +
         " 次蒙特卡洛重复（同一情景与种子得到同一结果）。P(达标) 为达标重复次数的比例；p05–p95 为 90 % 区间。比例以百分数、数量以整数显示。"
         "<span class=\"en\">Every number comes from " + std::to_string(r.replications) +
         " Monte Carlo replications (same scenario and seed, same numbers). P(met) is the share of replications meeting the target; "
         "p05–p95 is the 90 % band. Shares are shown as percentages, counts as whole numbers. Personal data (contacts, phones, ID numbers) "
         "never appear in this report.</span></p>\n";

    // ---- inputs and provenance
    h += inputs_section(s);
    h += page_end();
    write_file_atomic(dir / "report.html", h);
}

}  // namespace tisheng
