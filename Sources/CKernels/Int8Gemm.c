// Matrix products in int8 with exact int32 sums (SwitchBack-style: the frozen operand quantized once,
// the input on the fly), for the frozen weights of `.int8` inference and training. Both operands have
// a scale per block of 32 values along k, as ggml's Q8_0 weights and llama.cpp's Q8 activation blocks:
// with a scale per whole row or column, one outlier feature flattened the others (SmolLM2's logits
// moved by 1.9 with row-wise inputs, 0.8 with row-wise weights; 0.1 with blocks).
//
// B (k × n) is packed once (Int8Pack.c, layout in Int8Layout.h) in panels of 16 columns: a header
// with, per block of 32 k, the 16 columns' scales and offsets (−128 · their code sums), then for each
// quad of 4 consecutive k the 16 columns' 4 codes side by side (64 bytes), so one 64-byte load feeds
// one vpdpbusd for 16 columns. A is quantized block by block into a scratch; the kernel broadcasts a row's 4 codes and multiplies them with the panel's quads,
// sums each block exactly in int32, then adds float(sum) · (s_A · s_B) of the block into a float32 lane.
//
// The dot products are exact whatever the instruction set, so every instantiation gives the same
// sums; the float arithmetic after (per block the product of the two scales and one fused multiply-add,
// in block order; then alpha) is written out the same way in each, so the results agree bit for bit:
// - AVX-512 VNNI: vpdpbusd multiplies unsigned by signed bytes, so A's codes are stored + 128
//   (1..255) and each block's sum starts from −128 · Σ_i B[i][j] over the block, in int32.
// - AVX2: vpmaddubsw adds two u8 × s8 products into int16 with saturation, which 255 · 127 · 2
//   would reach; so A's codes stay signed and the sign moves to B (|a| · sign(b, a) = a · b, at
//   most 127 · 127 · 2 = 32258), then vpmaddwd widens pairs to int32.
// - portable: the same sums in C.
#include "CKernels.h"
#include "ProductScratch.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "Int8Layout.h"

enum { PANEL = CK_INT8_PANEL };
enum { PANELS_PER_JOB = 4, ROWS_PER_JOB = 96, JOBS_PER_THREAD = 8 };

/// C[r][j] from the blocks' float sum Σ_b float(sum_b) · (s_A,r,b · s_B,b,j) (fused, in block order):
/// alpha · that, + beta · C fused; the same operations in the same order as the vector stores.
static inline float scaled(float blockSum, float alpha, float beta, const float *c) {
    float value = alpha * blockSum;
    return beta != 0 ? fmaf(beta, *c, value) : value;
}

// MARK: - Portable

static void tile_portable(int rows, size_t quads, size_t quadsPerBlock, const int8_t *a, size_t aStride, const float *aScales,
                          size_t scaleStride, const uint8_t *panel, float *c, size_t ldc, int columns, float alpha,
                          float beta) {
    const int8_t *b = (const int8_t *)(panel + 128 * ((quads + quadsPerBlock - 1) / quadsPerBlock));
    for (int r = 0; r < rows; r++) {
        for (int j = 0; j < columns; j++) {
            float total = 0;
            for (size_t q0 = 0, block = 0; q0 < quads; q0 += quadsPerBlock, block++) {
                int32_t sum = 0;
                for (size_t g = q0; g < quads && g < q0 + quadsPerBlock; g++)
                    for (int t = 0; t < 4; t++) sum += (int32_t)a[(size_t)r * aStride + 4 * g + t] * b[(g * PANEL + j) * 4 + t];
                float scale = aScales[(size_t)r * scaleStride + block] * ((const float *)(panel + 128 * block))[j];
                total = fmaf((float)sum, scale, total);
            }
            c[(size_t)r * ldc + j] = scaled(total, alpha, beta, c + (size_t)r * ldc + j);
        }
    }
}

#if defined(__x86_64__)
#include <immintrin.h>

// MARK: - AVX2: up to 2 rows × one panel (two 8-lane int32 and two float32 accumulators per row)

#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)

