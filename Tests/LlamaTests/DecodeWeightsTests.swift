import Foundation
import Llama
import TensorKit
import TestSupport
import Testing

/// The weights decode multiplies by (the GGUF's Q4_1/Q8_0 blocks, q/k rows reordered) hold exactly
/// the Float32 weights that prefill and the goldens use (skipped when the model is absent).
struct DecodeWeightsTests {
    /// Wᵀ through the decode kernels: x = I makes every output one product w · 1 plus zeros, exactly w.
    static func transposeThroughKernels(_ matrix: QuantizedMatrix) -> [Float] {
        let identity = FloatBuffer(count: matrix.cols * matrix.cols)
        for i in 0..<matrix.cols { identity[i * matrix.cols + i] = 1 }
        let y = FloatBuffer(count: matrix.cols * matrix.rows)  // (cols, rows)
        QuantizedLinear.forward(out: y.pointer, inp: identity.pointer, weight: matrix, rows: matrix.cols)
        return y.array
    }

    static func expectEqual(_ matrix: QuantizedMatrix, _ float32: UnsafePointer<Float>, _ name: String) {
        let transposed = transposeThroughKernels(matrix)
        var mismatches = 0
        for o in 0..<matrix.rows {
            for k in 0..<matrix.cols where transposed[k * matrix.rows + o] != float32[o * matrix.cols + k] { mismatches += 1 }
        }
        #expect(mismatches == 0, "\(name): \(mismatches) of \(matrix.rows * matrix.cols) weights differ")
    }

    @Test(.enabled(if: Fixtures.smolLM2 != nil))
    func quantizedDecodeWeightsEqualTheDequantizedFloat32Weights() throws {
        let model = try #require(SmolLM2GoldenTests.model)
        #expect(model.decodeWeights!.layers[0].projection(.q).format == .q4_1)
        #expect(model.decodeWeights!.output.format == .q8_0)
        for layer in [0, model.config.layers - 1] {
            for target in LoRATarget.allCases {
                Self.expectEqual(model.decodeWeights!.layers[layer].projection(target),
                                 model.weights.layers[layer].projection(target).pointer, "layer \(layer) \(target)")
            }
        }
        let rows = 40_000..<40_256
        Self.expectEqual(model.decodeWeights!.output.rows(rows),
                         model.weights.outputWeight.pointer + rows.lowerBound * model.config.dim, "LM head")
    }
}
