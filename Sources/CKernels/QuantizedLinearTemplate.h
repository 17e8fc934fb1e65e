// The quantized linear kernel, written once over 16-lane vectors and instantiated per instruction
// set by Instantiate.h (which defines CK_NAME, CK_FMA, CK_HALF, CK_HALF16, CK_NIBBLE_LOOKUP and the tiles:
// CK_TILE_OUT output rows × CK_TILE_ROWS x rows of accumulators, and CK_DIRECT_ROWS, the most x
// rows for which weights are decoded straight into registers instead of a panel).
//
// Shapes: W (out, n) in blocks along n, x (rows, n) with stride ldx, y (rows, out) with stride ldy.
// For each group of CK_TILE_OUT weight rows: decode them into a Float32 panel (what the
// dequantizer would write), then every tile of x rows multiplies against the panel with
// CK_TILE_OUT × CK_TILE_ROWS accumulators. Each (x row, weight row) pair owns one 16-lane
// accumulator filled in column order and summed by `hsum16`, whatever the tile it falls in.

/// sums[o] = hsum16(acc[o]) for the CK_TILE_OUT accumulators of one x row (see hsum4).
static inline __attribute__((always_inline)) void CK_NAME(sums)(const v16f *acc, float *sums) {
#if CK_TILE_OUT == 4
    CK_NAME(hsum4)(acc, sums);
#else
    for (int o = 0; o < CK_TILE_OUT; o++) sums[o] = CK_NAME(hsum16)(acc[o]);
#endif
}

/// One 32-value block of a Q format → two 16-lane halves, as LegacyBlockDecoding and
/// KQuantBlockDecoding do in Swift: Q4_0 (q − 8)·d, Q4_1 q·d + m, Q5_0 (q − 16)·d, Q8_0 q·d,
/// Q4_KX q·a − b, Q6_KX q·s, each product and sum rounded on its own.
/// `format` is a constant after inlining, so the switch disappears.
static inline __attribute__((always_inline))
void CK_NAME(decode_block)(int format, const uint8_t *block, v16f *low, v16f *high) {
    switch (format) {
#if CK_NIBBLE_LOOKUP
    // A nibble block takes only 16 distinct values: compute them once (the same products and sums
    // as below, so the same bits) and look each weight up with vpermps, which reads only an index's
    // low 4 bits, so the low nibbles need no mask.
    case CK_FORMAT_Q4_0: {
        v16f table = ((v16f){0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15} - 8.0f) * CK_HALF(load_u16(block));
        __m512i codes = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(block + 2)));
        *low = (v16f)_mm512_permutexvar_ps(codes, (__m512)table);
        *high = (v16f)_mm512_permutexvar_ps(_mm512_srli_epi32(codes, 4), (__m512)table);
        break;
    }
    case CK_FORMAT_Q4_KX: {
        float a, b;
        memcpy(&a, block, 4);
        memcpy(&b, block + 4, 4);
        v16f table = (v16f){0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15} * a - b;
        __m512i codes = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(block + 8)));
        *low = (v16f)_mm512_permutexvar_ps(codes, (__m512)table);
        *high = (v16f)_mm512_permutexvar_ps(_mm512_srli_epi32(codes, 4), (__m512)table);
        break;
    }
    case CK_FORMAT_Q4_1: {
        uint32_t scaleBits;
        memcpy(&scaleBits, block, 4);
        __m128 dm = _mm_cvtph_ps(_mm_cvtsi32_si128((int)scaleBits));  // d, m
        v16f d = (v16f)_mm512_broadcastss_ps(dm);
        v16f m = (v16f)_mm512_permutexvar_ps(_mm512_set1_epi32(1), _mm512_castps128_ps512(dm));
        v16f table = (v16f){0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15} * d + m;
        __m512i codes = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(block + 4)));
        *low = (v16f)_mm512_permutexvar_ps(codes, (__m512)table);
        *high = (v16f)_mm512_permutexvar_ps(_mm512_srli_epi32(codes, 4), (__m512)table);
        break;
    }
