// [MAP] The basemap's part of the map renderer: its raster as a texture on a
// world quad and its vector lines as one line buffer, drawn under the
// units (map_renderer.cpp calls draw_basemap first). The raster texture is
// replaced whenever a new tile arrives (basemap_layer.cpp); the lines are
// uploaded once.
#include "map_renderer.hpp"

#define GL_GLEXT_PROTOTYPES 1
#include <GL/gl.h>
#include <GL/glext.h>

#include <algorithm>

namespace tisheng::viewer {
namespace {

void upload(GLuint buffer, const void* data, std::size_t bytes) {
    glBindBuffer(GL_ARRAY_BUFFER, buffer);
    glBufferData(GL_ARRAY_BUFFER, static_cast<GLsizeiptr>(bytes), data, GL_STATIC_DRAW);
}

/// A vertex array of float positions (attribute 0) and a second attribute
/// (1): `second` floats, or 4 normalised bytes when `second` is 0.
void make(unsigned& vao, unsigned& pos, unsigned& other, int second) {
    glGenVertexArrays(1, &vao);
    glBindVertexArray(vao);
    glGenBuffers(1, &pos);
    glBindBuffer(GL_ARRAY_BUFFER, pos);
    glEnableVertexAttribArray(0);
    glVertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, 0, nullptr);
    glGenBuffers(1, &other);
    glBindBuffer(GL_ARRAY_BUFFER, other);
    glEnableVertexAttribArray(1);
    if (second > 0) glVertexAttribPointer(1, second, GL_FLOAT, GL_FALSE, 0, nullptr);
    else glVertexAttribPointer(1, 4, GL_UNSIGNED_BYTE, GL_TRUE, 0, nullptr);
    glBindVertexArray(0);
}

}  // namespace

void MapRenderer::release_basemap() {
    for (Buffer* b : {&m_basemap_quad, &m_basemap_lines}) {
        if (b->vao) glDeleteVertexArrays(1, &b->vao);
        for (unsigned* id : {&b->pos, &b->col})
            if (*id) glDeleteBuffers(1, id);
        *b = {};
    }
    if (m_basemap_texture) glDeleteTextures(1, &m_basemap_texture);
    m_basemap_texture = 0;
}

void MapRenderer::set_basemap(const view::Image& rgba, const tisheng::Box& world) {
    if (rgba.width <= 0 || rgba.height <= 0) {
        m_basemap_quad.count = 0;
        return;
    }
    if (!m_basemap_quad.vao) make(m_basemap_quad.vao, m_basemap_quad.pos, m_basemap_quad.col, 2);
    if (!m_basemap_texture) glGenTextures(1, &m_basemap_texture);
    glBindTexture(GL_TEXTURE_2D, m_basemap_texture);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, rgba.width, rgba.height, 0, GL_RGBA, GL_UNSIGNED_BYTE, rgba.pixels.data());
    // Row 0 is the north edge: v = 0 at max y.
    const auto x0 = static_cast<float>(world.min_x - m_origin_x), x1 = static_cast<float>(world.max_x - m_origin_x);
    const auto y0 = static_cast<float>(world.max_y - m_origin_y), y1 = static_cast<float>(world.min_y - m_origin_y);
    const float pos[] = {x0, y0, x1, y0, x1, y1, x0, y0, x1, y1, x0, y1};
    const float uv[] = {0, 0, 1, 0, 1, 1, 0, 0, 1, 1, 0, 1};
    upload(m_basemap_quad.pos, pos, sizeof pos);
    upload(m_basemap_quad.col, uv, sizeof uv);
    m_basemap_quad.count = 6;
    m_basemap_texel = (world.max_x - world.min_x) / rgba.width;
    m_basemap_opaque = std::all_of(rgba.pixels.begin(), rgba.pixels.end(), [](view::Rgba c) { return c.a == 255; });
}

void MapRenderer::set_basemap_lines(const view::BasemapLines& lines) {
    if (!m_basemap_lines.vao) make(m_basemap_lines.vao, m_basemap_lines.pos, m_basemap_lines.col, 0);
    std::vector<float> xy;
    std::vector<view::Rgba> colour;
    xy.reserve(lines.points.size() * 2);
    colour.reserve(lines.points.size());
    for (std::size_t i = 0; i < lines.points.size(); ++i) {
        xy.push_back(static_cast<float>(lines.points[i].x - m_origin_x));
        xy.push_back(static_cast<float>(lines.points[i].y - m_origin_y));
        // Quiet colours: context, not data.
        colour.push_back(lines.kind[i / 2] == view::LineKind::water ? view::Rgba{120, 160, 205, 255} : view::Rgba{165, 160, 150, 255});
    }
    upload(m_basemap_lines.pos, xy.data(), xy.size() * sizeof(float));
    upload(m_basemap_lines.col, colour.data(), colour.size() * sizeof(view::Rgba));
    m_basemap_lines.count = static_cast<int>(lines.points.size());
}

void MapRenderer::draw_basemap(const std::array<float, 16>& M, const MapLayers& layers, double metres_per_pixel) const {
    if (m_basemap_quad.count > 0) {
        // Under software rendering the quad covers the whole map, so its
        // fragments are what it costs: nearest texels where they are about
        // the size of a pixel (the tile was resampled for this zoom), linear
        // only when magnified; no blending when nothing shows through.
        const bool magnified = m_basemap_texel > 1.5 * metres_per_pixel;
        const bool opaque = m_basemap_opaque && layers.basemap_opacity >= 1.0f;
        use_texture(M, layers.basemap_opacity, m_basemap_texture);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, magnified ? GL_LINEAR : GL_NEAREST);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, magnified ? GL_LINEAR : GL_NEAREST);
        if (opaque) glDisable(GL_BLEND);
        glBindVertexArray(m_basemap_quad.vao);
        glDrawArrays(GL_TRIANGLES, 0, m_basemap_quad.count);
        glEnable(GL_BLEND);
    }
    if (m_basemap_lines.count > 0) {
        glUseProgram(m_solid);
        glUniformMatrix4fv(glGetUniformLocation(m_solid, "M"), 1, GL_FALSE, M.data());
        glUniform1f(glGetUniformLocation(m_solid, "alpha"), layers.basemap_opacity);
        glBindVertexArray(m_basemap_lines.vao);
        glDrawArrays(GL_LINES, 0, m_basemap_lines.count);
    }
    glBindVertexArray(0);
}

}  // namespace tisheng::viewer
