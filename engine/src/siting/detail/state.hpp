// The siting search's state (a model and a plan kept in step) and its
// best swap out of an open candidate: the heuristic's local search
// (heuristic.cpp) and drop analysis (evaluate.cpp) share them.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <utility>
#include <vector>

#include "siting/detail/models.hpp"

namespace tisheng::siting::detail {

/// A model and a plan kept in step, with the order in which the open
/// candidates entered (for Solution::chosen).
template <class Model>
class State {
public:
    State(const Problem& pr, Model model)
        : m_model(std::move(model)), m_plan(pr), m_stamp(pr.candidates.size(), 0) {}

    void open(std::uint32_t k) {
        m_model.open(k);
        m_plan.open(k);
        m_stamp[k] = ++m_clock;
        ++m_version;
    }
    void close(std::uint32_t k) {
        m_model.close(k);
        m_plan.close(k);
        ++m_version;
    }
    /// Changes with every open and close.
    [[nodiscard]] std::uint64_t version() const { return m_version; }
    /// Work so far: the model's, and what the search reports (scans).
    [[nodiscard]] std::uint64_t work() const { return m_model.work() + m_work; }
    void count(std::uint64_t work) { m_work += work; }

    [[nodiscard]] const Model& model() const { return m_model; }
    Model& model() { return m_model; }
    [[nodiscard]] const Plan& plan() const { return m_plan; }

    /// The open candidates in the order they entered.
    [[nodiscard]] std::vector<std::uint32_t> order() const {
        std::vector<std::uint32_t> out;
        for (std::uint32_t k = 0; k < m_stamp.size(); ++k)
            if (m_plan.is_open(k)) out.push_back(k);
        std::sort(out.begin(), out.end(), [&](auto a, auto b) { return m_stamp[a] < m_stamp[b]; });
        return out;
    }

    /// Back to `order` (an earlier order()), entry order included.
    void restore(const std::vector<std::uint32_t>& order) {
        std::vector<std::uint8_t> keep(m_stamp.size(), 0);
        for (std::uint32_t k : order) keep[k] = 1;
        for (std::uint32_t k : order)
            if (!m_plan.is_open(k)) open(k);
        for (std::uint32_t k = 0; k < m_stamp.size(); ++k)
            if (m_plan.is_open(k) && !keep[k]) close(k);
        m_clock = 0;
        for (std::uint32_t k : order) m_stamp[k] = ++m_clock;
    }

private:
    Model m_model;
    Plan m_plan;
    std::vector<std::uint64_t> m_stamp;
    std::uint64_t m_clock = 0, m_version = 0, m_work = 0;
};

/// A swap out of an open candidate: the one that comes in, and what it changes.
struct Swap {
    std::uint32_t in = 0;
    double delta = 0;  ///< change of benefit
};

/// Finds the best swap out of an open candidate j that keeps every
/// constraint: the closed k with the largest gain(k) + extra(j, k). extra is
/// non-zero only for the few k that share j's demand; among the others the
/// best is the first that fits by decreasing gain. So the closed candidates
/// with the highest gains are kept in order (again after the plan changes),
/// and the rest are scanned only if none of those fits.
template <class Model>
class SwapFinder {
public:
    explicit SwapFinder(std::size_t candidates) : m_extra(candidates) {}

    std::optional<Swap> best(State<Model>& s, std::uint32_t j) {
        if (s.version() != m_version) rank(s);
        const Model& model = s.model();
        s.model().add_extra(j, m_extra);
        std::optional<Swap> best;
        double best_value = -std::numeric_limits<double>::infinity();
        for (std::uint32_t k : m_extra.touched) {
            const double v = model.gain(k) + m_extra.value[k];
            if (v > best_value && s.plan().can_swap(j, k)) {
                best_value = v;
                best = Swap{k, 0};
            }
        }
        bool settled = false;
        m_scanned = 0;
        for (std::size_t t = 0; t < m_top && !settled; ++t) {
            ++m_scanned;
            const std::uint32_t k = m_ranked[t];
            settled = model.gain(k) <= best_value;
            if (!settled && m_extra.value[k] == 0 && s.plan().can_swap(j, k)) {
                best_value = model.gain(k);
                best = Swap{k, 0};
                settled = true;
            }
        }
        for (std::size_t t = m_top; t < m_ranked.size() && !settled; ++t) {
            ++m_scanned;
            const std::uint32_t k = m_ranked[t];
            const double v = model.gain(k);
            const bool better = v > best_value || (v == best_value && best && k < best->in);
            if (better && m_extra.value[k] == 0 && s.plan().can_swap(j, k)) {
                best_value = v;
                best = Swap{k, 0};
            }
        }
        s.count(m_extra.touched.size() + m_scanned);
        m_extra.clear();
        if (best) best->delta = best_value - model.loss(j);
        return best;
    }

private:
    void rank(State<Model>& s) {
        m_ranked.clear();
        for (std::uint32_t k = 0; k < m_extra.value.size(); ++k)
            if (!s.plan().is_open(k)) m_ranked.push_back(k);
        const Model& model = s.model();
        m_top = std::min<std::size_t>(16, m_ranked.size());
        std::partial_sort(m_ranked.begin(), m_ranked.begin() + static_cast<std::ptrdiff_t>(m_top), m_ranked.end(),
                          [&](auto a, auto b) { return model.gain(a) > model.gain(b) || (model.gain(a) == model.gain(b) && a < b); });
        m_version = s.version();
        s.count(m_extra.value.size());
    }

    Extra m_extra;
    std::vector<std::uint32_t> m_ranked;  // closed candidates, the first m_top by decreasing gain (ties by index)
    std::size_t m_top = 0, m_scanned = 0;
    std::uint64_t m_version = ~std::uint64_t{0};
};

}  // namespace tisheng::siting::detail
