import Foundation

/// A model folder's tokenizer files read as the `tokenizer.*` GGUF metadata the tokenizer engine
/// runs on, as llama.cpp's converter derives it (`conversion/base.py` `get_vocab_base`,
/// `_set_vocab_llama_hf`; gguf-py `SpecialVocab`):
/// - `tokenizer.json` with a BPE model: byte-level vocabularies (a `ByteLevel` pre-tokenizer, alone
///   or after a `Split` whose regex is GPT-2's, Llama 3's, Qwen2's or o200k's, or after `Digits`)
///   become "gpt2" with the matching `tokenizer.ggml.pre`; SentencePiece-style vocabularies
///   (`Metaspace`, or the `Prepend`/`Replace` normalizer, with `byte_fallback`) become "llama" with
///   scores from the merge ranks (a merge's rank orders it the way a SentencePiece score does);
///   merges in either form ("a b" or ["a", "b"]);
/// - added tokens: CONTROL when special, USER_DEFINED otherwise (llama.cpp's types);
/// - BOS/EOS added as the `TemplateProcessing` post-processor says;
/// - the chat template from `chat_template.jinja` or `tokenizer_config.json`, the EOS (stop) token
///   from `generation_config.json`.
/// Anything else (another normalizer or pre-tokenizer, a WordPiece or Unigram model) is refused
/// with the component named, rather than tokenized differently.
struct HFTokenizerMetadata {
    let metadata: [(key: String, value: GGUFValue)]

    /// Pre-tokenizer regexes of `tokenizer.json` `Split` steps → GGUF pre names.
    static let knownPatterns: [String: String] = [
        "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+": "llama-bpe",
        "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+": "qwen2",
        "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+": "gpt2",
        "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+": "gpt-4o",
    ]

