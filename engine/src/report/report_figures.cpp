// The report's figures (report.cpp writes the page around them): the maps,
// drawn in the region's metric CRS (each target's, and the coverage of one
// replication with its reach and demand as inline PNG rasters), and the
// SVG charts of progress and money.
#include "report/detail/report.hpp"

#include <gdal_priv.h>
#include <cpl_vsi.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <optional>
#include <set>

#include "core/detail/html.hpp"
#include "io/detail/gdal_util.hpp"
#include "tisheng/planning/coverage_model.hpp"

namespace tisheng::detail::report {

using namespace html;

namespace {

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

}  // namespace

// ---- charts -------------------------------------------------------------------------

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

std::string maps_section(const Scenario& s, const Results& r, std::size_t max_drawn_points) {
    const Layout& L = r.layout;
    const auto& targets = s.programme.targets;
    const bool stations = s.programme.kind == ProgrammeKind::stations;
    const std::size_t U = s.region.units().size();
    std::string h;
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
    return h;
}

// One replication, the same numbers as the map.
std::string coverage_section(const Scenario& s, const Results& r, std::size_t max_drawn_points) {
    const Layout& L = r.layout;
    if (L.radii.empty() || L.months.empty()) return {};
    const bool stations = s.programme.kind == ProgrammeKind::stations;
    std::string h;
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
    std::size_t drawn = 0;  // the points with workers: drawn, and counted under the map
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
    const Quantiles& q = r.series[L.series_index(L.first_coverage_metric + head, L.all_row(), last)];
    h += "<p>" + hr + " 内工人占比 <span class=\"en\">share of workers within " + hr + "</span>: <b class=\"coverage-share\">" + format_share(c.share[head]) +
         "</b> <span class=\"en\">(this map: replication " + std::to_string(c.replication) + ", " + format_count(c.total_workers) + " workers at " +
         format_count(static_cast<double>(drawn)) + " " + (stations ? "active projects" : "demand points") + ", " +
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
    return h;
}

}  // namespace tisheng::detail::report
