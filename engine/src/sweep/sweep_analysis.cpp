#include "tisheng/sweep/sweep_analysis.hpp"
#include "tisheng/core/text.hpp"

#include <Eigen/Dense>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <numeric>

namespace tisheng {

namespace {

/// Mean and standard deviation of column `j` of `rows`.
std::pair<double, double> moments(const std::vector<std::vector<double>>& rows, std::size_t j) {
    double mean = 0;
    for (const auto& r : rows) mean += r[j];
    mean /= static_cast<double>(rows.size());
    double ss = 0;
    for (const auto& r : rows) ss += (r[j] - mean) * (r[j] - mean);
    return {mean, std::sqrt(ss / static_cast<double>(rows.size()))};
}

}  // namespace

std::vector<Sensitivity> sensitivity(const std::vector<std::string>& parameters, const std::vector<std::vector<double>>& x,
                                     const std::vector<std::string>& outcomes, const std::vector<std::vector<double>>& y) {
    std::vector<Sensitivity> out;
    const std::size_t n = x.size();
    if (n < 3) return out;
    // The levers that vary, standardised.
    std::vector<std::size_t> used;
    std::vector<std::pair<double, double>> xm;
    for (std::size_t j = 0; j < parameters.size(); ++j) {
        const auto m = moments(x, j);
        if (m.second > 0 && std::isfinite(m.second)) {
            used.push_back(j);
            xm.push_back(m);
        }
    }
    if (used.empty() || n <= used.size()) return out;
    Eigen::MatrixXd X(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(used.size()));
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t c = 0; c < used.size(); ++c)
            X(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(c)) = (x[i][used[c]] - xm[c].first) / xm[c].second;
    const Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr(X);
    for (std::size_t k = 0; k < outcomes.size(); ++k) {
        const auto [mean, sd] = moments(y, k);
        if (!(sd > 1e-12 * std::max(1.0, std::abs(mean))) || !std::isfinite(sd)) continue;  // constant, or NaN somewhere
        Eigen::VectorXd Y(static_cast<Eigen::Index>(n));
        for (std::size_t i = 0; i < n; ++i) Y(static_cast<Eigen::Index>(i)) = (y[i][k] - mean) / sd;
        const Eigen::VectorXd beta = qr.solve(Y);
        const double ss_res = (Y - X * beta).squaredNorm(), ss_tot = Y.squaredNorm();
        Sensitivity s;
        s.outcome = outcomes[k];
        s.n = n;
        s.r2 = ss_tot > 0 ? std::clamp(1.0 - ss_res / ss_tot, 0.0, 1.0) : 0.0;
        for (std::size_t c = 0; c < used.size(); ++c) s.ranked.push_back({parameters[used[c]], beta(static_cast<Eigen::Index>(c))});
        std::stable_sort(s.ranked.begin(), s.ranked.end(), [](const auto& a, const auto& b) { return std::abs(a.src) > std::abs(b.src); });
        out.push_back(std::move(s));
    }
    return out;
}

std::vector<std::uint8_t> pareto_front(const std::vector<ParetoPoint>& pts) {
    // Sorted by spend (then the others, best first), a point can only be
    // dominated by one before it, and then by one on the frontier.
    std::vector<std::size_t> order;  // points with a NaN are never on the frontier (and would break the sort)
    for (std::size_t i = 0; i < pts.size(); ++i)
        if (std::none_of(pts[i].begin(), pts[i].end(), [](double v) { return std::isnan(v); })) order.push_back(i);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        if (pts[a][0] != pts[b][0]) return pts[a][0] < pts[b][0];
        if (pts[a][1] != pts[b][1]) return pts[a][1] > pts[b][1];
        return pts[a][2] > pts[b][2];
    });
    auto dominates = [&](const ParetoPoint& a, const ParetoPoint& b) {
        const bool no_worse = a[0] <= b[0] && a[1] >= b[1] && a[2] >= b[2];
        return no_worse && (a[0] < b[0] || a[1] > b[1] || a[2] > b[2]);
    };
    std::vector<std::uint8_t> front(pts.size(), 0);
    std::vector<std::size_t> kept;
    for (std::size_t i : order) {
        if (std::any_of(kept.begin(), kept.end(), [&](std::size_t k) { return dominates(pts[k], pts[i]); })) continue;
        kept.push_back(i);
        front[i] = 1;
    }
    return front;
}

