#include "tisheng/coverage/coverage.hpp"

#include <algorithm>
#include <bit>
#include <cassert>
#include <charconv>
#include <cmath>
#include <unordered_map>

#include "core/detail/cancel.hpp"
#include "core/detail/parallel.hpp"
#include "tisheng/core/error.hpp"
#include "tisheng/core/text.hpp"
#include "tisheng/core/files.hpp"

namespace tisheng::coverage {

namespace {

double sq(double v) { return v * v; }

// Squared distance from p to the nearest / farthest point of a box.
double min_dist2(MetricPoint p, const Box& b) {
    const double dx = std::max({b.min_x - p.x, 0.0, p.x - b.max_x});
    const double dy = std::max({b.min_y - p.y, 0.0, p.y - b.max_y});
    return dx * dx + dy * dy;
}
double max_dist2(MetricPoint p, const Box& b) {
    return sq(std::max(p.x - b.min_x, b.max_x - p.x)) + sq(std::max(p.y - b.min_y, b.max_y - p.y));
}

// Costs are kept as float, rounded down: a cost <= r then stays <= r for any
// radius r (rounding to nearest lifts 700.2 m or 7.3 minutes above themselves,
// dropping a pair exactly at the radius).
float cost_float(double c) {
    const auto f = static_cast<float>(c);
    return static_cast<double>(f) > c ? std::nextafter(f, 0.0f) : f;
}

Box bounding_box(std::span<const MetricPoint> pts) {
    Box b{unreachable, unreachable, -unreachable, -unreachable};
    for (const auto& p : pts) {
        b.min_x = std::min(b.min_x, p.x);
        b.min_y = std::min(b.min_y, p.y);
        b.max_x = std::max(b.max_x, p.x);
        b.max_y = std::max(b.max_y, p.y);
    }
    return b;
}

}  // namespace

// ---------------------------------------------------------------------------
// NearestIndex: a square grid of 2^L x 2^L cells over the sites' extent,
// filled top-down (a quadtree walk) so each cell's list is filtered from its
// parent's. A site can be nearest to some point of a box only if its
// distance to the box is at most the smallest farthest-distance of any site.

NearestIndex::NearestIndex(std::span<const MetricPoint> sites) : m_sites(sites.begin(), sites.end()) {
    if (m_sites.empty()) return;
    const Box b = bounding_box(m_sites);
    const double side = std::max({b.max_x - b.min_x, b.max_y - b.min_y, 1.0});
    int levels = 0;  // about four cells per site, at most 1024 x 1024
    while (levels < 10 && (std::int64_t{1} << (2 * levels)) < 4 * static_cast<std::int64_t>(m_sites.size())) ++levels;
    m_nx = m_ny = std::int64_t{1} << levels;
    m_cell = side / static_cast<double>(m_nx);
    m_box = {b.min_x, b.min_y, b.min_x + side, b.min_y + side};

    std::vector<std::vector<std::uint32_t>> cells(static_cast<std::size_t>(m_nx * m_ny));
    std::vector<std::uint32_t> all(m_sites.size());
    for (std::uint32_t i = 0; i < all.size(); ++i) all[i] = i;
    // Depth-first over the quadtree; a node at `level` spans 2^(levels-level) cells.
    auto walk = [&](auto&& self, int level, std::int64_t ix, std::int64_t iy, const std::vector<std::uint32_t>& from) -> void {
        const std::int64_t span = std::int64_t{1} << (levels - level);
        const Box box{m_box.min_x + static_cast<double>(ix) * m_cell, m_box.min_y + static_cast<double>(iy) * m_cell,
                      m_box.min_x + static_cast<double>(ix + span) * m_cell, m_box.min_y + static_cast<double>(iy + span) * m_cell};
        std::vector<std::uint32_t> keep;
        cell_candidates(box, from, keep);
        if (level == levels) {
            cells[static_cast<std::size_t>(iy * m_nx + ix)] = std::move(keep);
            return;
        }
        const std::int64_t half = span / 2;
        for (int q = 0; q < 4; ++q) self(self, level + 1, ix + (q & 1) * half, iy + (q >> 1) * half, keep);
    };
    walk(walk, 0, 0, 0, all);

    m_start.assign(cells.size() + 1, 0);
    for (std::size_t c = 0; c < cells.size(); ++c) m_start[c + 1] = m_start[c] + static_cast<std::uint32_t>(cells[c].size());
    m_list.reserve(m_start.back());
    for (const auto& c : cells) m_list.insert(m_list.end(), c.begin(), c.end());
}

void NearestIndex::cell_candidates(const Box& box, const std::vector<std::uint32_t>& from,
                                   std::vector<std::uint32_t>& out) const {
    double bound = unreachable;
    for (std::uint32_t s : from) bound = std::min(bound, max_dist2(m_sites[s], box));
    out.clear();
    for (std::uint32_t s : from)
        if (min_dist2(m_sites[s], box) <= bound) out.push_back(s);
}

void NearestIndex::candidates(const Box& box, std::vector<std::uint32_t>& out) const {
    out.clear();
    if (m_sites.empty()) return;
    auto col = [&](double x) { return std::clamp<std::int64_t>(static_cast<std::int64_t>(std::floor((x - m_box.min_x) / m_cell)), 0, m_nx - 1); };
    auto row = [&](double y) { return std::clamp<std::int64_t>(static_cast<std::int64_t>(std::floor((y - m_box.min_y) / m_cell)), 0, m_ny - 1); };
    const bool inside = box.min_x >= m_box.min_x && box.max_x <= m_box.max_x && box.min_y >= m_box.min_y && box.max_y <= m_box.max_y;
    std::vector<std::uint32_t> from;
    if (inside) {
        // The union of the covered cells' lists holds every possible nearest site.
        for (std::int64_t r = row(box.min_y); r <= row(box.max_y); ++r)
            for (std::int64_t c = col(box.min_x); c <= col(box.max_x); ++c) {
                const auto cell = static_cast<std::size_t>(r * m_nx + c);
                from.insert(from.end(), m_list.begin() + m_start[cell], m_list.begin() + m_start[cell + 1]);
            }
        std::sort(from.begin(), from.end());
        from.erase(std::unique(from.begin(), from.end()), from.end());
    } else {
        from.resize(m_sites.size());
        for (std::uint32_t i = 0; i < from.size(); ++i) from[i] = i;
    }
    cell_candidates(box, from, out);
}

NearestIndex::Hit NearestIndex::nearest(MetricPoint p) const {
    Hit hit;
    if (m_sites.empty()) return hit;
    double best = unreachable;
    auto consider = [&](std::uint32_t s) {
        const double d2 = sq(m_sites[s].x - p.x) + sq(m_sites[s].y - p.y);
        if (d2 < best || (d2 == best && static_cast<std::int32_t>(s) < hit.site)) {
            best = d2;
            hit.site = static_cast<std::int32_t>(s);
        }
    };
    const double fx = (p.x - m_box.min_x) / m_cell, fy = (p.y - m_box.min_y) / m_cell;
    if (fx >= 0 && fy >= 0 && fx < static_cast<double>(m_nx) && fy < static_cast<double>(m_ny)) {
        const auto cell = static_cast<std::size_t>(static_cast<std::int64_t>(fy) * m_nx + static_cast<std::int64_t>(fx));
        for (std::uint32_t k = m_start[cell]; k < m_start[cell + 1]; ++k) consider(m_list[k]);
    } else {
        for (std::uint32_t s = 0; s < m_sites.size(); ++s) consider(s);
    }
    hit.distance = std::sqrt(best);
    return hit;
}

void NearestIndex::nearest(std::span<const MetricPoint> points, std::span<Hit> out, int threads) const {
    assert(out.size() == points.size());
    detail::parallel_chunks(points.size(), threads, [&](std::size_t begin, std::size_t end) {
        for (std::size_t i = begin; i < end; ++i) out[i] = nearest(points[i]);
    }, 16384);
}

// ---------------------------------------------------------------------------
// Reach: demand points bucketed in a grid of cells at least `radius` wide;
// each site scans the cells its disc touches.

Reach reach(std::span<const MetricPoint> demand, std::span<const MetricPoint> sites, double radius, int threads,
            const std::atomic<bool>* cancel) {
    Reach out;
    out.offset.assign(sites.size() + 1, 0);
    if (demand.empty() || sites.empty() || !(radius >= 0)) return out;
    const Box b = bounding_box(demand);
    const double extent = std::max(b.max_x - b.min_x, b.max_y - b.min_y);
    const double cell = std::max({radius, extent / 2048.0, 1e-6});
    const auto nx = static_cast<std::int64_t>((b.max_x - b.min_x) / cell) + 1;
    const auto ny = static_cast<std::int64_t>((b.max_y - b.min_y) / cell) + 1;
    auto cx = [&](double x) { return static_cast<std::int64_t>((x - b.min_x) / cell); };
    auto cy = [&](double y) { return static_cast<std::int64_t>((y - b.min_y) / cell); };
    // Counting sort of demand indices by cell; within a cell they ascend.
    std::vector<std::uint32_t> start(static_cast<std::size_t>(nx * ny + 1), 0), order(demand.size());
    for (const auto& p : demand) ++start[static_cast<std::size_t>(cy(p.y) * nx + cx(p.x)) + 1];
    for (std::size_t c = 1; c < start.size(); ++c) start[c] += start[c - 1];
    {
        std::vector<std::uint32_t> fill(start.begin(), start.end() - 1);
        for (std::uint32_t i = 0; i < demand.size(); ++i) order[fill[static_cast<std::size_t>(cy(demand[i].y) * nx + cx(demand[i].x))]++] = i;
    }
    const double r2 = radius * radius;
    std::vector<std::vector<std::pair<std::uint32_t, float>>> per_site(sites.size());
    detail::parallel_chunks(sites.size(), threads, [&](std::size_t begin, std::size_t end) {
        for (std::size_t j = begin; j < end; ++j) {
            if (detail::cancelled(cancel)) return;
            const MetricPoint s = sites[j];
            auto& list = per_site[j];
            if (s.x + radius < b.min_x || s.y + radius < b.min_y) continue;
            const std::int64_t x0 = std::max<std::int64_t>(0, cx(s.x - radius)), x1 = std::min(nx - 1, cx(s.x + radius));
            const std::int64_t y0 = std::max<std::int64_t>(0, cy(s.y - radius)), y1 = std::min(ny - 1, cy(s.y + radius));
            for (std::int64_t y = y0; y <= y1; ++y)
                for (std::int64_t x = x0; x <= x1; ++x) {
                    const auto c = static_cast<std::size_t>(y * nx + x);
                    for (std::uint32_t k = start[c]; k < start[c + 1]; ++k) {
                        const MetricPoint p = demand[order[k]];
                        const double d2 = sq(p.x - s.x) + sq(p.y - s.y);
                        if (d2 <= r2) list.emplace_back(order[k], cost_float(std::sqrt(d2)));
                    }
                }
            std::sort(list.begin(), list.end());
        }
    }, 64);
    detail::throw_if_cancelled(cancel);
    for (std::size_t j = 0; j < sites.size(); ++j) out.offset[j + 1] = out.offset[j] + static_cast<std::uint32_t>(per_site[j].size());
    out.demand.reserve(out.offset.back());
    out.cost.reserve(out.offset.back());
    for (auto& list : per_site) {
        for (auto [i, d] : list) {
            out.demand.push_back(i);
            out.cost.push_back(d);
        }
        std::vector<std::pair<std::uint32_t, float>>().swap(list);
    }
    return out;
}

// ---------------------------------------------------------------------------
// Cost matrix


CostMatrix CostMatrix::read(const std::filesystem::path& path, const std::string& unit,
                            const std::vector<std::string>& origin_ids, const std::vector<std::string>& destination_ids) {
    CostMatrix m;
    m.unit = unit;
    m.origins = origin_ids;
    m.destinations = destination_ids;
    std::unordered_map<std::string_view, std::uint32_t> origin_at, destination_at;
    for (std::uint32_t i = 0; i < origin_ids.size(); ++i) origin_at.emplace(origin_ids[i], i);
    for (std::uint32_t i = 0; i < destination_ids.size(); ++i) destination_at.emplace(destination_ids[i], i);

    const std::string text = read_file(path);
    Diagnostics diag;
    auto where = [&](int line, int column, const std::string& field) {
        return Location{path.string(), line, column, {}, field};
    };
    std::size_t pos = 0;
    int line_no = 0;
    int col_origin = -1, col_destination = -1, col_cost = -1;
    std::size_t columns = 0;
    while (pos < text.size() && diag.error_count() < 20) {
        std::size_t eol = text.find('\n', pos);
        if (eol == std::string::npos) eol = text.size();
        std::string_view line(text.data() + pos, eol - pos);
        pos = eol + 1;
        ++line_no;
        if (line_no == 1 && line.starts_with("\xEF\xBB\xBF")) line.remove_prefix(3);  // UTF-8 BOM
        if (trim(line).empty()) continue;
        std::vector<std::string> f;
        if (!split_csv(line, f)) {
            diag.error(where(line_no, 1, {}), "unterminated quote");
            continue;
        }
        if (col_origin < 0) {  // the header
            for (std::size_t c = 0; c < f.size(); ++c) {
                if (f[c] == "origin_id" || f[c] == "origin") col_origin = static_cast<int>(c);
                if (f[c] == "destination_id" || f[c] == "destination") col_destination = static_cast<int>(c);
                if (f[c] == "cost" || f[c] == unit) col_cost = static_cast<int>(c);
            }
            if (col_origin < 0 || col_destination < 0 || col_cost < 0)
                throw InputError(where(line_no, 1, "header"),
                                 "expected the columns origin_id, destination_id and cost (or '" + unit + "'), found '" +
                                     std::string(line) + "'");
            columns = f.size();
            continue;
        }
        if (f.size() != columns) {
            diag.error(where(line_no, 1, {}), "expected " + std::to_string(columns) + " fields, found " + std::to_string(f.size()));
            continue;
        }
        const auto o = origin_at.find(f[static_cast<std::size_t>(col_origin)]);
        const auto d = destination_at.find(f[static_cast<std::size_t>(col_destination)]);
        if (o == origin_at.end())
            diag.error(where(line_no, col_origin + 1, "origin_id"),
                       "unknown origin '" + std::string(f[static_cast<std::size_t>(col_origin)]) + "': expected the id of a demand point");
        if (d == destination_at.end())
            diag.error(where(line_no, col_destination + 1, "destination_id"),
                       "unknown destination '" + std::string(f[static_cast<std::size_t>(col_destination)]) + "': expected the id of a site");
        const std::string_view cs = f[static_cast<std::size_t>(col_cost)];
        double cost = 0;
        const auto [ptr, ec] = std::from_chars(cs.data(), cs.data() + cs.size(), cost);
        if (ec != std::errc() || ptr != cs.data() + cs.size() || !std::isfinite(cost) || cost < 0) {
            diag.error(where(line_no, col_cost + 1, "cost"),
                       "expected a finite cost >= 0 (" + unit + "), found '" + std::string(cs) + "'");
            continue;
        }
        if (o == origin_at.end() || d == destination_at.end()) continue;
        m.origin.push_back(o->second);
        m.destination.push_back(d->second);
        m.cost.push_back(cost_float(cost));
    }
    if (col_origin < 0) throw InputError(where(1, 1, "header"), "the cost matrix is empty: expected a header and one row per pair");
    diag.throw_if_errors();
    return m;
}

Reach CostMatrix::reach(double radius) const {
    Reach out;
    out.offset.assign(destinations.size() + 1, 0);
    std::vector<std::uint32_t> keep;
    for (std::uint32_t k = 0; k < cost.size(); ++k)
        if (cost[k] <= radius) keep.push_back(k);
    // Site-major, by demand index within a site; a pair listed twice keeps its lowest cost.
    std::sort(keep.begin(), keep.end(), [&](std::uint32_t a, std::uint32_t b) {
        return std::tie(destination[a], origin[a], cost[a]) < std::tie(destination[b], origin[b], cost[b]);
    });
    for (std::size_t n = 0; n < keep.size(); ++n) {
        const std::uint32_t k = keep[n];
        if (n > 0 && destination[keep[n - 1]] == destination[k] && origin[keep[n - 1]] == origin[k]) continue;
        out.demand.push_back(origin[k]);
        out.cost.push_back(cost[k]);
        ++out.offset[destination[k] + 1];
    }
    for (std::size_t j = 1; j < out.offset.size(); ++j) out.offset[j] += out.offset[j - 1];
    return out;
}

// ---------------------------------------------------------------------------
// ReachTracker

namespace {
void check_radii(const std::vector<double>& radii) {
    if (radii.empty() || radii.size() > 254 || !std::is_sorted(radii.begin(), radii.end()))
        throw Error("coverage: expected 1 to 254 radii in ascending order");
}
}  // namespace

std::uint8_t RadiusPairs::radius_class(float cost) const {
    return static_cast<std::uint8_t>(std::lower_bound(m_radii.begin(), m_radii.end(), static_cast<double>(cost)) - m_radii.begin());
}

RadiusPairs::RadiusPairs(Reach pairs, std::vector<double> radii)
    : m_radii(std::move(radii)), m_listed(true), m_offset(std::move(pairs.offset)), m_demand(std::move(pairs.demand)) {
    check_radii(m_radii);
    if (m_offset.empty()) m_offset.push_back(0);
    m_first.resize(pairs.cost.size());
    for (std::size_t p = 0; p < pairs.cost.size(); ++p) m_first[p] = radius_class(pairs.cost[p]);
    order_sites();
}

RadiusPairs::RadiusPairs(std::vector<MetricPoint> demand, std::vector<MetricPoint> sites, std::vector<double> radii,
                         std::vector<std::int32_t> site_industry, std::vector<std::uint32_t> demand_industry, std::size_t keep_at_most)
    : m_radii(std::move(radii)), m_sites(std::move(sites)), m_site_industry(std::move(site_industry)),
      m_demand_industry(std::move(demand_industry)) {
    check_radii(m_radii);
    if (!m_site_industry.empty() && (m_site_industry.size() != m_sites.size() || m_demand_industry.size() != demand.size()))
        throw Error("coverage: one industry per site and per demand point expected");
    // d2_max[k]: the largest squared distance whose cost (`reach`'s float,
    // rounded down) is <= radii[k]; the classes then need no square root.
    // Non-negative doubles order as their bit patterns, so a binary search
    // over the bits finds it exactly.
    const double largest2 = m_radii.back() * m_radii.back();  // `reach`'s own cut
    for (const double r : m_radii) {
        auto holds = [&](std::uint64_t bits) { return cost_float(std::sqrt(std::bit_cast<double>(bits))) <= r; };
        std::uint64_t lo = 0, hi = std::bit_cast<std::uint64_t>(std::max(4 * r * r, 1.0));
        if (!holds(lo)) {
            m_d2_max.push_back(-1);
            continue;
        }
        while (hi - lo > 1) {
            const std::uint64_t mid = lo + (hi - lo) / 2;
            (holds(mid) ? lo : hi) = mid;
        }
        m_d2_max.push_back(std::min(std::bit_cast<double>(lo), largest2));
    }
    if (demand.empty()) {
        order_sites();
        return;
    }
    // Cells a quarter of the largest radius wide (or 1/2048 of the extent);
    // a site scans, row by row, only the cells its disc can reach.
    m_box = bounding_box(demand);
    const double extent = std::max(m_box.max_x - m_box.min_x, m_box.max_y - m_box.min_y);
    m_cell = std::max({m_radii.back() / 4, extent / 2048.0, 1e-6});
    m_nx = static_cast<std::int64_t>((m_box.max_x - m_box.min_x) / m_cell) + 1;
    m_ny = static_cast<std::int64_t>((m_box.max_y - m_box.min_y) / m_cell) + 1;
    // Only the cells that hold points are kept (a country's grid is mostly
    // empty), each row's in ascending x: a row's run is found by a binary
    // search in memory that stays in the cache.
    auto cell_of = [&](MetricPoint p) {
        return static_cast<std::int64_t>((p.y - m_box.min_y) / m_cell) * m_nx + static_cast<std::int64_t>((p.x - m_box.min_x) / m_cell);
    };
    std::vector<std::int64_t> cell(demand.size());
    std::vector<std::uint32_t> order(demand.size());
    for (std::uint32_t i = 0; i < demand.size(); ++i) {
        cell[i] = cell_of(demand[i]);
        order[i] = i;
    }
    std::stable_sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) { return cell[a] < cell[b]; });
    m_slot.resize(demand.size());
    m_points.resize(demand.size());
    std::vector<std::uint32_t> by_demand = std::move(m_demand_industry);
    m_demand_industry.resize(by_demand.size());
    m_row_first.assign(static_cast<std::size_t>(m_ny + 1), 0);
    for (std::uint32_t at = 0; at < order.size(); ++at) {
        const std::uint32_t i = order[at];
        if (at == 0 || cell[i] != cell[order[at - 1]]) {
            m_cell_x.push_back(static_cast<std::int32_t>(cell[i] % m_nx));
            m_cell_start.push_back(at);
            ++m_row_first[static_cast<std::size_t>(cell[i] / m_nx) + 1];
        }
        m_slot[i] = at;
        m_points[at] = demand[i];
        if (!by_demand.empty()) m_demand_industry[at] = by_demand[i];
    }
    m_cell_start.push_back(static_cast<std::uint32_t>(order.size()));
    for (std::size_t y = 1; y < m_row_first.size(); ++y) m_row_first[y] += m_row_first[y - 1];
    m_run_first.reserve(m_sites.size() + 1);
    m_run_first.push_back(0);
    for (std::uint32_t j = 0; j < m_sites.size(); ++j) {
        find_runs(j, m_runs);
        m_run_first.push_back(static_cast<std::uint32_t>(m_runs.size()));
    }
    order_sites();
    keep_pairs_if_few(keep_at_most);
}