static inline __attribute__((always_inline))
void store8_avx2(__m256 total, float alpha, float beta, float *c, int columns) {
    __m256 value = _mm256_mul_ps(_mm256_set1_ps(alpha), total);
    if (columns >= 8) {
        if (beta != 0) value = _mm256_fmadd_ps(_mm256_set1_ps(beta), _mm256_loadu_ps(c), value);
        _mm256_storeu_ps(c, value);
        return;
    }
    float lanes[8];
    _mm256_storeu_ps(lanes, value);
    for (int j = 0; j < columns; j++) c[j] = beta != 0 ? fmaf(beta, c[j], lanes[j]) : lanes[j];
}

static inline __attribute__((always_inline))
void tile_avx2(const int rows, size_t quads, size_t quadsPerBlock, const int8_t *a, size_t aStride, const float *aScales, size_t scaleStride,
               const uint8_t *panel, float *c, size_t ldc, int columns, float alpha, float beta) {
    __m256 total[2][2];
    const __m256i ones = _mm256_set1_epi16(1);
    for (int r = 0; r < rows; r++) total[r][0] = total[r][1] = _mm256_setzero_ps();
    const uint8_t *b = panel + 128 * ((quads + quadsPerBlock - 1) / quadsPerBlock);
    for (size_t q0 = 0, block = 0; q0 < quads; q0 += quadsPerBlock, block++) {
        __m256i acc[2][2];
        for (int r = 0; r < rows; r++) acc[r][0] = acc[r][1] = _mm256_setzero_si256();
        size_t end = q0 + quadsPerBlock < quads ? q0 + quadsPerBlock : quads;
        for (size_t g = q0; g < end; g++) {
            __m256i b0 = _mm256_load_si256((const __m256i *)(b + g * 64));
            __m256i b1 = _mm256_load_si256((const __m256i *)(b + g * 64 + 32));
            for (int r = 0; r < rows; r++) {
                int32_t four;
                memcpy(&four, a + (size_t)r * aStride + 4 * g, 4);
                __m256i x = _mm256_set1_epi32(four), magnitude = _mm256_abs_epi8(x);
                __m256i p0 = _mm256_maddubs_epi16(magnitude, _mm256_sign_epi8(b0, x));
                __m256i p1 = _mm256_maddubs_epi16(magnitude, _mm256_sign_epi8(b1, x));
                acc[r][0] = _mm256_add_epi32(acc[r][0], _mm256_madd_epi16(p0, ones));
                acc[r][1] = _mm256_add_epi32(acc[r][1], _mm256_madd_epi16(p1, ones));
            }
        }
        const float *bScales = (const float *)(panel + 128 * block);
        __m256 b0Scales = _mm256_load_ps(bScales), b1Scales = _mm256_load_ps(bScales + 8);
        for (int r = 0; r < rows; r++) {
            __m256 aScale = _mm256_set1_ps(aScales[(size_t)r * scaleStride + block]);
            total[r][0] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(acc[r][0]), _mm256_mul_ps(aScale, b0Scales), total[r][0]);
            total[r][1] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(acc[r][1]), _mm256_mul_ps(aScale, b1Scales), total[r][1]);
        }
    }
    for (int r = 0; r < rows; r++) {
        store8_avx2(total[r][0], alpha, beta, c + (size_t)r * ldc, columns);
        if (columns > 8) store8_avx2(total[r][1], alpha, beta, c + (size_t)r * ldc + 8, columns - 8);
    }
}

static void tiles_avx2(int rows, size_t quads, size_t quadsPerBlock, const int8_t *a, size_t aStride, const float *aScales, size_t scaleStride,
                       const uint8_t *panel, float *c, size_t ldc, int columns, float alpha, float beta) {
    int r = 0;
    for (; r + 2 <= rows; r += 2)
        tile_avx2(2, quads, quadsPerBlock, a + (size_t)r * aStride, aStride, aScales + (size_t)r * scaleStride, scaleStride, panel,
                  c + (size_t)r * ldc, ldc, columns, alpha, beta);
    if (r < rows)
        tile_avx2(1, quads, quadsPerBlock, a + (size_t)r * aStride, aStride, aScales + (size_t)r * scaleStride, scaleStride, panel,
                  c + (size_t)r * ldc, ldc, columns, alpha, beta);
}

