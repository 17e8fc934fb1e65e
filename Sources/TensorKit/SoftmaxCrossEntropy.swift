// The cross-entropy of one position against the whole vocabulary, fused with its gradient, in one C
// kernel call (AVX-512/AVX2/portable, chosen by cpuid). The LM head's loss calls it for every
// position that carries a target: with Gemma 3's 262,144 tokens it is a tenth of a training step.

public enum SoftmaxCrossEntropy {
    /// `row` (count logits) in place → gradScale · (softmax − onehot(target)), the gradient of the loss
    /// times gradScale; returns the loss −log softmax[target], formed in float64.
    public static func row(_ row: UnsafeMutablePointer<Float>, count: Int, target: Int, gradScale: Float,
                           instructionSet: KernelInstructionSet = .best) -> Double {
        guard let loss = NativeKernels.softmaxCrossEntropyRow(instructionSet, row: row, count: count, target: target,
                                                             gradScale: gradScale) else {
            preconditionFailure("softmax cross-entropy row rejected: \(count) logits, target \(target)")
        }
        return loss
    }
}
