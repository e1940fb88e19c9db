#include "tisheng/sweep/sweep.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <numeric>

#include "model/detail/yaml_reader.hpp"
#include "tisheng/core/random.hpp"
#include "tisheng/results/run.hpp"
#include "tisheng/simulate/simulate.hpp"
#include "tisheng/core/files.hpp"
#include "tisheng/core/text.hpp"
#include "tisheng/core/version.hpp"
#include "tisheng/model/edits.hpp"

namespace fs = std::filesystem;

namespace tisheng {

namespace {

constexpr std::size_t max_variants = 10'000'000;

/// Scenario paths a sweep may not vary: the data files (read once for all
/// variants) and the run settings the sweep sets itself.
const std::vector<std::string> fixed_prefixes = {"data_dir", "units",  "projects", "stations", "bases", "demand",
                                                 "coverage.cost_matrix", "behaviour.selection_plan", "run.seed",
                                                 "run.replications"};

bool names_fixed(const std::string& path) {
    return std::any_of(fixed_prefixes.begin(), fixed_prefixes.end(), [&](const std::string& p) {
        return path == p || path.starts_with(p + ".") || path.starts_with(p + "[");
    });
}

std::optional<double> as_number(const std::string& s) {
    double v = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || ptr != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
    return v;
}

bool written_whole(const YAML::Node& n) {
    return n.IsScalar() && n.Scalar().find_first_of(".eE") == std::string::npos;
}

}  // namespace

std::string column_name(const std::string& text) {
    std::string out;
    for (unsigned char c : text) {
        const bool keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (c >= 'A' && c <= 'Z') out += static_cast<char>(c - 'A' + 'a');
        else if (keep) out += static_cast<char>(c);
        else if (out.empty() || out.back() != '_') out += '_';
    }
    while (!out.empty() && out.back() == '_') out.pop_back();
    return out;
}

std::string SweepParameter::format(double v) const {
    if (integral) return std::to_string(std::llround(v));
    return exact_number(v);
}

namespace {

/// Decimal places of a number as written (0.25 -> 2; 1e-07 -> 7).
int decimals(double v) {
    const std::string s = exact_number(v);
    if (const auto e = s.find_first_of("eE"); e != std::string::npos) return std::max(0, -std::atoi(s.c_str() + e + 1));
    const auto dot = s.find('.');
    return dot == std::string::npos ? 0 : static_cast<int>(s.size() - dot - 1);
}

}  // namespace

double SweepParameter::on_grid(double k) const {
    // min + k * step in binary floating point drifts (0.1 * 3 = 0.30000000000000004):
    // round to the decimals that min and step are written with.
    const double x = *min + k * step.value_or(0);
    const int d = std::min(15, std::max(decimals(*min), decimals(step.value_or(0))));
    const double scale = std::pow(10.0, d);
    return std::min(*max, std::round(x * scale) / scale);
}

std::size_t SweepParameter::grid_size() const {
    if (!is_range()) return values.size();
    if (!step || *step <= 0) return 1;
    return static_cast<std::size_t>(std::floor((*max - *min) / *step * (1 + 1e-12))) + 1;
}

std::vector<std::string> SweepParameter::grid_values() const {
    if (!is_range()) return values;
    std::vector<std::string> out;
    for (std::size_t k = 0, n = grid_size(); k < n; ++k) out.push_back(format(on_grid(static_cast<double>(k))));
    return out;
}

std::size_t Sweep::variants() const {
    if (design == SweepDesign::lhs) return samples;
    if (design == SweepDesign::points) return m_points.size();
    std::size_t n = 1;
    for (std::size_t s : m_grid_sizes) n *= s;
    return parameters.empty() ? 0 : n;
}

std::vector<std::string> Sweep::values(std::size_t v) const {
    if (design == SweepDesign::points) return m_points[v];
    std::vector<std::string> out(parameters.size());
    if (design == SweepDesign::grid) {
        // The first parameter varies slowest, as nested loops in the file's order.
        for (std::size_t j = parameters.size(); j-- > 0;) {
            out[j] = m_grid[j][v % m_grid_sizes[j]];
            v /= m_grid_sizes[j];
        }
        return out;
    }
    const auto N = static_cast<double>(samples);
    for (std::size_t j = 0; j < parameters.size(); ++j) {
        const SweepParameter& p = parameters[j];
        Rng jitter(seed, 0x5357'0000'0000ULL + v * parameters.size() + j);
        const double u = (m_strata[j * samples + v] + jitter.uniform()) / N;  // in stratum, uniform
        if (!p.is_range()) {
            out[j] = p.values[std::min(p.values.size() - 1, static_cast<std::size_t>(u * static_cast<double>(p.values.size())))];
            continue;
        }
        const double x = *p.min + u * (*p.max - *p.min);
        out[j] = p.format(p.step ? p.on_grid(std::round((x - *p.min) / *p.step)) : x);
    }
    return out;
}

std::vector<std::string> Sweep::overrides_with(const std::vector<std::string>& extra) const {
    std::vector<std::string> out = fixed;
    out.push_back(edit::replications(replications));
    out.push_back(edit::seed(seed));
    out.insert(out.end(), extra.begin(), extra.end());
    return out;
}

std::vector<std::string> Sweep::overrides(std::size_t v) const {
    const auto vals = values(v);
    std::vector<std::string> extra;
    for (std::size_t j = 0; j < parameters.size(); ++j) extra.push_back(parameters[j].path + "=" + vals[j]);
    return overrides_with(extra);
}

namespace {

/// One entry of `parameters:` (`i` its index); nullopt when it gives both
/// or neither of values and a range, or a range without both ends.
std::optional<SweepParameter> read_parameter(detail::MapReader& m, std::size_t i, SweepDesign design) {
    const detail::YamlContext& ctx = m.ctx();
    SweepParameter p;
    p.where = ctx.at(m.node(), "parameters[" + std::to_string(i) + "]");
    p.path = m.string("path", true).value_or("");
    p.column = column_name(p.path);
    if (names_fixed(p.path))
        m.error("path", "'" + p.path + "' cannot vary in a sweep: data files are read once for every variant, and " +
                            "the sweep sets run.seed and run.replications itself");
    const bool has_min = m.has("min"), has_max = m.has("max"), has_step = m.has("step");  // each marked as known
    const bool has_values = m.has("values"), has_range = has_min || has_max || has_step;
    if (has_values == has_range) {
        m.error(has_values ? "values" : "path", "expected either 'values: [...]' or a range 'min:, max:' (and 'step:')");
        return std::nullopt;
    }
    if (has_values) {
        p.values = detail::string_list(m, "values").value_or(std::vector<std::string>{});
        if (p.values.empty()) m.error("values", "an empty list makes zero variants; expected at least one value");
        for (const auto& v : p.values) p.numeric = p.numeric && as_number(v).has_value();
    } else {
        p.min = m.number("min", true);
        p.max = m.number("max", true);
        p.step = m.number("step", design == SweepDesign::grid);
        if (!p.min || !p.max) return std::nullopt;
        p.integral = written_whole(m.child("min")) && written_whole(m.child("max")) && (!p.step || written_whole(m.child("step")));
        if (*p.min > *p.max)
            m.error("min", "the range's min (" + detail::shown_number(*p.min) + ") is above its max (" + detail::shown_number(*p.max) + ")");
        if (p.step && *p.step <= 0) m.error("step", "expected a step > 0, got " + detail::shown_number(*p.step));
        if (p.step && *p.step > 0 && (*p.max - *p.min) / *p.step > static_cast<double>(max_variants))
            m.error("step", "the step makes more than " + std::to_string(max_variants) + " values");
    }
    m.finish();
    return p;
}

/// The ids of `targets:` are targets of the base scenario.
void check_targets(const Sweep& sw, const Scenario& base, const detail::YamlContext& ctx, const YAML::Node& root, Diagnostics& diag) {
    for (const auto& id : sw.all_targets) {
        std::vector<std::string> ids;
        for (const auto& t : base.programme.targets) ids.push_back(t.id);
        if (std::find(ids.begin(), ids.end(), id) == ids.end()) {
            const std::string hint = closest_match(id, ids);
            diag.error(ctx.at(root["targets"], "targets"), "unknown target '" + id + "'" + did_you_mean(hint) +
                                                               " (the scenario's targets: " + [&] {
                                                                   std::string all;
                                                                   for (const auto& x : ids) all += (all.empty() ? "" : ", ") + x;
                                                                   return all;
                                                               }() + ")");
        }
    }
}

/// Every parameter against the scenario: each listed value, a range's
/// ends and its first step, as the scenario loader reads them.
void check_against_base(const Sweep& sw, const Scenario& base, Diagnostics& diag) {
    for (const auto& p : sw.parameters) {
        std::vector<std::string> trial = p.values;
        if (p.is_range()) {
            trial = {p.format(*p.min), p.format(*p.max)};
            if (p.step) trial.push_back(p.format(std::min(*p.max, *p.min + *p.step)));
        }
        std::sort(trial.begin(), trial.end());
        trial.erase(std::unique(trial.begin(), trial.end()), trial.end());
        for (const auto& value : trial) {
            LoadOptions o;
            o.overrides = sw.fixed;
            o.overrides.push_back(p.path + "=" + value);
            o.data_from = &base;
            try {
                (void)load_scenario(sw.scenario, o);
            } catch (const InvalidInput& e) {
                for (const auto& q : e.problems())
                    if (q.severity == Severity::error)
                        diag.error(p.where, "'" + p.path + "' = " + value + ": " +
                                                (q.where.field.empty() || q.where.field == p.path ? "" : "field '" + q.where.field + "': ") + q.message);
                break;  // one bad value says it
            } catch (const InputError& e) {
                diag.error(p.where, "'" + p.path + "' = " + value + ": " + e.problem().message);
                break;
            }
        }
    }
}

/// A grid of more than max_variants variants is refused, counted before
/// any value is made.
void check_grid_size(const std::vector<SweepParameter>& parameters) {
    std::size_t n = 1;
    for (const auto& p : parameters) {
        n *= std::max<std::size_t>(1, p.grid_size());
        if (n > max_variants)
            throw InputError(p.where, "the grid has more than " + std::to_string(max_variants) +
                                          " variants; use coarser steps, fewer values, or 'design: lhs' with 'samples:'");
    }
}

/// Latin-hypercube strata: for each parameter a random permutation of the
/// samples, [parameter * samples + v].
std::vector<std::uint32_t> lhs_strata(std::size_t parameters, std::size_t samples, std::uint64_t seed) {
    std::vector<std::uint32_t> strata;
    for (std::size_t j = 0; j < parameters; ++j) {
        std::vector<std::uint32_t> perm(samples);
        std::iota(perm.begin(), perm.end(), 0u);
        Rng rng(seed, 0x4C48'5300'0000ULL + j);
        for (std::size_t i = perm.size(); i-- > 1;)
            std::swap(perm[i], perm[static_cast<std::size_t>(rng.integer(0, static_cast<std::int64_t>(i)))]);
        strata.insert(strata.end(), perm.begin(), perm.end());
    }
    return strata;
}

/// What identifies the results: everything that makes a variant's numbers.
std::string sweep_fingerprint(const Sweep& sw) {
    std::string fp = "tisheng-sweep/1\nengine " + engine_version() + "\nscenario " + sw.base->hash + "\nreplications " +
                     std::to_string(sw.replications) + "\nseed " + std::to_string(sw.seed) + "\ndesign " +
                     (sw.design == SweepDesign::grid ? "grid" : "lhs " + std::to_string(sw.samples)) + "\ntargets";
    for (const auto& t : sw.all_targets) fp += " " + t;
    for (const auto& p : sw.parameters) {
        fp += "\n" + p.path + (p.integral ? " int" : "");
        for (const auto& v : p.values) fp += " " + v;
        if (p.is_range()) fp += " [" + p.format(*p.min) + ", " + p.format(*p.max) + "] step " + (p.step ? p.format(*p.step) : "-");
    }
    return fnv1a_hex(fp);
}

}  // namespace

Sweep load_sweep(const fs::path& file, Diagnostics* warnings) {
    Diagnostics diag;
    const std::string shown = file.string();
    const std::string bytes = read_file(file, shown);
    const YAML::Node root = detail::parse_yaml(bytes, shown);
    if (!root.IsMap())
        throw InputError({shown}, "expected a YAML mapping with 'scenario' and 'parameters' (see scenarios/jiangmen-budget-sweep.yaml)");

    detail::YamlContext ctx;
    ctx.file = shown;
    ctx.diag = &diag;
    detail::MapReader top(ctx, root, "");
    Sweep sw;
    sw.file = file;
    sw.name = top.string("name").value_or(file.stem().string());
    sw.title = top.string("title").value_or(sw.name);
    const auto scenario = top.string("scenario", true);
    sw.replications = static_cast<int>(top.integer("replications", 1, 10'000'000).value_or(100));
    const auto seed = top.integer("seed", 0, std::numeric_limits<std::int64_t>::max());
    sw.fixed = detail::string_list(top, "set").value_or(std::vector<std::string>{});
    sw.all_targets = detail::string_list(top, "targets").value_or(std::vector<std::string>{});
    sw.design = top.choice("design", {"grid", "lhs"}).value_or("grid") == "lhs" ? SweepDesign::lhs : SweepDesign::grid;
    if (sw.design == SweepDesign::lhs) {
        if (auto n = top.integer("samples", 0, static_cast<std::int64_t>(max_variants), true)) {
            sw.samples = static_cast<std::size_t>(*n);
            if (sw.samples == 0) top.error("samples", "zero samples make zero variants; expected at least 1");
        }
    } else if (top.has("samples")) {
        top.error("samples", "samples are drawn with 'design: lhs'; a grid runs every combination of the values");
    }
    if (top.has("find_min")) {
        detail::MapReader fm(ctx, top.child("find_min"), "find_min");
        if (auto t = fm.number("tolerance")) {
            if (*t <= 0) fm.error("tolerance", "expected a tolerance > 0");
            sw.find_min_tolerance = *t;
        }
        fm.finish();
    }
    if (!top.has("parameters")) top.missing("parameters");
    detail::each_map(top, "parameters", [&](detail::MapReader& m, std::size_t i) {
        if (auto p = read_parameter(m, i, sw.design)) sw.parameters.push_back(std::move(*p));
    });
    top.finish();
    for (std::size_t i = 0; i < sw.parameters.size(); ++i)
        for (std::size_t j = 0; j < i; ++j)
            if (sw.parameters[i].column == sw.parameters[j].column)
                diag.error(sw.parameters[i].where, "'" + sw.parameters[i].path + "' is varied twice (also parameters[" + std::to_string(j) + "])");
    for (const auto& f : sw.fixed) {
        const auto eq = f.find('=');
        if (names_fixed(f.substr(0, eq)))
            diag.error(ctx.at(root["set"], "set"), "'" + f + "': data files and the run's seed and replications are the sweep's own");
    }
    diag.throw_if_errors();

    // The base scenario, with its data: a bad base is reported as itself.
    sw.scenario = fs::path(*scenario).is_absolute() ? fs::path(*scenario) : file.parent_path() / *scenario;
    if (std::error_code ec; !fs::is_regular_file(sw.scenario, ec))
        throw InputError(ctx.at(root["scenario"], "scenario"), "the base scenario " + sw.scenario.string() +
                                                                   " does not exist; expected a path relative to the sweep file");
    {
        Diagnostics base_warnings;
        sw.base = std::make_shared<const Scenario>(load_scenario(sw.scenario, {sw.fixed, true}, &base_warnings));
        if (warnings) warnings->append(base_warnings);
    }
    const Scenario& base = *sw.base;
    sw.seed = seed ? static_cast<std::uint64_t>(*seed) : base.run.seed;
    check_targets(sw, base, ctx, root, diag);
    check_against_base(sw, base, diag);
    diag.throw_if_errors();

    // The design.
    if (sw.design == SweepDesign::grid) {
        check_grid_size(sw.parameters);
        for (const auto& p : sw.parameters) {
            sw.m_grid.push_back(p.grid_values());
            sw.m_grid_sizes.push_back(sw.m_grid.back().size());
        }
    } else {
        sw.m_strata = lhs_strata(sw.parameters.size(), sw.samples, sw.seed);
    }
    if (sw.variants() == 0) throw InputError(ctx.at(root["parameters"], "parameters"), "the sweep has zero variants; list at least one parameter with at least one value");

    sw.fingerprint = sweep_fingerprint(sw);
    return sw;
}

Sweep point_sweep(std::shared_ptr<const Scenario> base, std::vector<std::string> fixed, std::string name, std::vector<SweepParameter> parameters,
                  std::vector<std::vector<std::string>> points, int replications, std::uint64_t seed, const std::string& design) {
    Sweep sw;
    sw.file = base->file;
    sw.scenario = base->file;
    sw.name = std::move(name);
    sw.title = base->title;
    sw.base = std::move(base);
    sw.fixed = std::move(fixed);
    sw.replications = replications;
    sw.seed = seed;
    sw.design = SweepDesign::points;
    sw.parameters = std::move(parameters);
    sw.m_points = std::move(points);
    std::string fp = "tisheng-sweep/1\nengine " + engine_version() + "\nscenario " + sw.base->hash + "\nreplications " +
                     std::to_string(sw.replications) + "\nseed " + std::to_string(sw.seed) + "\ndesign " + design;
    for (const auto& f : sw.fixed) fp += "\nset " + f;
    for (const auto& p : sw.parameters) fp += "\n" + p.path;
    for (const auto& row : sw.m_points) {
        fp += "\n";
        for (const auto& v : row) fp += v + " ";
    }
    sw.fingerprint = fnv1a_hex(fp);
    return sw;
}

// ---- outcomes -------------------------------------------------------------------

std::optional<std::size_t> SweepOutcomes::find(const std::string& column) const {
    const auto it = std::find(columns.begin(), columns.end(), column);
    if (it == columns.end()) return std::nullopt;
    return static_cast<std::size_t>(it - columns.begin());
}

namespace {

std::string radius_column(const Layout& L, std::size_t k) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", L.radii[k]);
    return "coverage_" + column_name(buf) + (L.radius_unit == "m" ? "m" : "min");
}

}  // namespace

