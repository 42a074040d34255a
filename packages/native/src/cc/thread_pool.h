// A persistent thread pool: created once (TESSERA_NUM_THREADS, default the
// CPUs this process may run on), reused by every call. The calling thread
// takes tasks too, so a pool of N threads has N-1 workers.
#pragma once
#include <cstdint>
#include <functional>

namespace tessera {

// Runs fn(i) for i in [0, n) on the pool; returns when all are done. Tasks are
// claimed dynamically, so results must not depend on which thread runs a task.
void parallelFor(int64_t n, const std::function<void(int64_t)>& fn);
int numThreads();
// Replaces the pool by one of n threads (n >= 1). Not for use inside parallelFor.
void setNumThreads(int n);

}  // namespace tessera
