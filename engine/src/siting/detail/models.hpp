// The siting heuristic's state of an open set (heuristic.cpp; drop analysis
// in evaluate.cpp reads it too): the plan with its constraints, and one
// model per objective.
//
// The objective models keep the state of Resende & Werneck's fast
// interchange ("A fast swap-based local search procedure for location
// problems", Annals of OR 150, 2007) for the current open set: gain(k), what
// opening k would add, for every candidate, and loss(j), what closing j would
// cost, for every open one; a move updates them only for the demand points it
// touches. Swapping j for k changes the objective by
// gain(k) - loss(j) + extra(j, k), where extra(j, k) gives back the demand
// that j serves alone and k would take over. Both models speak "benefit"
// (higher is better): covered weight, or minus the total weighted distance,
// so one greedy and one local search serve both.
//
// A model offers open(k), close(k), gain(k), loss(j), add_extra(j, extra)
// (adds extra(j, k) for every k into `extra`), benefit() (recomputed from
// scratch, free of rounding drift) and work() (inner-loop steps so far, the
// deterministic measure of effort). gain(k) is 0 for an open k.
#pragma once

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <utility>
#include <vector>

#include "siting/detail/siting.hpp"

namespace tisheng::siting::detail {

/// `x` is among `v`.
inline bool contains(const std::vector<std::uint32_t>& v, std::uint32_t x) { return std::find(v.begin(), v.end(), x) != v.end(); }

/// The open set with what the constraints need: how many are open, the
/// spending per budget and the members per group.
class Plan {
public:
    explicit Plan(const Problem& pr)
        : m_pr(&pr), m_open(pr.candidates.size(), 0), m_spent(pr.budgets.size(), 0), m_members(pr.groups.size(), 0) {
        for (const Budget& b : pr.budgets) m_ceiling.push_back(budget_ceiling(b.limit));
    }

    [[nodiscard]] bool is_open(std::uint32_t k) const { return m_open[k] != 0; }
    [[nodiscard]] int size() const { return m_size; }
    [[nodiscard]] double spent(std::uint32_t b) const { return m_spent[b]; }
    [[nodiscard]] double ceiling(std::uint32_t b) const { return m_ceiling[b]; }
    [[nodiscard]] int members(std::uint32_t g) const { return m_members[g]; }

    void open(std::uint32_t k) { toggle(k, +1); }
    void close(std::uint32_t k) { toggle(k, -1); }

    /// Opening k keeps every budget and group maximum (the count p aside).
    [[nodiscard]] bool can_add(std::uint32_t k) const {
        const Candidate& c = m_pr->candidates[k];
        if (is_open(k)) return false;
        for (const auto& [b, cost] : c.costs)
            if (m_spent[b] + cost > m_ceiling[b]) return false;
        for (std::uint32_t g : c.groups)
            if (m_members[g] >= m_pr->groups[g].max) return false;
        return true;
    }

    /// Closing `out` and opening `in` keeps every constraint.
    [[nodiscard]] bool can_swap(std::uint32_t out, std::uint32_t in) const {
        const Candidate& o = m_pr->candidates[out];
        const Candidate& i = m_pr->candidates[in];
        if (o.fixed || !is_open(out) || is_open(in)) return false;
        for (const auto& [b, cost] : i.costs)
            if (m_spent[b] - cost_of(o, b) + cost > m_ceiling[b]) return false;
        for (std::uint32_t g : i.groups)
            if (!contains(o.groups, g) && m_members[g] >= m_pr->groups[g].max) return false;
        for (std::uint32_t g : o.groups)
            if (!contains(i.groups, g) && m_members[g] <= m_pr->groups[g].min) return false;
        return true;
    }

    /// Closing j keeps every group minimum (the count p aside).
    [[nodiscard]] bool can_drop(std::uint32_t j) const {
        const Candidate& c = m_pr->candidates[j];
        if (c.fixed || !is_open(j)) return false;
        return std::all_of(c.groups.begin(), c.groups.end(), [&](auto g) { return m_members[g] > m_pr->groups[g].min; });
    }

