#include "map_renderer.hpp"

#define GL_GLEXT_PROTOTYPES 1
#include <GL/gl.h>
#include <GL/glext.h>

#include <stdexcept>

#include "core/model.hpp"

namespace tisheng::viewer {
namespace {

// [SHADERS] Positions arrive as floats relative to the dataset's origin.
constexpr const char* solid_vs = R"(#version 330 core
layout(location = 0) in vec2 pos;
layout(location = 1) in vec4 col;
uniform mat4 M;
out vec4 v_col;
void main() { gl_Position = M * vec4(pos, 0.0, 1.0); v_col = col; })";
constexpr const char* solid_fs = R"(#version 330 core
in vec4 v_col;
uniform float alpha;
out vec4 frag;
void main() { frag = vec4(v_col.rgb, v_col.a * alpha); })";

// Points: a disc with a dark rim, the size in pixels per point.
constexpr const char* point_vs = R"(#version 330 core
layout(location = 0) in vec2 pos;
layout(location = 1) in vec4 col;
layout(location = 2) in float size;
uniform mat4 M;
uniform float scale;
out vec4 v_col;
void main() { gl_Position = M * vec4(pos, 0.0, 1.0); gl_PointSize = max(2.0, size * scale); v_col = col; })";
constexpr const char* point_fs = R"(#version 330 core
in vec4 v_col;
out vec4 frag;
void main() {
  float r = length(gl_PointCoord - vec2(0.5)) * 2.0;
  if (r > 1.0) discard;
  frag = r > 0.72 ? vec4(0.12, 0.12, 0.12, v_col.a) : v_col;
})";

constexpr const char* texture_vs = R"(#version 330 core
layout(location = 0) in vec2 pos;
layout(location = 1) in vec2 uv;
uniform mat4 M;
out vec2 v_uv;
void main() { gl_Position = M * vec4(pos, 0.0, 1.0); v_uv = uv; })";
constexpr const char* texture_fs = R"(#version 330 core
in vec2 v_uv;
uniform sampler2D tex;
uniform float alpha;
out vec4 frag;
void main() { vec4 c = texture(tex, v_uv); frag = vec4(c.rgb, c.a * alpha); })";

GLuint compile(GLenum type, const char* src, std::string& error) {
    GLuint s = glCreateShader(type);
    glShaderSource(s, 1, &src, nullptr);
    glCompileShader(s);
    GLint ok = 0;
    glGetShaderiv(s, GL_COMPILE_STATUS, &ok);
    if (!ok) {
        char log[1024];
        glGetShaderInfoLog(s, sizeof log, nullptr, log);
        error = log;
        glDeleteShader(s);
        return 0;
    }
    return s;
}

GLuint program(const char* vs, const char* fs, std::string& error) {
    GLuint v = compile(GL_VERTEX_SHADER, vs, error);
    GLuint f = v ? compile(GL_FRAGMENT_SHADER, fs, error) : 0;
    if (!v || !f) return 0;
    GLuint p = glCreateProgram();
    glAttachShader(p, v);
    glAttachShader(p, f);
    glLinkProgram(p);
    glDeleteShader(v);
    glDeleteShader(f);
    GLint ok = 0;
    glGetProgramiv(p, GL_LINK_STATUS, &ok);
    if (!ok) {
        char log[1024];
        glGetProgramInfoLog(p, sizeof log, nullptr, log);
        error = log;
        return 0;
    }
    return p;
}

void upload(GLuint buffer, const void* data, std::size_t bytes, GLenum usage) {
    glBindBuffer(GL_ARRAY_BUFFER, buffer);
    glBufferData(GL_ARRAY_BUFFER, static_cast<GLsizeiptr>(bytes), data, usage);
}

}  // namespace

MapRenderer::~MapRenderer() { release(); }

