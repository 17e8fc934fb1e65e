// Packing the frozen operand of the int8 products (see Int8Gemm.c for the arithmetic), the
// quantization shared with the input, and which instruction set this CPU runs them with.
#include "CKernels.h"
#include "Int8Layout.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int ck_int8_best_isa(void) {
#if defined(__x86_64__)
    static int cached = -1;
    if (cached < 0) {
        // The float kernels' choice (ck_best_isa), plus VNNI for the AVX-512 path.
        __builtin_cpu_init();
        int isa = ck_best_isa();
        if (isa == CK_ISA_AVX512 && __builtin_cpu_supports("avx512vnni"))
            cached = CK_INT8_VNNI512;
        else if (isa >= CK_ISA_AVX2)
            cached = CK_INT8_AVX2;
        else
            cached = CK_INT8_PORTABLE;
        // TOLLGATE_INT8_ISA=avx2 or portable caps it, to measure an older CPU's path on a newer one
        // (the results are the same bits on every path).
        const char *cap = getenv("TOLLGATE_INT8_ISA");
        if (cap && strcmp(cap, "avx2") == 0 && cached > CK_INT8_AVX2) cached = CK_INT8_AVX2;
        if (cap && strcmp(cap, "portable") == 0) cached = CK_INT8_PORTABLE;
    }
    return cached;
#else
    return CK_INT8_PORTABLE;
#endif
}

size_t ck_int8_packed_bytes(int k, int n, int block) {
    if (k <= 0 || n <= 0 || !ck_int8_valid_block(block)) return 0;
    return ((size_t)n + CK_INT8_PANEL - 1) / CK_INT8_PANEL * ck_int8_panel_bytes(k, block);
}

float ck_int8_quantize(const float *v, size_t stride, int count, int8_t *codes) {
    float most = 0;
    int nan = 0;
    for (int i = 0; i < count; i++) {
        float a = fabsf(v[(size_t)i * stride]);
        nan |= a != a;
        most = a > most ? a : most;
    }
    if (nan) most = NAN;  // NaN or infinity: the scale makes every result of the row NaN
    if (most == 0 || !isfinite(most)) {
        for (int i = 0; i < count; i++) codes[i] = 0;
        return most == 0 ? 0 : NAN;
    }
    float inverse = 127.0f / most;
    for (int i = 0; i < count; i++) {
        float q = rintf(v[(size_t)i * stride] * inverse);
        codes[i] = (int8_t)(q > 127 ? 127 : q < -127 ? -127 : q);
    }
    return most / 127.0f;
}

void ck_int8_pack(const float *b, size_t rowStride, size_t columnStride, int k, int n, int block, void *packed) {
    memset(packed, 0, ck_int8_packed_bytes(k, n, block));
    ck_int8_pack_part(b, rowStride, columnStride, k, n, block, 0, k, 0, n, packed);
}

int ck_int8_pack_part(const float *b, size_t rowStride, size_t columnStride, int k, int n, int block, int kFirst,
                      int kCount, int nFirst, int nCount, void *packed) {
    if (k <= 0 || n <= 0 || !ck_int8_valid_block(block) || kFirst < 0 || kCount <= 0 || kFirst + kCount > k
        || kFirst % block != 0 || (kCount % block != 0 && kFirst + kCount != k) || nFirst < 0 || nCount <= 0
        || nFirst + nCount > n || nFirst % CK_INT8_PANEL != 0)
        return -1;
    int8_t *column = malloc((size_t)kCount);
    size_t firstPanel = (size_t)nFirst / CK_INT8_PANEL, panels = ((size_t)nCount + CK_INT8_PANEL - 1) / CK_INT8_PANEL;
    for (size_t panel = firstPanel; panel < firstPanel + panels; panel++) {
        uint8_t *out = (uint8_t *)packed + panel * ck_int8_panel_bytes(k, block);
        int8_t *codes = (int8_t *)(out + ck_int8_header_bytes(k, block));
        for (int c = 0; c < CK_INT8_PANEL; c++) {
            size_t j = panel * CK_INT8_PANEL + (size_t)c;
            if (j >= (size_t)(nFirst + nCount)) continue;
            const float *source = b + (j - (size_t)nFirst) * columnStride;
            for (int first = kFirst; first < kFirst + kCount; first += block) {
                int count = kFirst + kCount - first < block ? kFirst + kCount - first : block;
                float *scales = (float *)(out + 128 * (size_t)(first / block));
                int32_t *offsets = (int32_t *)(out + 128 * (size_t)(first / block) + 64);
                int8_t *blockCodes = column + (first - kFirst);
                scales[c] = ck_int8_quantize(source + (size_t)(first - kFirst) * rowStride, rowStride, count, blockCodes);
                int32_t sum = 0;
                for (int i = 0; i < count; i++) sum += blockCodes[i];
                offsets[c] = -128 * sum;
            }
            for (int i = kFirst; i < kFirst + kCount; i++)
                codes[((size_t)i / 4 * CK_INT8_PANEL + (size_t)c) * 4 + (size_t)i % 4] = column[i - kFirst];
        }
    }
    free(column);
    return 0;
}

#if defined(__x86_64__)
#include <immintrin.h>

#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)

/// Eight values at a time: the same maximum, the same product and the same round-to-nearest-even
/// (vcvtps2dq) as `ck_int8_quantize`, so the same codes and scale.
float ck_int8_quantize_avx2(const float *v, int count, int8_t *codes) {
    const __m256 magnitudeMask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    __m256 most8 = _mm256_setzero_ps(), unordered = _mm256_setzero_ps();
    int i = 0;
    for (; i + 8 <= count; i += 8) {
        __m256 x = _mm256_and_ps(_mm256_loadu_ps(v + i), magnitudeMask);
        most8 = _mm256_max_ps(most8, x);
        unordered = _mm256_or_ps(unordered, _mm256_cmp_ps(x, x, _CMP_UNORD_Q));
    }
    float lanes[8], most = 0;
    _mm256_storeu_ps(lanes, most8);
    for (int l = 0; l < 8; l++) most = lanes[l] > most ? lanes[l] : most;
    int nan = _mm256_movemask_ps(unordered) != 0;
    for (; i < count; i++) {
        float a = fabsf(v[i]);
        nan |= a != a;
        most = a > most ? a : most;
    }
    if (nan || most == 0 || !isfinite(most)) return ck_int8_quantize(v, 1, count, codes);
    float inverse = 127.0f / most;
    __m256 scale = _mm256_set1_ps(inverse);
    const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    i = 0;
    for (; i + 32 <= count; i += 32) {
        __m256i q0 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(v + i), scale));
        __m256i q1 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(v + i + 8), scale));
        __m256i q2 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(v + i + 16), scale));
        __m256i q3 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(v + i + 24), scale));
        __m256i packed = _mm256_packs_epi16(_mm256_packs_epi32(q0, q1), _mm256_packs_epi32(q2, q3));
        _mm256_storeu_si256((__m256i *)(codes + i), _mm256_permutevar8x32_epi32(packed, order));
    }
    for (; i < count; i++) {
        float q = rintf(v[i] * inverse);
        codes[i] = (int8_t)(q > 127 ? 127 : q < -127 ? -127 : q);
    }
    return most / 127.0f;
}

#pragma clang attribute pop
#endif
