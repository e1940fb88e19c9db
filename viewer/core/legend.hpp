// Colour for map values: colour-blind-safe palettes, the legend's range,
// classes, ticks and labels, and categorical colours for points.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace tisheng::view {

/// 8-bit sRGB with alpha.
struct Rgba {
    std::uint8_t r = 0, g = 0, b = 0, a = 255;
    friend bool operator==(const Rgba&, const Rgba&) = default;
};

/// sequential: dark blue to light yellow in the manner of cividis, CIE L*
/// strictly increasing along t. diverging: blue (t = 0) through a light
/// neutral grey (0.5) to orange-brown (1), lightest at the centre and equally
/// dark at both ends. Neither relies on red against green.
enum class Palette { sequential, diverging };

/// Colour at t, clamped to [0, 1] (NaN counts as 0).
Rgba sample(Palette p, double t);
/// CIE L* (0-100) of an sRGB colour, D65 white.
double lightness(Rgba c);
/// Multiples of a 1-2-5 x 10^k step inside [lo, hi], at most max_ticks of
/// them (the finest step that allows it). Empty for non-finite input.
std::vector<double> nice_ticks(double lo, double hi, int max_ticks);

struct Legend {
    std::string title;
    Palette palette = Palette::sequential;
    double lo = 0, hi = 1;
    int bins = 0;           ///< 0: continuous; else `bins` equal classes, each the colour of its middle
    bool percent = false;   ///< tick labels as percentages (value 0.35 -> "35%")
    Rgba no_data{200, 200, 200, 255};

    /// NaN -> no_data; values outside [lo, hi] take the end colours.
    [[nodiscard]] Rgba colour(double v) const;
    /// Class boundaries when binned (if they fit in max_ticks), else nice_ticks.
    [[nodiscard]] std::vector<double> ticks(int max_ticks = 6) const;
    /// "35%" if percent, else a compact number: "1.2k", "250", "0.75".
    [[nodiscard]] std::string format(double v) const;
};

enum class Measure { probability, count, share, accessibility, difference };

/// A legend suited to the measure, its range taken from `values` (NaN and
/// infinities ignored):
///   probability: 0-100 %, five classes of 20 %;  share: 0-100 %, continuous;
///   count, accessibility: 0 to a nice ceiling of the maximum (count >= 1);
///   difference: diverging, symmetric about 0 up to a nice ceiling of max |v|.
/// `percent` applies to difference only; the others fix it.
Legend make_legend(Measure m, std::string title, const std::vector<double>& values, bool percent = false);

/// Okabe-Ito colours for categories (point status, industries), black left
/// out: orange, sky blue, bluish green, yellow, blue, vermillion, reddish
/// purple, grey; cycles after 8.
Rgba categorical(std::size_t i);

}  // namespace tisheng::view
