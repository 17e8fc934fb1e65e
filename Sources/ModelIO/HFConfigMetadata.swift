import Foundation

/// A Hugging Face `config.json` read as the `<arch>.*` GGUF metadata llama.cpp's converter writes
/// for it (`convert_hf_to_gguf.py`, research notes model-families.md §2–§7), plus the rotary
/// factor tensors the converter computes (Llama 3's `rope_freqs`, Phi-3's LongRoPE factors). The
/// model then goes through the same family description as its GGUF. What the converter would
/// silently drop (a custom NoPE list, a query scale other than the head width) is refused instead.
struct HFConfigMetadata {
    /// HF `architectures[0]` → GGUF `general.architecture`.
    static let architectures: [String: String] = [
        "LlamaForCausalLM": "llama", "SmolLM3ForCausalLM": "smollm3", "Qwen2ForCausalLM": "qwen2",
        "Qwen3ForCausalLM": "qwen3", "Phi3ForCausalLM": "phi3", "Gemma3ForCausalLM": "gemma3",
    ]

    let architecture: String
    let metadata: [(key: String, value: GGUFValue)]
    /// Float32 vectors to add as tensors (name → values).
    let factorTensors: [(name: String, values: [Float])]
    let tiedEmbeddings: Bool
    let vocabSize: Int

    init(url: URL) throws {
        let source = url.path
        func bad(_ problem: String, _ fix: String = "save the model again with transformers") -> GGUFError {
            GGUFError(file: source, problem: problem, fix: fix)
        }
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw bad("cannot read the file", "a model folder needs config.json beside its safetensors")
        }
        guard let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { throw bad("is not a JSON object") }
        let names = (json["architectures"] as? [String]) ?? []
        guard let first = names.first, let architecture = Self.architectures[first] else {
            throw bad("architectures \(names) are not ones Tollgate runs",
                      "use a model of \(Self.architectures.keys.sorted().joined(separator: ", "))")
        }
        self.architecture = architecture
        let config = JSONFields(json: json, source: source)
        var keys: [(String, GGUFValue)] = [("general.architecture", .string(architecture))]
        func put(_ key: String, _ value: GGUFValue) { keys.append((architecture + "." + key, value)) }

        let dim = try config.int("hidden_size"), heads = try config.int("num_attention_heads")
        let layers = try config.int("num_hidden_layers")
        guard heads > 0, layers > 0, dim > 0 else { throw bad("hidden_size, num_attention_heads and num_hidden_layers must be positive") }
        let headDim = try config.optionalInt("head_dim") ?? dim / heads
        vocabSize = try config.int("vocab_size")
        put("context_length", .uint32(UInt32(clamping: try config.optionalInt("max_position_embeddings") ?? 2048)))
        put("embedding_length", .uint32(UInt32(clamping: dim)))
        put("block_count", .uint32(UInt32(clamping: layers)))
        put("feed_forward_length", .uint32(UInt32(clamping: try config.int("intermediate_size"))))
        put("attention.head_count", .uint32(UInt32(clamping: heads)))
        put("attention.head_count_kv", .uint32(UInt32(clamping: try config.optionalInt("num_key_value_heads") ?? heads)))
        put("attention.key_length", .uint32(UInt32(clamping: headDim)))
        put("attention.value_length", .uint32(UInt32(clamping: headDim)))
        put("attention.layer_norm_rms_epsilon", .float32(Float(try config.optionalDouble("rms_norm_eps") ?? 1e-6)))
        tiedEmbeddings = try config.optionalBool("tie_word_embeddings") ?? (architecture == "gemma3")

        let activation = try config.optionalString("hidden_activation") ?? config.optionalString("hidden_act") ?? "silu"
        let expected = architecture == "gemma3" ? ["gelu_pytorch_tanh", "gelu_tanh"] : ["silu"]
        guard expected.contains(activation) else {
            throw bad("activation \(activation) is not the \(expected[0]) \(architecture) models use in Tollgate", "use a standard \(architecture) config")
        }
        if try config.optionalBool("mlp_bias") == true { throw bad("mlp_bias is true; Tollgate runs MLPs without biases", "use a model without MLP biases") }
        if try config.optionalBool("use_sliding_window") == true, architecture != "gemma3", architecture != "phi3" {
            throw bad("use_sliding_window is true, which Tollgate runs only for Gemma 3", "set it to false or use a GGUF")
        }

