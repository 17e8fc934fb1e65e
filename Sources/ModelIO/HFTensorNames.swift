/// Tensor names of a Hugging Face causal LM → the names llama.cpp's converter gives them
/// (`gguf-py` `tensor_mapping.py`), for every family Tollgate runs: Gemma 3's four norms per
/// block, Qwen3's and Gemma's q/k norms, Phi-3's fused `qkv_proj` and `gate_up_proj`.
/// Suffixes (`.weight`, `.bias`) are carried across.
enum HFTensorNames {
    static let globals: [(hf: String, gguf: String)] = [
        ("model.embed_tokens", "token_embd"), ("model.norm", "output_norm"), ("lm_head", "output"),
    ]
    static let blockModules: [(hf: String, gguf: String)] = [
        ("self_attn.q_proj", "attn_q"), ("self_attn.k_proj", "attn_k"), ("self_attn.v_proj", "attn_v"),
        ("self_attn.o_proj", "attn_output"), ("self_attn.qkv_proj", "attn_qkv"),
        ("self_attn.q_norm", "attn_q_norm"), ("self_attn.k_norm", "attn_k_norm"),
        ("mlp.gate_proj", "ffn_gate"), ("mlp.up_proj", "ffn_up"), ("mlp.down_proj", "ffn_down"),
        ("mlp.gate_up_proj", "ffn_up"), ("input_layernorm", "attn_norm"),
        ("pre_feedforward_layernorm", "ffn_norm"), ("post_feedforward_layernorm", "post_ffw_norm"),
    ]

    /// The GGUF name, or nil for a tensor no supported family has.
    static func gguf(fromHuggingFace name: String, architecture: String) -> String? {
        // Multimodal checkpoints nest the language model (`model.language_model.layers…`).
        let name = name.hasPrefix("model.language_model.") ? "model." + name.dropFirst("model.language_model.".count) : name
        for module in globals {
            if let suffix = LlamaTensorNames.suffix(of: name, after: module.hf) { return module.gguf + suffix }
        }
        let prefix = "model.layers."
        guard name.hasPrefix(prefix) else { return nil }
        let rest = name.dropFirst(prefix.count)
        guard let dot = rest.firstIndex(of: "."), let layer = Int(rest[..<dot]), layer >= 0 else { return nil }
        let tail = String(rest[rest.index(after: dot)...])
        // Gemma 3 norms the attention output with post_attention_layernorm; the others norm the MLP input.
        if let suffix = LlamaTensorNames.suffix(of: tail, after: "post_attention_layernorm") {
            return "blk.\(layer).\(architecture == "gemma3" ? "post_attention_norm" : "ffn_norm")\(suffix)"
        }
        for module in blockModules {
            if let suffix = LlamaTensorNames.suffix(of: tail, after: module.hf) { return "blk.\(layer).\(module.gguf)\(suffix)" }
        }
        return nil
    }

    /// Buffers older checkpoints saved beside the weights, which carry nothing the model needs.
    static func ignored(_ name: String) -> Bool { name.hasSuffix("rotary_emb.inv_freq") }
}
