// Tollgate's own C kernels, compiled for AVX-512, AVX2 and portable C and chosen by cpuid at run
// time: matrix products that read ggml's block formats directly, so decode streams the model's
// quantized bytes instead of their Float32 expansion, decode attention, and the worker pool the
// parallel loops run on. Reached from one Swift file only (TensorKit/NativeKernels.swift).
#ifndef TOLLGATE_CKERNELS_H
#define TOLLGATE_CKERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Weight storage formats, numbered as ggml's `enum ggml_type`; the K formats' 256-value super-blocks
/// are read through a repacking into 32-value blocks with Float32 scales (ModelIO's
/// KQuantRepacking), numbered as their ggml type + 100.
enum {
    CK_FORMAT_F32 = 0,
    CK_FORMAT_F16 = 1,
    CK_FORMAT_Q4_0 = 2,
    CK_FORMAT_Q4_1 = 3,
    CK_FORMAT_Q5_0 = 6,
    CK_FORMAT_Q8_0 = 8,
    /// Q4_K repacked: { float d·scale; float dmin·min; 16 bytes of codes, value l in the low nibble
    /// of byte l and value l + 16 in its high nibble }, 24 bytes; x = code·(d·scale) − dmin·min.
    CK_FORMAT_Q4_KX = 112,
    /// Q6_K repacked: { float d·scale of values 0–15; of values 16–31; 32 × int8 code − 32 }, 40 bytes.
    CK_FORMAT_Q6_KX = 114,
};

/// Instruction sets the kernels are built for; `ck_best_isa` is the fastest this CPU runs.
enum {
    CK_ISA_PORTABLE = 0,
    CK_ISA_AVX2 = 1,
    CK_ISA_AVX512 = 2,
};

/// The best instruction set this CPU (and OS) supports, checked with cpuid once.
int ck_best_isa(void);

/// Values per block of `format` (32 for the Q formats, 1 for F16/F32), or 0 if unsupported.
int ck_block_values(int format);

/// Bytes per block of `format`, or 0 if unsupported.
int ck_block_bytes(int format);

/// y[r * ldy + o] = alpha · Σ_k x[r * ldx + k] · W[o][k] for r < rows and outBegin ≤ o < outEnd, or
/// += that when `accumulate` is non-zero (alpha = 1 without accumulating stores the sum itself).
/// Row o of W holds `inFeatures` values in `format` at `weights + o * rowBytes`. Each weight is
/// decoded to Float32 exactly as the dequantizer does (no fused multiply-add), then accumulated
/// with FMA into 16 lanes in block order and summed in a fixed tree: a row's result depends on
/// neither `rows` nor the output range, so batched and one-at-a-time products agree bit for bit.
/// `isa` must not exceed `ck_best_isa()`. Returns 0, or -1 for an unsupported format or shape.
int ck_quantized_linear(int isa, int format, const void *weights, size_t rowBytes, int inFeatures,
                        const float *x, size_t ldx, int rows,
                        float *y, size_t ldy, int outBegin, int outEnd, float alpha, int accumulate);

/// Attention of one query token over `length` cached positions, for the `group` query heads that
/// share one KV head: q_g at q + g·qStride (headDim floats), key and value of position t at
/// keys + t·kvStride and values + t·kvStride. Writes the softmax of scale · q_g · k_t over t to
/// scores + g·scoreStride (length floats) and Σ_t p_g,t · v_t to out + g·outStride (headDim floats).
/// Returns 0, or -1 for an empty shape or an `isa` above `ck_best_isa()`.
int ck_attention_row(int isa, int group, int headDim, int length, float scale,
                     const float *q, size_t qStride, const float *keys, const float *values, size_t kvStride,
                     float *scores, size_t scoreStride, float *out, size_t outStride);

/// One position's logits (n floats at row, in place) → gradScale · (softmax − onehot(target)), the
/// gradient of the cross-entropy; *loss ← −log softmax[target] (double). Exponentials as `exp16`, their
/// sum in float lanes flushed to double every 1,024 terms. Returns 0, or -1 for an empty row, a target
/// outside it or an `isa` above `ck_best_isa()`.
int ck_softmax_cross_entropy_row(int isa, float *row, int n, int target, float gradScale, double *loss);

/// 1 when this CPU has AVX-512 BF16 (vdpbf16ps), which the bf16 products below need; else 0.
int ck_bf16_available(void);

/// Number of uint16_t a (k × n) operand takes once packed by `ck_bf16_pack` (panels of 64 columns,
/// k padded to even, zeros past n).
size_t ck_bf16_packed_count(int k, int n);

/// Packs the (k × n) operand B, element (i, j) at b[i·rowStride + j·columnStride], into `packed`
/// (ck_bf16_packed_count values), each rounded to bfloat16 to nearest even. A weight W (out, in)
/// stored row-major packs as Wᵀ with (rowStride 1, columnStride in) and as W with (in, 1).
void ck_bf16_pack(const float *b, size_t rowStride, size_t columnStride, int k, int n, uint16_t *packed);

