#include "tisheng/model/sites.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <set>

#include <cpl_error.h>
#include <cpl_string.h>
#include <ogrsf_frmts.h>

#include "core/detail/cancel.hpp"
#include "io/detail/gdal_util.hpp"
#include "model/detail/loaders.hpp"
#include "tisheng/core/privacy.hpp"
#include "tisheng/model/programme.hpp"

namespace tisheng {

std::string_view to_string(ProjectType t) { return t == ProjectType::housing ? "housing" : "municipal"; }

std::string_view to_string(SiteKind k) {
    switch (k) {
        case SiteKind::night_school: return "night_school";
        case SiteKind::model_worker_studio: return "model_worker_studio";
        case SiteKind::injury_prevention: return "injury_prevention";
    }
    return "?";
}

std::string_view to_string(BaseAttribute a) {
    switch (a) {
        case BaseAttribute::government: return "government";
        case BaseAttribute::industry: return "industry";
        case BaseAttribute::other: return "other";
    }
    return "?";
}

namespace detail {

const std::vector<std::string>& unit_fields() {
    static const std::vector<std::string> f{"id", "name", "name_en"};
    return f;
}
const std::vector<std::string>& project_fields() {
    static const std::vector<std::string> f{"id",          "name",        "enterprise",   "type",
                                            "address",     "start",       "planned_end",  "workforce",
                                            "contract_cny", "contact_name", "contact_title", "mobile"};
    return f;
}
const std::vector<std::string>& station_fields() {
    static const std::vector<std::string> f{"id", "name", "kind", "address", "area_m2", "capacity"};
    return f;
}
namespace {
namespace fs = std::filesystem;

/// The application form's fields (申报表) beyond the model's: optional
/// columns of the bases layer.
const std::vector<std::string>& base_form_fields() {
    static const std::vector<std::string> f{"postcode",          "website",        "head_title",   "head_education",
                                            "head_office_phone", "head_fax",       "contact_name", "contact_mobile",
                                            "bank_account",      "bank_name",      "supervisor",   "management",
                                            "training_capacity", "teaching_staff", "school_enterprise"};
    return f;
}
}  // namespace

const std::vector<std::string>& base_fields() {
    static const std::vector<std::string> f = [] {
        std::vector<std::string> all{"id",        "name",           "attribute",      "category",
                                     "industry",  "address",        "annual_trainees", "senior_share",
                                     "equipment_sets", "recognised", "track",          "head_name",
                                     "head_id_number", "phone"};
        for (const auto& x : base_form_fields()) all.push_back(x);
        return all;
    }();
    return f;
}
const std::vector<std::string>& demand_fields() {
    static const std::vector<std::string> f{"id", "industry", "workers"};
    return f;
}

bool is_optional_field(const std::string& field) {
    static const std::vector<std::string> opt{"name_en",       "address",  "contact_name", "contact_title",
                                              "mobile",        "head_name", "head_id_number", "phone",
                                              "contract_cny",  "enterprise"};
    if (std::find(opt.begin(), opt.end(), field) != opt.end()) return true;
    const auto& form = base_form_fields();
    return std::find(form.begin(), form.end(), field) != form.end();
}

namespace {

/// Typed access to one row's fields, reporting each bad value with its place.
class RowReader {
public:
    RowReader(const LayerSpec& spec, const std::vector<std::string>& logical, const FeatureRow& row, Diagnostics& diag)
        : m_spec(spec), m_logical(logical), m_row(row), m_diag(diag) {
        if (auto id = m_row.values[0]) m_id = *id;
    }
    [[nodiscard]] bool ok() const { return m_ok; }
    [[nodiscard]] const std::string& id() const { return m_id; }

