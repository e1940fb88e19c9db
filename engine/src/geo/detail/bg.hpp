// Boost.Geometry models of the public geometry types (planar, in whatever
// units the coordinates are: degrees or metres) and conversions.
#pragma once

#include <boost/geometry/algorithms/area.hpp>
#include <boost/geometry/algorithms/correct.hpp>
#include <boost/geometry/algorithms/covered_by.hpp>
#include <boost/geometry/algorithms/envelope.hpp>
#include <boost/geometry/geometries/box.hpp>
#include <boost/geometry/geometries/multi_polygon.hpp>
#include <boost/geometry/geometries/point_xy.hpp>
#include <boost/geometry/geometries/polygon.hpp>

#include "tisheng/geo/geo.hpp"

namespace tisheng::detail {

namespace bg = boost::geometry;
using BgPoint = bg::model::d2::point_xy<double>;
using BgPolygon = bg::model::polygon<BgPoint>;
using BgMulti = bg::model::multi_polygon<BgPolygon>;
using BgBox = bg::model::box<BgPoint>;

inline BgPoint to_bg(LonLat p) { return {p.lon, p.lat}; }

inline BgMulti to_bg(const MultiPolygon<LonLat>& mp) {
    BgMulti out;
    out.reserve(mp.size());
    for (const auto& poly : mp) {
        BgPolygon bp;
        for (auto p : poly.outer) bp.outer().push_back(to_bg(p));
        for (const auto& h : poly.holes) {
            bp.inners().emplace_back();
            for (auto p : h) bp.inners().back().push_back(to_bg(p));
        }
        out.push_back(std::move(bp));
    }
    return out;
}

inline MultiPolygon<LonLat> from_bg(const BgMulti& mp) {
    MultiPolygon<LonLat> out;
    out.reserve(mp.size());
    for (const auto& bp : mp) {
        Polygon<LonLat> poly;
        for (const auto& p : bp.outer()) poly.outer.push_back({p.x(), p.y()});
        for (const auto& h : bp.inners()) {
            poly.holes.emplace_back();
            for (const auto& p : h) poly.holes.back().push_back({p.x(), p.y()});
        }
        out.push_back(std::move(poly));
    }
    return out;
}

}  // namespace tisheng::detail
