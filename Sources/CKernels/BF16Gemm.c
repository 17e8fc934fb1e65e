// Matrix products in bfloat16 with float32 accumulation, on AVX-512 BF16 (vdpbf16ps: sixteen lanes,
// each adding two bf16 products to a float32 sum, twice the float32 FMA rate on Zen 4). Used where
// a caller asks for bf16 arithmetic: the frozen weights of LoRA training and of batched inference.
//
// B (k × n) is packed once (a frozen weight) in panels of 64 columns: pair p of column j of a panel
// holds B[2p][j], B[2p+1][j] side by side, so one 64-byte load gives sixteen columns' pairs. A is
// rounded to bf16 row by row into a scratch; the kernel broadcasts a row's pair (A[i][2p], A[i][2p+1])
// and multiplies it with the panel's pairs. Every output accumulates its pairs in k order in one
// lane, so the result of a row depends neither on the other rows nor on the thread count.
#include "CKernels.h"
#include "ProductScratch.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { PANEL = 64, TILE_ROWS = 6, ROWS_PER_JOB = 96, JOBS_PER_THREAD = 8 };

/// Float32 → bfloat16 bits, rounded to nearest even (NaN stays NaN) — vcvtneps2bf16's rounding.
static inline uint16_t bf16_bits(float value) {
    uint32_t u;
    memcpy(&u, &value, 4);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40);
    u += 0x7fffu + ((u >> 16) & 1u);
    return (uint16_t)(u >> 16);
}

static size_t panel_pairs(int k) { return (size_t)(k + 1) / 2; }

size_t ck_bf16_packed_count(int k, int n) {
    if (k <= 0 || n <= 0) return 0;
    size_t panels = ((size_t)n + PANEL - 1) / PANEL;
    return panels * panel_pairs(k) * PANEL * 2;
}

void ck_bf16_pack(const float *b, size_t rowStride, size_t columnStride, int k, int n, uint16_t *packed) {
    size_t pairs = panel_pairs(k), panels = ((size_t)n + PANEL - 1) / PANEL;
    for (size_t panel = 0; panel < panels; panel++) {
        uint16_t *out = packed + panel * pairs * PANEL * 2;
        for (size_t p = 0; p < pairs; p++) {
            for (int c = 0; c < PANEL; c++) {
                size_t j = panel * PANEL + (size_t)c;
                for (int h = 0; h < 2; h++) {
                    size_t row = 2 * p + (size_t)h;
                    float value = (j < (size_t)n && row < (size_t)k) ? b[row * rowStride + j * columnStride] : 0;
                    out[(p * PANEL + (size_t)c) * 2 + (size_t)h] = bf16_bits(value);
                }
            }
        }
    }
}

int ck_bf16_available(void) {
#if defined(__x86_64__)
    static int cached = -1;
    if (cached < 0) {
        __builtin_cpu_init();
        cached = ck_best_isa() == CK_ISA_AVX512 && __builtin_cpu_supports("avx512bf16");
    }
    return cached;
#else
    return 0;
#endif
}

#if defined(__x86_64__)
#include <immintrin.h>

#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16"))), apply_to = function)

/// One row of A, `k` floats → bf16 bits, the odd tail padded with a zero.
static void round_row(const float *a, int k, uint16_t *out) {
    int i = 0;
    for (; i + 16 <= k; i += 16)
        _mm256_storeu_si256((__m256i *)(out + i), (__m256i)_mm512_cvtneps_pbh(_mm512_loadu_ps(a + i)));
    if (i < k) {
        __mmask16 mask = (__mmask16)((1u << (k - i)) - 1);
        __m256bh rounded = _mm512_cvtneps_pbh(_mm512_maskz_loadu_ps(mask, a + i));
        _mm256_mask_storeu_epi16(out + i, mask, (__m256i)rounded);
    }
    if (k & 1) out[k] = 0;
}

