// Element-wise kernels: SwiGLU, residual adds and dropout masks, vectorized and split over the cores.

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