        // Rotary settings: transformers 5 nests them in rope_parameters (per layer type for Gemma 3).
        var rope = (json["rope_parameters"] as? [String: Any]) ?? [:]
        var localRope: [String: Any]?
        if let full = rope["full_attention"] as? [String: Any] {
            localRope = rope["sliding_attention"] as? [String: Any]
            rope = full
        }
        if rope.isEmpty, let scaling = json["rope_scaling"] as? [String: Any] { rope = scaling }
        let ropeFields = JSONFields(json: rope, source: source + " rope_parameters")
        let theta = try ropeFields.optionalDouble("rope_theta") ?? config.optionalDouble("rope_theta") ?? 10000
        put("rope.freq_base", .float32(Float(theta)))
        let partial = try ropeFields.optionalDouble("partial_rotary_factor") ?? config.optionalDouble("partial_rotary_factor") ?? 1
        let rotated = Int(Double(headDim) * partial)
        put("rope.dimension_count", .uint32(UInt32(clamping: rotated)))
        var factors: [(String, [Float])] = []
        switch try ropeFields.optionalString("rope_type") ?? ropeFields.optionalString("type") ?? "default" {
        case "default":
            break
        case "linear":
            put("rope.scaling.type", .string("linear"))
            put("rope.scaling.factor", .float32(Float(try ropeFields.double("factor"))))
        case "llama3":
            factors.append(("rope_freqs.weight", try Self.llama3Factors(ropeFields, base: theta, dimensions: rotated)))
        case "longrope":
            let original = try ropeFields.optionalInt("original_max_position_embeddings") ?? config.int("original_max_position_embeddings")
            let short = try ropeFields.doubles("short_factor"), long = try ropeFields.doubles("long_factor")
            guard short.count == rotated / 2, long.count == rotated / 2 else {
                throw bad("LongRoPE needs \(rotated / 2) short and long factors, found \(short.count) and \(long.count)")
            }
            let scale = Double(try config.optionalInt("max_position_embeddings") ?? original) / Double(original)
            let attention = try ropeFields.optionalDouble("attention_factor")
                ?? (scale <= 1 ? 1 : (1 + log(scale) / log(Double(original))).squareRoot())
            factors.append(("rope_factors_short.weight", short.map(Float.init)))
            factors.append(("rope_factors_long.weight", long.map(Float.init)))
            put("rope.scaling.type", .string("longrope"))
            put("rope.scaling.original_context_length", .uint32(UInt32(clamping: original)))
            put("rope.scaling.attn_factor", .float32(Float(attention)))
        case let other:
            throw bad("rope_type \(other) is not supported (default, linear, llama3 and longrope are)", "use a model with one of those")
        }
        factorTensors = factors.map { (name: $0.0, values: $0.1) }

