#include "core/triangulate.hpp"

#include <GL/glu.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <deque>
#include <memory>

namespace tisheng::view {

namespace {

// State shared with GLU's callbacks through the *_DATA variants: no globals,
// so concurrent calls do not meet.
struct Context {
    // GLU keeps pointers to the coordinates and to the vertex data until
    // gluTessEndPolygon, so both live in a deque (stable addresses). coords
    // are relative to `origin`: GLU computes in doubles, and six-digit UTM
    // coordinates would spend their precision on the offset.
    struct Vertex {
        std::array<GLdouble, 3> coords;
        Vec2 world;
    };
    std::deque<Vertex> vertices;
    Vec2 origin;
    std::vector<Vec2>* out = nullptr;
    bool failed = false;
};

void GLAPIENTRY on_begin(GLenum, void*) {}  // always GL_TRIANGLES: an edge-flag callback is set
void GLAPIENTRY on_edge_flag(GLboolean, void*) {}
void GLAPIENTRY on_end(void*) {}

void GLAPIENTRY on_vertex(void* vertex, void* data) {
    auto* ctx = static_cast<Context*>(data);
    ctx->out->push_back(static_cast<Context::Vertex*>(vertex)->world);
}

// A new vertex where edges cross (or points coincide within GLU's tolerance).
void GLAPIENTRY on_combine(GLdouble coords[3], void*[4], GLfloat[4], void** out, void* data) {
    auto* ctx = static_cast<Context*>(data);
    auto& v = ctx->vertices.emplace_back();
    v.coords = {coords[0], coords[1], 0};
    v.world = {coords[0] + ctx->origin.x, coords[1] + ctx->origin.y};
    *out = &v;
}

void GLAPIENTRY on_error(GLenum, void* data) { static_cast<Context*>(data)->failed = true; }

template <class F>
_GLUfuncptr callback(F* f) {
    return reinterpret_cast<_GLUfuncptr>(f);
}

struct TessDeleter {
    void operator()(GLUtesselator* t) const { gluDeleteTess(t); }
};

bool finite(const MetricPoint& p) { return std::isfinite(p.x) && std::isfinite(p.y); }

// The ring's points without the closing repeat or consecutive duplicates.
std::vector<MetricPoint> open_ring(const Ring<MetricPoint>& ring) {
    std::vector<MetricPoint> pts;
    for (const auto& p : ring)
        if (finite(p) && (pts.empty() || !(pts.back() == p))) pts.push_back(p);
    while (pts.size() > 1 && pts.front() == pts.back()) pts.pop_back();
    return pts;
}

// GLU emits zero-area triangles where vertices are collinear (say, the
// corners of holes in a row); they cost vertices and draw nothing. Also drops
// slivers thinner than 1e-12 of their longest side, far below a pixel.
void drop_degenerate(std::vector<Vec2>& tris, Vec2 origin) {
    std::size_t kept = 0;
    for (std::size_t i = 0; i + 2 < tris.size(); i += 3) {
        const Vec2 a{tris[i].x - origin.x, tris[i].y - origin.y};
        const Vec2 b{tris[i + 1].x - origin.x, tris[i + 1].y - origin.y};
        const Vec2 c{tris[i + 2].x - origin.x, tris[i + 2].y - origin.y};
        const double cross = (b.x - a.x) * (c.y - a.y) - (c.x - a.x) * (b.y - a.y);
        auto len2 = [](Vec2 p, Vec2 q) { return (p.x - q.x) * (p.x - q.x) + (p.y - q.y) * (p.y - q.y); };
        const double longest2 = std::max({len2(a, b), len2(b, c), len2(c, a)});
        if (std::abs(cross) <= 1e-12 * longest2) continue;
        for (int k = 0; k < 3; ++k) tris[kept++] = tris[i + k];
    }
    tris.resize(kept);
}

// Triangulates one part (outer ring first, then holes) into `out`; false if
// GLU reported an error. A fresh tessellator each time: after an error GLU's
// state is not worth trusting, and creating one is cheap.
bool tessellate(const std::vector<std::vector<MetricPoint>>& rings, std::vector<Vec2>& out) {
    const std::unique_ptr<GLUtesselator, TessDeleter> tess(gluNewTess());
    if (!tess) return false;
    GLUtesselator* t = tess.get();
    gluTessCallback(t, GLU_TESS_BEGIN_DATA, callback(&on_begin));
    gluTessCallback(t, GLU_TESS_EDGE_FLAG_DATA, callback(&on_edge_flag));
    gluTessCallback(t, GLU_TESS_VERTEX_DATA, callback(&on_vertex));
    gluTessCallback(t, GLU_TESS_END_DATA, callback(&on_end));
    gluTessCallback(t, GLU_TESS_COMBINE_DATA, callback(&on_combine));
    gluTessCallback(t, GLU_TESS_ERROR_DATA, callback(&on_error));
    gluTessProperty(t, GLU_TESS_WINDING_RULE, GLU_TESS_WINDING_ODD);
    gluTessNormal(t, 0, 0, 1);  // planar in z = 0: spares GLU the guess

    Context ctx;
    ctx.origin = {rings.front().front().x, rings.front().front().y};
    ctx.out = &out;
    gluTessBeginPolygon(t, &ctx);
    for (const auto& ring : rings) {
        gluTessBeginContour(t);
        for (const auto& p : ring) {
            auto& v = ctx.vertices.emplace_back();
            v.coords = {p.x - ctx.origin.x, p.y - ctx.origin.y, 0};
            v.world = {p.x, p.y};
            gluTessVertex(t, v.coords.data(), &v);
        }
        gluTessEndContour(t);
    }
    gluTessEndPolygon(t);
    if (ctx.failed) return false;
    drop_degenerate(out, ctx.origin);
    return true;
}

}  // namespace

double Triangles::area() const {
    double sum = 0;
    for (std::size_t i = 0; i + 2 < vertices.size(); i += 3) {
        const Vec2 a = vertices[i], b = vertices[i + 1], c = vertices[i + 2];
        sum += std::abs((b.x - a.x) * (c.y - a.y) - (c.x - a.x) * (b.y - a.y)) / 2;
    }
    return sum;
}

Triangles triangulate(const tisheng::MultiPolygon<tisheng::MetricPoint>& mp) {
    Triangles result;
    // Parts one at a time: with the odd rule, overlapping parts fed together
    // would cancel out.
    std::vector<Vec2> out;
    for (const auto& part : mp) {
        std::vector<std::vector<MetricPoint>> rings;
        if (auto outer = open_ring(part.outer); outer.size() >= 3) rings.push_back(std::move(outer));
        if (rings.empty()) continue;
        for (const auto& hole : part.holes)
            if (auto h = open_ring(hole); h.size() >= 3) rings.push_back(std::move(h));
        out.clear();
        if (!tessellate(rings, out)) continue;  // whole parts or nothing
        result.vertices.insert(result.vertices.end(), out.begin(), out.end());
    }
    return result;
}

}  // namespace tisheng::view