SweepAnalysis analyse(const SweepRunner& runner, const std::vector<SweepRow>& rows) {
    const Sweep& sw = runner.sweep();
    const SweepOutcomes& oc = runner.outcomes();
    SweepAnalysis a;
    std::vector<std::string> params;
    std::vector<std::size_t> numeric;
    for (std::size_t j = 0; j < sw.parameters.size(); ++j)
        if (sw.parameters[j].numeric) {
            params.push_back(sw.parameters[j].path);
            numeric.push_back(j);
        }
    std::vector<std::vector<double>> x, y;
    for (const auto& r : rows) {
        std::vector<double> xi;
        for (std::size_t j : numeric) xi.push_back(std::strtod(r.values[j].c_str(), nullptr));
        x.push_back(std::move(xi));
        y.push_back(r.outcomes);
        a.variants.push_back(r.variant);
        a.points.push_back({r.outcomes[oc.public_spend], r.outcomes[oc.p_all_met],
                            oc.coverage < r.outcomes.size() && oc.coverage != oc.public_spend ? r.outcomes[oc.coverage] : 0.0});
    }
    a.sensitivity = sensitivity(params, x, oc.columns, y);
    a.front = pareto_front(a.points);
    return a;
}

// ---- find-min -------------------------------------------------------------------

bool SweepTarget::holds(double x) const {
    if (op == ">=") return x >= value;
    if (op == ">") return x > value;
    if (op == "<=") return x <= value;
    return x < value;
}

std::string SweepTarget::str() const {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", value);
    return column + op + buf;
}

SweepTarget parse_target(const std::string& text, const SweepOutcomes& outcomes) {
    const Location where{"--target '" + text + "'"};
    const std::size_t at = text.find_first_of("<>");
    if (at == std::string::npos || at == 0)
        throw InputError(where, "expected OUTCOME>=NUMBER (or >, <=, <), e.g. 'p_all_met>=0.9'");
    SweepTarget t;
    t.column = std::string(trim(std::string_view(text).substr(0, at)));
    const bool eq = at + 1 < text.size() && text[at + 1] == '=';
    t.op = text.substr(at, eq ? 2 : 1);
    const std::string number(trim(std::string_view(text).substr(at + t.op.size())));
    auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), t.value);
    if (number.empty() || ec != std::errc() || ptr != number.data() + number.size())
        throw InputError(where, "expected a number after '" + t.op + "', got '" + number + "'");
    const auto idx = outcomes.find(t.column);
    if (!idx) {
        const std::string hint = closest_match(t.column, outcomes.columns);
        std::string all;
        for (const auto& c : outcomes.columns) all += (all.empty() ? "" : ", ") + c;
        throw InputError(where, "unknown outcome '" + t.column + "'" + did_you_mean(hint) +
                                    " (outcomes: " + all + ")");
    }
    if (!std::isfinite(t.value)) throw InputError(where, "the target value must be a finite number, got '" + number + "'");
    if (t.column.starts_with("p_") && (t.value < 0 || t.value > 1))
        throw InputError(where, "'" + t.column + "' is a probability: the target value must be between 0 and 1, got " + number);
    t.index = *idx;
    return t;
}

