// Coverage and accessibility: who is within reach of an open station or base.
//
// - NearestIndex: nearest site of many points (a grid whose cells each keep
//   the few sites that can be nearest anywhere in the cell).
// - Reach: the (demand, site) pairs within a radius, from Euclidean
//   distances or from an origin-destination cost matrix.
// - ReachTracker: worker-weighted shares within several radii, by unit, by
//   industry and city-wide, updated site by site (open / close) and demand
//   point by demand point, never recomputed from scratch.
// - 2SFCA and enhanced 2SFCA accessibility (classic, step, linear, Gaussian).
// - Distance and accessibility surfaces written as GeoTIFF.
//
// Distances are metres in the region's metric CRS unless a cost matrix is
// given, whose unit (minutes or metres) then applies to every radius.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "tisheng/geo/geo.hpp"

namespace tisheng {
class Region;
}

namespace tisheng::coverage {

inline constexpr double unreachable = std::numeric_limits<double>::infinity();

/// Nearest of a fixed set of sites, Euclidean. Cheap to build (rebuild it
/// when the open set changes a lot; ReachTracker handles single toggles).
class NearestIndex {
public:
    explicit NearestIndex(std::span<const MetricPoint> sites);
    struct Hit {
        std::int32_t site = -1;  ///< -1: no sites
        double distance = unreachable;
    };
    [[nodiscard]] Hit nearest(MetricPoint p) const;
    /// out[i] = nearest(points[i]); splits the points over `threads` threads.
    void nearest(std::span<const MetricPoint> points, std::span<Hit> out, int threads = 1) const;
    /// Sites that can be the nearest for some point of `box` (a superset of
    /// the true set, usually a handful). Used by the distance surface.
    void candidates(const Box& box, std::vector<std::uint32_t>& out) const;
    [[nodiscard]] std::size_t size() const { return m_sites.size(); }

private:
    std::vector<MetricPoint> m_sites;
    Box m_box{};
    double m_cell = 1;
    std::int64_t m_nx = 0, m_ny = 0;
    std::vector<std::uint32_t> m_start;  // CSR offsets per cell
    std::vector<std::uint32_t> m_list;   // site indices
    void cell_candidates(const Box& cell, const std::vector<std::uint32_t>& from, std::vector<std::uint32_t>& out) const;
};

/// Site-major pairs within a radius: for site j, demand[offset[j] ..
/// offset[j+1]) with cost[...] (metres or the matrix's unit), by demand index.
struct Reach {
    std::vector<std::uint32_t> offset;  ///< sites + 1
    std::vector<std::uint32_t> demand;
    std::vector<float> cost;
    [[nodiscard]] std::size_t sites() const { return offset.empty() ? 0 : offset.size() - 1; }
};

/// Pairs with Euclidean distance <= radius (exact), over `threads` threads.
/// `cancel`, polled for every site: set, it throws Cancelled.
Reach reach(std::span<const MetricPoint> demand, std::span<const MetricPoint> sites, double radius, int threads = 1,
            const std::atomic<bool>* cancel = nullptr);

/// An origin-destination cost matrix from a routing service: CSV with
/// columns origin_id, destination_id, cost (header names configurable).
/// Pairs not listed are unreachable.
struct CostMatrix {
    std::string unit;  ///< "minutes" or "metres"
    std::vector<std::string> origins, destinations;
    std::vector<std::uint32_t> origin, destination;  ///< pair i: indices into origins / destinations
    std::vector<float> cost;
    friend bool operator==(const CostMatrix&, const CostMatrix&) = default;

