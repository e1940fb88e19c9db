#include "core/legend.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <span>

namespace tisheng::view {

namespace {

// sRGB transfer function, both ways (IEC 61966-2-1).
double to_linear(std::uint8_t c) {
    const double v = c / 255.0;
    return v <= 0.04045 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4);
}
std::uint8_t to_srgb8(double lin) {
    lin = std::clamp(lin, 0.0, 1.0);
    const double v = lin <= 0.0031308 ? 12.92 * lin : 1.055 * std::pow(lin, 1 / 2.4) - 0.055;
    return static_cast<std::uint8_t>(std::lround(v * 255));
}

// A palette is a list of control colours; each sits at the t where its own
// L* falls on a straight line between the ends, so lightness rises (or, for
// the diverging one, falls away from the centre) evenly. Between controls
// the colour is interpolated in linear light: luminance is then linear in t
// within a segment, so L* is monotone there whenever it is at the controls.
struct Stop {
    double t;
    Rgba c;
};

// Dark blue through grey to light yellow, in the manner of cividis.
constexpr std::array<Rgba, 9> sequential_colours{{
    {0x00, 0x22, 0x4E}, {0x12, 0x35, 0x70}, {0x3B, 0x49, 0x6C}, {0x57, 0x5D, 0x6D}, {0x70, 0x71, 0x73},
    {0x8A, 0x87, 0x79}, {0xA6, 0x9D, 0x75}, {0xC4, 0xB5, 0x67}, {0xFE, 0xE8, 0x38},
}};
// Blue, light grey, orange to brown; both ends at L* ~42.5.
constexpr std::array<Rgba, 5> diverging_negative{{
    {0x21, 0x66, 0xAC}, {0x3B, 0x7F, 0xBF}, {0x57, 0xA0, 0xCF}, {0x9D, 0xCA, 0xE1}, {0xD5, 0xE6, 0xEF},
}};
constexpr Rgba diverging_centre{0xEB, 0xEB, 0xEB};
constexpr std::array<Rgba, 5> diverging_positive{{
    {0xFC, 0xD9, 0xA8}, {0xF9, 0xB8, 0x6A}, {0xE4, 0x89, 0x2A}, {0xC0, 0x66, 0x1A}, {0xA0, 0x4D, 0x08},
}};

std::vector<Stop> make_sequential() {
    std::vector<Stop> stops;
    const double l0 = lightness(sequential_colours.front());
    const double l1 = lightness(sequential_colours.back());
    for (const Rgba& c : sequential_colours) stops.push_back({(lightness(c) - l0) / (l1 - l0), c});
    return stops;
}

std::vector<Stop> make_diverging() {
    const double lc = lightness(diverging_centre);
    const double lneg = lightness(diverging_negative.front());
    const double lpos = lightness(diverging_positive.back());
    std::vector<Stop> stops;
    for (const Rgba& c : diverging_negative) stops.push_back({0.5 - 0.5 * (lc - lightness(c)) / (lc - lneg), c});
    stops.push_back({0.5, diverging_centre});
    for (const Rgba& c : diverging_positive) stops.push_back({0.5 + 0.5 * (lc - lightness(c)) / (lc - lpos), c});
    return stops;
}

Rgba interpolate(std::span<const Stop> stops, double t) {
    if (!(t > 0)) return stops.front().c;  // also NaN
    if (t >= 1) return stops.back().c;
    const auto hi = std::upper_bound(stops.begin(), stops.end(), t, [](double v, const Stop& s) { return v < s.t; });
    const Stop& b = *hi;
    const Stop& a = *(hi - 1);
    const double u = (t - a.t) / (b.t - a.t);
    auto mix = [u](std::uint8_t x, std::uint8_t y) { return to_srgb8((1 - u) * to_linear(x) + u * to_linear(y)); };
    return {mix(a.c.r, b.c.r), mix(a.c.g, b.c.g), mix(a.c.b, b.c.b), 255};
}

// Rounds to 3 significant digits so that 999.7 becomes 1000 (and so "1k").
double round3(double v) {
    if (v == 0 || !std::isfinite(v)) return v;
    const double scale = std::pow(10.0, std::floor(std::log10(std::abs(v))) - 2);
    return std::round(v / scale) * scale;
}

std::string compact(double v) {
    if (std::isnan(v)) return "n/a";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    const double r = round3(v);
    if (r == 0) return "0";  // also -0
    const double a = std::abs(r);
    const char* suffix = "";
    double shown = r;
    if (a >= 1e9) {
        shown = r / 1e9;
        suffix = "B";
    } else if (a >= 1e6) {
        shown = r / 1e6;
        suffix = "M";
    } else if (a >= 1e3) {
        shown = r / 1e3;
        suffix = "k";
    }
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.3g%s", shown, suffix);
    return buf;
}

// Smallest of {1, 1.5, 2, 2.5, 3, 4, 5, 6, 8} x 10^k that is >= x; 0 if x is
// not positive. Finer than 1-2-5 so that a legend wastes at most a third of
// its range, and each value still takes round ticks.
double nice_ceil(double x) {
    if (!(x > 0) || !std::isfinite(x)) return 0;
    const double decade = std::pow(10.0, std::floor(std::log10(x)));
    for (const double m : {1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 15.0})
        if (m * decade >= x * (1 - 1e-12)) return m * decade;
    return 15 * decade;  // not reached: log10 is off by far less than a decade
}

double max_finite(const std::vector<double>& values, bool absolute) {
    double m = 0;
    for (double v : values)
        if (std::isfinite(v)) m = std::max(m, absolute ? std::abs(v) : v);
    return m;
}

}  // namespace

