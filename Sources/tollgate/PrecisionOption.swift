import ArgumentParser
import TensorKit

/// `--precision f32|bf16|int8|auto` of `generate` and `eval`: the arithmetic of the projections and the LM head.
enum PrecisionOption {
    static let help: ArgumentHelp = "Arithmetic of the projections and LM head: f32, bf16 (needs AVX-512 BF16), int8 (SwitchBack-style, the fastest on most CPUs) or auto (the fastest this CPU has). bf16 and int8 answers may differ from f32 ones."

    /// The precision named by `value`; a usage error naming the choices otherwise.
    static func parse(_ value: String) throws -> ComputePrecision {
        guard let precision = ComputePrecision.named(value) else {
            throw ValidationError("--precision must be \(ComputePrecision.choices), not '\(value)'.")
        }
        return precision
    }
}