    [[nodiscard]] bool mins_met() const {
        for (std::size_t g = 0; g < m_members.size(); ++g)
            if (m_members[g] < m_pr->groups[g].min) return false;
        return true;
    }

    /// Some group of k is below its minimum.
    [[nodiscard]] bool serves_unmet_group(std::uint32_t k) const {
        const auto& gs = m_pr->candidates[k].groups;
        return std::any_of(gs.begin(), gs.end(), [&](auto g) { return m_members[g] < m_pr->groups[g].min; });
    }

private:
    void toggle(std::uint32_t k, int sign) {
        const Candidate& c = m_pr->candidates[k];
        m_open[k] = sign > 0 ? 1 : 0;
        m_size += sign;
        for (const auto& [b, cost] : c.costs) m_spent[b] += sign * cost;
        for (std::uint32_t g : c.groups) m_members[g] += sign;
    }

    const Problem* m_pr;
    std::vector<std::uint8_t> m_open;
    int m_size = 0;
    std::vector<double> m_spent, m_ceiling;
    std::vector<int> m_members;
};

/// extra(j, ·) for one j: dense values with the list of those touched, so
/// that clearing costs what filling did.
struct Extra {
    explicit Extra(std::size_t candidates) : value(candidates, 0.0) {}
    void add(std::uint32_t k, double v) {
        if (v <= 0) return;  // keeps touched free of repeats: a value once set stays above 0
        if (value[k] == 0) touched.push_back(k);
        value[k] += v;
    }
    void clear() {
        for (std::uint32_t k : touched) value[k] = 0;
        touched.clear();
    }
    std::vector<double> value;
    std::vector<std::uint32_t> touched;
};

/// Max cover: per demand point, how many open sites cover it and the sum of
/// their indices, which is the covering site itself when the count is 1.
class CoverModel {
public:
    /// The candidates covering each demand point (demand-major `covers`).
    struct Index {
        explicit Index(const Problem& pr) : first(pr.demand() + 1, 0) {
            for (const auto& cov : pr.covers)
                for (std::uint32_t i : cov) ++first[i + 1];
            std::partial_sum(first.begin(), first.end(), first.begin());
            site.resize(first.back());
            std::vector<std::uint32_t> fill(first.begin(), first.end() - 1);
            for (std::uint32_t k = 0; k < pr.covers.size(); ++k)
                for (std::uint32_t i : pr.covers[k]) site[fill[i]++] = k;
        }
        std::vector<std::uint32_t> first, site;
    };

    CoverModel(const Problem& pr, const Index& index)
        : m_pr(&pr), m_index(&index), m_count(pr.demand(), 0), m_sum(pr.demand(), 0),
          m_gain(pr.candidates.size(), 0.0), m_loss(pr.candidates.size(), 0.0) {
        for (std::size_t k = 0; k < pr.covers.size(); ++k)
            for (std::uint32_t i : pr.covers[k]) m_gain[k] += pr.weight[i];
    }

    void open(std::uint32_t k) { toggle(k, +1); }
    void close(std::uint32_t k) { toggle(k, -1); }
    [[nodiscard]] double gain(std::uint32_t k) const { return m_gain[k]; }
    [[nodiscard]] double loss(std::uint32_t j) const { return m_loss[j]; }
    [[nodiscard]] std::uint64_t work() const { return m_work; }

    /// extra(j, k): the weight that only j covers and k would cover too.
    void add_extra(std::uint32_t j, Extra& extra) {
        for (std::uint32_t i : m_pr->covers[j]) {
            const double w = m_pr->weight[i];
            if (m_count[i] != 1 || w == 0) continue;
            const auto [b, e] = sites(i);
            for (auto s = b; s != e; ++s)
                if (*s != j) extra.add(*s, w);
            m_work += static_cast<std::uint64_t>(e - b);
        }
        m_work += m_pr->covers[j].size();
    }

