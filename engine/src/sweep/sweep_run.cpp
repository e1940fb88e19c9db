#include "tisheng/sweep/sweep_run.hpp"

#include <gdal_priv.h>
#include <ogrsf_frmts.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "io/detail/gdal_util.hpp"
#include "tisheng/results/run.hpp"
#include "tisheng/sweep/sweep_analysis.hpp"
#include "tisheng/core/files.hpp"
#include "tisheng/core/text.hpp"
#include "tisheng/io/layers.hpp"
#include "tisheng/core/threads.hpp"
#include "tisheng/core/version.hpp"

namespace fs = std::filesystem;

namespace tisheng {

namespace {

constexpr const char* application = "tisheng-sweep";
constexpr const char* store_version = "1";

using detail::DatasetPtr;

/// What identifies a sweep, as the store's `sweep` table keeps it.
std::vector<std::pair<std::string, std::string>> identity(const SweepRunner& runner) {
    const Sweep& sw = runner.sweep();
    std::string params, targets;
    for (const auto& p : sw.parameters) params += (params.empty() ? "" : "; ") + p.path;
    for (const auto& t : sw.all_targets) targets += (targets.empty() ? "" : " ") + t;
    return {{"application", application},
            {"store_version", store_version},
            {"fingerprint", sw.fingerprint},
            {"name", sw.name},
            {"sweep_file", sw.file.string()},
            {"scenario_file", sw.scenario.string()},
            {"scenario_hash", runner.base().hash},
            {"engine_version", engine_version()},
            {"replications", std::to_string(sw.replications)},
            {"seed", std::to_string(sw.seed)},
            {"design", sw.design == SweepDesign::grid ? "grid" : sw.design == SweepDesign::lhs ? "lhs" : "points"},
            {"variants", std::to_string(sw.variants())},
            {"parameters", params},
            {"targets", targets}};
}

OGRLayer* layer_or_throw(GDALDataset& ds, const char* name, const fs::path& file) {
    OGRLayer* l = ds.GetLayerByName(name);
    if (!l) throw InputError({file.string()}, std::string("the store has no table '") + name + "'; it is damaged or not a Tisheng sweep store");
    return l;
}

}  // namespace

struct SweepStore::Impl {
    const SweepRunner& runner;
    fs::path dir, file;
    DatasetPtr ds;
    std::vector<std::uint8_t> done;
    std::size_t done_count = 0;

    explicit Impl(const SweepRunner& r) : runner(r) {}

    void create() {
        const Sweep& sw = runner.sweep();
        const SweepOutcomes& oc = runner.outcomes();
        using T = FieldDef::Type;
        VectorWriter w(file, "GPKG");
        w.begin_layer("sweep", GeomKind::none, {{"key", T::text}, {"value", T::text}});
        for (const auto& [k, v] : identity(runner)) w.add({k, v});
        w.begin_layer("units", GeomKind::multipolygon, {{"unit_id", T::text}, {"name", T::text}, {"name_en", T::text}});
        for (const auto& u : runner.base().region.units()) w.add(u.geometry, {u.id, u.name, u.name_en});
        std::vector<FieldDef> vf{{"variant", T::integer}};
        for (const auto& p : sw.parameters) vf.push_back({p.column, p.numeric ? T::real : T::text});
        vf.push_back({"overrides", T::text});
        for (const auto& c : oc.columns) vf.push_back({c, T::real});
        w.begin_layer("variants", GeomKind::none, vf);
        std::vector<FieldDef> uf{{"variant", T::integer}, {"unit_id", T::text}, {"name", T::text}};
        for (const auto& c : oc.unit_columns) uf.push_back({c, T::real});
        w.begin_layer("unit_results", GeomKind::none, uf);
        w.commit();
    }

    /// A PRAGMA on the store; its result set (if any) is released.
    void pragma(const std::string& p) {
        detail::ResultSet r(*ds, "PRAGMA " + p);
    }

