/// The arithmetic of the large products with frozen weights (projections and the LM head).
/// - `f32`: float32 throughout; what the transformers/PEFT goldens check, the same on every CPU.
/// - `bf16`: inputs and frozen weights rounded to bfloat16, products summed in float32 (`BF16Matrix`),
///   about twice as fast on CPUs with AVX-512 BF16; norms, softmax, attention, LoRA parameters and
///   optimizer state stay float32. Runs are still bit-for-bit repeatable on the same CPU.
public enum ComputePrecision: String, Sendable, CaseIterable, Codable {
    case f32, bf16

    /// Why this CPU cannot run `self`, or nil when it can.
    public var unavailableReason: String? {
        switch self {
        case .f32: return nil
        case .bf16: return BF16Matrix.isAvailable ? nil : "this CPU has no AVX-512 BF16 instructions; use f32"
        }
    }
}
