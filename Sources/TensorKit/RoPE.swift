import Foundation

// Rotary position embedding in Hugging Face's rotate-half pairing: within each head of width HD,
// element i pairs with element i + HD/2 and the pair turns by pos · θᵢ, θᵢ = base^(-2i/HD).

public enum RoPE {
    /// θᵢ computed as transformers does in float32 (inv_freq = 1 / base^(2i/HD)).
    public static func inverseFrequencies(headDim: Int, base: Float) -> [Float] {
        (0..<(headDim / 2)).map { i in
            let exponent = Float(2 * i) / Float(headDim)
            return 1 / Float(pow(Double(base), Double(exponent)))
        }
    }

    /// Rotates x (N, heads, HD) in place; token n sits at `positions[n]`. With `inverse` the rotation
    /// runs backwards, which is also RoPE's backward pass (the rotation is orthogonal).
    public static func apply(_ x: UnsafeMutablePointer<Float>, positions: UnsafePointer<Int32>, tokens: Int,
                             heads: Int, headDim: Int, inverseFrequencies: [Float], inverse: Bool = false) {
        let half = headDim / 2
        inverseFrequencies.withUnsafeBufferPointer { freqs in
            let freqs = freqs.baseAddress!
            Parallel.forChunks(tokens, minimumPerChunk: max(1, 4096 / max(1, heads * headDim))) { range in
                let cosines = UnsafeMutablePointer<Float>.allocate(capacity: half + 16)
                let sines = UnsafeMutablePointer<Float>.allocate(capacity: half + 16)
                defer { cosines.deallocate(); sines.deallocate() }
                for token in range {
                    let position = Float(positions[token])
                    for i in 0..<half {
                        let angle = Double(position * freqs[i])
                        cosines[i] = Float(cos(angle))
                        sines[i] = inverse ? -Float(sin(angle)) : Float(sin(angle))
                    }
                    for head in 0..<heads {
                        let first = x + (token * heads + head) * headDim
                        let second = first + half
                        var i = 0
                        while i + 16 <= half {
                            let a = load16(first + i), b = load16(second + i)
                            let c = load16(cosines + i), s = load16(sines + i)
                            store16(a * c - b * s, first + i)
                            store16(b * c + a * s, second + i)
                            i += 16
                        }
                        while i < half {
                            let a = first[i], b = second[i]
                            first[i] = a * cosines[i] - b * sines[i]
                            second[i] = b * cosines[i] + a * sines[i]
                            i += 1
                        }
                    }
                }
            }
        }
    }
}
