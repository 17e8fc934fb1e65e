// Vector helpers of one instantiation (see Instantiate.h), included inside its target attribute.
// Helpers that take or return v16f live in each instantiation: a 64-byte vector crosses a call
// boundary differently with and without AVX-512, so they must share their caller's target.
static inline __attribute__((always_inline)) v16f CK_NAME(load16)(const float *p) { v16f v; memcpy(&v, p, 64); return v; }
static inline __attribute__((always_inline)) void CK_NAME(store16)(float *p, v16f v) { memcpy(p, &v, 64); }

/// Sum of 16 lanes in a fixed tree (halves, then quarters, …), the same in every instantiation.
static inline __attribute__((always_inline)) float CK_NAME(hsum16)(v16f v) {
    v8f a = __builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7) + __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15);
    v4f b = __builtin_shufflevector(a, a, 0, 1, 2, 3) + __builtin_shufflevector(a, a, 4, 5, 6, 7);
    v2f c = __builtin_shufflevector(b, b, 0, 1) + __builtin_shufflevector(b, b, 2, 3);
    return c[0] + c[1];
}

/// e^x for 16 lanes, as TensorKit's exp16 computes it: x = n·ln2 + r, |r| ≤ ln2/2 (Cody–Waite),
/// a degree-6 polynomial, and 2^n from the bits of the rounding constant.
static inline __attribute__((always_inline)) v16f CK_NAME(exp16)(v16f x) {
    x = __builtin_elementwise_max(x, (v16f){0} - 87.33f);
    x = __builtin_elementwise_min(x, (v16f){0} + 88.37f);
    const float magic = 12582912.0f;  // 1.5 · 2^23
    v16f shifted = x * 1.44269504088896341f + magic;
    v16f n = shifted - magic;
    v16f r = x - n * 0.693359375f;
    r = r + n * 2.12194440e-4f;
    v16f p = (v16f){0} + 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    v16f e = p * r * r + r + 1.0f;
    v16u32 bits;
    memcpy(&bits, &shifted, 64);
    bits = (bits - 0x4B400000u + 127u) << 23;
    v16f scale;
    memcpy(&scale, &bits, 64);
    return e * scale;
}
