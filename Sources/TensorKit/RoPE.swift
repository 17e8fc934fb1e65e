import Foundation

// Rotary position embedding in Hugging Face's rotate-half pairing: within each head of width HD,
// the first R ≤ HD elements rotate (R < HD: partial rotary, Phi-3), element i pairing with element
// i + R/2, and the pair turns by pos · θᵢ, θᵢ = base^(-2i/R) (with a family's divisors, see the
// Llama module's `RoPESettings`); elements from R on pass through.

public enum RoPE {
    /// θᵢ computed as transformers does in float32 (inv_freq = 1 / base^(2i/HD)).
    public static func inverseFrequencies(headDim: Int, base: Float) -> [Float] {
        (0..<(headDim / 2)).map { i in
            let exponent = Float(2 * i) / Float(headDim)
            return 1 / Float(pow(Double(base), Double(exponent)))
        }
    }

    /// cosines, sines (N, R/2) ← scale · cos and scale · sin of positions[n] · θᵢ: computed once per
    /// forward call and shared by q and k of every layer that uses the table. `scale` is LongRoPE's
    /// attention factor (1 elsewhere).
    public static func angles(cosines: UnsafeMutablePointer<Float>, sines: UnsafeMutablePointer<Float>,
                              positions: UnsafePointer<Int32>, tokens: Int, inverseFrequencies: [Float],
                              scale: Float = 1) {
        let half = inverseFrequencies.count
        inverseFrequencies.withUnsafeBufferPointer { freqs in
            let freqs = freqs.baseAddress!
            Parallel.forChunks(tokens, minimumPerChunk: 64) { range in
                for token in range {
                    let position = Float(positions[token])
                    for i in 0..<half {
                        let angle = Double(position * freqs[i])
                        cosines[token * half + i] = scale == 1 ? Float(cos(angle)) : Float(cos(angle)) * scale
                        sines[token * half + i] = scale == 1 ? Float(sin(angle)) : Float(sin(angle)) * scale
                    }
                }
            }
        }
    }

    /// Rotates the first `rotated` (default HD) elements of each head of x (N, heads, HD) in place by
    /// the angles of each token (see `angles`, (N, rotated/2)). With `inverse` the rotation runs
    /// backwards, which is also RoPE's backward pass (the rotation is orthogonal; with a scale it is
    /// scale times one, and its transpose is the backward).
    public static func apply(_ x: UnsafeMutablePointer<Float>, cosines: UnsafePointer<Float>, sines: UnsafePointer<Float>,
                             tokens: Int, heads: Int, headDim: Int, rotated: Int? = nil, inverse: Bool = false) {
        let half = (rotated ?? headDim) / 2
        let sign: Float = inverse ? -1 : 1
        Parallel.forChunks(tokens, minimumPerChunk: max(1, 4096 / max(1, heads * headDim))) { range in
            for token in range {
                let c = cosines + token * half, s = sines + token * half
                for head in 0..<heads {
                    let first = x + (token * heads + head) * headDim
                    let second = first + half
                    var i = 0
                    while i + 16 <= half {
                        let a = load16(first + i), b = load16(second + i)
                        let cv = load16(c + i), sv = load16(s + i) * sign
                        store16(a * cv - b * sv, first + i)
                        store16(b * cv + a * sv, second + i)
                        i += 16
                    }
                    while i < half {
                        let a = first[i], b = second[i], sv = s[i] * sign
                        first[i] = a * c[i] - b * sv
                        second[i] = b * c[i] + a * sv
                        i += 1
                    }
                }
            }
        }
    }

    /// Rotates x (N, heads, HD) in place; token n sits at `positions[n]`.
    public static func apply(_ x: UnsafeMutablePointer<Float>, positions: UnsafePointer<Int32>, tokens: Int,
                             heads: Int, headDim: Int, inverseFrequencies: [Float], inverse: Bool = false) {
        let cosines = FloatBuffer(count: tokens * inverseFrequencies.count)
        let sines = FloatBuffer(count: tokens * inverseFrequencies.count)
        angles(cosines: cosines.pointer, sines: sines.pointer, positions: positions, tokens: tokens,
               inverseFrequencies: inverseFrequencies)
        apply(x, cosines: cosines.pointer, sines: sines.pointer, tokens: tokens, heads: heads, headDim: headDim,
              inverse: inverse)
    }
}
