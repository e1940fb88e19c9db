#include "tisheng/results/store.hpp"

#include <algorithm>
#include <cmath>
#include <future>
#include <thread>

#include "core/detail/parallel.hpp"
#include "results/detail/bytes.hpp"
#include "results/detail/store_data.hpp"
#include "tisheng/simulate/counterfactual.hpp"
#include "tisheng/core/error.hpp"
#include "tisheng/core/text.hpp"
#include "tisheng/core/files.hpp"
#include "tisheng/core/privacy.hpp"
#include "tisheng/core/version.hpp"

#include <gdal_priv.h>
#include <ogrsf_frmts.h>

namespace tisheng {

namespace fs = std::filesystem;

namespace {

using detail::In;
using detail::Out;

// The two files of a store: the aggregates and kept replications, and the
// data the run read, parsed. Each: its magic, format version and header
// strings, then the payload's checksum and length, then the payload.
struct StoreFile {
    std::string_view magic;
    std::uint32_t version;
    std::size_t head;  ///< header strings before the checksum
    const char* what;  ///< for messages
};
constexpr StoreFile results_file{"tisheng results\n", 1, 2, "results store"};       // engine, scenario hash
constexpr StoreFile data_file{"tisheng dataset\n", 1, 2, "store of parsed data"};   // engine, scenario hash

std::string framed(const StoreFile& f, const std::vector<std::string>& head, std::string_view payload, const std::string& checksum) {
    Out o;
    o.num(f.version);
    for (const auto& h : head) o.str(h);
    o.str(checksum);
    o.num<std::uint64_t>(payload.size());
    std::string bytes(f.magic);
    bytes += o.take();
    bytes += payload;
    return bytes;
}

/// A store file's header strings and its payload, checked: magic, version,
/// length and checksum.
struct Unframed {
    std::vector<std::string> head;
    std::string checksum;
    std::string_view payload;
};
Unframed unframed(const StoreFile& f, std::string_view bytes, const std::string& shown) {
    if (!bytes.starts_with(f.magic))
        throw InputError({shown}, std::string("not a tisheng ") + f.what + " (it does not start with '" +
                                      std::string(f.magic.substr(0, f.magic.size() - 1)) + "')");
    In head(bytes.substr(f.magic.size(), 4096), shown);
    const auto version = head.num<std::uint32_t>();
    if (version != f.version)
        throw InputError({shown}, std::string(f.what) + " format " + std::to_string(version) + ", this tisheng reads format " +
                                      std::to_string(f.version) + "; run the scenario again");
    Unframed u;
    std::size_t at = f.magic.size() + 4;
    for (std::size_t i = 0; i < f.head; ++i) {
        u.head.push_back(head.str());
        at += 8 + u.head.back().size();
    }
    u.checksum = head.str();
    const auto size = head.num<std::uint64_t>();
    at += 8 + u.checksum.size() + 8;
    if (at + size != bytes.size()) throw InputError({shown}, "the store is truncated or has extra bytes; run the scenario again");
    u.payload = bytes.substr(at);
    if ("fnv1a64:" + fnv1a_hex(u.payload) != u.checksum)
        throw InputError({shown}, "the store's checksum does not match: it is damaged; run the scenario again");
    return u;
}

// ---- Results -----------------------------------------------------------------

void put_layout(Out& o, const Layout& L) {
    o.dates(L.months);
    o.strs(L.metrics);
    o.num<std::uint64_t>(L.units);
    o.num<std::uint64_t>(L.rows);
    o.num<std::uint64_t>(L.checks.size());
    for (const Check& c : L.checks) {
        o.num<std::uint64_t>(c.target);
        o.num(c.unit);
        o.num(c.required);
        o.num(c.date.days());
        o.num(c.watch_from.days());
        o.num<std::uint8_t>(c.summary);
    }
    o.strs(L.payers);
    o.vec(L.radii);
    o.str(L.radius_unit);
    o.num<std::uint64_t>(L.first_coverage_metric);
    o.strs(L.industries);
    o.num(L.first_year);
    o.num(L.years);
}

Layout get_layout(In& in) {
    Layout L;
    L.months = in.dates();
    L.metrics = in.strs();
    L.units = in.num<std::uint64_t>();
    L.rows = in.num<std::uint64_t>();
    L.checks.resize(in.count(8));
    for (Check& c : L.checks) {
        c.target = in.num<std::uint64_t>();
        c.unit = in.num<std::int32_t>();
        c.required = in.num<double>();
        c.date = Date::from_days(in.num<std::int32_t>());
        c.watch_from = Date::from_days(in.num<std::int32_t>());
        c.summary = in.num<std::uint8_t>() != 0;
    }
    L.payers = in.strs();
    L.radii = in.vec<double>();
    L.radius_unit = in.str();
    L.first_coverage_metric = in.num<std::uint64_t>();
    L.industries = in.strs();
    L.first_year = in.num<int>();
    L.years = in.num<int>();
    return L;
}

void put_fixes(Out& o, const Counterfactuals& cf) {
    o.num<std::uint64_t>(cf.levers.size());
    for (const Lever& l : cf.levers) {
        o.num(static_cast<std::int32_t>(l.kind));
        o.str(l.id);
        o.str(l.payer);
    }
    o.num<std::uint64_t>(cf.fixes.size());
    for (const Fix& f : cf.fixes) {
        o.num<std::uint64_t>(f.check);
        o.num(f.missed);
        o.num(f.rerun);
        o.num(f.rerun_met);
        o.vec(f.fixed_by);
        o.vec(f.kept_by);
        std::vector<std::uint64_t> smallest(f.smallest.begin(), f.smallest.end());
        o.vec(smallest);
        o.num(f.smallest_fixed);
        o.num(f.smallest_kept);
        o.num<std::uint8_t>(f.capped);
        o.num(f.all_fixed);
        o.num(f.all_kept);
        o.q(f.all_value);
    }
    o.num(cf.sample);
    o.num(cf.sets_run);
    o.num(cf.max_sets);
    o.num(cf.fix_share);
}

Counterfactuals get_fixes(In& in) {
    Counterfactuals cf;
    cf.levers.resize(in.count(20));
    for (Lever& l : cf.levers) {
        const auto kind = in.num<std::int32_t>();
        if (kind < 0 || kind > static_cast<std::int32_t>(Lever::Kind::round_cap)) in.fail("an unknown lever kind " + std::to_string(kind));
        l.kind = static_cast<Lever::Kind>(kind);
        l.id = in.str();
        l.payer = in.str();
    }
    cf.fixes.resize(in.count(64));
    for (Fix& f : cf.fixes) {
        f.check = in.num<std::uint64_t>();
        f.missed = in.num<int>();
        f.rerun = in.num<int>();
        f.rerun_met = in.num<int>();
        f.fixed_by = in.vec<double>();
        f.kept_by = in.vec<double>();
        for (std::uint64_t l : in.vec<std::uint64_t>()) {
            if (l >= cf.levers.size()) in.fail("a lever index out of range");
            f.smallest.push_back(l);
        }
        f.smallest_fixed = in.num<double>();
        f.smallest_kept = in.num<double>();
        f.capped = in.num<std::uint8_t>() != 0;
        f.all_fixed = in.num<double>();
        f.all_kept = in.num<double>();
        f.all_value = in.q();
    }
    cf.sample = in.num<int>();
    cf.sets_run = in.num<int>();
    cf.max_sets = in.num<int>();
    cf.fix_share = in.num<double>();
    return cf;
}

void put_trajectory(Out& o, const Trajectory& t) {
    o.vec(t.series);
    o.num<std::uint64_t>(t.checks.size());
    for (const CheckOutcome& c : t.checks) {
        o.num(c.value);
        o.num<std::uint8_t>(c.met);
        o.num(c.missing);
        o.num(c.first_met);
    }
    o.vec(t.spent);
    o.vec(t.allocated);
    o.vec(t.short_cny);
    o.vec(t.project_built_on);
    o.vec(t.base_named_on);
    o.vec(t.base_grant_cny);
    o.vec(t.base_demonstration);
    o.vec(t.site_open_at_end);
    o.vec(t.covered_by_industry);
    o.vec(t.demand_weight_at_end);
    o.vec(t.project_slot);
    o.vec(t.project_start);
    o.vec(t.report_status);
}

Trajectory get_trajectory(In& in) {
    Trajectory t;
    t.series = in.vec<float>();
    t.checks.resize(in.count(21));
    for (CheckOutcome& c : t.checks) {
        c.value = in.num<double>();
        c.met = in.num<std::uint8_t>() != 0;
        c.missing = in.num<double>();
        c.first_met = in.num<std::int32_t>();
    }
    t.spent = in.vec<double>();
    t.allocated = in.vec<double>();
    t.short_cny = in.vec<double>();
    t.project_built_on = in.vec<std::int32_t>();
    t.base_named_on = in.vec<std::int32_t>();
    t.base_grant_cny = in.vec<float>();
    t.base_demonstration = in.vec<std::uint8_t>();
    t.site_open_at_end = in.vec<std::uint8_t>();
    t.covered_by_industry = in.vec<float>();
    t.demand_weight_at_end = in.vec<float>();
    t.project_slot = in.vec<std::uint32_t>();
    t.project_start = in.vec<std::int32_t>();
    t.report_status = in.vec<std::uint32_t>();
    return t;
}

void put_log(Out& o, const std::vector<StatusChange>& log) {
    std::vector<std::int32_t> day;
    std::vector<std::uint32_t> site;
    std::vector<std::uint8_t> from, to;
    for (const StatusChange& c : log) {
        day.push_back(c.date.days());
        site.push_back(c.site);
        from.push_back(c.from);
        to.push_back(c.to);
    }
    o.vec(day);
    o.vec(site);
    o.vec(from);
    o.vec(to);
}

std::vector<StatusChange> get_log(In& in) {
    const auto day = in.vec<std::int32_t>();
    const auto site = in.vec<std::uint32_t>();
    const auto from = in.vec<std::uint8_t>();
    const auto to = in.vec<std::uint8_t>();
    if (site.size() != day.size() || from.size() != day.size() || to.size() != day.size()) in.fail("a status log's columns differ in length");
    std::vector<StatusChange> log(day.size());
    for (std::size_t i = 0; i < day.size(); ++i) log[i] = {Date::from_days(day[i]), site[i], from[i], to[i]};
    return log;
}

}  // namespace

std::string serialise_results(const Results& r, const std::vector<KeptReplication>& kept) {
    Out o;
    put_layout(o, r.layout);
    o.num(r.replications);
    o.num<std::uint64_t>(r.series.size());
    for (const auto& q : r.series) o.q(q);
    o.num<std::uint64_t>(r.checks.size());
    for (const auto& c : r.checks) {
        o.num(c.p_met);
        o.q(c.value);
        o.q(c.missing);
        o.num(c.first_met_p05);
        o.num(c.first_met_p50);
        o.num(c.first_met_p95);
    }
    o.vec(r.check_met);
    o.vec(r.target_met);
    o.num<std::uint64_t>(r.payers.size());
    for (const auto& p : r.payers) {
        o.str(p.id);
        o.vec(p.allocated_by_year);
        o.vec(p.spent_p50_by_year);
        o.q(p.spent);
        o.q(p.short_cny);
        o.num(p.max_spent_share);
    }
    o.dates(r.project_deadlines);
    o.num<std::uint64_t>(r.project_p_built.size());
    for (const auto& v : r.project_p_built) o.vec(v);
    o.vec(r.base_p_named);
    o.vec(r.base_p_demonstration);
    o.vec(r.base_median_grant_cny);
    o.vec(r.site_p_open_at_end);
    o.num<std::uint64_t>(r.covered_by_industry.size());
    for (const auto& q : r.covered_by_industry) o.q(q);
    o.vec(r.headline);
    o.num(r.median_replication);
    o.vec(r.median_open_at_end);
    o.vec(r.median_workers_at_end);
    o.vec(r.median_covered_at_end);
    o.num(r.representative_replication);
    o.vec(r.report_status);
    o.q(r.report_count);
    o.vec(r.report_status_mean);
    // by_month is cumulative and mostly flat (most sites are never built):
    // kept as the months where it steps, per site (CSR).
    {
        const std::size_t M = r.layout.months.size();
        const std::size_t sites = M ? r.by_month.size() / M : 0;
        std::vector<std::uint64_t> offset{0};
        std::vector<std::uint32_t> month, step;
        for (std::size_t i = 0; i < sites; ++i) {
            std::uint32_t before = 0;
            for (std::size_t m = 0; m < M; ++m)
                if (const std::uint32_t v = r.by_month[i * M + m]; v != before) {
                    month.push_back(static_cast<std::uint32_t>(m));
                    step.push_back(v - before);
                    before = v;
                }
            offset.push_back(month.size());
        }
        o.vec(offset);
        o.vec(month);
        o.vec(step);
    }
    o.vec(r.status_counts);
    o.num<std::uint8_t>(r.fixes != nullptr);
    if (r.fixes) put_fixes(o, *r.fixes);
    o.num<std::uint64_t>(kept.size());
    for (const auto& k : kept) {
        o.str(k.why);
        o.num(k.replay.replication);
        put_trajectory(o, k.replay.trajectory);
        put_log(o, k.replay.log);
    }
    return o.take();
}

void deserialise_results(std::string_view bytes, const std::string& shown, Results& r, std::vector<KeptReplication>& kept) {
    In in(bytes, shown);
    r = Results{};
    r.layout = get_layout(in);
    r.replications = in.num<int>();
    r.series.resize(in.count(24));
    for (auto& q : r.series) q = in.q();
    r.checks.resize(in.count(60));
    for (auto& c : r.checks) {
        c.p_met = in.num<double>();
        c.value = in.q();
        c.missing = in.q();
        c.first_met_p05 = in.num<std::int32_t>();
        c.first_met_p50 = in.num<std::int32_t>();
        c.first_met_p95 = in.num<std::int32_t>();
    }
    r.check_met = in.vec<std::uint8_t>();
    r.target_met = in.vec<std::uint8_t>();
    r.payers.resize(in.count(8));
    for (auto& p : r.payers) {
        p.id = in.str();
        p.allocated_by_year = in.vec<double>();
        p.spent_p50_by_year = in.vec<double>();
        p.spent = in.q();
        p.short_cny = in.q();
        p.max_spent_share = in.num<double>();
    }
    r.project_deadlines = in.dates();
    r.project_p_built.resize(in.count(8));
    for (auto& v : r.project_p_built) v = in.vec<float>();
    r.base_p_named = in.vec<float>();
    r.base_p_demonstration = in.vec<float>();
    r.base_median_grant_cny = in.vec<float>();
    r.site_p_open_at_end = in.vec<float>();
    r.covered_by_industry.resize(in.count(24));
    for (auto& q : r.covered_by_industry) q = in.q();
    r.headline = in.vec<float>();
    r.median_replication = in.num<int>();
    r.median_open_at_end = in.vec<std::uint8_t>();
    r.median_workers_at_end = in.vec<float>();
    r.median_covered_at_end = in.vec<double>();
    r.representative_replication = in.num<int>();
    r.report_status = in.vec<std::uint32_t>();
    r.report_count = in.q();
    r.report_status_mean = in.vec<double>();
    {
        const auto offset = in.vec<std::uint64_t>();
        const auto month = in.vec<std::uint32_t>();
        const auto step = in.vec<std::uint32_t>();
        const std::size_t M = r.layout.months.size(), sites = offset.empty() ? 0 : offset.size() - 1;
        if (step.size() != month.size() || (!offset.empty() && offset.back() != month.size())) in.fail("P(built by month) does not fit its index");
        r.by_month.assign(sites * M, 0);
        for (std::size_t i = 0; i < sites; ++i) {
            if (offset[i] > offset[i + 1]) in.fail("P(built by month) has a bad index");
            for (std::uint64_t k = offset[i]; k < offset[i + 1]; ++k) {
                if (month[k] >= M) in.fail("a month beyond the run");
                r.by_month[i * M + month[k]] += step[k];
            }
            for (std::size_t m = 1; m < M; ++m) r.by_month[i * M + m] += r.by_month[i * M + m - 1];
        }
    }
    r.status_counts = in.vec<std::uint32_t>();
    if (in.num<std::uint8_t>()) r.fixes = std::make_shared<const Counterfactuals>(get_fixes(in));
    kept.clear();
    kept.resize(in.count(16));
    for (auto& k : kept) {
        k.why = in.str();
        k.replay.replication = in.num<std::int64_t>();
        k.replay.trajectory = get_trajectory(in);
        k.replay.log = get_log(in);
    }
    if (!in.done()) in.fail("bytes after the last kept replication");
    // What every reader relies on.
    const Layout& L = r.layout;
    const auto reps = static_cast<std::size_t>(std::max(r.replications, 0));
    if (r.series.size() != L.series_size() || r.checks.size() != L.checks.size() || r.check_met.size() != reps * L.checks.size())
        in.fail("the aggregates do not fit their layout");
}

// ---- kept replications ---------------------------------------------------------

std::vector<KeptReplication> keep_replications(const Simulator& sim, const Results& r, int extra, int threads) {
    const int n = r.replications;
    std::vector<std::pair<int, std::string>> want;
    auto add = [&](int k, const std::string& why) {
        if (k < 0 || k >= n) return;
        for (auto& [have, reason] : want)
            if (have == k) {
                reason += "," + why;
                return;
            }
        want.emplace_back(k, why);
    };
    // The replications whose headline is nearest its p05, median and p95
    // (the lowest index on ties), as Results::median_replication.
    auto nearest = [&](double v) {
        int best = -1;
        double gap = std::numeric_limits<double>::infinity();
        for (int k = 0; k < static_cast<int>(r.headline.size()); ++k)
            if (const double g = std::abs(r.headline[static_cast<std::size_t>(k)] - v); g < gap) {
                gap = g;
                best = k;
            }
        return best;
    };
    if (!r.headline.empty()) {
        std::vector<double> h(r.headline.begin(), r.headline.end());
        const Quantiles q = quantiles(h);
        add(nearest(q.p05), "p05");
        add(r.median_replication, "median");
        add(nearest(q.p95), "p95");
    }
    add(r.representative_replication, "representative");
    for (int i = 0; i < extra && n > 0; ++i) add(static_cast<int>(static_cast<long long>(i) * n / std::max(extra, 1)), "kept");
    std::sort(want.begin(), want.end());
    std::vector<KeptReplication> kept(want.size());
    detail::parallel_chunks(want.size(), threads, [&](std::size_t begin, std::size_t end) {
        for (std::size_t i = begin; i < end; ++i) {
            kept[i].why = want[i].second;
            kept[i].replay = replay(sim, static_cast<std::uint64_t>(want[i].first));
        }
    }, 1);
    return kept;
}

const KeptReplication* find_kept(const std::vector<KeptReplication>& kept, std::int64_t k) {
    for (const auto& r : kept)
        if (r.replay.replication == k) return &r;
    return nullptr;
}

const Replay* StoredRun::find(std::int64_t k) const {
    const KeptReplication* r = find_kept(kept, k);
    return r ? &r->replay : nullptr;
}

const Replay& StoredRun::representative() const {
    const Replay* r = find(results.representative_replication);
    if (!r) throw InputError({"results.bin"}, "the store lacks the representative replication");
    return *r;
}

// ---- the folder ------------------------------------------------------------------

fs::path input_copy(const std::string& role, const fs::path& original) { return fs::path("input") / role / original.filename(); }

namespace {

// Copies `from` to `to` through a temporary file and a rename; nothing when
// they are the same file (a report rewriting its own store).
void copy_atomic(const fs::path& from, const fs::path& to) {
    std::error_code ec;
    if (fs::exists(to, ec) && fs::equivalent(from, to, ec)) return;
    fs::create_directories(to.parent_path(), ec);
    if (ec) throw Error(to.parent_path().string() + ": cannot create the folder: " + ec.message());
    const fs::path tmp = to.string() + ".tmp";
    fs::copy_file(from, tmp, fs::copy_options::overwrite_existing, ec);
    if (ec) throw Error(from.string() + ": cannot copy it into the run folder: " + ec.message());
    fs::rename(tmp, to, ec);
    if (ec) throw Error(to.string() + ": cannot rename the copy into place: " + ec.message());
}

std::string lower(std::string v) {
    for (char& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return v;
}

// A CSV with the personal columns masked, every other field as it was
// (re-quoted only where RFC 4180 needs it).
std::string mask_csv(const fs::path& from, const std::vector<const PersonalColumn*>& columns) {
    const std::string text = read_file(from, from.string());
    std::string out;
    std::vector<std::size_t> at;  // column index -> kind via `kinds`
    std::vector<PersonalColumn::Kind> kinds;
    std::vector<std::string> f;
    std::size_t pos = 0;
    bool header = true;
    while (pos < text.size()) {
        std::size_t eol = text.find('\n', pos);
        if (eol == std::string::npos) eol = text.size();
        std::string_view line(text.data() + pos, eol - pos);
        pos = eol + 1;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        const bool bom = header && line.starts_with("\xEF\xBB\xBF");
        if (bom) line.remove_prefix(3);
        if (line.find_first_not_of(" \t") == std::string_view::npos || !split_csv(line, f)) {
            // A blank line, or a quoted field across lines: kept as it is
            // only when it holds no personal column (the header is read).
            if (!header && !at.empty() && !line.empty())
                throw Error(from.string() + ": a row the run folder cannot copy with its personal data masked (a quoted line break?)");
            out.append(line);
            out += '\n';
            continue;
        }
        if (header) {
            for (const auto* c : columns)
                for (std::size_t i = 0; i < f.size(); ++i)
                    if (f[i] == c->column) {
                        at.push_back(i);
                        kinds.push_back(c->kind);
                    }
            header = false;
            if (bom) out += "\xEF\xBB\xBF";
        } else {
            for (std::size_t k = 0; k < at.size(); ++k)
                if (at[k] < f.size()) f[at[k]] = detail::mask_personal(f[at[k]], kinds[k]);
        }
        for (std::size_t i = 0; i < f.size(); ++i) {
            if (i) out += ',';
            out += csv_field(f[i]);
        }
        out += '\n';
    }
    return out;
}

// Any other vector format: the copy, opened for update, masked feature by feature.
void mask_in_place(const fs::path& file, const std::vector<const PersonalColumn*>& columns) {
    GDALDatasetUniquePtr ds(GDALDataset::Open(file.c_str(), GDAL_OF_VECTOR | GDAL_OF_UPDATE));
    if (!ds) throw Error(file.string() + ": cannot open the copy to mask its personal data");
    for (OGRLayer* layer : ds->GetLayers()) {
        std::vector<std::pair<int, PersonalColumn::Kind>> at;
        for (const auto* c : columns)
            if (const int i = layer->GetLayerDefn()->GetFieldIndex(c->column.c_str()); i >= 0) at.emplace_back(i, c->kind);
        if (at.empty()) continue;
        layer->ResetReading();
        while (OGRFeatureUniquePtr f{layer->GetNextFeature()}) {
            for (auto [i, kind] : at)
                if (f->IsFieldSetAndNotNull(i)) f->SetField(i, detail::mask_personal(f->GetFieldAsString(i), kind).c_str());
            if (layer->SetFeature(f.get()) != OGRERR_NONE) throw Error(file.string() + ": cannot mask a feature of the copy");
        }
    }
}

// The copy of one data file in input/ (with a shapefile's side files),
// personal columns masked.
void copy_input(const Scenario& s, const std::string& role, const fs::path& from, const fs::path& to) {
    std::error_code ec;
    if (fs::exists(to, ec) && fs::equivalent(from, to, ec)) return;  // the folder's own copy (masked already)
    std::vector<const PersonalColumn*> columns;
    for (const auto& c : s.personal_columns)
        if (c.role == role) columns.push_back(&c);
    if (!columns.empty() && lower(from.extension().string()) == ".csv") {
        fs::create_directories(to.parent_path(), ec);
        write_file_atomic(to, mask_csv(from, columns));
        return;
    }
    copy_atomic(from, to);
    if (lower(from.extension().string()) == ".shp")
        for (const char* ext : {".shx", ".dbf", ".prj", ".cpg"}) {
            fs::path side = from;
            side.replace_extension(ext);
            fs::path side_to = to;
            side_to.replace_extension(ext);
            if (fs::exists(side, ec)) copy_atomic(side, side_to);
        }
    if (!columns.empty()) mask_in_place(to, columns);
}

}  // namespace

void write_store(const Scenario& s, const Results& r, const std::vector<KeptReplication>& kept, const fs::path& dir) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw Error(dir.string() + ": cannot create the run directory: " + ec.message());
    // The scenario byte for byte (its hash stays the run's), then each data
    // file, with a shapefile's side files.
    copy_atomic(s.file, dir / "input" / "scenario.yaml");
    for (const auto& [role, path] : s.data_paths) copy_input(s, role, path, dir / input_copy(role, path));
    {
        const std::string payload = serialise_results(r, kept);
        write_file_atomic(dir / "results.bin", framed(results_file, {engine_version(), "fnv1a64:" + s.hash}, payload, "fnv1a64:" + fnv1a_hex(payload)));
    }
    // The data as the copies give it; where it cannot be (store_data.hpp),
    // opening parses the copies.
    if (const auto data = detail::serialise_data(s))
        write_file_atomic(dir / "data.bin", framed(data_file, {engine_version(), "fnv1a64:" + s.hash}, *data, "fnv1a64:" + fnv1a_hex(*data)));
    else
        fs::remove(dir / "data.bin", ec);
}

bool has_store(const fs::path& dir) {
    std::error_code ec;
    return fs::is_regular_file(dir / "results.bin", ec) && fs::is_regular_file(dir / "input" / "scenario.yaml", ec);
}

namespace {

// input/scenario.yaml with the run's edits, then `edits`; the data from
// `data` if given, else from the copies, which must still hold what the run
// read (the engine version matters only to a re-run, which the caller checks).
Scenario load_folder_scenario(const fs::path& dir, const RunRecord& rec, const std::vector<std::string>& edits, const Scenario* data) {
    LoadOptions o;
    o.overrides = rec.overrides;
    o.overrides.insert(o.overrides.end(), edits.begin(), edits.end());
    for (const auto& [role, copy] : rec.input_files) o.data_files[role] = dir / copy.path;
    o.data_from = data;
    Scenario s = load_scenario(dir / "input" / "scenario.yaml", o);
    std::vector<std::string> changed;
    if (edits.empty() && "fnv1a64:" + s.hash != rec.hash) changed.push_back("input/scenario.yaml or the --set edits (" + rec.hash + ", now fnv1a64:" + s.hash + ")");
    for (std::size_t i = 0; i < s.data_paths.size() && i < s.data_digests.size(); ++i) {
        const auto& [role, path] = s.data_paths[i];  // data_digests[i] is its digest, taken when it was read
        const auto it = rec.input_files.find(role);
        const std::string now = "fnv1a64:" + s.data_digests[i].second;
        if (it == rec.input_files.end()) changed.push_back(input_copy(role, path).generic_string() + " (not in run.json)");
        else if (it->second.digest != now) changed.push_back(it->second.path.generic_string() + " (" + it->second.digest + ", now " + now + ")");
    }
    if (!changed.empty()) {
        std::string what;
        for (const auto& c : changed) what += "\n  " + c;
        throw InputError({(dir / "run.json").string(), 0, 0, "", "data_files"},
                         "the run folder's input/ no longer holds what the run read:" + what + "\nrun the scenario again");
    }
    return s;
}

// The scenario of a store being opened: from data.bin when the folder has
// one, else from the copies.
Scenario open_scenario(const fs::path& dir, const RunRecord& rec) {
    const fs::path file = dir / "data.bin";
    std::error_code ec;
    if (!fs::is_regular_file(file, ec)) return load_folder_scenario(dir, rec, {}, nullptr);
    const Scenario data = [&] {  // the file's bytes freed once decoded
        const std::string shown = file.string();
        const std::string bytes = read_file(file, shown);
        const Unframed u = unframed(data_file, bytes, shown);
        if (u.head[1] != rec.hash)
            throw InputError({shown}, "the store is of scenario " + u.head[1] + ", run.json says " + rec.hash + "; run the scenario again");
        return detail::deserialise_data(u.payload, shown, dir, rec);
    }();
    return load_folder_scenario(dir, rec, {}, &data);
}

}  // namespace

Scenario load_run_scenario(const fs::path& dir, const RunRecord& rec, const std::vector<std::string>& edits) {
    return load_folder_scenario(dir, rec, edits, nullptr);
}

StoredRun open_store(const fs::path& dir) {
    StoredRun run;
    run.record = read_run_record(dir);
    if (!has_store(dir))
        throw InputError({dir.string()}, "this run folder has no results store (results.bin and input/): it was made by a "
                                         "tisheng before 0.2; run the scenario again to make one");
    // The scenario (its data parsed) and results.bin, read side by side.
    auto scenario = std::async(std::launch::async, [&] { return open_scenario(dir, run.record); });
    const fs::path file = dir / "results.bin";
    const std::string shown = file.string();
    const std::string bytes = read_file(file, shown);  // on a throw, the future's destructor waits for the scenario
    const Unframed u = unframed(results_file, bytes, shown);
    if (u.head[1] != run.record.hash)
        throw InputError({shown}, "the store is of scenario " + u.head[1] + ", run.json says " + run.record.hash + "; run the scenario again");
    deserialise_results(u.payload, shown, run.results, run.kept);
    if (run.results.replications != run.record.replications)
        throw InputError({shown}, "the store holds " + std::to_string(run.results.replications) + " replications, run.json says " +
                                      std::to_string(run.record.replications));
    run.scenario = std::make_shared<const Scenario>(scenario.get());
    (void)run.representative();
    return run;
}

}  // namespace tisheng