    void open_update() {
        detail::ensure_gdal();
        ds.reset(static_cast<GDALDataset*>(GDALOpenEx(file.c_str(), GDAL_OF_VECTOR | GDAL_OF_UPDATE, nullptr, nullptr, nullptr)));
        if (!ds) throw InputError({file.string()}, "cannot open the store for writing: " + detail::last_gdal_error());
        // WAL: a commit is one append, and a killed process loses at most
        // the transaction it was in.
        pragma("journal_mode=WAL");
        pragma("synchronous=NORMAL");
    }

    /// Checks that the store there is this sweep's; fills `done`.
    void check_existing(bool resume) {
        detail::ensure_gdal();
        DatasetPtr ro(static_cast<GDALDataset*>(GDALOpenEx(file.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, nullptr, nullptr, nullptr)));
        const std::string not_ours = "is not a Tisheng sweep store (expected a GeoPackage with a 'sweep' table naming application " +
                                     std::string(application) + "); refusing to touch it: choose another --out";
        if (!ro || !ro->GetDriver() || std::string(ro->GetDriver()->GetDescription()) != "GPKG") throw InputError({file.string()}, not_ours);
        OGRLayer* meta = ro->GetLayerByName("sweep");
        if (!meta) throw InputError({file.string()}, not_ours);
        std::map<std::string, std::string> kv;
        meta->ResetReading();
        while (OGRFeatureUniquePtr f{meta->GetNextFeature()}) {
            const int k = f->GetFieldIndex("key"), v = f->GetFieldIndex("value");
            if (k >= 0 && v >= 0) kv[f->GetFieldAsString(k)] = f->GetFieldAsString(v);
        }
        if (kv["application"] != application) throw InputError({file.string()}, not_ours);
        const auto mine = identity(runner);
        for (const auto& [key, value] : mine) {
            // Files may be named by other paths (another working directory): their contents count.
            if (key == "fingerprint" || key == "sweep_file" || key == "scenario_file" || key == "name" || kv[key] == value) continue;
            throw InputError({file.string()}, "the folder holds a different sweep ('" + kv["name"] + "' from " + kv["sweep_file"] + "): its " +
                                                  key + " is '" + kv[key] + "', this sweep's is '" + value +
                                                  "'; refusing to mix their results: choose another --out");
        }
        if (kv["fingerprint"] != runner.sweep().fingerprint)
            throw InputError({file.string()}, "the folder holds a different sweep ('" + kv["name"] + "' from " + kv["sweep_file"] +
                                                  "): its parameters' values differ; refusing to mix their results: choose another --out");
        OGRLayer* variants = layer_or_throw(*ro, "variants", file);
        layer_or_throw(*ro, "unit_results", file);
        const int vi = variants->GetLayerDefn()->GetFieldIndex("variant");
        const SweepOutcomes& oc = runner.outcomes();
        for (const auto& c : oc.columns)
            if (variants->GetLayerDefn()->GetFieldIndex(c.c_str()) < 0)
                throw InputError({file.string()}, "the store's variants table has no column '" + c + "'; it was not written by this sweep");
        // Only the variant column is read.
        std::vector<std::string> others;
        for (int i = 0; i < variants->GetLayerDefn()->GetFieldCount(); ++i)
            if (i != vi) others.push_back(variants->GetLayerDefn()->GetFieldDefn(i)->GetNameRef());
        CPLStringList ignored;
        for (const auto& o : others) ignored.AddString(o.c_str());
        variants->SetIgnoredFields(const_cast<const char**>(ignored.List()));
        variants->ResetReading();
        while (OGRFeatureUniquePtr f{variants->GetNextFeature()}) {
            const auto v = static_cast<std::size_t>(f->GetFieldAsInteger64(vi));
            if (v < done.size() && !done[v]) {
                done[v] = 1;
                ++done_count;
            }
        }
        if (!resume) {
            throw InputError({file.string()}, "the folder already holds this sweep (" + std::to_string(done_count) + " of " +
                                                  std::to_string(done.size()) + " variants done); add --resume to " +
                                                  (done_count == done.size() ? "rewrite its analysis" : "finish it") + ", or choose another --out");
        }
    }