// Calls ahead(slot) with the first slot of each run of slots that site j's
// pairs come from (a hint to prefetch), then pair(slot, class) for each pair,
// in slot order within each row of cells.
template <class Ahead, class OnPair>
void RadiusPairs::visit(std::uint32_t site, Ahead&& ahead, OnPair&& pair) const {
    if (m_listed) {
        if (m_offset[site] < m_offset[site + 1]) ahead(m_demand[m_offset[site]]);
        for (std::uint32_t p = m_offset[site]; p < m_offset[site + 1]; ++p) pair(m_demand[p], m_first[p]);
        return;
    }
    if (!m_kept_first.empty()) {
        for (std::uint32_t p = m_kept_first[site]; p < m_kept_first[site + 1]; ++p) pair(m_kept[p].slot, m_kept[p].radius);
        return;
    }
    scan(site, ahead, pair);
}

// Small data: the pairs found once, in the order a scan finds them (so the
// sums come out the same, bit for bit), while there are at most `keep_at_most`.
void RadiusPairs::keep_pairs_if_few(std::size_t keep_at_most) {
    m_kept_first.push_back(0);
    for (std::uint32_t j = 0; j < m_sites.size(); ++j) {
        scan(j, [](std::uint32_t) {}, [&](std::uint32_t slot, std::uint8_t c) { m_kept.push_back({slot, c}); });
        if (m_kept.size() > keep_at_most) {  // too many: found at every toggle instead
            std::vector<Pair>().swap(m_kept);
            std::vector<std::uint32_t>().swap(m_kept_first);
            return;
        }
        m_kept_first.push_back(static_cast<std::uint32_t>(m_kept.size()));
    }
    std::vector<Run>().swap(m_runs);  // kept: the runs are not read again
    std::vector<std::uint32_t>().swap(m_run_first);
}

