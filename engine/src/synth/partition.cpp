#include "synth/detail/partition.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <utility>

#include <boost/geometry/algorithms/is_valid.hpp>
#include <boost/geometry/algorithms/within.hpp>

#include "tisheng/core/error.hpp"

namespace tisheng::detail {

namespace {

using VertexId = std::size_t;
using IdRing = std::vector<VertexId>;  ///< open: the first vertex is not repeated

std::string str(const BgPoint& p) { return std::to_string(p.x()) + " " + std::to_string(p.y()); }

/// Vertices merged within `snap`: a point joins the lowest-numbered vertex
/// within reach, or becomes a new one. Deterministic in the insertion order.
class VertexSet {
public:
    explicit VertexSet(double snap) : m_snap(snap) {}

    VertexId add(const BgPoint& p) {
        const auto cx = cell(p.x()), cy = cell(p.y());
        VertexId best = std::numeric_limits<VertexId>::max();
        for (std::int64_t dx = -1; dx <= 1; ++dx)
            for (std::int64_t dy = -1; dy <= 1; ++dy) {
                auto it = m_grid.find({cx + dx, cy + dy});
                if (it == m_grid.end()) continue;
                for (VertexId v : it->second)
                    if (v < best && std::hypot(m_points[v].x() - p.x(), m_points[v].y() - p.y()) <= m_snap) best = v;
            }
        if (best != std::numeric_limits<VertexId>::max()) return best;
        m_points.push_back(p);
        m_grid[{cx, cy}].push_back(m_points.size() - 1);
        return m_points.size() - 1;
    }

    [[nodiscard]] const std::vector<BgPoint>& points() const { return m_points; }

private:
    [[nodiscard]] std::int64_t cell(double v) const { return static_cast<std::int64_t>(std::floor(v / m_snap)); }