    template <class F>
    void scan_sorted(const char* table, F&& fn) const {
        const std::string sql = std::string("SELECT * FROM ") + table + " ORDER BY variant" +
                                (std::string(table) == "unit_results" ? ", fid" : "");
        const detail::ResultSet rows(*ds, sql);  // released even when fn throws
        OGRLayer* l = rows.get();
        if (!l) throw Error(file.string() + ": cannot read " + table + ": " + detail::last_gdal_error());
        l->ResetReading();
        while (OGRFeatureUniquePtr f{l->GetNextFeature()}) fn(*f);
    }
};

SweepStore::SweepStore(const fs::path& dir, const SweepRunner& runner, bool resume) : m(std::make_unique<Impl>(runner)) {
    m->dir = dir;
    m->file = dir / file_name;
    m->done.assign(runner.sweep().variants(), 0);
    std::error_code ec;
    if (fs::exists(dir, ec) && !fs::is_directory(dir, ec))
        throw InputError({dir.string()}, "--out names a file; expected a folder for the sweep's results");
    if (fs::exists(m->file, ec)) {
        m->check_existing(resume);
    } else {
        if (fs::exists(dir, ec))
            for (const auto& entry : fs::directory_iterator(dir))
                if (entry.path().filename().string().front() != '.')
                    throw InputError({dir.string()}, "the folder is not empty and holds no sweep store (" + entry.path().filename().string() +
                                                         " is there); choose a new or empty folder for the sweep's results");
        fs::create_directories(dir, ec);
        if (ec) throw InputError({dir.string()}, "cannot create the folder: " + ec.message());
        m->create();
    }
    m->open_update();
}

SweepStore::~SweepStore() {
    // Back to a single file, so that readers on read-only media (QGIS) need
    // no -wal and -shm beside it.
    if (m->ds) m->pragma("journal_mode=DELETE");
}

const fs::path& SweepStore::path() const { return m->file; }
const std::vector<std::uint8_t>& SweepStore::done() const { return m->done; }
std::size_t SweepStore::done_count() const { return m->done_count; }

void SweepStore::write(const VariantResult& r) {
    const Sweep& sw = m->runner.sweep();
    const auto& region = m->runner.base().region;
    GDALDataset& ds = *m->ds;
    OGRLayer* variants = layer_or_throw(ds, "variants", m->file);
    OGRLayer* units = layer_or_throw(ds, "unit_results", m->file);
    if (ds.StartTransaction() != OGRERR_NONE) throw Error(m->file.string() + ": cannot start a transaction: " + detail::last_gdal_error());
    try {
        OGRFeature f(variants->GetLayerDefn());
        int k = 0;
        f.SetField(k++, static_cast<GIntBig>(r.variant));
        const auto values = sw.values(r.variant);
        for (std::size_t j = 0; j < sw.parameters.size(); ++j, ++k) {
            if (sw.parameters[j].numeric) f.SetField(k, std::strtod(values[j].c_str(), nullptr));
            else f.SetField(k, values[j].c_str());
        }
        std::string overrides;
        for (std::size_t j = 0; j < sw.parameters.size(); ++j) overrides += (j ? "; " : "") + sw.parameters[j].path + "=" + values[j];
        f.SetField(k++, overrides.c_str());
        for (double v : r.row) {
            if (std::isnan(v)) f.SetFieldNull(k++);
            else f.SetField(k++, v);
        }
        if (variants->CreateFeature(&f) != OGRERR_NONE) throw Error("cannot add a variant: " + detail::last_gdal_error());
        const std::size_t UC = m->runner.outcomes().unit_columns.size();
        for (std::size_t u = 0; u < region.units().size(); ++u) {
            OGRFeature g(units->GetLayerDefn());
            g.SetField(0, static_cast<GIntBig>(r.variant));
            g.SetField(1, region.units()[u].id.c_str());
            g.SetField(2, region.units()[u].name.c_str());
            for (std::size_t c = 0; c < UC; ++c) {
                const double v = r.units[u * UC + c];
                if (std::isnan(v)) g.SetFieldNull(static_cast<int>(3 + c));
                else g.SetField(static_cast<int>(3 + c), v);
            }
            if (units->CreateFeature(&g) != OGRERR_NONE) throw Error("cannot add a unit row: " + detail::last_gdal_error());
        }
    } catch (...) {
        ds.RollbackTransaction();
        throw;
    }
    if (ds.CommitTransaction() != OGRERR_NONE) throw Error(m->file.string() + ": cannot commit variant " + std::to_string(r.variant) + ": " + detail::last_gdal_error());
    if (r.variant < m->done.size() && !m->done[r.variant]) {
        m->done[r.variant] = 1;
        ++m->done_count;
    }
}

std::vector<SweepRow> SweepStore::rows() const {
    const Sweep& sw = m->runner.sweep();
    const SweepOutcomes& oc = m->runner.outcomes();
    std::vector<SweepRow> out;
    m->scan_sorted("variants", [&](const OGRFeature& f) {
        SweepRow r;
        r.variant = static_cast<std::uint64_t>(f.GetFieldAsInteger64("variant"));
        for (const auto& p : sw.parameters) {
            const int i = f.GetFieldIndex(p.column.c_str());
            r.values.push_back(p.numeric ? exact_number(f.GetFieldAsDouble(i)) : std::string(f.GetFieldAsString(i)));
        }
        for (const auto& c : oc.columns) {
            const int i = f.GetFieldIndex(c.c_str());
            r.outcomes.push_back(f.IsFieldSetAndNotNull(i) ? f.GetFieldAsDouble(i) : std::numeric_limits<double>::quiet_NaN());
        }
        out.push_back(std::move(r));
    });
    return out;
}

void SweepStore::export_csv() const {
    const std::string bom = "\xEF\xBB\xBF";
    for (const char* table : {"variants", "unit_results"}) {
        std::string text = bom;
        bool header = true;
        m->scan_sorted(table, [&](const OGRFeature& f) {
            const int n = f.GetFieldCount();
            if (header) {
                for (int i = 0; i < n; ++i) text += (i ? "," : "") + csv_field(f.GetFieldDefnRef(i)->GetNameRef());
                text += "\r\n";
                header = false;
            }
            for (int i = 0; i < n; ++i) {
                std::string v;
                if (f.IsFieldSetAndNotNull(i)) {
                    const OGRFieldType t = f.GetFieldDefnRef(i)->GetType();
                    v = t == OFTReal ? exact_number(f.GetFieldAsDouble(i)) : t == OFTInteger64 || t == OFTInteger ? std::to_string(f.GetFieldAsInteger64(i)) : f.GetFieldAsString(i);
                }
                text += (i ? "," : "") + csv_field(v);
            }
            text += "\r\n";
        });
        write_file_atomic(m->dir / (std::string(table) == "variants" ? "variants.csv" : "units.csv"), text);
    }
}

void SweepStore::write_analysis(const SweepAnalysis& a) {
    GDALDataset& ds = *m->ds;
    for (const char* name : {"sensitivity", "pareto"})
        for (int i = 0; i < ds.GetLayerCount(); ++i)
            if (std::string(ds.GetLayer(i)->GetName()) == name) {
                ds.DeleteLayer(i);
                break;
            }
    if (ds.StartTransaction() != OGRERR_NONE) throw Error(m->file.string() + ": cannot start a transaction: " + detail::last_gdal_error());
    auto make = [&](const char* name, const std::vector<std::pair<const char*, OGRFieldType>>& fields) {
        OGRLayer* l = ds.CreateLayer(name, nullptr, wkbNone, nullptr);
        if (!l) throw Error(m->file.string() + ": cannot create table " + name + ": " + detail::last_gdal_error());
        for (const auto& [fname, type] : fields) {
            OGRFieldDefn d(fname, type);
            l->CreateField(&d);
        }
        return l;
    };
    OGRLayer* s = make("sensitivity", {{"outcome", OFTString}, {"rank", OFTInteger}, {"parameter", OFTString}, {"src", OFTReal}, {"r2", OFTReal}, {"n", OFTInteger64}});
    for (const auto& e : a.sensitivity)
        for (std::size_t r = 0; r < e.ranked.size(); ++r) {
            OGRFeature f(s->GetLayerDefn());
            f.SetField(0, e.outcome.c_str());
            f.SetField(1, static_cast<int>(r + 1));
            f.SetField(2, e.ranked[r].parameter.c_str());
            f.SetField(3, e.ranked[r].src);
            f.SetField(4, e.r2);
            f.SetField(5, static_cast<GIntBig>(e.n));
            if (s->CreateFeature(&f) != OGRERR_NONE) throw Error(m->file.string() + ": cannot write the sensitivity: " + detail::last_gdal_error());
        }
    OGRLayer* p = make("pareto", {{"variant", OFTInteger64}, {"public_spend", OFTReal}, {"p_all_met", OFTReal}, {"coverage", OFTReal}, {"non_dominated", OFTInteger}});
    for (std::size_t i = 0; i < a.variants.size(); ++i) {
        OGRFeature f(p->GetLayerDefn());
        f.SetField(0, static_cast<GIntBig>(a.variants[i]));
        for (int k = 0; k < 3; ++k) f.SetField(1 + k, a.points[i][static_cast<std::size_t>(k)]);
        f.SetField(4, static_cast<int>(a.front[i]));
        if (p->CreateFeature(&f) != OGRERR_NONE) throw Error(m->file.string() + ": cannot write the frontier: " + detail::last_gdal_error());
    }
    if (ds.CommitTransaction() != OGRERR_NONE) throw Error(m->file.string() + ": cannot commit the analysis: " + detail::last_gdal_error());
}

// ---- running ----------------------------------------------------------------------

namespace {

/// sweep.json: what the sweep was, its sensitivity ranking and frontier.
void write_summary(const SweepRunner& runner, const SweepStore& store, const SweepAnalysis& a, const fs::path& dir) {
    const Sweep& sw = runner.sweep();
    nlohmann::ordered_json j;
    for (const auto& [k, v] : identity(runner)) j[k] = v;
    j["title"] = sw.title;
    j["done"] = store.done_count();
    j["store"] = SweepStore::file_name;
    j["outcomes"] = runner.outcomes().columns;
    j["unit_outcomes"] = runner.outcomes().unit_columns;
    nlohmann::ordered_json params = nlohmann::ordered_json::array();
    for (const auto& p : sw.parameters) {
        nlohmann::ordered_json q{{"path", p.path}, {"column", p.column}};
        if (p.is_range()) {
            q["min"] = *p.min;
            q["max"] = *p.max;
            if (p.step) q["step"] = *p.step;
        } else {
            q["values"] = p.values;
        }
        params.push_back(q);
    }
    j["parameter_list"] = params;
    nlohmann::ordered_json sens = nlohmann::ordered_json::array();
    for (const auto& e : a.sensitivity) {
        nlohmann::ordered_json ranked = nlohmann::ordered_json::array();
        for (const auto& c : e.ranked) ranked.push_back({{"parameter", c.parameter}, {"src", c.src}});
        sens.push_back({{"outcome", e.outcome}, {"r2", e.r2}, {"n", e.n}, {"ranked", ranked}});
    }
    j["sensitivity"] = sens;
    nlohmann::ordered_json front = nlohmann::ordered_json::array();
    for (std::size_t i = 0; i < a.variants.size(); ++i)
        if (a.front[i])
            front.push_back({{"variant", a.variants[i]}, {"public_spend", a.points[i][0]}, {"p_all_met", a.points[i][1]}, {"coverage", a.points[i][2]}});
    j["pareto"] = front;
    write_file_atomic(dir / "sweep.json", j.dump(2) + "\n");
}

/// Results of this process's workers, handed to the calling thread.
class ResultQueue {
public:
    void push(VariantResult r) {
        {
            std::lock_guard lock(m_mutex);
            m_items.push_back(std::move(r));
        }
        m_cv.notify_one();
    }
    void fail(std::exception_ptr e) {
        {
            std::lock_guard lock(m_mutex);
            if (!m_error) m_error = e;
        }
        m_cv.notify_one();
    }
    /// Waits up to `wait` for a result; rethrows a worker's exception.
    std::optional<VariantResult> pop(std::chrono::milliseconds wait) {
        std::unique_lock lock(m_mutex);
        m_cv.wait_for(lock, wait, [&] { return !m_items.empty() || m_error; });
        if (m_error) std::rethrow_exception(m_error);
        if (m_items.empty()) return std::nullopt;
        VariantResult r = std::move(m_items.front());
        m_items.pop_front();
        return r;
    }

private:
    std::mutex m_mutex;
    std::condition_variable m_cv;
    std::deque<VariantResult> m_items;
    std::exception_ptr m_error;
};

}  // namespace

SweepSummary run_sweep(const SweepRunner& runner, const fs::path& dir, const SweepOptions& options) {
    const Sweep& sw = runner.sweep();
    const std::size_t N = sw.variants();
    const int rank = options.transport ? options.transport->rank() : 0;
    const int ranks = options.transport ? options.transport->size() : 1;
    SweepSummary summary;
    summary.variants = N;

    const auto t0 = std::chrono::steady_clock::now();
    std::unique_ptr<SweepStore> store;
    std::vector<std::uint8_t> done;
    if (rank == 0) {
        std::exception_ptr error;
        try {
            store = std::make_unique<SweepStore>(dir, runner, options.resume);
            done = store->done();
        } catch (...) {
            error = std::current_exception();
        }
        if (options.transport) options.transport->share_done(error ? std::nullopt : std::optional(done));
        if (error) std::rethrow_exception(error);
    } else {
        auto shared = options.transport->share_done(std::nullopt);
        if (!shared) throw Error("rank 0 could not open the sweep's store; see its message");
        done = std::move(*shared);
    }
    summary.skip_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    summary.skipped = static_cast<std::size_t>(std::count(done.begin(), done.end(), 1));

    // This process's share: every ranks-th variant not yet done.
    std::vector<std::size_t> mine;
    std::size_t todo_all = 0;
    for (std::size_t v = 0; v < N; ++v) {
        if (done[v]) continue;
        ++todo_all;
        if (static_cast<int>(v % static_cast<std::size_t>(ranks)) == rank) mine.push_back(v);
    }
    summary.ran = todo_all;

    int threads = thread_count(options.threads);
    threads = std::max(1, std::min<int>(threads, static_cast<int>(std::max<std::size_t>(1, mine.size()))));
    auto write = [&](const VariantResult& r) {
        const auto w0 = std::chrono::steady_clock::now();
        store->write(r);
        summary.store_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
    };
    ResultQueue queue;
    std::atomic<std::size_t> next{0};
    std::atomic<bool> stop{false};
    auto worker = [&] {
        try {
            for (std::size_t i; !stop && (i = next.fetch_add(1)) < mine.size();) queue.push(runner.run(mine[i], 1));
        } catch (...) {
            queue.fail(std::current_exception());
        }
    };
    std::vector<std::jthread> pool;
    for (int t = 0; t < threads && !mine.empty(); ++t) pool.emplace_back(worker);
    try {
        std::size_t local = 0, written = 0;
        if (options.progress && rank == 0) options.progress(summary.skipped, N);
        while (rank == 0 ? written < todo_all : local < mine.size()) {
            if (local < mine.size()) {
                if (auto r = queue.pop(std::chrono::milliseconds(options.transport ? 5 : 200))) {
                    ++local;
                    if (rank == 0) {
                        write(*r);
                        ++written;
                    } else {
                        options.transport->send(*r);
                    }
                }
            } else if (!options.transport) {
                break;
            }
            if (rank == 0 && options.transport)
                while (auto r = options.transport->receive()) {
                    write(*r);
                    ++written;
                }
            if (rank == 0 && local >= mine.size() && written < todo_all) std::this_thread::sleep_for(std::chrono::milliseconds(2));
            if (options.progress && rank == 0) options.progress(summary.skipped + written, N);
        }
    } catch (...) {
        stop = true;
        throw;
    }
    pool.clear();
    if (rank != 0) return summary;

    const SweepAnalysis a = analyse(runner, store->rows());
    store->write_analysis(a);
    store->export_csv();
    write_summary(runner, *store, a, dir);
    return summary;
}

}  // namespace tisheng
