// Coverage and siting against the tools a planner would use instead (see
// bench/README.md, "Coverage" and "Peers"). This program writes a seeded
// instance to a folder and times Tisheng on it; bench/peers/ times SciPy,
// GDAL and PuLP + CBC on the same files, and bench/peers/run.sh runs both
// and prints the table. Figures are reported, never asserted.
//
//   tisheng_bench_coverage --write-instance DIR --case nearest|surface|mclp [--seed S]
//   tisheng_bench_coverage --instance DIR --case nearest|surface|mclp
//                          [--threads 1,2] [--reps N] [--time-limit S] [--no-write]
//
// Cases:
//   nearest  NearestIndex over 1,000 sites, then the nearest site of
//            1,000,000 clustered points: build, and query (with the
//            allocation of the answer), median of --reps.
//   surface  distance_surface on an 8192 x 8192 grid (12.5 m cells) with
//            1,000 sites: compute (median of --reps), error against the exact
//            distance on 100,000 sampled cells, and compute + write_geotiff.
//   mclp     maximal covering, 10,000 weighted demand points, 1,000
//            candidates, p = 50, radius 3 km: reach() then solve_heuristic.
//
// An instance folder holds instance.txt ("key value" lines) and raw
// little-endian arrays: demand.f64 and sites.f64 (x, y pairs, metres in
// UTM 50N), weight.f64 (mclp), sample.i64 (surface: row * width + col).
// Results are JSON lines on stdout (one per measurement); progress on stderr.
// The nearest case also leaves tisheng_nearest.i32 (site of each point) and
// the surface case tisheng_distance.tif, for the peers to compare against.
#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include "tisheng/coverage/coverage.hpp"
#include "tisheng/geo/geo.hpp"
#include "tisheng/core/random.hpp"
#include "tisheng/siting/siting.hpp"

namespace fs = std::filesystem;
using tisheng::MetricPoint;
namespace cov = tisheng::coverage;

static_assert(std::endian::native == std::endian::little, "instance files are little-endian");

namespace {

// ---------------------------------------------------------------------------
// The seeded world: a square of 8192 x 12.5 m = 102.4 km in UTM zone 50N
// (around Quanzhou), Gaussian clusters of demand in it.

constexpr double x0 = 620000, y0 = 2760000;  // top-left corner
constexpr double cell = 12.5;
constexpr std::int64_t side_cells = 8192;
constexpr double side = cell * static_cast<double>(side_cells);
constexpr int utm50n = 32650;

struct Cluster {
    double x, y, sd, weight;
};

class World {
public:
    explicit World(std::uint64_t seed) : m_rng(seed, 1) {
        tisheng::Rng r(seed, 0);
        for (int k = 0; k < 150; ++k) {
            const double sd = std::clamp(r.lognormal(1500, 0.6), 400.0, 6000.0);
            m_clusters.push_back({r.uniform(x0 + 5000, x0 + side - 5000), r.uniform(y0 - side + 5000, y0 - 5000), sd,
                                  r.lognormal(1.0, 1.0)});
        }
        double total = 0;
        for (const auto& c : m_clusters) m_cum.push_back(total += c.weight);
    }
    /// A point of a cluster (chosen by weight) with probability `clustered`,
    /// else uniform over the square; always inside the square.
    MetricPoint point(double clustered) {
        if (m_rng.uniform() >= clustered) return {m_rng.uniform(x0, x0 + side), m_rng.uniform(y0 - side, y0)};
        const double u = m_rng.uniform() * m_cum.back();
        const auto k = static_cast<std::size_t>(std::upper_bound(m_cum.begin(), m_cum.end(), u) - m_cum.begin());
        const Cluster& c = m_clusters[std::min(k, m_clusters.size() - 1)];
        for (;;) {
            const MetricPoint p{m_rng.normal(c.x, c.sd), m_rng.normal(c.y, c.sd)};
            if (p.x >= x0 && p.x < x0 + side && p.y > y0 - side && p.y <= y0) return p;
        }
    }
    std::vector<MetricPoint> points(std::size_t n, double clustered) {
        std::vector<MetricPoint> out(n);
        for (auto& p : out) p = point(clustered);
        return out;
    }
    tisheng::Rng& rng() { return m_rng; }

private:
    tisheng::Rng m_rng;
    std::vector<Cluster> m_clusters;
    std::vector<double> m_cum;
};

// ---------------------------------------------------------------------------
// Instance files.

template <class T>
void write_array(const fs::path& file, const T* data, std::size_t n) {
    std::ofstream out(file, std::ios::binary);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(n * sizeof(T)));
    if (!out) throw std::runtime_error("cannot write " + file.string());
}