    double m_snap;
    std::vector<BgPoint> m_points;
    std::map<std::pair<std::int64_t, std::int64_t>, std::vector<VertexId>> m_grid;
};

/// A closed Boost.Geometry ring as vertex ids, without repeats in a row.
IdRing to_ids(const std::vector<BgPoint>& ring, VertexSet& vertices) {
    IdRing ids;
    for (std::size_t k = 0; k + 1 < ring.size(); ++k) {
        VertexId v = vertices.add(ring[k]);
        if (ids.empty() || ids.back() != v) ids.push_back(v);
    }
    while (ids.size() > 1 && ids.front() == ids.back()) ids.pop_back();
    return ids;
}

/// The ring with every vertex that lies within `snap` of one of its edges
/// inserted into that edge, in order. Computed from the edge's ends in id
/// order, so that both pieces along a border insert the same vertices.
IdRing split_edges(const IdRing& ring, const std::vector<BgPoint>& pts, double snap) {
    IdRing out;
    std::vector<std::pair<double, VertexId>> on;
    for (std::size_t k = 0; k < ring.size(); ++k) {
        const VertexId a = ring[k], b = ring[(k + 1) % ring.size()];
        out.push_back(a);
        const BgPoint& p = pts[std::min(a, b)];
        const BgPoint& q = pts[std::max(a, b)];
        const double dx = q.x() - p.x(), dy = q.y() - p.y(), len2 = dx * dx + dy * dy;
        on.clear();
        for (VertexId v = 0; v < pts.size(); ++v) {
            if (v == a || v == b) continue;
            const double vx = pts[v].x() - p.x(), vy = pts[v].y() - p.y();
            const double t = (vx * dx + vy * dy) / len2;
            if (t <= 0 || t >= 1) continue;
            if (std::hypot(vx - t * dx, vy - t * dy) <= snap) on.emplace_back(t, v);
        }
        std::sort(on.begin(), on.end());
        if (a > b) std::reverse(on.begin(), on.end());
        for (const auto& [t, v] : on) out.push_back(v);
    }
    return out;
}

/// Splits a closed walk (first vertex repeated at the end) into simple
/// cycles at the vertices it visits twice, e.g. where two parts of a unit
/// touch at a point.
void split_walk(const IdRing& walk, std::vector<IdRing>& cycles) {
    IdRing stack;
    std::map<VertexId, std::size_t> at;
    for (VertexId v : walk) {
        auto it = at.find(v);
        if (it == at.end()) {
            at[v] = stack.size();
            stack.push_back(v);
            continue;
        }
        const std::size_t from = it->second;
        cycles.emplace_back(stack.begin() + static_cast<std::ptrdiff_t>(from), stack.end());
        for (std::size_t k = from + 1; k < stack.size(); ++k) at.erase(stack[k]);
        stack.resize(from + 1);
    }
}

/// Shoelace area: positive counter-clockwise.
double signed_area(const IdRing& ring, const std::vector<BgPoint>& pts) {
    double s = 0;
    for (std::size_t k = 0; k < ring.size(); ++k) {
        const BgPoint& p = pts[ring[k]];
        const BgPoint& q = pts[ring[(k + 1) % ring.size()]];
        s += p.x() * q.y() - q.x() * p.y();
    }
    return s / 2;
}

double perimeter(const IdRing& ring, const std::vector<BgPoint>& pts) {
    double s = 0;
    for (std::size_t k = 0; k < ring.size(); ++k) {
        const BgPoint& p = pts[ring[k]];
        const BgPoint& q = pts[ring[(k + 1) % ring.size()]];
        s += std::hypot(q.x() - p.x(), q.y() - p.y());
    }
    return s;
}

template <class R>
R closed_ring(const IdRing& ids, const std::vector<BgPoint>& pts) {
    R r;
    for (VertexId v : ids) r.push_back(pts[v]);
    r.push_back(pts[ids.front()]);
    return r;
}

/// One label's boundary: the edges of its pieces, those shared in opposite
/// directions cancelled, chained into simple cycles; slits (cycles of area
/// no more than the snap times their length) dropped.
std::vector<IdRing> boundary(const std::vector<const IdRing*>& rings, const std::vector<BgPoint>& pts, double snap) {
    std::map<std::pair<VertexId, VertexId>, int> directed;
    for (const IdRing* r : rings)
        for (std::size_t k = 0; k < r->size(); ++k) ++directed[{(*r)[k], (*r)[(k + 1) % r->size()]}];
    for (auto& [e, n] : directed) {
        auto back = directed.find({e.second, e.first});
        if (back == directed.end()) continue;
        const int shared = std::min(n, back->second);
        n -= shared;
        back->second -= shared;
    }
    std::map<VertexId, std::vector<VertexId>> next;
    for (const auto& [e, n] : directed) {
        if (n > 1) throw Error("internal: pieces of a partition overlap along the edge " + str(pts[e.first]) + " - " + str(pts[e.second]));
        if (n == 1) next[e.first].push_back(e.second);
    }
    std::vector<IdRing> cycles;
    while (!next.empty()) {
        const VertexId start = next.begin()->first;
        IdRing walk{start};
        VertexId v = start;
        do {
            auto it = next.find(v);
            if (it == next.end()) throw Error("internal: partition boundary breaks off at " + str(pts[v]));
            const VertexId w = it->second.front();
            it->second.erase(it->second.begin());
            if (it->second.empty()) next.erase(it);
            walk.push_back(w);
            v = w;
        } while (v != start);
        split_walk(walk, cycles);
    }
    std::erase_if(cycles, [&](const IdRing& c) { return std::abs(signed_area(c, pts)) <= snap * perimeter(c, pts); });
    return cycles;
}

/// Drops every vertex that joins just two others, in line (within `snap`),
/// wherever it appears: the pieces' construction lines end there, and both
/// sides of a border lose it together. Repeated until none is left.
void drop_collinear(std::vector<std::vector<IdRing>>& cycles, const std::vector<BgPoint>& pts, double snap) {
    for (bool changed = true; changed;) {
        changed = false;
        std::map<VertexId, std::vector<VertexId>> around;
        for (const auto& label : cycles)
            for (const IdRing& c : label)
                for (std::size_t k = 0; k < c.size(); ++k) {
                    auto& n = around[c[k]];
                    for (VertexId w : {c[(k + 1) % c.size()], c[(k + c.size() - 1) % c.size()]})
                        if (std::find(n.begin(), n.end(), w) == n.end()) n.push_back(w);
                }
        std::vector<bool> drop(pts.size(), false);
        for (const auto& [v, n] : around) {
            if (n.size() != 2 || drop[n[0]] || drop[n[1]]) continue;  // neighbours dropped this round keep v until the next
            const BgPoint &p = pts[n[0]], &q = pts[n[1]], &m = pts[v];
            const double dx = q.x() - p.x(), dy = q.y() - p.y(), len = std::hypot(dx, dy);
            const double t = ((m.x() - p.x()) * dx + (m.y() - p.y()) * dy) / (len * len);
            if (t > 0 && t < 1 && std::abs((m.x() - p.x()) * dy - (m.y() - p.y()) * dx) / len <= snap) drop[v] = changed = true;
        }
        for (auto& label : cycles)
            for (IdRing& c : label) std::erase_if(c, [&](VertexId v) { return drop[v]; });
    }
}

/// Cycles as polygons: clockwise ones are outer rings, each
/// counter-clockwise one a hole of the smallest outer ring around it.
BgMulti polygons(const std::vector<IdRing>& cycles, const std::vector<BgPoint>& pts) {
    std::vector<std::pair<double, BgPolygon>> outers;  // by decreasing area
    std::vector<const IdRing*> holes;
    for (const IdRing& c : cycles) {
        const double a = signed_area(c, pts);
        if (a < 0) {
            BgPolygon p;
            p.outer() = closed_ring<BgPolygon::ring_type>(c, pts);
            outers.emplace_back(-a, std::move(p));
        } else {
            holes.push_back(&c);
        }
    }
    std::stable_sort(outers.begin(), outers.end(), [](const auto& x, const auto& y) { return x.first > y.first; });
    for (const IdRing* h : holes) {
        std::size_t best = outers.size();
        for (std::size_t i = 0; i < outers.size(); ++i) {
            bool inside = std::any_of(h->begin(), h->end(), [&](VertexId v) { return bg::within(pts[v], outers[i].second.outer()); });
            if (inside && (best == outers.size() || outers[i].first < outers[best].first)) best = i;
        }
        if (best == outers.size()) throw Error("internal: partition hole at " + str(pts[h->front()]) + " lies in no outer ring");
        outers[best].second.inners().push_back(closed_ring<BgPolygon::ring_type>(*h, pts));
    }
    BgMulti out;
    for (auto& [a, p] : outers) out.push_back(std::move(p));
    return out;
}

}  // namespace

std::vector<BgPoint> clip(const std::vector<BgPoint>& ring, const HalfPlane& h) {
    std::vector<BgPoint> out;
    for (std::size_t k = 0; k + 1 < ring.size(); ++k) {
        const BgPoint& p = ring[k];
        const BgPoint& q = ring[k + 1];
        const double sp = h.side(p), sq = h.side(q);
        if (sp <= 0) out.push_back(p);
        if ((sp < 0 && sq > 0) || (sp > 0 && sq < 0)) {
            // From the lexicographically first end, so that a neighbour
            // walking the edge the other way finds the same point.
            const bool fwd = std::pair(p.x(), p.y()) < std::pair(q.x(), q.y());
            const BgPoint& u = fwd ? p : q;
            const BgPoint& v = fwd ? q : p;
            const double su = fwd ? sp : sq, sv = fwd ? sq : sp, t = su / (su - sv);
            out.emplace_back(u.x() + t * (v.x() - u.x()), u.y() + t * (v.y() - u.y()));
        }
    }
    if (out.size() < 3) return {};
    out.push_back(out.front());
    return out;
}

std::vector<BgMulti> merge_partition(const std::vector<PartitionPiece>& pieces, std::size_t labels, double snap) {
    VertexSet vertices(snap);
    std::vector<std::vector<IdRing>> rings(pieces.size());
    for (std::size_t i = 0; i < pieces.size(); ++i) {
        if (pieces[i].label >= labels) throw Error("internal: partition piece label out of range");
        BgPolygon p = pieces[i].polygon;
        bg::correct(p);  // outer clockwise, holes counter-clockwise: interior on the right
        rings[i].push_back(to_ids(p.outer(), vertices));
        for (const auto& h : p.inners()) rings[i].push_back(to_ids(h, vertices));
    }
    const auto& pts = vertices.points();
    std::vector<std::vector<const IdRing*>> by_label(labels);
    for (std::size_t i = 0; i < pieces.size(); ++i)
        for (IdRing& r : rings[i]) {
            if (r.size() < 3) continue;  // collapsed by the snap
            r = split_edges(r, pts, snap);
            by_label[pieces[i].label].push_back(&r);
        }
    std::vector<std::vector<IdRing>> cycles;
    for (std::size_t l = 0; l < labels; ++l) cycles.push_back(boundary(by_label[l], pts, snap));
    drop_collinear(cycles, pts, snap);
    std::vector<BgMulti> out;
    for (std::size_t l = 0; l < labels; ++l) {
        out.push_back(polygons(cycles[l], pts));
        std::string why;
        if (!out.back().empty() && !bg::is_valid(out.back(), why))
            throw Error("internal: merged partition part " + std::to_string(l) + " is invalid: " + why);
    }
    return out;
}

}  // namespace tisheng::detail
