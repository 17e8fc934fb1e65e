// Shared by the kernel files: the 16-lane vector types, byte loads and half conversion on bits.
// Private to CKernels (not under include/).
#ifndef TOLLGATE_CKERNELS_VECTORS_H
#define TOLLGATE_CKERNELS_VECTORS_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

// Every multiply and add is rounded on its own unless written as CK_FMA: decoding must round q·d
// and + m separately, as the Swift dequantizer does.
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

#endif
