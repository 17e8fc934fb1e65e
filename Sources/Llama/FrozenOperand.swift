import TensorKit

/// A frozen weight W (out, in) as a backward pass multiplies it: the forward y = x · Wᵀ and the
/// input gradient dx = dy · W (W itself never gets a gradient). A view: the model it came from keeps
/// what it points at alive.
public enum FrozenOperand {
    /// W itself, row-major; both products through OpenBLAS sgemm.
    case f32(UnsafePointer<Float>)
    /// W packed for each product in bf16 or int8; `linear` is nil for a projection packed together
    /// with others (`PackedWeights`), whose forward product the forward pass takes.
    case packed(linear: (any PackedMatrix)?, transpose: any PackedMatrix)
}