#else
    case CK_FORMAT_Q4_KX: {
        float a, b;
        memcpy(&a, block, 4);
        memcpy(&b, block + 4, 4);
        v16u8 q = load16u8(block + 8);
        *low = __builtin_convertvector(q & 0x0f, v16f) * a - b;
        *high = __builtin_convertvector(q >> 4, v16f) * a - b;
        break;
    }
    case CK_FORMAT_Q4_0: {
        float d = CK_HALF(load_u16(block));
        v16u8 q = load16u8(block + 2);
        *low = (__builtin_convertvector(q & 0x0f, v16f) - 8.0f) * d;
        *high = (__builtin_convertvector(q >> 4, v16f) - 8.0f) * d;
        break;
    }
    case CK_FORMAT_Q4_1: {
        float d = CK_HALF(load_u16(block)), m = CK_HALF(load_u16(block + 2));
        v16u8 q = load16u8(block + 4);
        *low = __builtin_convertvector(q & 0x0f, v16f) * d + m;
        *high = __builtin_convertvector(q >> 4, v16f) * d + m;
        break;
    }
#endif
    case CK_FORMAT_Q5_0: {
        // bit j of qh is the fifth bit of value j
        float d = CK_HALF(load_u16(block));
        uint32_t qh;
        memcpy(&qh, block + 2, 4);
        v16u8 q = load16u8(block + 6);
        v16u32 lanes = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
        v16u32 bits = (v16u32){0} + qh;
        v16u32 lo = __builtin_convertvector(q & 0x0f, v16u32) | (((bits >> lanes) & 1) << 4);
        v16u32 hi = __builtin_convertvector(q >> 4, v16u32) | (((bits >> (lanes + 16)) & 1) << 4);
        *low = (__builtin_convertvector(lo, v16f) - 16.0f) * d;
        *high = (__builtin_convertvector(hi, v16f) - 16.0f) * d;
        break;
    }
    case CK_FORMAT_Q6_KX: {
        float s0, s1;
        memcpy(&s0, block, 4);
        memcpy(&s1, block + 4, 4);
        *low = __builtin_convertvector(load16i8(block + 8), v16f) * s0;
        *high = __builtin_convertvector(load16i8(block + 24), v16f) * s1;
        break;
    }
    default: {  // CK_FORMAT_Q8_0
        float d = CK_HALF(load_u16(block));
        *low = __builtin_convertvector(load16i8(block + 2), v16f) * d;
        *high = __builtin_convertvector(load16i8(block + 18), v16f) * d;
        break;
    }
    }
}

/// One weight row of n values in `format` → Float32 (F16 exactly; Q formats by `decode_block`).
static inline __attribute__((always_inline))
void CK_NAME(decode_row)(int format, int blockBytes, const uint8_t *row, int n, float *out) {
    if (format == CK_FORMAT_F16) {
        int i = 0;
        for (; i + 16 <= n; i += 16) CK_NAME(store16)(out + i, CK_HALF16(row + 2 * i));
        for (; i < n; i++) out[i] = CK_HALF(load_u16(row + 2 * i));
        return;
    }
    for (int b = 0; b < n / 32; b++, row += blockBytes, out += 32) {
        v16f low, high;
        CK_NAME(decode_block)(format, row, &low, &high);
        CK_NAME(store16)(out, low);
        CK_NAME(store16)(out + 16, high);
    }
}

/// For few x rows (nr ≤ CK_DIRECT_ROWS): CK_TILE_OUT weight rows of a Q format decoded block by
/// block straight into registers and multiplied at once, with no panel in between. The
/// accumulators see the same products in the same order as `tile` gives them.
static inline __attribute__((always_inline))
void CK_NAME(direct)(int format, int blockBytes, int nr, const uint8_t *const *w, int outCount,
                     const float *x, size_t ldx, int n, float *y, size_t ldy) {
    v16f acc[CK_DIRECT_ROWS][CK_TILE_OUT];
    for (int r = 0; r < nr; r++)
        for (int o = 0; o < CK_TILE_OUT; o++) acc[r][o] = (v16f){0};
    // The group's rows are contiguous. Four rows advancing together defeat the hardware prefetcher
    // (Q8_0 streamed from memory at a third of its in-cache speed), so each block step also
    // prefetches its share of the group two groups ahead.
    int blocks = n / 32;
    size_t groupBytes = (size_t)(w[CK_TILE_OUT - 1] - w[0]) + (size_t)blocks * blockBytes;
    size_t share = (groupBytes + blocks - 1) / blocks;
    const uint8_t *ahead = w[0] + 2 * groupBytes;
    for (int b = 0; b < blocks; b++) {
        for (size_t p = b * share; p < (b + 1) * share; p += 64) __builtin_prefetch(ahead + p);
        v16f low[CK_TILE_OUT], high[CK_TILE_OUT];
        for (int o = 0; o < CK_TILE_OUT; o++)
            CK_NAME(decode_block)(format, w[o] + (size_t)b * blockBytes, &low[o], &high[o]);
        for (int r = 0; r < nr; r++) {
            v16f x0 = CK_NAME(load16)(x + r * ldx + 32 * b), x1 = CK_NAME(load16)(x + r * ldx + 32 * b + 16);
            for (int o = 0; o < CK_TILE_OUT; o++) acc[r][o] = CK_FMA(low[o], x0, acc[r][o]);
            for (int o = 0; o < CK_TILE_OUT; o++) acc[r][o] = CK_FMA(high[o], x1, acc[r][o]);
        }
    }
    for (int r = 0; r < nr; r++) {
        float sums[CK_TILE_OUT];
        CK_NAME(sums)(acc[r], sums);
        for (int o = 0; o < outCount; o++) y[r * ldy + o] = sums[o];
    }
}