#pragma clang attribute pop

// MARK: - AVX-512 VNNI: up to 6 rows × two panels (a 16-lane int32 and float32 accumulator per row and panel)

#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,fma"))), apply_to = function)

static inline __attribute__((always_inline))
void store16_vnni(__m512 total, float alpha, float beta, float *c, int columns) {
    __m512 value = _mm512_mul_ps(_mm512_set1_ps(alpha), total);
    __mmask16 mask = columns >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << columns) - 1);
    if (beta != 0) value = _mm512_fmadd_ps(_mm512_set1_ps(beta), _mm512_maskz_loadu_ps(mask, c), value);
    _mm512_mask_storeu_ps(c, mask, value);
}

enum { VNNI_ROWS = 6 };

static inline __attribute__((always_inline))
void tile_vnni(const int rows, const int panels, size_t quads, size_t quadsPerBlock, const uint8_t *a, size_t aStride, const float *aScales,
               size_t scaleStride, const uint8_t *panel, size_t panelStride, float *c, size_t ldc, int columns,
               float alpha, float beta) {
    __m512 total[VNNI_ROWS][2];
    for (int r = 0; r < rows; r++) total[r][0] = total[r][1] = _mm512_setzero_ps();
    size_t header = 128 * ((quads + quadsPerBlock - 1) / quadsPerBlock);
    const uint8_t *b0p = panel + header, *b1p = panel + panelStride + header;
    for (size_t q0 = 0, block = 0; q0 < quads; q0 += quadsPerBlock, block++) {
        // A's codes are stored + 128: each sum starts from −128 · Σ B over the block, so it ends exact.
        const uint8_t *h0 = panel + 128 * block, *h1 = panel + panelStride + 128 * block;
        __m512i offset0 = _mm512_load_si512((const void *)(h0 + 64));
        __m512i offset1 = panels > 1 ? _mm512_load_si512((const void *)(h1 + 64)) : offset0;
        __m512i acc[VNNI_ROWS][2];
        for (int r = 0; r < rows; r++) {
            acc[r][0] = offset0;
            acc[r][1] = offset1;
        }
        size_t end = q0 + quadsPerBlock < quads ? q0 + quadsPerBlock : quads;
        for (size_t g = q0; g < end; g++) {
            __m512i b0 = _mm512_load_si512((const void *)(b0p + g * 64));
            __m512i b1 = panels > 1 ? _mm512_load_si512((const void *)(b1p + g * 64)) : b0;
            for (int r = 0; r < rows; r++) {
                int32_t four;
                memcpy(&four, a + (size_t)r * aStride + 4 * g, 4);
                __m512i x = _mm512_set1_epi32(four);
                acc[r][0] = _mm512_dpbusd_epi32(acc[r][0], x, b0);
                if (panels > 1) acc[r][1] = _mm512_dpbusd_epi32(acc[r][1], x, b1);
            }
        }
        __m512 b0Scales = _mm512_load_ps((const float *)h0);
        __m512 b1Scales = panels > 1 ? _mm512_load_ps((const float *)h1) : b0Scales;
        for (int r = 0; r < rows; r++) {
            __m512 aScale = _mm512_set1_ps(aScales[(size_t)r * scaleStride + block]);
            total[r][0] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(acc[r][0]), _mm512_mul_ps(aScale, b0Scales), total[r][0]);
            if (panels > 1)
                total[r][1] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(acc[r][1]), _mm512_mul_ps(aScale, b1Scales), total[r][1]);
        }
    }
    for (int r = 0; r < rows; r++) {
        store16_vnni(total[r][0], alpha, beta, c + (size_t)r * ldc, columns);
        if (panels > 1) store16_vnni(total[r][1], alpha, beta, c + (size_t)r * ldc + 16, columns - 16);
    }
}