    const std::optional<std::string>& raw(const std::string& f) const {
        auto i = index(f);
        return m_row.values[i];
    }
    std::string text(const std::string& f, bool required = true) {
        const auto& v = raw(f);
        if (!v) {
            if (required && !m_spec.columns.at(f).empty()) fail(f, "value is missing");
            return {};
        }
        return *v;
    }
    double real(const std::string& f, double lo, double hi) {
        const auto& v = raw(f);
        if (!v) {
            if (!m_spec.columns.at(f).empty()) fail(f, "value is missing; expected a number");
            return 0;
        }
        double x = 0;
        auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), x);
        if (ec != std::errc() || p != v->data() + v->size() || !std::isfinite(x)) {
            fail(f, "expected a number, got '" + *v + "'");
            return 0;
        }
        if (x < lo || x > hi) {
            fail(f, "expected a number between " + fmt(lo) + " and " + fmt(hi) + ", got '" + *v + "'");
            return 0;
        }
        return x;
    }
    int integer(const std::string& f, int lo, int hi) {
        const auto& v = raw(f);
        if (!v) {
            fail(f, "value is missing; expected a whole number");
            return 0;
        }
        long long x = 0;
        auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), x);
        if (ec != std::errc() || p != v->data() + v->size() || x < lo || x > hi) {
            fail(f, "expected a whole number between " + std::to_string(lo) + " and " + std::to_string(hi) +
                        ", got '" + *v + "'");
            return 0;
        }
        return static_cast<int>(x);
    }
    Date date(const std::string& f) {
        const auto& v = raw(f);
        if (!v) {
            fail(f, "value is missing; expected a date YYYY-MM-DD");
            return {};
        }
        auto d = Date::parse(*v);
        if (!d) {
            fail(f, "expected a date YYYY-MM-DD, got '" + *v + "'");
            return {};
        }
        return *d;
    }
    template <class E>
    E choice(const std::string& f, const std::vector<std::pair<std::string, E>>& choices) {
        std::string v = text(f);
        for (const auto& [name, e] : choices)
            if (name == v) return e;
        std::string list;
        for (const auto& c : choices) list += (list.empty() ? "" : ", ") + c.first;
        if (!v.empty()) fail(f, "unknown value '" + v + "'; expected one of: " + list);
        return choices.front().second;
    }
    bool flag(const std::string& f) {
        std::string v = text(f);
        if (v == "1" || v == "true" || v == "yes") return true;
        if (v == "0" || v == "false" || v == "no" || v.empty()) return false;
        fail(f, "expected 1/0 or true/false, got '" + v + "'");
        return false;
    }
    void fail(const std::string& f, const std::string& message) {
        m_ok = false;
        m_diag.error({m_spec.source.display, m_row.line, 0, m_row.where(m_id), column(f)}, message);
    }
    /// A doubtful value that does not stop the row from loading. Personal
    /// data must reach the message masked.
    void warn(const std::string& f, const std::string& message) {
        m_diag.warning({m_spec.source.display, m_row.line, 0, m_row.where(m_id), column(f)}, message);
    }
    /// Warns unless an optional contact number is empty or a mobile number.
    void check_mobile(const std::string& f, const std::string& value) {
        if (!value.empty() && !valid_mobile(value))
            warn(f, "expected a mobile number of 11 digits starting with 1, got '" + mask_phone(value) + "'");
    }
    std::optional<UnitIndex> locate(const Region& region) {
        if (m_row.geom != FeatureRow::Geom::point) {
            fail("geometry", "expected a point position");
            return std::nullopt;
        }
        auto u = region.locate(m_row.point);
        if (!u) {
            char buf[96];
            std::snprintf(buf, sizeof buf, "%.6f, %.6f", m_row.point.lon, m_row.point.lat);
            fail("geometry", std::string("site at lon/lat ") + buf + " (WGS84) lies outside every unit of " +
                                 region.name());
        }
        return u;
    }

private:
    std::size_t index(const std::string& f) const {
        return static_cast<std::size_t>(std::find(m_logical.begin(), m_logical.end(), f) - m_logical.begin());
    }
    std::string column(const std::string& f) const {
        auto it = m_spec.columns.find(f);
        return it == m_spec.columns.end() ? f : it->second;
    }
    static std::string fmt(double x) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%g", x);
        return buf;
    }
    const LayerSpec& m_spec;
    const std::vector<std::string>& m_logical;
    const FeatureRow& m_row;
    Diagnostics& m_diag;
    std::string m_id;
    bool m_ok = true;
};

