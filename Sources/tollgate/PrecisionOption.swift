import ArgumentParser
import TensorKit

/// `--precision f32|bf16` of `generate` and `eval`: the arithmetic of the projections and the LM head.
enum PrecisionOption {
    static let help: ArgumentHelp = "Arithmetic of the projections and LM head: f32, or bf16 (about twice as fast on CPUs with AVX-512 BF16, logits within about 0.1 of f32)."

    /// The precision named by `value`; a usage error naming the choices otherwise.
    static func parse(_ value: String) throws -> ComputePrecision {
        guard let precision = ComputePrecision(rawValue: value) else {
            throw ValidationError("--precision must be f32 or bf16, not '\(value)'.")
        }
        return precision
    }
}
