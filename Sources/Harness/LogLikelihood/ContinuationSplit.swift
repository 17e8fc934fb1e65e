import Foundation

/// The tokens of one item's requests, as lm-evaluation-harness's `TemplateLM._encode_pair` makes them:
/// the context's own tokens once, and per choice the tokens that follow them.
public struct EncodedItem: Sendable, Equatable {
    /// tok(context) (with BOS when the tokenizer adds one).
    public var context: [Int]
    /// Per choice: tok(context + continuation)[context.count...].
    public var continuations: [[Int]]

    public init(context: [Int], continuations: [[Int]]) {
        self.context = context
        self.continuations = continuations
    }
}

/// lm-eval's split of (context, continuation) into tokens, with its failure modes turned into errors.
///
/// 1. Trailing whitespace of the context moves to the front of the continuation (`n_spaces`).
/// 2. whole = tok(context + continuation), ctx = tok(context), continuation = whole[len(ctx):] —
///    encode whole then split, so a merge across the join belongs to the continuation.
/// 3. An empty context is the prefix token (BOS, else EOS) and the continuation encoded alone.
/// Where lm-eval asserts (a token spanning the join leaves the continuation empty) or silently
/// doubles a BOS, this throws naming the example.
public struct ContinuationSplit: Sendable {
    /// Text → token ids with the tokenizer's own BOS rule (and special tokens parsed, as HF does).
    public var encode: @Sendable (String) -> [Int]
    /// Text → token ids without BOS (for continuations encoded alone).
    public var encodeWithoutBOS: @Sendable (String) -> [Int]
    public var bosID: Int?
    public var eosID: Int?
    /// Whether `encode` puts BOS first.
    public var addsBOS: Bool

    public init(encode: @escaping @Sendable (String) -> [Int], encodeWithoutBOS: @escaping @Sendable (String) -> [Int],
                bosID: Int?, eosID: Int?, addsBOS: Bool) {
        self.encode = encode; self.encodeWithoutBOS = encodeWithoutBOS
        self.bosID = bosID; self.eosID = eosID; self.addsBOS = addsBOS
    }

    public func split(_ item: MultipleChoiceItem) throws -> EncodedItem {
        let (context, moved) = Self.movingTrailingWhitespace(item.context)
        if context.isEmpty {
            guard let prefix = bosID ?? eosID else {
                throw LogLikelihoodError.bosMismatch(example: item.id, reason: "the context is empty and the tokenizer has neither BOS nor EOS to start it")
            }
            let continuations = try item.choices.indices.map { k -> [Int] in
                let tokens = encodeWithoutBOS(moved + item.continuation(k))
                if tokens.isEmpty { throw emptyContinuation(item, k) }
                return tokens
            }
            return EncodedItem(context: [prefix], continuations: continuations)
        }
        let contextTokens = encode(context)
        try checkBOS(contextTokens, text: context, item: item, what: "context")
        var continuations: [[Int]] = []
        for k in item.choices.indices {
            let whole = encode(context + moved + item.continuation(k))
            try checkBOS(whole, text: context, item: item, what: "context + choice \(k)")
            guard whole.count > contextTokens.count else { throw emptyContinuation(item, k) }
            continuations.append(Array(whole[contextTokens.count...]))
        }
        return EncodedItem(context: contextTokens, continuations: continuations)
    }

    /// A tokenizer that adds BOS must start both encodings with exactly one BOS; one that does not
    /// must not find one written in the text (a second, silent BOS is lm-eval issue #3333's bug).
    private func checkBOS(_ tokens: [Int], text: String, item: MultipleChoiceItem, what: String) throws {
        guard let bosID else { return }
        let leading = tokens.prefix { $0 == bosID }.count
        if addsBOS && leading != 1 {
            throw LogLikelihoodError.bosMismatch(example: item.id, reason: "the \(what) encodes with \(leading) BOS tokens at its start, not 1")
        }
        if !addsBOS && leading > 0 {
            throw LogLikelihoodError.bosMismatch(example: item.id, reason: "the \(what) starts with BOS written as text, but this model's tokenizer adds no BOS")
        }
    }

    private func emptyContinuation(_ item: MultipleChoiceItem, _ k: Int) -> LogLikelihoodError {
        .emptyContinuation(example: item.id, choice: k, context: item.context, continuation: item.continuation(k))
    }

    /// (context without trailing whitespace, the whitespace) — Python's `str.rstrip()` set.
    public static func movingTrailingWhitespace(_ context: String) -> (String, String) {
        var scalars = Array(context.unicodeScalars)
        var moved: [Unicode.Scalar] = []
        while let last = scalars.last, last.properties.isWhitespace || (0x1C...0x1F).contains(last.value) {
            moved.insert(scalars.removeLast(), at: 0)
        }
        var head = String.UnicodeScalarView(), tail = String.UnicodeScalarView()
        head.append(contentsOf: scalars); tail.append(contentsOf: moved)
        return (String(head), String(tail))
    }
}

extension ContinuationSplit {
    /// The model's own tokenizer and BOS rule (special tokens written in the text parsed as special).
    public init(model: LoadedModel) {
        let tokenizer = model.tokenizer
        self.init(encode: { tokenizer.encode($0, parseSpecial: true) },
                  encodeWithoutBOS: { tokenizer.encode($0, parseSpecial: true, addBOS: false) },
                  bosID: tokenizer.bosID, eosID: tokenizer.eosID, addsBOS: tokenizer.addBOS)
    }
}
