// `tisheng calibrate`: fit the scenario's free parameters to observed counts;
// `tisheng observe`: a synthetic observation file; `tisheng sensitivity`:
// rank the assumptions by their effect on each target.
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <filesystem>
#include <thread>

#include "commands.hpp"
#include "tisheng/analysis/calibrate.hpp"
#include "tisheng/core/text.hpp"
#include "tisheng/core/files.hpp"
#include "tisheng/results/run.hpp"
#include "tisheng/analysis/sensitivity.hpp"
#include "tisheng/sweep/sweep_run.hpp"

namespace tisheng::cli {

namespace fs = std::filesystem;

int cmd_calibrate(const CalibrateArgs& a, SweepTransport* transport) {
    const bool printer = !transport || transport->rank() == 0;
    LoadOptions lo;
    lo.overrides = a.sets;
    const Scenario s = load_scenario(a.scenario, lo);
    if (s.calibrate.empty())
        throw InputError({a.scenario, 0, 0, "", "calibrate"},
                         "the scenario marks no parameter as free; add a section such as\n"
                         "  calibrate: {behaviour.adoption.phases.*: [0.001, 0.5], behaviour.standard_pass.*: [0.3, 1.0]}");
    const Simulator layout_of(s);
    const ObservationSet obs = read_observations(a.observed, s, layout_of.layout());
    const fs::path dir = a.out.empty() ? fs::path("runs") / (s.name + "-calibration") : fs::path(a.out);

    CalibrationOptions o;
    o.replications = a.replications;
    o.threads = a.threads;
    const std::string fingerprint = calibration_fingerprint(s, obs, o);
    // Every rank reads the checkpoint (so all resume alike) and takes every
    // step; rank 0 writes and prints.
    o.ranks = mpi_ranks();
    if (o.ranks) o.threads = shared_threads(a.threads);
    CalibrationState done;
    if (a.resume) {
        done = read_checkpoint(dir, fingerprint);
        if (printer) fmt::print(stderr, "calibrate: resuming after stage {} of 4 in {}\n", done.stage, dir.string());
    }
    static const char* stages[] = {"", "screen", "first estimate", "second estimate", "confidence region"};
    if (printer) {
        o.on_stage = [&](const CalibrationState& st) {
            write_checkpoint(dir, fingerprint, st);
            fmt::print(stderr, "\ncalibrate: {} done ({} evaluations)\n", stages[st.stage], st.evaluations);
        };
        o.progress = ProgressBar(fmt::format("calibrate: {} free parameters, {} observations{}", s.calibrate.size(), obs.rows.size(),
                                             o.ranks ? fmt::format(" on {} processes", o.ranks->size()) : std::string()),
                                 "evals");
    }
    const CalibrationResult r = calibrate(s, obs, o, done);
    if (!printer) return 0;
    write_calibration(dir, s, obs, r, o, utc_now());

    fmt::print("{:<40} {:>10} {:>10} {:>22}\n", "parameter", "assumed", "estimate", "90 % interval");
    for (const auto& f : r.parameters)
        fmt::print("{:<40} {:>10} {:>10.4g} {:>10.4g} .. {:<10.4g}{}\n", f.range.path, exact_number(f.range.value), f.estimate, f.q05, f.q95,
                   f.weakly_identified ? "  (weakly identified)" : "");
    fmt::print("\nP(target met): assumed values -> fitted ({} simulations over the confidence region)\n", r.predictive_runs);
    for (std::size_t t = 0; t < s.programme.targets.size(); ++t)
        fmt::print("  {:<28} {:>6.1f} % -> {:>6.1f} %\n", s.programme.targets[t].id, 100 * r.p_met_assumed[t], 100 * r.p_met_fitted[t]);
    for (const auto& line : r.identifiability) fmt::print("note: {}\n", line);
    if (!r.misfits.empty())
        fmt::print("note: {} of {} observations lie outside the fitted model's 1-99 % range (calibration.html lists them)\n", r.misfits.size(),
                   obs.rows.size());
    fmt::print("calibration: {}\nfitted scenario: {}\n", fs::absolute(dir / "calibration.html").lexically_normal().string(),
               fs::absolute(dir / "fitted.yaml").lexically_normal().string());
    return 0;
}

int cmd_observe(const ObserveArgs& a) {
    LoadOptions lo;
    lo.overrides = a.sets;
    const Scenario s = load_scenario(a.scenario, lo);
    std::vector<Date> dates;
    std::string rest = a.dates;
    while (!rest.empty()) {
        const std::size_t comma = rest.find(',');
        const std::string text(trim(rest.substr(0, comma)));
        rest = comma == std::string::npos ? "" : rest.substr(comma + 1);
        const auto d = Date::parse(text);
        if (!d) throw UsageError("--dates: expected dates YYYY-MM-DD separated by commas, got '" + text + "'");
        dates.push_back(*d);
    }
    if (dates.empty())  // every year end of the horizon
        for (int y = s.run.start.year(); y <= s.run.end.year(); ++y)
            if (const Date d = Date::from_ymd(y, 12, 31); d >= s.run.start && d <= s.run.end) dates.push_back(d);
    write_file_atomic(a.out, simulated_observations(s, a.replication, dates));
    fmt::print("{}\n", fs::absolute(a.out).lexically_normal().string());
    return 0;
}

int cmd_sensitivity(const SensitivityArgs& a, SweepTransport* transport) {
    const bool printer = !transport || transport->rank() == 0;
    LoadOptions lo;
    lo.overrides = a.sets;
    auto base = std::make_shared<const Scenario>(load_scenario(a.scenario, lo));
    SensitivityOptions o;
    if (a.method == "sobol") o.method = GsaMethod::sobol;
    else if (a.method != "morris") throw UsageError("--method: expected morris or sobol, got '" + a.method + "'");
    o.trajectories = a.trajectories;
    o.samples = a.samples;
    o.replications = a.replications;
    const SensitivityPlan plan = sensitivity_factors(*base);
    const Sweep sw = sensitivity_sweep(base, a.sets, plan, o);
    const fs::path out = a.out.empty() ? fs::path("runs") / (base->name + "-sensitivity") : fs::path(a.out);
    if (printer) {
        fmt::print(stderr, "sensitivity: {} over {} assumptions: {} points x {} replications{}\n",
                   o.method == GsaMethod::morris ? fmt::format("Morris, r = {}", o.trajectories) : fmt::format("Sobol', n = {}", o.samples),
                   plan.factors.size(), sw.variants(), sw.replications,
                   transport && transport->size() > 1 ? fmt::format(" on {} processes", transport->size()) : std::string());
        for (const auto& [path, why] : plan.left_out) fmt::print(stderr, "  left out: {}: {}\n", path, why);
    }
    const SweepRunner runner(sw);
    const SweepOptions so = sweep_options(a.threads, a.resume, transport, "sensitivity", "points");
    (void)run_sweep(runner, out, so);
    if (!printer) return 0;
    const SweepStore store(out, runner, true);
    const SensitivityResult r = analyse_sensitivity(runner, store.rows(), plan, o);
    write_sensitivity(out, *base, r, utc_now());
    for (const auto& oc : r.outcomes) {
        if (!oc.column.starts_with("p_")) continue;
        fmt::print("{}:\n", oc.label);
        if (oc.ranked.empty() || oc.ranked[0].mu_star == 0) {
            fmt::print("  the same at every point of the design: no assumption moves it over these ranges\n");
            continue;
        }
        for (std::size_t i = 0; i < std::min<std::size_t>(5, oc.ranked.size()); ++i)
            fmt::print("  {:<48} {} {:.3f}\n", r.factors[oc.ranked[i].factor].range.path, o.method == GsaMethod::morris ? "mu*" : "ST ",
                       oc.ranked[i].mu_star);
    }
    fmt::print("sensitivity: {}\n", fs::absolute(out / "sensitivity.html").lexically_normal().string());
    return 0;
}

}  // namespace tisheng::cli