/// C (m × n, row stride ldc) = alpha · A·B + beta · C with A (m × k, row stride lda) rounded to
/// bfloat16 and B packed by `ck_bf16_pack`; products are exact and summed in float32, pair by pair in
/// k order, so a row's result depends neither on m nor on `threads`. C is not read when beta is 0.
/// Returns 0, or -1 without AVX-512 BF16 or for a bad shape.
int ck_bf16_gemm(int m, int n, int k, float alpha, const float *a, size_t lda, const uint16_t *packed,
                 float beta, float *c, size_t ldc, int threads);

/// Instruction sets of the int8 products: a 4-byte dot product per lane with AVX-512 VNNI
/// (vpdpbusd), pairs of byte products with AVX2 (vpmaddubsw, vpmaddwd), plain C otherwise.
enum {
    CK_INT8_PORTABLE = 0,
    CK_INT8_AVX2 = 1,
    CK_INT8_VNNI512 = 2,
};

/// The best int8 instruction set this CPU (and OS) supports, checked with cpuid once.
int ck_int8_best_isa(void);

/// Bytes a (k × n) operand takes once packed by `ck_int8_pack` in scale blocks of `block` values along
/// k (a multiple of 4 from 4 to 64; 0 bytes otherwise): panels of 16 columns, each a header (per block,
/// 16 float scales and 16 int32 offsets, −128 · the code sums) and ceil(k/4) quads of 16 × 4 codes.
size_t ck_int8_packed_bytes(int k, int n, int block);

/// Packs the (k × n) operand B, element (i, j) at b[i·rowStride + j·columnStride], into `packed`
/// (ck_int8_packed_bytes, 64-byte aligned): each block of `block` k of column j quantized on its own,
/// s_b,j = max |B[block b][j]| / 127, q = round-to-nearest-even(B · (127 / max)) in [-127, 127] — for a
/// weight W (out, in) stored row-major, packed as Wᵀ with (rowStride 1, columnStride in) in blocks of
/// 32, these are the codes and scales of ggml's Q8_0 (a Q8_0 tensor dequantized and packed gets its
/// own codes and scales back exactly: each block's largest code is ±127).
void ck_int8_pack(const float *b, size_t rowStride, size_t columnStride, int k, int n, int block, void *packed);

/// The part of `ck_int8_pack` for rows kFirst ..< kFirst + kCount and columns nFirst ..< nFirst + nCount of
/// B, with `b` pointing at element (kFirst, nFirst): a large operand packed a slice at a time from a
/// small scratch. `packed` is zeroed by the caller before the first part; every element must then be
/// packed by exactly one part. kFirst is a multiple of `block`, kCount too unless the slice ends at k,
/// and nFirst a multiple of 16. The packed bytes equal `ck_int8_pack`'s. Returns 0, or -1 for bad bounds.
int ck_int8_pack_part(const float *b, size_t rowStride, size_t columnStride, int k, int n, int block, int kFirst,
                      int kCount, int nFirst, int nCount, void *packed);

/// C (m × n, row stride ldc) = alpha · A·B + beta · C, SwitchBack-style: each block of `block` values
/// (B's) of a row of A is quantized on the fly as B's are (s_r,b = max |A[r][block b]| / 127), the code products
/// of each block are summed exactly in int32, and C[r][j] = alpha · Σ_b float(Σ_r,j,b) · (s_r,b · s_b,j)
/// (fused, in block order) (+ beta · C, fused). Every `isa` gives the same bits, whatever m and
/// `threads`. C is not read when beta is 0.
/// Returns 0, or -1 for a bad shape or an `isa` above `ck_int8_best_isa()`.
int ck_int8_gemm(int isa, int m, int n, int k, int block, float alpha, const float *a, size_t lda, const void *packed,
                 float beta, float *c, size_t ldc, int threads);

/// Calls body(context, i) for every i in 0 ..< count on the calling thread and up to threads − 1
/// pool workers, and returns when every call has returned. Idle workers poll for 0.3 ms (spinning,
/// then yielding the CPU) before they sleep, so a run of small jobs (a decode step) does not pay a
/// thread wake-up for each. A call made
/// while another is running (another thread, or from inside a body) runs serially on its caller.
void ck_parallel_for(int count, int threads, void (*body)(void *context, int index), void *context);

/// Sends idle pool workers to sleep now instead of after their polling time: called before work
/// that brings its own threads (OpenBLAS), which polling workers would slow down.
void ck_pool_park(void);

/// Frees the products' scratch buffers (grown to their largest call; the next product allocates
/// again), then returns to the kernel the free pages of every malloc arena (glibc's malloc_trim), the
/// pool workers' included: memory freed after a burst of allocations on those threads stays resident
/// otherwise, in holes between the allocations that live on.
void ck_release_free_memory(void);

#ifdef __cplusplus
}
#endif

#endif