// Site j's runs: the points of each row of cells that its disc reaches are
// one run of slots, trimmed to its first and last point within the largest
// radius. The cells are at least a quarter of the radius wide: at most 10
// rows. Found once, when the pairs are prepared: a toggle then reads its
// runs instead of searching the rows of the grid (memory: at most 16 runs a
// site, whatever the density).
void RadiusPairs::find_runs(std::uint32_t site, std::vector<Run>& out) const {
    if (m_points.empty()) return;
    const double radius = m_radii.back(), cut = m_d2_max.back();
    const MetricPoint s = m_sites[site];
    if (s.x + radius < m_box.min_x || s.y + radius < m_box.min_y || s.x - radius > m_box.max_x || s.y - radius > m_box.max_y) return;
    auto within = [&](std::uint32_t k) { return sq(m_points[k].x - s.x) + sq(m_points[k].y - s.y) <= cut; };
    const std::int64_t y0 = cell_row(s.y - radius), y1 = cell_row(s.y + radius);
    if (y1 - y0 >= static_cast<std::int64_t>(max_runs)) throw Error("coverage: internal: a disc spans more rows of cells than the grid allows");
    for (std::int64_t y = y0; y <= y1; ++y) {
        // The disc's widest extent within this row of cells (a little more,
        // so that rounding never drops a cell).
        const double band_lo = m_box.min_y + static_cast<double>(y) * m_cell, band_hi = band_lo + m_cell;
        const double dy = std::max({band_lo - s.y, 0.0, s.y - band_hi});
        const double half = std::sqrt(std::max(0.0, radius * radius - dy * dy)) + 1e-6 * (radius + 1);
        const auto first = m_cell_x.begin() + m_row_first[static_cast<std::size_t>(y)];
        const auto last = m_cell_x.begin() + m_row_first[static_cast<std::size_t>(y) + 1];
        const auto from = std::lower_bound(first, last, cell_column(s.x - half)), to = std::upper_bound(from, last, cell_column(s.x + half));
        Run run{m_cell_start[static_cast<std::size_t>(from - m_cell_x.begin())], m_cell_start[static_cast<std::size_t>(to - m_cell_x.begin())]};
        while (run.from < run.to && !within(run.from)) ++run.from;
        while (run.to > run.from && !within(run.to - 1)) --run.to;
        if (run.from < run.to) out.push_back(run);
    }
}

