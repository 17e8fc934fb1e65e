// The training loss's softmax row (SoftmaxCrossEntropyTemplate.h) for every instruction set, and its
// entry point. Swift compiles for the x86-64 baseline (SSE2), so this row — three passes over the
// vocabulary for every position that carries a loss — ran at a quarter of the vector width there.
#include <math.h>

#include "CKernels.h"
#include "Vectors.h"

// No fused multiply-adds in this file (exp16's polynomial included): every instruction set gives
// the bits of the float32 operations as written, which are also those of TensorKit's exp16 in Swift,
// so a training step's gradients do not depend on the CPU.
#pragma clang fp contract(off)

#define CK_TEMPLATE "SoftmaxCrossEntropyTemplate.h"
#include "Instantiate.h"

int ck_softmax_cross_entropy_row(int isa, float *row, int n, int target, float gradScale, double *loss) {
    if (n <= 0 || target < 0 || target >= n || isa > ck_best_isa()) return -1;
    switch (isa) {
#if defined(__x86_64__)
    case CK_ISA_AVX512:
        *loss = softmax_cross_entropy_row_avx512(row, n, target, gradScale);
        return 0;
    case CK_ISA_AVX2:
        *loss = softmax_cross_entropy_row_avx2(row, n, target, gradScale);
        return 0;
#endif
    case CK_ISA_PORTABLE:
        *loss = softmax_cross_entropy_row_portable(row, n, target, gradScale);
        return 0;
    default:
        return -1;
    }
}