        switch architecture {
        case "gemma3":
            if let cap = try config.optionalDouble("final_logit_softcapping") { put("final_logit_softcapping", .float32(Float(cap))) }
            if try config.optionalDouble("attn_logit_softcapping") != nil { put("attn_logit_softcapping", .float32(0)) }
            // llama.cpp scales queries by 1/√head_dim whatever query_pre_attn_scalar says.
            if let scalar = try config.optionalDouble("query_pre_attn_scalar"), Int(scalar) != headDim {
                throw bad("query_pre_attn_scalar \(scalar) differs from head_dim \(headDim), which Tollgate does not run")
            }
            let localTheta = try localRope.map { try JSONFields(json: $0, source: source).optionalDouble("rope_theta") }
                ?? config.optionalDouble("rope_local_base_freq")
            put("rope.freq_base_swa", .float32(Float(localTheta ?? 10000)))
            if let window = try config.optionalInt("sliding_window"), window > 0 {
                put("attention.sliding_window", .uint32(UInt32(clamping: window)))
                put("attention.sliding_window_pattern", .array(try Self.slidingLayers(config, layers: layers).map(GGUFValue.bool)))
            }
        case "smollm3":
            // llama.cpp hard-codes NoPE on every fourth layer; another list would silently differ.
            if let list = json["no_rope_layers"] as? [Any] {
                let flags = list.compactMap { ($0 as? NSNumber)?.intValue }
                guard flags == (0..<layers).map({ ($0 + 1) % 4 == 0 ? 0 : 1 }) else {
                    throw bad("no_rope_layers \(flags) is not NoPE on every fourth layer, the only pattern Tollgate runs")
                }
            }
        default:
            break
        }
        metadata = keys.map { (key: $0.0, value: $0.1) }
    }

    /// Gemma 3's sliding layers from `layer_types`, else from the period (`sliding_window_pattern`, 6).
    static func slidingLayers(_ config: JSONFields, layers: Int) throws -> [Bool] {
        if let types = config.json["layer_types"] as? [String] {
            guard types.count == layers else {
                throw GGUFError(file: config.source, problem: "layer_types has \(types.count) entries for \(layers) layers", fix: "list one type per layer")
            }
            return types.map { $0 == "sliding_attention" }
        }
        let period = try config.optionalInt("sliding_window_pattern") ?? config.optionalInt("_sliding_window_pattern") ?? 6
        return (0..<layers).map { period > 0 && $0 % period < period - 1 }
    }

    /// Llama 3's per-frequency divisors as `convert_hf_to_gguf` computes them (LlamaModel
    /// `generate_extra_tensors`): 1 for short wavelengths, `factor` for long ones, smooth between.
    static func llama3Factors(_ rope: JSONFields, base: Double, dimensions: Int) throws -> [Float] {
        let factor = try rope.optionalDouble("factor") ?? 8
        let low = try rope.optionalDouble("low_freq_factor") ?? 1, high = try rope.optionalDouble("high_freq_factor") ?? 4
        let original = Double(try rope.optionalInt("original_max_position_embeddings") ?? 8192)
        let lowWavelength = original / low, highWavelength = original / high
        return (0..<(dimensions / 2)).map { i in
            let frequency = 1 / pow(base, Double(2 * i) / Double(dimensions))
            let wavelength = 2 * Double.pi / frequency
            if wavelength < highWavelength { return 1 }
            if wavelength > lowWavelength { return Float(factor) }
            let smooth = (original / wavelength - low) / (high - low)
            return Float(1 / ((1 - smooth) / factor + smooth))
        }
    }
}

/// Typed reads of a JSON object whose errors name the file and the key.
struct JSONFields {
    let json: [String: Any]
    let source: String

    private func wrong(_ key: String, _ expected: String) -> GGUFError {
        GGUFError(file: source, problem: "key \(key) must be \(expected)", fix: "correct the value or save the model again with transformers")
    }

    private func present(_ key: String) -> Any? {
        guard let value = json[key], !(value is NSNull) else { return nil }
        return value
    }

    func int(_ key: String) throws -> Int {
        guard let value = try optionalInt(key) else {
            throw GGUFError(file: source, problem: "key \(key) is missing", fix: "add it or save the model again with transformers")
        }
        return value
    }

    func optionalInt(_ key: String) throws -> Int? {
        guard let value = present(key) else { return nil }
        guard let number = value as? NSNumber,
              let int = Int(exactly: number.doubleValue), int >= 0 else { throw wrong(key, "a non-negative integer") }
        return int
    }

    func double(_ key: String) throws -> Double {
        guard let value = try optionalDouble(key) else {
            throw GGUFError(file: source, problem: "key \(key) is missing", fix: "add it or save the model again with transformers")
        }
        return value
    }

    func optionalDouble(_ key: String) throws -> Double? {
        guard let value = present(key) else { return nil }
        guard let number = value as? NSNumber, number.doubleValue.isFinite else { throw wrong(key, "a number") }
        return number.doubleValue
    }

    func doubles(_ key: String) throws -> [Double] {
        guard let list = present(key) as? [Any] else { throw wrong(key, "a list of numbers") }
        return try list.map { item in
            guard let number = item as? NSNumber, number.doubleValue.isFinite else { throw wrong(key, "a list of numbers") }
            return number.doubleValue
        }
    }

    func optionalBool(_ key: String) throws -> Bool? {
        guard let value = present(key) else { return nil }
        guard let bool = value as? Bool else { throw wrong(key, "true or false") }
        return bool
    }

    func optionalString(_ key: String) throws -> String? {
        guard let value = present(key) else { return nil }
        guard let string = value as? String else { throw wrong(key, "a string") }
        return string
    }
}