template <class Ahead, class OnPair>
void RadiusPairs::scan(std::uint32_t site, Ahead&& ahead, OnPair&& pair) const {
    if (m_points.empty()) return;
    const double cut = m_d2_max.back();
    const MetricPoint s = m_sites[site];
    const std::int32_t industry = m_site_industry.empty() ? -1 : m_site_industry[site];
    const std::size_t K = m_d2_max.size();
    // The cache misses of the runs' first points (and the caller's state for
    // them) overlap when they are all asked for before any is read.
    const Run* runs = m_runs.data() + m_run_first[site];
    const std::size_t n_runs = m_run_first[site + 1] - m_run_first[site];
    for (std::size_t r = 0; r < n_runs; ++r) {
        __builtin_prefetch(&m_points[runs[r].from]);
        ahead(runs[r].from);
    }
    for (std::size_t r = 0; r < n_runs; ++r) {
        for (std::uint32_t k = runs[r].from; k < runs[r].to; ++k) {
            const MetricPoint p = m_points[k];
            // The arithmetic of `reach`, so that the classes are the same.
            const double d2 = sq(p.x - s.x) + sq(p.y - s.y);
            if (d2 > cut) continue;
            if (industry >= 0 && static_cast<std::uint32_t>(industry) != m_demand_industry[k]) continue;
            std::uint8_t c = 0;
            while (std::size_t{c} + 1 < K && d2 > m_d2_max[c]) ++c;
            pair(k, c);
        }
    }
}

