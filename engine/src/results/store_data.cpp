#include "results/detail/store_data.hpp"

#include <algorithm>
#include <string_view>
#include <utility>
#include <vector>

#include "results/detail/bytes.hpp"
#include "tisheng/core/error.hpp"
#include "tisheng/core/privacy.hpp"

namespace tisheng::detail {

namespace fs = std::filesystem;

std::string mask_personal(const std::string& v, PersonalColumn::Kind kind) {
    switch (kind) {
        case PersonalColumn::Kind::name: return mask_name(v);
        case PersonalColumn::Kind::phone: return mask_phone(v);
        case PersonalColumn::Kind::id_number: return mask_id_number(v);
    }
    return v;
}

namespace {

/// Writes the text fields of one layer's rows as its copy in input/ holds
/// them: each personal column masked, in the order the copy masks them
/// (copy_input: by Scenario::personal_columns). Remembers which fields it
/// wrote, so that a personal column feeding any other field is caught.
class Masked {
public:
    Masked(const Scenario& s, std::string_view role) {
        for (const auto& c : s.personal_columns)
            if (c.role == role)
                for (const auto& f : c.fields) m_masks.push_back({f, c.kind, false});
    }
    void str(Out& o, std::string_view field, const std::string& value) {
        bool any = false;
        std::string v;
        for (auto& m : m_masks)
            if (m.field == field) {
                v = mask_personal(any ? v : value, m.kind);
                any = m.written = true;
            }
        o.str(any ? v : value);
    }
    /// True if every masked field was one written through str().
    [[nodiscard]] bool complete() const {
        for (const auto& m : m_masks)
            if (!m.written) return false;
        return true;
    }

private:
    struct Mask {
        std::string field;
        PersonalColumn::Kind kind;
        bool written;
    };
    std::vector<Mask> m_masks;
};

void put_pos(Out& o, LonLat p) {
    o.num(p.lon);
    o.num(p.lat);
}
LonLat get_pos(In& in) {
    LonLat p;
    p.lon = in.num<double>();
    p.lat = in.num<double>();
    return p;
}

void put_ring(Out& o, const Ring<LonLat>& r) {
    o.num<std::uint64_t>(r.size());
    for (const LonLat& p : r) put_pos(o, p);
}
Ring<LonLat> get_ring(In& in) {
    Ring<LonLat> r(in.count(16));
    for (LonLat& p : r) p = get_pos(in);
    return r;
}

void put_units(Out& o, const Scenario& s, Masked& m) {
    const Region& region = s.region;
    o.str(region.name());
    o.str(region.code());
    o.num<std::int32_t>(region.crs().epsg());
    o.num<std::uint64_t>(region.units().size());
    for (const Unit& u : region.units()) {
        o.str(u.id);
        m.str(o, "name", u.name);
        m.str(o, "name_en", u.name_en);
        o.num<std::uint64_t>(u.geometry.size());
        for (const auto& poly : u.geometry) {
            put_ring(o, poly.outer);
            o.num<std::uint64_t>(poly.holes.size());
            for (const auto& h : poly.holes) put_ring(o, h);
        }
        put_pos(o, u.label);
        o.num(u.area_km2);
    }
}
Region get_region(In& in) {
    std::string name = in.str(), code = in.str();
    const auto epsg = in.num<std::int32_t>();
    std::vector<Unit> units(in.count(40));
    for (Unit& u : units) {
        u.id = in.str();
        u.name = in.str();
        u.name_en = in.str();
        u.geometry.resize(in.count(16));
        for (auto& poly : u.geometry) {
            poly.outer = get_ring(in);
            poly.holes.resize(in.count(8));
            for (auto& h : poly.holes) h = get_ring(in);
        }
        u.label = get_pos(in);
        u.area_km2 = in.num<double>();
    }
    return Region(std::move(name), std::move(code), std::move(units), epsg);
}

void put_projects(Out& o, const std::vector<Project>& projects, Masked& m) {
    o.num<std::uint64_t>(projects.size());
    for (const Project& p : projects) {
        o.str(p.id);
        m.str(o, "name", p.name);
        m.str(o, "enterprise", p.enterprise);
        o.num<std::uint8_t>(static_cast<std::uint8_t>(p.type));
        m.str(o, "address", p.address);
        put_pos(o, p.pos);
        o.num(p.unit);
        o.num(p.start.days());
        o.num(p.planned_end.days());
        o.num<std::int32_t>(p.workforce);
        o.num(p.contract_cny);
        m.str(o, "contact_name", p.contact_name);
        m.str(o, "contact_title", p.contact_title);
        m.str(o, "mobile", p.mobile);
    }
}
std::vector<Project> get_projects(In& in) {
    std::vector<Project> projects(in.count(60));
    for (Project& p : projects) {
        p.id = in.str();
        p.name = in.str();
        p.enterprise = in.str();
        p.type = static_cast<ProjectType>(in.num<std::uint8_t>());
        p.address = in.str();
        p.pos = get_pos(in);
        p.unit = in.num<UnitIndex>();
        p.start = Date::from_days(in.num<std::int32_t>());
        p.planned_end = Date::from_days(in.num<std::int32_t>());
        p.workforce = in.num<std::int32_t>();
        p.contract_cny = in.num<double>();
        p.contact_name = in.str();
        p.contact_title = in.str();
        p.mobile = in.str();
    }
    return projects;
}

void put_stations(Out& o, const std::vector<CandidateSite>& stations, Masked& m) {
    o.num<std::uint64_t>(stations.size());
    for (const CandidateSite& c : stations) {
        o.str(c.id);
        m.str(o, "name", c.name);
        o.num<std::uint8_t>(static_cast<std::uint8_t>(c.kind));
        m.str(o, "address", c.address);
        put_pos(o, c.pos);
        o.num(c.unit);
        o.num(c.area_m2);
        o.num<std::int32_t>(c.capacity);
    }
}
std::vector<CandidateSite> get_stations(In& in) {
    std::vector<CandidateSite> stations(in.count(40));
    for (CandidateSite& c : stations) {
        c.id = in.str();
        c.name = in.str();
        c.kind = static_cast<SiteKind>(in.num<std::uint8_t>());
        c.address = in.str();
        c.pos = get_pos(in);
        c.unit = in.num<UnitIndex>();
        c.area_m2 = in.num<double>();
        c.capacity = in.num<std::int32_t>();
    }
    return stations;
}

// The text fields of a base after the first four, in the layer's field
// order (sites.cpp base_fields()).
constexpr std::pair<const char*, std::string CandidateBase::*> base_texts[] = {
    {"head_name", &CandidateBase::head_name},
    {"head_id_number", &CandidateBase::head_id_number},
    {"phone", &CandidateBase::phone},
    {"postcode", &CandidateBase::postcode},
    {"website", &CandidateBase::website},
    {"head_title", &CandidateBase::head_title},
    {"head_education", &CandidateBase::head_education},
    {"head_office_phone", &CandidateBase::head_office_phone},
    {"head_fax", &CandidateBase::head_fax},
    {"contact_name", &CandidateBase::contact_name},
    {"contact_mobile", &CandidateBase::contact_mobile},
    {"bank_account", &CandidateBase::bank_account},
    {"bank_name", &CandidateBase::bank_name},
    {"supervisor", &CandidateBase::supervisor},
    {"management", &CandidateBase::management},
    {"training_capacity", &CandidateBase::training_capacity},
    {"teaching_staff", &CandidateBase::teaching_staff},
    {"school_enterprise", &CandidateBase::school_enterprise},
};

void put_bases(Out& o, const std::vector<CandidateBase>& bases, Masked& m) {
    o.num<std::uint64_t>(bases.size());
    for (const CandidateBase& b : bases) {
        o.str(b.id);
        m.str(o, "name", b.name);
        o.num<std::uint8_t>(static_cast<std::uint8_t>(b.attribute));
        o.num(b.category);
        m.str(o, "industry", b.industry);
        m.str(o, "address", b.address);
        put_pos(o, b.pos);
        o.num(b.unit);
        o.num<std::int32_t>(b.annual_trainees);
        o.num(b.senior_share);
        o.num<std::int32_t>(b.equipment_sets);
        o.num<std::uint8_t>(b.recognised);
        o.num<std::uint8_t>(b.existing);
        for (const auto& [field, member] : base_texts) m.str(o, field, b.*member);
    }
}
std::vector<CandidateBase> get_bases(In& in) {
    std::vector<CandidateBase> bases(in.count(60));
    for (CandidateBase& b : bases) {
        b.id = in.str();
        b.name = in.str();
        b.attribute = static_cast<BaseAttribute>(in.num<std::uint8_t>());
        b.category = in.num<char>();
        b.industry = in.str();
        b.address = in.str();
        b.pos = get_pos(in);
        b.unit = in.num<UnitIndex>();
        b.annual_trainees = in.num<std::int32_t>();
        b.senior_share = in.num<double>();
        b.equipment_sets = in.num<std::int32_t>();
        b.recognised = in.num<std::uint8_t>() != 0;
        b.existing = in.num<std::uint8_t>() != 0;
        for (const auto& [field, member] : base_texts) b.*member = in.str();
    }
    return bases;
}

void put_demand(Out& o, const std::vector<DemandPoint>& demand, Masked& m) {
    o.num<std::uint64_t>(demand.size());
    for (const DemandPoint& d : demand) {
        o.str(d.id);
        put_pos(o, d.pos);
        o.num(d.unit);
        m.str(o, "industry", d.industry);
        o.num<std::int32_t>(d.workers);
    }
}
std::vector<DemandPoint> get_demand(In& in) {
    std::vector<DemandPoint> demand(in.count(40));
    for (DemandPoint& d : demand) {
        d.id = in.str();
        d.pos = get_pos(in);
        d.unit = in.num<UnitIndex>();
        d.industry = in.str();
        d.workers = in.num<std::int32_t>();
    }
    return demand;
}

void put_matrix(Out& o, const coverage::CostMatrix* m) {
    o.num<std::uint8_t>(m != nullptr);
    if (!m) return;
    o.str(m->unit);
    o.strs(m->origins);
    o.strs(m->destinations);
    o.vec(m->origin);
    o.vec(m->destination);
    o.vec(m->cost);
}
std::shared_ptr<const coverage::CostMatrix> get_matrix(In& in) {
    if (in.num<std::uint8_t>() == 0) return nullptr;
    auto m = std::make_shared<coverage::CostMatrix>();
    m->unit = in.str();
    m->origins = in.strs();
    m->destinations = in.strs();
    m->origin = in.vec<std::uint32_t>();
    m->destination = in.vec<std::uint32_t>();
    m->cost = in.vec<float>();
    return m;
}

}  // namespace

std::optional<std::string> serialise_data(const Scenario& s) {
    Out o;
    std::vector<Masked> layers;
    for (const char* role : {"units", "projects", "stations", "bases", "demand"}) layers.emplace_back(s, role);
    put_units(o, s, layers[0]);
    put_projects(o, s.sites.projects, layers[1]);
    put_stations(o, s.sites.stations, layers[2]);
    put_bases(o, s.sites.bases, layers[3]);
    put_demand(o, s.sites.demand, layers[4]);
    for (const auto& m : layers)
        if (!m.complete()) return std::nullopt;
    put_matrix(o, s.cost_matrix.get());
    // The files read, by name and digest as run.json's data_files, and by role.
    o.num<std::uint64_t>(s.data_digests.size());
    for (std::size_t i = 0; i < s.data_digests.size(); ++i) {
        o.str(s.data_digests[i].first);
        o.str("fnv1a64:" + s.data_digests[i].second);
        o.str(s.data_paths.at(i).first);
    }
    return o.take();
}

Scenario deserialise_data(std::string_view payload, const std::string& shown, const fs::path& dir, const RunRecord& rec) {
    In in(payload, shown);
    Scenario s;
    s.region = get_region(in);
    s.sites.projects = get_projects(in);
    s.sites.stations = get_stations(in);
    s.sites.bases = get_bases(in);
    s.sites.demand = get_demand(in);
    s.cost_matrix = get_matrix(in);
    const std::size_t files = in.count(24);
    for (std::size_t i = 0; i < files; ++i) {
        std::string name = in.str();
        const std::string read = in.str();
        std::string role = in.str();
        // Parsed from the files this run read (run.json's data_files), not another run's.
        const auto same = std::find(rec.data_digests.begin(), rec.data_digests.end(), std::pair{name, read});
        if (!rec.data_digests.empty() && same == rec.data_digests.end())
            throw InputError({shown}, "holds the data of another run: its '" + name + "' (" + read +
                                          ") is not a file of run.json's data_files; run the scenario again");
        const auto copy = rec.input_files.find(role);
        if (copy == rec.input_files.end())
            throw InputError({shown}, "names the data file '" + name + "' (" + role + "), which run.json's input.files does not list; run the scenario again");
        std::string digest = copy->second.digest;
        if (digest.starts_with("fnv1a64:")) digest.erase(0, 8);
        s.data_digests.emplace_back(std::move(name), std::move(digest));
        s.data_paths.emplace_back(std::move(role), dir / copy->second.path);
    }
    if (!in.done()) in.fail("bytes after the end of the data");
    return s;
}

}  // namespace tisheng::detail
