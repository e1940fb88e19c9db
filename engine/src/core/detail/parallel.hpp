// Splits [0, n) into one contiguous chunk per thread. The chunks depend only
// on n and the thread count, and each index is handled exactly once, so
// results written per index do not depend on scheduling.
#pragma once

#include <algorithm>
#include <cstddef>
#include <thread>
#include <vector>

#include "tisheng/core/threads.hpp"

namespace tisheng::detail {

/// Calls fn(begin, end) on `threads` threads (the calling thread takes the
/// first chunk). Chunks smaller than `grain` are merged.
template <class Fn>
void parallel_chunks(std::size_t n, int threads, Fn&& fn, std::size_t grain = 1024) {
    const std::size_t t = std::clamp<std::size_t>(n / std::max<std::size_t>(grain, 1), 1, static_cast<std::size_t>(tisheng::thread_count(threads)));
    if (t <= 1) {
        fn(std::size_t{0}, n);
        return;
    }
    std::vector<std::jthread> pool;
    pool.reserve(t - 1);
    for (std::size_t k = 1; k < t; ++k) pool.emplace_back([&fn, k, t, n] { fn(n * k / t, n * (k + 1) / t); });
    fn(std::size_t{0}, n / t);
}

}  // namespace tisheng::detail