// The column and row of cells that hold x and y (clamped to the grid).
std::int64_t RadiusPairs::cell_column(double x) const {
    return std::clamp<std::int64_t>(static_cast<std::int64_t>(std::floor((x - m_box.min_x) / m_cell)), 0, m_nx - 1);
}
std::int64_t RadiusPairs::cell_row(double y) const {
    return std::clamp<std::int64_t>(static_cast<std::int64_t>(std::floor((y - m_box.min_y) / m_cell)), 0, m_ny - 1);
}

// The grid cell of each Euclidean site (the first demand point of a listed one).
void RadiusPairs::order_sites() {
    m_site_order.resize(sites());
    for (std::uint32_t j = 0; j < m_site_order.size(); ++j) {
        if (m_listed) {
            m_site_order[j] = m_offset[j] < m_offset[j + 1] ? m_demand[m_offset[j]] : j;
        } else if (!m_points.empty()) {
            m_site_order[j] = static_cast<std::uint64_t>(cell_row(m_sites[j].y) * m_nx + cell_column(m_sites[j].x));
        }
    }
}

void RadiusPairs::pairs_of(std::uint32_t site, std::vector<Pair>& out) const {
    out.clear();
    visit(site, [](std::uint32_t) {}, [&](std::uint32_t slot, std::uint8_t c) { out.push_back({slot, c}); });
}