template <class T>
std::vector<T> read_array(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + file.string() + " (write the instance first: --write-instance)");
    const auto bytes = static_cast<std::size_t>(fs::file_size(file));
    std::vector<T> out(bytes / sizeof(T));
    in.read(reinterpret_cast<char*>(out.data()), static_cast<std::streamsize>(out.size() * sizeof(T)));
    return out;
}

void write_points(const fs::path& file, const std::vector<MetricPoint>& pts) {
    static_assert(sizeof(MetricPoint) == 2 * sizeof(double));
    write_array(file, reinterpret_cast<const double*>(pts.data()), 2 * pts.size());
}

std::vector<MetricPoint> read_points(const fs::path& file) {
    const auto v = read_array<double>(file);
    std::vector<MetricPoint> out(v.size() / 2);
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = {v[2 * i], v[2 * i + 1]};
    return out;
}

using Header = std::map<std::string, std::string>;

Header read_header(const fs::path& dir) {
    std::ifstream in(dir / "instance.txt");
    if (!in) throw std::runtime_error("no instance in " + dir.string() + " (write one first: --write-instance)");
    Header h;
    for (std::string line; std::getline(in, line);) {
        std::istringstream s(line);
        std::string k, v;
        if (s >> k >> v) h[k] = v;
    }
    return h;
}

double num(const Header& h, const std::string& key) {
    const auto it = h.find(key);
    if (it == h.end()) throw std::runtime_error("instance.txt has no '" + key + "'");
    return std::stod(it->second);
}

