// How many threads a piece of work uses when the user did not say.
#pragma once

namespace tisheng {

/// Threads to use: `requested` when positive; else this machine's hardware
/// threads less `reserved` (kept for a UI), shared among the `sharers`
/// processes that run on it (MPI ranks on one machine); at least 1.
int thread_count(int requested, int sharers = 1, int reserved = 0);

}  // namespace tisheng