ReachTracker::ReachTracker(Reach pairs, std::vector<double> radii, std::vector<double> weight, std::vector<std::uint32_t> unit,
                           std::size_t units, std::vector<std::uint32_t> industry, std::size_t industries)
    : ReachTracker(std::make_shared<const RadiusPairs>(std::move(pairs), std::move(radii)), std::move(weight), std::move(unit), units,
                   std::move(industry), industries) {}

ReachTracker::ReachTracker(std::shared_ptr<const RadiusPairs> pairs, std::vector<double> weight, std::vector<std::uint32_t> unit,
                           std::size_t units, std::vector<std::uint32_t> industry, std::size_t industries)
    : m_pairs(std::move(pairs)), m_radii(m_pairs->radii().size()), m_industries(!industry.empty()) {
    if (unit.size() != weight.size() || (!industry.empty() && industry.size() != weight.size()))
        throw Error("coverage: one unit (and industry, if any) per demand point expected");
    const std::size_t K = m_radii;
    m_count.assign(weight.size() * K, 0);
    m_site.assign(m_pairs->sites(), 0);
    m_all.assign(K, 0);
    m_by_unit.assign(units * K, 0);
    m_by_industry.assign(industries * K, 0);
    m_unit_total.assign(units, 0);
    m_industry_total.assign(industries, 0);
    m_point.resize(weight.size());
    for (std::uint32_t i = 0; i < weight.size(); ++i) {  // from demand order to slot order
        m_total += weight[i];
        m_unit_total[unit[i]] += weight[i];
        if (m_industries) m_industry_total[industry[i]] += weight[i];
        m_point[m_pairs->slot(i)] = {weight[i], unit[i], m_industries ? industry[i] : 0};
    }
}

