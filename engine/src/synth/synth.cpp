#include "tisheng/synth/synth.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>

#include <boost/geometry/algorithms/is_valid.hpp>

#include "geo/detail/bg.hpp"
#include "synth/detail/partition.hpp"
#include "synth/detail/synth_basemap.hpp"
#include "tisheng/model/calendar.hpp"
#include "tisheng/core/error.hpp"
#include "tisheng/core/files.hpp"
#include "tisheng/io/layers.hpp"
#include "tisheng/core/random.hpp"

namespace tisheng {

namespace fs = std::filesystem;
using namespace detail;

namespace {

// ---- geography -------------------------------------------------------------
// Schematic boundaries: Voronoi cells of real town positions (WGS84, to
// about 1 km), grouped by unit and clipped to a hand-drawn city outline.
// Sites are drawn around the towns and kept well inside their unit.

struct UnitDef {
    const char* id;
    const char* name;
    const char* name_en;
    const char* town;  ///< seat, used in addresses
};

struct Anchor {
    const char* unit;
    const char* town;
    double lon, lat;
    double weight;     ///< share of activity
    double spread_km;  ///< sd of sites around it
};

struct Zone {  ///< a funding unit carved out of a county (Quanzhou's zones)
    const char* unit;
    double lon, lat;
    double radius_km;
    double weight;  ///< share of activity, as for anchors
};

struct Geography {
    const char* city;
    const char* code;
    std::vector<UnitDef> units;
    std::vector<Anchor> anchors;
    std::vector<LonLat> outline;
    std::vector<Zone> zones;
};

const Geography& jiangmen() {
    static const Geography g{
        "江门市", "440700",
        {{"440703", "蓬江区", "Pengjiang", "环市街道"}, {"440704", "江海区", "Jianghai", "江南街道"},
         {"440705", "新会区", "Xinhui", "会城街道"}, {"440781", "台山市", "Taishan", "台城街道"},
         {"440783", "开平市", "Kaiping", "三埠街道"}, {"440784", "鹤山市", "Heshan", "沙坪街道"},
         {"440785", "恩平市", "Enping", "恩城街道"}},
        {{"440703", "环市", 113.060, 22.610, 10, 1.5}, {"440703", "杜阮", 113.010, 22.610, 3, 1.5},
         {"440703", "棠下", 113.040, 22.670, 3, 1.5}, {"440703", "荷塘", 113.075, 22.685, 2, 0.8},
         {"440704", "江南", 113.115, 22.560, 6, 1.5}, {"440704", "礼乐", 113.110, 22.530, 3, 0.8},
         {"440705", "会城", 113.035, 22.515, 9, 2.0}, {"440705", "大泽", 112.960, 22.490, 2, 1.5},
         {"440705", "司前", 112.880, 22.420, 2, 1.5}, {"440705", "双水", 113.000, 22.410, 2, 1.5},
         {"440705", "古井", 113.070, 22.310, 2, 1.5}, {"440705", "崖门", 113.060, 22.240, 1, 1.5},
         {"440781", "台城", 112.790, 22.250, 6, 2.0}, {"440781", "水步", 112.790, 22.360, 2, 1.5},
         {"440781", "斗山", 112.660, 21.975, 1.5, 1.0}, {"440781", "广海", 112.790, 21.960, 1.5, 1.5},
         {"440781", "都斛", 112.910, 22.080, 1, 1.5}, {"440783", "三埠", 112.680, 22.385, 6, 1.5},
         {"440783", "赤坎", 112.590, 22.320, 2, 1.5}, {"440783", "苍城", 112.570, 22.470, 1.5, 1.5},
         {"440783", "金鸡", 112.440, 22.200, 1, 1.5}, {"440784", "沙坪", 112.960, 22.760, 6, 2.0},
         {"440784", "共和", 112.870, 22.640, 2, 1.5}, {"440784", "址山", 112.790, 22.600, 1.5, 1.5},
         {"440784", "宅梧", 112.560, 22.620, 1, 1.5}, {"440785", "恩城", 112.305, 22.185, 6, 2.0},
         {"440785", "圣堂", 112.330, 22.300, 1.5, 1.5}, {"440785", "横陂", 112.190, 22.290, 1, 1.5},
         {"440785", "牛江", 112.240, 22.100, 1, 1.5}},
        {{112.98, 22.86}, {113.08, 22.80}, {113.17, 22.76}, {113.20, 22.62}, {113.26, 22.50}, {113.20, 22.30},
         {113.10, 22.10}, {112.95, 21.95}, {112.80, 21.85}, {112.55, 21.70}, {112.40, 21.75}, {112.20, 21.85},
         {112.02, 21.95}, {112.00, 22.15}, {112.10, 22.35}, {112.25, 22.45}, {112.45, 22.55}, {112.55, 22.70},
         {112.75, 22.80}},
        {}};
    return g;
}

const Geography& quanzhou() {
    static const Geography g{
        "泉州市", "350500",
        {{"350502", "鲤城区", "Licheng", "海滨街道"}, {"350503", "丰泽区", "Fengze", "东海街道"},
         {"350504", "洛江区", "Luojiang", "万安街道"}, {"350505", "泉港区", "Quangang", "山腰街道"},
         {"350521", "惠安县", "Hui'an", "螺城镇"}, {"350524", "安溪县", "Anxi", "凤城镇"},
         {"350525", "永春县", "Yongchun", "桃城镇"}, {"350526", "德化县", "Dehua", "浔中镇"},
         {"350581", "石狮市", "Shishi", "湖滨街道"}, {"350582", "晋江市", "Jinjiang", "青阳街道"},
         {"350583", "南安市", "Nan'an", "溪美街道"}, {"350500-ETDZ", "泉州开发区", "Quanzhou ETDZ", "清濛园区"},
         {"350500-TIZ", "泉州台商投资区", "Quanzhou TIZ", "张坂镇"}},
        {{"350502", "海滨", 118.580, 24.912, 5, 0.6}, {"350503", "东海", 118.625, 24.910, 5, 1.0},
         {"350504", "万安", 118.663, 24.960, 2, 0.25}, {"350504", "马甲", 118.620, 25.100, 2, 1.0},
         {"350505", "山腰", 118.900, 25.120, 4, 1.0}, {"350521", "螺城", 118.800, 25.030, 5, 2.0},
         {"350521", "崇武", 118.900, 24.910, 2, 0.5}, {"350524", "凤城", 118.185, 25.060, 5, 2.0},
         {"350524", "湖头", 117.960, 25.210, 2, 1.5}, {"350525", "桃城", 118.295, 25.320, 5, 2.0},
         {"350526", "浔中", 118.240, 25.490, 5, 2.0}, {"350581", "湖滨", 118.655, 24.748, 6, 1.0},
         {"350582", "青阳", 118.580, 24.810, 6, 1.5}, {"350582", "安海", 118.470, 24.715, 3, 1.5},
         {"350582", "英林", 118.620, 24.640, 2, 1.2}, {"350583", "溪美", 118.385, 24.960, 5, 2.0},
         {"350583", "水头", 118.410, 24.745, 3, 0.8}, {"350583", "官桥", 118.360, 24.820, 2, 1.5}},
        {{118.30, 25.93}, {118.55, 25.80}, {118.60, 25.50}, {118.75, 25.25}, {119.00, 25.22}, {119.03, 25.05},
         {118.95, 24.85}, {118.78, 24.72}, {118.70, 24.55}, {118.45, 24.55}, {118.30, 24.65}, {118.15, 24.80},
         {117.90, 24.85}, {117.60, 25.00}, {117.56, 25.30}, {117.80, 25.40}, {118.00, 25.60}, {117.95, 25.85}},
        {{"350500-ETDZ", 118.555, 24.865, 3.0, 3}, {"350500-TIZ", 118.760, 24.940, 4.0, 3}}};
    return g;
}

constexpr double km_per_deg_lat = 110.574;

double km_per_deg_lon(double lat) { return 111.320 * std::cos(lat * std::numbers::pi / 180.0); }

BgPolygon make_polygon(const std::vector<BgPoint>& pts) {
    BgPolygon p;
    for (const auto& q : pts) p.outer().push_back(q);
    p.outer().push_back(pts.front());
    bg::correct(p);
    return p;
}

/// Unit polygons: Voronoi cells of the anchors (in a locally isotropic
/// frame), clipped to the outline, zones cut out; merged per unit as a
/// planar partition, so neighbours share exactly the same edges.
std::vector<BgMulti> build_units(const Geography& g) {
    const double kx = std::cos(23.0 * std::numbers::pi / 180.0);  // lon scale at these latitudes
    auto fwd = [&](double lon, double lat) { return BgPoint(lon * kx, lat); };
    std::vector<BgPoint> outline;
    for (auto p : g.outline) outline.push_back(fwd(p.lon, p.lat));
    BgPolygon city = make_polygon(outline);

    auto unit_of = [&](const char* id) {
        for (std::size_t k = 0; k < g.units.size(); ++k)
            if (g.units[k].id == std::string(id)) return k;
        throw Error(std::string("internal: synthetic geography names an unknown unit ") + id);
    };
    // The zones are convex 16-gons: each is the intersection of its edges'
    // half-planes (interior on the right of a clockwise ring).
    std::vector<std::vector<HalfPlane>> zones;
    for (const auto& z : g.zones) {
        std::vector<BgPoint> ring;
        for (int k = 0; k < 16; ++k) {
            double t = 2 * std::numbers::pi * k / 16;
            ring.push_back(fwd(z.lon + z.radius_km * std::cos(t) / km_per_deg_lon(z.lat),
                               z.lat + z.radius_km * std::sin(t) / km_per_deg_lat));
        }
        const BgPolygon zone = make_polygon(ring);
        const auto& r = zone.outer();
        std::vector<HalfPlane> edges;
        for (std::size_t k = 0; k + 1 < r.size(); ++k) {
            const double nx = -(r[k + 1].y() - r[k].y()), ny = r[k + 1].x() - r[k].x();
            edges.push_back({nx, ny, nx * r[k].x() + ny * r[k].y()});
        }
        zones.push_back(std::move(edges));
    }

    // Every piece is the outline clipped by half-planes (no floating
    // overlay): the anchor's Voronoi cell, then split by each zone into the
    // part inside it and, outside, the parts beyond each of its edges.
    std::vector<PartitionPiece> pieces;
    auto add = [&](const char* unit, const std::vector<BgPoint>& ring) {
        pieces.push_back({unit_of(unit), {}});
        pieces.back().polygon.outer().assign(ring.begin(), ring.end());
    };
    for (std::size_t i = 0; i < g.anchors.size(); ++i) {
        std::vector<BgPoint> cell = city.outer();
        BgPoint a = fwd(g.anchors[i].lon, g.anchors[i].lat);
        for (std::size_t j = 0; j < g.anchors.size() && !cell.empty(); ++j) {
            if (i == j) continue;
            // Nearer to a than to b; b's cell takes the same line reversed.
            BgPoint b = fwd(g.anchors[j].lon, g.anchors[j].lat);
            const double nx = b.x() - a.x(), ny = b.y() - a.y();
            cell = clip(cell, {nx, ny, nx * (a.x() + b.x()) / 2 + ny * (a.y() + b.y()) / 2});
        }
        std::vector<std::vector<BgPoint>> rest{cell};
        for (std::size_t z = 0; z < zones.size(); ++z) {
            std::vector<std::vector<BgPoint>> outside;
            for (const auto& piece : rest) {
                std::vector<BgPoint> in = piece;
                for (std::size_t e = 0; e < zones[z].size() && !in.empty(); ++e) {
                    std::vector<BgPoint> out = clip(in, zones[z][e].complement());
                    if (!out.empty()) outside.push_back(std::move(out));
                    in = clip(in, zones[z][e]);
                }
                if (!in.empty()) add(g.zones[z].unit, in);
            }
            rest = std::move(outside);
        }
        for (const auto& piece : rest)
            if (!piece.empty()) add(g.anchors[i].unit, piece);
    }
    // The cells agree on their shared borders only up to rounding noise
    // (~1e-15°): one vertex set within 1e-7° (~1 cm), shared edges cancelled.
    // No simplification: the borders are straight lines already, and
    // simplifying each unit on its own would pull neighbours apart.
    std::vector<BgMulti> out = merge_partition(pieces, g.units.size(), 1e-7);
    for (std::size_t k = 0; k < out.size(); ++k) {
        // Back to lon/lat, rounded to 1e-9 degrees (the written precision).
        // A shared vertex rounds the same way in every unit that has it.
        for (auto& poly : out[k]) {
            auto back = [&](BgPoint& p) { p = BgPoint(std::round(p.x() / kx * 1e9) / 1e9, std::round(p.y() * 1e9) / 1e9); };
            for (auto& p : poly.outer()) back(p);
            for (auto& r : poly.inners())
                for (auto& p : r) back(p);
        }
        std::string why;
        if (out[k].empty() || !bg::is_valid(out[k], why))
            throw Error(std::string("internal: synthetic boundary of ") + g.units[k].id + " is invalid: " + (out[k].empty() ? "empty" : why));
    }
    return out;
}

// ---- names -------------------------------------------------------------------

const std::vector<const char*> surnames{"陈", "李", "黄", "张", "梁", "林", "吴", "刘", "王", "杨", "何", "郑",
                                        "谭", "周", "冯", "关", "余", "许", "苏", "邓", "曾", "蔡", "洪", "叶"};
const std::vector<const char*> given{"志明", "伟强", "海燕", "建华", "国荣", "丽芳", "俊杰", "少华", "美玲", "永康",
                                     "振东", "文辉", "秀英", "家豪", "子健", "晓东", "锦华", "嘉欣", "耀祖", "炳坤"};

template <class V>
const auto& pick(Rng& r, const V& v) { return v[static_cast<std::size_t>(r.integer(0, static_cast<std::int64_t>(v.size()) - 1))]; }

// Draws that build one string are taken in named steps: the operands of +
// are unsequenced, and gcc (which made the shipped files) evaluates them
// right to left, clang left to right.
std::string person(Rng& r) {
    const auto& name = pick(r, given);
    return std::string(pick(r, surnames)) + name;
}

std::string mobile(Rng& r) {
    static const std::vector<const char*> prefixes{"135", "136", "137", "138", "139", "150", "158", "159", "177", "186", "188", "189", "199"};
    std::string s = pick(r, prefixes);
    for (int i = 0; i < 8; ++i) s += static_cast<char>('0' + r.integer(0, 9));
    return s;
}

/// A resident ID number (GB 11643) with a valid check digit.
std::string id_number(Rng& r, const std::string& area) {
    std::string s = area.substr(0, 6);
    Date birth = Date::from_ymd(1965, 1, 1) + static_cast<std::int32_t>(r.integer(0, 25 * 365));
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d%02u%02u", birth.year(), birth.month(), birth.day());
    s += buf;
    for (int i = 0; i < 3; ++i) s += static_cast<char>('0' + r.integer(0, 9));
    static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    int sum = 0;
    for (int i = 0; i < 17; ++i) sum += (s[static_cast<std::size_t>(i)] - '0') * w[i];
    s += "10X98765432"[sum % 11];
    return s;
}

double round7(double v) { return std::round(v * 1e7) / 1e7; }

// ---- placement -----------------------------------------------------------------

struct Placer {
    const Geography& g;
    std::vector<MultiPolygon<LonLat>> polys;
    PolygonIndex index;
    std::vector<double> unit_weights;  // by unit
    std::vector<std::vector<std::size_t>> anchors_of;  // unit -> anchors

