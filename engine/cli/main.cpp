// The `tisheng` command: a thin client of the engine library.
// Exit codes: 0 ok, 1 invalid input, 2 usage, 3 internal error.
#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <future>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <unistd.h>

#include "commands.hpp"
#include "tisheng/simulate/counterfactual.hpp"
#include "tisheng/core/error.hpp"
#include "tisheng/report/forms.hpp"
#include "tisheng/core/files.hpp"
#include "tisheng/planning/plan.hpp"
#include "tisheng/report/report.hpp"
#include "tisheng/results/run.hpp"
#include "tisheng/model/ids.hpp"
#include "tisheng/model/scenario.hpp"
#include "tisheng/simulate/simulate.hpp"
#include "tisheng/core/staged_folder.hpp"
#include "tisheng/results/store.hpp"
#include "tisheng/synth/synth.hpp"
#include "tisheng/core/threads.hpp"
#include "tisheng/core/version.hpp"
#include "tisheng/model/edits.hpp"

namespace fs = std::filesystem;
using namespace tisheng;

namespace {

void print_problems(const std::vector<Problem>& problems) {
    // Every problem is counted; past a screenful the list is cut so that the
    // first ones (usually the cause of the rest) stay visible.
    constexpr std::size_t shown_max = 60;
    std::size_t errors = 0;
    for (std::size_t i = 0; i < problems.size(); ++i) {
        if (i < shown_max) fmt::print(stderr, "{}\n", problems[i].str());
        if (problems[i].severity == Severity::error) ++errors;
    }
    if (problems.size() > shown_max) fmt::print(stderr, "... and {} more\n", problems.size() - shown_max);
    fmt::print(stderr, "{} error{}, {} warning{}\n", errors, errors == 1 ? "" : "s", problems.size() - errors,
               problems.size() - errors == 1 ? "" : "s");
}

Scenario load(const std::string& file, const std::vector<std::string>& sets) {
    Diagnostics warnings;
    Scenario s = load_scenario(file, {sets, true}, &warnings);
    for (const auto& p : warnings.problems()) fmt::print(stderr, "{}\n", p.str());
    return s;
}

int cmd_validate(const std::string& file, const std::vector<std::string>& sets) {
    Scenario s = load(file, sets);
    fmt::print("{}: valid — {} ({}), programme {}, {} units\n", file, s.title, s.region.name(), s.programme.name,
               s.region.units().size());
    const bool stations = s.programme.kind == ProgrammeKind::stations;
    if (stations)
        fmt::print("{:<12} {:<14} {:>9} {:>9} {:>11} {:>9}\n", "unit", "name", "projects", "eligible", "candidates", "workers");
    else
        fmt::print("{:<12} {:<14} {:>9} {:>9} {:>9} {:>9}\n", "unit", "name", "bases", "eligible", "demand", "workers");
    for (const auto& u : summarise(s)) {
        // Pad by display width: CJK characters take two columns.
        std::string name = u.name;
        int width = 0;
        for (std::size_t i = 0; i < name.size(); ++i)
            if ((static_cast<unsigned char>(name[i]) & 0xC0) != 0x80) width += static_cast<unsigned char>(name[i]) >= 0xE0 ? 2 : 1;
        name += std::string(static_cast<std::size_t>(std::max(0, 14 - width)), ' ');
        if (stations)
            fmt::print("{:<12} {} {:>9} {:>9} {:>11} {:>9}\n", u.id, name, u.projects, u.eligible_projects, u.stations, u.workers);
        else
            fmt::print("{:<12} {} {:>9} {:>9} {:>9} {:>9}\n", u.id, name, u.bases, u.eligible_bases, u.demand_points, u.workers);
    }
    // Where each number comes from: the ones without provenance are warnings.
    const ProvenanceSummary provenance = summarise_provenance(s);
    for (const auto& p : provenance.warnings) fmt::print(stderr, "{}\n", p.str());
    fmt::print("{}\n", provenance.str());
    return 0;
}

/// How misses are explained (counterfactual re-runs): on by default.
struct ExplainChoice {
    bool skip = false;
    std::optional<int> sample, max_sets;
};

/// The Monte Carlo run, then (unless skipped) the counterfactual re-runs of
/// its misses, into Results::fixes.
Results simulate_and_explain(const Simulator& sim, MonteCarloOptions mc, const ExplainChoice& ec) {
    Results r = simulate(sim, mc);
    if (ec.skip || r.replications == 0) return r;  // 0: a rank other than 0 of an MPI run
    CounterfactualOptions co;
    co.threads = mc.threads;
    co.sample = ec.sample.value_or(0);
    co.max_sets = ec.max_sets.value_or(0);
    const auto& cs = sim.scenario().counterfactuals;
    co.progress = cli::ProgressBar(fmt::format("why missed: re-running {} replications (and 10 misses of each missed check) per lever set, at most {} sets",
                                               co.sample > 0 ? co.sample : cs.sample, co.max_sets > 0 ? co.max_sets : cs.max_sets));
    const auto t0 = std::chrono::steady_clock::now();
    r.fixes = std::make_shared<const Counterfactuals>(explain_misses(sim, r, co));
    fmt::print(stderr, "tisheng: why missed: {} lever sets, each on the same {} replications ({:.2f} s)\n", r.fixes->sets_run, r.fixes->sample,
               std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    return r;
}

/// The CLI's summary: per target and check date, P(met) city-wide (or in
/// the weakest unit), and what would fix the misses.
void print_summary(const Scenario& s, const Results& r) {
    const auto& L = r.layout;
    for (std::size_t t = 0; t < s.programme.targets.size(); ++t) {
        const Target& tg = s.programme.targets[t];
        std::vector<Date> dates;
        for (const Check& c : L.checks)
            if (c.target == t && (dates.empty() || dates.back() != c.date)) dates.push_back(c.date);
        // The target's headline, worded and computed as report.html's; then
        // each check date with its weakest unit.
        fmt::print("  {} ({}): P(every {} check met{}) {}\n", s.labels.name("target:" + tg.id), tg.id, tg.city_wide ? "city-wide" : "unit",
                   tg.recurring() ? ", at every date" : "", format_share(p_targets_met(r, {t})));
        for (const Date& d : dates) {
            std::size_t worst = L.checks.size();
            for (std::size_t k = 0; k < L.checks.size(); ++k) {
                const Check& c = L.checks[k];
                if (c.target != t || c.date != d) continue;
                if (worst == L.checks.size() || r.checks[k].p_met < r.checks[worst].p_met) worst = k;
            }
            const Check& c = L.checks[worst];
            const double p = r.checks[worst].p_met;
            const bool share = tg.measure == Measure::share_eligible_with_station;
            // Shares and probabilities as the report writes them; counts whole.
            auto shown = [&](double v) { return share ? format_share(v) : format_count(v); };
            std::string line = fmt::format("    {}: P(met) {}", d.iso(), format_share(p));
            std::string where = c.unit == all_units ? s.region.name() : s.region.unit(static_cast<UnitIndex>(c.unit)).name;
            if (!tg.city_wide) where = "lowest: " + where;
            line += fmt::format(" ({}; median {} of {} required)", where, shown(r.checks[worst].value.p50), shown(c.required));
            if (const Fix* f = r.fixes ? r.fixes->find(worst) : nullptr; f && f->rerun > 0) {
                const auto& cf = *r.fixes;
                if (!f->smallest.empty()) {
                    line += fmt::format(" → {} with {}", format_share(f->p_smallest(p)), lever_set_label(s, cf, f->smallest, "en"));
                    if (f->capped) line += " (search capped)";
                } else {
                    line += fmt::format("; no set of levers fixes {} of the misses (all levers: {})", format_share(cf.fix_share),
                                        format_share(f->p_all(p)));
                }
                // The strongest single lever outside the set, or in it when the set has more than one.
                std::size_t best = cf.levers.size();
                for (std::size_t l = 0; l < cf.levers.size(); ++l) {
                    const bool alone = f->smallest.size() == 1 && f->smallest[0] == l;
                    if (!alone && (best == cf.levers.size() || f->p_if(l, p) > f->p_if(best, p))) best = l;
                }
                if (best < cf.levers.size())
                    line += fmt::format("; {} alone {}", lever_label(s, cf.levers[best], "en"), format_share(f->p_if(best, p)));
                if (share) line += fmt::format("; every lever relaxed: median {}", shown(f->all_value.p50));
            }
            fmt::print("{}\n", line);
        }
    }
}

/// What the forms show: personal data in full or masked; the statuses of
/// the representative replication (default), of replication K, or each
/// project's most likely one.
struct FormsChoice {
    bool unmasked = false;
    std::optional<std::int64_t> replication;
    bool most_likely = false;
};

/// A replication run again on demand (forms --replication K when the store
/// does not keep K).
using Rerun = std::function<Replay(std::uint64_t)>;

/// forms/ of a run (statuses at the report date), then report.html: from the
/// results and the kept replications, re-running only a replication asked
/// for by --replication that the store does not keep.
void write_forms_and_report(const Scenario& s, const Results& r, const std::vector<KeptReplication>& kept, const Rerun& rerun,
                            const fs::path& out, const FormsChoice& fc, const RunRecord& rec) {
    if (fc.replication && (*fc.replication < 0 || *fc.replication >= r.replications))
        throw UsageError(fmt::format("--replication must be 0 to {}, got {}", r.replications - 1, *fc.replication));
    if (fc.replication && fc.most_likely) throw UsageError("--replication and --most-likely exclude each other");
    const KeptReplication* rep = find_kept(kept, r.representative_replication);
    if (!rep) throw Error("the representative replication was not kept");
    FormsInput fi;
    if (fc.replication) {
        if (const KeptReplication* k = find_kept(kept, *fc.replication)) {
            fi = forms_from_replay(s, k->replay);
        } else {
            fmt::print(stderr, "tisheng: replication {} is not kept in the run folder; re-running it\n", *fc.replication);
            fi = forms_from_replay(s, rerun(static_cast<std::uint64_t>(*fc.replication)));
        }
    } else {
        fi = fc.most_likely ? forms_most_likely(s, r, rep->replay) : forms_representative(s, r, rep->replay);
    }
    write_forms(s, fi, out, fc.unmasked);
    {
        const bool stations = s.programme.kind == ProgrammeKind::stations;
        const std::string date = s.run.report_date.iso();
        if (fi.representative) {
            const auto counted = stations ? static_cast<std::size_t>(StationStatus::built) : static_cast<std::size_t>(BaseStatus::named);
            fmt::print(stderr, "tisheng: forms/ from replication {}, the representative one: {} {} at {} (median {:g}, p05-p95 {:g}-{:g})\n",
                       fi.replication, counted < r.report_status.size() ? r.report_status[counted] : 0u,
                       stations ? "stations built and in use" : "bases named", date, r.report_count.p50, r.report_count.p05, r.report_count.p95);
        } else if (fi.replication >= 0) {
            fmt::print(stderr, "tisheng: forms/ from replication {} (--replication)\n", fi.replication);
        } else {
            fmt::print(stderr, "tisheng: forms/ show each project's most likely status at {} (--most-likely): no one replication's outcome\n", date);
        }
    }
    ReportOptions ro;
    ro.created = rec.created;
    ro.scenario_file = rec.scenario_file;
    ro.forms_source = fi.source;
    write_report(s, r, out, ro);
}

/// A run writes into `out` only when it is new, empty, or a run of the same
/// scenario (re-running it); anything else only with --force, so that a
/// typo in --out never overwrites another scenario's results or other files.
void check_run_folder(const fs::path& out, const Scenario& s, bool force) {
    std::error_code ec;
    if (force || !fs::exists(out, ec)) return;
    if (!fs::is_directory(out, ec)) throw UsageError("--out " + out.string() + " is a file, not a folder");
    if (fs::directory_iterator(out, ec) == fs::directory_iterator()) return;
    const fs::path json = out / "run.json";
    std::string other;
    if (fs::exists(json, ec)) {
        try {
            const auto j = nlohmann::json::parse(read_file(json, json.string()));
            if (j.contains("scenario") && j["scenario"].is_string()) other = j["scenario"].get<std::string>();
        } catch (const std::exception&) {
        }
        if (other == s.name) return;
        throw UsageError("--out " + out.string() + " holds a run of another scenario ('" + (other.empty() ? "?" : other) + "', this is '" +
                         s.name + "'); give another --out, or --force to overwrite it");
    }
    throw UsageError("--out " + out.string() + " is a folder that holds other files, not a run; give another --out, or --force to write into it");
}

int cmd_run(const std::string& file, std::string out, const std::vector<std::string>& sets,
            std::optional<std::int64_t> replications, std::optional<std::int64_t> seed, int threads, const FormsChoice& fc,
            const ExplainChoice& ec, bool force, int keep) {
    std::vector<std::string> all = sets;
    if (replications) all.push_back(edit::replications(*replications));
    if (seed) all.push_back(edit::seed(*seed));
    if (threads < 0) throw UsageError("--threads must be 0 (all cores) or more, got " + std::to_string(threads));
    auto t0 = std::chrono::steady_clock::now();
    // A run folder: its scenario again, from its own copies, with these edits.
    if (fs::is_directory(file) && !has_store(file))
        throw UsageError(file + " is a folder but not a run folder with a results store (results.bin and input/); give a scenario file");
    Scenario s = fs::is_directory(file) ? load_run_scenario(file, read_run_record(file), all) : load(file, all);
    if (out.empty()) out = (fs::path("runs") / s.name).string();
    // Under mpirun, rank 0 owns the folder; every rank stops if it refuses.
    const int rank = cli::mpi_rank();
    std::exception_ptr refused;
    if (rank == 0) try {
            check_run_folder(out, s, force);
        } catch (const UsageError&) {
            refused = std::current_exception();
        }
    if (!cli::mpi_all_ok(!refused)) {
        if (refused) std::rethrow_exception(refused);
        return 2;
    }
    MonteCarloOptions mc;
    // The ranks on one machine share its cores.
    mc.threads = thread_count(threads, cli::mpi_local_size());
    if (rank == 0) mc.progress = cli::ProgressBar("simulating");
    mc.site_status = true;  // the forms' most likely statuses
    mc.ranks = cli::mpi_ranks();
    const Simulator sim(s);
    Results r = simulate_and_explain(sim, mc, ec);
    if (rank != 0) return 0;  // rank 0 aggregates and writes
    const auto t1 = std::chrono::steady_clock::now();
    auto since = [](auto t) { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count(); };
    const std::vector<KeptReplication> kept = keep_replications(sim, r, keep, mc.threads);
    const double t_keep = since(t1);
    // Everything goes to a staging folder that replaces `out` at the end:
    // killed or out of disk space before that, `out` stays as it was.
    StagedFolder stage(out);
    const fs::path dir = stage.path();
    write_store(s, r, kept, dir);
    const double t_store = since(t1) - t_keep;
    // The map and run.json on this thread, the forms and the report beside it
    // (separate files; what they read does not change).
    RunRecord rec;
    rec.created = utc_now();
    rec.scenario_file = s.file.string();
    double t_forms = 0;
    auto forms = std::async(std::launch::async, [&] {
        const auto t = std::chrono::steady_clock::now();
        write_forms_and_report(s, r, kept, [&](std::uint64_t k) { return replay(sim, k); }, dir, fc, rec);
        t_forms = since(t);
    });
    try {
        write_run_directory(s, r, dir, rec.created);
    } catch (...) {
        forms.wait();
        throw;
    }
    const double t_map = since(t1) - t_keep - t_store;
    forms.get();
    stage.commit();
    if (fc.unmasked)
        fmt::print(stderr, "tisheng: --unmasked: the forms in {} hold contact names, mobile and ID numbers in full; "
                           "every other output stays masked\n", (fs::path(out) / "forms").string());
    fmt::print(stderr, "tisheng: store, map, forms and report.html ({} KB) in {:.3f} s ({} replications kept, run again: {:.1f} s; "
               "results.bin and input/: {:.1f} s; then side by side, map.gpkg, surfaces, run.json: {:.1f} s, forms and report: {:.1f} s)\n",
               fs::file_size(fs::path(out) / "report.html") / 1024, since(t1), kept.size(), t_keep, t_store, t_map, t_forms);
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    fmt::print(stderr, "tisheng: {} units, {} projects, {} bases; {} replications ({:.2f} s)\n", s.region.units().size(),
               s.sites.projects.size(), s.sites.bases.size(), r.replications, secs);
    print_summary(s, r);
    fmt::print("run directory: {}\n", fs::absolute(out).lexically_normal().string());
    return 0;
}

int cmd_site(const std::string& file, std::string out, const std::vector<std::string>& sets, bool exact,
             std::optional<double> time_limit, std::optional<std::int64_t> seed, int threads) {
    if (threads < 0) throw UsageError("--threads must be 0 (all cores) or more, got " + std::to_string(threads));
    if (time_limit && !(*time_limit > 0)) throw UsageError("--time-limit must be > 0 seconds");
    Scenario s = load(file, sets);
    if (out.empty()) out = (fs::path("runs") / (s.name + "-plan")).string();
    const SitingModel model(s);
    const auto& P = model.problem;
    fmt::print(stderr, "tisheng: siting {} candidates for {} demand points ({}{}); solving{}...\n", P.candidates.size(), P.demand(),
               P.objective == siting::Objective::max_cover ? "max_cover within " : "p_median",
               P.objective == siting::Objective::max_cover ? fmt::format("{:g}", s.siting.radius) : std::string(),
               exact ? " with CBC" : "");
    SitingOptions so;
    so.exact = exact;
    so.seed = seed ? static_cast<std::uint64_t>(*seed) : 0;
    so.threads = threads;
    so.time_limit_s = time_limit.value_or(0);
    const Plan plan = make_plan(s, model, so);
    StagedFolder stage(out);
    write_plan(s, model, plan, stage.path());
    stage.commit();
    double total = 0;
    for (double w : P.weight) total += w;
    auto line = [&](const char* what, const siting::Solution& x) {
        const bool cover = P.objective == siting::Objective::max_cover;
        fmt::print("  {:<10} {} sites, objective {:.6g}{}", what, x.chosen.size(), x.objective,
                   cover && total > 0 ? fmt::format(" ({:.2f} % of workers covered)", 100 * x.objective / total) : std::string());
        if (std::isfinite(x.gap)) fmt::print(", bound {:.6g}, gap {:.3f} %{}", x.bound, 100 * x.gap, x.optimal ? " (optimal)" : x.timed_out ? " (time limit)" : "");
        fmt::print(", {:.2f} s\n", x.seconds);
    };
    line(plan.solution.solver.c_str(), plan.solution);
    if (plan.check) line("cbc check", *plan.check);
    for (std::size_t b = 0; b < P.budgets.size(); ++b)
        fmt::print("  budget {:<24} {:>14.0f} of {:>14.0f} CNY\n", P.budgets[b].name, plan.solution.spent.at(b), P.budgets[b].limit);
    fmt::print("plan: {}\n", fs::absolute(out).lexically_normal().string());
    return 0;
}

int cmd_report(const std::string& dir, const FormsChoice& fc) {
    const auto t0 = std::chrono::steady_clock::now();
    if (fs::exists(fs::path(dir) / "sweep.json") || fs::exists(fs::path(dir) / "find-min.json")) {
        write_sweep_report(dir);
    } else {
        // A run is read back from its store: no re-run.
        if (fc.unmasked)
            throw UsageError("--unmasked: a run folder keeps its inputs with personal data masked (input/), so its forms "
                             "cannot show it in full; run the scenario again with --unmasked on the original data");
        const StoredRun run = open_store(dir);
        fmt::print(stderr, "tisheng: opened the run's store ({} replications, {} kept whole) in {:.2f} s; nothing re-run\n",
                   run.results.replications, run.kept.size(), std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        std::unique_ptr<Simulator> sim;
        auto rerun = [&](std::uint64_t k) {
            // The data are the run's (data.bin, or the copies checked when the store opened); another engine may give other numbers.
            if (!run.record.engine_version.empty() && run.record.engine_version != engine_version())
                throw InputError({(fs::path(dir) / "run.json").string(), 0, 0, "", "engine_version"},
                                 "re-running a replication needs the engine of the run (" + run.record.engine_version + ", this is " +
                                     engine_version() + "): its numbers may differ; run the scenario again");
            if (!sim) sim = std::make_unique<Simulator>(*run.scenario);
            return replay(*sim, k);
        };
        // The new forms and report replace the old ones together, or not at all.
        StagedFolder stage(dir);
        write_forms_and_report(*run.scenario, run.results, run.kept, rerun, stage.path(), fc, run.record);
        stage.commit();
    }
    fmt::print(stderr, "tisheng: report written in {:.2f} s\n", std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    fmt::print("report: {}\n", fs::absolute(fs::path(dir) / "report.html").lexically_normal().string());
    return 0;
}

int run_main(int argc, char** argv, SweepTransport* transport) try {
    CLI::App app{"Tisheng (提升): plan and simulate worker-training rollouts\n"
                 "(Jiangmen skill stations, Quanzhou industrial training bases)"};
    app.set_version_flag("--version", "tisheng " + engine_version());
    app.require_subcommand(1);

    std::string scenario, out;
    std::vector<std::string> sets;
    auto* validate = app.add_subcommand("validate", "Check a scenario and all its data; list every problem (exit 1 if any)");
    validate->add_option("SCENARIO", scenario, "scenario YAML file")->required();
    validate->add_option("--set", sets, "override a value: path.to.key=value (repeatable)");

    std::optional<std::int64_t> replications, seed;
    int threads = 0;
    auto* run = app.add_subcommand("run", "Run a scenario and write its run directory");
    run->add_option("SCENARIO", scenario, "scenario YAML file, or a run folder (its scenario again, from its own copies)")->required();
    run->add_option("--out", out, "run directory (default: runs/<scenario name>)");
    run->add_option("--set", sets, "override a value: path.to.key=value (repeatable)");
    run->add_option("--replications", replications, "Monte Carlo replications (overrides run.replications)");
    run->add_option("--seed", seed, "random seed (overrides run.seed)");
    run->add_option("--threads", threads, "worker threads (default: all cores)");
    FormsChoice forms;
    auto forms_options = [&](CLI::App* cmd) {
        cmd->add_flag("--unmasked", forms.unmasked, "write contact names, mobile and ID numbers in full in forms/ (only there)");
        auto* k = cmd->add_option("--replication", forms.replication,
                                  "forms/ from this replication (default: the representative one, whose count at run.report_date is the median)");
        cmd->add_flag("--most-likely", forms.most_likely, "forms/ show each project's most likely status (no one replication's outcome)")->excludes(k);
    };
    forms_options(run);
    ExplainChoice explain;
    auto explain_options = [&](CLI::App* cmd) {
        cmd->add_flag("--no-explain", explain.skip, "skip the counterfactual re-runs that explain misses (run.json what_would_fix)");
        cmd->add_option("--explain-sample", explain.sample, "missed replications re-run per lever set (default: counterfactuals.sample, 100)");
        cmd->add_option("--explain-sets", explain.max_sets, "lever sets tried at most (default: counterfactuals.max_sets, 48)");
    };
    explain_options(run);
    bool force = false;
    run->add_flag("--force", force, "write into --out even if it holds another scenario's run or other files");
    int keep = 3;
    run->add_option("--keep-replications", keep,
                    "replications kept whole in the run folder besides the p05, median, p95 and representative ones (default 3)")
        ->check(CLI::NonNegativeNumber);

    bool exact = false;
    std::optional<double> time_limit;
    auto* site = app.add_subcommand("site", "Choose sites to fund next (coverage, budgets, quotas); write the plan");
    site->add_option("SCENARIO", scenario, "scenario YAML file")->required();
    site->add_option("--out", out, "plan directory (default: runs/<scenario name>-plan)");
    site->add_option("--set", sets, "override a value: path.to.key=value (repeatable)");
    site->add_flag("--exact", exact, "solve the MIP with CBC (the heuristic's plan is its first incumbent)");
    site->add_option("--time-limit", time_limit, "seconds for the MIP (overrides siting.time_limit_s)");
    site->add_option("--seed", seed, "seed of the heuristic's restarts (default: run.seed)");
    site->add_option("--threads", threads, "threads (default: all cores)");

    SynthOptions so;
    auto* synth = app.add_subcommand("synth", "Generate plausible synthetic data for a region");
    synth->add_option("REGION", so.region, "jiangmen | quanzhou | national")->required();
    synth->add_option("--out", out, "output folder")->required();
    synth->add_option("--scale", so.scale, "multiplies the number of projects, candidates and demand points (default 1)");
    synth->add_option("--seed", so.seed, "random seed (default 20230808, the one the shipped data uses)");

    auto* report = app.add_subcommand("report", "Rewrite report.html (and forms/) of a run or sweep folder");
    report->add_option("DIR", out, "a run directory (tisheng run) or a sweep folder (tisheng sweep)")->required();
    forms_options(report);

    cli::SweepArgs sweep_args;
    auto* sweep = app.add_subcommand("sweep", "Run many what-if variants of a scenario (a sweep file); or find the smallest budget that meets a target");
    sweep->add_option("SWEEP", sweep_args.file, "sweep YAML file (scenarios/*-sweep.yaml)")->required();
    sweep->add_option("--out", sweep_args.out, "results folder (default: runs/<sweep name>)");
    sweep->add_option("--threads", sweep_args.threads, "worker threads (default: all cores)");
    sweep->add_flag("--resume", sweep_args.resume, "finish a sweep that was stopped; finished variants are kept");
    sweep->add_option("--find-min", sweep_args.find_min, "the parameter to search (one of the sweep's), instead of running every variant");
    sweep->add_option("--target", sweep_args.target, "with --find-min: what must hold, e.g. 'p_all_met>=0.9'");

    cli::CalibrateArgs cal;
    auto* calibrate = app.add_subcommand("calibrate", "Fit the scenario's free parameters (calibrate:) to observed counts (simulated method of moments)");
    calibrate->add_option("SCENARIO", cal.scenario, "scenario YAML file with a calibrate: section")->required();
    calibrate->add_option("--observed", cal.observed, "CSV of observed counts: unit,date,measure,value (docs/calibration.md)")->required();
    calibrate->add_option("--out", cal.out, "output folder (default: runs/<scenario name>-calibration)");
    calibrate->add_option("--set", cal.sets, "override a value: path.to.key=value (repeatable)");
    calibrate->add_option("--replications", cal.replications, "simulations per parameter value (default 100)")->check(CLI::Range(2, 100000));
    calibrate->add_option("--threads", cal.threads, "worker threads (default: all cores)");
    calibrate->add_flag("--resume", cal.resume, "continue from the generations a stopped calibration left in --out");

    cli::ObserveArgs obs;
    auto* observe = app.add_subcommand("observe", "Write the counts one replication reports (a synthetic observation file for calibrate)");
    observe->add_option("SCENARIO", obs.scenario, "scenario YAML file (set the 'true' parameters with --set)")->required();
    observe->add_option("--out", obs.out, "observation CSV to write")->required();
    observe->add_option("--set", obs.sets, "override a value: path.to.key=value (repeatable)");
    observe->add_option("--replication", obs.replication, "which replication (default 0)");
    observe->add_option("--dates", obs.dates, "month ends, comma-separated (default: every year end of the horizon)");

    cli::SensitivityArgs sens;
    auto* sensitivity = app.add_subcommand("sensitivity", "Rank every assumption by its effect on each target (Morris or Sobol')");
    sensitivity->add_option("SCENARIO", sens.scenario, "scenario YAML file")->required();
    sensitivity->add_option("--method", sens.method, "morris (a screen, default) or sobol (variance shares; costs more)");
    sensitivity->add_option("--out", sens.out, "results folder (default: runs/<scenario name>-sensitivity)");
    sensitivity->add_option("--set", sens.sets, "override a value: path.to.key=value (repeatable)");
    sensitivity->add_option("--trajectories", sens.trajectories, "Morris trajectories r (default 20)")->check(CLI::Range(2, 10000));
    sensitivity->add_option("--samples", sens.samples, "Sobol' base samples n (default 64)")->check(CLI::Range(4, 1000000));
    sensitivity->add_option("--replications", sens.replications, "Monte Carlo replications per point (default 100)")->check(CLI::Range(1, 1000000));
    sensitivity->add_option("--threads", sens.threads, "worker threads (default: all cores)");
    sensitivity->add_flag("--resume", sens.resume, "finish a sensitivity run that was stopped; finished points are kept");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? 0 : 2;
    }

    // An empty --out ('') would quietly fall back to the default folder.
    for (CLI::App* cmd : {run, site, synth, sweep, calibrate, sensitivity})
        if (*cmd && cmd->count("--out") > 0 &&
            (cmd == sweep ? sweep_args.out : cmd == calibrate ? cal.out : cmd == sensitivity ? sens.out : out).empty())
            throw UsageError("--out needs a folder; it was given an empty one");

    if (*validate) return cmd_validate(scenario, sets);
    if (*run) return cmd_run(scenario, out, sets, replications, seed, threads, forms, explain, force, keep);
    if (*site) return cmd_site(scenario, out, sets, exact, time_limit, seed, threads);
    if (*sweep) return cli::cmd_sweep(sweep_args, transport);
    if (*calibrate) return cli::cmd_calibrate(cal, transport);
    if (*observe) return cli::cmd_observe(obs);
    if (*sensitivity) return cli::cmd_sensitivity(sens, transport);
    if (*report) return cmd_report(out, forms);
    if (*synth) {
        auto t0 = std::chrono::steady_clock::now();
        auto files = synthesize(so, out, [](const std::string& what) { fmt::print(stderr, "synth: writing {}\n", what); });
        for (const auto& f : files) fmt::print("{}\n", f.string());
        fmt::print(stderr, "synth: {} files in {:.2f} s\n", files.size(),
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        return 0;
    }
    return 2;
} catch (const InvalidInput& e) {  // bad input: every rank finds it alike and stops alike
    if (cli::mpi_rank() == 0) print_problems(e.problems());
    return 1;
} catch (const InputError& e) {
    if (cli::mpi_rank() == 0) print_problems({e.problem()});
    return 1;
} catch (const Infeasible& e) {
    fmt::print(stderr, "tisheng: {}\n", e.what());
    return 1;
} catch (const UsageError& e) {
    if (cli::mpi_rank() == 0) fmt::print(stderr, "tisheng: {}\n", e.what());
    return 2;
} catch (const Error& e) {  // on one rank only: the others would wait for it
    fmt::print(stderr, "tisheng: error: {}\n", e.what());
    cli::abort_mpi(1);
    return 1;
} catch (const std::exception& e) {
    fmt::print(stderr, "tisheng: internal error: {}\n", e.what());
    cli::abort_mpi(3);
    return 3;
}

}  // namespace

int main(int argc, char** argv) {
    std::unique_ptr<SweepTransport> mpi;  // null unless started by mpirun or srun
    try {
        mpi = cli::start_mpi(argc, argv);
    } catch (const UsageError& e) {
        fmt::print(stderr, "tisheng: {}\n", e.what());
        return 2;
    }
    return run_main(argc, argv, mpi.get());
}
