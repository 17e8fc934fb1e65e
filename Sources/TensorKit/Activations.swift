// Element-wise kernels: SwiGLU and GeGLU, residual and bias adds, dropout masks, vectorized and split
// over the cores.

public enum Elementwise {
    /// out = silu(gate) ⊙ up over `count` floats; silu(g) = g · σ(g).
    public static func swiglu(out: UnsafeMutablePointer<Float>, gate: UnsafePointer<Float>,
                              up: UnsafePointer<Float>, count: Int) {
        forBlocks(count) { start, end in
            var i = start
            while i + 16 <= end {
                let g = load16(gate + i)
                store16(g / (1 + exp16(-g)) * load16(up + i), out + i)
                i += 16
            }
            while i < end {
                let g = gate[i]
                out[i] = g / (1 + Float(exp(Double(-g)))) * up[i]
                i += 1
            }
        }
    }

    /// out = gelu_tanh(gate) ⊙ up over `count` floats (Gemma's MLP). gelu_tanh(g) = ½g(1 + tanh(u/2))
    /// with u/2 = √(2/π)(g + 0.044715g³), written as g · σ(u), the form SiLU has (out may alias gate).
    public static func geglu(out: UnsafeMutablePointer<Float>, gate: UnsafePointer<Float>,
                             up: UnsafePointer<Float>, count: Int) {
        forBlocks(count) { start, end in
            var i = start
            while i + 16 <= end {
                let g = load16(gate + i)
                store16(g / (1 + exp16(-GELU.argument16(g))) * load16(up + i), out + i)
                i += 16
            }
            while i < end {
                let g = gate[i]
                out[i] = g / (1 + Float(exp(Double(-GELU.argument(g))))) * up[i]
                i += 1
            }
        }
    }

    /// x (rows, width) += bias (width) on every row.
    public static func addBias(_ x: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, rows: Int, width: Int) {
        Parallel.forChunks(rows, minimumPerChunk: max(1, 16384 / max(width, 1))) { range in
            for row in range {
                let y = x + row * width
                var i = 0
                while i + 16 <= width { store16(load16(y + i) + load16(bias + i), y + i); i += 16 }
                while i < width { y[i] += bias[i]; i += 1 }
            }
        }
    }

    /// out = a + b over `count` floats (out may alias a or b).
    public static func add(out: UnsafeMutablePointer<Float>, a: UnsafePointer<Float>,
                           b: UnsafePointer<Float>, count: Int) {
        forBlocks(count) { start, end in
            var i = start
            while i + 16 <= end { store16(load16(a + i) + load16(b + i), out + i); i += 16 }
            while i < end { out[i] = a[i] + b[i]; i += 1 }
        }
    }

    /// out = a ⊙ b over `count` floats (out may alias a or b).
    public static func multiply(out: UnsafeMutablePointer<Float>, a: UnsafePointer<Float>,
                                b: UnsafePointer<Float>, count: Int) {
        forBlocks(count) { start, end in
            var i = start
            while i + 16 <= end { store16(load16(a + i) * load16(b + i), out + i); i += 16 }
            while i < end { out[i] = a[i] * b[i]; i += 1 }
        }
    }

    /// Splits `count` into per-core blocks aligned to 16 floats; small arrays stay on one core.
    @inline(__always)
    public static func forBlocks(_ count: Int, _ body: (Int, Int) -> Void) {
        let blocks = (count + 15) / 16
        Parallel.forChunks(blocks, minimumPerChunk: 1024) { range in
            body(range.lowerBound * 16, min(count, range.upperBound * 16))
        }
    }
}

import Foundation

/// The tanh-approximated GELU as g · σ(u(g)), u = 2√(2/π)(g + 0.044715g³): σ(u) = ½(1 + tanh(u/2)).
public enum GELU {
    static let coefficient: Float = 0.044715
    /// 2√(2/π)
    static let twiceSqrtTwoOverPi: Float = 1.5957691216057308

    @inline(__always)
    public static func argument(_ g: Float) -> Float { twiceSqrtTwoOverPi * (g + coefficient * g * g * g) }

    @inline(__always)
    public static func argument16(_ g: SIMD16<Float>) -> SIMD16<Float> {
        twiceSqrtTwoOverPi * (g + coefficient * g * g * g)
    }

    /// du/dg = 2√(2/π)(1 + 3 · 0.044715 g²).
    @inline(__always)
    public static func argumentSlope16(_ g: SIMD16<Float>) -> SIMD16<Float> {
        twiceSqrtTwoOverPi * (1 + 3 * coefficient * g * g)
    }

    @inline(__always)
    public static func argumentSlope(_ g: Float) -> Float { twiceSqrtTwoOverPi * (1 + 3 * coefficient * g * g) }
}
