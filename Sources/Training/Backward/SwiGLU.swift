import Foundation
import TensorKit

// SwiGLU: out = silu(gate) · up, silu(x) = x · σ(x). Legend: N rows, F hidden width (N·F = count).

public func swigluForward(out: UnsafeMutablePointer<Float>, gate: UnsafePointer<Float>,
                          up: UnsafePointer<Float>, count: Int) {
    Parallel.forChunks(count / 16, minimumPerChunk: 1024) { blocks in
        for block in blocks {
            let i = block * 16
            let g = vload(gate + i)
            vstore(g / (1 + vexp(-g)) * vload(up + i), out + i)
        }
    }
    for i in (count / 16 * 16)..<count {
        let g = gate[i]
        out[i] = g / (1 + expf(-g)) * up[i]
    }
}

/// dgate += dout · up · σ(g)(1 + g(1 − σ(g))); dup += dout · silu(g).
public func swigluBackward(dgate: UnsafeMutablePointer<Float>, dup: UnsafeMutablePointer<Float>,
                           dout: UnsafePointer<Float>, gate: UnsafePointer<Float>,
                           up: UnsafePointer<Float>, count: Int) {
    Parallel.forChunks(count / 16, minimumPerChunk: 1024) { blocks in
        for block in blocks {
            let i = block * 16
            let g = vload(gate + i), d = vload(dout + i)
            let sigmoid = 1 / (1 + vexp(-g))
            vstore(vload(dgate + i) + d * vload(up + i) * sigmoid * (1 + g * (1 - sigmoid)), dgate + i)
            vstore(vload(dup + i) + d * g * sigmoid, dup + i)
        }
    }
    for i in (count / 16 * 16)..<count {
        let g = gate[i]
        let sigmoid = 1 / (1 + expf(-g))
        dgate[i] += dout[i] * up[i] * sigmoid * (1 + g * (1 - sigmoid))
        dup[i] += dout[i] * g * sigmoid
    }
}