std::array<double, 2> wilson_interval(double p, int n) {
    if (n <= 0) return {0.0, 1.0};
    const double z = 1.959963984540054, z2 = z * z, nn = n;
    const double centre = (p + z2 / (2 * nn)) / (1 + z2 / nn);
    const double half = z / (1 + z2 / nn) * std::sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn));
    return {std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

FindMin find_min(const SweepRunner& runner, const std::string& parameter, const SweepTarget& target, int threads,
                 const std::function<void(const FindMin::Step&)>& on_step) {
    const Sweep& sw = runner.sweep();
    const SweepParameter* p = nullptr;
    std::vector<std::string> paths;
    for (const auto& q : sw.parameters) {
        paths.push_back(q.path);
        if (q.path == parameter || q.column == column_name(parameter)) p = &q;
    }
    const Location where{"--find-min " + parameter};
    if (!p) {
        const std::string hint = closest_match(parameter, paths);
        throw InputError(where, "'" + parameter + "' is not a parameter of " + sw.file.string() +
                                    did_you_mean(hint) + " (its range is where the search starts)");
    }
    if (!p->numeric) throw InputError(where, "'" + parameter + "' takes text values; find-min searches a number");
    double lo = 0, hi = 0;
    if (p->is_range()) {
        lo = *p->min;
        hi = *p->max;
    } else {
        std::vector<double> v;
        for (const auto& s : p->values) v.push_back(std::strtod(s.c_str(), nullptr));
        lo = *std::min_element(v.begin(), v.end());
        hi = *std::max_element(v.begin(), v.end());
    }
    FindMin f;
    f.parameter = p->path;
    f.target = target;
    f.replications = sw.replications;
    f.tolerance = sw.find_min_tolerance > 0 ? sw.find_min_tolerance : p->step ? *p->step : std::max(hi - lo, std::abs(hi)) / 100;
    if (p->integral) f.tolerance = std::max(1.0, std::round(f.tolerance));

    auto eval = [&](double x) {
        const VariantResult r = runner.run_with({p->path + "=" + p->format(x)}, threads);
        FindMin::Step s{p->integral ? std::round(x) : x, r.row[target.index], target.holds(r.row[target.index])};
        f.steps.push_back(s);
        if (on_step) on_step(s);
        return s;
    };
    auto answer = [&](const FindMin::Step& s) {
        f.value = s.value;
        f.estimate = s.estimate;
        const bool probability = target.column.starts_with("p_");
        const auto ci = probability ? wilson_interval(s.estimate, sw.replications) : std::array<double, 2>{s.estimate, s.estimate};
        f.ci_low = ci[0];
        f.ci_high = ci[1];
    };

    // Bracket: the target must fail at lo and hold at hi.
    FindMin::Step at_hi = eval(hi);
    for (int widen = 0; !at_hi.holds && widen < 4; ++widen) {
        const double next = hi + 2 * std::max(hi - lo, std::abs(hi) > 0 ? std::abs(hi) : 1.0);
        f.below = hi;
        f.below_estimate = at_hi.estimate;
        lo = hi;
        hi = p->integral ? std::round(next) : next;
        try {
            at_hi = eval(hi);
        } catch (const InvalidInput&) {  // past what the scenario accepts
            hi = lo;
            break;
        }
    }
    if (!at_hi.holds) {
        answer(f.steps.back());
        f.value = hi;
        return f;
    }
    f.found = true;
    if (!f.below) {
        const FindMin::Step at_lo = eval(lo);
        if (at_lo.holds) {
            f.at_lower_end = true;
            answer(at_lo);
            return f;
        }
        f.below = lo;
        f.below_estimate = at_lo.estimate;
    }
    FindMin::Step best = at_hi;
    while (hi - lo > f.tolerance) {
        double mid = (lo + hi) / 2;
        if (p->integral) mid = std::round(mid);
        if (mid <= lo || mid >= hi) break;
        const FindMin::Step s = eval(mid);
        if (s.holds) {
            hi = mid;
            best = s;
        } else {
            lo = mid;
            f.below = mid;
            f.below_estimate = s.estimate;
        }
    }
    answer(best);
    return f;
}

}  // namespace tisheng
