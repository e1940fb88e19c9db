#include "core/basemap.hpp"

#include <cpl_conv.h>
#include <cpl_error.h>
#include <gdal_priv.h>
#include <gdal_utils.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <memory>
#include <mutex>

#include "tisheng/core/error.hpp"

namespace tisheng::view {

namespace fs = std::filesystem;

namespace {

// [GDAL] Messages stay quiet and reach the user through our errors, which
// name the file; every thread that talks to GDAL pushes its own handler.
struct QuietGdal {
    QuietGdal() {
        static std::once_flag once;
        std::call_once(once, [] { GDALAllRegister(); });
        CPLPushErrorHandler(CPLQuietErrorHandler);
        CPLErrorReset();
    }
    ~QuietGdal() { CPLPopErrorHandler(); }
    QuietGdal(const QuietGdal&) = delete;
    QuietGdal& operator=(const QuietGdal&) = delete;
};

std::string gdal_reason() {
    const std::string m = CPLGetLastErrorMsg();
    return m.empty() ? "GDAL gave no reason" : m;
}

[[noreturn]] void fail(const fs::path& file, const std::string& message) {
    Location where;
    where.file = file.string();
    throw InputError(where, message);
}

struct Closer {
    void operator()(GDALDataset* ds) const { GDALClose(ds); }
};
using DatasetPtr = std::unique_ptr<GDALDataset, Closer>;

struct TransformDeleter {
    void operator()(OGRCoordinateTransformation* ct) const { OGRCoordinateTransformation::DestroyCT(ct); }
};
using TransformPtr = std::unique_ptr<OGRCoordinateTransformation, TransformDeleter>;

OGRSpatialReference world_crs(const std::string& wkt) {
    OGRSpatialReference s;
    if (s.importFromWkt(wkt.c_str()) != OGRERR_NONE) throw Error("internal: the world CRS is not valid WKT");
    s.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    return s;
}

/// A transform from `from` (lon/lat order whatever the authority says) to the world CRS.
TransformPtr to_world(const OGRSpatialReference& from, const OGRSpatialReference& world) {
    OGRSpatialReference src(from);
    src.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    return TransformPtr(OGRCreateCoordinateTransformation(&src, &world));
}

DatasetPtr open(const fs::path& file, unsigned flags) {
    return DatasetPtr(GDALDataset::Open(file.string().c_str(), flags | GDAL_OF_READONLY | GDAL_OF_VERBOSE_ERROR, nullptr, nullptr, nullptr));
}

void require_file(const fs::path& file) {
    std::error_code ec;
    if (!fs::exists(file, ec)) fail(file, "no such file");
    if (fs::is_directory(file, ec)) fail(file, "is a folder, not a raster or vector file");
}

/// argv for GDAL's utilities, owning its strings.
class Args {
public:
    Args& operator<<(std::string s) {
        m_strings.push_back(std::move(s));
        return *this;
    }
    char** argv() {
        m_argv.clear();
        for (auto& s : m_strings) m_argv.push_back(s.data());
        m_argv.push_back(nullptr);
        return m_argv.data();
    }

private:
    std::vector<std::string> m_strings;
    std::vector<char*> m_argv;
};

std::string number(double v) { return fmt::format("{:.17g}", v); }

bool empty_box(const Box& b) { return !(b.max_x > b.min_x) || !(b.max_y > b.min_y); }

Box intersect(const Box& a, const Box& b) {
    return {std::max(a.min_x, b.min_x), std::max(a.min_y, b.min_y), std::min(a.max_x, b.max_x), std::min(a.max_y, b.max_y)};
}

bool contains(const Box& outer, const Box& inner) {
    return inner.min_x >= outer.min_x && inner.min_y >= outer.min_y && inner.max_x <= outer.max_x && inner.max_y <= outer.max_y;
}

bool lower_contains(const std::string& text, std::initializer_list<const char*> words) {
    std::string t = text;
    std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return std::any_of(words.begin(), words.end(), [&](const char* w) { return t.find(w) != std::string::npos; });
}

}  // namespace

// [SOURCES]

std::vector<fs::path> default_basemaps(const std::vector<fs::path>& data_files) {
    std::vector<fs::path> out;
    for (const fs::path& f : data_files)
        for (const char* name : {"basemap.tif", "basemap.gpkg"}) {
            const fs::path candidate = (f.parent_path() / name).lexically_normal();
            std::error_code ec;
            if (fs::is_regular_file(candidate, ec) && std::find(out.begin(), out.end(), candidate) == out.end()) out.push_back(candidate);
        }
    return out;
}

RasterSource open_raster(const fs::path& file, const std::string& world_wkt) {
    const QuietGdal quiet;
    require_file(file);
    const DatasetPtr ds = open(file, GDAL_OF_RASTER);
    if (!ds) fail(file, "GDAL cannot read it as a raster: " + gdal_reason());
    if (ds->GetRasterCount() == 0) fail(file, "holds no raster (GDAL opened it, but found no bands)");
    const OGRSpatialReference* srs = ds->GetSpatialRef();
    if (!srs || srs->IsEmpty())
        fail(file, "has no CRS (coordinate reference system), so it cannot be placed on the map; assign one, e.g. "
                   "gdal_translate -a_srs EPSG:4326 in.tif out.tif");
    double gt[6];
    if (ds->GetGeoTransform(gt) != CE_None) fail(file, "has no geotransform (where its pixels lie), so it cannot be placed on the map");
    const OGRSpatialReference world = world_crs(world_wkt);
    const TransformPtr ct = to_world(*srs, world);
    if (!ct) fail(file, fmt::format("cannot transform its CRS ({}) to the region's: {}", srs->GetName() ? srs->GetName() : "?", gdal_reason()));

    const int w = ds->GetRasterXSize(), h = ds->GetRasterYSize();
    auto transform = [&](std::vector<double>& x, std::vector<double>& y) {
        std::vector<int> ok(x.size());
        std::vector<double> col = x, row = y;
        for (std::size_t i = 0; i < x.size(); ++i) {
            x[i] = gt[0] + col[i] * gt[1] + row[i] * gt[2];
            y[i] = gt[3] + col[i] * gt[4] + row[i] * gt[5];
        }
        ct->Transform(static_cast<int>(x.size()), x.data(), y.data(), nullptr, ok.data());
        return ok;
    };
    // The extent: points along the edges (a reprojected rectangle bulges).
    constexpr int steps = 32;
    std::vector<double> x, y;
    for (int i = 0; i <= steps; ++i) {
        const double f = static_cast<double>(i) / steps;
        for (const auto& [c, r] : {std::pair{f * w, 0.0}, std::pair{f * w, double(h)}, std::pair{0.0, f * h}, std::pair{double(w), f * h}}) {
            x.push_back(c);
            y.push_back(r);
        }
    }
    const std::vector<int> ok = transform(x, y);
    RasterSource s;
    s.file = file;
    s.world = {1e300, 1e300, -1e300, -1e300};
    for (std::size_t i = 0; i < x.size(); ++i)
        if (ok[i] && std::isfinite(x[i]) && std::isfinite(y[i])) {
            s.world.min_x = std::min(s.world.min_x, x[i]);
            s.world.min_y = std::min(s.world.min_y, y[i]);
            s.world.max_x = std::max(s.world.max_x, x[i]);
            s.world.max_y = std::max(s.world.max_y, y[i]);
        }
    if (empty_box(s.world)) fail(file, "lies nowhere the region's CRS can reach (none of its edges transforms)");
    // Resolution: one pixel step at the centre, in world metres.
    std::vector<double> cx{w / 2.0, w / 2.0 + 1, w / 2.0}, cy{h / 2.0, h / 2.0, h / 2.0 + 1};
    const std::vector<int> cok = transform(cx, cy);
    if (cok[0] && cok[1] && cok[2])
        s.metres_per_pixel = std::sqrt(std::hypot(cx[1] - cx[0], cy[1] - cy[0]) * std::hypot(cx[2] - cx[0], cy[2] - cy[0]));
    if (!(s.metres_per_pixel > 0) || !std::isfinite(s.metres_per_pixel)) s.metres_per_pixel = (s.world.max_x - s.world.min_x) / w;

    GDALRasterBand* band = ds->GetRasterBand(1);
    if (band->GetRasterDataType() != GDT_Byte && band->GetColorInterpretation() != GCI_PaletteIndex) {
        double minmax[2] = {0, 255};
        if (band->ComputeRasterMinMax(TRUE, minmax) == CE_None && minmax[1] > minmax[0]) {
            s.low = minmax[0];
            s.high = minmax[1];
        }
    }
    s.summary = fmt::format("{}, {} x {} px, {} band{}, {}, about {:.0f} m a pixel", ds->GetDriver()->GetDescription(), w, h,
                            ds->GetRasterCount(), ds->GetRasterCount() == 1 ? "" : "s", srs->GetName() ? srs->GetName() : "?",
                            s.metres_per_pixel);
    return s;
}

namespace {

/// Appends a geometry's lines (polygons: their rings) as segments.
void add_lines(const OGRGeometry* g, LineKind kind, BasemapLines& out) {
    if (!g) return;
    if (g->hasCurveGeometry()) {
        const std::unique_ptr<OGRGeometry> linear(g->getLinearGeometry());
        if (linear && !linear->hasCurveGeometry()) add_lines(linear.get(), kind, out);
        return;
    }
    switch (wkbFlatten(g->getGeometryType())) {
        case wkbLineString:
        case wkbLinearRing: {
            const auto* line = g->toLineString();
            for (int i = 1; i < line->getNumPoints(); ++i) {
                out.points.push_back({line->getX(i - 1), line->getY(i - 1)});
                out.points.push_back({line->getX(i), line->getY(i)});
                out.kind.push_back(kind);
            }
            break;
        }
        case wkbPolygon: {
            const auto* poly = g->toPolygon();
            for (const auto* ring : *poly) add_lines(ring, kind, out);
            break;
        }
        case wkbMultiLineString:
        case wkbMultiPolygon:
        case wkbGeometryCollection: {
            const auto* parts = g->toGeometryCollection();
            for (const auto* part : *parts) add_lines(part, kind, out);
            break;
        }
        default: break;  // points say nothing a basemap line could
    }
}

constexpr std::size_t max_segments = 2'000'000;  // ~16 MB of vertices: beyond that llvmpipe stalls

}  // namespace

BasemapLines read_lines(const fs::path& file, const std::string& world_wkt) {
    const QuietGdal quiet;
    require_file(file);
    const DatasetPtr ds = open(file, GDAL_OF_VECTOR);
    if (!ds) fail(file, "GDAL cannot read it as vector data: " + gdal_reason());
    const OGRSpatialReference world = world_crs(world_wkt);
    BasemapLines out;
    const bool water_file = lower_contains(file.stem().string(), {"water", "river", "hydro", "水", "河"});
    for (OGRLayer* layer : ds->GetLayers()) {
        const std::string name = layer->GetName();
        const OGRSpatialReference* srs = layer->GetSpatialRef();
        if (!srs || srs->IsEmpty()) fail(file, "layer '" + name + "' has no CRS (coordinate reference system), so it cannot be placed on the map");
        const TransformPtr ct = to_world(*srs, world);
        if (!ct) fail(file, "layer '" + name + "': cannot transform its CRS to the region's: " + gdal_reason());
        const OGRFeatureDefn* defn = layer->GetLayerDefn();
        const int highway = defn->GetFieldIndex("highway"), waterway = defn->GetFieldIndex("waterway"), natural = defn->GetFieldIndex("natural");
        const bool osm = highway >= 0 || waterway >= 0 || natural >= 0;
        const LineKind layer_kind = water_file || lower_contains(name, {"water", "river", "hydro", "coast", "水", "河"}) ? LineKind::water : LineKind::road;
        layer->ResetReading();
        for (auto& feature : *layer) {
            LineKind kind = layer_kind;
            if (osm) {
                auto set = [&](int field) { return field >= 0 && feature->IsFieldSetAndNotNull(field) && *feature->GetFieldAsString(field); };
                if (set(waterway) || (set(natural) && std::string(feature->GetFieldAsString(natural)) == "water")) kind = LineKind::water;
                else if (set(highway)) kind = LineKind::road;
                else continue;  // buildings, land use...: not basemap lines
            }
            OGRGeometry* g = feature->GetGeometryRef();
            if (!g || g->IsEmpty()) continue;
            if (g->transform(ct.get()) != OGRERR_NONE) continue;  // outside what the world CRS can reach
            add_lines(g, kind, out);
            if (out.kind.size() >= max_segments) return out;
        }
    }
    return out;
}

Basemaps open_basemaps(const std::vector<fs::path>& files, const std::string& world_wkt) {
    Basemaps b;
    b.world_wkt = world_wkt;
    for (const fs::path& file : files) {
        try {
            require_file(file);
            bool raster = false, vector = false;
            {
                const QuietGdal quiet;
                const DatasetPtr ds = open(file, GDAL_OF_RASTER | GDAL_OF_VECTOR);
                if (!ds) fail(file, "GDAL cannot read it as a raster or as vector data: " + gdal_reason());
                raster = ds->GetRasterCount() > 0;
                vector = ds->GetLayerCount() > 0;
            }
            if (!raster && !vector) fail(file, "holds neither a raster nor a vector layer");
            if (raster) {
                b.rasters.push_back(open_raster(file, world_wkt));
                b.messages.push_back(fmt::format("basemap {}: {}", file.string(), b.rasters.back().summary));
            }
            if (vector) {
                const BasemapLines lines = read_lines(file, world_wkt);
                b.lines.points.insert(b.lines.points.end(), lines.points.begin(), lines.points.end());
                b.lines.kind.insert(b.lines.kind.end(), lines.kind.begin(), lines.kind.end());
                const auto water = std::count(lines.kind.begin(), lines.kind.end(), LineKind::water);
                b.messages.push_back(fmt::format("basemap {}: {} line segments ({} water){}", file.string(), lines.kind.size(), water,
                                                 lines.kind.size() >= max_segments ? ", the first 2,000,000 only" : ""));
            }
        } catch (const InputError& e) {
            b.messages.push_back("basemap " + e.problem().str());  // "basemap FILE: error: ..."
        } catch (const std::exception& e) {
            b.messages.push_back(fmt::format("error: basemap {}: {}", file.string(), e.what()));
        }
    }
    return b;
}

// [RENDER]

namespace {

int keep_going(double, const char*, void* cancel) {
    return cancel && static_cast<const std::atomic<bool>*>(cancel)->load() ? FALSE : TRUE;
}

/// One raster warped into the world rectangle.
Image render_one(const RasterSource& src, const std::string& world_wkt, const Box& world, int width, int height,
                 const std::atomic<bool>* cancel) {
    const DatasetPtr ds = open(src.file, GDAL_OF_RASTER);
    if (!ds) fail(src.file, "GDAL cannot read it as a raster: " + gdal_reason());
    GDALDatasetH input = GDALDataset::ToHandle(ds.get());
    // A palette (or more than RGBA) becomes RGB(A) first, through a virtual dataset.
    DatasetPtr expanded;
    GDALRasterBand* first = ds->GetRasterBand(1);
    const bool palette = first->GetColorInterpretation() == GCI_PaletteIndex && first->GetColorTable();
    if (palette || ds->GetRasterCount() > 4) {
        Args a;
        a << "-of" << "VRT";
        if (palette) a << "-expand" << "rgba";
        else a << "-b" << "1" << "-b" << "2" << "-b" << "3";
        GDALTranslateOptions* o = GDALTranslateOptionsNew(a.argv(), nullptr);
        int usage = 0;
        expanded.reset(GDALDataset::FromHandle(GDALTranslate("", input, o, &usage)));
        GDALTranslateOptionsFree(o);
        if (!expanded) fail(src.file, "cannot expand its bands to RGB: " + gdal_reason());
        input = GDALDataset::ToHandle(expanded.get());
    }
    Args a;
    a << "-of" << "MEM" << "-t_srs" << world_wkt << "-te" << number(world.min_x) << number(world.min_y) << number(world.max_x)
      << number(world.max_y) << "-ts" << std::to_string(width) << std::to_string(height) << "-r" << "bilinear" << "-dstalpha";
    GDALWarpAppOptions* o = GDALWarpAppOptionsNew(a.argv(), nullptr);
    if (!o) fail(src.file, "internal: GDAL refused the warp options: " + gdal_reason());
    GDALWarpAppOptionsSetProgress(o, keep_going, const_cast<std::atomic<bool>*>(cancel));
    int usage = 0;
    const DatasetPtr out(GDALDataset::FromHandle(GDALWarp("", nullptr, 1, &input, o, &usage)));
    GDALWarpAppOptionsFree(o);
    if (cancel && cancel->load()) throw Error("cancelled");
    if (!out) fail(src.file, "cannot warp it into the region's CRS: " + gdal_reason());

    // The warped bands: grey or RGB, then the alpha -dstalpha added.
    const int bands = out->GetRasterCount(), data = bands - 1;
    const auto n = static_cast<std::size_t>(width) * static_cast<std::size_t>(height);
    std::vector<double> v(n * static_cast<std::size_t>(std::min(data, 3)));
    std::vector<std::uint8_t> alpha(n);
    const bool bytes = out->GetRasterBand(1)->GetRasterDataType() == GDT_Byte;
    const double lo = bytes ? 0.0 : src.low, span = bytes ? 255.0 : std::max(1e-12, src.high - src.low);
    for (int b = 0; b < std::min(data, 3); ++b)
        if (out->GetRasterBand(b + 1)->RasterIO(GF_Read, 0, 0, width, height, v.data() + n * static_cast<std::size_t>(b), width, height,
                                                GDT_Float64, 0, 0, nullptr) != CE_None)
            fail(src.file, "cannot read the warped pixels: " + gdal_reason());
    if (out->GetRasterBand(bands)->RasterIO(GF_Read, 0, 0, width, height, alpha.data(), width, height, GDT_Byte, 0, 0, nullptr) != CE_None)
        fail(src.file, "cannot read the warped pixels: " + gdal_reason());
    Image img{width, height, std::vector<Rgba>(n)};
    auto level = [&](double x) { return static_cast<std::uint8_t>(std::clamp(std::lround((x - lo) / span * 255.0), 0L, 255L)); };
    for (std::size_t i = 0; i < n; ++i) {
        const std::uint8_t r = level(v[i]);
        const std::uint8_t g = data >= 3 ? level(v[n + i]) : r, b = data >= 3 ? level(v[2 * n + i]) : r;
        img.pixels[i] = {r, g, b, alpha[i]};
    }
    return img;
}

/// `top` over `bottom`, straight alpha.
void composite(Image& bottom, const Image& top) {
    for (std::size_t i = 0; i < bottom.pixels.size(); ++i) {
        const Rgba t = top.pixels[i];
        Rgba& b = bottom.pixels[i];
        if (t.a == 255 || b.a == 0) {
            b = t;
            continue;
        }
        if (t.a == 0) continue;
        const double ta = t.a / 255.0, ba = b.a / 255.0, a = ta + ba * (1 - ta);
        auto ch = [&](std::uint8_t tc, std::uint8_t bc) { return static_cast<std::uint8_t>(std::lround((tc * ta + bc * ba * (1 - ta)) / a)); };
        b = {ch(t.r, b.r), ch(t.g, b.g), ch(t.b, b.b), static_cast<std::uint8_t>(std::lround(a * 255))};
    }
}

}  // namespace

Image render_basemap(const std::vector<RasterSource>& rasters, const std::string& world_wkt, const Box& world, int width, int height,
                     const std::atomic<bool>* cancel) {
    if (width <= 0 || height <= 0 || empty_box(world)) return {};
    const QuietGdal quiet;
    Image img{width, height, std::vector<Rgba>(static_cast<std::size_t>(width) * static_cast<std::size_t>(height), Rgba{0, 0, 0, 0})};
    for (const RasterSource& r : rasters) {
        if (empty_box(intersect(r.world, world))) continue;
        composite(img, render_one(r, world_wkt, world, width, height, cancel));
    }
    return img;
}

// [CACHE]

bool operator==(const Tile& a, const Tile& b) {
    return a.level == b.level && a.width == b.width && a.height == b.height && a.world.min_x == b.world.min_x &&
           a.world.min_y == b.world.min_y && a.world.max_x == b.world.max_x && a.world.max_y == b.world.max_y;
}

int tile_level(double metres_per_pixel, double data_metres_per_pixel) {
    int level = static_cast<int>(std::lround(std::log2(std::max(metres_per_pixel, 1e-3))));
    if (data_metres_per_pixel > 0 && std::isfinite(data_metres_per_pixel))
        level = std::max(level, static_cast<int>(std::floor(std::log2(data_metres_per_pixel))));
    return level;
}

Tile tile_for(const Rect& visible, double metres_per_pixel, const Box& data, double data_metres_per_pixel) {
    Tile t;
    t.level = tile_level(metres_per_pixel, data_metres_per_pixel);
    const double mx = tile_margin * visible.w, my = tile_margin * visible.h;
    const Box want = intersect({visible.x - mx, visible.y - my, visible.x + visible.w + mx, visible.y + visible.h + my}, data);
    if (empty_box(want)) return t;
    for (;; ++t.level) {
        const double texel = std::ldexp(1.0, t.level), cell = texel * tile_grid;
        t.world = {std::floor(want.min_x / cell) * cell, std::floor(want.min_y / cell) * cell, std::ceil(want.max_x / cell) * cell,
                   std::ceil(want.max_y / cell) * cell};
        t.width = static_cast<int>(std::lround((t.world.max_x - t.world.min_x) / texel));
        t.height = static_cast<int>(std::lround((t.world.max_y - t.world.min_y) / texel));
        if (t.width <= max_tile_side && t.height <= max_tile_side) return t;
    }
}

void TileCache::reset(const Box& data, double data_metres_per_pixel) {
    m_data = data;
    m_data_mpp = data_metres_per_pixel;
    m_has_data = !empty_box(data);
    m_shown.reset();
}

std::optional<Tile> TileCache::needed(const Rect& visible, double metres_per_pixel) const {
    if (!m_has_data) return std::nullopt;
    const Box seen = intersect({visible.x, visible.y, visible.x + visible.w, visible.y + visible.h}, m_data);
    if (empty_box(seen)) return std::nullopt;  // nothing of the basemap in view: keep what is shown
    Tile t = tile_for(visible, metres_per_pixel, m_data, m_data_mpp);
    if (m_shown && m_shown->level == t.level && contains(m_shown->world, seen)) return std::nullopt;
    return t;
}

}  // namespace tisheng::view
