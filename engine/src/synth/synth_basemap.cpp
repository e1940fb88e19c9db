#include "synth/detail/synth_basemap.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <string>

#include <cpl_string.h>
#include <gdal_priv.h>
#include <ogr_spatialref.h>

#include "io/detail/gdal_util.hpp"
#include "tisheng/core/error.hpp"
#include "tisheng/core/files.hpp"

namespace tisheng::detail {

namespace fs = std::filesystem;

namespace {

// Everything is drawn in a local frame of kilometres (x east, y north):
// noise wavelengths, town sizes and the coast's distance are physical, and
// the pixels come out square on the ground.
struct Km {
    double x = 0, y = 0;
};

using Colour = std::array<double, 3>;

Colour mix(const Colour& a, const Colour& b, double t) {
    return {a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t};
}

// Muted on purpose: the viewer draws its data over this.
constexpr Colour lowland{234, 237, 223}, upland{216, 219, 201}, neighbour{241, 241, 237};
constexpr Colour sea_shallow{209, 224, 237}, sea_deep{195, 213, 231};
constexpr Colour built_up{226, 222, 218}, road{212, 198, 178};

std::uint64_t mix64(std::uint64_t x) {
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

/// Value noise in [-1, 1]: a random value at each integer lattice point of
/// one octave, smoothly interpolated between them.
class Noise {
public:
    explicit Noise(std::uint64_t seed) : m_seed(mix64(seed ^ 0xBA5E0A9ULL)) {}

    [[nodiscard]] double fbm(double x, double y) const {
        double sum = 0, amplitude = 1, norm = 0;
        for (int octave = 0; octave < 5; ++octave) {
            sum += amplitude * value(x, y, octave);
            norm += amplitude;
            amplitude *= 0.5;
            x *= 2.0;
            y *= 2.0;
        }
        return sum / norm;
    }

private:
    [[nodiscard]] double lattice(std::int64_t i, std::int64_t j, int octave) const {
        const std::uint64_t h = mix64(m_seed ^ mix64(static_cast<std::uint64_t>(i) * 0x632BE59BD9B4E019ULL ^
                                                     static_cast<std::uint64_t>(j) * 0x85157AF5ULL ^ static_cast<std::uint64_t>(octave)));
        return static_cast<double>(h >> 11) * 0x1.0p-52 - 1.0;
    }
    [[nodiscard]] double value(double x, double y, int octave) const {
        const double fx = std::floor(x), fy = std::floor(y);
        const auto i = static_cast<std::int64_t>(fx), j = static_cast<std::int64_t>(fy);
        auto smooth = [](double t) { return t * t * t * (t * (t * 6 - 15) + 10); };
        const double u = smooth(x - fx), v = smooth(y - fy);
        const double a = lattice(i, j, octave), b = lattice(i + 1, j, octave);
        const double c = lattice(i, j + 1, octave), d = lattice(i + 1, j + 1, octave);
        return (a + (b - a) * u) + ((c + (d - c) * u) - (a + (b - a) * u)) * v;
    }
    std::uint64_t m_seed;
};

double segment_distance(Km p, Km a, Km b) {
    const double dx = b.x - a.x, dy = b.y - a.y, len2 = dx * dx + dy * dy;
    const double t = len2 > 0 ? std::clamp(((p.x - a.x) * dx + (p.y - a.y) * dy) / len2, 0.0, 1.0) : 0.0;
    return std::hypot(p.x - (a.x + t * dx), p.y - (a.y + t * dy));
}

bool inside(const std::vector<Km>& ring, Km p) {
    bool in = false;
    for (std::size_t i = 0, j = ring.size() - 1; i < ring.size(); j = i++) {
        const Km a = ring[i], b = ring[j];
        if ((a.y > p.y) != (b.y > p.y) && p.x < (b.x - a.x) * (p.y - a.y) / (b.y - a.y) + a.x) in = !in;
    }
    return in;
}

/// The towns joined by a minimum spanning tree (Prim's): a schematic road net.
std::vector<std::pair<std::size_t, std::size_t>> road_tree(const std::vector<Km>& towns) {
    std::vector<std::pair<std::size_t, std::size_t>> edges;
    if (towns.empty()) return edges;
    std::vector<bool> in(towns.size(), false);
    std::vector<double> best(towns.size(), 1e300);
    std::vector<std::size_t> from(towns.size(), 0);
    best[0] = 0;
    for (std::size_t step = 0; step < towns.size(); ++step) {
        std::size_t next = towns.size();
        for (std::size_t i = 0; i < towns.size(); ++i)
            if (!in[i] && (next == towns.size() || best[i] < best[next])) next = i;
        in[next] = true;
        if (step > 0) edges.emplace_back(from[next], next);
        for (std::size_t i = 0; i < towns.size(); ++i) {
            const double d = std::hypot(towns[i].x - towns[next].x, towns[i].y - towns[next].y);
            if (!in[i] && d < best[i]) {
                best[i] = d;
                from[i] = next;
            }
        }
    }
    return edges;
}

}  // namespace

fs::path write_synthetic_basemap(const fs::path& file, const BasemapGeography& g, std::uint64_t seed) {
    if (g.outline.size() < 3) throw Error("internal: a synthetic basemap needs an outline");
    double lon0 = 1e300, lon1 = -1e300, lat0 = 1e300, lat1 = -1e300;
    for (const LonLat& p : g.outline) {
        lon0 = std::min(lon0, p.lon);
        lon1 = std::max(lon1, p.lon);
        lat0 = std::min(lat0, p.lat);
        lat1 = std::max(lat1, p.lat);
    }
    const double mid_lat = (lat0 + lat1) / 2;
    const double ky = 110.574, kx = 111.320 * std::cos(mid_lat * std::numbers::pi / 180.0);
    // A margin of a quarter of the longer side around the outline: the
    // viewer's map is wider than tall, and the basemap should fill it.
    const double margin_km = 0.25 * std::max((lon1 - lon0) * kx, (lat1 - lat0) * ky);
    lon0 -= margin_km / kx;
    lon1 += margin_km / kx;
    lat0 -= margin_km / ky;
    lat1 += margin_km / ky;
    const double span_x = (lon1 - lon0) * kx, span_y = (lat1 - lat0) * ky;
    const double px_km = std::max(span_x, span_y) / 1024.0;
    const int width = static_cast<int>(std::ceil(span_x / px_km)), height = static_cast<int>(std::ceil(span_y / px_km));
    auto km = [&](LonLat p) { return Km{(p.lon - lon0) * kx, (p.lat - lat0) * ky}; };
    auto pixel = [&](int col, int row) { return Km{(col + 0.5) * px_km, span_y - (row + 0.5) * px_km}; };

    std::vector<Km> outline;
    for (const LonLat& p : g.outline) outline.push_back(km(p));
    double area2 = 0;  // twice the signed area: > 0 when counter-clockwise
    for (std::size_t i = 0; i < outline.size(); ++i) {
        const Km a = outline[i], b = outline[(i + 1) % outline.size()];
        area2 += a.x * b.y - b.x * a.y;
    }
    // An edge is coast when its outward normal faces the sea direction.
    const double sea_len = std::hypot(g.sea_direction.lon, g.sea_direction.lat);
    const Km sea{g.sea_direction.lon / sea_len, g.sea_direction.lat / sea_len};
    std::vector<bool> coast(outline.size());
    for (std::size_t i = 0; i < outline.size(); ++i) {
        const Km a = outline[i], b = outline[(i + 1) % outline.size()];
        const double len = std::hypot(b.x - a.x, b.y - a.y);
        Km normal{-(b.y - a.y) / len, (b.x - a.x) / len};  // left of a->b: outward for a clockwise ring
        if (area2 > 0) normal = {-normal.x, -normal.y};
        coast[i] = normal.x * sea.x + normal.y * sea.y > 0.25;
    }
    std::vector<Km> towns;
    for (const BasemapTown& t : g.towns) towns.push_back(km(t.pos));

    // Pass 1: land or sea, distance to the coast, elevation.
    const auto n = static_cast<std::size_t>(width) * static_cast<std::size_t>(height);
    std::vector<std::uint8_t> kind(n);  // 0 sea, 1 the city's land, 2 land beyond it
    std::vector<double> coast_km(n), elevation(n);
    const Noise noise(seed);
    constexpr double wavelength_km = 36.0, relief_m = 900.0;
    for (int row = 0; row < height; ++row)
        for (int col = 0; col < width; ++col) {
            const std::size_t i = static_cast<std::size_t>(row) * static_cast<std::size_t>(width) + static_cast<std::size_t>(col);
            const Km p = pixel(col, row);
            // Beyond the outline: sea where the nearby edges are mostly coast
            // (weighted by nearness), the line between sea and land roughened.
            double to_coast = 1e300, coastness = 0, weights = 0;
            for (std::size_t e = 0; e < outline.size(); ++e) {
                const double d = segment_distance(p, outline[e], outline[(e + 1) % outline.size()]);
                const double w = 1.0 / ((d + 0.5) * (d + 0.5) * (d + 0.5));
                weights += w;
                if (coast[e]) {
                    to_coast = std::min(to_coast, d);
                    coastness += w;
                }
            }
            coastness /= weights;
            if (inside(outline, p)) kind[i] = 1;
            else kind[i] = coastness + 0.3 * noise.fbm(p.x / 25.0 - 50.0, p.y / 25.0 - 50.0) > 0.5 ? 0 : 2;
            coast_km[i] = to_coast;
            if (kind[i] != 0) {
                // Flat coastal plains, hills inland.
                const double hills = 1.0 - std::exp(-to_coast / 14.0);
                const double f = 0.5 + 0.5 * noise.fbm(p.x / wavelength_km, p.y / wavelength_km);
                elevation[i] = relief_m * hills * std::pow(std::clamp(f, 0.0, 1.0), 1.4);
            }
        }

    // Pass 2: colours: relief shaded from the north-west, towns, roads.
    std::vector<double> rgb(n * 3);
    const double light[3] = {-0.5, 0.5, std::sqrt(0.5)};  // azimuth 315°, altitude 45°
    const double cell_m = px_km * 1000.0, exaggeration = 2.0;
    for (int row = 0; row < height; ++row)
        for (int col = 0; col < width; ++col) {
            const std::size_t i = static_cast<std::size_t>(row) * static_cast<std::size_t>(width) + static_cast<std::size_t>(col);
            Colour c;
            if (kind[i] == 0) {
                c = mix(sea_shallow, sea_deep, 1.0 - std::exp(-coast_km[i] / 20.0));
            } else {
                auto at = [&](int cc, int rr) {
                    cc = std::clamp(cc, 0, width - 1);
                    rr = std::clamp(rr, 0, height - 1);
                    return elevation[static_cast<std::size_t>(rr) * static_cast<std::size_t>(width) + static_cast<std::size_t>(cc)];
                };
                const double dzdx = (at(col + 1, row) - at(col - 1, row)) / (2 * cell_m) * exaggeration;
                const double dzdy = (at(col, row - 1) - at(col, row + 1)) / (2 * cell_m) * exaggeration;  // rows run south
                const double len = std::sqrt(dzdx * dzdx + dzdy * dzdy + 1);
                const double shade = (-dzdx * light[0] - dzdy * light[1] + light[2]) / len;
                c = mix(lowland, upland, std::min(1.0, elevation[i] / (0.6 * relief_m)));
                const double factor = std::clamp(1.0 + 0.9 * (shade - light[2]), 0.74, 1.08);
                for (double& v : c) v = std::min(255.0, v * factor);
                if (kind[i] == 2) c = mix(c, neighbour, 0.55);
                // Built-up areas: a ragged disc around each town, sized by its weight.
                const Km p = pixel(col, row);
                double wobble = 0;  // computed once, where a town is near
                for (std::size_t t = 0; t < towns.size(); ++t) {
                    const double r = 0.9 + 1.1 * std::sqrt(std::max(0.0, g.towns[t].weight));
                    const double d = std::hypot(p.x - towns[t].x, p.y - towns[t].y);
                    if (d > 1.4 * r + px_km) continue;
                    if (wobble == 0) wobble = 1.0 + 0.35 * noise.fbm(p.x / 3.0 + 100.0, p.y / 3.0 + 100.0);
                    const double ragged = r * wobble;
                    if (d < ragged + px_km) c = mix(c, built_up, std::clamp((ragged + px_km - d) / (2 * px_km), 0.0, 1.0));
                }
            }
            for (int k = 0; k < 3; ++k) rgb[i * 3 + static_cast<std::size_t>(k)] = c[static_cast<std::size_t>(k)];
        }
    const double half_width_px = 0.8;
    for (const auto& [a, b] : road_tree(towns)) {
        const Km pa = towns[a], pb = towns[b];
        const int c0 = std::max(0, static_cast<int>(std::min(pa.x, pb.x) / px_km) - 2);
        const int c1 = std::min(width - 1, static_cast<int>(std::max(pa.x, pb.x) / px_km) + 2);
        const int r0 = std::max(0, static_cast<int>((span_y - std::max(pa.y, pb.y)) / px_km) - 2);
        const int r1 = std::min(height - 1, static_cast<int>((span_y - std::min(pa.y, pb.y)) / px_km) + 2);
        for (int row = r0; row <= r1; ++row)
            for (int col = c0; col <= c1; ++col) {
                const std::size_t i = static_cast<std::size_t>(row) * static_cast<std::size_t>(width) + static_cast<std::size_t>(col);
                if (kind[i] == 0) continue;
                const double cover = std::clamp(half_width_px + 0.5 - segment_distance(pixel(col, row), pa, pb) / px_km, 0.0, 1.0);
                if (cover <= 0) continue;
                for (int k = 0; k < 3; ++k) {
                    double& v = rgb[i * 3 + static_cast<std::size_t>(k)];
                    v += (road[static_cast<std::size_t>(k)] - v) * cover;
                }
            }
    }
    std::vector<std::uint8_t> bytes(n * 3);
    for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::uint8_t>(std::clamp(std::lround(rgb[i]), 0L, 255L));

    ensure_gdal();
    GDALDriver* gtiff = GetGDALDriverManager()->GetDriverByName("GTiff");
    if (!gtiff) throw Error(file.string() + ": GDAL has no GTiff driver");
    const fs::path tmp = temp_sibling(file);
    CPLStringList options;
    options.SetNameValue("COMPRESS", "DEFLATE");
    options.SetNameValue("PREDICTOR", "2");
    options.SetNameValue("ZLEVEL", "9");
    options.SetNameValue("PHOTOMETRIC", "RGB");
    {
        DatasetPtr ds(gtiff->Create(tmp.string().c_str(), width, height, 3, GDT_Byte, options.List()));
        if (!ds) throw Error(file.string() + ": cannot write the basemap: " + last_gdal_error());
        const double transform[6] = {lon0, px_km / kx, 0, lat0 + span_y / ky, 0, -px_km / ky};
        ds->SetGeoTransform(const_cast<double*>(transform));
        OGRSpatialReference wgs84;
        wgs84.importFromEPSG(4326);
        ds->SetSpatialRef(&wgs84);
        ds->SetMetadataItem("TIFFTAG_IMAGEDESCRIPTION",
                            "SYNTHETIC basemap written by `tisheng synth`: invented relief, schematic coast (the city's hand-drawn "
                            "outline) and roads joining town positions. Not a map of any real place.");
        if (ds->RasterIO(GF_Write, 0, 0, width, height, bytes.data(), width, height, GDT_Byte, 3, nullptr, 3, 3L * width, 1,
                         nullptr) != CE_None)
            throw Error(file.string() + ": cannot write the basemap: " + last_gdal_error());
    }
    std::error_code ec;
    fs::rename(tmp, file, ec);
    if (ec) {
        fs::remove(tmp, ec);
        throw Error(file.string() + ": cannot replace the basemap: " + ec.message());
    }
    return file;
}

}  // namespace tisheng::detail
