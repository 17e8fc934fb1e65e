// Attention of one query token over a KV head's cached positions, written once over 16-lane
// vectors and instantiated per instruction set by Instantiate.h.
//
// Shapes: `group` query heads share the KV head; q_g is headDim floats at q + g·qStride; position t
// has key k_t at keys + t·kvStride and value v_t at values + t·kvStride. The kernel writes the
// softmax row of head g, length floats, at scores + g·scoreStride, and o_g = Σ_t p_g,t · v_t
// (headDim floats) at out + g·outStride.

/// q · k over headDim floats: four 16-lane accumulators (so the FMAs do not wait on each other),
/// added pairwise, then across lanes.
static inline __attribute__((always_inline))
float CK_NAME(dot)(const float *q, const float *k, int headDim) {
    v16f a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
    int j = 0;
    for (; j + 64 <= headDim; j += 64) {
        a0 = CK_FMA(CK_NAME(load16)(q + j), CK_NAME(load16)(k + j), a0);
        a1 = CK_FMA(CK_NAME(load16)(q + j + 16), CK_NAME(load16)(k + j + 16), a1);
        a2 = CK_FMA(CK_NAME(load16)(q + j + 32), CK_NAME(load16)(k + j + 32), a2);
        a3 = CK_FMA(CK_NAME(load16)(q + j + 48), CK_NAME(load16)(k + j + 48), a3);
    }
    for (; j + 16 <= headDim; j += 16) a0 = CK_FMA(CK_NAME(load16)(q + j), CK_NAME(load16)(k + j), a0);
    float total = CK_NAME(hsum16)((a0 + a1) + (a2 + a3));
    for (; j < headDim; j++) total += q[j] * k[j];
    return total;
}

/// In place over n floats: exp(x − max) / Σ.
static inline __attribute__((always_inline)) void CK_NAME(softmax)(float *x, int n) {
    float maximum = -__builtin_inff();
    for (int t = 0; t < n; t++) maximum = x[t] > maximum ? x[t] : maximum;
    float total = 0;
    int t = 0;
    for (; t + 16 <= n; t += 16) {
        v16f e = CK_NAME(exp16)(CK_NAME(load16)(x + t) - maximum);
        CK_NAME(store16)(x + t, e);
        total += CK_NAME(hsum16)(e);
    }
    if (t < n) {
        float tail[16];
        for (int i = 0; i < 16; i++) tail[i] = t + i < n ? x[t + i] - maximum : -__builtin_inff();
        v16f e = CK_NAME(exp16)(CK_NAME(load16)(tail));
        CK_NAME(store16)(tail, e);
        for (int i = 0; t + i < n; i++) { x[t + i] = tail[i]; total += tail[i]; }
    }
    float inverse = 1 / total;
    for (t = 0; t < n; t++) x[t] *= inverse;
}

/// s[i] = q · k_{t+i} · scale for four consecutive positions: their across-lane sums share shuffles.
static inline __attribute__((always_inline))
void CK_NAME(dot4)(const float *q, const float *k, size_t kvStride, int headDim, float scale, float *s) {
    v16f a[4] = {{0}, {0}, {0}, {0}};
    int j = 0;
    for (; j + 16 <= headDim; j += 16) {
        v16f qv = CK_NAME(load16)(q + j);
        for (int i = 0; i < 4; i++) a[i] = CK_FMA(qv, CK_NAME(load16)(k + i * kvStride + j), a[i]);
    }
    float sums[4];
    CK_NAME(hsum4)(a, sums);
    for (int i = 0; i < 4; i++) {
        float total = sums[i];
        for (int tail = j; tail < headDim; tail++) total += q[tail] * k[i * kvStride + tail];
        s[i] = total * scale;
    }
}

static void CK_NAME(attention_row)(int group, int headDim, int length, float scale,
                                   const float *q, size_t qStride, const float *keys, const float *values,
                                   size_t kvStride, float *scores, size_t scoreStride, float *out, size_t outStride) {
    for (int g = 0; g < group; g++) {
        float *s = scores + g * scoreStride;
        int t = 0;
        for (; t + 4 <= length; t += 4) CK_NAME(dot4)(q + g * qStride, keys + t * kvStride, kvStride, headDim, scale, s + t);
        for (; t < length; t++) s[t] = CK_NAME(dot)(q + g * qStride, keys + t * kvStride, headDim) * scale;
        CK_NAME(softmax)(s, length);
    }
    // o_g: 64 columns at a time in four accumulators, every position's value row read once per group.
    for (int g = 0; g < group; g++) {
        const float *p = scores + g * scoreStride;
        float *o = out + g * outStride;
        int j = 0;
        for (; j + 64 <= headDim; j += 64) {
            v16f a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
            for (int t = 0; t < length; t++) {
                const float *v = values + t * kvStride + j;
                v16f w = (v16f){0} + p[t];
                a0 = CK_FMA(w, CK_NAME(load16)(v), a0);
                a1 = CK_FMA(w, CK_NAME(load16)(v + 16), a1);
                a2 = CK_FMA(w, CK_NAME(load16)(v + 32), a2);
                a3 = CK_FMA(w, CK_NAME(load16)(v + 48), a3);
            }
            CK_NAME(store16)(o + j, a0);
            CK_NAME(store16)(o + j + 16, a1);
            CK_NAME(store16)(o + j + 32, a2);
            CK_NAME(store16)(o + j + 48, a3);
        }
        for (; j + 16 <= headDim; j += 16) {
            v16f a = {0};
            for (int t = 0; t < length; t++) a = CK_FMA((v16f){0} + p[t], CK_NAME(load16)(values + t * kvStride + j), a);
            CK_NAME(store16)(o + j, a);
        }
        for (; j < headDim; j++) {
            float a = 0;
            for (int t = 0; t < length; t++) a += p[t] * values[t * kvStride + j];
            o[j] = a;
        }
    }
}