    /// Reads `path`; every id must be in `origin_ids` (demand) or
    /// `destination_ids` (sites), every cost finite and >= 0. Errors name
    /// the file, line and column.
    static CostMatrix read(const std::filesystem::path& path, const std::string& unit,
                           const std::vector<std::string>& origin_ids, const std::vector<std::string>& destination_ids);
    /// The pairs with cost <= radius, in the layout of `reach`.
    [[nodiscard]] Reach reach(double radius) const;
};

/// The (demand, site) pairs within the largest of several ascending radii,
/// each tagged with the smallest radius that holds it. Prepared once, shared
/// by trackers. Two layouts:
/// - Euclidean: the demand points sit in a grid of cells a quarter of the
///   largest radius wide (only the occupied cells are kept). Each site keeps
///   the runs of slots its disc reaches, one per row of cells (at most 16),
///   and its pairs are found in them when it is asked for. Memory is linear
///   in the points and sites, not in the pairs (a city x100 has ~10^9 pairs
///   within 5 km). While the pairs are few (keep_at_most), they are found
///   once and kept, in the same order.
/// - Listed (a cost matrix, or a prepared Reach): kept as given.
/// Either way the classes are those of the float costs of `reach`, bit for
/// bit. Listed pairs come in ascending demand order, Euclidean ones in grid
/// order: a tracker's sums are the same either way when the weights are
/// whole numbers (workers), as additions of integers below 2^53 are exact.
class RadiusPairs {
public:
    /// Listed pairs, built at the largest radius.
    RadiusPairs(Reach pairs, std::vector<double> radii);
    /// Euclidean pairs. With `site_industry` (per site, -1 = any) and
    /// `demand_industry`, a site reaches only demand of its own industry.
    /// The pairs are kept once found while they number at most
    /// `keep_at_most` (default 5 M, 40 MB): a city's toggles then read a
    /// list, and memory stays bounded.
    RadiusPairs(std::vector<MetricPoint> demand, std::vector<MetricPoint> sites, std::vector<double> radii,
                std::vector<std::int32_t> site_industry = {}, std::vector<std::uint32_t> demand_industry = {},
                std::size_t keep_at_most = 5'000'000);
    /// One pair: a demand point's slot and its radius class (the index of
    /// the smallest radius >= its cost).
    struct Pair {
        std::uint32_t slot;
        std::uint8_t radius;
    };
    /// Site j's pairs within the largest radius into `out` (cleared first).
    void pairs_of(std::uint32_t site, std::vector<Pair>& out) const;
    /// Demand point i's slot: its place in the order of the pairs' storage
    /// (grid cells for Euclidean pairs, the demand's own order for listed
    /// ones). A site's pairs then lie in a few runs of nearby slots, so a
    /// tracker that keeps its per-point state by slot reads it from a few
    /// runs of memory instead of all over it.
    [[nodiscard]] std::uint32_t slot(std::uint32_t demand) const { return m_listed ? demand : m_slot[demand]; }
    [[gnu::always_inline]] void prefetch_slot(std::uint32_t demand) const {
        if (!m_listed) __builtin_prefetch(&m_slot[demand]);
    }
    [[nodiscard]] std::size_t sites() const { return m_listed ? m_offset.size() - 1 : m_sites.size(); }
    /// A key that orders sites by where their pairs lie: the grid cell of a
    /// Euclidean site, the first demand point of a listed one.
    [[nodiscard]] std::uint64_t site_order(std::uint32_t site) const { return m_site_order[site]; }
    [[nodiscard]] const std::vector<double>& radii() const { return m_radii; }

private:
    friend class ReachTracker;
    template <class Ahead, class OnPair>
    void visit(std::uint32_t site, Ahead&& ahead, OnPair&& pair) const;  // coverage.cpp
    template <class Ahead, class OnPair>
    void scan(std::uint32_t site, Ahead&& ahead, OnPair&& pair) const;  // the grid, for one site
    struct Run {
        std::uint32_t from, to;  // slots [from, to)
    };
    static constexpr std::size_t max_runs = 16;  // a site's, one per row of cells
    void find_runs(std::uint32_t site, std::vector<Run>& out) const;
    void order_sites();
    [[nodiscard]] std::int64_t cell_column(double x) const;
    [[nodiscard]] std::int64_t cell_row(double y) const;
    void keep_pairs_if_few(std::size_t keep_at_most);
    std::vector<double> m_radii;
    [[nodiscard]] std::uint8_t radius_class(float cost) const;
    // Listed.
    bool m_listed = false;
    std::vector<std::uint32_t> m_offset, m_demand;
    std::vector<std::uint8_t> m_first;
    // Euclidean: the demand points by grid cell, row by row, each cell's in demand order.
    std::vector<MetricPoint> m_points, m_sites;  // m_points[m_slot[i]] is demand point i
    std::vector<double> m_d2_max;                // per radius: the largest squared distance of its class
    std::vector<std::int32_t> m_site_industry;
    std::vector<std::uint32_t> m_demand_industry;  // by slot
    Box m_box{};
    double m_cell = 1;
    std::int64_t m_nx = 0, m_ny = 0;
    std::vector<std::uint32_t> m_row_first;   // per row of cells: its first occupied cell (CSR)
    std::vector<std::int32_t> m_cell_x;       // per occupied cell: its column
    std::vector<std::uint32_t> m_cell_start;  // per occupied cell: its first point (and a last entry: the count)
    std::vector<std::uint32_t> m_slot;        // per demand point: its place in m_points
    std::vector<std::uint32_t> m_run_first;   // per site: its first run (CSR), while the pairs are not kept
    std::vector<Run> m_runs;
    std::vector<std::uint64_t> m_site_order;  // per site: site_order()
    std::vector<std::uint32_t> m_kept_first;  // per site: its first kept pair (CSR), when kept
    std::vector<Pair> m_kept;
};

/// Shares of demand within reach, updated incrementally. Demand point i has
/// a weight, a unit and an industry. Opening site j adds its pairs, closing
/// removes them: O(pairs of j x radii). A point counts as covered at radius
/// r when some open site reaches it at cost <= r.
class ReachTracker {
public:
    ReachTracker(std::shared_ptr<const RadiusPairs> pairs, std::vector<double> weight, std::vector<std::uint32_t> unit,
                 std::size_t units, std::vector<std::uint32_t> industry = {}, std::size_t industries = 0);
    /// `pairs` must be built at the largest radius.
    ReachTracker(Reach pairs, std::vector<double> radii, std::vector<double> weight, std::vector<std::uint32_t> unit,
                 std::size_t units, std::vector<std::uint32_t> industry = {}, std::size_t industries = 0);

