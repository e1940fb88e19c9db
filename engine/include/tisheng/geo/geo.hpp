// Geometry: lon/lat and metric points as distinct types, polygons, Chinese
// web-map datums (GCJ-02, BD-09), the metric CRS of a region and a spatial
// index for point-in-polygon lookup. Boost.Geometry and GDAL stay in the
// .cpp files so that this header is cheap to include.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tisheng {

/// Degrees on the WGS84 datum unless a function says otherwise. lon first.
struct LonLat {
    double lon = 0;
    double lat = 0;
    friend bool operator==(const LonLat&, const LonLat&) = default;
};

/// Metres in a region's projected CRS (easting, northing).
struct MetricPoint {
    double x = 0;
    double y = 0;
    friend bool operator==(const MetricPoint&, const MetricPoint&) = default;
};

template <class P>
using Ring = std::vector<P>;  ///< closed: first point == last point

template <class P>
struct Polygon {
    Ring<P> outer;
    std::vector<Ring<P>> holes;
    friend bool operator==(const Polygon&, const Polygon&) = default;
};

template <class P>
using MultiPolygon = std::vector<Polygon<P>>;

struct Box {
    double min_x = 0, min_y = 0, max_x = 0, max_y = 0;
};

/// Which datum input coordinates are in. Chinese web maps and geocoders
/// (Amap/Gaode, Tencent) give GCJ-02; Baidu gives BD-09.
enum class CoordSys { wgs84, gcj02, bd09 };

std::optional<CoordSys> parse_coord_sys(std::string_view s);
std::string_view to_string(CoordSys c);

/// GCJ-02 forward transform (identity outside mainland China's box).
LonLat wgs84_to_gcj02(LonLat p);
/// Inverse by fixed-point iteration, better than 1e-9 degrees.
LonLat gcj02_to_wgs84(LonLat p);
LonLat gcj02_to_bd09(LonLat p);
LonLat bd09_to_gcj02(LonLat p);
/// Any supported datum to WGS84.
LonLat to_wgs84(LonLat p, CoordSys from);
/// WGS84 to any supported datum (for writing data in a declared datum).
LonLat from_wgs84(LonLat p, CoordSys to);

/// Great-circle distance in metres (spherical, R = 6371008.8 m).
double haversine_m(LonLat a, LonLat b);

/// Bounding box of a multipolygon (in its own units).
Box bounds(const MultiPolygon<LonLat>& mp);
/// Area in km², computed in a local equirectangular frame;
/// good to ~0.5 % for county-sized units.
double area_km2(const MultiPolygon<LonLat>& mp);
/// A point inside the largest part (for labels), not merely the centroid.
LonLat label_point(const MultiPolygon<LonLat>& mp);
/// Empty if valid; otherwise what is wrong ("self-intersections at ...").
std::string validity_problem(const MultiPolygon<LonLat>& mp);
/// Closes rings and orients them as Boost.Geometry expects (outer clockwise).
void normalise(MultiPolygon<LonLat>& mp);

/// A projected CRS in metres (UTM by default) with transforms to and from
/// WGS84 lon/lat. Copyable (copies share the CRS) and thread-safe: each
/// thread transforms with its own GDAL transformation, made on first use.
class MetricCrs {
public:
    /// UTM zone containing `center` (EPSG 326xx north, 327xx south).
    static MetricCrs utm_for(LonLat center);
    /// Any projected CRS by EPSG code; throws Error if unknown or not metric.
    static MetricCrs from_epsg(int epsg);

    [[nodiscard]] int epsg() const;
    [[nodiscard]] std::string name() const;
    [[nodiscard]] std::string wkt() const;
    [[nodiscard]] MetricPoint forward(LonLat p) const;
    [[nodiscard]] LonLat inverse(MetricPoint p) const;
    void forward(std::vector<LonLat>::const_iterator first, std::vector<LonLat>::const_iterator last,
                 std::vector<MetricPoint>::iterator out) const;

    MetricCrs(const MetricCrs&) = default;
    MetricCrs& operator=(const MetricCrs&) = default;
    ~MetricCrs();

private:
    struct Impl;
    explicit MetricCrs(std::shared_ptr<Impl> impl);
    std::shared_ptr<Impl> m_impl;
};

/// R-tree of polygon envelopes, then an exact covered-by test: which polygon
/// holds a point. Points on a shared border go to the lowest index.
class PolygonIndex {
public:
    PolygonIndex();
    explicit PolygonIndex(const std::vector<MultiPolygon<LonLat>>& polygons);
    PolygonIndex(PolygonIndex&&) noexcept;
    PolygonIndex& operator=(PolygonIndex&&) noexcept;
    ~PolygonIndex();

    /// Index of the polygon covering p, or nullopt. O(log n + candidates).
    [[nodiscard]] std::optional<std::size_t> locate(LonLat p) const;
    /// Distance in degrees from p to the nearest polygon boundary of `index`
    /// (0 if outside). Used to keep synthetic sites off borders.
    [[nodiscard]] double depth(std::size_t index, LonLat p) const;
    [[nodiscard]] std::size_t size() const;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

}  // namespace tisheng
