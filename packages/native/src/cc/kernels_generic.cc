// The generic build of the kernels: simd.h + flash_impl.h compiled with
// TESSERA_W=4 lanes, a 4x2 (rows x vectors) micro-kernel.
// Selected at run time by dispatch.cc, so the addon runs on any CPU.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <memory>
#include <mutex>
#include <new>
#include <cstdint>
#include <cstring>
#include <vector>

#include "kernels.h"
#include "thread_pool.h"



#define TESSERA_W 4
#define TESSERA_MR 4
#define TESSERA_NV 2
namespace tessera {
namespace generic {
#include "simd.h"
#include "flash_impl.h"
#include "block_sparse_impl.h"
#include "linear_impl.h"
#include "feature_map_impl.h"
#include "gemm_ceiling_impl.h"
}  // namespace generic

const KernelTable& kernelsGeneric() {
  static const KernelTable t{"generic", 4, &generic::flashForward, &generic::flashBackward, &generic::blockSparseForward, &generic::blockSparseBackward, &generic::linearForward, &generic::linearBackward, &generic::featureMap, &generic::gemmCeiling};
  return t;
}
}  // namespace tessera