void write_instance(const fs::path& dir, const std::string& which, std::uint64_t seed) {
    fs::create_directories(dir);
    World w(seed);
    std::ostringstream h;
    h.precision(17);
    h << "case " << which << "\nseed " << seed << "\nepsg " << utm50n << "\n";
    if (which == "nearest") {
        // Sites first, so that they are the same as the surface case's.
        const auto sites = w.points(1000, 0.6);
        const auto demand = w.points(1'000'000, 0.9);
        write_points(dir / "sites.f64", sites);
        write_points(dir / "demand.f64", demand);
        h << "sites " << sites.size() << "\ndemand " << demand.size() << "\n";
    } else if (which == "surface") {
        const auto sites = w.points(1000, 0.6);
        write_points(dir / "sites.f64", sites);
        // Cells for the error figures, drawn without replacement.
        const std::size_t n = 100'000;
        std::vector<std::int64_t> sample;
        std::vector<bool> taken(static_cast<std::size_t>(side_cells * side_cells), false);
        while (sample.size() < n) {
            const std::int64_t c = w.rng().integer(0, side_cells * side_cells - 1);
            if (!taken[static_cast<std::size_t>(c)]) {
                taken[static_cast<std::size_t>(c)] = true;
                sample.push_back(c);
            }
        }
        write_array(dir / "sample.i64", sample.data(), sample.size());
        h << "sites " << sites.size() << "\nx0 " << x0 << "\ny0 " << y0 << "\ncell " << cell << "\nwidth " << side_cells
          << "\nheight " << side_cells << "\nsample " << sample.size() << "\n";
    } else if (which == "mclp") {
        const auto sites = w.points(1000, 0.6);
        const auto demand = w.points(10'000, 0.9);
        std::vector<double> weight(demand.size());
        for (auto& v : weight) v = std::max(1.0, std::round(w.rng().lognormal(20, 1.0)));  // workers
        write_points(dir / "sites.f64", sites);
        write_points(dir / "demand.f64", demand);
        write_array(dir / "weight.f64", weight.data(), weight.size());
        h << "sites " << sites.size() << "\ndemand " << demand.size() << "\np 50\nradius 3000\n";
    } else {
        throw std::runtime_error("unknown case '" + which + "' (nearest, surface or mclp)");
    }
    std::ofstream(dir / "instance.txt") << h.str();
    std::cerr << "bench_coverage: wrote the " << which << " instance (seed " << seed << ") to " << dir.string() << "\n";
}

// ---------------------------------------------------------------------------
// Timing.

double seconds_of(const std::function<void()>& fn) {
    const auto t0 = std::chrono::steady_clock::now();
    fn();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

std::string fmt(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    return buf;
}

struct Options {
    std::vector<int> threads{1, 2};
    int reps = 5;
    double time_limit = 2.0;
    bool write = true;
};

void run_nearest(const fs::path& dir, const Options& o) {
    const auto sites = read_points(dir / "sites.f64");
    const auto demand = read_points(dir / "demand.f64");
    std::vector<cov::NearestIndex::Hit> hits;
    std::vector<double> build;
    for (int r = 0; r < o.reps; ++r)
        build.push_back(seconds_of([&] {
            const cov::NearestIndex index(sites);
            if (index.size() != sites.size()) std::abort();
        }));
    const cov::NearestIndex index(sites);
    for (int t : o.threads) {
        // The answer's array is allocated in the timed part, as SciPy's is.
        std::vector<double> query;
        for (int r = 0; r < o.reps; ++r) {
            hits = {};
            query.push_back(seconds_of([&] {
                hits.resize(demand.size());
                index.nearest(demand, hits, t);
            }));
        }
        const double b = median(build), q = median(query);
        std::cout << R"({"case":"nearest","tool":"tisheng","threads":)" << t << R"(,"build_s":)" << fmt(b)
                  << R"(,"query_s":)" << fmt(q) << R"(,"total_s":)" << fmt(b + q) << R"(,"reps":)" << o.reps
                  << R"(,"points":)" << demand.size() << R"(,"sites":)" << sites.size() << "}\n"
                  << std::flush;
    }
    std::vector<std::int32_t> site(hits.size());
    for (std::size_t i = 0; i < hits.size(); ++i) site[i] = hits[i].site;
    write_array(dir / "tisheng_nearest.i32", site.data(), site.size());
}

void run_surface(const fs::path& dir, const Options& o) {
    const Header h = read_header(dir);
    const auto sites = read_points(dir / "sites.f64");
    const auto sample = read_array<std::int64_t>(dir / "sample.i64");
    cov::Grid g;
    g.x0 = num(h, "x0");
    g.y0 = num(h, "y0");
    g.cell = num(h, "cell");
    g.width = static_cast<std::int64_t>(num(h, "width"));
    g.height = static_cast<std::int64_t>(num(h, "height"));
    const std::string wkt = tisheng::MetricCrs::from_epsg(static_cast<int>(num(h, "epsg"))).wkt();

    // Exact distance of the sampled cells' centres to the true sites.
    std::vector<double> exact(sample.size());
    for (std::size_t k = 0; k < sample.size(); ++k) {
        const MetricPoint c = g.centre(sample[k] % g.width, sample[k] / g.width);
        double best = INFINITY;
        for (const auto& s : sites) best = std::min(best, (c.x - s.x) * (c.x - s.x) + (c.y - s.y) * (c.y - s.y));
        exact[k] = std::sqrt(best);
    }
    for (int t : o.threads) {
        std::vector<float> surface;
        std::vector<double> compute;
        for (int r = 0; r < o.reps; ++r) {
            surface.clear();
            surface.shrink_to_fit();  // each repetition allocates its raster, as a caller would
            compute.push_back(seconds_of([&] { surface = cov::distance_surface(g, sites, t); }));
        }
        double max_err = 0, sum_err = 0;
        for (std::size_t k = 0; k < sample.size(); ++k) {
            const double e = std::abs(static_cast<double>(surface[static_cast<std::size_t>(sample[k])]) - exact[k]);
            max_err = std::max(max_err, e);
            sum_err += e;
        }
        std::cout << R"({"case":"surface","tool":"tisheng","threads":)" << t << R"(,"compute_s":)" << fmt(median(compute))
                  << R"(,"max_err_m":)" << fmt(max_err) << R"(,"mean_err_m":)" << fmt(sum_err / static_cast<double>(sample.size()))
                  << R"(,"reps":)" << o.reps << R"(,"cells":)" << g.width * g.height << R"(,"sites":)" << sites.size() << "}\n"
                  << std::flush;
        if (!o.write) continue;
        // Compute + write: what `tisheng` does for a distance surface. One
        // run (the file is large); write_geotiff compresses on all cores.
        surface.clear();
        surface.shrink_to_fit();
        const fs::path tif = dir / "tisheng_distance.tif";
        double compute_s = 0, write_s = 0;
        const double total = seconds_of([&] {
            compute_s = seconds_of([&] { surface = cov::distance_surface(g, sites, t); });
            write_s = seconds_of([&] { cov::write_geotiff(tif, g, surface, {}, wkt, "distance to the nearest site (m)"); });
        });
        std::cout << R"({"case":"surface_write","tool":"tisheng","threads":)" << t << R"(,"compute_s":)" << fmt(compute_s)
                  << R"(,"write_s":)" << fmt(write_s) << R"(,"total_s":)" << fmt(total) << R"(,"bytes":)" << fs::file_size(tif)
                  << R"j(,"format":"GTiff Float32, tiled 256, DEFLATE + predictor 3 (NUM_THREADS=ALL_CPUS)"})j" << "\n"
                  << std::flush;
    }
}

void run_mclp(const fs::path& dir, const Options& o) {
    const Header h = read_header(dir);
    const auto sites = read_points(dir / "sites.f64");
    const auto demand = read_points(dir / "demand.f64");
    const auto weight = read_array<double>(dir / "weight.f64");
    const double radius = num(h, "radius");
    const int p = static_cast<int>(num(h, "p"));

    cov::Reach pairs;
    const double reach_s = seconds_of([&] { pairs = cov::reach(demand, sites, radius, 1); });
    tisheng::siting::Problem problem;
    problem.objective = tisheng::siting::Objective::max_cover;
    problem.weight = weight;
    problem.p = p;
    problem.candidates.resize(sites.size());
    problem.covers.resize(sites.size());
    for (std::size_t j = 0; j < sites.size(); ++j) {
        problem.candidates[j].id = std::to_string(j);  // the row of sites.f64
        problem.covers[j].assign(pairs.demand.begin() + pairs.offset[j], pairs.demand.begin() + pairs.offset[j + 1]);
    }
    const double total_weight = std::accumulate(weight.begin(), weight.end(), 0.0);
    std::vector<bool> coverable(demand.size(), false);
    for (std::uint32_t i : pairs.demand) coverable[i] = true;
    double coverable_weight = 0;
    for (std::size_t i = 0; i < demand.size(); ++i)
        if (coverable[i]) coverable_weight += weight[i];

    tisheng::siting::HeuristicOptions ho;
    ho.time_limit_s = o.time_limit;
    ho.threads = 1;
    tisheng::siting::Solution sol;
    const double solve_s = seconds_of([&] { sol = tisheng::siting::solve_heuristic(problem, ho); });
    std::vector<std::uint32_t> open;
    for (const auto& c : sol.chosen) open.push_back(c.candidate);
    std::sort(open.begin(), open.end());
    std::cout << R"({"case":"mclp","tool":"tisheng","threads":1,"reach_s":)" << fmt(reach_s) << R"(,"solve_s":)" << fmt(solve_s)
              << R"(,"objective":)" << fmt(sol.objective) << R"(,"evaluated":)" << fmt(tisheng::siting::evaluate(problem, open))
              << R"(,"open":)" << open.size() << R"(,"pairs":)" << pairs.demand.size() << R"(,"total_weight":)" << fmt(total_weight)
              << R"(,"coverable_weight":)" << fmt(coverable_weight) << R"(,"time_limit_s":)" << fmt(o.time_limit) << "}\n"
              << std::flush;
}

std::vector<int> parse_threads(const std::string& s) {
    std::vector<int> out;
    std::stringstream in(s);
    for (std::string item; std::getline(in, item, ',');)
        if (!item.empty()) out.push_back(std::stoi(item));
    if (out.empty() || *std::min_element(out.begin(), out.end()) < 1) throw std::runtime_error("--threads: expected 1,2,...");
    return out;
}

int usage() {
    std::cerr << "usage: tisheng_bench_coverage --write-instance DIR --case nearest|surface|mclp [--seed S]\n"
                 "       tisheng_bench_coverage --instance DIR --case nearest|surface|mclp [--threads 1,2] [--reps N]\n"
                 "                              [--time-limit S (mclp heuristic, default 2)] [--no-write (surface)]\n";
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    std::string write_dir, instance, which;
    std::uint64_t seed = 20261121;
    Options o;
    bool reps_given = false;
    try {
        for (std::size_t i = 0; i < args.size(); ++i) {
            const std::string& a = args[i];
            auto value = [&]() -> const std::string& {
                if (i + 1 >= args.size()) throw std::runtime_error(a + " needs a value");
                return args[++i];
            };
            if (a == "--write-instance") write_dir = value();
            else if (a == "--instance") instance = value();
            else if (a == "--case") which = value();
            else if (a == "--seed") seed = std::stoull(value());
            else if (a == "--threads") o.threads = parse_threads(value());
            else if (a == "--reps") o.reps = std::max(1, std::stoi(value())), reps_given = true;
            else if (a == "--time-limit") o.time_limit = std::stod(value());
            else if (a == "--no-write") o.write = false;
            else if (a == "-h" || a == "--help") return usage(), 0;
            else throw std::runtime_error("unknown argument '" + a + "'");
        }
        if (which.empty() || write_dir.empty() == instance.empty()) return usage();
        if (!write_dir.empty()) {
            write_instance(write_dir, which, seed);
            return 0;
        }
        if (read_header(instance).at("case") != which)
            throw std::runtime_error(instance + " holds a '" + read_header(instance).at("case") + "' instance, not '" + which + "'");
        if (which == "nearest") run_nearest(instance, o);
        else if (which == "surface") {
            if (!reps_given) o.reps = 3;
            run_surface(instance, o);
        } else if (which == "mclp") run_mclp(instance, o);
        else return usage();
    } catch (const std::exception& e) {
        std::cerr << "bench_coverage: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