// Adds `w` to the sums at radius k that the point in `slot` counts in.
void ReachTracker::add(std::uint32_t slot, std::size_t k, double w) {
    const std::size_t K = m_radii;
    const Point& p = m_point[slot];
    m_all[k] += w;
    m_by_unit[p.unit * K + k] += w;
    if (m_industries) m_by_industry[p.industry * K + k] += w;
}

// m_count[i * K + k] counts the open sites whose nearest radius class for
// the demand point in slot i is k, so a toggle touches one counter per pair.
// The point is covered at radius k from its smallest non-empty class on;
// only when the smallest class changes do the covered sums change.
std::size_t ReachTracker::smallest_class(std::uint32_t slot) const {
    const std::uint32_t* c = &m_count[slot * m_radii];
    std::size_t k = 0;
    while (k < m_radii && c[k] == 0) ++k;
    return k;
}

void ReachTracker::open(std::uint32_t site) {
    assert(m_marked.empty());
    if (is_open(site)) return;
    m_site[site] = site_open | site_applied;
    toggle(site, +1);
}

void ReachTracker::close(std::uint32_t site) {
    assert(m_marked.empty());
    if (!is_open(site)) return;
    m_site[site] = 0;
    toggle(site, -1);
}

void ReachTracker::mark(std::uint32_t site, bool open) {
    std::uint8_t& st = m_site[site];
    if (is_open(site) == open) return;
    st ^= site_open;
    if (st & site_marked) return;
    st |= site_marked;
    m_marked.push_back(site);
}

