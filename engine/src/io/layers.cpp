#include "tisheng/io/layers.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <mutex>

#include <cpl_conv.h>
#include <cpl_json.h>
#include <cpl_error.h>
#include <gdal_priv.h>
#include <ogrsf_frmts.h>
#include <fstream>

#include "io/detail/gdal_util.hpp"
#include "tisheng/core/files.hpp"
#include "tisheng/core/text.hpp"

namespace tisheng {

namespace fs = std::filesystem;

namespace detail {

void ensure_gdal() {
    static std::once_flag once;
    std::call_once(once, [] {
        GDALAllRegister();
        // GeoPackages record when each table last changed: the outputs' time.
        if (std::getenv("SOURCE_DATE_EPOCH")) {
            const std::time_t t = output_time();
            std::tm utc{};
            gmtime_r(&t, &utc);
            char buf[32];
            std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S.000Z", &utc);
            CPLSetConfigOption("OGR_CURRENT_DATE", buf);
        }
        // Messages reach the user through our own errors, with context.
        CPLSetErrorHandler(CPLQuietErrorHandler);
    });
}

std::string last_gdal_error() {
    std::string m = CPLGetLastErrorMsg();
    return m.empty() ? "GDAL gave no reason" : m;
}

}  // namespace detail

using detail::ensure_gdal;
using detail::last_gdal_error;

void check_layer_file(const LayerSource& src) {
    std::error_code ec;
    if (fs::is_directory(src.path, ec)) return;  // a folder may be a Shapefile set
    check_input_file(src.path, src.display.empty() ? src.path.string() : src.display, std::uintmax_t{64} << 30);
}

std::string FeatureRow::where(const std::string& id) const {
    std::string s = line > 0 ? "line " + std::to_string(line) : "feature " + std::to_string(index + 1);
    if (!id.empty()) s += " (id " + id + ")";
    return s;
}

// ---- reading ----------------------------------------------------------------

namespace {

using detail::DatasetPtr;

bool is_csv(const fs::path& p) {
    auto ext = p.extension().string();
    for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return ext == ".csv";
}

void convert_ring(const OGRLinearRing* r, CoordSys cs, Ring<LonLat>& out) {
    out.reserve(r->getNumPoints());
    for (int i = 0; i < r->getNumPoints(); ++i) out.push_back(to_wgs84({r->getX(i), r->getY(i)}, cs));
}

void convert_polygon(const OGRPolygon* p, CoordSys cs, MultiPolygon<LonLat>& out) {
    if (p->IsEmpty()) return;
    Polygon<LonLat> poly;
    convert_ring(p->getExteriorRing(), cs, poly.outer);
    for (int i = 0; i < p->getNumInteriorRings(); ++i) {
        poly.holes.emplace_back();
        convert_ring(p->getInteriorRing(i), cs, poly.holes.back());
    }
    out.push_back(std::move(poly));
}

/// The first ring of `g` (a polygon or multipolygon) whose last point is
/// not its first, described for a message; empty when every ring is closed
/// (or an end is not in degrees at all, which the region's check reports).
std::string unclosed_ring(const OGRGeometry& g) {
    auto check = [](const OGRPolygon& p, const std::string& which) -> std::string {
        for (int i = 0; i <= p.getNumInteriorRings(); ++i) {
            const OGRLinearRing* r = i == 0 ? p.getExteriorRing() : p.getInteriorRing(i - 1);
            if (!r || r->getNumPoints() == 0 || r->get_IsClosed()) continue;
            const int last = r->getNumPoints() - 1;
            // A vertex outside lon/lat degrees is the first fault (the region's check names it).
            auto degrees = [&](int k) { return std::abs(r->getX(k)) <= 180 && std::abs(r->getY(k)) <= 90; };
            if (!degrees(0) || !degrees(last)) continue;
            return (i == 0 ? std::string("the outer ring") : "hole " + std::to_string(i)) + which + " ends at (" +
                   exact_number(r->getX(last)) + ", " + exact_number(r->getY(last)) + "), not at its first point (" +
                   exact_number(r->getX(0)) + ", " + exact_number(r->getY(0)) + ")";
        }
        return {};
    };
    if (wkbFlatten(g.getGeometryType()) == wkbPolygon) return check(*g.toPolygon(), "");
    int k = 0;
    for (const auto* p : *g.toMultiPolygon()) {
        if (auto m = check(*p, " of polygon " + std::to_string(++k)); !m.empty()) return m;
    }
    return {};
}

/// The text of a GeoJSON file's top-level `crs` object, read from the
/// file's first MiB (writers put it before "features"); empty if none.
std::string geojson_crs_member(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::string head(std::size_t{1} << 20, '\0');
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<std::size_t>(in.gcount()));
    const std::size_t key = head.find("\"crs\"");
    if (key == std::string::npos || key > head.find("\"features\"")) return {};
    const std::size_t open = head.find('{', key);
    if (open == std::string::npos) return {};
    int depth = 0;
    bool quoted = false;
    for (std::size_t i = open; i < head.size(); ++i) {
        const char c = head[i];
        if (quoted) {
            if (c == '\\') ++i;
            else if (c == '"') quoted = false;
        } else if (c == '"') {
            quoted = true;
        } else if (c == '{') {
            ++depth;
        } else if (c == '}' && --depth == 0) {
            return head.substr(open, i - open + 1);
        }
    }
    return {};
}

/// Refuses a layer whose declared CRS is not lon/lat on WGS 84 (a GeoJSON
/// `crs` member, a GeoPackage's srs_id): the scenario reads its numbers as
/// degrees (`coords`), so another CRS means the file and the scenario
/// disagree. A GeoJSON `crs` member GDAL cannot read (it then assumes
/// WGS 84 without a word) is refused too.
void check_layer_crs(GDALDataset& ds, OGRLayer& layer, const fs::path& path, const std::string& shown, CoordSys coords) {
    const std::string expected = "the scenario reads its coordinates as longitude and latitude in degrees (coords: " +
                                 std::string(to_string(coords)) + ")";
    if (std::string(ds.GetDriverName()) == "GeoJSON")
        if (const std::string member = geojson_crs_member(path); !member.empty()) {
            CPLJSONDocument doc;
            const std::string name = doc.LoadMemory(member) ? doc.GetRoot().GetString("properties/name") : std::string();
            OGRSpatialReference declared;
            if (name.empty() || declared.SetFromUserInput(name.c_str()) != OGRERR_NONE)
                throw InputError({shown, 0, 0, "", "crs"}, "names '" + (name.empty() ? member : name) +
                                                               "', which is not a coordinate reference system; " + expected +
                                                               ": remove the member (RFC 7946 GeoJSON is always WGS 84) or name EPSG:4326");
        }
    const OGRSpatialReference* srs = layer.GetSpatialRef();
    if (!srs) return;
    OGRSpatialReference wgs84;
    wgs84.SetWellKnownGeogCS("WGS84");
    if (srs->IsGeographic() && srs->IsSameGeogCS(&wgs84)) return;
    const char* name = srs->GetName();
    const char* code = srs->GetAuthorityCode(nullptr);
    const char* authority = srs->GetAuthorityName(nullptr);
    throw InputError({shown, 0, 0, "", "crs"},
                     std::string("the layer's coordinate reference system is ") + (name ? name : "unnamed") +
                         (code && authority ? std::string(" (") + authority + ":" + code + ")" : std::string()) + ", but " + expected +
                         " on WGS 84; reproject the file (ogr2ogr -t_srs EPSG:4326 out.gpkg in) or correct its CRS");
}

std::optional<double> parse_coord(const std::string& s) {
    double v = 0;
    const char* b = s.data();
    while (b < s.data() + s.size() && *b == ' ') ++b;
    auto [ptr, ec] = std::from_chars(b, s.data() + s.size(), v);
    if (ec != std::errc() || ptr != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
    return v;
}

}  // namespace

std::size_t read_layer(const LayerSource& src, const std::vector<std::string>& fields,
                       const std::function<void(const FeatureRow&)>& row_fn, Diagnostics& diag) {
    ensure_gdal();
    const std::string& shown = src.display.empty() ? src.path.string() : src.display;
    check_layer_file(src);
    std::error_code ec;
    if (fs::is_regular_file(src.path, ec) && fs::file_size(src.path, ec) == 0)
        throw InputError({shown}, "file is empty; expected a vector layer (GeoJSON, GeoPackage, Shapefile or CSV)");

    const bool csv = is_csv(src.path);
    CPLStringList open_opts;
    if (csv) {
        open_opts.AddNameValue("AUTODETECT_TYPE", "NO");  // we parse and check every value ourselves
        open_opts.AddNameValue("HEADERS", "YES");
    }
    CPLErrorReset();
    DatasetPtr ds(GDALDataset::Open(src.path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, nullptr,
                                    csv ? open_opts.List() : nullptr, nullptr));
    if (!ds) throw InputError({shown}, "GDAL cannot open this as a vector layer: " + last_gdal_error());

    OGRLayer* layer = src.layer.empty() ? ds->GetLayer(0) : ds->GetLayerByName(src.layer.c_str());
    if (!layer) {
        std::string names;
        for (auto* l : ds->GetLayers()) names += (names.empty() ? "" : ", ") + std::string(l->GetName());
        throw InputError({shown, 0, 0, "", "layer"},
                         src.layer.empty() ? "the file holds no layer"
                                           : "no layer named '" + src.layer + "'; it has: " + names);
    }
    if (!csv) check_layer_crs(*ds, *layer, src.path, shown, src.coords);

    OGRFeatureDefn* defn = layer->GetLayerDefn();
    auto column_list = [&] {
        std::string s;
        for (int i = 0; i < defn->GetFieldCount(); ++i)
            s += (i ? ", " : "") + std::string(defn->GetFieldDefn(i)->GetNameRef());
        return s;
    };
    std::vector<std::string> wanted = fields;
    if (csv) {
        wanted.push_back(src.lon_field);
        wanted.push_back(src.lat_field);
    }
    std::vector<int> idx(wanted.size(), -1);
    bool missing = false;
    for (std::size_t i = 0; i < wanted.size(); ++i) {
        if (wanted[i].empty()) continue;
        idx[i] = defn->GetFieldIndex(wanted[i].c_str());
        if (idx[i] < 0) {
            if (auto it = src.named_at.find(wanted[i]); it != src.named_at.end())
                diag.error(it->second, "no column '" + wanted[i] + "' in " + shown + "; it has: " + column_list());
            else
                diag.error({shown, csv ? 1 : 0, 0, "", wanted[i]}, "no such column in the layer; it has: " + column_list());
            missing = true;
        }
    }
    if (missing) return 0;

    FeatureRow row;
    row.values.resize(fields.size());
    std::size_t n = 0;
    layer->ResetReading();
    for (OGRFeatureUniquePtr f(layer->GetNextFeature()); f; f.reset(layer->GetNextFeature())) {
        row.index = static_cast<std::int64_t>(n);
        row.line = csv ? static_cast<int>(n) + 2 : 0;
        row.geom = FeatureRow::Geom::none;
        row.polygons.clear();
        bool bad = false;
        auto text = [&](std::size_t i) -> std::optional<std::string> {
            if (idx[i] < 0 || !f->IsFieldSetAndNotNull(idx[i])) return std::nullopt;
            std::string v = f->GetFieldAsString(idx[i]);
            if (!is_utf8(v)) {
                diag.error({shown, row.line, 0, row.where(), wanted[i]},
                           "text is not valid UTF-8; save the file as UTF-8");
                bad = true;
                return std::nullopt;
            }
            if (csv && v.empty()) return std::nullopt;
            return v;
        };
        for (std::size_t i = 0; i < fields.size(); ++i) row.values[i] = text(i);
        if (csv) {
            auto lon_s = text(fields.size()), lat_s = text(fields.size() + 1);
            auto lon = lon_s ? parse_coord(*lon_s) : std::nullopt;
            auto lat = lat_s ? parse_coord(*lat_s) : std::nullopt;
            if (!lon || *lon < -180 || *lon > 180) {
                diag.error({shown, row.line, 0, row.where(), src.lon_field},
                           "expected a longitude in degrees (-180..180), got '" + lon_s.value_or("") + "'");
                bad = true;
            }
            if (!lat || *lat < -90 || *lat > 90) {
                diag.error({shown, row.line, 0, row.where(), src.lat_field},
                           "expected a latitude in degrees (-90..90), got '" + lat_s.value_or("") + "'");
                bad = true;
            }
            if (!bad) {
                row.geom = FeatureRow::Geom::point;
                row.point = to_wgs84({*lon, *lat}, src.coords);
            }
        } else if (const OGRGeometry* g = f->GetGeometryRef(); g && !g->IsEmpty()) {
            switch (wkbFlatten(g->getGeometryType())) {
                case wkbPoint: {
                    auto* p = g->toPoint();
                    if (!std::isfinite(p->getX()) || !std::isfinite(p->getY()) || std::abs(p->getX()) > 180 ||
                        std::abs(p->getY()) > 90) {
                        diag.error({shown, 0, 0, row.where(), "geometry"},
                                   "point is not a lon/lat position in degrees");
                        bad = true;
                    } else {
                        row.geom = FeatureRow::Geom::point;
                        row.point = to_wgs84({p->getX(), p->getY()}, src.coords);
                    }
                    break;
                }
                case wkbPolygon:
                case wkbMultiPolygon:
                    if (const std::string open = unclosed_ring(*g); !open.empty()) {
                        diag.error({shown, 0, 0, row.where(), "geometry"}, "a polygon ring is not closed: " + open);
                        bad = true;
                        break;
                    }
                    row.geom = FeatureRow::Geom::polygon;
                    if (wkbFlatten(g->getGeometryType()) == wkbPolygon) convert_polygon(g->toPolygon(), src.coords, row.polygons);
                    else for (const auto* p : *g->toMultiPolygon()) convert_polygon(p, src.coords, row.polygons);
                    break;
                default:
                    diag.error({shown, 0, 0, row.where(), "geometry"},
                               std::string("geometry is a ") + g->getGeometryName() + "; expected a point or a polygon");
                    bad = true;
            }
        }
        ++n;
        if (!bad) row_fn(row);
    }
    return n;
}

// ---- writing ----------------------------------------------------------------

struct VectorWriter::Impl {
    fs::path target;
    fs::path tmp;
    std::string driver;
    DatasetPtr ds;
    OGRLayer* layer = nullptr;
    std::vector<FieldDef> fields;
    OGRSpatialReference srs;
    bool in_transaction = false;
    bool committed = false;
    std::vector<std::string> indexed;  // GPKG layers whose spatial index is built at the end