/// C rows [0, ROWS) × one panel's `columns` (≤ 64) = alpha · A·B + beta · C: ROWS × 4 accumulators
/// of sixteen columns. `a` holds the rows' bf16 pairs, `aStride` uint32 apart. Instantiated for
/// every ROWS ≤ TILE_ROWS so a short tail (or a single decode row) does only its own work.
#define CK_BF16_TILE(ROWS)                                                                                  \
    static void tile_##ROWS(size_t pairs, const uint32_t *a, size_t aStride, const uint16_t *panel,         \
                            float *c, size_t ldc, int columns, float alpha, float beta) {                  \
        __m512 acc[ROWS][4];                                                                                \
        for (int r = 0; r < ROWS; r++)                                                                      \
            for (int j = 0; j < 4; j++) acc[r][j] = _mm512_setzero_ps();                                    \
        for (size_t p = 0; p < pairs; p++) {                                                                \
            const uint16_t *bp = panel + p * PANEL * 2;                                                     \
            __m512bh b0 = (__m512bh)_mm512_loadu_si512(bp), b1 = (__m512bh)_mm512_loadu_si512(bp + 32);    \
            __m512bh b2 = (__m512bh)_mm512_loadu_si512(bp + 64), b3 = (__m512bh)_mm512_loadu_si512(bp + 96);\
            for (int r = 0; r < ROWS; r++) {                                                                \
                __m512bh x = (__m512bh)_mm512_set1_epi32((int)a[(size_t)r * aStride + p]);                 \
                acc[r][0] = _mm512_dpbf16_ps(acc[r][0], x, b0);                                             \
                acc[r][1] = _mm512_dpbf16_ps(acc[r][1], x, b1);                                             \
                acc[r][2] = _mm512_dpbf16_ps(acc[r][2], x, b2);                                             \
                acc[r][3] = _mm512_dpbf16_ps(acc[r][3], x, b3);                                             \
            }                                                                                               \
        }                                                                                                   \
        for (int r = 0; r < ROWS; r++) store_row(acc[r], c + (size_t)r * ldc, columns, alpha, beta);       \
    }

/// out[0, columns) = alpha · sums + beta · out (out not read when beta is 0).
static inline void store_row(const __m512 sums[4], float *out, int columns, float alpha, float beta) {
    __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
    for (int j = 0; j < 4; j++) {
        int left = columns - 16 * j;
        if (left <= 0) break;
        __mmask16 mask = left >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << left) - 1);
        __m512 value = _mm512_mul_ps(va, sums[j]);
        if (beta != 0) value = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(mask, out + 16 * j), value);
        _mm512_mask_storeu_ps(out + 16 * j, mask, value);
    }
}

CK_BF16_TILE(1)
CK_BF16_TILE(2)
CK_BF16_TILE(3)
CK_BF16_TILE(4)
CK_BF16_TILE(5)
CK_BF16_TILE(6)

static void tile(int rows, size_t pairs, const uint32_t *a, size_t aStride, const uint16_t *panel,
                 float *c, size_t ldc, int columns, float alpha, float beta) {
    switch (rows) {
    case 1: tile_1(pairs, a, aStride, panel, c, ldc, columns, alpha, beta); break;
    case 2: tile_2(pairs, a, aStride, panel, c, ldc, columns, alpha, beta); break;
    case 3: tile_3(pairs, a, aStride, panel, c, ldc, columns, alpha, beta); break;
    case 4: tile_4(pairs, a, aStride, panel, c, ldc, columns, alpha, beta); break;
    case 5: tile_5(pairs, a, aStride, panel, c, ldc, columns, alpha, beta); break;
    default: tile_6(pairs, a, aStride, panel, c, ldc, columns, alpha, beta); break;
    }
}

#pragma clang attribute pop
#endif

typedef struct {
    int m, n, k;
    float alpha, beta;
    const float *a;
    size_t lda;
    const uint16_t *packed;
    float *c;
    size_t ldc;
    uint16_t *rounded;                       // (m, 2·pairs) bf16 copy of A
    int rowJobs, rowsPerJob;
} Product;

