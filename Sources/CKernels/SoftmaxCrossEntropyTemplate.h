// The training loss's softmax row, written once over 16-lane vectors and instantiated per
// instruction set by Instantiate.h. The row is one position's logits over the whole vocabulary
// (Gemma 3's 262,144 floats: 1 MB, which stays in L2 across the three passes).

/// Largest of n floats: 16 lanes, then across them, then the tail. A NaN is passed over here (maxnum),
/// and makes the sum and so the loss NaN below, which the training loop reports.
static inline __attribute__((always_inline)) float CK_NAME(row_maximum)(const float *x, int n) {
    v16f lanes = (v16f){0} - __builtin_inff();
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        lanes = __builtin_elementwise_max(lanes, CK_NAME(load16)(x + i));
    }
    float maximum = -__builtin_inff();
    for (int lane = 0; lane < 16; lane++) maximum = lanes[lane] > maximum ? lanes[lane] : maximum;
    for (; i < n; i++) maximum = x[i] > maximum ? x[i] : maximum;
    return maximum;
}

/// Row (n logits) in place → gradScale · (softmax − onehot(target)); returns −log softmax[target].
/// The sum of exponentials is kept in 16 float lanes flushed into a double every 1,024 terms, so a
/// 262k-term sum keeps its precision; the loss is formed in double.
static double CK_NAME(softmax_cross_entropy_row)(float *x, int n, int target, float gradScale) {
    float targetLogit = x[target];
    float maximum = CK_NAME(row_maximum)(x, n);
    double sum = 0;
    v16f partial = {0};
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        v16f e = CK_NAME(exp16)(CK_NAME(load16)(x + i) - maximum);
        CK_NAME(store16)(x + i, e);
        partial += e;
        if (((i + 16) & 1023) == 0) { sum += CK_NAME(hsum16)(partial); partial = (v16f){0}; }
    }
    sum += CK_NAME(hsum16)(partial);
    for (; i < n; i++) {
        float e = expf(x[i] - maximum);
        x[i] = e;
        sum += e;
    }
    // d loss / d logits = softmax − onehot
    float factor = (float)(1 / sum) * gradScale;
    for (i = 0; i + 16 <= n; i += 16) CK_NAME(store16)(x + i, CK_NAME(load16)(x + i) * factor);
    for (; i < n; i++) x[i] *= factor;
    x[target] -= gradScale;
    return (double)maximum + log(sum) - (double)targetLogit;
}
