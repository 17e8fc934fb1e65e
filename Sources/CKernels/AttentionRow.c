// Decode attention (AttentionRowTemplate.h) for every instruction set, and its entry point.
#include "CKernels.h"
#include "Vectors.h"

#define CK_TEMPLATE "AttentionRowTemplate.h"
#include "Instantiate.h"

int ck_attention_row(int isa, int group, int headDim, int length, float scale,
                     const float *q, size_t qStride, const float *keys, const float *values, size_t kvStride,
                     float *scores, size_t scoreStride, float *out, size_t outStride) {
    if (group <= 0 || headDim <= 0 || length <= 0 || isa > ck_best_isa()) return -1;
    switch (isa) {
#if defined(__x86_64__)
    case CK_ISA_AVX512:
        attention_row_avx512(group, headDim, length, scale, q, qStride, keys, values, kvStride, scores, scoreStride, out, outStride);
        return 0;
    case CK_ISA_AVX2:
        attention_row_avx2(group, headDim, length, scale, q, qStride, keys, values, kvStride, scores, scoreStride, out, outStride);
        return 0;
#endif
    case CK_ISA_PORTABLE:
        attention_row_portable(group, headDim, length, scale, q, qStride, keys, values, kvStride, scores, scoreStride, out, outStride);
        return 0;
    default:
        return -1;
    }
}
