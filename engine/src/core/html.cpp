#include "core/detail/html.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace tisheng::detail::html {

std::string esc(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            default: out += c;
        }
    }
    return out;
}

std::string money(double v) {
    if (!std::isfinite(v)) return std::isinf(v) ? "∞" : "–";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f", std::abs(v));
    std::string s = buf, out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (i > 0 && (s.size() - i) % 3 == 0) out += ',';
        out += s[i];
    }
    return (v < 0 && out != "0" ? "-" : "") + out;
}

std::string percent(double p) {
    if (!std::isfinite(p)) return "–";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", 100 * p);
    std::string s = buf;
    // The ends are exact: 100 % and 0 % only when the share is exactly 1 or 0.
    if (p == 1.0) s = "100";
    else if (p == 0.0) s = "0";
    else if (s == "100.0") s = "99.9";
    else if (s == "0.0" || s == "-0.0") s = p > 0 ? "0.1" : "-0.1";
    else if (s.ends_with(".0")) s.resize(s.size() - 2);  // 90.0 -> 90
    return s + " %";
}

std::string whole(double v) { return money(std::isfinite(v) ? std::round(v) : v); }

std::string num(double v, int digits) {
    if (!std::isfinite(v)) return "–";
    char buf[32];
    if (std::abs(v) >= 1e5 || v == std::trunc(v)) return money(v);
    std::snprintf(buf, sizeof buf, "%.*g", digits, v);
    return buf;
}

std::array<std::uint8_t, 3> ramp_rgb(double t) {
    // Stops of a viridis-like ramp: lightness rises from the first to the last.
    static constexpr double stops[][3] = {{68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}};
    if (!std::isfinite(t)) return {200, 200, 200};
    t = std::clamp(t, 0.0, 1.0) * 4;
    const int i = std::min(3, static_cast<int>(t));
    const double f = t - i;
    std::array<std::uint8_t, 3> c{};
    for (int k = 0; k < 3; ++k) c[static_cast<std::size_t>(k)] = static_cast<std::uint8_t>(std::lround(stops[i][k] + f * (stops[i + 1][k] - stops[i][k])));
    return c;
}

std::string ramp(double t) {
    const auto c = ramp_rgb(t);
    char buf[8];
    std::snprintf(buf, sizeof buf, "#%02x%02x%02x", c[0], c[1], c[2]);
    return buf;
}