    void open(std::uint32_t site);
    void close(std::uint32_t site);
    [[nodiscard]] bool is_open(std::uint32_t site) const { return (m_site[site] & site_open) != 0; }
    /// Deferred opening and closing: is_open changes at once, the covered
    /// sums at the next apply_marked(). That applies the net changes in the
    /// grid order of the sites, so that neighbouring discs find their points
    /// still in the cache, and a site opened and closed in between costs
    /// nothing. The sums are the same as with open / close in the order
    /// marked, bit for bit, when the weights are whole numbers (additions of
    /// integers below 2^53 are exact in any order). Read no share, and call
    /// no open / close, while marks are pending.
    void mark(std::uint32_t site, bool open);
    void apply_marked();
    /// Changes a demand point's weight (workers arrive or leave).
    void set_weight(std::uint32_t demand, double weight);
    [[nodiscard]] double weight(std::uint32_t demand) const { return m_point[m_pairs->slot(demand)].weight; }
    /// Hints that `set_weight(demand, ...)` comes soon (cache prefetches), in
    /// two steps some work apart: first 1 (the point's slot), then 2 (its
    /// state, found through the slot). Always inlined: GCC takes a function
    /// that only prefetches for one without effects, and drops the call.
    [[gnu::always_inline]] void prefetch(std::uint32_t demand, int step) const {
        if (step == 1) {
            m_pairs->prefetch_slot(demand);
            return;
        }
        const std::uint32_t i = m_pairs->slot(demand);
        __builtin_prefetch(&m_point[i]);
        __builtin_prefetch(&m_count[i * m_radii]);
    }

