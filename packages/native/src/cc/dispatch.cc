// Picks the kernel variant for this CPU at run time (__builtin_cpu_supports),
// so one build runs everywhere: AVX-512 where present, else AVX2+FMA, else the
// baseline build. TESSERA_ISA=avx512|avx2|generic overrides (for testing;
// an ISA the CPU lacks is ignored).
#include <cstdlib>
#include <cstring>

#include "kernels.h"

namespace tessera {

static bool hasAvx512() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
         __builtin_cpu_supports("avx512bw");
#else
  return false;
#endif
}
static bool hasAvx2() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return false;
#endif
}

static const KernelTable& choose() {
  const char* want = std::getenv("TESSERA_ISA");
#if defined(__x86_64__) || defined(__i386__)
  if (want && std::strcmp(want, "generic") == 0) return kernelsGeneric();
  if (want && std::strcmp(want, "avx2") == 0 && hasAvx2()) return kernelsAvx2();
  if (hasAvx512() && !(want && std::strcmp(want, "avx2") == 0)) return kernelsAvx512();
  if (hasAvx2()) return kernelsAvx2();
#else
  (void)want;
#endif
  return kernelsGeneric();
}

static const KernelTable* active = nullptr;

const KernelTable& activeKernels() {
  if (active == nullptr) active = &choose();
  return *active;
}

bool setIsa(const char* name) {
  if (std::strcmp(name, "generic") == 0) return active = &kernelsGeneric(), true;
#if defined(__x86_64__) || defined(__i386__)
  if (std::strcmp(name, "avx2") == 0 && hasAvx2()) return active = &kernelsAvx2(), true;
  if (std::strcmp(name, "avx512") == 0 && hasAvx512()) return active = &kernelsAvx512(), true;
#endif
  return false;
}

}  // namespace tessera
