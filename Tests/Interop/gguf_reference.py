"""A plain numpy (float64) forward pass over a family fixture's model.gguf (+ lora.gguf), written from
llama.cpp's graph for each architecture as described in /work/shared/research/model-families.md — an
independent check that the converted GGUF, read with llama.cpp's rules, gives transformers' logits.

llama.cpp rules used here (none of them is in the GGUF's metadata as such):
  * rope mode: NORM (adjacent pairs, on q/k rows permuted by the converter) for llama and smollm3,
    NEOX (pairs i, i + n_rot/2) for qwen2, qwen3, phi3, gemma3; only the first rope.dimension_count dims
    of a head rotate; theta_i(p) = p * base^(-2i/n_rot) / factor_i, cos and sin times rope.scaling.attn_factor;
  * factors: rope_freqs.weight if present, else rope_factors_long if the context > rope.scaling.
    original_context_length, else rope_factors_short (the context here is the prompt's length);
  * gemma3: layer il slides iff attention.sliding_window > 0 and il % 6 < 5 (no pattern key written), a key
    at p0 is hidden from a query at p1 iff p1 - p0 >= sliding_window, rope.freq_base_swa (default 1e4) on
    sliding layers, embeddings x sqrt(n_embd), attention scale 1/sqrt(key_length), GELU (tanh) GLU,
    post-attention and post-FFN norms, norm weights used as stored;
  * smollm3: no rope on layers with (il + 1) % 4 == 0;
  * phi3: attn_qkv rows [q | k | v], ffn_up rows [gate | up];
  * LoRA: W + (alpha / r) B A, with A = lora_a (r x in) and B = lora_b (out x r) as stored.

usage: gguf_reference.py FIXTURE_DIR   (prints the largest differences from golden.json; exit 1 above 1e-4)
"""
import json
import math
import sys
from pathlib import Path

import gguf
import numpy as np


def read(path):
    reader = gguf.GGUFReader(str(path))
    meta = {}
    for key, field in reader.fields.items():
        if not field.types or field.types[0] == gguf.GGUFValueType.ARRAY:
            continue
        if field.types[0] == gguf.GGUFValueType.STRING:
            meta[key] = bytes(field.parts[field.data[0]]).decode()
        else:
            meta[key] = field.parts[field.data[0]].tolist()[0]
    # numpy shape = GGUF ne reversed: (rows, cols) = (out, in) for a matrix
    tensors = {t.name: np.array(t.data, dtype=np.float64).reshape([int(v) for v in reversed(t.shape)])
               for t in reader.tensors}
    return meta, tensors


def rms_norm(x, w, eps):
    return x / np.sqrt((x * x).mean(-1, keepdims=True) + eps) * w


def gelu_tanh(x):
    return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def silu(x):
    return x / (1.0 + np.exp(-x))


def rope(x, positions, n_rot, base, factors, mscale, neox):
    """x: (T, heads, head_dim)."""
    half = n_rot // 2
    inv = base ** (-np.arange(half) * 2.0 / n_rot)
    if factors is not None:
        inv = inv / factors
    ang = positions[:, None] * inv[None, :]                       # (T, half)
    cos, sin = (np.cos(ang) * mscale)[:, None, :], (np.sin(ang) * mscale)[:, None, :]
    out = x.copy()
    if neox:
        a, b = x[..., :half], x[..., half:n_rot]
    else:
        a, b = x[..., 0:n_rot:2], x[..., 1:n_rot:2]
    ra, rb = a * cos - b * sin, a * sin + b * cos
    if neox:
        out[..., :half], out[..., half:n_rot] = ra, rb
    else:
        out[..., 0:n_rot:2], out[..., 1:n_rot:2] = ra, rb
    return out


