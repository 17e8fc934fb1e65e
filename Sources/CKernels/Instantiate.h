// Instantiates the kernel template named by CK_TEMPLATE (a quoted file name) three times: portable
// C, AVX2 + FMA + F16C, and AVX-512, each inside a `target` attribute so one binary carries all
// three and `ck_best_isa` picks at run time. Each instantiation gets:
//   CK_NAME(name)    the name with this instantiation's suffix
//   CK_FMA(a, b, c)  a · b + c on v16f (one fused operation where the ISA has FMA)
//   CK_HALF(bits)    one IEEE half (uint16_t) → float, exactly
//   CK_HALF16(p)     sixteen halves at p → v16f, exactly
//   CK_TILE_OUT, CK_TILE_ROWS, CK_DIRECT_ROWS  register tiles of the linear kernel
//   CK_NIBBLE_LOOKUP 1 where 4-bit codes are decoded by a 16-entry table lookup (AVX-512's vpermps)
// and the helpers of VectorOps.h (InstantiateOne.h expands one instantiation). Include once per
// file, after Vectors.h.

// MARK: - Portable C (the compiler's baseline vectors; no FMA)

static inline v16f load_half16_portable(const uint8_t *p) { v16f v; float f[16]; half16_bits(p, f); memcpy(&v, f, 64); return v; }
#define CK_NAME(name) name##_portable
#define CK_FMA(a, b, c) ((a) * (b) + (c))
#define CK_HALF(bits) half_bits(bits)
#define CK_HALF16(p) load_half16_portable(p)
#define CK_TILE_OUT 2
#define CK_TILE_ROWS 2
#define CK_DIRECT_ROWS 1
#define CK_NIBBLE_LOOKUP 0
#include "InstantiateOne.h"

#if defined(__x86_64__)
#include <immintrin.h>

typedef _Float16 v16h __attribute__((vector_size(32), aligned(2)));

// One half through a zero-extending move. Left to itself the compiler inserts the half into a live
// register (vpinsrw), which chains every block's scale to the previous block's arithmetic and
// costs more than the rest of the block; the empty asm keeps the full-width move.
#define CK_HALF_F16C(bits) ({ __m128i h_ = _mm_cvtsi32_si128((int)(bits)); __asm__("" : "+x"(h_)); _mm_cvtss_f32(_mm_cvtph_ps(h_)); })

// MARK: - AVX2 + FMA + F16C (16 lanes as two ymm registers)

#pragma clang attribute push(__attribute__((target("avx2,fma,f16c"))), apply_to = function)
static inline v16f load_half16_f16c_avx2(const uint8_t *p) { v16h h; memcpy(&h, p, 32); return __builtin_convertvector(h, v16f); }
#define CK_NAME(name) name##_avx2
#define CK_FMA(a, b, c) __builtin_elementwise_fma(a, b, c)
#define CK_HALF(bits) CK_HALF_F16C(bits)
#define CK_HALF16(p) load_half16_f16c_avx2(p)
#define CK_TILE_OUT 2
#define CK_TILE_ROWS 2
#define CK_DIRECT_ROWS 1
#define CK_NIBBLE_LOOKUP 0
#include "InstantiateOne.h"
#pragma clang attribute pop

// MARK: - AVX-512 (16 lanes in one zmm register; a 4 × 4 linear tile measured fastest on Zen 4)

#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512vl,fma,f16c"))), apply_to = function)
static inline v16f load_half16_f16c_avx512(const uint8_t *p) { v16h h; memcpy(&h, p, 32); return __builtin_convertvector(h, v16f); }
#define CK_NAME(name) name##_avx512
#define CK_FMA(a, b, c) __builtin_elementwise_fma(a, b, c)
#define CK_HALF(bits) CK_HALF_F16C(bits)
#define CK_HALF16(p) load_half16_f16c_avx512(p)
#define CK_TILE_OUT 4
#define CK_TILE_ROWS 4
#define CK_DIRECT_ROWS 2
#define CK_NIBBLE_LOOKUP 1
#include "InstantiateOne.h"
#pragma clang attribute pop
#endif
