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

/// sums[i] = hsum16(a[i]) for four vectors at once: each step of hsum16's tree is done for all
/// four in one vector, adding the same pairs in the same order, so the sums are hsum16's bit for bit.
static inline __attribute__((always_inline)) void CK_NAME(hsum4)(const v16f *a, float *sums) {
    // halves: lanes 0–7 hold a[0]'s lo8 + hi8, lanes 8–15 a[1]'s (and a[2], a[3] in b23)
    v16f b01 = __builtin_shufflevector(a[0], a[1], 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23)
             + __builtin_shufflevector(a[0], a[1], 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31);
    v16f b23 = __builtin_shufflevector(a[2], a[3], 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23)
             + __builtin_shufflevector(a[2], a[3], 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31);
    // quarters: lanes 4i … 4i+3 hold a[i]'s lo4 + hi4
    v16f c = __builtin_shufflevector(b01, b23, 0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27)
           + __builtin_shufflevector(b01, b23, 4, 5, 6, 7, 12, 13, 14, 15, 20, 21, 22, 23, 28, 29, 30, 31);
    // pairs, then the last two lanes: lane 4i ends with a[i]'s sum
    v16f d = c + __builtin_shufflevector(c, c, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
    v16f e = d + __builtin_shufflevector(d, d, 1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14);
    sums[0] = e[0];
    sums[1] = e[4];
    sums[2] = e[8];
    sums[3] = e[12];
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