    /// `embeddingRows`: the model's vocab_size; the token list is padded to it as the converter does.
    init(folder: URL, embeddingRows: Int) throws {
        let file = folder.appendingPathComponent("tokenizer.json")
        let source = file.path
        func bad(_ problem: String, _ fix: String = "save the tokenizer again with transformers (a fast tokenizer)") -> GGUFError {
            GGUFError(file: source, problem: problem, fix: fix)
        }
        guard let data = FileManager.default.contents(atPath: file.path) else {
            throw bad("cannot read the file", "a model folder needs tokenizer.json; save the tokenizer with transformers")
        }
        guard let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
              let model = json["model"] as? [String: Any] else { throw bad("is not a tokenizer.json with a model") }
        guard (model["type"] as? String) == "BPE", let vocab = model["vocab"] as? [String: Any] else {
            throw bad("model type \(model["type"] ?? "none") is not BPE, the only one Tollgate reads")
        }
        let config = Self.object(folder.appendingPathComponent("tokenizer_config.json"))
        let generation = Self.object(folder.appendingPathComponent("generation_config.json"))

        // Which engine: byte-level BPE or SentencePiece-style BPE, and its pre-tokenizer.
        let steps = Self.steps(json["pre_tokenizer"])
        let normalizers = Self.steps(json["normalizer"], list: "normalizers")
        let byteFallback = (model["byte_fallback"] as? Bool) ?? false
        var kind = "gpt2", pre = "gpt2", prepend = "never", normalization: [String] = []
        if steps.contains(where: { $0["type"] as? String == "ByteLevel" }) {
            guard normalizers.allSatisfy({ $0["type"] as? String == "NFC" }) else {
                throw bad("normalizer \(normalizers.compactMap { $0["type"] }) is not one Tollgate applies before byte-level BPE")
            }
            normalization = normalizers.map { _ in "nfc" }
            pre = try Self.bytePre(steps, bad: bad)
        } else if byteFallback || steps.contains(where: { $0["type"] as? String == "Metaspace" }) {
            kind = "llama"
            pre = "default"
            (prepend, normalization) = try Self.sentencePieceRules(steps, normalizers, bad: bad)
        } else {
            throw bad("neither a ByteLevel pre-tokenizer nor a SentencePiece-style (Metaspace, byte_fallback) BPE")
        }

        // Tokens by id; added tokens take their ids and types.
        var tokens = [String?](repeating: nil, count: embeddingRows)
        for (text, id) in vocab {
            guard let id = (id as? NSNumber)?.intValue, id >= 0 else { throw bad("token \(text) has a bad id") }
            guard id < embeddingRows else {
                throw bad("token \(text) has id \(id) but the model has \(embeddingRows) embedding rows", "use the tokenizer saved with this model")
            }
            tokens[id] = text
        }
        var types = [Int32](repeating: 1, count: tokens.count)
        var specialIDs: [String: Int] = [:]
        for added in (json["added_tokens"] as? [[String: Any]]) ?? [] {
            guard let id = (added["id"] as? NSNumber)?.intValue, let content = added["content"] as? String, id >= 0, id < 1 << 24 else {
                throw bad("an added token lacks an id or content")
            }
            guard id < tokens.count else {
                throw bad("added token \(content) has id \(id) but the model has \(tokens.count) embedding rows",
                          "resize the model's embeddings to the tokenizer (resize_token_embeddings) and save both again")
            }
            tokens[id] = content
            types[id] = (added["special"] as? Bool) == true ? 3 : 4
            specialIDs[content] = id
        }
        // Ids no token has (embedding rows past the tokenizer) get the converter's [PAD…] names.
        let texts = tokens.enumerated().map { id, text -> String in
            if text == nil { types[id] = 5 }
            return text ?? "[PAD\(id)]"
        }
        let idOf = Dictionary(texts.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        if kind == "llama" {
            for (id, text) in texts.enumerated() where types[id] == 1 && text.count == 6 && text.hasPrefix("<0x") && text.hasSuffix(">") {
                types[id] = 6
            }
        }
        // Only the model's own unknown token stands for what it cannot spell (none: dropped, as HF does).
        let unknown = (model["unk_token"] as? String).flatMap { idOf[$0] }
        if let unknown { types[unknown] = 2 }

        // Merges: "a b" strings or ["a", "b"] pairs, highest priority first.
        let merges: [String] = try ((model["merges"] as? [Any]) ?? []).map { merge in
            if let string = merge as? String { return string }
            if let pair = merge as? [String], pair.count == 2 { return pair[0] + " " + pair[1] }
            throw bad("a merge is neither \"a b\" nor [\"a\", \"b\"]")
        }

        var keys: [(String, GGUFValue)] = [
            ("tokenizer.ggml.model", .string(kind)), ("tokenizer.ggml.pre", .string(pre)),
            ("tokenizer.ggml.tokens", .array(texts.map(GGUFValue.string))),
            ("tokenizer.ggml.token_type", .array(types.map(GGUFValue.int32))),
        ]
        if kind == "gpt2" {
            keys.append(("tokenizer.ggml.merges", .array(merges.map(GGUFValue.string))))
        } else {
            keys.append(("tokenizer.ggml.scores", .array(Self.mergeScores(merges, idOf: idOf, count: texts.count).map(GGUFValue.float32))))
            // Decoding drops the first token's leading space where encoding put one.
            keys.append(("tokenizer.ggml.add_space_prefix", .bool(prepend != "never")))
        }
        keys.append(("tokenizer.hf.prepend_scheme", .string(prepend)))
        keys.append(("tokenizer.hf.normalizers", .array(normalization.map(GGUFValue.string))))
        // Special tokens: tokenizer_config names them; generation_config's EOS is the stop token.
        func id(of key: String) -> Int? {
            let value = config[key]
            let text = (value as? String) ?? ((value as? [String: Any])?["content"] as? String)
            return text.flatMap { idOf[$0] }
        }
        let generationEOS = (generation["eos_token_id"] as? NSNumber)?.intValue ?? ((generation["eos_token_id"] as? [NSNumber])?.first?.intValue)
        let bos = id(of: "bos_token"), eos = generationEOS ?? id(of: "eos_token")
        for (key, value) in [("bos", bos), ("eos", eos), ("unknown", unknown), ("padding", id(of: "pad_token"))] {
            if let value, value < texts.count { keys.append(("tokenizer.ggml.\(key)_token_id", .uint32(UInt32(value)))) }
        }
        let (addBOS, addEOS) = Self.addedSpecials(json["post_processor"], bos: bos.map { texts[$0] }, eos: eos.map { texts[$0] }, config: config)
        keys.append(("tokenizer.ggml.add_bos_token", .bool(addBOS)))
        keys.append(("tokenizer.ggml.add_eos_token", .bool(addEOS)))
        if let template = try Self.chatTemplate(folder: folder, config: config) { keys.append(("tokenizer.chat_template", .string(template))) }
        metadata = keys.map { (key: $0.0, value: $0.1) }
    }

    /// The GGUF pre name of a byte-level pre-tokenizer.
    static func bytePre(_ steps: [[String: Any]], bad: (String, String) -> GGUFError) throws -> String {
        var pre = "gpt2"
        for step in steps {
            switch step["type"] as? String {
            case "ByteLevel":
                if (step["add_prefix_space"] as? Bool) == true { throw bad("ByteLevel add_prefix_space is true", "Tollgate reads ByteLevel without a prefix space") }
            case "Digits" where (step["individual_digits"] as? Bool) == true:
                pre = "smollm"
            case "Split":
                let pattern = (step["pattern"] as? [String: Any])?["Regex"] as? String ?? ""
                guard let name = knownPatterns[pattern], (step["behavior"] as? String ?? "Isolated") == "Isolated" else {
                    throw bad("Split pattern \(pattern.prefix(40))… is not the GPT-2, Llama 3, Qwen2 or o200k regex", "use one of those tokenizers")
                }
                pre = name
            case let other:
                throw bad("pre-tokenizer \(other ?? "?") is not one Tollgate runs (ByteLevel, Split, Digits, Metaspace)", "use a supported tokenizer")
            }
        }
        return pre
    }

    /// The prepend scheme and normalizer steps of a SentencePiece-style tokenizer (Metaspace's
    /// `prepend_scheme`, or the `Prepend("▁")` normalizer), in `HFTextNormalization`'s names.
    static func sentencePieceRules(_ steps: [[String: Any]], _ normalizers: [[String: Any]],
                                   bad: (String, String) -> GGUFError) throws -> (prepend: String, steps: [String]) {
        var prepend = "never"
        for step in steps {
            guard step["type"] as? String == "Metaspace", (step["split"] as? Bool) != true else {
                throw bad("pre-tokenizer \(step["type"] ?? "?") with a SentencePiece vocabulary is not one Tollgate runs", "use Metaspace without split")
            }
            prepend = step["prepend_scheme"] as? String ?? "always"
        }
        var names: [String] = []
        for normalizer in normalizers {
            let pattern = normalizer["pattern"] as? [String: Any]
            switch (normalizer["type"] as? String, pattern?["String"] as? String, pattern?["Regex"] as? String, normalizer["content"] as? String) {
            case ("Prepend", _, _, _) where normalizer["prepend"] as? String == "\u{2581}": prepend = "prepend"
            case ("Replace", " ", nil, "\u{2581}"): break
            case ("Replace", nil, "\\A +| +\\z", ""): names.append("strip_spaces")
            case ("Replace", nil, " {2,}", " "): names.append("collapse_spaces")
            case ("NFC", _, _, _): names.append("nfc")
            default:
                throw bad("normalizer \(normalizer["type"] ?? "?") \(pattern ?? [:]) is not one Tollgate applies", "use a tokenizer without it")
            }
        }
        return (prepend, names)
    }

    /// SentencePiece scores from merge ranks: the token a merge of rank r makes scores −r, so the
    /// engine's best-score-first merging follows HF's lowest-rank-first order. Tokens no merge makes score −10⁹.
    static func mergeScores(_ merges: [String], idOf: [String: Int], count: Int) -> [Float] {
        var scores = [Float](repeating: -1e9, count: count)
        for (rank, merge) in merges.enumerated() {
            guard let space = merge.firstIndex(of: " ") else { continue }
            let result = String(merge[..<space]) + String(merge[merge.index(after: space)...])
            if let id = idOf[result], scores[id] == -1e9 { scores[id] = -Float(rank) }
        }
        return scores
    }

    /// BOS / EOS as `TemplateProcessing` places them around a single sequence, else tokenizer_config's flags.
    static func addedSpecials(_ processor: Any?, bos: String?, eos: String?, config: [String: Any]) -> (Bool, Bool) {
        var processors = steps(processor, list: "processors")
        processors = processors.filter { $0["type"] as? String == "TemplateProcessing" }
        guard let template = processors.first, let single = template["single"] as? [[String: Any]] else {
            return ((config["add_bos_token"] as? Bool) ?? false, (config["add_eos_token"] as? Bool) ?? false)
        }
        func special(_ item: [String: Any]?) -> String? { (item?["SpecialToken"] as? [String: Any])?["id"] as? String }
        let first = special(single.first), last = single.count > 1 ? special(single.last) : nil
        return (first != nil && first == bos, last != nil && last == eos)
    }

    /// `chat_template.jinja`, else tokenizer_config's `chat_template` (a string, or a list of named
    /// templates of which "default" is taken).
    static func chatTemplate(folder: URL, config: [String: Any]) throws -> String? {
        if let data = FileManager.default.contents(atPath: folder.appendingPathComponent("chat_template.jinja").path) {
            return String(decoding: data, as: UTF8.self)
        }
        if let template = config["chat_template"] as? String { return template }
        if let named = config["chat_template"] as? [[String: Any]] {
            let chosen = named.first { $0["name"] as? String == "default" } ?? named.first
            return chosen?["template"] as? String
        }
        return nil
    }

    /// A component and its `Sequence` members, flattened (nil and null: none).
    static func steps(_ value: Any?, list: String = "pretokenizers") -> [[String: Any]] {
        guard let object = value as? [String: Any] else { return [] }
        if object["type"] as? String == "Sequence" {
            return ((object[list] as? [Any]) ?? []).flatMap { steps($0, list: list) }
        }
        return [object]
    }

    static func object(_ url: URL) -> [String: Any] {
        guard let data = FileManager.default.contents(atPath: url.path) else { return [:] }
        return ((try? JSONSerialization.jsonObject(with: data)) as? [String: Any]) ?? [:]
    }
}
