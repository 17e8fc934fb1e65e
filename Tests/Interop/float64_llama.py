"""A float64 forward pass of a Llama-architecture GGUF (SmolLM2), the arbiter when two float32
implementations disagree about a log-likelihood by more than their tolerance.

The weights are those transformers dequantizes from the GGUF (the float32 values both Tollgate and
lm-eval's `--model hf` compute with), widened to float64; every operation after that is float64:
RMSNorm, the rotary angles (exact pos · θᵢ, not float32 products), q·k, the attention softmax, SwiGLU
and the log-softmax over the vocabulary. transformers' own model after `.double()` is not such an
arbiter: `LlamaRMSNorm` casts its input to float32 and the rotary embedding computes its angles in
float32, so part of the float32 error would stay.

    model = Float64Llama("models/SmolLM2-135M-Instruct.Q4_1.gguf")
    context, continuation = model.encode_pair("Question: ...\\nAnswer:", " choice")   # lm-eval's split
    model.log_probs(context, continuation)   # one float per continuation token
"""
import os

import torch
import transformers


class Float64Llama:
    def __init__(self, gguf_path, prepare_tokenizer=None):
        """`prepare_tokenizer(tokenizer, gguf_path)` adjusts transformers' tokenizer to the one the
        compared implementations used (lm_eval_loglik_check.py's `use_model_pretokenizer`)."""
        folder, name = os.path.dirname(os.path.abspath(gguf_path)), os.path.basename(gguf_path)
        hf = transformers.AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32)
        config = hf.config
        if config.model_type != "llama" or getattr(config, "attention_bias", False) or getattr(config, "mlp_bias", False):
            raise SystemExit(f"{gguf_path}: the float64 arbiter knows plain Llama (SmolLM2), not {config.model_type} with biases; "
                             "compare against a Llama-architecture GGUF")
        rope = getattr(config, "rope_parameters", None) or {"rope_type": "default", "rope_theta": config.rope_theta}
        if rope.get("rope_type", "default") != "default":
            raise SystemExit(f"{gguf_path}: rope type {rope['rope_type']} is not plain RoPE; the float64 arbiter computes plain RoPE only")
        self.tokenizer = transformers.AutoTokenizer.from_pretrained(folder, gguf_file=name)
        if prepare_tokenizer:
            prepare_tokenizer(self.tokenizer, os.path.abspath(gguf_path))
        self.weights = {k: v.detach().to(torch.float64) for k, v in hf.state_dict().items()}
        del hf
        self.layers = config.num_hidden_layers
        self.heads, self.kv_heads, self.dim = config.num_attention_heads, config.num_key_value_heads, config.hidden_size
        self.head_dim = getattr(config, "head_dim", None) or self.dim // self.heads
        self.eps = config.rms_norm_eps
        half = torch.arange(0, self.head_dim, 2, dtype=torch.float64) / self.head_dim
        self.inverse_frequencies = 1.0 / torch.tensor(float(rope["rope_theta"]), dtype=torch.float64) ** half  # (HD/2)

    def encode_pair(self, context, continuation):
        """lm-eval's `TemplateLM._encode_pair` for a causal model: trailing whitespace of the context
        moves to the continuation; the continuation's tokens are those of context + continuation after
        the context's own."""
        spaces = len(context) - len(context.rstrip())
        if spaces:
            continuation, context = context[-spaces:] + continuation, context[:-spaces]
        whole = self.tokenizer(context + continuation, add_special_tokens=False)["input_ids"]
        own = self.tokenizer(context, add_special_tokens=False)["input_ids"]
        return own, whole[len(own):]

    def _norm(self, x, weight):  # x (N, C)
        return weight * (x / torch.sqrt((x * x).mean(-1, keepdim=True) + self.eps))

    def _rotate(self, x, cos, sin):  # x (heads, N, HD), HF's rotate-half pairing
        first, second = x[..., :self.head_dim // 2], x[..., self.head_dim // 2:]
        return x * cos + torch.cat([-second, first], -1) * sin

    @torch.no_grad()
    def log_probs(self, context, continuation):
        """log p(continuation[j] | context + continuation[:j]) for every j, from one pass over
        (context + continuation)[:-1]."""
        tokens = (context + continuation)[:-1]
        n, w, hd = len(tokens), self.weights, self.head_dim
        angles = torch.arange(n, dtype=torch.float64)[:, None] * self.inverse_frequencies[None, :]
        angles = torch.cat([angles, angles], -1)  # (N, HD)
        cos, sin = angles.cos(), angles.sin()
        mask = torch.full((n, n), float("-inf"), dtype=torch.float64).triu(1)
        x = w["model.embed_tokens.weight"][torch.tensor(tokens)]  # (N, C)
        for layer in range(self.layers):
            p = f"model.layers.{layer}."
            h = self._norm(x, w[p + "input_layernorm.weight"])
            q = (h @ w[p + "self_attn.q_proj.weight"].T).view(n, self.heads, hd).transpose(0, 1)
            k = (h @ w[p + "self_attn.k_proj.weight"].T).view(n, self.kv_heads, hd).transpose(0, 1)
            v = (h @ w[p + "self_attn.v_proj.weight"].T).view(n, self.kv_heads, hd).transpose(0, 1)
            q, k = self._rotate(q, cos, sin), self._rotate(k, cos, sin)
            group = self.heads // self.kv_heads
            k, v = k.repeat_interleave(group, 0), v.repeat_interleave(group, 0)
            attention = torch.softmax(q @ k.transpose(1, 2) / hd ** 0.5 + mask, -1) @ v  # (H, N, HD)
            x = x + attention.transpose(0, 1).reshape(n, self.heads * hd) @ w[p + "self_attn.o_proj.weight"].T
            h = self._norm(x, w[p + "post_attention_layernorm.weight"])
            gate, up = h @ w[p + "mlp.gate_proj.weight"].T, h @ w[p + "mlp.up_proj.weight"].T
            x = x + (torch.nn.functional.silu(gate) * up) @ w[p + "mlp.down_proj.weight"].T
        h = self._norm(x, w["model.norm.weight"])
        rows = list(range(len(context) - 1, n))
        logits = h[rows] @ w.get("lm_head.weight", w["model.embed_tokens.weight"]).T  # (len(continuation), V)
        return torch.log_softmax(logits, -1)[torch.arange(len(rows)), torch.tensor(continuation)].tolist()
