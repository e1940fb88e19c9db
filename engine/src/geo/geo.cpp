#include "tisheng/geo/geo.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <mutex>
#include <numbers>
#include <unordered_map>

#include <boost/geometry/algorithms/centroid.hpp>
#include <boost/geometry/algorithms/distance.hpp>
#include <boost/geometry/algorithms/is_valid.hpp>
#include <boost/geometry/algorithms/point_on_surface.hpp>
#include <boost/geometry/geometries/linestring.hpp>
#include <boost/geometry/strategies/cartesian/distance_projected_point.hpp>
#include <boost/geometry/strategies/cartesian/distance_pythagoras.hpp>
#include <boost/geometry/index/rtree.hpp>
#include <cpl_conv.h>
#include <ogr_spatialref.h>

#include "geo/detail/bg.hpp"
#include "tisheng/core/error.hpp"

namespace tisheng {

using namespace detail;

std::optional<CoordSys> parse_coord_sys(std::string_view s) {
    if (s == "wgs84") return CoordSys::wgs84;
    if (s == "gcj02") return CoordSys::gcj02;
    if (s == "bd09") return CoordSys::bd09;
    return std::nullopt;
}

std::string_view to_string(CoordSys c) {
    switch (c) {
        case CoordSys::wgs84: return "wgs84";
        case CoordSys::gcj02: return "gcj02";
        case CoordSys::bd09: return "bd09";
    }
    return "?";
}

// GCJ-02 ("Mars coordinates"): the published forward formula on the
// Krasovsky 1940 ellipsoid. Outside mainland China's box it is the identity.
namespace {
constexpr double pi = std::numbers::pi;
constexpr double krasovsky_a = 6378245.0;
constexpr double krasovsky_ee = 0.00669342162296594323;

bool outside_china(LonLat p) { return p.lon < 72.004 || p.lon > 137.8347 || p.lat < 0.8293 || p.lat > 55.8271; }

double shift_lat(double x, double y) {
    double r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * std::sqrt(std::abs(x));
    r += (20.0 * std::sin(6.0 * x * pi) + 20.0 * std::sin(2.0 * x * pi)) * 2.0 / 3.0;
    r += (20.0 * std::sin(y * pi) + 40.0 * std::sin(y / 3.0 * pi)) * 2.0 / 3.0;
    r += (160.0 * std::sin(y / 12.0 * pi) + 320.0 * std::sin(y * pi / 30.0)) * 2.0 / 3.0;
    return r;
}

double shift_lon(double x, double y) {
    double r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * std::sqrt(std::abs(x));
    r += (20.0 * std::sin(6.0 * x * pi) + 20.0 * std::sin(2.0 * x * pi)) * 2.0 / 3.0;
    r += (20.0 * std::sin(x * pi) + 40.0 * std::sin(x / 3.0 * pi)) * 2.0 / 3.0;
    r += (150.0 * std::sin(x / 12.0 * pi) + 300.0 * std::sin(x / 30.0 * pi)) * 2.0 / 3.0;
    return r;
}

constexpr double bd_x_pi = pi * 3000.0 / 180.0;
}  // namespace

LonLat wgs84_to_gcj02(LonLat p) {
    if (outside_china(p)) return p;
    double dlat = shift_lat(p.lon - 105.0, p.lat - 35.0);
    double dlon = shift_lon(p.lon - 105.0, p.lat - 35.0);
    double radlat = p.lat / 180.0 * pi;
    double magic = std::sin(radlat);
    magic = 1 - krasovsky_ee * magic * magic;
    double sqrtmagic = std::sqrt(magic);
    dlat = (dlat * 180.0) / ((krasovsky_a * (1 - krasovsky_ee)) / (magic * sqrtmagic) * pi);
    dlon = (dlon * 180.0) / (krasovsky_a / sqrtmagic * std::cos(radlat) * pi);
    return {p.lon + dlon, p.lat + dlat};
}

LonLat gcj02_to_wgs84(LonLat g) {
    if (outside_china(g)) return g;
    // The shift varies slowly, so fixed-point iteration converges in a few
    // steps to far below survey precision.
    LonLat w = g;
    for (int i = 0; i < 30; ++i) {
        LonLat f = wgs84_to_gcj02(w);
        double ex = f.lon - g.lon, ey = f.lat - g.lat;
        w.lon -= ex;
        w.lat -= ey;
        if (std::abs(ex) < 1e-11 && std::abs(ey) < 1e-11) break;
    }
    return w;
}

LonLat gcj02_to_bd09(LonLat p) {
    double z = std::sqrt(p.lon * p.lon + p.lat * p.lat) + 0.00002 * std::sin(p.lat * bd_x_pi);
    double theta = std::atan2(p.lat, p.lon) + 0.000003 * std::cos(p.lon * bd_x_pi);
    return {z * std::cos(theta) + 0.0065, z * std::sin(theta) + 0.006};
}

LonLat bd09_to_gcj02(LonLat p) {
    double x = p.lon - 0.0065, y = p.lat - 0.006;
    double z = std::sqrt(x * x + y * y) - 0.00002 * std::sin(y * bd_x_pi);
    double theta = std::atan2(y, x) - 0.000003 * std::cos(x * bd_x_pi);
    return {z * std::cos(theta), z * std::sin(theta)};
}

LonLat to_wgs84(LonLat p, CoordSys from) {
    switch (from) {
        case CoordSys::wgs84: return p;
        case CoordSys::gcj02: return gcj02_to_wgs84(p);
        case CoordSys::bd09: return gcj02_to_wgs84(bd09_to_gcj02(p));
    }
    return p;
}

LonLat from_wgs84(LonLat p, CoordSys to) {
    switch (to) {
        case CoordSys::wgs84: return p;
        case CoordSys::gcj02: return wgs84_to_gcj02(p);
        case CoordSys::bd09: return gcj02_to_bd09(wgs84_to_gcj02(p));
    }
    return p;
}

double haversine_m(LonLat a, LonLat b) {
    constexpr double r = 6371008.8;
    double p1 = a.lat * pi / 180, p2 = b.lat * pi / 180;
    double dp = p2 - p1, dl = (b.lon - a.lon) * pi / 180;
    double h = std::sin(dp / 2) * std::sin(dp / 2) + std::cos(p1) * std::cos(p2) * std::sin(dl / 2) * std::sin(dl / 2);
    return 2 * r * std::asin(std::min(1.0, std::sqrt(h)));
}

Box bounds(const MultiPolygon<LonLat>& mp) {
    Box b{INFINITY, INFINITY, -INFINITY, -INFINITY};
    for (const auto& poly : mp)
        for (auto p : poly.outer) {
            b.min_x = std::min(b.min_x, p.lon);
            b.min_y = std::min(b.min_y, p.lat);
            b.max_x = std::max(b.max_x, p.lon);
            b.max_y = std::max(b.max_y, p.lat);
        }
    return b;
}

double area_km2(const MultiPolygon<LonLat>& mp) {
    if (mp.empty()) return 0;
    Box b = bounds(mp);
    double lat0 = (b.min_y + b.max_y) / 2 * pi / 180;
    double kx = 111.32 * std::cos(lat0), ky = 110.57;
    double a = 0;
    for (const auto& poly : mp) {
        auto ring_area = [&](const Ring<LonLat>& r) {
            double s = 0;  // shoelace in a local equirectangular frame
            for (std::size_t i = 0; i + 1 < r.size(); ++i)
                s += (r[i].lon * kx) * (r[i + 1].lat * ky) - (r[i + 1].lon * kx) * (r[i].lat * ky);
            return std::abs(s) / 2;
        };
        a += ring_area(poly.outer);
        for (const auto& h : poly.holes) a -= ring_area(h);
    }
    return a;
}

LonLat label_point(const MultiPolygon<LonLat>& mp) {
    BgMulti m = to_bg(mp);
    if (m.empty()) return {};
    auto largest = std::max_element(m.begin(), m.end(), [](const BgPolygon& a, const BgPolygon& b) {
        return std::abs(bg::area(a)) < std::abs(bg::area(b));
    });
    bg::correct(*largest);
    BgPoint c;
    bg::centroid(*largest, c);
    if (!bg::covered_by(c, *largest)) bg::point_on_surface(*largest, c);
    return {c.x(), c.y()};
}

std::string validity_problem(const MultiPolygon<LonLat>& mp) {
    if (mp.empty()) return "empty geometry";
    BgMulti m = to_bg(mp);
    bg::correct(m);
    std::string why;
    if (bg::is_valid(m, why)) return {};
    return why;
}

void normalise(MultiPolygon<LonLat>& mp) {
    BgMulti m = to_bg(mp);
    bg::correct(m);
    mp = from_bg(m);
}

// ---- MetricCrs --------------------------------------------------------------

/// GDAL's coordinate transformations are not for concurrent use: each
/// Transform() assigns the calling thread's PROJ context to the one PJ it
/// holds. So the spatial references are shared (behind a lock, for GDAL's
/// lazily built state) and every thread transforms with its own pair, made
/// on first use.
struct MetricCrs::Impl {
    struct Transforms {
        std::unique_ptr<OGRCoordinateTransformation> fwd;
        std::unique_ptr<OGRCoordinateTransformation> inv;
    };