Rgba sample(Palette p, double t) {
    static const std::vector<Stop> sequential = make_sequential();
    static const std::vector<Stop> diverging = make_diverging();
    return interpolate(p == Palette::sequential ? sequential : diverging, t);
}

double lightness(Rgba c) {
    // Relative luminance with the sRGB primaries and D65 white; dividing by
    // the white's Y (the coefficients' sum, 1 + 1e-7) makes white exactly 100.
    constexpr double wr = 0.2126729, wg = 0.7151522, wb = 0.0721750;
    const double y = (wr * to_linear(c.r) + wg * to_linear(c.g) + wb * to_linear(c.b)) / (wr + wg + wb);
    constexpr double delta = 6.0 / 29.0;
    const double f = y > delta * delta * delta ? std::cbrt(y) : y / (3 * delta * delta) + 4.0 / 29.0;
    return 116 * f - 16;
}

std::vector<double> nice_ticks(double lo, double hi, int max_ticks) {
    if (!std::isfinite(lo) || !std::isfinite(hi) || max_ticks < 1) return {};
    if (lo > hi) std::swap(lo, hi);
    if (lo == hi) return {lo};

    // Finest step first: from a decade below range / max_ticks upwards.
    constexpr double fuzz = 1e-9;  // in steps: 0.1 * 3 is just above 0.3
    const int k0 = static_cast<int>(std::floor(std::log10((hi - lo) / max_ticks))) - 1;
    for (int k = k0; k < k0 + 40; ++k) {
        for (const int m : {1, 2, 5}) {
            const double step = m * std::pow(10.0, k);
            const double first = std::ceil(lo / step - fuzz);
            const double last = std::floor(hi / step + fuzz);
            if (last - first + 1 > max_ticks) continue;
            // i * m * 10^k, dividing by 10^-k for negative k: 3 / 10 is the
            // double nearest 0.3, 3 * 0.1 is not.
            const double p = std::pow(10.0, std::abs(k));
            std::vector<double> ticks;
            for (double i = first; i <= last; ++i) {
                const double v = k >= 0 ? i * m * p : i * m / p;
                ticks.push_back(v == 0 ? 0.0 : std::clamp(v, lo, hi));
            }
            if (ticks.empty()) ticks.push_back(lo);  // only if max_ticks == 1
            return ticks;
        }
    }
    return {lo, hi};
}

Rgba Legend::colour(double v) const {
    if (std::isnan(v)) return no_data;
    double t = hi != lo ? (v - lo) / (hi - lo) : 0.5;
    t = std::clamp(std::isnan(t) ? 0.5 : t, 0.0, 1.0);
    if (bins > 0) {
        const int cls = std::min(static_cast<int>(t * bins), bins - 1);
        t = (cls + 0.5) / bins;
    }
    return sample(palette, t);
}

std::vector<double> Legend::ticks(int max_ticks) const {
    if (bins > 0 && bins + 1 <= max_ticks && std::isfinite(lo) && std::isfinite(hi)) {
        std::vector<double> t;
        for (int i = 0; i < bins; ++i) t.push_back(lo + (hi - lo) * i / bins);
        t.push_back(hi);
        return t;
    }
    return nice_ticks(lo, hi, max_ticks);
}

std::string Legend::format(double v) const { return percent && std::isfinite(v) ? compact(v * 100) + "%" : compact(v); }

Legend make_legend(Measure m, std::string title, const std::vector<double>& values, bool percent) {
    Legend legend;
    legend.title = std::move(title);
    switch (m) {
    case Measure::probability:
        legend.lo = 0;
        legend.hi = 1;
        legend.percent = true;
        legend.bins = 5;
        break;
    case Measure::share:
        legend.lo = 0;
        legend.hi = 1;
        legend.percent = true;
        break;
    case Measure::count:
        legend.lo = 0;
        legend.hi = std::max(1.0, nice_ceil(max_finite(values, false)));
        break;
    case Measure::accessibility: {
        const double hi = nice_ceil(max_finite(values, false));
        legend.lo = 0;
        legend.hi = hi > 0 ? hi : 1;
        break;
    }
    case Measure::difference: {
        const double hi = nice_ceil(max_finite(values, true));
        legend.palette = Palette::diverging;
        legend.hi = hi > 0 ? hi : 1;
        legend.lo = -legend.hi;
        legend.percent = percent;
        break;
    }
    }
    return legend;
}

Rgba categorical(std::size_t i) {
    // Okabe & Ito (2008), "Color Universal Design"; grey in place of black.
    static constexpr std::array<Rgba, 8> colours{{
        {0xE6, 0x9F, 0x00},  // orange
        {0x56, 0xB4, 0xE9},  // sky blue
        {0x00, 0x9E, 0x73},  // bluish green
        {0xF0, 0xE4, 0x42},  // yellow
        {0x00, 0x72, 0xB2},  // blue
        {0xD5, 0x5E, 0x00},  // vermillion
        {0xCC, 0x79, 0xA7},  // reddish purple
        {0x99, 0x99, 0x99},  // grey
    }};
    return colours[i % colours.size()];
}

}  // namespace tisheng::view
