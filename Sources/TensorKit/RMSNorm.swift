// RMSNorm as Llama uses it: y = w ⊙ (x · rstd), rstd = 1/√(mean(x²) + eps), rows in parallel.

public enum RMSNorm {
    /// out (N, C), rstd (N) ← inp (N, C), weight (C).
    public static func forward(out: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>?,
                               inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                               rows: Int, cols: Int, eps: Float) {
        Parallel.forChunks(rows, minimumPerChunk: max(1, 16384 / max(cols, 1))) { range in
            for row in range {
                let x = inp + row * cols
                let y = out + row * cols
                var acc = SIMD16<Float>()
                var i = 0
                while i + 16 <= cols { let v = load16(x + i); acc += v * v; i += 16 }
                var squares = acc.sum()
                while i < cols { squares += x[i] * x[i]; i += 1 }
                let r = 1 / (squares / Float(cols) + eps).squareRoot()
                rstd?[row] = r
                i = 0
                while i + 16 <= cols { store16(load16(weight + i) * (load16(x + i) * r), y + i); i += 16 }
                while i < cols { y[i] = weight[i] * (x[i] * r); i += 1 }
            }
        }
    }
}