/// The column names of a layer; empty when it cannot be opened (read_layer
/// then says why).
std::set<std::string> layer_columns(const LayerSource& src) {
    ensure_gdal();
    std::string ext = src.path.extension().string();
    for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    CPLStringList opts;
    if (ext == ".csv") {
        opts.AddNameValue("AUTODETECT_TYPE", "NO");
        opts.AddNameValue("HEADERS", "YES");
    }
    std::error_code ec;
    if (!fs::is_regular_file(src.path, ec) && !fs::is_directory(src.path, ec)) return {};
    CPLErrorReset();
    DatasetPtr ds(GDALDataset::Open(src.path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, nullptr,
                                    ext == ".csv" ? opts.List() : nullptr, nullptr));
    CPLErrorReset();
    if (!ds) return {};
    OGRLayer* layer = src.layer.empty() ? ds->GetLayer(0) : ds->GetLayerByName(src.layer.c_str());
    if (!layer) return {};
    std::set<std::string> out;
    OGRFeatureDefn* defn = layer->GetLayerDefn();
    for (int i = 0; i < defn->GetFieldCount(); ++i) out.insert(defn->GetFieldDefn(i)->GetNameRef());
    return out;
}

std::vector<std::string> source_columns(const LayerSpec& spec, const std::vector<std::string>& logical) {
    std::vector<std::string> cols;
    for (const auto& f : logical) cols.push_back(spec.columns.at(f));
    return cols;
}

/// The ids of a layer's rows so far, for the duplicate check: an
/// open-addressing table of row numbers over the ids kept in order (a
/// node-based map of 500,000 ids took 0.7 s of a national load).
class SeenIds {
public:
    /// The row where `id` was first seen, or none (and `id` is remembered at `where`).
    std::optional<std::pair<std::int64_t, int>> first(const std::string& id, std::pair<std::int64_t, int> where) {
        if (2 * (m_ids.size() + 1) > m_table.size()) grow();
        const std::size_t mask = m_table.size() - 1;
        for (std::size_t at = std::hash<std::string>{}(id) & mask;; at = (at + 1) & mask) {
            const std::uint32_t k = m_table[at];
            if (k == 0) {
                m_ids.push_back(id);
                m_where.push_back(where);
                m_table[at] = static_cast<std::uint32_t>(m_ids.size());
                return std::nullopt;
            }
            if (m_ids[k - 1] == id) return m_where[k - 1];
        }
    }

private:
    void grow() {
        m_table.assign(std::max<std::size_t>(1024, 2 * m_table.size()), 0);
        const std::size_t mask = m_table.size() - 1;
        for (std::uint32_t k = 0; k < m_ids.size(); ++k) {
            std::size_t at = std::hash<std::string>{}(m_ids[k]) & mask;
            while (m_table[at] != 0) at = (at + 1) & mask;
            m_table[at] = k + 1;
        }
    }
    std::vector<std::string> m_ids;
    std::vector<std::pair<std::int64_t, int>> m_where;  // (index, line) of each id's row
    std::vector<std::uint32_t> m_table;                  // 0: empty; k: m_ids[k - 1]
};

/// Reads a layer row by row; `make` returns true to keep the row's item.
template <class T, class Make>
std::vector<T> load_rows(const LayerSpec& spec, const std::vector<std::string>& logical, Diagnostics& diag,
                         Make&& make) {
    std::vector<T> out;
    SeenIds seen;
    read_layer(spec.source, source_columns(spec, logical), [&](const FeatureRow& row) {
        detail::throw_if_cancelled(spec.cancel);
        RowReader r(spec, logical, row, diag);
        if (r.id().empty()) {
            r.fail(logical[0], "id is missing; every feature needs a unique id");
            return;
        }
        if (const auto was = seen.first(r.id(), {row.index, row.line})) {
            FeatureRow first;
            first.index = was->first;
            first.line = was->second;
            r.fail(logical[0], "duplicate id '" + r.id() + "' (first used at " + first.where() + ")");
            return;
        }
        T item;
        make(r, row, item);
        if (r.ok()) out.push_back(std::move(item));
    }, diag);
    return out;
}

}  // namespace

