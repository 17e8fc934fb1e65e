// The int8 products' packed layout and quantization, shared by Int8Pack.c (packing the frozen
// operand) and Int8Gemm.c (quantizing the input, the kernels). Private to CKernels (not under include/).
#ifndef TOLLGATE_CKERNELS_INT8_LAYOUT_H
#define TOLLGATE_CKERNELS_INT8_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

// Columns per panel. A pack's scale blocks are `block` values along k (a multiple of 4 from 4 to 64):
// whole 4-value quads, one vpdpbusd step each.
enum { CK_INT8_PANEL = 16 };

static inline size_t ck_int8_quads(int k) { return ((size_t)k + 3) / 4; }
static inline size_t ck_int8_blocks(int k, int block) { return ((size_t)k + (size_t)block - 1) / (size_t)block; }
/// A panel: per block, 16 float column scales and 16 int32 offsets (−128 · the block's code sum); then
/// the codes, quad by quad, 16 columns × 4 bytes each.
static inline size_t ck_int8_header_bytes(int k, int block) { return 128 * ck_int8_blocks(k, block); }
static inline size_t ck_int8_panel_bytes(int k, int block) {
    return ck_int8_header_bytes(k, block) + ck_int8_quads(k) * CK_INT8_PANEL * 4;
}
/// Whether `block` is a scale block size the kernels take.
static inline int ck_int8_valid_block(int block) { return block >= 4 && block <= 64 && block % 4 == 0; }

/// Codes and scale of `count` values at stride `stride`: scale = max|v| / 127, code =
/// round-to-nearest-even(v · (127 / max)) (all 0 for an all-zero vector, scale NaN when a value is
/// NaN or infinite). The same arithmetic for A and B, in every instruction set.
__attribute__((visibility("hidden")))
float ck_int8_quantize(const float *v, size_t stride, int count, int8_t *codes);

/// `ck_int8_quantize` of `count` contiguous values with AVX2: the same codes and scale, faster.
__attribute__((visibility("hidden")))
float ck_int8_quantize_avx2(const float *v, int count, int8_t *codes);

#endif