    [[nodiscard]] std::size_t radii() const { return m_radii; }
    [[nodiscard]] double radius(std::size_t k) const { return m_pairs->radii()[k]; }
    /// Covered weight at radius k: city-wide, in a unit, in an industry.
    [[nodiscard]] double covered(std::size_t k) const { return m_all[k]; }
    [[nodiscard]] double covered_in_unit(std::size_t k, std::uint32_t unit) const { return m_by_unit[unit * m_radii + k]; }
    [[nodiscard]] double covered_in_industry(std::size_t k, std::uint32_t ind) const { return m_by_industry[ind * m_radii + k]; }
    [[nodiscard]] double total() const { return m_total; }
    [[nodiscard]] double total_in_unit(std::uint32_t unit) const { return m_unit_total[unit]; }
    [[nodiscard]] double total_in_industry(std::uint32_t ind) const { return m_industry_total[ind]; }
    /// Shares (0..1; 1 when there is no demand).
    [[nodiscard]] double share(std::size_t k) const { return m_total > 0 ? m_all[k] / m_total : 1.0; }
    [[nodiscard]] double share_in_unit(std::size_t k, std::uint32_t unit) const;
    [[nodiscard]] double share_in_industry(std::size_t k, std::uint32_t ind) const;

private:
    void add(std::uint32_t slot, std::size_t k, double w);
    [[nodiscard]] std::size_t smallest_class(std::uint32_t slot) const;
    void toggle(std::uint32_t site, int sign);  // counts a site in (+1) or out (-1)
    std::shared_ptr<const RadiusPairs> m_pairs;
    std::size_t m_radii = 0;
    // Per demand point, by its slot (RadiusPairs::slot).
    struct Point {
        double weight = 0;
        std::uint32_t unit = 0, industry = 0;
    };
    std::vector<Point> m_point;
    bool m_industries = false;  // whether points have industries
    std::vector<std::uint32_t> m_count;  // [slot * radii + k]: open sites whose radius class for the point is k
    // Per site: open (what is_open says), applied (what the sums count), marked (in m_marked).
    enum : std::uint8_t { site_open = 1, site_applied = 2, site_marked = 4 };
    std::vector<std::uint8_t> m_site;
    std::vector<std::uint32_t> m_marked;
    std::vector<double> m_all, m_by_unit, m_by_industry, m_unit_total, m_industry_total;
    double m_total = 0;
};

/// Distance decay of (enhanced) 2SFCA within the catchment.
enum class Decay {
    none,      ///< classic 2SFCA: weight 1 inside the catchment
    step,      ///< E2SFCA: 1.0, 0.68, 0.22 in the three thirds of the catchment (Luo & Qi 2009)
    linear,    ///< 1 - d / catchment
    gaussian,  ///< exp(-d²/β) rescaled to reach 0 at the catchment (Dai 2010)
};
std::string_view to_string(Decay d);
double decay_weight(Decay d, double cost, double catchment);

/// Step 1: each site's supply-to-demand ratio R_j = S_j / Σ_i W(d_ij) D_i
/// over the demand inside its catchment (0 where no demand is reached).
/// Step 2: A_i = Σ_j W(d_ij) R_j. `pairs` must be built at the catchment.
std::vector<double> site_ratios(const Reach& pairs, std::span<const double> supply, std::span<const double> demand,
                                Decay decay, double catchment);
std::vector<double> accessibility(const Reach& pairs, std::span<const double> ratios, std::size_t demand_points,
                                  Decay decay, double catchment);

/// A north-up raster over a box: cell (col, row) has its centre at
/// (x0 + (col + 0.5) cell, y0 - (row + 0.5) cell); row 0 is the top.
struct Grid {
    double x0 = 0, y0 = 0;  ///< top-left corner
    double cell = 100;
    std::int64_t width = 0, height = 0;
    [[nodiscard]] MetricPoint centre(std::int64_t col, std::int64_t row) const {
        return {x0 + (static_cast<double>(col) + 0.5) * cell, y0 - (static_cast<double>(row) + 0.5) * cell};
    }
};

/// The region's metric extent at `cell` metres. Throws InputError naming
/// `field` if the raster would exceed `max_cells` (says how large it would be).
Grid region_grid(const Region& region, double cell, const std::string& field, std::int64_t max_cells = 400'000'000);
/// 1 inside some unit of the region, 0 outside (cell centres).
std::vector<std::uint8_t> region_mask(const Region& region, const Grid& grid);

/// Exact Euclidean distance from each cell centre to the nearest site,
/// row-major; `unreachable` if there are no sites.
std::vector<float> distance_surface(const Grid& grid, std::span<const MetricPoint> sites, int threads = 1);
/// 2SFCA accessibility at each cell centre (step 2 with cells as demand).
std::vector<float> access_surface(const Grid& grid, std::span<const MetricPoint> sites, std::span<const double> ratios,
                                  Decay decay, double catchment, int threads = 1);

/// Writes a one-band Float32 GeoTIFF (tiled 256, DEFLATE level 1 with the
/// floating point predictor), cells where mask == 0 set to nodata (-9999), with the
/// CRS given as WKT. Atomic: a temporary file, then a rename.
void write_geotiff(const std::filesystem::path& path, const Grid& grid, const std::vector<float>& values,
                   const std::vector<std::uint8_t>& mask, const std::string& crs_wkt, const std::string& description);

}  // namespace tisheng::coverage
