// What would have fixed a miss: counterfactual re-runs with common random
// numbers (counterfactual.hpp).
#include "tisheng/simulate/counterfactual.hpp"
#include "tisheng/core/threads.hpp"

#include <algorithm>
#include <atomic>
#include <set>
#include <thread>

namespace tisheng {

namespace {

bool limited(const Payer& p) { return p.annual_cny.has_value() || !p.annual_by_year.empty(); }

void unlimit(Payer& p) {
    p.annual_cny.reset();
    p.annual_by_year.clear();
}

void shortest(DayRange& d) { d.max = d.min; }

/// Every combination of `size` indices out of `n`, in lexicographic order.
void combinations(std::size_t n, std::size_t size, std::vector<std::vector<std::size_t>>& out) {
    if (size == 0 || size > n) return;
    std::vector<std::size_t> c(size);
    for (std::size_t i = 0; i < size; ++i) c[i] = i;
    while (true) {
        out.push_back(c);
        std::size_t i = size;
        while (i > 0 && c[i - 1] == n - size + i - 1) --i;
        if (i == 0) return;
        ++c[i - 1];
        for (std::size_t j = i; j < size; ++j) c[j] = c[j - 1] + 1;
    }
}

}  // namespace

std::vector<Lever> levers(const Scenario& s) {
    std::vector<Lever> out;
    auto add = [&](const Cause& c) { out.push_back({c, to_string(c, s.programme.kind)}); };
    std::set<std::string> groups;
    for (const Payer& p : s.budgets.payers) {
        if (!limited(p)) continue;
        const std::string g = payer_group(p);
        if (!groups.insert(g).second) continue;
        add({Cause::Kind::payer, g});
    }
    if (groups.size() >= 2) add({Cause::Kind::all_payers});
    add({Cause::Kind::durations});
    add({Cause::Kind::adoption});
    add({Cause::Kind::review});
    if (s.programme.kind == ProgrammeKind::bases && s.programme.round_cap != Programme::RoundCap::none) add({Cause::Kind::round_cap});
    const auto& wanted = s.counterfactuals.levers;
    if (!wanted.empty())
        std::erase_if(out, [&](const Lever& l) { return std::find(wanted.begin(), wanted.end(), l.id) == wanted.end(); });
    return out;
}

Scenario relaxed(const Scenario& base, const std::vector<const Lever*>& chosen) {
    Scenario s = base;
    auto& st = s.behaviour.stations;
    auto& bb = s.behaviour.bases;
    for (const Lever* l : chosen) {
        switch (l->kind) {
            case Lever::Kind::payer:
                for (Payer& p : s.budgets.payers)
                    if (payer_group(p) == l->payer) unlimit(p);
                break;
            case Lever::Kind::all_payers:
                for (Payer& p : s.budgets.payers) unlimit(p);
                break;
            case Lever::Kind::durations:
                shortest(st.plan_days);
                shortest(st.construct_days);
                shortest(st.fix_days);
                shortest(st.relocate_days);
                for (ReviewStage& r : s.programme.review) shortest(r.days);
                break;
            case Lever::Kind::adoption:
                for (auto& [phase, p] : st.adoption_by_phase) p = 1;
                for (const Phase& ph : s.programme.phases) st.adoption_by_phase[ph.name] = 1;
                bb.apply_existing = bb.apply_new = bb.apply_recognised = 1;
                bb.reapply = 1;
                break;
            case Lever::Kind::review:
                for (auto& [element, p] : st.element_pass) p = 1;
                st.area_min_m2 = std::max(st.area_min_m2, s.programme.standard.min_area_m2);
                st.area_max_m2 = std::max(st.area_max_m2, st.area_min_m2);
                for (ReviewStage& r : s.programme.review) r.pass_probability = 1;  // the eligible: the ineligible stay rejected
                break;
            case Lever::Kind::round_cap: s.programme.round_cap = Programme::RoundCap::none; break;
        }
    }
    return s;
}

double p_met_if(double p_met, double fixed_share, double kept_share) { return p_met * kept_share + (1 - p_met) * fixed_share; }

double Fix::p_if(std::size_t l, double p) const { return p_met_if(p, fixed_by.at(l), kept_by.at(l)); }
double Fix::p_smallest(double p) const { return p_met_if(p, smallest_fixed, smallest_kept); }
double Fix::p_all(double p) const { return p_met_if(p, all_fixed, all_kept); }

const Fix* Counterfactuals::find(std::size_t check) const {
    // In check order (explain_misses adds them so): a binary search, as the
    // report and the viewer look one up for every check.
    auto it = std::lower_bound(fixes.begin(), fixes.end(), check, [](const Fix& f, std::size_t c) { return f.check < c; });
    return it != fixes.end() && it->check == check ? &*it : nullptr;
}

Counterfactuals explain_misses(const Simulator& sim, const Results& r, const CounterfactualOptions& options) {
    const Scenario& s = sim.scenario();
    const Layout& L = r.layout;
    const std::size_t C = L.checks.size();
    const auto reps = static_cast<std::size_t>(r.replications);
    Counterfactuals out;
    out.levers = levers(s);
    out.max_sets = options.max_sets > 0 ? options.max_sets : s.counterfactuals.max_sets;
    out.fix_share = options.fix_share > 0 ? options.fix_share : s.counterfactuals.fix_share;
    const int sample_max = options.sample > 0 ? options.sample : s.counterfactuals.sample;
    if (r.check_met.size() != reps * C || reps == 0) return out;
    auto met0 = [&](std::uint64_t k, std::size_t c) { return r.check_met[k * C + c] != 0; };

    // The replications re-run: evenly spaced over all of them down to the
    // sample size, then, per check, at least `per_check` of its misses and
    // of its met replications (all, if fewer), so that a rare miss is
    // explained and a lever that breaks met replications is seen doing so.
    std::vector<std::uint64_t> sample;
    const std::size_t want = std::min(reps, static_cast<std::size_t>(std::max(1, sample_max)));
    for (std::size_t i = 0; i < want; ++i) sample.push_back(i * reps / want);
    constexpr std::size_t per_check = 10;
    for (std::size_t c = 0; c < C; ++c)
        for (bool missed : {true, false}) {
            std::vector<std::uint64_t> own;
            for (std::size_t k = 0; k < reps; ++k)
                if (met0(k, c) != missed) own.push_back(k);
            const auto have = static_cast<std::size_t>(std::count_if(sample.begin(), sample.end(), [&](std::uint64_t k) { return met0(k, c) != missed; }));
            const std::size_t need = std::min(own.size(), per_check);
            if (have >= need) continue;
            for (std::size_t i = 0; i < need; ++i) sample.push_back(own[i * own.size() / need]);
            std::sort(sample.begin(), sample.end());
            sample.erase(std::unique(sample.begin(), sample.end()), sample.end());
        }

    // Checks missed at least once, and how many of their misses and met
    // replications the sample holds.
    for (std::size_t c = 0; c < C; ++c) {
        Fix f;
        f.check = c;
        for (std::size_t k = 0; k < reps; ++k) f.missed += !met0(k, c);
        if (f.missed == 0) continue;
        for (std::uint64_t k : sample) (met0(k, c) ? f.rerun_met : f.rerun) += 1;
        f.fixed_by.assign(out.levers.size(), 0);
        f.kept_by.assign(out.levers.size(), 1);
        out.fixes.push_back(std::move(f));
    }
    out.sample = static_cast<int>(sample.size());
    if (out.fixes.empty() || sample.empty() || out.levers.empty()) return out;

    const int threads = std::clamp(thread_count(options.threads), 1, static_cast<int>(sample.size()));
    std::atomic<int> done{0};
    int planned = 0;

    // Runs one lever set on the sample; per fix: the share of its re-run
    // misses met and of its re-run met replications still met, and (for
    // `values`) the measure in each re-run replication.
    struct Shares {
        std::vector<double> fixed, kept;
    };
    auto run_set = [&](const std::vector<std::size_t>& set, std::vector<std::vector<double>>* values) {
        std::vector<const Lever*> chosen;
        for (std::size_t i : set) chosen.push_back(&out.levers[i]);
        const Scenario variant = relaxed(s, chosen);
        const Simulator vsim(variant, sim);
        std::vector<std::uint8_t> met(sample.size() * C);
        std::vector<double> value(values ? sample.size() * C : 0);
        std::atomic<std::size_t> next{0};
        auto worker = [&] {
            for (std::size_t i; (i = next.fetch_add(1)) < sample.size();) {
                if (options.cancel && options.cancel->load(std::memory_order_relaxed)) return;
                const Trajectory t = vsim.run(sample[i]);
                for (std::size_t c = 0; c < C; ++c) {
                    met[i * C + c] = t.checks[c].met;
                    if (values) value[i * C + c] = t.checks[c].value;
                }
                done.fetch_add(1);
            }
        };
        {
            std::vector<std::jthread> pool;
            for (int w = 1; w < threads; ++w) pool.emplace_back(worker);
            worker();
        }
        if (options.cancel && options.cancel->load()) throw Cancelled();
        ++out.sets_run;
        Shares sh{std::vector<double>(out.fixes.size(), 0), std::vector<double>(out.fixes.size(), 1)};
        if (values) values->assign(out.fixes.size(), {});
        for (std::size_t f = 0; f < out.fixes.size(); ++f) {
            const Fix& fx = out.fixes[f];
            int fixed = 0, kept = 0;
            for (std::size_t i = 0; i < sample.size(); ++i) {
                const bool now = met[i * C + fx.check] != 0;
                (met0(sample[i], fx.check) ? kept : fixed) += now;
                if (values) (*values)[f].push_back(value[i * C + fx.check]);
            }
            sh.fixed[f] = fx.rerun > 0 ? double(fixed) / fx.rerun : 0;
            sh.kept[f] = fx.rerun_met > 0 ? double(kept) / fx.rerun_met : 1;
        }
        if (options.progress) options.progress(done.load(), planned);
        return sh;
    };
    const auto sample_size = static_cast<int>(sample.size());
    planned = static_cast<int>(out.levers.size() + 1) * sample_size;

    // A set "fixes" a check when it turns at least fix_share of its misses
    // into met checks; the best is the one with the highest P(met | set).
    auto consider = [&](Fix& fx, const std::vector<std::size_t>& set, double fixed, double kept) {
        if (fx.rerun == 0 || fixed < out.fix_share - 1e-12) return;
        const double p = r.checks[fx.check].p_met;
        if (!fx.smallest.empty() && (fx.smallest.size() < set.size() || p_met_if(p, fixed, kept) <= p_met_if(p, fx.smallest_fixed, fx.smallest_kept)))
            return;
        fx.smallest = set;
        fx.smallest_fixed = fixed;
        fx.smallest_kept = kept;
    };

    // Each lever alone, then every lever together (the ceiling): always run.
    for (std::size_t l = 0; l < out.levers.size(); ++l) {
        const Shares sh = run_set({l}, nullptr);
        for (std::size_t f = 0; f < out.fixes.size(); ++f) {
            out.fixes[f].fixed_by[l] = sh.fixed[f];
            out.fixes[f].kept_by[l] = sh.kept[f];
            consider(out.fixes[f], {l}, sh.fixed[f], sh.kept[f]);
        }
    }
    std::vector<std::size_t> all(out.levers.size());
    for (std::size_t l = 0; l < all.size(); ++l) all[l] = l;
    {
        std::vector<std::vector<double>> values;
        const Shares sh = run_set(all, &values);
        for (std::size_t f = 0; f < out.fixes.size(); ++f) {
            Fix& fx = out.fixes[f];
            fx.all_fixed = sh.fixed[f];
            fx.all_kept = sh.kept[f];
            fx.all_value = quantiles(values[f]);
        }
    }
    // Larger sets, smallest first, in lever order, while a check has no set
    // and fewer than max_sets sets have run. A set holding both "every
    // payer" and one payer is left out as redundant. Relaxing every lever
    // can do worse than a subset, so the search does not stop at checks
    // that all levers together leave unfixed.
    std::size_t all_payers = out.levers.size();
    for (std::size_t l = 0; l < out.levers.size(); ++l)
        if (out.levers[l].kind == Lever::Kind::all_payers) all_payers = l;
    auto open = [&] {
        return std::any_of(out.fixes.begin(), out.fixes.end(), [](const Fix& f) { return f.rerun > 0 && f.smallest.empty(); });
    };
    bool capped = false;
    for (std::size_t size = 2; size < out.levers.size() && open(); ++size) {
        std::vector<std::vector<std::size_t>> sets;
        combinations(out.levers.size(), size, sets);
        std::erase_if(sets, [&](const std::vector<std::size_t>& set) {
            return std::find(set.begin(), set.end(), all_payers) != set.end() &&
                   std::any_of(set.begin(), set.end(), [&](std::size_t l) { return out.levers[l].kind == Lever::Kind::payer; });
        });
        planned += static_cast<int>(std::min<std::size_t>(sets.size(), static_cast<std::size_t>(std::max(0, out.max_sets - out.sets_run)))) *
                   sample_size;
        for (const auto& set : sets) {
            if (!open()) break;
            if (out.sets_run >= out.max_sets) {
                capped = true;
                break;
            }
            const Shares sh = run_set(set, nullptr);
            for (std::size_t f = 0; f < out.fixes.size(); ++f)
                if (out.fixes[f].smallest.empty() || out.fixes[f].smallest.size() == set.size())
                    consider(out.fixes[f], set, sh.fixed[f], sh.kept[f]);
        }
        if (capped) break;
    }
    // Every lever together is the answer where no smaller set was found and
    // it fixes enough; `capped` says when the cap cut the search short.
    for (Fix& fx : out.fixes)
        if (fx.smallest.empty() && fx.rerun > 0) {
            fx.capped = capped;
            if (fx.all_fixed >= out.fix_share - 1e-12) {
                fx.smallest = all;
                fx.smallest_fixed = fx.all_fixed;
                fx.smallest_kept = fx.all_kept;
            }
        }
    if (options.progress) options.progress(done.load(), done.load());
    return out;
}

}  // namespace tisheng
