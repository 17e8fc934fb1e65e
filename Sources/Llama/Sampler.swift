import Foundation
import TensorKit

/// xoshiro256** seeded through SplitMix64: small, fast, and the same stream on every platform, so a
/// seed reproduces a sampled completion exactly.
public struct SeededRandom: RandomNumberGenerator, Sendable, Codable, Equatable {
    public var state: [UInt64]

    public init(seed: UInt64) {
        var x = seed
        state = (0..<4).map { _ in
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    public mutating func next() -> UInt64 {
        let result = rotate(state[1] &* 5, 7) &* 9
        let t = state[1] << 17
        state[2] ^= state[0]
        state[3] ^= state[1]
        state[1] ^= state[2]
        state[0] ^= state[3]
        state[2] ^= t
        state[3] = rotate(state[3], 45)
        return result
    }

    /// Uniform in [0, 1) with 24 bits.
    public mutating func nextUnit() -> Float { Float(next() >> 40) * (1.0 / 16_777_216.0) }

    private func rotate(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}

/// Picks the next token from a row of logits: greedy at temperature 0, otherwise softmax(logits / T)
/// restricted to the smallest set of most likely tokens whose probability reaches `topP`.
public enum Sampler {
    /// Index of the largest logit (the first one on ties, as torch.argmax).
    public static func argmax(_ logits: UnsafePointer<Float>, count: Int) -> Int {
        // A vector pass for the largest value, then the first index holding it.
        var best = SIMD16<Float>(repeating: -.infinity)
        var i = 0
        while i + 16 <= count { best = fastMax(best, load16(logits + i)); i += 16 }
        var maximum = laneMax(best)
        while i < count { maximum = max(maximum, logits[i]); i += 1 }
        for index in 0..<count where logits[index] == maximum { return index }
        return 0  // only when every logit is NaN
    }

    public static func sample(_ logits: UnsafePointer<Float>, count: Int, temperature: Float, topP: Float,
                              rng: inout SeededRandom) -> Int {
        guard temperature > 0 else { return argmax(logits, count: count) }
        let maximum = logits[argmax(logits, count: count)]
        var probabilities = [Float](repeating: 0, count: count)
        var total: Double = 0
        for i in 0..<count {
            let p = Foundation.exp((logits[i] - maximum) / temperature)
            probabilities[i] = p
            total += Double(p)
        }
        var candidates: [Int]
        if topP < 1 {
            // Tokens below 1e-9 of the total cannot change which set reaches topP in float precision.
            let floor = Float(total) * 1e-9
            candidates = (0..<count).filter { probabilities[$0] > floor }
            candidates.sort { probabilities[$0] != probabilities[$1] ? probabilities[$0] > probabilities[$1] : $0 < $1 }
            var kept = 0
            var mass: Double = 0
            for index in candidates {
                mass += Double(probabilities[index])
                kept += 1
                if mass >= Double(topP) * total { break }
            }
            candidates.removeSubrange(kept...)
            total = mass
        } else {
            candidates = Array(0..<count)
        }
        let target = Double(rng.nextUnit()) * total
        var running: Double = 0
        for index in candidates {
            running += Double(probabilities[index])
            if running > target { return index }
        }
        return candidates.last ?? 0
    }

    /// The `k` largest logits, largest first, as (token id, logit).
    public static func topLogits(_ logits: UnsafePointer<Float>, count: Int, k: Int) -> [(id: Int, logit: Float)] {
        guard k > 0 else { return [] }
        var best: [(id: Int, logit: Float)] = []
        for i in 0..<count {
            let value = logits[i]
            if best.count < k || value > best[best.count - 1].logit {
                var position = best.count
                while position > 0 && best[position - 1].logit < value { position -= 1 }
                best.insert((i, value), at: position)
                if best.count > k { best.removeLast() }
            }
        }
        return best
    }
}