    [[nodiscard]] double benefit() const {
        double covered = 0;
        for (std::size_t i = 0; i < m_count.size(); ++i)
            if (m_count[i] > 0) covered += m_pr->weight[i];
        return covered;
    }

private:
    [[nodiscard]] std::pair<const std::uint32_t*, const std::uint32_t*> sites(std::uint32_t i) const {
        const std::uint32_t* base = m_index->site.data();
        return {base + m_index->first[i], base + m_index->first[i + 1]};
    }

    /// Adds (sign +1) or removes (-1) demand i's share of the gains and losses.
    void contribute(std::uint32_t i, double sign) {
        const double w = sign * m_pr->weight[i];
        if (w == 0) return;
        if (m_count[i] == 0) {
            const auto [b, e] = sites(i);
            for (auto s = b; s != e; ++s) m_gain[*s] += w;
            m_work += static_cast<std::uint64_t>(e - b);
        } else if (m_count[i] == 1) {
            m_loss[m_sum[i]] += w;
        }
    }

    void toggle(std::uint32_t k, int sign) {
        for (std::uint32_t i : m_pr->covers[k]) {
            contribute(i, -1);
            m_count[i] += static_cast<std::uint32_t>(sign);
            m_sum[i] += static_cast<std::uint64_t>(static_cast<std::int64_t>(sign) * k);
            contribute(i, +1);
        }
        m_work += m_pr->covers[k].size();
    }

    const Problem* m_pr;
    const Index* m_index;
    std::vector<std::uint32_t> m_count;
    std::vector<std::uint64_t> m_sum;
    std::vector<double> m_gain, m_loss;
    std::uint64_t m_work = 0;
};

/// p-median: per demand point, its nearest and second nearest open site.
/// Before any site opens, every demand point is served by a stand-in at the
/// distance of its farthest candidate (ranked after every real candidate),
/// which keeps gains finite and the objective submodular.
class MedianModel {
public:
    /// Per demand point, the candidates by increasing distance (ties by
    /// index) and those distances.
    struct Index {
        explicit Index(const Problem& pr)
            : n(pr.demand()), m(pr.candidates.size()), near(n * m), near_distance(n * m), far(n, 0.0f) {
            for (std::size_t i = 0; i < n; ++i) {
                std::uint32_t* row = &near[i * m];
                std::iota(row, row + m, 0u);
                auto d = [&](std::uint32_t k) { return pr.distance[k * n + i]; };
                std::sort(row, row + m, [&](auto a, auto b) { return d(a) < d(b) || (d(a) == d(b) && a < b); });
                for (std::size_t r = 0; r < m; ++r) near_distance[i * m + r] = d(row[r]);
                if (m > 0) far[i] = near_distance[i * m + m - 1];
            }
        }
        std::size_t n, m;
        std::vector<std::uint32_t> near;
        std::vector<float> near_distance;
        std::vector<float> far;
    };

    MedianModel(const Problem& pr, const Index& index)
        : m_pr(&pr), m_index(&index), m_none(static_cast<std::uint32_t>(index.m)),
          m_open(index.m, 0), m_c1(index.n, m_none), m_c2(index.n, m_none), m_d1(index.far), m_d2(index.far), m_gain(index.m, 0.0), m_loss(index.m, 0.0) {
        for (std::size_t i = 0; i < index.n; ++i) contribute(i, +1);
    }

    void open(std::uint32_t k) {
        const std::size_t n = m_index->n;
        const float* dk = &m_pr->distance[k * n];
        for (std::size_t i = 0; i < n; ++i) {
            if (!nearer(dk[i], k, m_d2[i], m_c2[i])) continue;
            contribute(i, -1);
            if (nearer(dk[i], k, m_d1[i], m_c1[i])) {
                m_c2[i] = m_c1[i];
                m_d2[i] = m_d1[i];
                m_c1[i] = k;
                m_d1[i] = dk[i];
            } else {
                m_c2[i] = k;
                m_d2[i] = dk[i];
            }
            contribute(i, +1);
        }
        m_work += n;
        m_open[k] = 1;
    }