std::vector<Unit> load_units(const LayerSpec& spec, Diagnostics& diag) {
    auto units = load_rows<Unit>(spec, unit_fields(), diag, [&](RowReader& r, const FeatureRow& row, Unit& u) {
        u.id = r.id();
        u.name = r.text("name");
        u.name_en = r.text("name_en", false);
        if (row.geom != FeatureRow::Geom::polygon || row.polygons.empty()) {
            r.fail("geometry", "expected a polygon or multipolygon boundary; this one is empty or missing");
            return;
        }
        // Longitude and latitude in degrees: a coordinate outside them (1e308,
        // or metres in a file that says nothing of its CRS) is refused here,
        // before any geometry arithmetic can overflow.
        auto in_degrees = [](const LonLat& c) { return std::abs(c.lon) <= 180 && std::abs(c.lat) <= 90; };  // false for NaN too
        for (const auto& poly : row.polygons) {
            std::vector<const Ring<LonLat>*> rings{&poly.outer};
            for (const auto& h : poly.holes) rings.push_back(&h);
            for (const auto* ring : rings)
                for (const LonLat& c : *ring)
                    if (!in_degrees(c)) {
                        r.fail("geometry", fmt::format("a vertex at ({:g}, {:g}) is not a longitude and latitude in degrees "
                                                       "(expected WGS84 or GCJ-02: |lon| <= 180, |lat| <= 90)", c.lon, c.lat));
                        return;
                    }
        }
        u.geometry = row.polygons;
        normalise(u.geometry);
        if (auto why = validity_problem(u.geometry); !why.empty()) {
            r.fail("geometry", "invalid polygon: " + why + " (repair it, e.g. with QGIS 'Fix geometries')");
            return;
        }
        u.label = label_point(u.geometry);
        u.area_km2 = area_km2(u.geometry);
    });
    if (units.empty() && !diag.has_errors())
        diag.error({spec.source.display}, "the boundary layer holds no units; expected at least one polygon");
    return units;
}

std::vector<Project> load_projects(const LayerSpec& spec, const Region& region, Diagnostics& diag) {
    return load_rows<Project>(spec, project_fields(), diag, [&](RowReader& r, const FeatureRow& row, Project& p) {
        p.id = r.id();
        p.pos = row.point;
        p.name = r.text("name");
        p.enterprise = r.text("enterprise", false);
        p.type = r.choice<ProjectType>("type", {{"housing", ProjectType::housing}, {"municipal", ProjectType::municipal}});
        p.address = r.text("address", false);
        p.start = r.date("start");
        p.planned_end = r.date("planned_end");
        p.workforce = r.integer("workforce", 0, 1'000'000);
        p.contract_cny = r.real("contract_cny", 0, 1e13);
        p.contact_name = r.text("contact_name", false);
        p.contact_title = r.text("contact_title", false);
        p.mobile = r.text("mobile", false);
        r.check_mobile("mobile", p.mobile);
        if (r.ok() && p.planned_end < p.start)
            r.fail("planned_end", "planned completion " + p.planned_end.iso() + " is before the start " + p.start.iso());
        if (auto u = r.locate(region)) p.unit = *u;
    });
}

std::vector<CandidateSite> load_stations(const LayerSpec& spec, const Region& region, Diagnostics& diag) {
    return load_rows<CandidateSite>(spec, station_fields(), diag, [&](RowReader& r, const FeatureRow& row, CandidateSite& s) {
        s.id = r.id();
        s.pos = row.point;
        s.name = r.text("name");
        s.kind = r.choice<SiteKind>("kind", {{"night_school", SiteKind::night_school},
                                             {"model_worker_studio", SiteKind::model_worker_studio},
                                             {"injury_prevention", SiteKind::injury_prevention}});
        s.address = r.text("address", false);
        s.area_m2 = r.real("area_m2", 0, 1e6);
        s.capacity = r.integer("capacity", 0, 10'000'000);
        if (auto u = r.locate(region)) s.unit = *u;
    });
}

