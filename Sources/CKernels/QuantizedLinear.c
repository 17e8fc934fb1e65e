// Instantiates QuantizedLinearTemplate.h for AVX-512, AVX2 and portable C, and picks one per call.
// Every instantiation computes the same arithmetic in the same order; only the register width
// differs, so all of them agree bit for bit wherever FMA is used (AVX2, AVX-512).
#include "CKernels.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

// Decoding must round q·d and + m separately, as the Swift dequantizer does; only CK_FMA fuses.
#pragma clang fp contract(off)

// The 64-byte vectors pass between always-inlined static helpers only, never across a real call,
// so the calling-convention difference for them below AVX-512 that clang warns about cannot arise.
#pragma clang diagnostic ignored "-Wpsabi"

typedef float v16f __attribute__((vector_size(64), aligned(4)));
typedef float v8f __attribute__((vector_size(32)));
typedef float v4f __attribute__((vector_size(16)));
typedef float v2f __attribute__((vector_size(8)));
typedef uint8_t v16u8 __attribute__((vector_size(16), aligned(1)));
typedef int8_t v16i8 __attribute__((vector_size(16), aligned(1)));
typedef uint16_t v16u16 __attribute__((vector_size(32), aligned(2)));
typedef uint32_t v16u32 __attribute__((vector_size(64)));

static inline __attribute__((always_inline)) v16u8 load16u8(const uint8_t *p) { v16u8 v; memcpy(&v, p, 16); return v; }
static inline __attribute__((always_inline)) v16i8 load16i8(const uint8_t *p) { v16i8 v; memcpy(&v, p, 16); return v; }
static inline __attribute__((always_inline)) uint16_t load_u16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }

/// One half → float on bits (Giesen's method: rebias the exponent, fix up infinities and NaN,
/// renormalize subnormals by a float subtraction); exact, for CPUs without F16C.
static inline float half_bits(uint16_t bits) {
    uint32_t h = bits, sign = (h & 0x8000u) << 16, magnitude = (h & 0x7fffu) << 13;
    uint32_t exponent = magnitude & (0x7c00u << 13);
    magnitude += (127u - 15u) << 23;
    if (exponent == 0x7c00u << 13) {
        magnitude += (128u - 16u) << 23;
    } else if (exponent == 0) {
        magnitude += 1u << 23;
        float value, bias; uint32_t biasBits = 113u << 23;
        memcpy(&value, &magnitude, 4); memcpy(&bias, &biasBits, 4);
        value -= bias;
        memcpy(&magnitude, &value, 4);
    }
    uint32_t result = magnitude | sign;
    float out; memcpy(&out, &result, 4);
    return out;
}

/// Sixteen halves at p → floats, lane by lane with `half_bits` (the compiler vectorizes it).
static inline void half16_bits(const uint8_t *p, float *out) {
    for (int i = 0; i < 16; i++) out[i] = half_bits((uint16_t)(p[2 * i] | p[2 * i + 1] << 8));
}

// MARK: - Portable C (the compiler's baseline vectors; no FMA)

static inline v16f load_half16_portable(const uint8_t *p) { v16f v; float f[16]; half16_bits(p, f); memcpy(&v, f, 64); return v; }
#define CK_NAME(name) name##_portable
#define CK_FMA(a, b, c) ((a) * (b) + (c))
#define CK_HALF(bits) half_bits(bits)
#define CK_HALF16(p) load_half16_portable(p)
#define CK_TILE_OUT 2
#define CK_TILE_ROWS 2
#define CK_DIRECT_ROWS 1
#include "QuantizedLinearTemplate.h"
#undef CK_NAME
#undef CK_FMA
#undef CK_HALF
#undef CK_HALF16
#undef CK_TILE_OUT
#undef CK_TILE_ROWS
#undef CK_DIRECT_ROWS

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
#include "QuantizedLinearTemplate.h"
#undef CK_NAME
#undef CK_FMA
#undef CK_HALF
#undef CK_HALF16
#undef CK_TILE_OUT
#undef CK_TILE_ROWS
#undef CK_DIRECT_ROWS
#pragma clang attribute pop

// MARK: - AVX-512 (16 lanes in one zmm register; a 4 × 4 accumulator tile measured fastest on Zen 4)

#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512vl,fma,f16c"))), apply_to = function)
static inline v16f load_half16_f16c_avx512(const uint8_t *p) { v16h h; memcpy(&h, p, 32); return __builtin_convertvector(h, v16f); }
#define CK_NAME(name) name##_avx512
#define CK_FMA(a, b, c) __builtin_elementwise_fma(a, b, c)
#define CK_HALF(bits) CK_HALF_F16C(bits)
#define CK_HALF16(p) load_half16_f16c_avx512(p)
#define CK_TILE_OUT 4
#define CK_TILE_ROWS 4
#define CK_DIRECT_ROWS 2
#include "QuantizedLinearTemplate.h"
#undef CK_NAME
#undef CK_FMA
#undef CK_HALF
#undef CK_HALF16
#undef CK_TILE_OUT
#undef CK_TILE_ROWS
#undef CK_DIRECT_ROWS
#pragma clang attribute pop
#endif

// MARK: - Dispatch

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

int ck_block_values(int format) {
    switch (format) {
    case CK_FORMAT_F32: case CK_FORMAT_F16: return 1;
    case CK_FORMAT_Q4_0: case CK_FORMAT_Q4_1: case CK_FORMAT_Q8_0: return 32;
    default: return 0;
    }
}

int ck_block_bytes(int format) {
    switch (format) {
    case CK_FORMAT_F32: return 4;
    case CK_FORMAT_F16: return 2;
    case CK_FORMAT_Q4_0: return 18;
    case CK_FORMAT_Q4_1: return 20;
    case CK_FORMAT_Q8_0: return 34;
    default: return 0;
    }
}

int ck_quantized_linear(int isa, int format, const void *weights, size_t rowBytes, int inFeatures,
                        const float *x, size_t ldx, int rows,
                        float *y, size_t ldy, int outBegin, int outEnd) {
    int block = ck_block_values(format);
    if (block == 0 || inFeatures <= 0 || inFeatures % block != 0 || rows < 0 || outBegin < 0 || outBegin > outEnd ||
        rowBytes < (size_t)(inFeatures / block) * (size_t)ck_block_bytes(format) || isa > ck_best_isa())
        return -1;
    if (rows == 0 || outBegin == outEnd) return 0;
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
