// The map's many vertices in OpenGL buffers uploaded once: unit fills
// (triangles cached at load), unit borders (lines), points (GL_POINTS drawn
// as discs), and the coverage surface (a texture). ImGui draws only the UI,
// labels and overlays on top: under software rendering every vertex pushed
// through ImGui's draw lists costs ~0.35 µs, GL buffers far less.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/aggregate.hpp"
#include "core/basemap.hpp"
#include "core/camera.hpp"
#include "core/legend.hpp"
#include "tisheng/coverage/coverage.hpp"

namespace tisheng::viewer {

struct Dataset;

struct MapLayers {
    bool fill = true, borders = true, points = true, surface = false;
    float surface_opacity = 0.5f;
    float point_scale = 1;  ///< shrinks the discs where they would cover the map many times over
    bool aggregated = false;  ///< draw the bins of set_bins instead of every point
    bool basemap = false;       ///< draw the basemap of set_basemap / set_basemap_lines under everything
    float basemap_opacity = 1;
    float fill_alpha = 1;       ///< unit fills' opacity (below 1 lets a basemap show through)
};

class MapRenderer {
public:
    MapRenderer() = default;
    ~MapRenderer();
    MapRenderer(const MapRenderer&) = delete;
    MapRenderer& operator=(const MapRenderer&) = delete;

    /// Compiles the shaders; needs a current GL 3.3 context. False with
    /// `error` set if the driver refuses them.
    bool init(std::string& error);
    /// Uploads the fills, borders and point positions of a dataset.
    void set_geometry(const Dataset& d);
    /// Colours and sizes of slot 0 (the run shown, B) or 1 (A, in the
    /// split view): the geometry is shared, each slot has its own styles.
    void set_unit_colours(const std::vector<view::Rgba>& per_unit, int slot = 0);
    void set_point_style(const std::vector<view::Rgba>& colour, const std::vector<float>& size_px, int slot = 0);
    void set_surface(const coverage::Grid& grid, const std::vector<view::Rgba>& rgba);
    /// The points aggregated into cells (core/aggregate.hpp), drawn instead
    /// of every point when MapLayers::aggregated.
    void set_bins(const view::Bins& bins, int slot = 0);
    /// Draws a slot into the camera's viewport of a framebuffer `fb_height` tall.
    void draw(const view::Camera& camera, const MapLayers& layers, int fb_height, int slot = 0) const;
    /// The basemap raster (core/basemap.hpp: RGBA, row 0 north) over a
    /// world rectangle; an empty image removes it. map_renderer_basemap.cpp.
    void set_basemap(const view::Image& rgba, const tisheng::Box& world);
    /// The basemap's vector lines, uploaded once (roads grey, water blue).
    void set_basemap_lines(const view::BasemapLines& lines);

private:
    struct Buffer {
        unsigned vao = 0, pos = 0, col = 0, size = 0;
        int count = 0;
    };
    void release();
    /// Binds the texture program with its matrix, opacity and texture.
    void use_texture(const std::array<float, 16>& M, float alpha, unsigned texture) const;
    void release_basemap();
    void draw_basemap(const std::array<float, 16>& M, const MapLayers& layers, double metres_per_pixel) const;
    unsigned m_solid = 0, m_points = 0, m_texture_prog = 0;
    Buffer m_fill, m_border, m_point, m_bins, m_quad;
    Buffer m_fill_a, m_point_a, m_bins_a;  ///< slot 1: m_fill's and m_point's positions, its own colours and sizes
    std::vector<std::uint32_t> m_fill_unit;  ///< per fill vertex: its unit
    unsigned m_texture = 0;
    double m_x0 = 0, m_y0 = 0, m_x1 = 0, m_y1 = 0;  ///< surface bounds, world
    double m_origin_x = 0, m_origin_y = 0;
    bool m_has_surface = false;
    Buffer m_basemap_quad, m_basemap_lines;
    unsigned m_basemap_texture = 0;
    double m_basemap_texel = 0;     ///< world metres
    bool m_basemap_opaque = false;  ///< every texel: drawn without blending when fully opaque
};

}  // namespace tisheng::viewer
