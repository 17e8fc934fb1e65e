import Foundation
import TensorKit

// The backward pass of RMSNorm as Llama uses it (TensorKit's `RMSNorm.forward`):
// out = x / sqrt(mean(x²) + eps) · weight.
// Legend: N rows (B·T tokens), C width.

/// dinp (N, C) += ∂loss/∂inp; dweight (C) += Σ_rows dout · x̂ when given (frozen norms pass nil).
/// Rows are independent without dweight and then run on all cores.
public func rmsnormBackward(dinp: UnsafeMutablePointer<Float>, dweight: UnsafeMutablePointer<Float>?,
                            dout: UnsafePointer<Float>, inp: UnsafePointer<Float>,
                            weight: UnsafePointer<Float>, rstd: UnsafePointer<Float>, n: Int, c: Int) {
    func rows(_ range: Range<Int>) {
        for row in range {
            let x = inp + row * c, dy = dout + row * c, dx = dinp + row * c
            let r = rstd[row]
            // mean over the row of (dy·w)·x̂, the part of the gradient that flows through rstd
            var projection: Float = 0
            for i in 0..<c { projection += dy[i] * weight[i] * x[i] * r }
            projection /= Float(c)
            for i in 0..<c {
                let xhat = x[i] * r
                dx[i] += r * (dy[i] * weight[i] - xhat * projection)
            }
            if let dweight {
                for i in 0..<c { dweight[i] += dy[i] * x[i] * r }
            }
        }
    }
    if dweight == nil {
        Parallel.forChunks(n, minimumPerChunk: max(1, 16384 / max(c, 1))) { rows($0) }
    } else {
        rows(0..<n)
    }
}
