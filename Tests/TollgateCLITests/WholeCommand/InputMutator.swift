import Foundation

/// Seeded damage to a file's bytes, the way files arrive broken: flipped bits, overwritten
/// counts, cut tails, repeated or missing chunks and stray syntax. The same seed gives the same
/// mutation, so a failing case can be replayed from the seed printed with it.
struct InputMutator {
    private var state: UInt64

    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }

    /// SplitMix64.
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func below(_ bound: Int) -> Int { bound <= 1 ? 0 : Int(next() % UInt64(bound)) }

    /// Values that parsers trip on: zero, all ones, sign bits, the edges of 32 and 64 bits.
    private static let interesting: [[UInt8]] = [[0], [0xFF], [0x7F], [0x80], [0xFF, 0xFF, 0xFF, 0xFF],
                                                 [0, 0, 0, 0x80], [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F],
                                                 [0, 0, 0, 0, 1, 0, 0, 0]]
    /// Syntax of the text formats (JSON, YAML) spliced into text files.
    private static let tokens: [String] = ["{", "}", "[", "]", "\"", ":", ",", "null", "-1", "1e999", "\n", "\r\n", "\u{0}",
                                           "\\u", "\u{FEFF}", "- ", "&a ", "*a", "!!binary ", "---\n", "{{", "}}", "\t", "é"]

    /// One to four mutations of `bytes`; positions are drawn from `focus` (where the structure is,
    /// e.g. a model's header) three times in four.
    mutating func mutate(_ bytes: [UInt8], focus: Range<Int>? = nil, text: Bool) -> [UInt8] {
        var out = bytes
        for _ in 0 ..< 1 + below(4) {
            guard !out.isEmpty else { out = [UInt8(below(256))]; continue }
            let window = focus.map { $0.clamped(to: 0 ..< out.count) }.flatMap { $0.isEmpty ? nil : $0 } ?? 0 ..< out.count
            let position = below(4) < 3 ? window.lowerBound + below(window.count) : below(out.count)
            switch below(text ? 7 : 6) {
            case 0: out[position] ^= 1 << UInt8(below(8))
            case 1:
                let value = Self.interesting[below(Self.interesting.count)]
                for (offset, byte) in value.enumerated() where position + offset < out.count { out[position + offset] = byte }
            case 2: out.removeSubrange(position...)
            case 3:
                let length = min(1 + below(64), out.count - position)
                out.insert(contentsOf: out[position ..< position + length], at: position)
            case 4:
                let length = min(1 + below(64), out.count - position)
                out.removeSubrange(position ..< position + length)
            case 5: out[position] = UInt8(below(256))
            default: out.insert(contentsOf: Array(Self.tokens[below(Self.tokens.count)].utf8), at: position)
            }
        }
        return out
    }
}