    void close(std::uint32_t k) {
        m_open[k] = 0;
        for (std::size_t i = 0; i < m_index->n; ++i) {
            if (m_c1[i] != k && m_c2[i] != k) continue;
            contribute(i, -1);
            assign(i);
            contribute(i, +1);
        }
        m_work += m_index->n;
    }

    [[nodiscard]] double gain(std::uint32_t k) const { return m_gain[k]; }
    [[nodiscard]] double loss(std::uint32_t j) const { return m_loss[j]; }
    [[nodiscard]] std::uint64_t work() const { return m_work; }

    /// extra(j, k): for the demand j serves, what k would save against the
    /// second nearest site, d2 - max(d(k), d1), where k is nearer than d2.
    void add_extra(std::uint32_t j, Extra& extra) {
        const std::size_t n = m_index->n, m = m_index->m;
        for (std::size_t i = 0; i < n; ++i) {
            const double w = m_pr->weight[i];
            if (m_c1[i] != j || w == 0) continue;
            const float d1 = m_d1[i], d2 = m_d2[i];
            const std::uint32_t* near = &m_index->near[i * m];
            const float* dist = &m_index->near_distance[i * m];
            std::size_t r = 0;
            for (; r < m && dist[r] < d2; ++r)
                if (near[r] != j) extra.add(near[r], w * (double{d2} - std::max(dist[r], d1)));
            m_work += r;
        }
        m_work += n;
    }

    [[nodiscard]] double benefit() const {
        double total = 0;
        for (std::size_t i = 0; i < m_index->n; ++i) total += m_pr->weight[i] * m_d1[i];
        return -total;
    }

private:
    [[nodiscard]] static bool nearer(float da, std::uint32_t a, float db, std::uint32_t b) {
        return da < db || (da == db && a < b);
    }

    /// Nearest and second nearest open site of i, from its sorted list.
    void assign(std::size_t i) {
        const std::size_t m = m_index->m;
        m_c1[i] = m_c2[i] = m_none;
        m_d1[i] = m_d2[i] = m_index->far[i];
        std::size_t r = 0;
        for (int found = 0; r < m && found < 2; ++r) {
            const std::uint32_t k = m_index->near[i * m + r];
            if (!m_open[k]) continue;
            (found == 0 ? m_c1[i] : m_c2[i]) = k;
            (found == 0 ? m_d1[i] : m_d2[i]) = m_index->near_distance[i * m + r];
            ++found;
        }
        m_work += r;
    }

    /// Adds (sign +1) or removes (-1) demand i's share of the gains and losses.
    void contribute(std::size_t i, double sign) {
        const double w = sign * m_pr->weight[i];
        if (w == 0) return;
        const std::size_t m = m_index->m;
        const float d1 = m_d1[i];
        const std::uint32_t* near = &m_index->near[i * m];
        const float* dist = &m_index->near_distance[i * m];
        std::size_t r = 0;
        for (; r < m && dist[r] < d1; ++r) m_gain[near[r]] += w * (double{d1} - dist[r]);
        m_work += r + 1;
        if (m_c1[i] != m_none) m_loss[m_c1[i]] += w * (double{m_d2[i]} - d1);
    }

    const Problem* m_pr;
    const Index* m_index;
    std::uint32_t m_none;  // the stand-in's index: after every candidate
    std::vector<std::uint8_t> m_open;
    std::vector<std::uint32_t> m_c1, m_c2;
    std::vector<float> m_d1, m_d2;
    std::vector<double> m_gain, m_loss;
    std::uint64_t m_work = 0;
};

/// Calls f(model) with a fresh model of the problem's objective; the index
/// it reads lives for the call.
template <class F>
decltype(auto) with_model(const Problem& pr, F&& f) {
    if (pr.objective == Objective::max_cover) {
        const CoverModel::Index index(pr);
        return f(CoverModel(pr, index));
    }
    const MedianModel::Index index(pr);
    return f(MedianModel(pr, index));
}

}  // namespace tisheng::siting::detail
