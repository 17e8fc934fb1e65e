import Foundation
import TensorKit

// SwiGLU: out = silu(gate) · up, silu(x) = x · σ(x). Legend: N rows, F hidden width (N·F = count).
// Plain loops over chunks on both cores: scalar expf measured faster here than Swift SIMD16 code.

public func swigluForward(out: UnsafeMutablePointer<Float>, gate: UnsafePointer<Float>,
                          up: UnsafePointer<Float>, count: Int) {
    Parallel.forChunks(count, minimumPerChunk: 16384) { range in
        for i in range {
            let g = gate[i]
            out[i] = g / (1 + expf(-g)) * up[i]
        }
    }
}

/// dgate += dout · up · σ(g)(1 + g(1 − σ(g))); dup += dout · silu(g).
public func swigluBackward(dgate: UnsafeMutablePointer<Float>, dup: UnsafeMutablePointer<Float>,
                           dout: UnsafePointer<Float>, gate: UnsafePointer<Float>,
                           up: UnsafePointer<Float>, count: Int) {
    Parallel.forChunks(count, minimumPerChunk: 16384) { range in
        for i in range {
            let g = gate[i]
            let sigmoid = 1 / (1 + expf(-g))
            dgate[i] += dout[i] * up[i] * sigmoid * (1 + g * (1 - sigmoid))
            dup[i] += dout[i] * g * sigmoid
        }
    }
}
