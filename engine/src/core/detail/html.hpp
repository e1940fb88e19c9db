// Small pieces of the HTML reports: escaping, numbers, colour ramps, base64
// and an SVG chart frame. Everything is inline (no network, no script).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tisheng::detail::html {

/// Text for HTML and SVG: & < > " escaped.
std::string esc(std::string_view s);
/// 1234567.8 -> "1,234,568"; NaN -> "–".
std::string money(double v);
/// A share as a percentage with one decimal at most: 0.934 -> "93.4 %",
/// 0.9 -> "90 %"; "100 %" and "0 %" only for exactly 1 and 0 (0.9996 ->
/// "99.9 %"); NaN -> "–". The report writes every share and probability
/// with it.
std::string percent(double p);
/// A count as a whole number: 12.05 -> "12", 1234.6 -> "1,235"; NaN -> "–".
/// The report writes every count with it.
std::string whole(double v);
/// A number with `digits` significant digits, no exponent for ordinary sizes.
std::string num(double v, int digits = 4);

/// A sequential ramp (dark blue -> teal -> yellow, lightness rising
/// monotonically, readable with colour-blindness) at t in [0, 1] as #rrggbb.
std::string ramp(double t);
/// Its RGB components.
std::array<std::uint8_t, 3> ramp_rgb(double t);

std::string base64(std::string_view bytes);

/// The page's head (title, print-ready CSS for A4) and its end.
std::string page_begin(const std::string& title);
std::string page_end();

/// A chart frame: `w` x `h` pixels, plot area inset for axes; maps data
/// coordinates into it.
struct Frame {
    double w = 320, h = 180;
    double left = 48, right = 8, top = 10, bottom = 26;
    double x0 = 0, x1 = 1, y0 = 0, y1 = 1;
    [[nodiscard]] double x(double v) const { return left + (v - x0) / (x1 - x0 == 0 ? 1 : x1 - x0) * (w - left - right); }
    [[nodiscard]] double y(double v) const { return h - bottom - (v - y0) / (y1 - y0 == 0 ? 1 : y1 - y0) * (h - top - bottom); }
    /// <svg ...> with the y axis ticks (`y_ticks` values) and gridlines.
    [[nodiscard]] std::string open(const std::vector<double>& y_ticks, const std::string& y_label = {}) const;
};
/// Round tick values covering [lo, hi] (about `n` of them).
std::vector<double> ticks(double lo, double hi, int n = 4);
/// "x,y x,y ..." for a polyline or polygon.
std::string points(const std::vector<std::pair<double, double>>& xy);

}  // namespace tisheng::detail::html