std::vector<CandidateBase> load_bases(const LayerSpec& given, const Region& region, Diagnostics& diag) {
    // The application form's columns are optional: one the layer lacks is
    // read as blank, unless the scenario maps it to a column of its own
    // (`postcode_field: 邮编`), which must then exist.
    LayerSpec spec = given;
    const auto have = layer_columns(spec.source);
    if (!have.empty())
        for (const auto& f : base_form_fields())
            if (std::string& col = spec.columns[f]; col == f && !have.count(col)) col.clear();
    return load_rows<CandidateBase>(spec, base_fields(), diag, [&](RowReader& r, const FeatureRow& row, CandidateBase& b) {
        b.id = r.id();
        b.pos = row.point;
        b.name = r.text("name");
        b.attribute = r.choice<BaseAttribute>("attribute", {{"government", BaseAttribute::government},
                                                            {"industry", BaseAttribute::industry},
                                                            {"other", BaseAttribute::other}});
        b.category = r.choice<char>("category", {{"A", 'A'}, {"B", 'B'}, {"C", 'C'}, {"D", 'D'}});
        b.industry = r.text("industry");
        b.address = r.text("address", false);
        b.annual_trainees = r.integer("annual_trainees", 0, 10'000'000);
        b.senior_share = r.real("senior_share", 0, 1);
        b.equipment_sets = r.integer("equipment_sets", 0, 100'000);
        b.recognised = r.flag("recognised");
        b.existing = r.choice<bool>("track", {{"existing", true}, {"new", false}});
        b.head_name = r.text("head_name", false);
        b.head_id_number = r.text("head_id_number", false);
        b.phone = r.text("phone", false);
        if (!b.head_id_number.empty() && !valid_id_number(b.head_id_number))
            r.warn("head_id_number",
                   "expected an 18-character resident ID number (GB 11643) whose check character matches "
                   "and whose birth date (characters 7-14) exists, got '" +
                       mask_id_number(b.head_id_number) + "'");
        // The application form asks for the head's mobile, so a landline is flagged too.
        r.check_mobile("phone", b.phone);
        b.postcode = r.text("postcode", false);
        if (!b.postcode.empty() && (b.postcode.size() != 6 || !std::all_of(b.postcode.begin(), b.postcode.end(), [](char c) {
                                        return c >= '0' && c <= '9';
                                    })))
            r.warn("postcode", "expected a postcode of 6 digits, got '" + b.postcode + "'");
        b.website = r.text("website", false);
        b.head_title = r.text("head_title", false);
        b.head_education = r.text("head_education", false);
        b.head_office_phone = r.text("head_office_phone", false);
        b.head_fax = r.text("head_fax", false);
        b.contact_name = r.text("contact_name", false);
        b.contact_mobile = r.text("contact_mobile", false);
        r.check_mobile("contact_mobile", b.contact_mobile);
        b.bank_account = r.text("bank_account", false);
        b.bank_name = r.text("bank_name", false);
        b.supervisor = r.text("supervisor", false);
        b.management = r.text("management", false);
        b.training_capacity = r.text("training_capacity", false);
        b.teaching_staff = r.text("teaching_staff", false);
        b.school_enterprise = r.text("school_enterprise", false);
        if (auto u = r.locate(region)) b.unit = *u;
    });
}

std::vector<DemandPoint> load_demand(const LayerSpec& spec, const Region& region, Diagnostics& diag) {
    return load_rows<DemandPoint>(spec, demand_fields(), diag, [&](RowReader& r, const FeatureRow& row, DemandPoint& d) {
        d.id = r.id();
        d.industry = r.text("industry");
        d.workers = r.integer("workers", 0, 10'000'000);
        d.pos = row.point;
        if (auto u = r.locate(region)) d.unit = *u;
    });
}

}  // namespace detail
}  // namespace tisheng
