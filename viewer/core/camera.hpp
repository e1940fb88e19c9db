// The map camera: world metres (the region's metric CRS, x east, y north) to
// screen pixels (origin top-left, y down) and back, zoom about the cursor,
// pan, fit, the matrix for the GL map shader, and the scale bar.
#pragma once

#include <array>
#include <string>

#include "tisheng/geo/geo.hpp"

namespace tisheng::view {

struct Vec2 {
    double x = 0;
    double y = 0;
    friend bool operator==(const Vec2&, const Vec2&) = default;
};

/// Axis-aligned rectangle: (x, y) is the min corner (top-left on screen).
struct Rect {
    double x = 0, y = 0, w = 0, h = 0;
    /// Half-open: [x, x + w) x [y, y + h).
    [[nodiscard]] bool contains(Vec2 p) const;
};

/// View state only; plain and copyable. Pixels are square.
class Camera {
public:
    Rect viewport;                 ///< screen rect of the map, pixels
    Vec2 center;                   ///< world point at the viewport's centre
    double metres_per_pixel = 1;

    static constexpr double min_metres_per_pixel = 0.01;
    static constexpr double max_metres_per_pixel = 1e6;

    [[nodiscard]] Vec2 to_screen(Vec2 world) const;
    [[nodiscard]] Vec2 to_world(Vec2 screen) const;
    /// Centres the box and zooms so that all of it is visible inside the
    /// viewport less `margin_px` on each side. An empty or inverted box leaves
    /// the camera as it is; a point or a line keeps the current zoom on its
    /// degenerate axis.
    void fit(const tisheng::Box& world, double margin_px = 24);
    /// factor > 1 zooms in. The world point under `screen` stays under it
    /// (unless metres_per_pixel hits its clamp).
    void zoom_at(Vec2 screen, double factor);
    /// Drags the map by `delta_px`: the world moves with the mouse.
    void pan(Vec2 delta_px);
    /// Column-major 4x4 matrix for a shader whose float vertex positions are
    /// (world - origin), to NDC of the viewport (glViewport set to it), y up.
    /// Subtracting a nearby origin keeps float positions precise: UTM
    /// eastings and northings are 6-7 digits of metres.
    [[nodiscard]] std::array<float, 16> world_to_ndc(Vec2 origin) const;
    /// World rect visible in the viewport (x, y = min corner).
    [[nodiscard]] Rect visible_world() const;
};

struct ScaleBar {
    double metres = 0;
    double pixels = 0;
    std::string label;  ///< "500 m", "2 km", "50 km"
};

/// Largest 1-2-5 x 10^k length whose pixel length is <= max_pixels (and so
/// > max_pixels / 2.5). Zero length and an empty label for invalid input.
ScaleBar scale_bar(double metres_per_pixel, double max_pixels);

}  // namespace tisheng::view
