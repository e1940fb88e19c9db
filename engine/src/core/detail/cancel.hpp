// The cancel flags long work polls (LoadOptions::cancel, SitingOptions::cancel...):
// null means the work cannot be cancelled.
#pragma once

#include <atomic>

#include "tisheng/core/error.hpp"

namespace tisheng::detail {

inline bool cancelled(const std::atomic<bool>* flag) { return flag && flag->load(std::memory_order_relaxed); }

/// Throws Cancelled if the flag is set.
inline void throw_if_cancelled(const std::atomic<bool>* flag) {
    if (cancelled(flag)) throw Cancelled();
}

}  // namespace tisheng::detail