/// `direct` over rows outBegin ..< outEnd for one Q format (a constant after inlining).
static inline __attribute__((always_inline))
void CK_NAME(direct_rows)(int format, const uint8_t *weights, size_t rowBytes, int n, const float *x,
                          size_t ldx, int rows, float *y, size_t ldy, int outBegin, int outEnd) {
    // ck_block_bytes, written out so that it folds to a constant once `format` is one
    int blockBytes = format == CK_FORMAT_Q4_0 ? 18 : format == CK_FORMAT_Q4_1 ? 20 : format == CK_FORMAT_Q5_0 ? 22
                   : format == CK_FORMAT_Q4_KX ? 24 : format == CK_FORMAT_Q6_KX ? 40 : 34;
    for (int o = outBegin; o < outEnd; o += CK_TILE_OUT) {
        int count = outEnd - o < CK_TILE_OUT ? outEnd - o : CK_TILE_OUT;
        const uint8_t *w[CK_TILE_OUT];
        for (int j = 0; j < CK_TILE_OUT; j++) w[j] = weights + (size_t)(o + (j < count ? j : 0)) * rowBytes;
        for (int r = 0; r < rows; r += CK_DIRECT_ROWS) {
            if (rows - r >= CK_DIRECT_ROWS)
                CK_NAME(direct)(format, blockBytes, CK_DIRECT_ROWS, w, count, x + r * ldx, ldx, n, y + r * ldy + o, ldy);
            else
                CK_NAME(direct)(format, blockBytes, 1, w, count, x + r * ldx, ldx, n, y + r * ldy + o, ldy);
        }
    }
}

/// y[r][o] for CK_TILE_OUT weight rows w[·] and nr (≤ CK_TILE_ROWS) x rows; nr is a constant
/// after inlining, so the accumulators live in registers.
static inline __attribute__((always_inline))
void CK_NAME(tile)(int nr, const float *const *w, int outCount, const float *x, size_t ldx, int n,
                   float *y, size_t ldy) {
    v16f acc[CK_TILE_ROWS][CK_TILE_OUT];
    for (int r = 0; r < nr; r++)
        for (int o = 0; o < CK_TILE_OUT; o++) acc[r][o] = (v16f){0};
    int k = 0;
    for (; k + 16 <= n; k += 16) {
        v16f wv[CK_TILE_OUT];
        for (int o = 0; o < CK_TILE_OUT; o++) wv[o] = CK_NAME(load16)(w[o] + k);
        for (int r = 0; r < nr; r++) {
            v16f xv = CK_NAME(load16)(x + r * ldx + k);
            for (int o = 0; o < CK_TILE_OUT; o++) acc[r][o] = CK_FMA(wv[o], xv, acc[r][o]);
        }
    }
    for (int r = 0; r < nr; r++) {
        float sums[CK_TILE_OUT];
        CK_NAME(sums)(acc[r], sums);
        for (int o = 0; o < outCount; o++) {
            float tail = 0;
            for (int t = k; t < n; t++) tail = tail + w[o][t] * x[r * ldx + t];
            y[r * ldy + o] = sums[o] + tail;
        }
    }
}