#define CK_VNNI_ROWS(P)                                                                                             \
    switch (rows) {                                                                                                 \
    case 1: tile_vnni(1, P, quads, quadsPerBlock, a, aStride, aScales, scaleStride, panel, panelStride, c, ldc, columns, alpha, beta); break; \
    case 2: tile_vnni(2, P, quads, quadsPerBlock, a, aStride, aScales, scaleStride, panel, panelStride, c, ldc, columns, alpha, beta); break; \
    case 3: tile_vnni(3, P, quads, quadsPerBlock, a, aStride, aScales, scaleStride, panel, panelStride, c, ldc, columns, alpha, beta); break; \
    case 4: tile_vnni(4, P, quads, quadsPerBlock, a, aStride, aScales, scaleStride, panel, panelStride, c, ldc, columns, alpha, beta); break; \
    case 5: tile_vnni(5, P, quads, quadsPerBlock, a, aStride, aScales, scaleStride, panel, panelStride, c, ldc, columns, alpha, beta); break; \
    default: tile_vnni(6, P, quads, quadsPerBlock, a, aStride, aScales, scaleStride, panel, panelStride, c, ldc, columns, alpha, beta); break; \
    }

/// `rows` (≤ VNNI_ROWS) rows × one or two panels (`columns` ≤ 32 of them).
static void tile_rows_vnni(int rows, int panels, size_t quads, size_t quadsPerBlock, const uint8_t *a, size_t aStride, const float *aScales,
                           size_t scaleStride, const uint8_t *panel, size_t panelStride, float *c, size_t ldc, int columns,
                           float alpha, float beta) {
    if (panels > 1) { CK_VNNI_ROWS(2) } else { CK_VNNI_ROWS(1) }
}

#pragma clang attribute pop
#endif

// MARK: - Jobs

typedef struct {
    int isa, m, n, k, block;
    float alpha, beta;
    const float *a;
    size_t lda;
    const uint8_t *packed;
    float *c;
    size_t ldc;
    int8_t *codes;       // (m, 4·quads) A's codes (+ 128 for VNNI, as uint8)
    float *aScales;      // (m, blocks) A's block scales
    int rowJobs, rowsPerJob;
} Product;

static void quantize_rows(void *context, int job) {
    Product *g = context;
    size_t width = 4 * ck_int8_quads(g->k), blocks = ck_int8_blocks(g->k, g->block);
    int begin = job * g->rowsPerJob, end = begin + g->rowsPerJob < g->m ? begin + g->rowsPerJob : g->m;
    for (int i = begin; i < end; i++) {
        int8_t *row = g->codes + (size_t)i * width;
        const float *values = g->a + (size_t)i * g->lda;
        for (size_t block = 0; block < blocks; block++) {
            int first = (int)block * g->block, count = g->k - first < g->block ? g->k - first : g->block;
#if defined(__x86_64__)
            if (g->isa >= CK_INT8_AVX2)
                g->aScales[(size_t)i * blocks + block] = ck_int8_quantize_avx2(values + first, count, row + first);
            else
#endif
                g->aScales[(size_t)i * blocks + block] = ck_int8_quantize(values + first, 1, count, row + first);
        }
        for (size_t t = (size_t)g->k; t < width; t++) row[t] = 0;
        if (g->isa == CK_INT8_VNNI512)
            for (size_t t = 0; t < width; t++) row[t] = (int8_t)(uint8_t)((uint8_t)row[t] ^ 0x80);  // + 128 mod 256
    }
}