    std::uint64_t id = next_id();  ///< key of the per-thread pairs; never reused
    int epsg = 0;
    mutable std::mutex mutex;      ///< guards the spatial references
    OGRSpatialReference wgs84;
    OGRSpatialReference metric;

    static std::uint64_t next_id() {
        static std::atomic<std::uint64_t> next{1};
        return next.fetch_add(1, std::memory_order_relaxed);
    }

    [[nodiscard]] Transforms make() const {
        std::lock_guard lock(mutex);
        Transforms t;
        t.fwd.reset(OGRCreateCoordinateTransformation(&wgs84, &metric));
        t.inv.reset(OGRCreateCoordinateTransformation(&metric, &wgs84));
        if (!t.fwd || !t.inv) throw Error("cannot transform between WGS84 and EPSG:" + std::to_string(epsg));
        return t;
    }

    /// This thread's pair. A thread keeps the pairs of at most 16 CRSs (the
    /// ones of CRSs gone are dropped with the rest when that fills up).
    [[nodiscard]] const Transforms& local() const {
        // GDAL keeps a thread's PROJ context in a thread_local of its own,
        // made on first use. Thread_locals die in the reverse order of their
        // making, so it is made before `pairs`: destroyed after it, the
        // pairs would make a new context that is never freed (LeakSanitizer).
        thread_local const bool gdal_context_first = [] {
            OGRSpatialReference any;
            return any.importFromEPSG(4326) == OGRERR_NONE;
        }();
        (void)gdal_context_first;
        thread_local std::unordered_map<std::uint64_t, Transforms> pairs;
        if (auto it = pairs.find(id); it != pairs.end()) return it->second;
        Transforms t = make();
        if (pairs.size() >= 16) pairs.clear();
        return pairs.emplace(id, std::move(t)).first->second;
    }
};

MetricCrs::MetricCrs(std::shared_ptr<Impl> impl) : m_impl(std::move(impl)) {}
MetricCrs::~MetricCrs() = default;

MetricCrs MetricCrs::from_epsg(int epsg) {
    auto impl = std::make_shared<Impl>();
    impl->wgs84.importFromEPSG(4326);
    impl->wgs84.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    if (impl->metric.importFromEPSG(epsg) != OGRERR_NONE)
        throw Error("unknown EPSG code " + std::to_string(epsg) + " for the metric CRS");
    impl->metric.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    if (!impl->metric.IsProjected() || std::abs(impl->metric.GetLinearUnits() - 1.0) > 1e-9)
        throw Error("EPSG:" + std::to_string(epsg) + " is not a projected CRS in metres");
    impl->epsg = epsg;
    (void)impl->local();  // fails here, not at the first point, if GDAL cannot transform
    return MetricCrs(std::move(impl));
}

MetricCrs MetricCrs::utm_for(LonLat center) {
    int zone = std::clamp(static_cast<int>(std::floor((center.lon + 180.0) / 6.0)) + 1, 1, 60);
    return from_epsg((center.lat >= 0 ? 32600 : 32700) + zone);
}

int MetricCrs::epsg() const { return m_impl->epsg; }

std::string MetricCrs::name() const {
    std::lock_guard lock(m_impl->mutex);
    const char* n = m_impl->metric.GetName();
    return n ? n : "";
}

std::string MetricCrs::wkt() const {
    std::lock_guard lock(m_impl->mutex);
    char* w = nullptr;
    m_impl->metric.exportToWkt(&w);
    std::unique_ptr<char, decltype(&CPLFree)> owned(w, &CPLFree);
    return w ? w : "";
}

MetricPoint MetricCrs::forward(LonLat p) const {
    double x = p.lon, y = p.lat;
    if (!m_impl->local().fwd->Transform(1, &x, &y)) throw Error("cannot project lon/lat to the metric CRS");
    return {x, y};
}

LonLat MetricCrs::inverse(MetricPoint p) const {
    double x = p.x, y = p.y;
    if (!m_impl->local().inv->Transform(1, &x, &y)) throw Error("cannot unproject a metric point to lon/lat");
    return {x, y};
}

void MetricCrs::forward(std::vector<LonLat>::const_iterator first, std::vector<LonLat>::const_iterator last,
                        std::vector<MetricPoint>::iterator out) const {
    std::vector<double> xs, ys;
    for (auto it = first; it != last; ++it) {
        xs.push_back(it->lon);
        ys.push_back(it->lat);
    }
    if (!xs.empty() && !m_impl->local().fwd->Transform(static_cast<int>(xs.size()), xs.data(), ys.data()))
        throw Error("cannot project lon/lat to the metric CRS");
    for (std::size_t i = 0; i < xs.size(); ++i) *out++ = {xs[i], ys[i]};
}

// ---- PolygonIndex -----------------------------------------------------------

struct PolygonIndex::Impl {
    using Entry = std::pair<BgBox, std::size_t>;
    std::vector<BgMulti> polygons;
    bg::index::rtree<Entry, bg::index::quadratic<16>> tree;
};

PolygonIndex::PolygonIndex() : m_impl(std::make_unique<Impl>()) {}
PolygonIndex::PolygonIndex(PolygonIndex&&) noexcept = default;
PolygonIndex& PolygonIndex::operator=(PolygonIndex&&) noexcept = default;
PolygonIndex::~PolygonIndex() = default;

PolygonIndex::PolygonIndex(const std::vector<MultiPolygon<LonLat>>& polygons) : m_impl(std::make_unique<Impl>()) {
    std::vector<Impl::Entry> entries;
    for (std::size_t i = 0; i < polygons.size(); ++i) {
        BgMulti m = to_bg(polygons[i]);
        bg::correct(m);
        if (!m.empty()) entries.emplace_back(bg::return_envelope<BgBox>(m), i);
        m_impl->polygons.push_back(std::move(m));
    }
    m_impl->tree = decltype(m_impl->tree)(entries.begin(), entries.end());
}

std::optional<std::size_t> PolygonIndex::locate(LonLat p) const {
    BgPoint q = to_bg(p);
    std::optional<std::size_t> best;
    for (auto it = m_impl->tree.qbegin(bg::index::covers(q)); it != m_impl->tree.qend(); ++it) {
        if ((!best || it->second < *best) && bg::covered_by(q, m_impl->polygons[it->second])) best = it->second;
    }
    return best;
}

double PolygonIndex::depth(std::size_t index, LonLat p) const {
    const BgMulti& m = m_impl->polygons.at(index);
    BgPoint q = to_bg(p);
    if (!bg::covered_by(q, m)) return 0;
    double d = INFINITY;
    // Distance to a ring as an areal geometry is 0 inside: measure to its
    // boundary as a line instead.
    auto to_line = [&](const auto& ring) {
        d = std::min(d, bg::distance(q, bg::model::linestring<BgPoint>(ring.begin(), ring.end())));
    };
    for (const auto& poly : m) {
        to_line(poly.outer());
        for (const auto& h : poly.inners()) to_line(h);
    }
    return d;
}

std::size_t PolygonIndex::size() const { return m_impl->polygons.size(); }

}  // namespace tisheng