void MapRenderer::release() {
    // Slot 1 shares slot 0's positions: its own buffers only.
    for (Buffer* b : {&m_fill_a, &m_point_a}) b->pos = 0;
    for (Buffer* b : {&m_fill, &m_border, &m_point, &m_bins, &m_quad, &m_fill_a, &m_point_a, &m_bins_a}) {
        if (b->vao) glDeleteVertexArrays(1, &b->vao);
        for (unsigned* id : {&b->pos, &b->col, &b->size})
            if (*id) glDeleteBuffers(1, id);
        *b = {};
    }
    if (m_texture) glDeleteTextures(1, &m_texture);
    m_texture = 0;
    release_basemap();
}

bool MapRenderer::init(std::string& error) {
    m_solid = program(solid_vs, solid_fs, error);
    if (m_solid) m_points = program(point_vs, point_fs, error);
    if (m_points) m_texture_prog = program(texture_vs, texture_fs, error);
    return m_texture_prog != 0;
}

void MapRenderer::set_geometry(const Dataset& d) {
    release();
    m_origin_x = d.origin.x;
    m_origin_y = d.origin.y;
    auto rel = [&](view::Vec2 p, std::vector<float>& out) {
        out.push_back(static_cast<float>(p.x - d.origin.x));
        out.push_back(static_cast<float>(p.y - d.origin.y));
    };
    // `positions`: another buffer's, shared (slot 1), or 0 for a new one.
    auto make = [](Buffer& b, bool colour, bool size, unsigned positions = 0) {
        glGenVertexArrays(1, &b.vao);
        glBindVertexArray(b.vao);
        if (positions) b.pos = positions;
        else glGenBuffers(1, &b.pos);
        glBindBuffer(GL_ARRAY_BUFFER, b.pos);
        glEnableVertexAttribArray(0);
        glVertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, 0, nullptr);
        if (colour) {
            glGenBuffers(1, &b.col);
            glBindBuffer(GL_ARRAY_BUFFER, b.col);
            glEnableVertexAttribArray(1);
            glVertexAttribPointer(1, 4, GL_UNSIGNED_BYTE, GL_TRUE, 0, nullptr);
        }
        if (size) {
            glGenBuffers(1, &b.size);
            glBindBuffer(GL_ARRAY_BUFFER, b.size);
            glEnableVertexAttribArray(2);
            glVertexAttribPointer(2, 1, GL_FLOAT, GL_FALSE, 0, nullptr);
        }
    };

    std::vector<float> xy;
    m_fill_unit.clear();
    for (std::size_t u = 0; u < d.fills.size(); ++u)
        for (const view::Vec2& p : d.fills[u].vertices) {
            rel(p, xy);
            m_fill_unit.push_back(static_cast<std::uint32_t>(u));
        }
    make(m_fill, true, false);
    upload(m_fill.pos, xy.data(), xy.size() * sizeof(float), GL_STATIC_DRAW);
    m_fill.count = static_cast<int>(m_fill_unit.size());
    make(m_fill_a, true, false, m_fill.pos);
    m_fill_a.count = m_fill.count;
    for (int slot : {0, 1}) set_unit_colours(std::vector<view::Rgba>(d.units.size(), view::Rgba{200, 200, 200, 255}), slot);

    // Borders: every ring edge as a line segment, dark grey.
    xy.clear();
    for (const auto& mp : d.units)
        for (const auto& poly : mp) {
            auto ring = [&](const Ring<MetricPoint>& r) {
                for (std::size_t i = 1; i < r.size(); ++i) {
                    rel({r[i - 1].x, r[i - 1].y}, xy);
                    rel({r[i].x, r[i].y}, xy);
                }
            };
            ring(poly.outer);
            for (const auto& h : poly.holes) ring(h);
        }
    make(m_border, true, false);
    upload(m_border.pos, xy.data(), xy.size() * sizeof(float), GL_STATIC_DRAW);
    m_border.count = static_cast<int>(xy.size() / 2);
    std::vector<view::Rgba> dark(static_cast<std::size_t>(m_border.count), view::Rgba{40, 40, 48, 255});
    upload(m_border.col, dark.data(), dark.size() * sizeof(view::Rgba), GL_STATIC_DRAW);

    xy.clear();
    for (const view::Vec2& p : d.points) rel(p, xy);
    make(m_point, true, true);
    upload(m_point.pos, xy.data(), xy.size() * sizeof(float), GL_STATIC_DRAW);
    m_point.count = static_cast<int>(d.points.size());
    make(m_point_a, true, true, m_point.pos);
    m_point_a.count = m_point.count;
    for (int slot : {0, 1})
        set_point_style(std::vector<view::Rgba>(d.points.size(), view::Rgba{90, 90, 90, 255}), std::vector<float>(d.points.size(), 4.0f), slot);

    make(m_bins, true, true);  // filled by set_bins when many points are in view
    make(m_bins_a, true, true);
    make(m_quad, false, false);
    glGenBuffers(1, &m_quad.col);  // uv
    glBindBuffer(GL_ARRAY_BUFFER, m_quad.col);
    glEnableVertexAttribArray(1);
    glVertexAttribPointer(1, 2, GL_FLOAT, GL_FALSE, 0, nullptr);
    glBindVertexArray(0);
    m_has_surface = false;
}