    void end_layer() {
        if (in_transaction && ds->CommitTransaction() != OGRERR_NONE)
            throw Error(target.string() + ": cannot commit layer: " + last_gdal_error());
        in_transaction = false;
    }

    void set_fields(OGRFeature& f, const std::vector<FieldValue>& values) {
        if (values.size() != fields.size())
            throw Error("internal: " + std::to_string(values.size()) + " values for " + std::to_string(fields.size()) +
                        " fields in " + target.string());
        for (std::size_t i = 0; i < values.size(); ++i) {
            const auto& v = values[i];
            int k = static_cast<int>(i);
            if (std::holds_alternative<std::monostate>(v))
                f.SetFieldNull(k);
            else if (auto* iv = std::get_if<std::int64_t>(&v))
                f.SetField(k, static_cast<GIntBig>(*iv));
            else if (auto* dv = std::get_if<double>(&v))
                f.SetField(k, *dv);
            else
                f.SetField(k, std::get<std::string>(v).c_str());
        }
    }

    void write(OGRFeature& f) {
        if (!layer) throw Error("internal: add() before begin_layer() for " + target.string());
        if (layer->CreateFeature(&f) != OGRERR_NONE)
            throw Error(target.string() + ": cannot write a feature: " + last_gdal_error());
    }
};

VectorWriter::VectorWriter(fs::path target, std::string driver) : m_impl(std::make_unique<Impl>()) {
    ensure_gdal();
    m_impl->target = std::move(target);
    m_impl->driver = std::move(driver);
    m_impl->tmp = detail::temp_sibling(m_impl->target);
    std::error_code ec;
    fs::remove(m_impl->tmp, ec);
    GDALDriver* drv = GetGDALDriverManager()->GetDriverByName(m_impl->driver.c_str());
    if (!drv) throw Error("GDAL has no " + m_impl->driver + " driver");
    m_impl->ds.reset(drv->Create(m_impl->tmp.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
    if (!m_impl->ds) throw Error(m_impl->target.string() + ": cannot create: " + last_gdal_error());
    m_impl->srs.importFromEPSG(4326);
    m_impl->srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
}

VectorWriter::~VectorWriter() {
    if (!m_impl->committed) {
        m_impl->ds.reset();
        std::error_code ec;
        fs::remove_all(m_impl->tmp, ec);
    }
}

void VectorWriter::begin_layer(const std::string& name, GeomKind geom, const std::vector<FieldDef>& fields,
                               const std::vector<std::string>& options) {
    CPLStringList opts;
    for (const auto& o : options) opts.AddString(o.c_str());
    OGRwkbGeometryType gt = geom == GeomKind::point ? wkbPoint : geom == GeomKind::multipolygon ? wkbMultiPolygon : wkbNone;
    // A GeoPackage's R-tree is built in one go once the rows are in (GDAL
    // 3.6 otherwise feeds it row by row through a thread: 6 s of 7 for
    // 240,000 points).
    if (m_impl->driver == "GPKG" && gt != wkbNone && opts.FetchNameValue("SPATIAL_INDEX") == nullptr) {
        opts.SetNameValue("SPATIAL_INDEX", "NO");
        m_impl->indexed.push_back(name);
    }
    m_impl->layer = m_impl->ds->CreateLayer(name.c_str(), gt == wkbNone ? nullptr : &m_impl->srs, gt, opts.List());
    if (!m_impl->layer) throw Error(m_impl->target.string() + ": cannot create layer " + name + ": " + last_gdal_error());
    for (const auto& fd : fields) {
        OGRFieldType t = fd.type == FieldDef::Type::integer ? OFTInteger64
                         : fd.type == FieldDef::Type::real  ? OFTReal
                         : fd.type == FieldDef::Type::date  ? OFTDate
                                                            : OFTString;
        OGRFieldDefn d(fd.name.c_str(), t);
        if (fd.width > 0) d.SetWidth(fd.width);
        if (m_impl->layer->CreateField(&d) != OGRERR_NONE)
            throw Error(m_impl->target.string() + ": cannot create field " + fd.name + ": " + last_gdal_error());
    }
    m_impl->fields = fields;
    // One transaction for the whole file.
    if (!m_impl->in_transaction && m_impl->ds->TestCapability(ODsCTransactions) && m_impl->ds->StartTransaction() == OGRERR_NONE)
        m_impl->in_transaction = true;
}

void VectorWriter::add(const std::vector<FieldValue>& values) {
    OGRFeature f(m_impl->layer->GetLayerDefn());
    m_impl->set_fields(f, values);
    m_impl->write(f);
}

void VectorWriter::add(LonLat point, const std::vector<FieldValue>& values) {
    OGRFeature f(m_impl->layer->GetLayerDefn());
    m_impl->set_fields(f, values);
    OGRPoint pt(point.lon, point.lat);
    f.SetGeometry(&pt);
    m_impl->write(f);
}

void VectorWriter::add(const MultiPolygon<LonLat>& geom, const std::vector<FieldValue>& values) {
    OGRFeature f(m_impl->layer->GetLayerDefn());
    m_impl->set_fields(f, values);
    // Owned by unique_ptrs until each part is handed over (GDAL's *Directly
    // calls take ownership), so a throw on the way frees what was built.
    auto mp = std::make_unique<OGRMultiPolygon>();
    for (const auto& poly : geom) {
        auto p = std::make_unique<OGRPolygon>();
        auto add_ring = [&](const Ring<LonLat>& r) {
            auto ring = std::make_unique<OGRLinearRing>();
            for (auto pt : r) ring->addPoint(pt.lon, pt.lat);
            if (p->addRingDirectly(ring.get()) != OGRERR_NONE) throw Error(m_impl->target.string() + ": cannot add a ring to a polygon");
            (void)ring.release();
        };
        add_ring(poly.outer);
        for (const auto& h : poly.holes) add_ring(h);
        if (mp->addGeometryDirectly(p.get()) != OGRERR_NONE) throw Error(m_impl->target.string() + ": cannot add a polygon to a multipolygon");
        (void)p.release();
    }
    f.SetGeometryDirectly(mp.release());  // takes ownership whatever it returns
    m_impl->write(f);
}

void VectorWriter::commit() {
    m_impl->end_layer();
    m_impl->layer = nullptr;
    for (const auto& name : m_impl->indexed) {
        const std::string sql = "SELECT CreateSpatialIndex('" + name + "', 'geom')";
        CPLErrorReset();
        { const detail::ResultSet res(*m_impl->ds, sql); }
        if (CPLGetLastErrorType() >= CE_Failure)
            throw Error(m_impl->target.string() + ": cannot build the spatial index of " + name + ": " + last_gdal_error());
    }
    GDALDataset* raw = m_impl->ds.release();
    CPLErrorReset();
    GDALClose(raw);  // void in GDAL 3.6: errors surface through CPLGetLastErrorType
    if (CPLGetLastErrorType() >= CE_Failure) throw Error(m_impl->target.string() + ": cannot finish writing: " + last_gdal_error());
    std::error_code ec;
    if (fs::is_directory(m_impl->target, ec)) fs::remove_all(m_impl->target, ec);
    fs::rename(m_impl->tmp, m_impl->target, ec);
    if (ec) throw Error(m_impl->target.string() + ": cannot move the finished file into place: " + ec.message());
    m_impl->committed = true;
}

}  // namespace tisheng