void ReachTracker::apply_marked() {
    std::vector<std::pair<std::uint64_t, std::uint32_t>> order;
    order.reserve(m_marked.size());
    for (const std::uint32_t j : m_marked) {
        std::uint8_t& st = m_site[j];
        st &= static_cast<std::uint8_t>(~site_marked);
        if (((st & site_open) != 0) != ((st & site_applied) != 0)) order.emplace_back(m_pairs->site_order(j), j);
    }
    m_marked.clear();
    std::sort(order.begin(), order.end());
    for (const auto& [key, j] : order) {
        m_site[j] ^= site_applied;
        toggle(j, (m_site[j] & site_open) ? +1 : -1);
    }
}

void ReachTracker::toggle(std::uint32_t site, int sign) {
    auto ahead = [&](std::uint32_t i) {
        __builtin_prefetch(&m_count[i * m_radii]);
        __builtin_prefetch(&m_point[i]);
    };
    m_pairs->visit(site, ahead, [&](std::uint32_t i, std::uint8_t k0) {  // i: a slot
        if (k0 >= m_radii) return;
        std::uint32_t* c = &m_count[i * m_radii];
        // Only a class that turns empty or non-empty can move the smallest one.
        const bool was_empty = c[k0] == 0;
        c[k0] += static_cast<std::uint32_t>(sign);
        if (was_empty == (c[k0] == 0)) return;
        bool nearer = false;  // a smaller class covers radii k0.. already
        for (std::size_t k = 0; k < k0 && !nearer; ++k) nearer = c[k] > 0;
        if (nearer) return;
        // Radii from k0 up to the next non-empty class gain or lose the point.
        const double w = sign * m_point[i].weight;
        for (std::size_t k = k0; k < m_radii && (k == k0 || c[k] == 0); ++k) add(i, k, w);
    });
}

void ReachTracker::set_weight(std::uint32_t demand, double weight) {
    const std::uint32_t i = m_pairs->slot(demand);
    Point& p = m_point[i];
    const double delta = weight - p.weight;
    if (delta == 0) return;
    // Covered at the radii from its smallest class on: their sums move by
    // the change (the same, bit for bit, as taking the old weight out and
    // putting the new one in, when weights are whole numbers).
    for (std::size_t k = smallest_class(i); k < m_radii; ++k) add(i, k, delta);
    p.weight = weight;
    m_total += delta;
    m_unit_total[p.unit] += delta;
    if (m_industries) m_industry_total[p.industry] += delta;
}

double ReachTracker::share_in_unit(std::size_t k, std::uint32_t unit) const {
    const double t = m_unit_total[unit];
    return t > 0 ? covered_in_unit(k, unit) / t : 1.0;
}

double ReachTracker::share_in_industry(std::size_t k, std::uint32_t ind) const {
    const double t = m_industry_total[ind];
    return t > 0 ? covered_in_industry(k, ind) / t : 1.0;
}

// ---------------------------------------------------------------------------
// 2SFCA

std::string_view to_string(Decay d) {
    switch (d) {
        case Decay::none: return "none";
        case Decay::step: return "step";
        case Decay::linear: return "linear";
        case Decay::gaussian: return "gaussian";
    }
    return "?";
}

double decay_weight(Decay d, double cost, double catchment) {
    if (!(cost <= catchment)) return 0;
    switch (d) {
        case Decay::none: return 1;
        case Decay::step: return cost <= catchment / 3 ? 1.0 : cost <= 2 * catchment / 3 ? 0.68 : 0.22;
        case Decay::linear: return 1 - cost / catchment;
        case Decay::gaussian: {
            const double e = std::exp(-0.5);
            return (std::exp(-0.5 * sq(cost / catchment)) - e) / (1 - e);
        }
    }
    return 0;
}

std::vector<double> site_ratios(const Reach& pairs, std::span<const double> supply, std::span<const double> demand,
                                Decay decay, double catchment) {
    std::vector<double> r(pairs.sites(), 0.0);
    for (std::size_t j = 0; j < r.size(); ++j) {
        double reached = 0;
        for (std::uint32_t p = pairs.offset[j]; p < pairs.offset[j + 1]; ++p)
            reached += decay_weight(decay, pairs.cost[p], catchment) * demand[pairs.demand[p]];
        r[j] = reached > 0 ? supply[j] / reached : 0.0;
    }
    return r;
}

std::vector<double> accessibility(const Reach& pairs, std::span<const double> ratios, std::size_t demand_points,
                                  Decay decay, double catchment) {
    std::vector<double> a(demand_points, 0.0);
    for (std::size_t j = 0; j < pairs.sites(); ++j)
        for (std::uint32_t p = pairs.offset[j]; p < pairs.offset[j + 1]; ++p)
            a[pairs.demand[p]] += decay_weight(decay, pairs.cost[p], catchment) * ratios[j];
    return a;
}

}  // namespace tisheng::coverage
