import TensorKit

/// The token prefix every prompt of a generation call shares (an eval set's system prompt and
/// instruction), computed once: its keys and values are prefilled into a cache of their own, copied
/// into each sequence's slot when it is admitted, and only the rest of each prompt is prefilled.
///
/// Answers stay bit-identical to unshared prefill. Every kernel of a forward call gives a row the
/// same result whatever else the call holds, except causal attention, whose blocks of
/// `Attention.causalBlock` query rows start at the segment's first row: so the shared length is a
/// whole number of blocks (the rest's blocks then line up with the unsplit prompt's), and the rest
/// keeps the whole prompt's kernel routes (`SequenceSegment.routeLength`).
public struct SharedPrefix {
    /// Shared tokens: a multiple of `Attention.causalBlock`, at least one block.
    let count: Int
    /// Their keys and values, one slot of `count` positions.
    let cache: KVCache

    /// The longest common prefix of `prompts` rounded down to whole attention blocks, leaving each
    /// prompt at least one token of its own (whose logits start its completion); 0 when the prompts
    /// are fewer than two or share less than one block.
    public static func length(of prompts: [[Int]]) -> Int {
        guard prompts.count > 1, let first = prompts.first else { return 0 }
        var common = prompts.map(\.count).min()! - 1
        for prompt in prompts.dropFirst() {
            var i = 0
            while i < common, prompt[i] == first[i] { i += 1 }
            common = i
        }
        return common / Attention.causalBlock * Attention.causalBlock
    }

    /// Prefills the shared prefix of `prompts` once with `model`; nil when there is none worth sharing.
    init?(prompts: [[Int]], model: LlamaModel) throws {
        count = Self.length(of: prompts)
        guard count > 0 else { return nil }
        cache = KVCache(config: model.config, slots: 1, capacity: count)
        _ = try model.forward(tokens: Array(prompts[0][0..<count]), segments: [SequenceSegment(slot: 0, start: 0, count: count)],
                              cache: cache, logitRows: .none)
    }

    /// Copies the prefix's keys and values into positions 0 ..< count of `slot` of `target`.
    func copy(into target: KVCache, slot: Int) {
        let floats = count * target.kvDim
        for layer in 0..<target.layers {
            target.keys(layer: layer, slot: slot).update(from: cache.keys(layer: layer, slot: 0), count: floats)
            target.values(layer: layer, slot: slot).update(from: cache.values(layer: layer, slot: 0), count: floats)
        }
    }

    /// The forward segment of `prompt`'s own tokens after the prefix, in `slot`.
    func segment(of prompt: [Int], slot: Int) -> SequenceSegment {
        SequenceSegment(slot: slot, start: count, count: prompt.count - count, routeLength: prompt.count)
    }
}
