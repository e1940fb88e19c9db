#include "core/picking.hpp"

#include <algorithm>
#include <boost/geometry.hpp>
#include <boost/geometry/index/rtree.hpp>
#include <cmath>
#include <utility>

namespace tisheng::view {

namespace bg = boost::geometry;
namespace bgi = boost::geometry::index;

namespace {

using BPoint = bg::model::d2::point_xy<double>;
using BBox = bg::model::box<BPoint>;
using BPolygon = bg::model::polygon<BPoint>;  // outer clockwise, closed
using BMultiPolygon = bg::model::multi_polygon<BPolygon>;

BMultiPolygon to_boost(const tisheng::MultiPolygon<tisheng::MetricPoint>& mp) {
    BMultiPolygon out;
    for (const auto& part : mp) {
        BPolygon poly;
        for (const auto& p : part.outer) poly.outer().emplace_back(p.x, p.y);
        for (const auto& hole : part.holes) {
            auto& ring = poly.inners().emplace_back();
            for (const auto& p : hole) ring.emplace_back(p.x, p.y);
        }
        out.push_back(std::move(poly));
    }
    // Closes rings and fixes orientation: covered_by trusts both, and
    // polygons projected from elsewhere need not follow Boost's order.
    bg::correct(out);
    return out;
}

// Bounding box of the outer rings (holes lie within them); nullopt if there
// are no points. By hand: bg::envelope of a multi_polygon trips GCC 12's
// -Wmaybe-uninitialized.
std::optional<BBox> envelope(const BMultiPolygon& mp) {
    std::optional<BBox> box;
    for (const auto& poly : mp) {
        for (const auto& p : poly.outer()) {
            if (!box) box = BBox(p, p);
            bg::expand(*box, p);
        }
    }
    return box;
}

}  // namespace

struct Picker::Impl {
    bgi::rtree<std::pair<BPoint, std::size_t>, bgi::rstar<16>> points;
    bgi::rtree<std::pair<BBox, std::size_t>, bgi::rstar<16>> unit_boxes;
    std::vector<BMultiPolygon> units;
};

Picker::Picker() : m_impl(std::make_unique<Impl>()) {}
Picker::~Picker() = default;
Picker::Picker(Picker&&) noexcept = default;
Picker& Picker::operator=(Picker&&) noexcept = default;

void Picker::set_points(const std::vector<Vec2>& world) {
    if (!m_impl) m_impl = std::make_unique<Impl>();
    std::vector<std::pair<BPoint, std::size_t>> values;
    values.reserve(world.size());
    for (std::size_t i = 0; i < world.size(); ++i)
        if (std::isfinite(world[i].x) && std::isfinite(world[i].y)) values.emplace_back(BPoint(world[i].x, world[i].y), i);
    // The range constructor packs the tree (STR-like bulk loading): better
    // nodes than inserting one by one, and faster to build.
    m_impl->points = decltype(m_impl->points)(values);
}

void Picker::set_units(const std::vector<tisheng::MultiPolygon<tisheng::MetricPoint>>& units) {
    if (!m_impl) m_impl = std::make_unique<Impl>();
    m_impl->units.clear();
    m_impl->units.reserve(units.size());
    std::vector<std::pair<BBox, std::size_t>> boxes;
    for (std::size_t i = 0; i < units.size(); ++i) {
        m_impl->units.push_back(to_boost(units[i]));
        if (auto box = envelope(m_impl->units.back())) boxes.emplace_back(*box, i);
    }
    m_impl->unit_boxes = decltype(m_impl->unit_boxes)(boxes);
}

std::optional<std::size_t> Picker::point_at(Vec2 world, double max_dist,
                                            const std::function<bool(std::size_t)>& visible) const {
    if (!m_impl || m_impl->points.empty() || !(max_dist >= 0) || !std::isfinite(world.x) || !std::isfinite(world.y))
        return std::nullopt;
    const BPoint p(world.x, world.y);
    const BBox reach(BPoint(world.x - max_dist, world.y - max_dist), BPoint(world.x + max_dist, world.y + max_dist));
    // Incremental nearest query, limited to the square of reach; the first
    // visible hit is the nearest, but keep going through equal distances so
    // that ties resolve to the lowest index whatever the tree's layout.
    std::optional<std::size_t> best;
    double best_dist = 0;
    const auto& tree = m_impl->points;
    for (auto it = tree.qbegin(bgi::nearest(p, static_cast<unsigned>(tree.size())) && bgi::intersects(reach));
         it != tree.qend(); ++it) {
        const double d = bg::distance(p, it->first);
        if (d > max_dist || (best && d > best_dist)) break;
        if (visible && !visible(it->second)) continue;
        if (!best || it->second < *best) {
            best = it->second;
            best_dist = d;
        }
    }
    return best;
}

std::optional<std::size_t> Picker::unit_at(Vec2 world) const {
    if (!m_impl || m_impl->unit_boxes.empty()) return std::nullopt;
    const BPoint p(world.x, world.y);
    std::vector<std::pair<BBox, std::size_t>> candidates;
    m_impl->unit_boxes.query(bgi::intersects(p), std::back_inserter(candidates));
    std::sort(candidates.begin(), candidates.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
    for (const auto& c : candidates)
        if (bg::covered_by(p, m_impl->units[c.second])) return c.second;
    return std::nullopt;
}

}  // namespace tisheng::view