void MapRenderer::set_unit_colours(const std::vector<view::Rgba>& per_unit, int slot) {
    const Buffer& b = slot ? m_fill_a : m_fill;
    if (!b.col) return;
    std::vector<view::Rgba> col(m_fill_unit.size());
    for (std::size_t i = 0; i < col.size(); ++i) col[i] = per_unit.at(m_fill_unit[i]);
    upload(b.col, col.data(), col.size() * sizeof(view::Rgba), GL_DYNAMIC_DRAW);
}

void MapRenderer::set_point_style(const std::vector<view::Rgba>& colour, const std::vector<float>& size_px, int slot) {
    const Buffer& b = slot ? m_point_a : m_point;
    if (!b.col) return;
    upload(b.col, colour.data(), colour.size() * sizeof(view::Rgba), GL_DYNAMIC_DRAW);
    upload(b.size, size_px.data(), size_px.size() * sizeof(float), GL_DYNAMIC_DRAW);
}

void MapRenderer::set_bins(const view::Bins& bins, int slot) {
    Buffer& b = slot ? m_bins_a : m_bins;
    if (!b.vao) return;
    std::vector<float> xy;
    xy.reserve(bins.centre.size() * 2);
    for (const view::Vec2& p : bins.centre) {
        xy.push_back(static_cast<float>(p.x - m_origin_x));
        xy.push_back(static_cast<float>(p.y - m_origin_y));
    }
    upload(b.pos, xy.data(), xy.size() * sizeof(float), GL_DYNAMIC_DRAW);
    upload(b.col, bins.colour.data(), bins.colour.size() * sizeof(view::Rgba), GL_DYNAMIC_DRAW);
    upload(b.size, bins.size_px.data(), bins.size_px.size() * sizeof(float), GL_DYNAMIC_DRAW);
    b.count = static_cast<int>(bins.centre.size());
}

void MapRenderer::set_surface(const coverage::Grid& grid, const std::vector<view::Rgba>& rgba) {
    if (!m_quad.vao) return;
    if (!m_texture) glGenTextures(1, &m_texture);
    glBindTexture(GL_TEXTURE_2D, m_texture);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, static_cast<GLsizei>(grid.width), static_cast<GLsizei>(grid.height), 0, GL_RGBA,
                 GL_UNSIGNED_BYTE, rgba.data());
    // Row 0 is the top: v = 0 at the top edge.
    const float x0 = static_cast<float>(grid.x0 - m_origin_x), y0 = static_cast<float>(grid.y0 - m_origin_y);
    const float x1 = x0 + static_cast<float>(grid.cell * static_cast<double>(grid.width));
    const float y1 = y0 - static_cast<float>(grid.cell * static_cast<double>(grid.height));
    const float pos[] = {x0, y0, x1, y0, x1, y1, x0, y0, x1, y1, x0, y1};
    const float uv[] = {0, 0, 1, 0, 1, 1, 0, 0, 1, 1, 0, 1};
    upload(m_quad.pos, pos, sizeof pos, GL_DYNAMIC_DRAW);
    upload(m_quad.col, uv, sizeof uv, GL_DYNAMIC_DRAW);
    m_quad.count = 6;
    m_has_surface = true;
}

