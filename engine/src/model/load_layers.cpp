// `region:` and the layers of a scenario file (units, projects, stations,
// bases, demand): where each layer is, relative to data_dir, and which of its
// columns holds each field. The layers themselves are read in load_data.cpp.
#include <string>
#include <utility>

#include "model/detail/scenario_loader.hpp"

namespace tisheng::detail {

namespace fs = std::filesystem;

/// `region:`, whose units come from the units layer once it is read.
void ScenarioLoader::region(MapReader& top) {
    if (!top.has("region")) top.missing("region");
    MapReader r(ctx, top.has("region") ? top.child("region") : YAML::Node(YAML::NodeType::Map), "region");
    region_spec.name = r.string("name", true).value_or("");
    region_spec.code = r.string("code").value_or("");
    YAML::Node crs = r.child("crs");
    if (crs.IsDefined() && !(crs.IsScalar() && crs.Scalar() == "utm")) {
        if (auto v = read_integer(ctx, crs, "region.crs", 1024, 999999)) region_spec.epsg = static_cast<int>(*v);
    }
}

std::optional<LayerSpec> ScenarioLoader::layer(MapReader& parent, const std::string& key, const std::vector<std::string>& logical,
                                               bool required) {
    if (!parent.has(key)) {
        if (required) parent.missing(key);
        return std::nullopt;
    }
    MapReader m(ctx, parent.child(key), parent.path(key));
    if (!m.valid()) return std::nullopt;
    LayerSpec spec;
    auto path = m.string("path", true);
    if (auto l = m.string("layer")) spec.source.layer = *l;
    if (auto c = m.choice("coords", {"wgs84", "gcj02", "bd09"})) spec.source.coords = *parse_coord_sys(*c);
    // Where each column is named: its key, or the layer's entry for a default name.
    auto named = [&](const std::string& key, const std::string& column) {
        spec.source.named_at.emplace(column, ctx.at(m.has(key) ? m.child(key) : m.node(), m.path(key)));
    };
    if (auto f = m.string("lon_field")) spec.source.lon_field = *f;
    if (auto f = m.string("lat_field")) spec.source.lat_field = *f;
    named("lon_field", spec.source.lon_field);
    named("lat_field", spec.source.lat_field);
    bool ok = path.has_value();
    for (const auto& f : logical) {
        std::string col = m.string(f + "_field").value_or(f);
        if (col.empty() && !is_optional_field(f)) {
            m.error(f + "_field", "field '" + f + "' is required and cannot be mapped to nothing");
            ok = false;
        }
        spec.columns[f] = col;
        if (!col.empty()) named(f + "_field", col);
    }
    if (!ok) return std::nullopt;
    fs::path p = *path;
    spec.where = ctx.at(m.child("path"), m.path("path"));
    spec.source.display = p.is_absolute() ? p.string() : (fs::path(data_dir_shown) / p).lexically_normal().string();
    spec.source.path = p.is_absolute() ? p : (data_dir / p).lexically_normal();
    return spec;
}

/// The layers (units, projects, stations, bases, demand): where each is
/// and which column holds each field; the columns that hold personal data.
void ScenarioLoader::layers(MapReader& top, Scenario& s, const LoadOptions& options) {
    layer_specs.units = layer(top, "units", unit_fields(), true);
    layer_specs.projects = layer(top, "projects", project_fields(), false);
    layer_specs.stations = layer(top, "stations", station_fields(), false);
    layer_specs.bases = layer(top, "bases", base_fields(), false);
    layer_specs.demand = layer(top, "demand", demand_fields(), false);
    // Personal data, by the columns that hold it.
    using K = PersonalColumn::Kind;
    auto personal = [&](const char* role, const std::optional<LayerSpec>& spec, const char* field, K kind) {
        if (!spec) return;
        auto it = spec->columns.find(field);
        if (it == spec->columns.end() || it->second.empty()) return;
        PersonalColumn c{role, it->second, kind, {}};
        for (const auto& [f, column] : spec->columns)
            if (column == c.column) c.fields.push_back(f);
        s.personal_columns.push_back(std::move(c));
    };
    personal("projects", layer_specs.projects, "contact_name", K::name);
    personal("projects", layer_specs.projects, "mobile", K::phone);
    for (const char* f : {"head_name", "contact_name"}) personal("bases", layer_specs.bases, f, K::name);
    for (const char* f : {"phone", "contact_mobile", "bank_account"}) personal("bases", layer_specs.bases, f, K::phone);
    personal("bases", layer_specs.bases, "head_id_number", K::id_number);
    // A run folder's copies (input/) stand in for the files the scenario names.
    for (auto [role, spec] : {std::pair{"units", &layer_specs.units}, {"projects", &layer_specs.projects}, {"stations", &layer_specs.stations},
                              {"bases", &layer_specs.bases}, {"demand", &layer_specs.demand}})
        if (auto it = options.data_files.find(role); *spec && it != options.data_files.end())
            (*spec)->source.path = (*spec)->source.display = it->second.string();
}

}  // namespace tisheng::detail