SweepRunner::SweepRunner(const Sweep& sweep) : m_sweep(sweep) {
    const Scenario& s = base();
    const Simulator sim(s);  // the layout: the same for every variant
    const Layout& L = sim.layout();
    auto& c = m_outcomes.columns;
    for (const auto& t : s.programme.targets) c.push_back("p_" + column_name(t.id));
    m_outcomes.p_all_met = c.size();
    c.push_back("p_all_met");
    for (const auto& p : L.payers) c.push_back("spent_" + column_name(p));
    for (const auto& p : L.payers) c.push_back("short_" + column_name(p));
    m_outcomes.public_spend = c.size();
    c.push_back("public_spend");
    for (std::size_t k = 0; k < L.radii.size(); ++k) {
        if (k == L.headline_radius()) m_outcomes.coverage = c.size();
        c.push_back(radius_column(L, k));
    }
    for (std::size_t m = 0; m < std::min<std::size_t>(2, L.metrics.size()); ++m) c.push_back(L.metrics[m]);
    for (const auto& t : s.programme.targets)
        if (!t.city_wide) m_outcomes.unit_columns.push_back("p_" + column_name(t.id));
    if (!L.metrics.empty()) m_outcomes.unit_columns.push_back(L.metrics[0]);
    if (!L.radii.empty()) m_outcomes.unit_columns.push_back(radius_column(L, L.headline_radius()));
    for (const auto& id : sweep.all_targets)
        for (std::size_t t = 0; t < s.programme.targets.size(); ++t)
            if (s.programme.targets[t].id == id) m_all_targets.push_back(t);
}

