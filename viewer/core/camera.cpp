#include "core/camera.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace tisheng::view {

namespace {

double clamp_mpp(double mpp) {
    return std::clamp(mpp, Camera::min_metres_per_pixel, Camera::max_metres_per_pixel);
}

// Viewport sides used as divisors: a collapsed window must not give inf.
double side(double px) { return std::max(px, 1.0); }

}  // namespace

bool Rect::contains(Vec2 p) const { return p.x >= x && p.x < x + w && p.y >= y && p.y < y + h; }

Vec2 Camera::to_screen(Vec2 world) const {
    return {viewport.x + viewport.w / 2 + (world.x - center.x) / metres_per_pixel,
            viewport.y + viewport.h / 2 - (world.y - center.y) / metres_per_pixel};
}

Vec2 Camera::to_world(Vec2 screen) const {
    return {center.x + (screen.x - viewport.x - viewport.w / 2) * metres_per_pixel,
            center.y - (screen.y - viewport.y - viewport.h / 2) * metres_per_pixel};
}

void Camera::fit(const tisheng::Box& world, double margin_px) {
    const double bw = world.max_x - world.min_x;
    const double bh = world.max_y - world.min_y;
    // Inverted (an empty bounding box) or non-finite: nothing to fit.
    if (!std::isfinite(bw) || !std::isfinite(bh) || bw < 0 || bh < 0) return;
    center = {world.min_x + bw / 2, world.min_y + bh / 2};

    const double margin = std::isfinite(margin_px) ? std::max(margin_px, 0.0) : 0.0;
    const double avail_w = side(viewport.w - 2 * margin);
    const double avail_h = side(viewport.h - 2 * margin);
    // The tighter axis decides; a zero-extent axis does not constrain.
    const double mpp = std::max(bw / avail_w, bh / avail_h);
    if (mpp > 0) metres_per_pixel = clamp_mpp(mpp);
}

void Camera::zoom_at(Vec2 screen, double factor) {
    if (!(factor > 0) || !std::isfinite(factor)) return;
    const Vec2 anchor = to_world(screen);
    metres_per_pixel = clamp_mpp(metres_per_pixel / factor);
    // Re-centre so that to_world(screen) == anchor again.
    center = {anchor.x - (screen.x - viewport.x - viewport.w / 2) * metres_per_pixel,
              anchor.y + (screen.y - viewport.y - viewport.h / 2) * metres_per_pixel};
}

void Camera::pan(Vec2 delta_px) {
    center.x -= delta_px.x * metres_per_pixel;
    center.y += delta_px.y * metres_per_pixel;  // screen y is down, world y up
}

std::array<float, 16> Camera::world_to_ndc(Vec2 origin) const {
    // ndc = (v + origin - center) * 2 / (mpp * viewport side), per axis; both
    // world and NDC have y up. The translation is taken in double first.
    const double sx = 2 / (metres_per_pixel * side(viewport.w));
    const double sy = 2 / (metres_per_pixel * side(viewport.h));
    std::array<float, 16> m{};
    m[0] = static_cast<float>(sx);
    m[5] = static_cast<float>(sy);
    m[10] = 1;
    m[12] = static_cast<float>((origin.x - center.x) * sx);
    m[13] = static_cast<float>((origin.y - center.y) * sy);
    m[15] = 1;
    return m;
}

Rect Camera::visible_world() const {
    const double w = viewport.w * metres_per_pixel;
    const double h = viewport.h * metres_per_pixel;
    return {center.x - w / 2, center.y - h / 2, w, h};
}

ScaleBar scale_bar(double metres_per_pixel, double max_pixels) {
    if (!(metres_per_pixel > 0) || !(max_pixels > 0) || !std::isfinite(metres_per_pixel) || !std::isfinite(max_pixels))
        return {};
    const double limit = metres_per_pixel * max_pixels;  // longest length that fits
    // Start one decade above log10's estimate and walk down: log10 may round
    // either way at exact powers of ten.
    double decade = std::pow(10.0, std::floor(std::log10(limit)) + 1);
    double metres = 0;
    for (int i = 0; i < 8 && metres == 0; ++i, decade /= 10) {
        for (const double m : {5.0, 2.0, 1.0}) {
            if (m * decade / metres_per_pixel <= max_pixels) {
                metres = m * decade;
                break;
            }
        }
    }
    char buf[32];
    if (metres >= 1000)
        std::snprintf(buf, sizeof buf, "%g km", metres / 1000);
    else
        std::snprintf(buf, sizeof buf, "%g m", metres);
    return {metres, metres / metres_per_pixel, buf};
}

}  // namespace tisheng::view
