// Attention for decode: one query token against a KV head's cached positions, for every query head
// that shares that KV head (grouped-query attention), in one C kernel call (AVX-512/AVX2/portable).

public enum DecodeAttention {
    /// For g < group: scores_g (length) ← softmax_t(scale · q_g · k_t), out_g (headDim) ← Σ_t scores_g,t · v_t.
    /// q_g at q + g·qStride; k_t and v_t at keys + t·kvStride and values + t·kvStride; scores_g at
    /// scores + g·scoreStride; out_g at out + g·outStride.
    public static func row(group: Int, headDim: Int, length: Int, scale: Float,
                           q: UnsafePointer<Float>, qStride: Int,
                           keys: UnsafePointer<Float>, values: UnsafePointer<Float>, kvStride: Int,
                           scores: UnsafeMutablePointer<Float>, scoreStride: Int,
                           out: UnsafeMutablePointer<Float>, outStride: Int,
                           instructionSet: KernelInstructionSet = .best) {
        let accepted = NativeKernels.attentionRow(instructionSet, group: group, headDim: headDim, length: length, scale: scale,
                                                  q: q, qStride: qStride, keys: keys, values: values, kvStride: kvStride,
                                                  scores: scores, scoreStride: scoreStride, out: out, outStride: outStride)
        precondition(accepted, "attention row rejected: group \(group), head width \(headDim), \(length) positions")
    }
}