/// Rows outBegin ..< outEnd of y for `rows` x rows: CK_TILE_OUT weight rows at a time decoded into
/// `panel` (F32 weights are read in place), then multiplied by every tile of x rows.
static void CK_NAME(linear_block)(int format, const uint8_t *weights, size_t rowBytes, int n,
                                  const float *x, size_t ldx, int rows, float *y, size_t ldy,
                                  int outBegin, int outEnd, float *panel) {
    for (int o = outBegin; o < outEnd; o += CK_TILE_OUT) {
        int count = outEnd - o < CK_TILE_OUT ? outEnd - o : CK_TILE_OUT;
        const float *w[CK_TILE_OUT];
        for (int j = 0; j < CK_TILE_OUT; j++) {
            // Past the end of the range the tile repeats its first row; those results are dropped.
            const uint8_t *row = weights + (size_t)(o + (j < count ? j : 0)) * rowBytes;
            if (format == CK_FORMAT_F32) {
                w[j] = (const float *)row;
            } else if (j < count) {
                CK_NAME(decode_row)(format, ck_block_bytes(format), row, n, panel + (size_t)j * n);
                w[j] = panel + (size_t)j * n;
            } else {
                w[j] = panel;
            }
        }
        int r = 0;
        for (; r + CK_TILE_ROWS <= rows; r += CK_TILE_ROWS)
            CK_NAME(tile)(CK_TILE_ROWS, w, count, x + r * ldx, ldx, n, y + r * ldy + o, ldy);
        switch (rows - r) {
#define CK_REMAINDER(R) case R: if (R < CK_TILE_ROWS) CK_NAME(tile)(R, w, count, x + r * ldx, ldx, n, y + r * ldy + o, ldy); break;
        CK_REMAINDER(1) CK_REMAINDER(2) CK_REMAINDER(3) CK_REMAINDER(4) CK_REMAINDER(5) CK_REMAINDER(6)
        CK_REMAINDER(7)
#undef CK_REMAINDER
        default: break;
        }
    }
}

static int CK_NAME(linear)(int format, const uint8_t *weights, size_t rowBytes, int n,
                           const float *x, size_t ldx, int rows, float *y, size_t ldy,
                           int outBegin, int outEnd) {
    if (rows <= CK_DIRECT_ROWS) {
        switch (format) {
        case CK_FORMAT_Q4_0: CK_NAME(direct_rows)(CK_FORMAT_Q4_0, weights, rowBytes, n, x, ldx, rows, y, ldy, outBegin, outEnd); return 0;
        case CK_FORMAT_Q4_1: CK_NAME(direct_rows)(CK_FORMAT_Q4_1, weights, rowBytes, n, x, ldx, rows, y, ldy, outBegin, outEnd); return 0;
        case CK_FORMAT_Q8_0: CK_NAME(direct_rows)(CK_FORMAT_Q8_0, weights, rowBytes, n, x, ldx, rows, y, ldy, outBegin, outEnd); return 0;
        case CK_FORMAT_Q5_0: CK_NAME(direct_rows)(CK_FORMAT_Q5_0, weights, rowBytes, n, x, ldx, rows, y, ldy, outBegin, outEnd); return 0;
        case CK_FORMAT_Q4_KX: CK_NAME(direct_rows)(CK_FORMAT_Q4_KX, weights, rowBytes, n, x, ldx, rows, y, ldy, outBegin, outEnd); return 0;
        case CK_FORMAT_Q6_KX: CK_NAME(direct_rows)(CK_FORMAT_Q6_KX, weights, rowBytes, n, x, ldx, rows, y, ldy, outBegin, outEnd); return 0;
        default: break;
        }
    }
    float *panel = NULL;
    if (format != CK_FORMAT_F32) {
        size_t bytes = ((size_t)CK_TILE_OUT * (size_t)n * sizeof(float) + 63) / 64 * 64;
        panel = aligned_alloc(64, bytes);
        if (!panel) return -1;
    }
    // x rows in blocks of about 256 KB, so that a block stays in L2 while every panel passes over
    // it; each block decodes the weights again, a cost shared by at least 16 rows.
    int block = (int)(((size_t)256 << 10) / ((size_t)n * sizeof(float)));
    block = block < 16 ? 16 : block / CK_TILE_ROWS * CK_TILE_ROWS;
    for (int first = 0; first < rows; first += block) {
        int blockRows = rows - first < block ? rows - first : block;
        CK_NAME(linear_block)(format, weights, rowBytes, n, x + (size_t)first * ldx, ldx, blockRows,
                              y + (size_t)first * ldy, ldy, outBegin, outEnd, panel);
    }
    free(panel);
    return 0;
}
