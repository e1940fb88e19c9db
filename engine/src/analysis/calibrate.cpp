// Calibration of the scenario's free parameters by the simulated method of moments (calibrate.hpp).
#include "tisheng/analysis/calibrate.hpp"

#include <Eigen/Dense>
#include <fmt/core.h>

#include <algorithm>
#include <memory>
#include <charconv>
#include <cstring>
#include <chrono>
#include <cmath>
#include <map>
#include <numeric>
#include <optional>

#include "core/detail/parallel.hpp"
#include "tisheng/core/text.hpp"
#include "tisheng/core/files.hpp"
#include "tisheng/core/random.hpp"
#include "tisheng/results/run.hpp"
#include "tisheng/core/threads.hpp"
#include "tisheng/core/version.hpp"

namespace tisheng {

namespace {

const std::vector<std::pair<std::string, std::string>>& station_measures() {
    static const std::vector<std::pair<std::string, std::string>> m = {
        {"已建", "stations_open"},       {"built", "stations_open"},
        {"在建", "stations_under_construction"}, {"under_construction", "stations_under_construction"},
        {"拟建", "stations_planned"},    {"planned", "stations_planned"},
        {"累计建成", "stations_built"},  {"built_cumulative", "stations_built"}};
    return m;
}

const std::vector<std::pair<std::string, std::string>>& base_measures() {
    static const std::vector<std::pair<std::string, std::string>> m = {
        {"命名", "bases_named"},        {"named", "bases_named"},
        {"示范", "demo_bases_named"},   {"demonstration", "demo_bases_named"},
        {"推荐", "bases_in_review"},    {"recommended", "bases_in_review"}};
    return m;
}

std::string lower(std::string s) {
    for (char& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
}

double logit(double u) {
    u = std::clamp(u, 1e-12, 1 - 1e-12);
    return std::log(u / (1 - u));
}
double sigmoid(double z) { return 1 / (1 + std::exp(-z)); }

/// Type-7 quantile of a sample (sorts it).
double sample_quantile(std::vector<double>& v, double q) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const double h = (static_cast<double>(v.size()) - 1) * q;
    const auto lo = static_cast<std::size_t>(std::floor(h));
    const std::size_t hi = std::min(lo + 1, v.size() - 1);
    return v[lo] + (h - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

/// Items 0 .. n-1, item i made by make(i) on rank i % size (on `threads`
/// threads there), then shared so that every rank holds all of them, in
/// order. MPI is called from the calling thread only.
std::vector<std::vector<double>> spread(RankGroup* ranks, std::size_t n, int threads,
                                        const std::function<std::vector<double>(std::size_t)>& make) {
    const std::size_t size = ranks ? static_cast<std::size_t>(ranks->size()) : 1, rank = ranks ? static_cast<std::size_t>(ranks->rank()) : 0;
    std::vector<std::size_t> mine;
    for (std::size_t i = rank; i < n; i += size) mine.push_back(i);
    std::vector<std::vector<double>> out(n);
    detail::parallel_chunks(mine.size(), threads, [&](std::size_t b, std::size_t e) {
        for (std::size_t k = b; k < e; ++k) out[mine[k]] = make(mine[k]);
    }, 1);
    if (size == 1) return out;
    std::vector<double> buf;  // [index, length, values...] per item: doubles carry every bit
    for (std::size_t i : mine) {
        buf.push_back(static_cast<double>(i));
        buf.push_back(static_cast<double>(out[i].size()));
        buf.insert(buf.end(), out[i].begin(), out[i].end());
    }
    std::vector<std::uint8_t> bytes(buf.size() * sizeof(double));
    if (!bytes.empty()) std::memcpy(bytes.data(), buf.data(), bytes.size());  // data() may be null when empty
    const auto all = ranks->all_gather(std::move(bytes));
    for (std::size_t r = 0; r < all.size(); ++r) {
        if (r == rank) continue;
        std::vector<double> got(all[r].size() / sizeof(double));
        if (!got.empty()) std::memcpy(got.data(), all[r].data(), got.size() * sizeof(double));
        for (std::size_t at = 0; at + 1 < got.size();) {
            const auto i = static_cast<std::size_t>(got[at]), len = static_cast<std::size_t>(got[at + 1]);
            out[i].assign(got.begin() + static_cast<std::ptrdiff_t>(at + 2), got.begin() + static_cast<std::ptrdiff_t>(at + 2 + len));
            at += 2 + len;
        }
    }
    return out;
}

/// Simulates variants of the base scenario at parameter values: a scenario
/// loaded with the values as overrides (its data taken from the base), a
/// simulator sharing the base's coverage model.
class Evaluator {
public:
    Evaluator(const Scenario& s, const ObservationSet& obs) : m_s(s), m_sim(s), m_obs(obs) {}
    [[nodiscard]] const Simulator& base() const { return m_sim; }

    struct Outcome {
        std::vector<double> values;        ///< per observation
        std::vector<std::uint8_t> met;     ///< per target
    };
    struct Variant {
        std::unique_ptr<Scenario> scenario;
        std::unique_ptr<Simulator> sim;
    };
    /// The variant at `theta`; nullopt when the scenario's checks refuse
    /// those values (a day range turned upside down).
    [[nodiscard]] std::optional<Variant> variant(const std::vector<double>& theta) const {
        LoadOptions o;
        o.overrides = m_s.overrides;
        for (auto& x : parameter_overrides(m_s, theta)) o.overrides.push_back(std::move(x));
        o.data_from = &m_s;
        Variant v;
        try {
            v.scenario = std::make_unique<Scenario>(load_scenario(m_s.file, o));
        } catch (const InvalidInput&) {
            return std::nullopt;
        } catch (const InputError&) {
            return std::nullopt;
        }
        v.sim = std::make_unique<Simulator>(*v.scenario, m_sim);
        return v;
    }
    [[nodiscard]] Outcome outcome(const Simulator& sim, std::uint64_t rep) const {
        const Trajectory t = sim.run(rep);
        const Layout& L = sim.layout();
        Outcome o;
        for (const auto& ob : m_obs.rows) o.values.push_back(t.series[ob.series_index(L)]);
        o.met.assign(m_s.programme.targets.size(), 1);
        for (std::size_t c = 0; c < L.checks.size(); ++c)
            if (!L.checks[c].summary && !t.checks[c].met) o.met[L.checks[c].target] = 0;
        return o;
    }

    /// The S replications first, first + 1, ... of the variant at `theta`:
    /// each count's mean, variance and extremes (`threads` split the
    /// replications; the sums run in replication order).
    struct Moments {
        std::vector<double> mean, var, lo, hi;
        std::vector<std::vector<double>> values;  ///< [replication][observation], when asked for
    };
    [[nodiscard]] std::optional<Moments> moments(const std::vector<double>& theta, std::size_t S, int threads, bool keep = false,
                                                 std::uint64_t first = 0, RankGroup* ranks = nullptr) const {
        const auto v = variant(theta);  // every rank refuses alike
        if (!v) return std::nullopt;
        std::vector<std::vector<double>> vals =
            spread(ranks, S, threads, [&](std::size_t r) { return outcome(*v->sim, first + r).values; });
        const std::size_t J = m_obs.rows.size();
        Moments m;
        m.mean.assign(J, 0);
        m.var.assign(J, 0);
        m.lo.assign(J, std::numeric_limits<double>::infinity());
        m.hi.assign(J, -std::numeric_limits<double>::infinity());
        for (const auto& row : vals)
            for (std::size_t j = 0; j < J; ++j) {
                m.mean[j] += row[j] / static_cast<double>(S);
                m.lo[j] = std::min(m.lo[j], row[j]);
                m.hi[j] = std::max(m.hi[j], row[j]);
            }
        for (const auto& row : vals)
            for (std::size_t j = 0; j < J; ++j) m.var[j] += (row[j] - m.mean[j]) * (row[j] - m.mean[j]) / static_cast<double>(std::max<std::size_t>(1, S - 1));
        if (keep) m.values = std::move(vals);
        return m;
    }
    /// Q = mean_j w_j (obs_j - mean_j)².
    [[nodiscard]] double objective(const std::vector<double>& mean, const std::vector<double>& w) const {
        double q = 0;
        for (std::size_t j = 0; j < mean.size(); ++j) {
            const double d = m_obs.rows[j].value - mean[j];
            q += w[j] * d * d;
        }
        return q / static_cast<double>(std::max<std::size_t>(1, mean.size()));
    }

private:
    const Scenario& m_s;
    Simulator m_sim;
    const ObservationSet& m_obs;
};

// Replications of each use, apart from one another and from the low
// numbers a synthetic observation file is made from (`tisheng observe`).
constexpr std::uint64_t estimation_block = 0x1000ull << 32;  // the moments (common random numbers)
constexpr std::uint64_t covariance_block = 0x2000ull << 32;  // the counts' covariance and the Jacobian
constexpr std::uint64_t predictive_block = 0xFFFFull << 32;  // the predictive runs

/// The value at place u (0..1) of a range, on its prior's scale, before rounding.
double scaled(const ParameterRange& r, double u) {
    return log_uniform(r) ? std::exp(std::log(r.lo) + u * (std::log(r.hi) - std::log(r.lo))) : r.lo + u * (r.hi - r.lo);
}
double value_at(const ParameterRange& r, double u) {
    const double v = std::clamp(scaled(r, u), r.lo, r.hi);
    return r.integral ? std::clamp(std::round(v), r.lo, r.hi) : v;
}

std::vector<double> to_z(const Scenario& s, const std::vector<double>& theta) {
    std::vector<double> z(theta.size());
    for (std::size_t i = 0; i < theta.size(); ++i) z[i] = logit(range_position(s.calibrate[i], theta[i]));
    return z;
}

std::vector<double> from_z(const Scenario& s, const std::vector<double>& z) {
    std::vector<double> theta(z.size());
    for (std::size_t i = 0; i < theta.size(); ++i) theta[i] = value_at(s.calibrate[i], sigmoid(z[i]));
    return theta;
}

/// dθ/dz at z (logit coordinates of the range's scale).
double dtheta_dz(const ParameterRange& r, double z) {
    const double u = sigmoid(z), du = u * (1 - u);
    return log_uniform(r) ? scaled(r, u) * (std::log(r.hi) - std::log(r.lo)) * du : (r.hi - r.lo) * du;
}

/// Nelder-Mead (Lagarias et al. 1998 coefficients) from `start`, initial
/// steps `step` on each axis; stops after `max_evals` evaluations or when
/// the simplex's values agree within `ftol` (relative).
std::pair<std::vector<double>, double> nelder_mead(const std::function<double(const std::vector<double>&)>& f, std::vector<double> start,
                                                   double step, std::size_t max_evals, double ftol = 1e-4) {
    const std::size_t n = start.size();
    std::vector<std::vector<double>> x(n + 1, start);
    std::vector<double> fx(n + 1);
    for (std::size_t i = 0; i < n; ++i) x[i + 1][i] += step;
    std::size_t evals = 0;
    for (std::size_t i = 0; i <= n; ++i, ++evals) fx[i] = f(x[i]);
    std::vector<std::size_t> order(n + 1);
    auto point = [&](const std::vector<double>& c, const std::vector<double>& w, double t) {
        std::vector<double> p(n);
        for (std::size_t k = 0; k < n; ++k) p[k] = c[k] + t * (w[k] - c[k]);
        return p;
    };
    while (evals < max_evals) {
        std::iota(order.begin(), order.end(), 0);
        std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return fx[a] < fx[b]; });
        const std::size_t best = order.front(), worst = order.back(), second = order[n - 1];
        if (std::abs(fx[worst] - fx[best]) <= ftol * (std::abs(fx[best]) + 1e-12)) break;
        std::vector<double> c(n, 0);
        for (std::size_t i = 0; i <= n; ++i)
            if (i != worst)
                for (std::size_t k = 0; k < n; ++k) c[k] += x[i][k] / static_cast<double>(n);
        const auto xr = point(c, x[worst], -1);
        const double fr = f(xr);
        ++evals;
        if (fr < fx[best]) {
            const auto xe = point(c, x[worst], -2);
            const double fe = f(xe);
            ++evals;
            if (fe < fr) x[worst] = xe, fx[worst] = fe;
            else x[worst] = xr, fx[worst] = fr;
        } else if (fr < fx[second]) {
            x[worst] = xr, fx[worst] = fr;
        } else {
            const bool outside = fr < fx[worst];
            const auto xc = point(c, outside ? xr : x[worst], 0.5);
            const double fc = f(xc);
            ++evals;
            if (fc < (outside ? fr : fx[worst])) {
                x[worst] = xc, fx[worst] = fc;
            } else {  // shrink towards the best
                for (std::size_t i = 0; i <= n; ++i)
                    if (i != best) {
                        x[i] = point(x[best], x[i], 0.5);
                        fx[i] = f(x[i]);
                        ++evals;
                    }
            }
        }
    }
    const std::size_t best = static_cast<std::size_t>(std::min_element(fx.begin(), fx.end()) - fx.begin());
    return {x[best], fx[best]};
}

}  // namespace

bool log_uniform(const ParameterRange& r) { return r.lo > 0 && r.hi >= 10 * r.lo; }

double range_position(const ParameterRange& r, double v) {
    if (log_uniform(r)) return (std::log(v) - std::log(r.lo)) / (std::log(r.hi) - std::log(r.lo));
    return (v - r.lo) / (r.hi - r.lo);
}

std::vector<std::pair<std::string, std::string>> observation_measures(const Layout& layout) {
    std::vector<std::pair<std::string, std::string>> out;
    const bool stations = !layout.metrics.empty() && layout.metrics[0] == "stations_built";
    for (const auto& m : stations ? station_measures() : base_measures()) out.push_back(m);
    // The series that count sites or projects, by their own names.
    for (const char* name : {"stations_built", "stations_open", "stations_planned", "stations_under_construction", "eligible_active",
                             "bases_named", "demo_bases_named", "bases_in_review"})
        if (std::find(layout.metrics.begin(), layout.metrics.end(), name) != layout.metrics.end()) out.emplace_back(name, name);
    return out;
}

ObservationSet read_observations(const std::filesystem::path& file, const Scenario& s, const Layout& layout) {
    ObservationSet set;
    set.file = file;
    const std::string shown = file.string();
    std::string bytes = read_file(file, shown);
    set.digest = "fnv1a64:" + fnv1a_hex(bytes);
    if (bytes.starts_with("\xEF\xBB\xBF")) bytes.erase(0, 3);
    if (!is_utf8(bytes)) throw InputError({shown}, "the file is not valid UTF-8 text; save it as UTF-8");
    Diagnostics diag;
    const auto measures = observation_measures(layout);
    std::vector<std::string> measure_words;
    for (const auto& [w, m] : measures) measure_words.push_back(w);
    std::string measure_list;
    for (const auto& w : measure_words) measure_list += (measure_list.empty() ? "" : ", ") + w;

    std::size_t pos = 0;
    int line_no = 0;
    std::vector<std::string> fields;
    int col_unit = -1, col_date = -1, col_measure = -1, col_value = -1;
    std::map<std::tuple<std::int32_t, std::int32_t, std::size_t>, int> seen;
    while (pos <= bytes.size()) {
        std::size_t end = bytes.find('\n', pos);
        if (end == std::string::npos) end = bytes.size();
        const std::string_view line(bytes.data() + pos, end - pos);
        pos = end + 1;
        ++line_no;
        if (trim(line).empty()) {
            if (end == bytes.size()) break;
            continue;
        }
        if (!split_csv(line, fields)) {
            diag.error({shown, line_no}, "unterminated quote");
            continue;
        }
        auto at = [&](const std::string& column) { return Location{shown, line_no, 0, "", column}; };
        if (col_unit < 0 && col_date < 0 && col_measure < 0 && col_value < 0) {  // the header
            for (std::size_t i = 0; i < fields.size(); ++i) {
                const std::string f = lower(fields[i]);
                if (f == "unit") col_unit = static_cast<int>(i);
                if (f == "date") col_date = static_cast<int>(i);
                if (f == "measure") col_measure = static_cast<int>(i);
                if (f == "value") col_value = static_cast<int>(i);
            }
            std::string missing;
            for (auto [name, col] : {std::pair{"unit", col_unit}, {"date", col_date}, {"measure", col_measure}, {"value", col_value}})
                if (col < 0) missing += (missing.empty() ? "" : ", ") + std::string(name);
            if (!missing.empty()) throw InputError({shown, line_no}, "the header lacks the column(s) " + missing + "; expected unit,date,measure,value");
            continue;
        }
        auto field = [&](int col) { return static_cast<std::size_t>(col) < fields.size() ? fields[static_cast<std::size_t>(col)] : std::string(); };
        Observation ob;
        ob.line = line_no;
        bool ok = true;
        ob.unit_text = field(col_unit);
        if (ob.unit_text == "all" || ob.unit_text == "全市" || ob.unit_text == s.region.name()) {
            ob.unit = all_units;
        } else if (auto u = s.region.find(ob.unit_text)) {
            ob.unit = static_cast<std::int32_t>(*u);
        } else {
            std::vector<std::string> names;
            for (const auto& u2 : s.region.units()) {
                names.push_back(u2.id);
                if (u2.name == ob.unit_text) ob.unit = static_cast<std::int32_t>(&u2 - s.region.units().data());
                names.push_back(u2.name);
            }
            if (ob.unit < 0) {
                const std::string hint = closest_match(ob.unit_text, names);
                diag.error(at("unit"), "unknown unit '" + ob.unit_text + "'" + did_you_mean(hint) +
                                           ": expected a unit id or name of the scenario, or all (全市)");
                ok = false;
            }
        }
        if (ok && ob.unit >= 0 && !layout.per_unit_series()) {
            diag.error(at("unit"), "this region has more than " + std::to_string(Layout::max_unit_rows) +
                                       " units, and the model keeps region-wide counts only: observe 'all'");
            ok = false;
        }
        const std::string date_text = field(col_date);
        if (auto d = Date::parse(date_text)) {
            ob.date = *d;
            const auto it = std::find(layout.months.begin(), layout.months.end(), *d);
            if (it == layout.months.end()) {
                diag.error(at("date"), "expected a month end inside the run's horizon " + s.run.start.iso() + " .. " + s.run.end.iso() +
                                           " (the model records counts at month ends; the 情况表 is filed at the year end, e.g. 2023-12-31), got " + date_text);
                ok = false;
            } else {
                ob.month = static_cast<std::size_t>(it - layout.months.begin());
            }
        } else {
            diag.error(at("date"), "expected a date YYYY-MM-DD, got '" + date_text + "'");
            ok = false;
        }
        ob.measure_text = field(col_measure);
        const auto m = std::find_if(measures.begin(), measures.end(), [&](const auto& x) { return x.first == ob.measure_text; });
        if (m == measures.end()) {
            const std::string hint = closest_match(ob.measure_text, measure_words);
            diag.error(at("measure"), "unknown measure '" + ob.measure_text + "'" + did_you_mean(hint) +
                                          " (expected one of: " + measure_list + ")");
            ok = false;
        } else {
            ob.metric = static_cast<std::size_t>(std::find(layout.metrics.begin(), layout.metrics.end(), m->second) - layout.metrics.begin());
        }
        const std::string value_text = field(col_value);
        double v = 0;
        const auto [p, ec] = std::from_chars(value_text.data(), value_text.data() + value_text.size(), v);
        if (ec != std::errc() || p != value_text.data() + value_text.size() || !std::isfinite(v) || v < 0) {
            diag.error(at("value"), "expected a count >= 0, got '" + value_text + "'");
            ok = false;
        }
        ob.value = v;
        if (!ok) continue;
        if (auto [it, fresh] = seen.emplace(std::tuple{ob.unit, ob.date.days(), ob.metric}, line_no); !fresh) {
            diag.error(at("measure"), "the same unit, date and measure as line " + std::to_string(it->second));
            continue;
        }
        set.rows.push_back(std::move(ob));
    }
    if (col_unit < 0) diag.error({shown}, "the file is empty; expected a header unit,date,measure,value and one row per count");
    else if (set.rows.empty() && !diag.has_errors()) diag.error({shown}, "no observations: expected one row per unit, date and measure");
    diag.throw_if_errors();
    return set;
}

std::string simulated_observations(const Scenario& s, std::uint64_t replication, const std::vector<Date>& dates) {
    const Simulator sim(s);
    const Layout& L = sim.layout();
    const Trajectory t = sim.run(replication);
    const bool stations = s.programme.kind == ProgrammeKind::stations;
    const std::vector<std::string> words = stations ? std::vector<std::string>{"已建", "在建", "拟建"} : std::vector<std::string>{"命名", "示范", "推荐"};
    const auto& known = observation_measures(L);
    std::string out = "unit,date,measure,value\n";
    for (const Date& d : dates) {
        const auto it = std::find(L.months.begin(), L.months.end(), d);
        if (it == L.months.end())
            throw InputError({"--dates"}, "expected month ends inside the run's horizon " + s.run.start.iso() + " .. " + s.run.end.iso() + ", got " + d.iso());
        const auto month = static_cast<std::size_t>(it - L.months.begin());
        for (std::size_t u = 0; u < (L.per_unit_series() ? L.units : 1); ++u)
            for (const auto& w : words) {
                const std::string metric = std::find_if(known.begin(), known.end(), [&](const auto& m) { return m.first == w; })->second;
                const auto m = static_cast<std::size_t>(std::find(L.metrics.begin(), L.metrics.end(), metric) - L.metrics.begin());
                const std::size_t row = L.per_unit_series() ? u : L.all_row();
                out += csv_field(L.per_unit_series() ? s.region.units()[u].id : "all") + "," + d.iso() + "," + w + "," +
                       exact_number(t.series[L.series_index(m, row, month)]) + "\n";
            }
    }
    return out;
}

std::vector<std::string> parameter_overrides(const Scenario& s, const std::vector<double>& theta) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < s.calibrate.size() && i < theta.size(); ++i) {
        const double v = s.calibrate[i].integral ? std::round(theta[i]) : theta[i];
        out.push_back(s.calibrate[i].path + "=" + exact_number(v));
    }
    return out;
}