static void round_rows(void *context, int job) {
#if defined(__x86_64__)
    Product *g = context;
    size_t width = 2 * panel_pairs(g->k);
    int begin = job * g->rowsPerJob, end = begin + g->rowsPerJob < g->m ? begin + g->rowsPerJob : g->m;
    for (int i = begin; i < end; i++) round_row(g->a + (size_t)i * g->lda, g->k, g->rounded + (size_t)i * width);
#else
    (void)context; (void)job;
#endif
}

/// Job = one panel × rowsPerJob rows; the panel (k × 64 bf16) stays in L2 across the job's tiles.
static void multiply_job(void *context, int job) {
#if defined(__x86_64__)
    Product *g = context;
    int panel = job / g->rowJobs, rowJob = job % g->rowJobs;
    size_t pairs = panel_pairs(g->k);
    const uint16_t *b = g->packed + (size_t)panel * pairs * PANEL * 2;
    int column = panel * PANEL, columns = g->n - column < PANEL ? g->n - column : PANEL;
    int begin = rowJob * g->rowsPerJob, end = begin + g->rowsPerJob < g->m ? begin + g->rowsPerJob : g->m;
    // The job's rows in as few tiles as fit, of near-equal height (32 rows: 6,6,5,5,5,5 rather than
    // five of 6 and one of 2, whose few accumulators cannot hide the panel loads).
    int tiles = (end - begin + TILE_ROWS - 1) / TILE_ROWS;
    for (int t = 0, i = begin; t < tiles; t++) {
        int rows = (end - i) / (tiles - t) + ((end - i) % (tiles - t) != 0);
        tile(rows, pairs, (const uint32_t *)(g->rounded + (size_t)i * 2 * pairs), pairs, b,
             g->c + (size_t)i * g->ldc + column, g->ldc, columns, g->alpha, g->beta);
        i += rows;
    }
#else
    (void)context; (void)job;
#endif
}

int ck_bf16_gemm(int m, int n, int k, float alpha, const float *a, size_t lda, const uint16_t *packed,
                 float beta, float *c, size_t ldc, int threads) {
    if (!ck_bf16_available() || m < 0 || n < 0 || k <= 0 || lda < (size_t)k || ldc < (size_t)n) return -1;
    if (m == 0 || n == 0) return 0;
    size_t need = (size_t)m * 2 * panel_pairs(k);
    // The rounded copy of A, reused between calls (ProductScratch.h).
    uint16_t *scratch = ck_scratch_acquire(&ck_bf16_scratch, need * sizeof(uint16_t));
    if (!scratch) return -1;
    // Row jobs of at most ROWS_PER_JOB rows; a product with few panels (decode: 32 rows × 9 panels)
    // splits its rows further so every thread gets about as much work (9 jobs on 2 threads idle
    // one of them a ninth of the time).
    int panels = (n + PANEL - 1) / PANEL;
    int rowJobs = (m + ROWS_PER_JOB - 1) / ROWS_PER_JOB, wanted = JOBS_PER_THREAD * (threads > 1 ? threads : 1);
    if (threads > 1 && panels * rowJobs < wanted) {
        int split = (wanted + panels - 1) / panels, most = (m + TILE_ROWS - 1) / TILE_ROWS;
        rowJobs = split < most ? split : most;
    }
    int rowsPerJob = (m + rowJobs - 1) / rowJobs;
    rowJobs = (m + rowsPerJob - 1) / rowsPerJob;
    Product g = { m, n, k, alpha, beta, a, lda, packed, c, ldc, scratch, rowJobs, rowsPerJob };
    ck_parallel_for(g.rowJobs, threads, round_rows, &g);
    ck_parallel_for(panels * g.rowJobs, threads, multiply_job, &g);
    ck_scratch_release(&ck_bf16_scratch);
    return 0;
}
