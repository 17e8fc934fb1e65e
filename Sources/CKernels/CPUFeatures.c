// Which of the kernels' instruction sets this CPU runs.
#include "CKernels.h"

int ck_best_isa(void) {
#if defined(__x86_64__)
    static int cached = -1;
    if (cached < 0) {
        __builtin_cpu_init();
        if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
            __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c"))
            cached = CK_ISA_AVX512;
        else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c"))
            cached = CK_ISA_AVX2;
        else
            cached = CK_ISA_PORTABLE;
    }
    return cached;
#else
    return CK_ISA_PORTABLE;
#endif
}
