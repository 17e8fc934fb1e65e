/// Llama tensor names in GGUF (`blk.N.attn_q.weight`) and Hugging Face (`model.layers.N.self_attn.q_proj.weight`)
/// spelling. The suffix after the module name (`.weight`, `.bias`, …) is carried across unchanged.
public enum LlamaTensorNames {
    /// GGUF module name within a block ⇄ HF module path within a layer.
    static let blockModules: [(gguf: String, hf: String)] = [
        ("attn_q", "self_attn.q_proj"), ("attn_k", "self_attn.k_proj"), ("attn_v", "self_attn.v_proj"),
        ("attn_output", "self_attn.o_proj"), ("ffn_gate", "mlp.gate_proj"), ("ffn_up", "mlp.up_proj"),
        ("ffn_down", "mlp.down_proj"), ("attn_norm", "input_layernorm"), ("ffn_norm", "post_attention_layernorm"),
    ]
    static let globalModules: [(gguf: String, hf: String)] = [
        ("token_embd", "model.embed_tokens"), ("output_norm", "model.norm"), ("output", "lm_head"),
    ]

    /// The short projection names used by `--targets` (q, k, v, o, gate, up, down) → GGUF module name.
    public static let projectionModules: [String: String] = [
        "q": "attn_q", "k": "attn_k", "v": "attn_v", "o": "attn_output",
        "gate": "ffn_gate", "up": "ffn_up", "down": "ffn_down",
    ]

    /// `blk.3.ffn_up.weight` → `model.layers.3.mlp.up_proj.weight`; nil for a name it does not know.
    public static func huggingFace(fromGGUF name: String) -> String? {
        for module in globalModules {
            if let suffix = suffix(of: name, after: module.gguf) { return module.hf + suffix }
        }
        guard name.hasPrefix("blk.") else { return nil }
        let rest = name.dropFirst(4)
        guard let dot = rest.firstIndex(of: "."), let layer = Int(rest[..<dot]), layer >= 0 else { return nil }
        let tail = String(rest[rest.index(after: dot)...])
        for module in blockModules {
            if let suffix = suffix(of: tail, after: module.gguf) { return "model.layers.\(layer).\(module.hf)\(suffix)" }
        }
        return nil
    }

    /// `model.layers.3.mlp.up_proj.weight` → `blk.3.ffn_up.weight`; nil for a name it does not know.
    /// One mapper serves Llama and every folder family (`HFTensorNames`).
    public static func gguf(fromHuggingFace name: String) -> String? {
        HFTensorNames.gguf(fromHuggingFace: name, architecture: "llama")
    }

    /// The part after `module` when `name` is exactly `module` or `module.<suffix>`.
    static func suffix(of name: String, after module: String) -> String? {
        guard name.hasPrefix(module) else { return nil }
        let rest = name.dropFirst(module.count)
        guard rest.isEmpty || rest.first == "." else { return nil }
        return String(rest)
    }
}