CalibrationResult calibrate(const Scenario& s, const ObservationSet& obs, const CalibrationOptions& opt, CalibrationState resume) {
    if (s.calibrate.empty())
        throw InputError({s.file.string(), 0, 0, "", "calibrate"},
                         "the scenario marks no parameter as free: add e.g. calibrate: {behaviour.adoption.phases.*: [0.001, 0.5]}");
    const auto t0 = std::chrono::steady_clock::now();
    const Evaluator ev(s, obs);
    const std::size_t K = s.calibrate.size(), J = obs.rows.size();
    const std::size_t S = static_cast<std::size_t>(std::max(2, opt.replications));
    const int threads = thread_count(opt.threads);
    const std::size_t screen_n = opt.screen > 0 ? static_cast<std::size_t>(opt.screen) : 10 * K + 20;
    const std::size_t max_evals = opt.max_evaluations > 0 ? static_cast<std::size_t>(opt.max_evaluations) : 150 * K;
    const std::size_t starts = static_cast<std::size_t>(std::clamp(opt.starts, 1, static_cast<int>(screen_n)));
    const std::size_t planned = screen_n + (starts + 1) * max_evals + 2 * K + 2;
    CalibrationState st = std::move(resume);
    auto progress = [&] {
        if (opt.progress) opt.progress(std::min(st.evaluations, planned), planned);
    };
    auto stage_done = [&](int stage) {
        st.stage = stage;
        if (opt.on_stage) opt.on_stage(st);
    };
    std::vector<double> pearson(J);
    for (std::size_t j = 0; j < J; ++j) pearson[j] = 1 / (obs.rows[j].value + 1);
    // Q at logit coordinates z, with weights w; +inf where the scenario refuses the values.
    auto q_at = [&](const std::vector<double>& w) {
        return [&, w](const std::vector<double>& z) {
            const auto m = ev.moments(from_z(s, z), S, threads, false, estimation_block, opt.ranks);
            ++st.evaluations;
            progress();
            return m ? ev.objective(m->mean, w) : std::numeric_limits<double>::infinity();
        };
    };

    // 1. The screen: a Latin hypercube over the ranges, each point's S replications on one thread.
    if (st.stage < 1) {
        std::vector<std::vector<double>> u(screen_n, std::vector<double>(K));
        Rng rng(s.run.seed, 0x5C4EE7);
        for (std::size_t k = 0; k < K; ++k) {
            std::vector<std::size_t> perm(screen_n);
            std::iota(perm.begin(), perm.end(), 0);
            for (std::size_t i = screen_n; i > 1; --i) std::swap(perm[i - 1], perm[static_cast<std::size_t>(rng.integer(0, static_cast<std::int64_t>(i) - 1))]);
            for (std::size_t i = 0; i < screen_n; ++i) u[i][k] = (static_cast<double>(perm[i]) + rng.uniform()) / static_cast<double>(screen_n);
        }
        st.screen_theta.assign(screen_n, {});
        st.screen_q.assign(screen_n, std::numeric_limits<double>::infinity());
        for (std::size_t i = 0; i < screen_n; ++i)
            for (std::size_t k = 0; k < K; ++k) st.screen_theta[i].push_back(value_at(s.calibrate[k], u[i][k]));
        // Each point: its Q, then each count's lowest and highest simulated
        // value; nothing where the scenario refuses the values.
        const auto points = spread(opt.ranks, screen_n, threads, [&](std::size_t i) {
            std::vector<double> out;
            if (const auto m = ev.moments(st.screen_theta[i], S, 1, false, estimation_block)) {
                out.push_back(ev.objective(m->mean, pearson));
                out.insert(out.end(), m->lo.begin(), m->lo.end());
                out.insert(out.end(), m->hi.begin(), m->hi.end());
            }
            return out;
        });
        std::size_t valid = 0;
        for (std::size_t i = 0; i < screen_n; ++i)
            if (!points[i].empty()) st.screen_q[i] = points[i][0], ++valid;
        st.evaluations += screen_n;
        progress();
        // Can the model produce what was observed at all?
        Diagnostics diag;
        if (valid == 0)
            throw InputError({s.file.string(), 0, 0, "", "calibrate"},
                             "the scenario's checks refuse every point of the calibrate: ranges tried (e.g. a day range whose first "
                             "value exceeds its second); narrow the ranges");
        for (std::size_t j = 0; j < J; ++j) {
            double lo = std::numeric_limits<double>::infinity(), hi = -lo;
            for (const auto& p : points)
                if (!p.empty()) lo = std::min(lo, p[1 + j]), hi = std::max(hi, p[1 + J + j]);
            const Observation& ob = obs.rows[j];
            const double v = ob.value;
            if (v > 2 * hi + 10 || v < lo / 2 - 10)
                diag.error({obs.file.string(), ob.line, 0, "", "value"},
                           fmt::format("{} = {} in {} on {} lies far {} all {} simulations over the calibrate: ranges (they reach "
                                       "{} .. {}): the model cannot reproduce it. Check the value (is it a count of this unit, at this "
                                       "date?), or widen the ranges",
                                       ob.measure_text, exact_number(v), ob.unit_text, ob.date.iso(), v > hi ? "above" : "below",
                                       valid * S, exact_number(lo), exact_number(hi)));
        }
        diag.throw_if_errors();
        stage_done(1);
    }

    // 2. The first estimate: Nelder-Mead from the screen's best points, Pearson weights.
    if (st.stage < 2) {
        std::vector<std::size_t> order(st.screen_q.size());
        std::iota(order.begin(), order.end(), 0);
        std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return st.screen_q[a] < st.screen_q[b]; });
        st.q1 = std::numeric_limits<double>::infinity();
        for (std::size_t n = 0; n < starts && n < order.size() && std::isfinite(st.screen_q[order[n]]); ++n) {
            auto [z, q] = nelder_mead(q_at(pearson), to_z(s, st.screen_theta[order[n]]), 0.5, max_evals);
            if (q < st.q1) st.q1 = q, st.theta1 = from_z(s, z);
        }
        stage_done(2);
    }

    // 3. The second estimate: weights from the counts' simulated variance at the first.
    const std::size_t big = std::max<std::size_t>(200, 4 * S);  // replications of the counts' variances and Jacobian
    if (st.stage < 3) {
        const auto m = ev.moments(st.theta1, big, threads, false, covariance_block, opt.ranks);
        st.weight.assign(J, 1);
        for (std::size_t j = 0; j < J; ++j) st.weight[j] = 1 / std::max(m->var[j], 0.25);
        auto [z, q] = nelder_mead(q_at(st.weight), to_z(s, st.theta1), 0.25, max_evals);
        st.theta = from_z(s, z);
        st.q = q;
        stage_done(3);
    }

    // 4. The covariance of the estimate (delta method), in logit coordinates.
    if (st.stage < 4) {
        const std::vector<double> zhat = to_z(s, st.theta);
        // Central differences over a step wide enough to smooth the counts'
        // jumps (each replication's count is a step function of the
        // parameters), on many replications, both sides on the same ones.
        const double h = 0.3;
        Eigen::MatrixXd G(static_cast<Eigen::Index>(J), static_cast<Eigen::Index>(K));
        for (std::size_t k = 0; k < K; ++k) {
            auto zp = zhat, zm = zhat;
            zp[k] += h;
            zm[k] -= h;
            const auto mp = ev.moments(from_z(s, zp), big, threads, false, covariance_block, opt.ranks);
            const auto mm = ev.moments(from_z(s, zm), big, threads, false, covariance_block, opt.ranks);
            st.evaluations += 2;
            for (std::size_t j = 0; j < J; ++j)
                G(static_cast<Eigen::Index>(j), static_cast<Eigen::Index>(k)) = mp && mm ? (mp->mean[j] - mm->mean[j]) / (2 * h) : 0;
        }
        // Ω: the counts' covariance at the estimate.
        const auto mo = ev.moments(st.theta, big, threads, true, covariance_block, opt.ranks);
        Eigen::MatrixXd omega = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(J), static_cast<Eigen::Index>(J));
        for (const auto& row : mo->values)
            for (std::size_t a = 0; a < J; ++a)
                for (std::size_t b = 0; b < J; ++b)
                    omega(static_cast<Eigen::Index>(a), static_cast<Eigen::Index>(b)) +=
                        (row[a] - mo->mean[a]) * (row[b] - mo->mean[b]) / static_cast<double>(big - 1);
        const Eigen::VectorXd w = Eigen::Map<const Eigen::VectorXd>(st.weight.data(), static_cast<Eigen::Index>(J));
        const Eigen::MatrixXd WG = w.asDiagonal() * G;
        const Eigen::MatrixXd A = G.transpose() * WG;
        const Eigen::MatrixXd B = WG.transpose() * omega * WG;
        Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(A);
        const double top = eig.eigenvalues().maxCoeff();
        Eigen::VectorXd inv = eig.eigenvalues();
        st.singular = false;
        for (Eigen::Index i = 0; i < inv.size(); ++i) {
            if (!(inv[i] > 1e-9 * std::max(top, 1e-300))) {
                st.singular = true;
                inv[i] = 0;  // a direction the counts do not move: its variance is unbounded; see below
            } else {
                inv[i] = 1 / inv[i];
            }
        }
        const Eigen::MatrixXd Ainv = eig.eigenvectors() * inv.asDiagonal() * eig.eigenvectors().transpose();
        Eigen::MatrixXd V = (1 + 1.0 / static_cast<double>(S)) * Ainv * B * Ainv;
        if (st.singular)  // unbounded along the null directions: as wide as the whole range (logit sd 4)
            for (Eigen::Index i = 0; i < inv.size(); ++i)
                if (inv[i] == 0) V += 16 * eig.eigenvectors().col(i) * eig.eigenvectors().col(i).transpose();
        st.cov_z.assign(K * K, 0);
        for (std::size_t a = 0; a < K; ++a)
            for (std::size_t b = 0; b < K; ++b) st.cov_z[a * K + b] = V(static_cast<Eigen::Index>(a), static_cast<Eigen::Index>(b));
        stage_done(4);
    }

    CalibrationResult res;
    res.state = st;
    const std::vector<double> zhat = to_z(s, st.theta);
    for (std::size_t k = 0; k < K; ++k) {
        ParameterFit f;
        f.range = s.calibrate[k];
        f.estimate = st.theta[k];
        const double sdz = std::sqrt(std::max(0.0, st.cov_z[k * K + k]));
        f.sd = std::abs(dtheta_dz(f.range, zhat[k])) * sdz;
        f.q05 = value_at(f.range, sigmoid(zhat[k] - 1.6449 * sdz));
        f.q95 = value_at(f.range, sigmoid(zhat[k] + 1.6449 * sdz));
        f.weakly_identified = f.q95 - f.q05 >= 0.8 * (f.range.hi - f.range.lo);
        res.parameters.push_back(f);
    }
    res.correlation.assign(K * K, 0);
    for (std::size_t a = 0; a < K; ++a)
        for (std::size_t b = 0; b < K; ++b) {
            const double va = st.cov_z[a * K + a], vb = st.cov_z[b * K + b];
            res.correlation[a * K + b] = va > 0 && vb > 0 ? st.cov_z[a * K + b] / std::sqrt(va * vb) : (a == b ? 1 : 0);
        }
    for (std::size_t a = 0; a < K; ++a)
        for (std::size_t b = a + 1; b < K; ++b)
            if (const double r = res.correlation[a * K + b]; std::abs(r) >= 0.7)
                res.identifiability.push_back(fmt::format(
                    "{} and {} are not separated by the observations (correlation of the estimates {:.2f}): {} of one can stand in for "
                    "the other; quote them together, not each on its own",
                    s.calibrate[a].path, s.calibrate[b].path, r, r < 0 ? "more" : "less"));
    for (const auto& f : res.parameters)
        if (f.weakly_identified)
            res.identifiability.push_back(fmt::format("{}: the observations hardly inform it (its 90 % interval, {} .. {}, spans most of "
                                                      "its range {} .. {}): the fitted value is about as uncertain as the assumption was",
                                                      f.range.path, fmt::format("{:.4g}", f.q05), fmt::format("{:.4g}", f.q95),
                                                      exact_number(f.range.lo), exact_number(f.range.hi)));
    if (st.singular)
        res.identifiability.push_back("some combination of the parameters leaves every observed count unchanged at the estimate: the "
                                      "observations cannot determine it, and its intervals are shown as wide as the ranges allow");

    // Draws from the confidence region, each simulated predictive_replications times.
    const std::size_t N = static_cast<std::size_t>(std::max(1, opt.draws)), R = static_cast<std::size_t>(std::max(1, opt.predictive_replications));
    {
        Eigen::MatrixXd V(static_cast<Eigen::Index>(K), static_cast<Eigen::Index>(K));
        for (std::size_t a = 0; a < K; ++a)
            for (std::size_t b = 0; b < K; ++b) V(static_cast<Eigen::Index>(a), static_cast<Eigen::Index>(b)) = st.cov_z[a * K + b];
        Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(V);
        const Eigen::MatrixXd root = eig.eigenvectors() * eig.eigenvalues().cwiseMax(0).cwiseSqrt().asDiagonal();
        Rng rng(s.run.seed, 0xD7A3);
        for (std::size_t n = 0; n < N; ++n) {
            Eigen::VectorXd e(static_cast<Eigen::Index>(K));
            for (Eigen::Index k = 0; k < e.size(); ++k) e[k] = rng.normal();
            const Eigen::VectorXd d = root * e;
            std::vector<double> z = zhat;
            for (std::size_t k = 0; k < K; ++k) z[k] += d[static_cast<Eigen::Index>(k)];
            res.draws.push_back(from_z(s, z));
        }
    }
    const std::size_t T = s.programme.targets.size();
    // Per draw: the R runs at the scenario's own values, then the R runs at
    // the draw's (none where the scenario refuses it), each [values, met].
    const auto packed = spread(opt.ranks, N, threads, [&](std::size_t n) {
        std::vector<double> out;
        auto put = [&](const Evaluator::Outcome& o) {
            out.insert(out.end(), o.values.begin(), o.values.end());
            out.insert(out.end(), o.met.begin(), o.met.end());
        };
        for (std::size_t r = 0; r < R; ++r) put(ev.outcome(ev.base(), n * R + r));
        if (const auto v = ev.variant(res.draws[n]))
            for (std::size_t r = 0; r < R; ++r) put(ev.outcome(*v->sim, predictive_block + n * R + r));
        return out;
    });
    std::vector<std::vector<Evaluator::Outcome>> post_runs(N), prior_runs(N);
    for (std::size_t n = 0; n < N; ++n)
        for (std::size_t at = 0, r = 0; at < packed[n].size(); at += J + T, ++r) {
            Evaluator::Outcome o;
            o.values.assign(packed[n].begin() + static_cast<std::ptrdiff_t>(at), packed[n].begin() + static_cast<std::ptrdiff_t>(at + J));
            for (std::size_t t = 0; t < T; ++t) o.met.push_back(static_cast<std::uint8_t>(packed[n][at + J + t]));
            (r < R ? prior_runs : post_runs)[n].push_back(std::move(o));
        }
    res.p_met_fitted.assign(T, 0);
    res.p_met_assumed.assign(T, 0);
    std::vector<std::vector<double>> values(J);
    std::size_t runs = 0;
    for (std::size_t n = 0; n < N; ++n) {
        for (const auto& o : post_runs[n]) {
            ++runs;
            for (std::size_t t = 0; t < T; ++t) res.p_met_fitted[t] += o.met[t];
            for (std::size_t j = 0; j < J; ++j) values[j].push_back(o.values[j]);
        }
        for (const auto& o : prior_runs[n])
            for (std::size_t t = 0; t < T; ++t) res.p_met_assumed[t] += o.met[t];
    }
    res.predictive_runs = static_cast<int>(runs);
    for (std::size_t t = 0; t < T; ++t) {
        res.p_met_fitted[t] /= static_cast<double>(std::max<std::size_t>(1, runs));
        res.p_met_assumed[t] /= static_cast<double>(N * R);
    }
    for (std::size_t j = 0; j < J; ++j) {
        auto& v = values[j];
        res.fit.push_back(quantiles(v));
        const double seen = obs.rows[j].value;
        if (seen < sample_quantile(v, 0.01) || seen > sample_quantile(v, 0.99)) res.misfits.push_back(j);
    }
    res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (opt.progress) opt.progress(planned, planned);
    return res;
}


std::string calibration_fingerprint(const Scenario& s, const ObservationSet& obs, const CalibrationOptions& o) {
    return fnv1a_hex(fmt::format("{}|{}|{}|{}|{}|{}|{}", s.hash, obs.digest, o.replications, o.screen, o.starts, o.max_evaluations,
                                 engine_version()));
}

}  // namespace tisheng