void MapRenderer::use_texture(const std::array<float, 16>& M, float alpha, unsigned texture) const {
    glUseProgram(m_texture_prog);
    glUniformMatrix4fv(glGetUniformLocation(m_texture_prog, "M"), 1, GL_FALSE, M.data());
    glUniform1f(glGetUniformLocation(m_texture_prog, "alpha"), alpha);
    glUniform1i(glGetUniformLocation(m_texture_prog, "tex"), 0);
    glActiveTexture(GL_TEXTURE0);
    glBindTexture(GL_TEXTURE_2D, texture);
}

void MapRenderer::draw(const view::Camera& camera, const MapLayers& layers, int fb_height, int slot) const {
    const Buffer& fills = slot ? m_fill_a : m_fill;
    if (!fills.vao) return;
    const view::Rect& vp = camera.viewport;
    const auto x = static_cast<GLint>(vp.x), y = static_cast<GLint>(fb_height - (vp.y + vp.h));
    const auto w = static_cast<GLsizei>(vp.w), h = static_cast<GLsizei>(vp.h);
    if (w <= 0 || h <= 0) return;
    glViewport(x, y, w, h);
    glEnable(GL_SCISSOR_TEST);
    glScissor(x, y, w, h);
    glClearColor(0.93f, 0.94f, 0.95f, 1.0f);
    glClear(GL_COLOR_BUFFER_BIT);
    glEnable(GL_BLEND);
    glBlendFunc(GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA);
    glDisable(GL_DEPTH_TEST);
    glDisable(GL_CULL_FACE);
    const auto M = camera.world_to_ndc({m_origin_x, m_origin_y});
    if (layers.basemap) draw_basemap(M, layers, camera.metres_per_pixel);  // under everything

    glUseProgram(m_solid);
    glUniformMatrix4fv(glGetUniformLocation(m_solid, "M"), 1, GL_FALSE, M.data());
    glUniform1f(glGetUniformLocation(m_solid, "alpha"), layers.fill_alpha);
    if (layers.fill) {
        glBindVertexArray(fills.vao);
        glDrawArrays(GL_TRIANGLES, 0, fills.count);
    }
    if (layers.surface && m_has_surface) {
        use_texture(M, layers.surface_opacity, m_texture);
        glBindVertexArray(m_quad.vao);
        glDrawArrays(GL_TRIANGLES, 0, m_quad.count);
        glUseProgram(m_solid);
    }
    if (layers.borders) {
        glUniform1f(glGetUniformLocation(m_solid, "alpha"), 1.0f);
        glBindVertexArray(m_border.vao);
        glDrawArrays(GL_LINES, 0, m_border.count);
    }
    const Buffer& points = layers.aggregated ? (slot ? m_bins_a : m_bins) : (slot ? m_point_a : m_point);
    if (layers.points && points.count > 0) {
        glUseProgram(m_points);
        glUniformMatrix4fv(glGetUniformLocation(m_points, "M"), 1, GL_FALSE, M.data());
        glUniform1f(glGetUniformLocation(m_points, "scale"), layers.aggregated ? 1.0f : layers.point_scale);
        glEnable(GL_PROGRAM_POINT_SIZE);
        glBindVertexArray(points.vao);
        glDrawArrays(GL_POINTS, 0, points.count);
    }
    glBindVertexArray(0);
    glUseProgram(0);
    glDisable(GL_SCISSOR_TEST);
}

}  // namespace tisheng::viewer
