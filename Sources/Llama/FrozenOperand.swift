import TensorKit

/// A frozen weight W (out, in) as a backward pass multiplies it: the forward y = x · Wᵀ and the
/// input gradient dx = dy · W (W itself never gets a gradient). A view: the model it came from keeps
/// what it points at alive.
public enum FrozenOperand {
    /// W itself, row-major; both products through OpenBLAS sgemm.
    case f32(UnsafePointer<Float>)
    /// W packed in bfloat16 for each product; `linear` is nil for a projection packed together
    /// with others (`BF16Weights`), whose forward product the forward pass takes.
    case bf16(linear: BF16Matrix?, transpose: BF16Matrix)
}