    Placer(const Geography& geo, const std::vector<BgMulti>& units) : g(geo) {
        for (const auto& m : units) polys.push_back(from_bg(m));
        index = PolygonIndex(polys);
        anchors_of.resize(g.units.size());
        unit_weights.assign(g.units.size(), 0);
        for (std::size_t a = 0; a < g.anchors.size(); ++a)
            for (std::size_t u = 0; u < g.units.size(); ++u)
                if (g.units[u].id == std::string(g.anchors[a].unit)) {
                    anchors_of[u].push_back(a);
                    unit_weights[u] += g.anchors[a].weight;
                }
        for (const auto& z : g.zones)
            for (std::size_t u = 0; u < g.units.size(); ++u)
                if (g.units[u].id == std::string(z.unit)) unit_weights[u] += z.weight;
    }

    /// A point near a town of unit u, at least ~600 m inside the unit.
    LonLat place(Rng& r, std::size_t u, double spread_factor, std::string* town) {
        const Zone* zone = nullptr;
        for (const auto& z : g.zones)
            if (g.units[u].id == std::string(z.unit)) zone = &z;
        std::vector<double> w;
        for (auto a : anchors_of[u]) w.push_back(g.anchors[a].weight);
        const Anchor* anchor = anchors_of[u].empty() ? nullptr : &g.anchors[anchors_of[u][r.weighted(w)]];
        LonLat centre = zone ? LonLat{zone->lon, zone->lat} : LonLat{anchor->lon, anchor->lat};
        // 0.6: sites cluster tightly around towns, far from borders the schematic
        // boundaries only approximate.
        double sd_km = zone ? zone->radius_km / 2.5 : 0.6 * anchor->spread_km * spread_factor;
        if (town) *town = anchor ? anchor->town : g.units[u].town;
        for (int attempt = 0; attempt < 200; ++attempt) {
            double dx = std::clamp(r.normal(), -2.5, 2.5) * sd_km, dy = std::clamp(r.normal(), -2.5, 2.5) * sd_km;
            LonLat p{centre.lon + dx / km_per_deg_lon(centre.lat), centre.lat + dy / km_per_deg_lat};
            if (index.locate(p) == u && index.depth(u, p) > 0.006) return p;
        }
        return centre;
    }
};

struct Writer {
    const fs::path& out;
    std::vector<fs::path> written;
    void units(const Geography& g, const std::vector<BgMulti>& polys) {
        fs::path f = out / "units.geojson";
        VectorWriter w(f, "GeoJSON");
        w.begin_layer("units", GeomKind::multipolygon,
                      {{"adcode", FieldDef::Type::text}, {"name_zh", FieldDef::Type::text}, {"name_en", FieldDef::Type::text}},
                      {"COORDINATE_PRECISION=9", "WRITE_NAME=NO"});
        for (std::size_t i = 0; i < g.units.size(); ++i)
            w.add(from_bg(polys[i]), {std::string(g.units[i].id), std::string(g.units[i].name), std::string(g.units[i].name_en)});
        w.commit();
        written.push_back(f);
    }
};

std::vector<FieldDef> text_fields(std::initializer_list<const char*> names) {
    std::vector<FieldDef> f;
    for (auto n : names) f.push_back({n, FieldDef::Type::text});
    return f;
}

const std::vector<std::string> csv_options{"LINEFORMAT=LF", "STRING_QUOTING=IF_NEEDED"};

std::string fixed(double v, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

// ---- Jiangmen-like: projects and candidate station sites ------------------------

// The register of active (在建) projects on `as_of`: started in the
// `history_days` before it and not yet due to end.
void synth_projects(const Geography& g, Placer& pl, const SynthOptions& o, Writer& wr, int base_projects,
                    int base_sites, Date as_of, int history_days) {
    Rng r(o.seed, 1);
    const auto n_projects = static_cast<long long>(std::llround(base_projects * o.scale));
    static const std::vector<const char*> ent_place{"江门市", "广东", "五邑", "侨乡", "粤西", "广州", "佛山市", "中山市"};
    static const std::vector<const char*> ent_core{"华建", "粤达", "恒信", "建安", "城建", "宏远", "冠华", "盛达", "鸿基",
                                                   "中南", "金辉", "宝华", "潭江", "锦江", "银洲", "圭峰", "联泰", "新力"};
    static const std::vector<const char*> ent_suffix{"建设集团有限公司", "建筑工程有限公司", "市政工程有限公司",
                                                     "建工集团有限公司", "路桥建设有限公司"};
    static const std::vector<const char*> estate{"花园", "雅苑", "华府", "名苑", "新城", "公馆", "御景湾", "滨江花园", "悦府"};
    static const std::vector<const char*> building{"中学教学楼", "人民医院住院楼", "保障性住房", "标准厂房", "安置房", "商业综合体"};
    static const std::vector<const char*> municipal{"道路改造工程", "污水管网工程", "大桥工程", "排水管网改造工程",
                                                    "综合管廊工程", "快速路工程", "河道整治工程"};
    static const std::vector<const char*> roads{"建设路", "胜利路", "港口路", "江海路", "东华路", "五邑路", "迎宾大道", "侨乡路", "北环路"};
    static const std::vector<const char*> phase{"一期", "二期", "三期", ""};
    static const std::vector<const char*> titles{"项目经理", "项目工会主席", "安全主任", "项目副经理", "综合办主任"};

    // Enterprises: about one per four projects, so that most run several.
    std::vector<std::string> enterprises;
    const auto n_ent = std::max<long long>(3, n_projects / 4);
    for (long long i = 0; i < n_ent; ++i) {
        // Drawn last part first (see person).
        std::string suffix = pick(r, ent_suffix), core = pick(r, ent_core);
        std::string e = std::string(pick(r, ent_place)) + core + suffix;
        if (std::find(enterprises.begin(), enterprises.end(), e) != enterprises.end() && i < 500) {
            suffix = pick(r, ent_suffix);
            const std::string core2 = pick(r, ent_core);
            core = pick(r, ent_core);
            e = std::string(pick(r, ent_place)) + core + core2 + suffix;
        }
        enterprises.push_back(e);
    }
    std::vector<double> ent_weight(enterprises.size());
    for (auto& w : ent_weight) w = r.lognormal(1.0, 1.0);  // a few big firms run many projects

    fs::path f = wr.out / "projects.csv";
    VectorWriter w(f, "CSV");
    w.begin_layer("projects", GeomKind::none,
                  text_fields({"id", "name", "enterprise", "type", "address", "start", "planned_end", "workforce",
                               "contract_cny", "contact_name", "contact_title", "mobile", "lon", "lat"}),
                  csv_options);
    const int width = n_projects >= 100000 ? 7 : 5;
    std::vector<double> cum;  // cumulative enterprise weights for O(log n) draws at scale
    double acc = 0;
    for (double x : ent_weight) cum.push_back(acc += x);
    for (long long i = 0; i < n_projects; ++i) {
        std::size_t u = r.weighted(pl.unit_weights);
        std::string town;
        LonLat pos = pl.place(r, u, 1.0, &town);
        bool housing = r.bernoulli(0.62);
        std::string name;
        if (housing && r.bernoulli(0.75)) {
            const std::string phase_name = pick(r, phase);  // last part first (see person)
            name = std::string(town) + pick(r, estate) + phase_name + "项目";
        } else if (housing) {
            name = g.units[u].name + std::string(town) + pick(r, building) + "工程";
        } else {
            const std::string work = pick(r, municipal);
            name = std::string(town) + pick(r, roads) + work;
        }
        auto e_it = std::lower_bound(cum.begin(), cum.end(), r.uniform() * acc);
        const std::string& ent = enterprises[static_cast<std::size_t>(std::min<std::ptrdiff_t>(e_it - cum.begin(), static_cast<std::ptrdiff_t>(enterprises.size()) - 1))];
        Date start, end;
        do {
            start = as_of - static_cast<std::int32_t>(r.integer(1, history_days));
            end = start.add_months(housing ? static_cast<int>(r.integer(14, 36)) : static_cast<int>(r.integer(6, 30)));
        } while (end <= as_of);
        int workforce = static_cast<int>(std::clamp(r.lognormal(housing ? 140 : 70, 0.7), 12.0, 3000.0));
        double contract = std::round(workforce * r.lognormal(45, 0.5)) * 10000;  // CNY
        char id[32];
        std::snprintf(id, sizeof id, "JM%0*lld", width, i + 1);
        const auto number = r.integer(1, 388);  // before the road (see person)
        const auto& road = pick(r, roads);
        std::string address = std::string(g.city) + g.units[u].name + town + road + std::to_string(number) + "号";
        LonLat out = from_wgs84(pos, CoordSys::gcj02);  // as a Chinese geocoder gives it
        w.add({std::string(id), name, ent, std::string(housing ? "housing" : "municipal"), address, start.iso(), end.iso(),
               std::to_string(workforce), fixed(contract, 0), person(r), pick(r, titles), mobile(r),
               fixed(round7(out.lon), 7), fixed(round7(out.lat), 7)});
    }
    w.commit();
    wr.written.push_back(f);

    // Off-project sites that may host or share a station.
    Rng rs(o.seed, 2);
    fs::path fc = wr.out / "candidate_sites.csv";
    VectorWriter wc(fc, "CSV");
    wc.begin_layer("candidate_sites", GeomKind::none,
                   text_fields({"id", "name", "kind", "address", "area_m2", "capacity", "lon", "lat"}), csv_options);
    const auto n_sites = static_cast<long long>(std::llround(base_sites * o.scale));
    static const std::vector<std::pair<const char*, const char*>> kinds{
        {"night_school", "职工夜校"}, {"model_worker_studio", "劳模和工匠人才创新工作室"}, {"injury_prevention", "工伤预防培训基地"}};
    for (long long i = 0; i < n_sites; ++i) {
        std::size_t u = rs.weighted(pl.unit_weights);
        std::string town;
        LonLat pos = pl.place(rs, u, 1.2, &town);
        const auto& k = pick(rs, kinds);
        char id[32];
        std::snprintf(id, sizeof id, "CS%0*lld", width - 1, i + 1);
        const auto number = rs.integer(1, 200);  // before the road (see person)
        const auto& road = pick(rs, roads);
        wc.add({std::string(id), g.units[u].name + std::string(town) + k.second, std::string(k.first),
                std::string(g.city) + g.units[u].name + town + road + std::to_string(number) + "号",
                fixed(std::round(rs.uniform(20, 180)), 0), std::to_string(rs.integer(2, 40) * 50),
                fixed(round7(pos.lon), 7), fixed(round7(pos.lat), 7)});
    }
    wc.commit();
    wr.written.push_back(fc);
}

// ---- Quanzhou: candidate training bases and industrial demand --------------------

struct Industry {
    const char* key;
    const char* zh;
    char category;
};
const std::vector<Industry> industries{
    {"machinery", "机械智能制造", 'A'}, {"electronics", "集成电子电路", 'A'}, {"textiles", "纺织服装鞋业", 'A'},
    {"petrochem", "石化新材料", 'A'},   {"ceramics", "陶瓷雕艺", 'A'},       {"building_materials", "建材", 'B'},
    {"tea", "茶业", 'C'},               {"food", "食品饮料", 'C'},           {"logistics", "现代物流", 'B'}};

/// Industry mix of each Quanzhou unit (weights in the order of `industries`).
std::vector<double> industry_mix(const std::string& unit) {
    static const std::map<std::string, std::vector<double>> mix{
        {"350502", {3, 1, 3, 0, 1, 0, 0, 2, 1}},   {"350503", {4, 2, 2, 0, 1, 0, 0, 1, 2}},
        {"350504", {4, 1, 2, 0, 1, 1, 0, 1, 1}},   {"350505", {1, 0, 0, 9, 0, 1, 0, 0, 2}},
        {"350521", {1, 1, 1, 3, 5, 2, 0, 1, 1}},   {"350524", {1, 2, 0, 0, 1, 1, 8, 1, 0}},
        {"350525", {1, 0, 1, 0, 2, 2, 3, 2, 0}},   {"350526", {0, 0, 0, 0, 10, 1, 1, 0, 0}},
        {"350581", {1, 0, 9, 0, 0, 0, 0, 1, 2}},   {"350582", {2, 3, 9, 0, 1, 2, 0, 3, 1}},
        {"350583", {3, 2, 1, 0, 1, 7, 1, 1, 1}},   {"350500-ETDZ", {6, 5, 1, 0, 0, 0, 0, 1, 1}},
        {"350500-TIZ", {4, 3, 1, 1, 1, 1, 0, 1, 1}}};
    auto it = mix.find(unit);
    return it == mix.end() ? std::vector<double>(industries.size(), 1.0) : it->second;
}

/// The application form's other fields (申报表), all visibly synthetic:
/// 示例 in the texts, example.cn websites, accounts of zeros. Drawn from a
/// stream of their own, so the model's columns stay as they were.
std::vector<std::string> base_form_values(Rng& r, const std::string& id, const std::string& unit, const std::string& attribute,
                                          const char* industry_zh, int trainees, double senior_share, int equipment) {
    static const std::vector<const char*> gov_titles{"培训中心 主任", "教务处 处长", "校长办公室 副校长", "实训部 主任"};
    static const std::vector<const char*> firm_titles{"培训中心 主任", "人力资源部 经理", "工会 主席", "技术部 总监"};
    static const std::vector<const char*> other_titles{"协会秘书处 秘书长", "培训部 部长", "协会 副会长"};
    static const std::vector<const char*> education{"大专", "本科", "本科", "本科", "硕士研究生", "博士研究生"};
    static const std::vector<const char*> banks{"示例银行泉州分行", "示例农村商业银行{}支行", "示例商业银行{}支行"};
    static const std::vector<const char*> partners{"泉州示例职业技术学院", "泉州示例技师学院", "示例高级技工学校", "示例工程职业学院"};
    const bool gov = attribute == "government", firm = attribute == "industry";
    std::string lower = id;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto digits = [&](int n) {
        std::string d;
        for (int i = 0; i < n; ++i) d += static_cast<char>('0' + r.integer(0, 9));
        return d;
    };
    const std::string postcode = "3629" + digits(2);
    const std::string website = "https://" + lower + ".example.cn";
    const std::string title = pick(r, gov ? gov_titles : firm ? firm_titles : other_titles);
    const std::string edu = pick(r, education);
    const std::string office = "0595-2" + digits(7), fax = "0595-2" + digits(7);
    const std::string contact = person(r), contact_mobile = mobile(r);
    const std::string account_tail = digits(4);  // drawn first (see person)
    const std::string account = "0000 0000 " + digits(4) + " " + account_tail;
    std::string bank = pick(r, banks);
    if (auto at = bank.find("{}"); at != std::string::npos) bank.replace(at, 2, unit);
    const std::string supervisor = (gov ? unit + (r.bernoulli(0.5) ? "教育局" : "人力资源和社会保障局")
                                        : firm ? unit + "工业和信息化局" : unit + "总工会") + "（示例）";
    const int teachers = static_cast<int>(r.integer(8, 60));
    const int senior = static_cast<int>(r.integer(1, std::max(1, teachers / 4)));
    return {postcode,
            website,
            title,
            edu,
            office,
            fax,
            contact,
            contact_mobile,
            account,
            bank,
            supervisor,
            "（示例）建有培训管理、考核、颁证和就业指导服务制度；财务、资产和风险管理制度健全。",
            "（示例）年培训" + std::to_string(trainees) + "人，其中高级工以上占" + fixed(100 * senior_share, 1) + "%；" +
                industry_zh + (equipment > 0 ? "实训设备" + std::to_string(equipment) + "套。" : std::string("实训设备待购置。")),
            "（示例）专兼职教师" + std::to_string(teachers) + "名，其中高级技师" + std::to_string(senior) + "名；聘请劳模工匠担任兼职导师。",
            "（示例）与" + std::string(pick(r, partners)) + "签订校企合作协议，共同制定培养目标、培养计划和培训课程，共享师资。"};
}

void synth_bases(const Geography& g, Placer& pl, const SynthOptions& o, Writer& wr) {
    Rng r(o.seed, 3);
    Rng rf(o.seed, 5);  // the application form's other fields
    const auto n = static_cast<long long>(std::llround(110 * o.scale));
    fs::path f = wr.out / "bases.csv";
    VectorWriter w(f, "CSV");
    w.begin_layer("bases", GeomKind::none,
                  text_fields({"id", "name", "attribute", "category", "industry", "address", "annual_trainees",
                               "senior_share", "equipment_sets", "recognised", "track", "head_name",
                               "head_id_number", "phone", "postcode", "website", "head_title", "head_education",
                               "head_office_phone", "head_fax", "contact_name", "contact_mobile", "bank_account",
                               "bank_name", "supervisor", "management", "training_capacity", "teaching_staff",
                               "school_enterprise", "lon", "lat"}),
                  csv_options);
    static const std::vector<const char*> school{"职业技术学校", "技师学院", "职业中专学校", "高级技工学校"};
    static const std::vector<const char*> firm_core{"恒安", "安踏", "九牧", "盼盼", "达利", "闽华", "泉工", "海天", "华祥", "宏兴", "德盛", "永兴"};
    for (long long i = 0; i < n; ++i) {
        std::size_t u = r.weighted(pl.unit_weights);
        const auto& ind = industries[r.weighted(industry_mix(g.units[u].id))];
        std::string town;
        LonLat pos = pl.place(r, u, 1.3, &town);
        double kind = r.uniform();
        std::string name, attribute;
        if (kind < 0.35) {
            name = g.units[u].name + std::string(pick(r, school)) + ind.zh + "实训基地";
            attribute = "government";
        } else if (kind < 0.85) {
            name = std::string("泉州") + pick(r, firm_core) + ind.zh + "有限公司职工培训中心";
            attribute = "industry";
        } else {
            name = g.units[u].name + std::string(ind.zh) + "行业协会技能培训站";
            attribute = "other";
        }
        char category = r.bernoulli(0.85) ? ind.category : "ABCD"[r.integer(0, 3)];
        char id[32];
        std::snprintf(id, sizeof id, "QZB%04lld", i + 1);
        std::string area = g.units[u].id;
        if (area.size() > 6) area = area.substr(0, 6) == "350500" ? "350503" : area.substr(0, 6);
        LonLat out = from_wgs84(pos, CoordSys::gcj02);
        // The draws in the order they always had.
        std::string address = std::string(g.city) + g.units[u].name + town + std::to_string(r.integer(1, 300)) + "号";
        const int trainees = static_cast<int>(std::clamp(r.lognormal(650, 0.55), 80.0, 8000.0));
        const double senior = std::clamp(r.normal(0.26, 0.09), 0.02, 0.7);
        const int equipment = static_cast<int>(r.integer(0, 6));
        std::string recognised = r.bernoulli(0.22) ? "1" : "0", track = r.bernoulli(0.75) ? "existing" : "new";
        std::string head = person(r);
        std::string head_id = id_number(r, area);
        std::string phone = mobile(r);
        std::vector<FieldValue> row{std::string(id), name, attribute, std::string(1, category), std::string(ind.key), address,
                                     std::to_string(trainees), fixed(senior, 3), std::to_string(equipment), recognised, track,
                                     head, head_id, phone};
        // The form's figures say what the model's columns say (senior share as written, to 0.1 %).
        for (auto& v : base_form_values(rf, id, g.units[u].name, attribute, ind.zh, trainees, std::stod(fixed(senior, 3)), equipment))
            row.push_back(std::move(v));
        row.push_back(fixed(round7(out.lon), 7));
        row.push_back(fixed(round7(out.lat), 7));
        w.add(row);
    }
    w.commit();
    wr.written.push_back(f);

    Rng rd(o.seed, 4);
    const auto nd = static_cast<long long>(std::llround(5000 * o.scale));
    fs::path fd = wr.out / "demand.csv";
    VectorWriter wd(fd, "CSV");
    wd.begin_layer("demand", GeomKind::none, text_fields({"id", "industry", "workers", "lon", "lat"}), csv_options);
    for (long long i = 0; i < nd; ++i) {
        std::size_t u = rd.weighted(pl.unit_weights);
        const auto& ind = industries[rd.weighted(industry_mix(g.units[u].id))];
        LonLat pos = pl.place(rd, u, 1.0, nullptr);
        char id[32];
        std::snprintf(id, sizeof id, "QZD%0*lld", nd >= 100000 ? 7 : 5, i + 1);
        wd.add({std::string(id), std::string(ind.key),
                std::to_string(static_cast<int>(std::clamp(rd.lognormal(60, 0.9), 5.0, 5000.0))),
                fixed(round7(pos.lon), 7), fixed(round7(pos.lat), 7)});
    }
    wd.commit();
    wr.written.push_back(fd);
}

// ---- national: ~2,800 synthetic county-level units on a lattice -------------------

Geography national_geography(std::vector<std::string>& storage) {
    Geography g{"全国（合成）", "000000", {}, {}, {}, {}};
    const int cols = 70, rows = 40;  // 2,800 units of 0.5° x 0.45°
    storage.reserve(static_cast<std::size_t>(cols * rows) * 4);
    Rng r(7, 0);
    for (int j = 0; j < rows; ++j)
        for (int i = 0; i < cols; ++i) {
            char id[16], zh[32], en[32];
            std::snprintf(id, sizeof id, "S%04d", j * cols + i + 1);
            std::snprintf(zh, sizeof zh, "合成县%04d", j * cols + i + 1);
            std::snprintf(en, sizeof en, "Synthetic %04d", j * cols + i + 1);
            storage.emplace_back(id);
            const char* idp = storage.back().c_str();
            storage.emplace_back(zh);
            const char* zhp = storage.back().c_str();
            storage.emplace_back(en);
            const char* enp = storage.back().c_str();
            g.units.push_back({idp, zhp, enp, "城关镇"});
            g.anchors.push_back({idp, "城关", 86.0 + 0.5 * i + 0.25, 22.0 + 0.45 * j + 0.225, r.lognormal(1, 0.8), 6});
        }
    return g;
}

std::vector<BgMulti> lattice_units(const Geography& g) {
    std::vector<BgMulti> out;
    for (const auto& a : g.anchors) {
        double x0 = a.lon - 0.25, x1 = a.lon + 0.25, y0 = a.lat - 0.225, y1 = a.lat + 0.225;
        out.push_back(BgMulti{make_polygon({{x0, y0}, {x0, y1}, {x1, y1}, {x1, y0}})});
    }
    return out;
}

const char* national_scenario = R"(# Scale-test scenario written by `tisheng synth national`: ~2,800 synthetic
# county-level units under Jiangmen's station rules (targets apply to every unit).
name: national-synthetic
title: 全国合成数据 规模测试 (national synthetic scale test)
run: {seed: 1, replications: 100, start: 2023-07-01, end: 2027-12-31}
region: {name: 全国（合成）, code: "000000"}
data_dir: .
units: {path: units.geojson, id_field: adcode, name_field: name_zh, name_en_field: name_en}
projects: {path: projects.csv, coords: gcj02}
stations: {path: candidate_sites.csv}
programme:
  name: national-synthetic
  kind: stations
  phases:
    - {name: pilot, start: 2023-07-01, end: 2024-12-31}
    - {name: full_rollout, start: 2025-01-01, end: 2027-12-31}
  eligibility: {project_types: [housing, municipal], min_workforce: 30, min_duration_months: 6}
  targets:
    - {id: y2023, measure: stations_built, deadline: 2023-12-31, required: 2}
    - {id: y2024, measure: stations_built, deadline: 2024-12-31, required: 5}
    - {id: all_eligible, measure: share_eligible_with_station, from: 2025-01-01, check: year_end, required: 0.9, grace_days: 90}
behaviour:
  as_of: 2023-07-01
  completion_delay_days: [0, 120]
  adoption: {phases: {pilot: 0.05, full_rollout: 0.25}, enterprise_has_station: 1.5}
  plan_days: [14, 45]
  construct_days: [20, 60]
  area_m2: [15, 80]
  standard_pass: {facilities: 0.95, content: 0.97, staff: 0.90, funding: 0.93}
  fix_probability: 0.7
  fix_days: [20, 60]
  relocate_probability: 0.5
  relocate_days: [7, 21]
costs:
  area_cny_per_m2: 300
  equipment_cny: 10000
  monthly_cny: 800
  setup_paid_by: {enterprise: 0.7, county_fund: 0.3}
  running_paid_by: {enterprise: 1.0}
budgets:
  on_exhausted: wait
  payers:
    - {id: enterprise, name: 企业, annual_cny: unlimited}
    - {id: county_fund, name: 专项资金, per_unit: true, annual_cny: 300000}
coverage:
  cell_m: 2000   # the whole country: 100 m cells would make 1.7e9 cells
)";

}  // namespace

std::vector<std::string> synth_regions() { return {"jiangmen", "quanzhou", "national"}; }

Ring<LonLat> synth_outline(const std::string& region) {
    if (region != "jiangmen" && region != "quanzhou")
        throw UsageError("no hand-drawn outline for region '" + region + "'; expected jiangmen or quanzhou");
    Ring<LonLat> ring = (region == "jiangmen" ? jiangmen() : quanzhou()).outline;
    ring.push_back(ring.front());
    return ring;
}

std::vector<fs::path> synthesize(const SynthOptions& o, const fs::path& out,
                                 const std::function<void(const std::string&)>& progress) {
    if (!(o.scale > 0) || !std::isfinite(o.scale) || o.scale > 1000)
        throw UsageError("--scale must be a number above 0 and at most 1000, got " + std::to_string(o.scale));
    auto regions = synth_regions();
    if (std::find(regions.begin(), regions.end(), o.region) == regions.end())
        throw UsageError("unknown region '" + o.region + "'; expected one of: jiangmen, quanzhou, national");
    std::error_code ec;
    fs::create_directories(out, ec);
    if (ec) throw Error(out.string() + ": cannot create the output folder: " + ec.message());
    auto say = [&](const std::string& s) {
        if (progress) progress(s);
    };
    Writer wr{out, {}};
    if (o.region == "national") {
        std::vector<std::string> storage;
        Geography g = national_geography(storage);
        auto units = lattice_units(g);
        Placer pl(g, units);
        say("units");
        wr.units(g, units);
        say("projects");
        synth_projects(g, pl, o, wr, 500000, 20000, Date::from_ymd(2023, 7, 1), 30 * 30);
        write_file_atomic(out / "scenario.yaml", national_scenario);
        wr.written.push_back(out / "scenario.yaml");
        return wr.written;
    }
    const Geography& g = o.region == "jiangmen" ? jiangmen() : quanzhou();
    auto units = build_units(g);
    Placer pl(g, units);
    say("units");
    wr.units(g, units);
    if (o.region == "jiangmen") {
        say("projects");
        synth_projects(g, pl, o, wr, 1200, 60, Date::from_ymd(2023, 7, 1), 30 * 30);
    } else {
        say("bases and demand");
        synth_bases(g, pl, o, wr);
    }
    // The synthetic basemap (synth_basemap.cpp); the sea lies south of Jiangmen, south-east of Quanzhou.
    say("basemap");
    detail::BasemapGeography bg_map{g.outline, {}, o.region == "jiangmen" ? LonLat{0, -1} : LonLat{1, -1}};
    for (const Anchor& a : g.anchors) bg_map.towns.push_back({{a.lon, a.lat}, a.weight});
    wr.written.push_back(detail::write_synthetic_basemap(out / "basemap.tif", bg_map, o.seed));
    return wr.written;
}

}  // namespace tisheng
