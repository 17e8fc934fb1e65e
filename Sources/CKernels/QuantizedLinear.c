// The quantized linear kernel for every instruction set (QuantizedLinearTemplate.h) and its entry
// point. Every instantiation computes the same arithmetic in the same order; only the register
// width differs, so all of them agree bit for bit wherever FMA is used (AVX2, AVX-512).
#include "CKernels.h"

#include "Vectors.h"

#define CK_TEMPLATE "QuantizedLinearTemplate.h"
#include "Instantiate.h"

// MARK: - Dispatch

static int linear(int isa, int format, const void *weights, size_t rowBytes, int inFeatures,
                  const float *x, size_t ldx, int rows, float *y, size_t ldy, int outBegin, int outEnd);

int ck_block_values(int format) {
    switch (format) {
    case CK_FORMAT_F32: case CK_FORMAT_F16: return 1;
    case CK_FORMAT_Q4_0: case CK_FORMAT_Q4_1: case CK_FORMAT_Q5_0: case CK_FORMAT_Q8_0:
    case CK_FORMAT_Q4_KX: case CK_FORMAT_Q6_KX: return 32;
    default: return 0;
    }
}

int ck_block_bytes(int format) {
    switch (format) {
    case CK_FORMAT_F32: return 4;
    case CK_FORMAT_F16: return 2;
    case CK_FORMAT_Q4_0: return 18;
    case CK_FORMAT_Q4_1: return 20;
    case CK_FORMAT_Q5_0: return 22;
    case CK_FORMAT_Q8_0: return 34;
    case CK_FORMAT_Q4_KX: return 24;
    case CK_FORMAT_Q6_KX: return 40;
    default: return 0;
    }
}

int ck_quantized_linear(int isa, int format, const void *weights, size_t rowBytes, int inFeatures,
                        const float *x, size_t ldx, int rows,
                        float *y, size_t ldy, int outBegin, int outEnd, float alpha, int accumulate) {
    int block = ck_block_values(format);
    if (block == 0 || inFeatures <= 0 || inFeatures % block != 0 || rows < 0 || outBegin < 0 || outBegin > outEnd ||
        rowBytes < (size_t)(inFeatures / block) * (size_t)ck_block_bytes(format) || isa > ck_best_isa())
        return -1;
    if (rows == 0 || outBegin == outEnd) return 0;
    if (accumulate || alpha != 1) {
        // Scaled or accumulated (LoRA's second product): the plain sums into a scratch, then applied.
        int width = outEnd - outBegin;
        float *sums = malloc((size_t)rows * (size_t)width * sizeof(float));
        if (!sums) return -1;
        int status = linear(isa, format, (const uint8_t *)weights + (size_t)outBegin * rowBytes, rowBytes, inFeatures,
                            x, ldx, rows, sums, (size_t)width, 0, width);
        for (int r = 0; r < rows && status == 0; r++) {
            for (int o = 0; o < width; o++) {
                float scaled = alpha * sums[(size_t)r * width + o];
                float *target = y + (size_t)r * ldy + outBegin + o;
                *target = accumulate ? *target + scaled : scaled;
            }
        }
        free(sums);
        return status;
    }
    return linear(isa, format, weights, rowBytes, inFeatures, x, ldx, rows, y, ldy, outBegin, outEnd);
}

static int linear(int isa, int format, const void *weights, size_t rowBytes, int inFeatures,
                  const float *x, size_t ldx, int rows, float *y, size_t ldy, int outBegin, int outEnd) {
    const uint8_t *w = weights;
    switch (isa) {
#if defined(__x86_64__)
    case CK_ISA_AVX512: return linear_avx512(format, w, rowBytes, inFeatures, x, ldx, rows, y, ldy, outBegin, outEnd);
    case CK_ISA_AVX2: return linear_avx2(format, w, rowBytes, inFeatures, x, ldx, rows, y, ldy, outBegin, outEnd);
#endif
    case CK_ISA_PORTABLE: return linear_portable(format, w, rowBytes, inFeatures, x, ldx, rows, y, ldy, outBegin, outEnd);
    default: return -1;
    }
}