std::string base64(std::string_view bytes) {
    static constexpr char table[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        const auto n = (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16) |
                       (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
        for (int k = 3; k >= 0; --k) out += table[(n >> (6 * k)) & 63];
    }
    if (const std::size_t rest = bytes.size() - i; rest > 0) {
        std::uint32_t n = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
        if (rest == 2) n |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8;
        out += table[(n >> 18) & 63];
        out += table[(n >> 12) & 63];
        out += rest == 2 ? table[(n >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

std::string page_begin(const std::string& title) {
    return "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n<title>" + esc(title) +
           "</title>\n<style>\n"
           "@page { size: A4; margin: 14mm 12mm; }\n"
           "body { font-family: 'Noto Sans CJK SC', 'WenQuanYi Micro Hei', 'Microsoft YaHei', 'PingFang SC', sans-serif;"
           " color: #1d1d1f; max-width: 186mm; margin: 0 auto; padding: 8px; font-size: 10.5pt; line-height: 1.45; }\n"
           "h1 { font-size: 17pt; margin: 0.2em 0; } h2 { font-size: 13pt; border-bottom: 2px solid #3b528b; padding-bottom: 2px;"
           " margin-top: 1.4em; } h3 { font-size: 11pt; margin: 0.8em 0 0.3em; }\n"
           ".en { color: #555; font-weight: normal; font-size: 0.9em; }\n"
           "table { border-collapse: collapse; margin: 0.4em 0; font-size: 9pt; } th, td { border: 1px solid #c8c8cc;"
           " padding: 2px 6px; text-align: left; } td.n { text-align: right; font-variant-numeric: tabular-nums; }\n"
           "th { background: #eef0f5; }\n"
           "table.wide { font-size: 7pt; } table.wide th { word-break: break-all; max-width: 70px; }\n"
           "section { break-inside: avoid; page-break-inside: avoid; }\n"
           ".maps, .charts { display: flex; flex-wrap: wrap; gap: 8px; } .maps figure { width: 340px; } .maps figure, .charts figure { margin: 0;"
           " break-inside: avoid; } figcaption { font-size: 9pt; }\n"
           ".legend { font-size: 8.5pt; } .legend .sw { display: inline-block; width: 14px; height: 10px; margin: 0 3px 0 8px;"
           " vertical-align: middle; border: 1px solid #888; }\n"
           ".ok { color: #1a7f37; font-weight: bold; } .miss { color: #b3261e; font-weight: bold; }\n"
           ".meta td:first-child { color: #555; }\n"
           ".id { font-family: 'DejaVu Sans Mono', monospace; font-size: 0.72em; color: #777; font-weight: normal; }\n"
           ".note { font-size: 8.5pt; color: #444; } td.date { white-space: nowrap; }\n"
           "table.fix td, table.fix th { font-size: 8pt; } table.fix td.n { min-width: 44px; }\n"
           "table.inputs { font-size: 7.5pt; } table.inputs td { vertical-align: top; padding: 1px 4px; line-height: 1.3; } table.inputs td.v { max-width: 55mm;"
           " word-break: break-all; } table.inputs td.note { max-width: 80mm; }\n"
           ".kind-notice { color: #1a7f37; } .kind-interpretation { color: #8a5a00; } .kind-assumption { color: #3b528b; }"
           " .kind-synthetic { color: #7a3e9d; } .kind-calibrated { color: #0b6e6e; } .kind-none { color: #b3261e; } .kind-text { color: #888; }\n"
           "svg text { font-family: inherit; }\n"
           "</style>\n</head>\n<body>\n";
}

std::string page_end() { return "</body>\n</html>\n"; }

std::vector<double> ticks(double lo, double hi, int n) {
    if (!(hi > lo)) hi = lo + 1;
    const double raw = (hi - lo) / std::max(1, n);
    const double mag = std::pow(10.0, std::floor(std::log10(raw)));
    double step = mag;
    for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
        if (m * mag >= raw) {
            step = m * mag;
            break;
        }
    std::vector<double> out;
    for (double v = std::ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push_back(std::abs(v) < step * 1e-9 ? 0.0 : v);
    return out;
}

std::string points(const std::vector<std::pair<double, double>>& xy) {
    std::string out;
    char buf[48];
    for (const auto& [x, y] : xy) {
        std::snprintf(buf, sizeof buf, "%s%.1f,%.1f", out.empty() ? "" : " ", x, y);
        out += buf;
    }
    return out;
}

std::string Frame::open(const std::vector<double>& y_ticks, const std::string& y_label) const {
    char buf[256];
    std::snprintf(buf, sizeof buf, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\">",
                  w, h, w, h);
    std::string s = buf;
    for (double t : y_ticks) {
        std::snprintf(buf, sizeof buf,
                      "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#e3e3e8\"/>"
                      "<text x=\"%.1f\" y=\"%.1f\" font-size=\"9\" text-anchor=\"end\" fill=\"#555\">",
                      left, w - right, y(t), y(t), left - 3, y(t) + 3);
        s += buf + num(t, 3) + "</text>";
    }
    if (!y_label.empty()) {
        std::snprintf(buf, sizeof buf, "<text x=\"4\" y=\"%.1f\" font-size=\"9\" fill=\"#555\">", std::max(10.0, top - 8));
        s += buf + esc(y_label) + "</text>";
    }
    return s;
}

}  // namespace tisheng::detail::html
