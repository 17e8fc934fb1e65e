/// The arithmetic of the large products with frozen weights (projections and the LM head).
/// - `f32`: float32 throughout; what the transformers/PEFT goldens check, the same on every CPU.
/// - `bf16`: inputs and frozen weights rounded to bfloat16, products summed in float32 (`BF16Matrix`),
///   about twice as fast on CPUs with AVX-512 BF16.
/// - `int8`: SwitchBack-style (`Int8Matrix`): frozen weights quantized once, inputs (activations,
///   and output gradients in training) on the fly, both in blocks of 32 (16 for q, k, v) with a scale
///   each, products summed exactly in int32; AVX-512 VNNI, AVX2 or portable kernels, all giving the
///   same bits.
/// In each, norms, softmax, attention, the loss, LoRA parameters and optimizer state stay float32,
/// and runs are bit-for-bit repeatable on the same CPU.
public enum ComputePrecision: String, Sendable, CaseIterable, Codable {
    case f32, bf16, int8

    /// The values `named` accepts, for usage messages.
    public static let choices = "f32, bf16, int8 or auto"

    /// The precision called `name`, with `auto` for `fastest`; nil for anything else.
    public static func named(_ name: String) -> ComputePrecision? {
        name == "auto" ? fastest : ComputePrecision(rawValue: name)
    }

    /// The fastest precision this CPU runs: int8 where it has integer dot products in vectors
    /// (AVX-512 VNNI, or AVX2's byte products), else f32.
    public static var fastest: ComputePrecision { Int8Matrix.InstructionSet.best >= .avx2 ? .int8 : .f32 }

    /// Why this CPU cannot run `self`, or nil when it can.
    public var unavailableReason: String? {
        switch self {
        case .f32, .int8: return nil
        case .bf16: return BF16Matrix.isAvailable ? nil : "this CPU has no AVX-512 BF16 instructions; use f32 or int8"
        }
    }
}