/// Job = PANELS_PER_JOB panels × rowsPerJob rows; the panels stay in L2 across the job's tiles.
static void multiply_job(void *context, int job) {
    Product *g = context;
    int panelJob = job / g->rowJobs, rowJob = job % g->rowJobs;
    size_t quads = ck_int8_quads(g->k), quadsPerBlock = (size_t)g->block / 4, width = 4 * quads;
    size_t stride = ck_int8_panel_bytes(g->k, g->block), blocks = ck_int8_blocks(g->k, g->block);
    int panelCount = (g->n + PANEL - 1) / PANEL;
    int firstPanel = panelJob * PANELS_PER_JOB;
    int lastPanel = firstPanel + PANELS_PER_JOB < panelCount ? firstPanel + PANELS_PER_JOB : panelCount;
    int begin = rowJob * g->rowsPerJob, end = begin + g->rowsPerJob < g->m ? begin + g->rowsPerJob : g->m;
    for (int p = firstPanel; p < lastPanel;) {
        int column = p * PANEL, columns = g->n - column;
        const uint8_t *panel = g->packed + (size_t)p * stride;
        const int8_t *a = g->codes + (size_t)begin * width;
        const float *aScales = g->aScales + (size_t)begin * blocks;
        float *c = g->c + (size_t)begin * g->ldc + column;
        switch (g->isa) {
#if defined(__x86_64__)
        case CK_INT8_VNNI512: {
            int panels = p + 1 < lastPanel ? 2 : 1;
            if (columns > panels * PANEL) columns = panels * PANEL;
            for (int i = 0; i < end - begin; i += VNNI_ROWS) {
                int rows = end - begin - i < VNNI_ROWS ? end - begin - i : VNNI_ROWS;
                tile_rows_vnni(rows, panels, quads, quadsPerBlock, (const uint8_t *)a + (size_t)i * width, width, aScales + (size_t)i * blocks,
                               blocks, panel, stride, c + (size_t)i * g->ldc, g->ldc, columns, g->alpha, g->beta);
            }
            p += panels;
            continue;
        }
        case CK_INT8_AVX2:
            if (columns > PANEL) columns = PANEL;
            tiles_avx2(end - begin, quads, quadsPerBlock, a, width, aScales, blocks, panel, c, g->ldc, columns, g->alpha, g->beta);
            p += 1;
            continue;
#endif
        default:
            if (columns > PANEL) columns = PANEL;
            tile_portable(end - begin, quads, quadsPerBlock, a, width, aScales, blocks, panel, c, g->ldc, columns, g->alpha, g->beta);
            p += 1;
        }
    }
}

int ck_int8_gemm(int isa, int m, int n, int k, int block, float alpha, const float *a, size_t lda, const void *packed,
                 float beta, float *c, size_t ldc, int threads) {
    if (isa < CK_INT8_PORTABLE || isa > ck_int8_best_isa() || m < 0 || n < 0 || k <= 0 || !ck_int8_valid_block(block) || lda < (size_t)k ||
        ldc < (size_t)n || ((uintptr_t)packed & 63) != 0)
        return -1;
    if (m == 0 || n == 0) return 0;
    size_t width = 4 * ck_int8_quads(k), need = (size_t)m * width + (size_t)m * ck_int8_blocks(k, block) * sizeof(float) + 64;
    // A's codes and scales, reused between calls (ProductScratch.h).
    void *scratch = ck_scratch_acquire(&ck_int8_scratch, need);
    if (!scratch) return -1;
    // As the bf16 product: row jobs of at most ROWS_PER_JOB rows, split further when there are
    // too few panel jobs to keep every thread busy.
    int panelJobs = ((n + PANEL - 1) / PANEL + PANELS_PER_JOB - 1) / PANELS_PER_JOB;
    int rowJobs = (m + ROWS_PER_JOB - 1) / ROWS_PER_JOB, wanted = JOBS_PER_THREAD * (threads > 1 ? threads : 1);
    if (threads > 1 && panelJobs * rowJobs < wanted) {
        int split = (wanted + panelJobs - 1) / panelJobs, most = (m + 5) / 6;
        rowJobs = split < most ? split : most;
    }
    int rowsPerJob = (m + rowJobs - 1) / rowJobs;
    rowJobs = (m + rowsPerJob - 1) / rowsPerJob;
    float *aScales = (float *)(((uintptr_t)scratch + (size_t)m * width + 63) & ~(uintptr_t)63);
    Product g = { isa, m, n, k, block, alpha, beta, a, lda, packed, c, ldc, scratch, aScales, rowJobs, rowsPerJob };
    ck_parallel_for(g.rowJobs, threads, quantize_rows, &g);
    ck_parallel_for(panelJobs * g.rowJobs, threads, multiply_job, &g);
    ck_scratch_release(&ck_int8_scratch);
    return 0;
}