VariantResult SweepRunner::run(std::size_t v, int threads) const {
    VariantResult r = run_overrides(m_sweep.overrides(v), threads);
    r.variant = v;
    return r;
}

VariantResult SweepRunner::run_with(const std::vector<std::string>& extra, int threads) const {
    return run_overrides(m_sweep.overrides_with(extra), threads);
}

VariantResult SweepRunner::run_overrides(const std::vector<std::string>& overrides, int threads) const {
    LoadOptions o;
    o.overrides = overrides;
    o.data_from = &base();
    const Scenario s = load_scenario(m_sweep.scenario, o);
    MonteCarloOptions mc;
    mc.threads = threads;
    const Results r = simulate(s, mc);
    const Layout& L = r.layout;
    const std::size_t T = s.programme.targets.size(), last = L.months.size() - 1;
    auto end_p50 = [&](std::size_t metric, std::size_t row) { return r.series[L.series_index(metric, row, last)].p50; };

    VariantResult out;
    out.row.reserve(m_outcomes.columns.size());
    for (std::size_t t = 0; t < T; ++t) out.row.push_back(p_targets_met(r, {t}));
    out.row.push_back(m_all_targets.empty() ? p_targets_met(r) : p_targets_met(r, m_all_targets));
    for (const auto& p : r.payers) out.row.push_back(p.spent.p50);
    double public_spend = 0;
    for (const auto& p : r.payers) {
        out.row.push_back(p.short_cny.p50);
        if (p.id != "enterprise") public_spend += p.spent.p50;
    }
    out.row.push_back(public_spend);
    for (std::size_t k = 0; k < L.radii.size(); ++k) out.row.push_back(end_p50(L.first_coverage_metric + k, L.all_row()));
    for (std::size_t m = 0; m < std::min<std::size_t>(2, L.metrics.size()); ++m) out.row.push_back(end_p50(m, L.all_row()));

    const std::size_t U = s.region.units().size();
    out.units.reserve(U * m_outcomes.unit_columns.size());
    for (std::size_t u = 0; u < U; ++u) {
        for (std::size_t t = 0; t < T; ++t) {
            if (s.programme.targets[t].city_wide) continue;
            // P(met at every check date of the target) in this unit.
            double p = 1;
            for (std::size_t k = 0; k < L.checks.size(); ++k)
                if (L.checks[k].target == t && L.checks[k].unit == static_cast<std::int32_t>(u)) {
                    p = p_met_all_dates(r, k);
                    break;
                }
            out.units.push_back(p);
        }
        const std::size_t row = L.per_unit_series() ? u : L.all_row();
        const double nan = std::numeric_limits<double>::quiet_NaN();
        if (!L.metrics.empty()) out.units.push_back(L.per_unit_series() ? end_p50(0, row) : nan);
        if (!L.radii.empty()) out.units.push_back(L.per_unit_series() ? end_p50(L.first_coverage_metric + L.headline_radius(), row) : nan);
    }
    return out;
}

}  // namespace tisheng
