#include "tisheng/core/threads.hpp"

#include <algorithm>
#include <thread>

namespace tisheng {

int thread_count(int requested, int sharers, int reserved) {
    if (requested > 0) return requested;
    // hardware_concurrency() is 0 where it cannot tell.
    const int hardware = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
    return std::max(1, (hardware - reserved) / std::max(1, sharers));
}

}  // namespace tisheng
