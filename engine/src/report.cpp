// The run's report.html (see report.hpp). Maps are drawn in the region's
// metric CRS, so that the coverage raster (coverage.tif, same CRS) lies
// exactly under the unit outlines.
#include "tisheng/report.hpp"

#include <gdal_priv.h>
#include <cpl_vsi.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>

#include "detail/gdal_util.hpp"
#include "detail/html.hpp"
#include "tisheng/io.hpp"
#include "tisheng/run.hpp"

namespace fs = std::filesystem;

namespace tisheng {

namespace {

using namespace detail::html;

std::string fmt(const char* f, double a, double b = 0, double c = 0, double d = 0) {
    char buf[160];
    std::snprintf(buf, sizeof buf, f, a, b, c, d);
    return buf;
}

/// Cause keys of the simulation in both languages.
std::string cause_label(const std::string& key) {
    const std::string head = key.substr(0, key.find(':'));
    const std::string payer = key.find(':') == std::string::npos ? "" : key.substr(key.find(':') + 1);
    static const std::map<std::string, std::string> zh = {
        {"money", "资金不足 money"},           {"county_match", "县级配套不足 county match"},
        {"uptake", "企业积极性不足 uptake"},   {"durations", "建设周期 durations"},
        {"review_failures", "未达标准或未通过评审 standard/review"}, {"no_eligible_sites", "无符合条件项目 no eligible sites"}};
    const auto it = zh.find(head);
    return (it == zh.end() ? head : it->second) + (payer.empty() ? "" : " (" + payer + ")");
}

std::string status_label(double p) {
    if (p >= 0.9) return "<span class=\"ok\">很可能达标 likely met</span>";
    if (p >= 0.5) return "存疑 uncertain";
    return "<span class=\"miss\">很可能未达标 likely missed</span>";
}

/// The index of the first month end on or after `d` (the last one if none).
std::size_t month_of(const Layout& L, Date d) {
    for (std::size_t m = 0; m < L.months.size(); ++m)
        if (L.months[m] >= d) return m;
    return L.months.empty() ? 0 : L.months.size() - 1;
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
    [[nodiscard]] std::string open() const {
        return fmt("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\">", m_width, m_height,
                   m_width, m_height);
    }
    /// The unit's outline as one path (holes by the even-odd rule).
    [[nodiscard]] std::string path(std::size_t u, const std::string& fill, const std::string& stroke = "#ffffff") const {
        std::string d;
        char buf[48];
        for (const auto& ring : m_units[u]) {
            for (std::size_t i = 0; i < ring.size(); ++i) {
                std::snprintf(buf, sizeof buf, "%c%.1f %.1f", i == 0 ? 'M' : 'L', x(ring[i].x), y(ring[i].y));
                d += buf;
            }
            d += "Z";
        }
        return "<path d=\"" + d + "\" fill=\"" + fill + "\" fill-rule=\"evenodd\" stroke=\"" + stroke + "\" stroke-width=\"1\"/>";
    }
    [[nodiscard]] std::string label(std::size_t u, const std::string& text) const {
        const auto p = m_labels[u];
        return fmt("<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" text-anchor=\"middle\" fill=\"#111\" stroke=\"#fff\" stroke-width=\"2.5\""
                   " paint-order=\"stroke\">", x(p.x), y(p.y)) + esc(text) + "</text>";
    }
    [[nodiscard]] MetricPoint min() const { return m_min; }
    [[nodiscard]] MetricPoint max() const { return m_max; }

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

std::string legend_ramp(const std::string& title, const std::vector<std::pair<double, std::string>>& stops) {
    std::string s = "<div class=\"legend\">" + esc(title);
    for (const auto& [t, text] : stops) s += "<span style=\"background:" + ramp(t) + "\"></span>" + esc(text);
    return s + "</div>";
}

/// One map: units filled by `value` (scaled to [0, 1] by `lo`..`hi`), the
/// sites on top coloured by their own probability.
std::string unit_map(const Scenario& s, const MapFrame& f, const std::vector<double>& value, double lo, double hi,
                     const std::vector<std::pair<LonLat, double>>& sites) {
    std::string svg = f.open();
    const auto& units = s.region.units();
    for (std::size_t u = 0; u < units.size(); ++u) {
        const double t = hi > lo ? (value[u] - lo) / (hi - lo) : 1.0;
        svg += f.path(u, std::isfinite(value[u]) ? ramp(t) : "#dddddd");
    }
    for (const auto& [pos, p] : sites) {
        const MetricPoint m = s.region.crs().forward(pos);
        char buf[128];
        std::snprintf(buf, sizeof buf, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"1.6\" fill=\"%s\" stroke=\"#222\" stroke-width=\"0.3\"/>",
                      f.x(m.x), f.y(m.y), p >= 0.5 ? "#ffffff" : "#111111");
        svg += buf;
    }
    for (std::size_t u = 0; u < units.size(); ++u) svg += f.label(u, units[u].name);
    return svg + "</svg>";
}

/// The coverage surface (coverage.tif) as an embedded PNG under the unit
/// outlines, in classes at the scenario's radii.
std::optional<std::string> coverage_map(const Scenario& s, const MapFrame& f, const fs::path& tif, const std::vector<double>& radii) {
    detail::ensure_gdal();
    detail::DatasetPtr ds(static_cast<GDALDataset*>(GDALOpenEx(tif.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY, nullptr, nullptr, nullptr)));
    if (!ds) return std::nullopt;
    double gt[6];
    if (ds->GetGeoTransform(gt) != CE_None) return std::nullopt;
    const int W0 = ds->GetRasterXSize(), H0 = ds->GetRasterYSize();
    const int W = std::min(W0, 640), H = std::max(1, static_cast<int>(std::lround(static_cast<double>(H0) * W / W0)));
    GDALRasterBand* band = ds->GetRasterBand(1);
    int has_nodata = 0;
    const double nodata = band->GetNoDataValue(&has_nodata);
    std::vector<float> v(static_cast<std::size_t>(W) * static_cast<std::size_t>(H));
    if (band->RasterIO(GF_Read, 0, 0, W0, H0, v.data(), W, H, GDT_Float32, 0, 0) != CE_None) return std::nullopt;
    std::vector<std::uint8_t> rgba(v.size() * 4, 0);
    const std::size_t classes = radii.size() + 1;
    for (std::size_t i = 0; i < v.size(); ++i) {
        if ((has_nodata && v[i] == static_cast<float>(nodata)) || !std::isfinite(v[i])) continue;
        std::size_t k = 0;
        while (k < radii.size() && v[i] > radii[k]) ++k;
        const auto c = ramp_rgb(1.0 - static_cast<double>(k) / static_cast<double>(classes - 1));
        std::copy(c.begin(), c.end(), rgba.begin() + static_cast<std::ptrdiff_t>(4 * i));
        rgba[4 * i + 3] = 255;
    }
    GDALDriver* mem = GetGDALDriverManager()->GetDriverByName("MEM");
    GDALDriver* png = GetGDALDriverManager()->GetDriverByName("PNG");
    if (!mem || !png) return std::nullopt;
    detail::DatasetPtr img(mem->Create("", W, H, 4, GDT_Byte, nullptr));
    for (int b = 0; b < 4; ++b)
        if (img->GetRasterBand(b + 1)->RasterIO(GF_Write, 0, 0, W, H, rgba.data() + b, W, H, GDT_Byte, 4, 4 * W) != CE_None) return std::nullopt;
    const std::string vsi = "/vsimem/tisheng-report-" + std::to_string(reinterpret_cast<std::uintptr_t>(&v)) + ".png";
    GDALDataset* out = png->CreateCopy(vsi.c_str(), img.get(), FALSE, nullptr, nullptr, nullptr);
    if (!out) return std::nullopt;
    GDALClose(out);
    vsi_l_offset size = 0;
    GByte* bytes = VSIGetMemFileBuffer(vsi.c_str(), &size, FALSE);
    const std::string b64 = bytes ? base64(std::string_view(reinterpret_cast<const char*>(bytes), size)) : std::string();
    VSIUnlink(vsi.c_str());
    if (b64.empty()) return std::nullopt;

    // The raster's corners in the map's pixels.
    const double x0 = f.x(gt[0]), y0 = f.y(gt[3]), x1 = f.x(gt[0] + gt[1] * W0), y1 = f.y(gt[3] + gt[5] * H0);
    std::string svg = f.open();
    for (std::size_t u = 0; u < s.region.units().size(); ++u) svg += f.path(u, "#f4f4f6", "none");
    svg += fmt("<image x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" preserveAspectRatio=\"none\" ", x0, y0, x1 - x0, y1 - y0) +
           "href=\"data:image/png;base64," + b64 + "\"/>";
    for (std::size_t u = 0; u < s.region.units().size(); ++u) svg += f.path(u, "none", "#333333");
    for (std::size_t u = 0; u < s.region.units().size(); ++u) svg += f.label(u, s.region.units()[u].name);
    return svg + "</svg>";
}

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

}  // namespace

void write_report(const Scenario& s, const Results& r, const fs::path& dir, const ReportOptions& o) {
    const Layout& L = r.layout;
    const auto& units = s.region.units();
    const auto& targets = s.programme.targets;
    const bool stations = s.programme.kind == ProgrammeKind::stations;
    const std::size_t U = units.size();
    std::string h = page_begin(s.title);

    // ---- title and inputs
    h += "<h1>" + esc(s.title) + "</h1>\n<p>" + esc(s.region.name()) + " · " +
         (stations ? "农民工素质和技能提升站 Skill stations on construction projects" : "产业工人技能培训基地 Industrial training bases") +
         " · 报告日期 report date " + s.run.report_date.iso() + "</p>\n";
    h += "<table class=\"meta\">";
    auto meta = [&](const std::string& k, const std::string& v) { h += "<tr><td>" + k + "</td><td>" + v + "</td></tr>"; };
    meta("情景 Scenario", esc(s.name) + " (" + esc(s.file.string()) + ")");
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
    h += "</table>\n";

    // ---- headline
    h += "<h2>目标达成 <span class=\"en\">Targets: who meets them, and how likely</span></h2>\n";
    for (std::size_t t = 0; t < targets.size(); ++t) {
        const Target& tg = targets[t];
        h += "<section><h3>" + esc(tg.id) + " · " + (tg.recurring() ? "自 from " : "截至 by ") + tg.deadline.iso() + " · " + esc(to_string(tg.measure)) +
             "</h3>\n<p>全部达标的概率 P(every " + (tg.city_wide ? "city-wide" : "unit") + " check met) <b>" +
             percent(p_targets_met(r, {t})) + "</b></p>\n<table><tr><th>单位 Unit</th><th>要求 Required</th><th>P(达标 met)</th>"
             "<th>中位数 Median [p05–p95]</th><th>判断 Verdict</th></tr>";
        for (std::size_t k = 0; k < L.checks.size(); ++k) {
            const Check& c = L.checks[k];
            if (c.target != t) continue;
            const auto& cr = r.checks[k];
            const std::string name = c.unit < 0 ? s.region.name() + " 全市 all" : units[static_cast<std::size_t>(c.unit)].name;
            h += "<tr><td>" + esc(name) + "</td><td class=\"n\">" + num(c.required) + "</td><td class=\"n\" style=\"background:" +
                 ramp(cr.p_met) + (cr.p_met < 0.55 ? ";color:#fff" : "") + "\">" + percent(cr.p_met) + "</td><td class=\"n\">" + num(cr.value.p50) +
                 " [" + num(cr.value.p05) + "–" + num(cr.value.p95) + "]</td><td>" + status_label(cr.p_met) + "</td></tr>";
        }
        h += "</table></section>\n";
    }

    // ---- maps
    h += "<h2>地图 <span class=\"en\">Maps</span></h2>\n<div class=\"maps\">";
    const MapFrame frame(s.region, 340);
    std::vector<Date> city_maps;  // city-wide targets share one map per deadline
    for (std::size_t t = 0; t < targets.size(); ++t) {
        const Target& tg = targets[t];
        if (tg.city_wide) {
            if (std::find(city_maps.begin(), city_maps.end(), tg.deadline) != city_maps.end()) continue;
            city_maps.push_back(tg.deadline);
        }
        std::vector<double> value(U, std::numeric_limits<double>::quiet_NaN());
        double lo = 0, hi = 1;
        std::string what;
        if (!tg.city_wide) {
            for (std::size_t k = 0; k < L.checks.size(); ++k)
                if (L.checks[k].target == t && L.checks[k].unit >= 0) value[static_cast<std::size_t>(L.checks[k].unit)] = r.checks[k].p_met;
            what = "P(达标 met)";
        } else {
            if (!L.per_unit_series() || L.metrics.empty()) continue;
            const std::size_t m = month_of(L, tg.deadline);
            hi = 1;
            for (std::size_t u = 0; u < U; ++u) hi = std::max(hi, value[u] = r.series[L.series_index(0, u, m)].p50);
            lo = 0;
            what = L.metrics[0] + " p50";
        }
        // Sites: projects by P(station built by the deadline), or bases by P(named).
        std::vector<std::pair<LonLat, double>> sites;
        if (stations) {
            const auto d = std::find(r.project_deadlines.begin(), r.project_deadlines.end(), tg.deadline);
            const std::size_t di = d == r.project_deadlines.end() ? r.project_deadlines.size() - 1 : static_cast<std::size_t>(d - r.project_deadlines.begin());
            for (std::size_t p = 0; p < s.sites.projects.size(); ++p) sites.emplace_back(s.sites.projects[p].pos, r.project_p_built[di][p]);
        } else {
            for (std::size_t b = 0; b < s.sites.bases.size(); ++b) sites.emplace_back(s.sites.bases[b].pos, r.base_p_named[b]);
        }
        h += "<figure>" + unit_map(s, frame, value, lo, hi, sites) + "<figcaption><b>" + esc(tg.city_wide ? "全市目标 city-wide targets" : tg.id) +
             "</b> " + tg.deadline.iso() + ": " + esc(what) +
             "; 点 dots: " + (stations ? "项目，白色 = P(建成 built) ≥ 50 %" : "候选基地，白色 = P(命名 named) ≥ 50 %") + "</figcaption></figure>";
    }
    h += "</div>\n" + legend_ramp("填色 Fill: ", {{0, "0"}, {0.25, ""}, {0.5, "0.5"}, {0.75, ""}, {1, "1 (or the largest)"}});
    if (const auto cov = coverage_map(s, frame, dir / "coverage.tif", L.radii)) {
        h += "<section><h3>覆盖 <span class=\"en\">Coverage at " + s.run.end.iso() + ": distance to the nearest likely-open site</span></h3>" + *cov;
        std::vector<std::pair<double, std::string>> classes;
        for (std::size_t k = 0; k <= L.radii.size(); ++k)
            classes.emplace_back(1.0 - static_cast<double>(k) / static_cast<double>(L.radii.size()),
                                 k < L.radii.size() ? "≤ " + num(L.radii[k]) + " " + L.radius_unit : "> " + num(L.radii.back()) + " " + L.radius_unit);
        h += legend_ramp("", classes);
        const std::size_t last = L.months.size() - 1, head = L.headline_radius();
        if (!L.radii.empty())
            h += "<p>" + num(L.radii[head]) + " " + L.radius_unit + " 内工人占比 share of workers within: <b>" +
                 percent(r.series[L.series_index(L.first_coverage_metric + head, L.all_row(), last)].p50) + "</b> (中位数 median)</p>";
        h += "</section>\n";
    }

    // ---- per unit progress and causes
    if (!L.metrics.empty() && !L.months.empty()) {
        h += "<h2>各单位进度 <span class=\"en\">Progress per unit: median, p05–p95 band, target steps (red)</span></h2>\n<div class=\"charts\">";
        const std::size_t rows = L.per_unit_series() ? U + 1 : 1;
        for (std::size_t row = 0; row < rows; ++row) {
            const bool all = row == rows - 1;
            std::vector<std::pair<Date, double>> steps;
            for (std::size_t k = 0; k < L.checks.size(); ++k) {
                const Check& c = L.checks[k];
                const Target& tg = targets[c.target];
                if (tg.recurring() || to_string(tg.measure) != L.metrics[0]) continue;
                if ((all && c.unit < 0) || (!all && c.unit == static_cast<std::int32_t>(row))) steps.emplace_back(tg.deadline, c.required);
            }
            const std::string title = (all ? s.region.name() + " 全市" : units[row].name) + " · " + L.metrics[0];
            h += "<figure>" + progress_chart(r, 0, all ? L.all_row() : row, steps, title) + "</figure>";
        }
        h += "</div>\n";
    }
    h += "<section><h3>未达标原因 <span class=\"en\">Why targets are missed (share of replications)</span></h3><table>"
         "<tr><th>目标 Target</th><th>单位 Unit</th><th>P(未达标 missed)</th><th>原因 Causes</th></tr>";
    bool any_miss = false;  // TODO(issue 15): the counterfactual table (Results::fixes)
    if (!any_miss) h += "<tr><td colspan=\"4\">每次重复均达标 every target met in every replication</td></tr>";
    h += "</table></section>\n";

    // ---- money
    h += "<h2>资金 <span class=\"en\">Money: allocated (light) and spent (dark, median) per year, CNY</span></h2>\n<div class=\"charts\">";
    for (std::size_t p = 0; p < r.payers.size(); ++p) {
        if (s.budgets.payers[p].unit.empty() || r.payers.size() <= 8)
            h += "<figure>" + money_chart(r.payers[p], L, s.budgets.payers[p].name + " " + r.payers[p].id) + "</figure>";
    }
    h += "</div>\n<table><tr><th>出资方 Payer</th><th>预算 Allocated</th><th>支出 Spent p50 [p05–p95]</th><th>缺口 Short p50 / p95</th></tr>";
    for (std::size_t p = 0; p < r.payers.size(); ++p) {
        const auto& pr = r.payers[p];
        double allocated = 0;
        for (double a : pr.allocated_by_year) allocated += a;
        h += "<tr><td>" + esc(s.budgets.payers[p].name) + " <span class=\"en\">" + esc(pr.id) + "</span></td><td class=\"n\">" + money(allocated) +
             "</td><td class=\"n\">" + money(pr.spent.p50) + " [" + money(pr.spent.p05) + "–" + money(pr.spent.p95) + "]</td><td class=\"n\"" +
             (pr.short_cny.p95 > 0 ? " style=\"color:#b3261e\"" : "") + ">" + money(pr.short_cny.p50) + " / " + money(pr.short_cny.p95) + "</td></tr>";
    }
    h += "</table>\n";
    if (!stations) {
        // City grant against county match, per county.
        const auto& g = s.programme.grants;
        h += "<section><h3>市级补助与县级配套 <span class=\"en\">City grant vs county match per county (expected over the horizon)</span></h3><table>"
             "<tr><th>县(市、区) County</th><th>预计命名基地 Bases named (expected)</th><th>市级补助 City grant</th><th>县级配套 County match"
             " (spent p50)</th><th>配套缺口 Match short p50 / p95</th><th>能否配套 Can it match?</th></tr>";
        for (std::size_t u = 0; u < U; ++u) {
            double named = 0, grant = 0;
            for (std::size_t b = 0; b < s.sites.bases.size(); ++b)
                if (s.sites.bases[b].unit == u) {
                    named += r.base_p_named[b];
                    grant += r.base_p_named[b] * r.base_median_grant_cny[b];
                }
            const std::string id = g.county_payer + ":" + units[u].id;
            const auto it = std::find_if(r.payers.begin(), r.payers.end(), [&](const auto& pr) { return pr.id == id; });
            if (it == r.payers.end()) continue;
            const std::string verdict = it->short_cny.p50 > 0 ? "<span class=\"miss\">多数情形不能 not in most replications</span>"
                                        : it->short_cny.p95 > 0 ? "部分情形不能 not in some (≥ 5 %)" : "<span class=\"ok\">能 yes</span>";
            h += "<tr><td>" + esc(units[u].name) + "</td><td class=\"n\">" + num(named, 3) + "</td><td class=\"n\">" + money(grant) + "</td><td class=\"n\">" +
                 money(it->spent.p50) + "</td><td class=\"n\">" + money(it->short_cny.p50) + " / " + money(it->short_cny.p95) + "</td><td>" + verdict +
                 "</td></tr>";
        }
        h += "</table><p>配套比例 match ratio " + num(g.county_match_ratio) + ":1; 市级补助为各基地命名概率 × 中位补助之和 (city grant: the sum over bases of P(named) × median grant).</p></section>\n";
    }

    h += "<h2>说明 <span class=\"en\">Notes</span></h2>\n<p>每个数字来自 " + std::to_string(r.replications) +
         " 次蒙特卡洛重复（同一情景与种子得到同一结果）。P(达标) 为达标重复次数的比例；p05–p95 为 90 % 区间。"
         "<span class=\"en\">Every number comes from " + std::to_string(r.replications) +
         " Monte Carlo replications (same scenario and seed, same numbers). P(met) is the share of replications meeting the target; "
         "p05–p95 is the 90 % band. Personal data (contacts, phones, ID numbers) never appear in this report.</span></p>\n";
    h += page_end();
    write_file_atomic(dir / "report.html", h);
}

}  // namespace tisheng