def forward(meta, W, ids):
    arch = meta["general.architecture"]
    g = lambda k, d=None: meta.get(f"{arch}.{k}", d)  # noqa: E731
    n_embd, n_layer = g("embedding_length"), g("block_count")
    n_head, n_kv = g("attention.head_count"), g("attention.head_count_kv")
    hd = g("attention.key_length", n_embd // n_head)
    n_rot = g("rope.dimension_count", hd)
    eps = g("attention.layer_norm_rms_epsilon")
    base, base_swa = g("rope.freq_base", 10000.0), g("rope.freq_base_swa", 10000.0)
    n_swa = g("attention.sliding_window", 0) if arch == "gemma3" else 0
    mscale = g("rope.scaling.attn_factor", 1.0)
    neox = arch in ("qwen2", "qwen3", "phi3", "gemma3")
    T = len(ids)
    if "rope_freqs.weight" in W:
        factors = W["rope_freqs.weight"]
    elif "rope_factors_long.weight" in W:
        factors = W["rope_factors_long.weight" if T > g("rope.scaling.original_context_length")
                    else "rope_factors_short.weight"]
    else:
        factors = None
    pos = np.arange(T, dtype=np.float64)
    x = W["token_embd.weight"][ids]
    if arch == "gemma3":
        x = x * math.sqrt(n_embd)
    causal = pos[None, :] > pos[:, None]                            # [query, key] hidden
    for il in range(n_layer):
        p = f"blk.{il}."
        h = rms_norm(x, W[p + "attn_norm.weight"], eps)
        if p + "attn_qkv.weight" in W:
            qkv = h @ W[p + "attn_qkv.weight"].T
            q, k, v = np.split(qkv, [n_head * hd, n_head * hd + n_kv * hd], axis=-1)
        else:
            q, k, v = (h @ W[p + f"attn_{n}.weight"].T + W.get(p + f"attn_{n}.bias", 0.0) for n in "qkv")
        q, k, v = q.reshape(T, n_head, hd), k.reshape(T, n_kv, hd), v.reshape(T, n_kv, hd)
        if p + "attn_q_norm.weight" in W:
            q = rms_norm(q, W[p + "attn_q_norm.weight"], eps)
            k = rms_norm(k, W[p + "attn_k_norm.weight"], eps)
        swa = n_swa > 0 and il % 6 < 5
        use_rope = not (arch == "smollm3" and (il + 1) % 4 == 0)
        if use_rope:
            b = base_swa if swa else base
            q, k = (rope(t, pos, n_rot, b, factors, mscale, neox) for t in (q, k))
        hidden = causal | ((pos[:, None] - pos[None, :] >= n_swa) if swa else False)
        group = n_head // n_kv
        out = np.zeros((T, n_head, hd))
        for hh in range(n_head):
            s = q[:, hh] @ k[:, hh // group].T / math.sqrt(hd)
            s = np.where(hidden, -np.inf, s)
            s = np.exp(s - s.max(-1, keepdims=True))
            out[:, hh] = (s / s.sum(-1, keepdims=True)) @ v[:, hh // group]
        a = out.reshape(T, n_head * hd) @ W[p + "attn_output.weight"].T
        if arch == "gemma3":
            a = rms_norm(a, W[p + "post_attention_norm.weight"], eps)
        x = x + a
        h = rms_norm(x, W[p + "ffn_norm.weight"], eps)
        if p + "ffn_gate.weight" in W:
            gate, up = h @ W[p + "ffn_gate.weight"].T, h @ W[p + "ffn_up.weight"].T
        else:
            gate, up = np.split(h @ W[p + "ffn_up.weight"].T, 2, axis=-1)
        f = ((gelu_tanh(gate) if arch == "gemma3" else silu(gate)) * up) @ W[p + "ffn_down.weight"].T
        if arch == "gemma3":
            f = rms_norm(f, W[p + "post_ffw_norm.weight"], eps)
        x = x + f
    x = rms_norm(x, W["output_norm.weight"], eps)
    return x @ W.get("output.weight", W["token_embd.weight"]).T


def with_lora(W, lora_path):
    meta, L = read(lora_path)
    alpha = meta["adapter.lora.alpha"]
    W = dict(W)
    for name in L:
        if name.endswith(".lora_a"):
            base = name[: -len(".lora_a")]
            A, B = L[name], L[base + ".lora_b"]
            W[base] = W[base] + (alpha / A.shape[0]) * (B @ A)
    return W


def main(folder):
    folder = Path(folder)
    golden = json.loads((folder / "golden.json").read_text())
    meta, W = read(folder / "model.gguf")
    worst, lines = 0.0, []
    for i, prompt in enumerate(golden["prompts"]):
        rows = prompt.get("logits_positions", slice(None))   # long prompts keep a few positions' logits
        got = forward(meta, W, prompt["input_ids"])
        diff = max(np.abs(got[rows] - np.array(prompt["logits"])).max(),
                   np.abs(np.log(np.exp(got - got.max(-1, keepdims=True)).sum(-1)) + got.max(-1)
                          - np.array(prompt["logsumexp"])).max())
        worst = max(worst, diff)
        lines.append(f"prompt {i} ({len(prompt['input_ids'])} tokens) {diff:.1e}")
    seq = golden["prompts"][golden["greedy"]["prompt"]]["input_ids"]
    for _ in golden["greedy"]["ids"]:
        seq = seq + [int(forward(meta, W, seq)[-1].argmax())]
    greedy_same = seq[-len(golden["greedy"]["ids"]):] == golden["greedy"]["ids"]
    lora = golden["lora"]
    lora_diff = np.abs(forward(meta, with_lora(W, folder / "lora.gguf"), lora["input_ids"])
                       - np.array(lora["logits"])).max()
    worst = max(worst, lora_diff)
    print(f"{folder.name}: GGUF read with llama.cpp's rules vs transformers: max |logit diff| "
          f"{', '.join(lines)}; with lora.gguf {lora_diff:.1e}; 32 greedy tokens identical: {greedy_same}")
    return worst <= 1e-4 and greedy_same


if __name__ == "__main__":
    ok = all([main(f) for f in sys.argv[1:]])
    sys.exit(0 if ok else 1)
