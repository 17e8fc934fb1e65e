"""Reference fixtures for the model families (issue 23, part 8): one tiny random model per family.

For each family in llama3, gemma3, qwen2, qwen3, phi3, smollm3 this script
  1. builds a tiny random transformers model in float32 from a fixed seed (every weight, bias and norm
     drawn explicitly, so nothing depends on transformers' init code) and saves it as a Hugging Face folder
     (`hf/`: config.json, model.safetensors, a SentencePiece tokenizer.model trained here on fixed text);
  2. converts it with llama.cpp's own `convert_hf_to_gguf.py --outtype f32` (`model.gguf`) and checks the
     GGUF holds what the research notes say (architecture, rope keys, factor tensors, sliding window,
     key_length, fused tensors, q/k permuted only for llama/smollm3, Gemma's +1 on norms);
  3. records transformers' float32 logits for a few prompts and 32 greedy tokens (`golden.json`);
  4. makes a PEFT LoRA adapter (r=4, alpha=8, random non-zero A and B on all seven projections; phi3's
     four fused modules) (`lora/`), records the logits and masked loss with it and torch autograd's
     d loss / d A, d B (`lora-grads.safetensors`), and converts it with llama.cpp's
     `convert_lora_to_gguf.py --outtype f32` (`lora.gguf`).
  5. runs Tests/Interop/gguf_reference.py: a numpy forward pass over model.gguf (+ lora.gguf) written from
     llama.cpp's graphs must reproduce those logits within 1e-4 and the 32 greedy tokens.
Optionally (--llama-cpp-python PY, a python with llama-cpp-python installed) it runs llama.cpp on
model.gguf and model.gguf + lora.gguf and prints the largest logit differences from transformers.
With --compare DIR it compares what it made against fixtures made before (`make interop` does this
against the committed Tests/Fixtures/families) and exits 1 when they differ beyond 1e-4.

usage: make_family_fixtures.py [--llama-cpp DIR] [--out DIR] [--families a,b] [--compare DIR]
                               [--llama-cpp-python PYTHON]
  --llama-cpp DIR: a llama.cpp source folder holding convert_hf_to_gguf.py, convert_lora_to_gguf.py,
  conversion/ and gguf-py/ (default: the one vendored in the llama-cpp-python 0.3.36 sdist, fetched with
  `pip download` into .build/llama-cpp-python-sdist/ and unpacked there).
Runs in the interop venv (Makefile `interop`): torch, transformers, peft, gguf, safetensors, sentencepiece.
"""
import argparse
import copy
import json
import math
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("OMP_NUM_THREADS", "2")

import numpy as np
import torch

torch.set_num_threads(2)

import gguf  # noqa: E402  (PyPI gguf; only used to read the files back)
import peft  # noqa: E402
import safetensors  # noqa: E402
import sentencepiece as spm  # noqa: E402
import transformers  # noqa: E402
from peft import LoraConfig, PeftModel, get_peft_model  # noqa: E402
from safetensors.torch import save_file  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gguf_reference  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
SDIST_VERSION = "0.3.36"
FAMILIES = ["llama3", "gemma3", "qwen2", "qwen3", "phi3", "smollm3"]
VOCAB = 320
PROMPT_LENGTHS = [13, 24, 40]     # every prompt is longer than gemma3's sliding window (8)
LORA_PROMPT = 2                   # the 40-token prompt
LORA_PROMPT_TOKENS = 16           # loss over positions t with t+1 >= 16
GREEDY_TOKENS = 32
PHI3_ORIGINAL = 256               # phi3's original_max_position_embeddings: llama.cpp pads contexts to 256, so
                                  # with n_ctx 256 it takes the short factors (long iff context > original)
PHI3_LONG_PROMPT = 264            # > 256: transformers uses the long factors for this prompt
FULL_LOGITS_UP_TO = 64            # longer prompts store logits at their last 8 positions only

# Fixed text for the tokenizer (its only job is to make the conversion work; goldens give token ids).
TEXT = """\
Where is my parcel? Order 4417 shipped on 3 May and the tracking page has said nothing since then.
It left our depot on Monday and should arrive within two days; we are sorry for the wait.
I was charged twice for the same order, please refund one of the payments to my card.
The refund was issued this morning and will show on your statement in three to five working days.
Can I change the delivery address after the order has been dispatched from the warehouse?
Yes, as long as the courier has not collected it yet; send us the new address and a phone number.
My password reset email never arrives, even after checking the spam folder twice a day.
We have resent the link to the address on file; it expires after thirty minutes, so use it soon.
The quick brown fox jumps over the lazy dog while the five boxing wizards jump quickly.
Pack my box with five dozen liquor jugs, then sphinx of black quartz, judge my vow!
A tiny model has no tokenizer of its own, so this one is trained on a few lines of support messages.
"""


# ---------------------------------------------------------------------------------------------- helpers

def log(*parts):
    print(*parts, flush=True)


def sig7(x):
    return float(f"{float(x):.7g}")


def dump_json(value, indent=0):
    """JSON with one line per key and every list of numbers (or of lists of numbers) on one line."""
    pad = " " * indent
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [f'{pad} {json.dumps(str(k))}: {dump_json(v, indent + 1)}' for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        return "[\n" + ",\n".join(pad + " " + dump_json(v, indent + 1) for v in value) + "\n" + pad + "]"
    if isinstance(value, list) and value and all(isinstance(v, list) for v in value) and len(value) > 1:
        return "[\n" + ",\n".join(pad + " " + json.dumps(v, separators=(",", ":")) for v in value) + "\n" + pad + "]"
    return json.dumps(value, separators=(",", ":"))


def permute(w, n_head, n_head_kv=None):
    """convert_hf_to_gguf's LlamaModel.permute (HF rotate-half rows → GGUF adjacent-pair rows)."""
    if n_head_kv is not None and n_head != n_head_kv:
        n_head = n_head_kv
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def fetch_llama_cpp():
    """llama.cpp as vendored in the llama-cpp-python sdist (PyPI), downloaded and unpacked under .build/."""
    root = REPO / ".build" / "llama-cpp-python-sdist"
    folder = root / f"llama_cpp_python-{SDIST_VERSION}" / "vendor" / "llama.cpp"
    if (folder / "convert_hf_to_gguf.py").is_file():
        return folder
    root.mkdir(parents=True, exist_ok=True)
    archive = root / f"llama_cpp_python-{SDIST_VERSION}.tar.gz"
    if not archive.is_file():
        # --no-binary for this package only, so pip prepares its metadata with wheels of the build tools.
        subprocess.run([sys.executable, "-m", "pip", "download", "--disable-pip-version-check", "--quiet",
                        f"llama-cpp-python=={SDIST_VERSION}", "--no-deps",
                        "--no-binary", "llama-cpp-python", "-d", str(root)], check=True)
    prefix = f"llama_cpp_python-{SDIST_VERSION}/vendor/llama.cpp/"
    wanted = ("convert_hf_to_gguf.py", "convert_lora_to_gguf.py", "conversion/", "gguf-py/", "models/templates/")
    head = f"llama_cpp_python-{SDIST_VERSION}/.git/modules/vendor/llama.cpp/HEAD"  # the vendored commit
    with tarfile.open(archive) as tar:
        members = [m for m in tar.getmembers() if m.name == head
                   or (m.name.startswith(prefix) and m.name[len(prefix):].startswith(wanted))]
        tar.extractall(root, members=members, filter="data")
    return folder


def train_tokenizer(work):
    """A 320-piece SentencePiece BPE model with byte fallback, trained on TEXT (deterministic)."""
    work.mkdir(parents=True, exist_ok=True)
    prefix = work / "tokenizer"
    if not (work / "tokenizer.model").is_file():
        (work / "text.txt").write_text(TEXT.lower())
        spm.SentencePieceTrainer.train(
            input=str(work / "text.txt"), model_prefix=str(prefix), vocab_size=VOCAB, model_type="bpe",
            byte_fallback=True, character_coverage=1.0, num_threads=1, unk_id=0, bos_id=1, eos_id=2,
            pad_id=-1, split_digits=True, minloglevel=2, normalization_rule_name="identity")
    processor = spm.SentencePieceProcessor(model_file=str(work / "tokenizer.model"))
    assert processor.vocab_size() == VOCAB, processor.vocab_size()
    return work / "tokenizer.model", processor


# -------------------------------------------------------------------------------------------- the models

def family_spec(family):
    """(config class, model class, config kwargs, GGUF architecture, LoRA targets, what it exercises)."""
    T = transformers
    common = dict(vocab_size=VOCAB, hidden_size=32, intermediate_size=64, num_attention_heads=4,
                  num_key_value_heads=2, max_position_embeddings=256, rms_norm_eps=1e-6,
                  bos_token_id=1, eos_token_id=2, pad_token_id=None, attention_dropout=0.0)
    seven = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
    if family == "llama3":
        kw = dict(common, num_hidden_layers=4, rms_norm_eps=1e-5, tie_word_embeddings=False,
                  rope_parameters=dict(rope_type="llama3", rope_theta=10000.0, factor=8.0, low_freq_factor=1.0,
                                       high_freq_factor=4.0, original_max_position_embeddings=128))
        return T.LlamaConfig, T.LlamaForCausalLM, kw, "llama", seven, (
            "Llama 3 rope scaling (rope_freqs divisors 1, ~2.34 (smoothed), 8, 8), "
            "NORM rope on permuted q/k, GQA 4/2, untied output")
    if family == "gemma3":
        kw = dict(common, num_hidden_layers=7, head_dim=16, query_pre_attn_scalar=16, sliding_window=8,
                  tie_word_embeddings=True, hidden_activation="gelu_pytorch_tanh",
                  final_logit_softcapping=None, attn_logit_softcapping=None, pad_token_id=0,
                  rope_parameters={"full_attention": {"rope_type": "default", "rope_theta": 1000000.0},
                                   "sliding_attention": {"rope_type": "default", "rope_theta": 10000.0}})
        return T.Gemma3TextConfig, T.Gemma3ForCausalLM, kw, "gemma3", seven, (
            "sliding window 8 on layers 0-4 and 6 (layer 5 global, the 5:1 pattern), local rope base 1e4 vs "
            "global 1e6, head_dim 16 != 32/4, q/k RMSNorm, post-attention and post-FFN norms, (1+w) norms, "
            "embeddings x sqrt(32), GELU-tanh GLU, query_pre_attn_scalar = head_dim, tied")
    if family == "qwen2":
        kw = dict(common, num_hidden_layers=4, tie_word_embeddings=False,
                  rope_parameters=dict(rope_type="default", rope_theta=1000000.0))
        return T.Qwen2Config, T.Qwen2ForCausalLM, kw, "qwen2", seven, (
            "non-zero q/k/v biases, NEOX rope (no permutation), rope base 1e6, untied output")
    if family == "qwen3":
        kw = dict(common, num_hidden_layers=4, head_dim=16, attention_bias=False, tie_word_embeddings=True,
                  rope_parameters=dict(rope_type="default", rope_theta=1000000.0))
        return T.Qwen3Config, T.Qwen3ForCausalLM, kw, "qwen3", seven, (
            "head_dim 16 != 32/4 (q width 64, o_proj 64 -> 32), per-head q/k RMSNorm before rope, NEOX rope, tied")
    if family == "phi3":
        # head_dim 16, 75% rotary = 12 rotated dims = 6 factors per set; max/original = 1024/256 = 4 gives
        # attention factor sqrt(1 + ln 4 / ln 256) = sqrt(5/4) on cos and sin.
        kw = dict(common, num_hidden_layers=4, num_attention_heads=2, num_key_value_heads=1,
                  tie_word_embeddings=False, sliding_window=None, resid_pdrop=0.0, embd_pdrop=0.0,
                  max_position_embeddings=1024, partial_rotary_factor=0.75,
                  original_max_position_embeddings=PHI3_ORIGINAL,
                  rope_parameters=dict(rope_type="longrope", rope_theta=10000.0, partial_rotary_factor=0.75,
                                       original_max_position_embeddings=PHI3_ORIGINAL,
                                       short_factor=[1.0, 1.25, 1.5, 2.0, 3.0, 4.0],
                                       long_factor=[1.5, 2.0, 4.0, 8.0, 16.0, 32.0]))
        return T.Phi3Config, T.Phi3ForCausalLM, kw, "phi3", ["qkv_proj", "o_proj", "gate_up_proj", "down_proj"], (
            "fused qkv_proj and gate_up_proj, partial rotary (12 of 16 dims, NEOX), LongRoPE short/long factors "
            "with attention factor sqrt(5/4), GQA 2/1, untied output")
    if family == "smollm3":
        kw = dict(common, num_hidden_layers=5, tie_word_embeddings=True, no_rope_layer_interval=4,
                  use_sliding_window=False, rope_parameters=dict(rope_type="default", rope_theta=100000.0))
        return T.SmolLM3Config, T.SmolLM3ForCausalLM, kw, "smollm3", seven, (
            "NoPE on layer 3 (every 4th layer, 0-based 3, 7, ...), rope on 0-2 and 4, NORM rope on permuted q/k, tied")
    raise ValueError(family)


def randomize(model, family, gen):
    """Every parameter drawn explicitly: linear weights N(0, 1/fan_in), biases N(0, 0.1^2), norms 1 + N(0, 0.1^2)
    (Gemma: the offset w of (1 + w) ~ N(0, 0.1^2)), embeddings N(0, 0.5^2) (tied: N(0, 0.25^2))."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("norm.weight"):
                offset = torch.randn(p.shape, generator=gen) * 0.1
                p.copy_(offset if family == "gemma3" else 1.0 + offset)
            elif name.endswith(".bias"):
                p.copy_(torch.randn(p.shape, generator=gen) * 0.1)
            elif "embed_tokens" in name:
                # Tied models reuse it as the output matrix: smaller, so their logits are not too peaked.
                p.copy_(torch.randn(p.shape, generator=gen) * (0.25 if model.config.tie_word_embeddings else 0.5))
            elif name.endswith(".weight") and p.dim() == 2:
                p.copy_(torch.randn(p.shape, generator=gen) / math.sqrt(p.shape[1]))
            else:
                raise ValueError(f"unexpected parameter {name}")


def build_model(family, seed):
    config_class, model_class, kw, arch, targets, about = family_spec(family)
    config = config_class(**kw)
    torch.manual_seed(seed)
    model = model_class(config).float().eval()
    randomize(model, family, torch.Generator().manual_seed(seed))
    if config.tie_word_embeddings:
        assert model.lm_head.weight.data_ptr() == model.model.embed_tokens.weight.data_ptr()
    return model, arch, targets, about


def rope_details(model, family):
    """What the Swift side needs to know about rope, from the model's own rotary module."""
    cfg = model.config
    rotary = model.model.rotary_emb
    head_dim = getattr(cfg, "head_dim", None) or cfg.hidden_size // cfg.num_attention_heads
    if family == "gemma3":
        out = {}
        for kind in ("full_attention", "sliding_attention"):
            inv = getattr(rotary, f"{kind}_inv_freq").double()
            out[kind] = {"rope_theta": cfg.rope_parameters[kind]["rope_theta"], "n_rot": 2 * inv.numel(),
                         "inv_freq": [float(v) for v in inv]}
        return out
    inv = rotary.inv_freq.double()
    n_rot = 2 * inv.numel()
    theta = cfg.rope_parameters["rope_theta"]
    plain = 1.0 / (theta ** (torch.arange(0, n_rot, 2, dtype=torch.int64).double() / n_rot))
    out = {"rope_theta": theta, "n_rot": n_rot, "head_dim": head_dim,
           "attention_scaling": float(rotary.attention_scaling),
           "inv_freq": [float(v) for v in inv]}
    if family == "llama3":
        out["freq_divisors"] = [float(v) for v in (plain / inv)]
    if family == "phi3":
        out["short_factor"] = cfg.rope_parameters["short_factor"]
        out["long_factor"] = cfg.rope_parameters["long_factor"]
        out["original_max_position_embeddings"] = cfg.rope_parameters["original_max_position_embeddings"]
    return out


def family_config(model, family, arch, about):
    cfg = model.config
    head_dim = getattr(cfg, "head_dim", None) or cfg.hidden_size // cfg.num_attention_heads
    n = cfg.num_hidden_layers
    out = {
        "family": family, "gguf_architecture": arch, "hf_class": type(model).__name__,
        "exercises": about,
        "vocab_size": cfg.vocab_size, "hidden_size": cfg.hidden_size, "intermediate_size": cfg.intermediate_size,
        "num_hidden_layers": n, "num_attention_heads": cfg.num_attention_heads,
        "num_key_value_heads": cfg.num_key_value_heads, "head_dim": head_dim,
        "rms_norm_eps": cfg.rms_norm_eps, "tie_word_embeddings": bool(cfg.tie_word_embeddings),
        "rope_mode": "norm (adjacent pairs, q/k rows permuted in the GGUF)" if family in ("llama3", "smollm3")
        else "neox (rotate_half, HF row order)",
        "rope": rope_details(model, family),
        "attention_scale": None, "qkv_bias": family == "qwen2", "qk_norm": family in ("qwen3", "gemma3"),
        "activation": "gelu_tanh" if family == "gemma3" else "silu",
        "layer_types": ["full_attention"] * n, "rope_layers": [True] * n,
        "bos_token_id": cfg.bos_token_id, "eos_token_id": cfg.eos_token_id,
    }
    out["attention_scale"] = (cfg.query_pre_attn_scalar ** -0.5) if family == "gemma3" else head_dim ** -0.5
    if family == "gemma3":
        out["layer_types"] = list(cfg.layer_types)
        out["sliding_window"] = cfg.sliding_window
        out["query_pre_attn_scalar"] = cfg.query_pre_attn_scalar
        out["embed_scale"] = float(model.model.embed_tokens.embed_scale)
        out["norms"] = "HF weight w is used as (1 + w); the GGUF stores 1 + w"
    if family == "smollm3":
        out["rope_layers"] = [bool(v) for v in cfg.no_rope_layers]
    if family == "phi3":
        out["partial_rotary_factor"] = cfg.rope_parameters["partial_rotary_factor"]
        out["max_position_embeddings"] = cfg.max_position_embeddings
    return out


# ------------------------------------------------------------------------------------------------ goldens

def forward_logits(model, ids):
    with torch.no_grad():
        return model(torch.tensor([ids])).logits[0]


def logits_record(logits, store_all=True):
    logits = logits.float()
    rec = {"logsumexp": [float(v) for v in torch.logsumexp(logits.double(), -1)],
           "argmax": [int(v) for v in logits.argmax(-1)]}
    if store_all:
        rec["logits"] = [[sig7(v) for v in row] for row in logits.tolist()]
    return rec


def greedy(model, ids, steps):
    """Greedy continuation by full recomputation (no cache), with the top-1/top-2 margin at each step."""
    seq, out, margins = list(ids), [], []
    for _ in range(steps):
        last = forward_logits(model, seq)[-1]
        top = torch.topk(last, 2)
        out.append(int(top.indices[0]))
        margins.append(float(top.values[0] - top.values[1]))
        seq.append(out[-1])
    return out, margins


def masked_loss(logits, ids, prompt_tokens):
    targets = torch.tensor(ids[1:])
    logp = torch.log_softmax(logits[:-1], -1).gather(-1, targets[:, None])[:, 0]
    keep = torch.arange(1, len(ids)) >= prompt_tokens
    return -(logp[keep]).mean()


def make_prompts(processor, family):
    ids = processor.encode(TEXT.lower().replace("\n", " "))
    prompts = [[processor.bos_id()] + ids[:n - 1] for n in PROMPT_LENGTHS]
    if family == "phi3":
        prompts.append([processor.bos_id()] + ids[40:40 + PHI3_LONG_PROMPT - 1])
    return prompts


def add_lora(model, targets, seed):
    config = LoraConfig(r=4, lora_alpha=8, lora_dropout=0.0, bias="none", target_modules=targets,
                        task_type="CAUSAL_LM")
    peft_model = get_peft_model(model, config)
    gen = torch.Generator().manual_seed(seed + 1000)
    with torch.no_grad():
        for name, p in peft_model.named_parameters():
            if "lora_A" in name or "lora_B" in name:
                p.copy_(torch.randn(p.shape, generator=gen) * 0.15)
    return peft_model.eval()


# ------------------------------------------------------------------------------------------ GGUF checks

def gguf_value(field):
    if not field.types:
        return None
    kind = field.types[0]
    if kind == gguf.GGUFValueType.ARRAY:
        if field.types[-1] == gguf.GGUFValueType.STRING:
            return [bytes(field.parts[i]).decode("utf-8", "replace") for i in field.data]
        return [field.parts[i].tolist()[0] for i in field.data]
    if kind == gguf.GGUFValueType.STRING:
        return bytes(field.parts[field.data[0]]).decode("utf-8")
    return field.parts[field.data[0]].tolist()[0]


def read_gguf(path):
    reader = gguf.GGUFReader(str(path))
    meta = {}
    for key, field in reader.fields.items():
        if key.startswith("GGUF.") or key in ("tokenizer.ggml.tokens", "tokenizer.ggml.scores",
                                               "tokenizer.ggml.token_type"):
            continue
        meta[key] = gguf_value(field)
    tensors = {t.name: (np.array(t.data), [int(v) for v in t.shape], t.tensor_type.name) for t in reader.tensors}
    counts = {k: len(reader.fields[k].data) for k in ("tokenizer.ggml.tokens",) if k in reader.fields}
    return meta, tensors, counts


def check_gguf(family, arch, model, hf_dir, gguf_path, cfgrec):
    """Checks the converted GGUF against the HF weights and the research notes; returns a summary."""
    meta, tensors, counts = read_gguf(gguf_path)
    cfg = model.config
    problems = []

    def expect(cond, what):
        if not cond:
            problems.append(what)

    expect(meta.get("general.architecture") == arch, f"architecture {meta.get('general.architecture')}")
    expect(counts.get("tokenizer.ggml.tokens") == VOCAB, "token count")
    expect(meta.get("tokenizer.ggml.model") == "llama", "SPM tokenizer")
    n_head, n_kv = cfg.num_attention_heads, cfg.num_key_value_heads
    sd = {k: v.detach().double().numpy() for k, v in model.state_dict().items()}
    tmap = gguf.get_tensor_name_map(getattr(gguf.MODEL_ARCH, arch.upper()), cfg.num_hidden_layers)
    used = set()
    for name, w in sd.items():
        if name == "lm_head.weight" and cfg.tie_word_embeddings:
            expect("output.weight" not in tensors, "tied model has output.weight")
            continue
        gname = tmap.get_name(name, try_suffixes=(".weight", ".bias"))
        expect(gname is not None, f"no GGUF name for {name}")
        if gname is None:
            continue
        expect(gname in tensors, f"{gname} missing")
        if gname not in tensors:
            continue
        used.add(gname)
        data = tensors[gname][0].astype(np.float64).reshape(w.shape)
        want = w.copy()
        if family in ("llama3", "smollm3") and name.endswith(("q_proj.weight", "q_proj.bias")):
            want = permute(want, n_head, n_head)
        if family in ("llama3", "smollm3") and name.endswith(("k_proj.weight", "k_proj.bias")):
            want = permute(want, n_head, n_kv)
        if family == "gemma3" and name.endswith("norm.weight"):
            want = want + 1.0
        expect(np.array_equal(data.astype(np.float32), want.astype(np.float32)), f"{gname} != HF {name}")
        if family in ("llama3", "smollm3") and ("q_proj" in name or "k_proj" in name):
            expect(not np.array_equal(data, w), f"{gname} not permuted")
    extra = sorted(set(tensors) - used)
    rope = cfgrec["rope"]
    if family == "llama3":
        expect(extra == ["rope_freqs.weight"], f"extra tensors {extra}")
        expect("llama.rope.scaling.type" not in meta, "llama3 has a rope.scaling.type")
        expect(np.allclose(tensors["rope_freqs.weight"][0], rope["freq_divisors"], rtol=1e-6), "rope_freqs")
        expect(meta.get("llama.rope.dimension_count") == 8, "rope dims")
    elif family == "phi3":
        expect(extra == ["rope_factors_long.weight", "rope_factors_short.weight"], f"extra tensors {extra}")
        expect(np.allclose(tensors["rope_factors_long.weight"][0], rope["long_factor"]), "long factors")
        expect(np.allclose(tensors["rope_factors_short.weight"][0], rope["short_factor"]), "short factors")
        expect(meta.get("phi3.rope.dimension_count") == 12, "rope dims")
        expect(meta.get("phi3.rope.scaling.original_context_length") == PHI3_ORIGINAL, "orig ctx")
        expect(abs(meta.get("phi3.rope.scaling.attn_factor", 0) - rope["attention_scaling"]) < 1e-6, "attn factor")
        expect("blk.0.attn_qkv.weight" in tensors and "blk.0.ffn_up.weight" in tensors
               and "blk.0.ffn_gate.weight" not in tensors, "fused tensors")
    else:
        expect(extra == [], f"extra tensors {extra}")
    if family == "gemma3":
        expect(meta.get("gemma3.attention.sliding_window") == 8, "sliding window")
        expect(meta.get("gemma3.attention.key_length") == 16, "key_length")
        expect(meta.get("gemma3.rope.freq_base") == 1e6 and meta.get("gemma3.rope.freq_base_swa") == 1e4, "bases")
        expect("gemma3.attention.sliding_window_pattern" not in meta, "pattern key written")
    if family == "qwen3":
        expect(meta.get("qwen3.attention.key_length") == 16, "key_length")
    if problems:
        raise SystemExit(f"{family}: GGUF check failed: " + "; ".join(problems))
    return {
        "metadata": {k: v for k, v in sorted(meta.items()) if not k.startswith("tokenizer.ggml.merges")},
        "tensors": {k: {"shape": v[1], "type": v[2]} for k, v in sorted(tensors.items())},
    }


def check_lora_gguf(family, arch, peft_model, lora_gguf):
    meta, tensors, _ = read_gguf(lora_gguf)
    cfg = peft_model.base_model.model.config
    n_head, n_kv = cfg.num_attention_heads, cfg.num_key_value_heads
    problems = []
    expect = lambda c, w: None if c else problems.append(w)  # noqa: E731
    expect(meta.get("general.type") == "adapter" and meta.get("adapter.type") == "lora", "adapter type")
    expect(meta.get("adapter.lora.alpha") == 8.0, f"alpha {meta.get('adapter.lora.alpha')}")
    expect(meta.get("general.architecture") == arch, "architecture")
    tmap = gguf.get_tensor_name_map(getattr(gguf.MODEL_ARCH, arch.upper()), cfg.num_hidden_layers)
    seen = set()
    for name, p in peft_model.named_parameters():
        if "lora_" not in name:
            continue
        base = name.replace("base_model.model.", "", 1).split(".lora_")[0]
        gname = tmap.get_name(base + ".weight", try_suffixes=(".weight",))
        suffix = ".lora_a" if ".lora_A." in name else ".lora_b"
        key = gname + suffix
        seen.add(key)
        expect(key in tensors, f"{key} missing")
        if key not in tensors:
            continue
        want = p.detach().double().numpy()
        if suffix == ".lora_b" and family in ("llama3", "smollm3") and base.endswith("q_proj"):
            want = permute(want, n_head, n_head)
        if suffix == ".lora_b" and family in ("llama3", "smollm3") and base.endswith("k_proj"):
            want = permute(want, n_head, n_kv)
        data = tensors[key][0].astype(np.float64).reshape(want.shape)
        expect(np.array_equal(data.astype(np.float32), want.astype(np.float32)), f"{key} differs from PEFT's")
    expect(seen == set(tensors), f"unexpected tensors {sorted(set(tensors) - seen)}")
    if problems:
        raise SystemExit(f"{family}: LoRA GGUF check failed: " + "; ".join(problems))
    return {"metadata": {k: v for k, v in sorted(meta.items())},
            "tensors": {k: {"shape": v[1], "type": v[2]} for k, v in sorted(tensors.items())}}


# ------------------------------------------------------------------------------------------ one family

def converter_env():
    """The converters put their own gguf-py (newer than PyPI's gguf 0.19.0) first on sys.path unless
    NO_LOCAL_GGUF is set at all."""
    env = dict(os.environ)
    env.pop("NO_LOCAL_GGUF", None)
    return env


def run(cmd, **kw):
    result = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if result.returncode != 0:
        sys.stderr.write(result.stdout[-4000:] + result.stderr[-8000:])
        raise SystemExit(f"failed: {' '.join(map(str, cmd))}")
    return result


def pick_seed(family, processor):
    """The first of a few seeds whose 32 greedy tokens are varied (random models tend to repeat one token)
    and never close to a tie (top-1 minus top-2 logit >= 2e-3), so the ids are a robust golden."""
    prompt = make_prompts(processor, family)[0]
    best = None
    for seed in range(1, 25):
        model = build_model(family, seed)[0]
        ids, margins = greedy(model, prompt, GREEDY_TOKENS)
        if min(margins) < 2e-3:
            continue
        if best is None or len(set(ids)) > best[1]:
            best = (seed, len(set(ids)))
        if len(set(ids)) >= 8:
            break
    log(f"   seed {best[0]}: {best[1]} distinct greedy tokens")
    return best[0]


def make_family(family, out_root, llama_cpp, tokenizer_model, processor):
    log(f"== {family}")
    out = out_root / family
    if out.exists():
        shutil.rmtree(out)
    hf_dir = out / "hf"
    hf_dir.mkdir(parents=True)
    seed = pick_seed(family, processor)
    model, arch, targets, about = build_model(family, seed)
    cfgrec = family_config(model, family, arch, about)

    # 1. The Hugging Face folder: safetensors, config, SentencePiece tokenizer.
    model.save_pretrained(hf_dir)
    shutil.copy(tokenizer_model, hf_dir / "tokenizer.model")
    (hf_dir / "tokenizer_config.json").write_text(json.dumps({
        "tokenizer_class": "LlamaTokenizer", "add_bos_token": True, "add_eos_token": False,
        "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "model_max_length": 256,
        "legacy": False}, indent=1) + "\n")
    (hf_dir / "special_tokens_map.json").write_text(json.dumps(
        {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>"}, indent=1) + "\n")
    reloaded = type(model).from_pretrained(hf_dir, dtype=torch.float32).eval()
    for (k, a), (_, b) in zip(sorted(model.state_dict().items()), sorted(reloaded.state_dict().items())):
        assert torch.equal(a, b), k

    # 2. llama.cpp's converter.
    run([sys.executable, str(llama_cpp / "convert_hf_to_gguf.py"), str(hf_dir), "--outtype", "f32",
         "--outfile", str(out / "model.gguf")], env=converter_env())
    gguf_summary = check_gguf(family, arch, model, hf_dir, out / "model.gguf", cfgrec)

    # 3. Goldens: float32 logits for every prompt, float64 for the noise estimate.
    prompts = make_prompts(processor, family)
    model64 = copy.deepcopy(model).double()
    records, f64_diff = [], 0.0
    for ids in prompts:
        logits = forward_logits(model, ids)
        rec = {"input_ids": ids}
        if family == "phi3":
            rec["rope_factors"] = "long" if len(ids) > PHI3_ORIGINAL else "short"
        rec.update(logits_record(logits))
        if len(ids) > FULL_LOGITS_UP_TO:
            rec["logits_positions"] = list(range(len(ids) - 8, len(ids)))
            rec["logits"] = rec["logits"][-8:]
        f64_diff = max(f64_diff, float((forward_logits(model64, ids) - logits.double()).abs().max()))
        records.append(rec)
    gen_ids, margins = greedy(model, prompts[0], GREEDY_TOKENS)
    with torch.no_grad():
        generated = model.generate(torch.tensor([prompts[0]]), max_new_tokens=GREEDY_TOKENS, do_sample=False,
                                   eos_token_id=None, pad_token_id=0, min_new_tokens=0)
    hf_generate = generated[0, len(prompts[0]):].tolist()
    assert hf_generate == gen_ids, (family, hf_generate, gen_ids)
    log(f"   logits std {forward_logits(model, prompts[2]).std():.2f}; greedy min margin {min(margins):.3g}; "
        f"f32 vs f64 max |diff| {f64_diff:.2e}")

    # 4. LoRA: PEFT adapter, logits, masked loss, autograd gradients; llama.cpp's LoRA converter.
    peft_model = add_lora(copy.deepcopy(model), targets, seed)
    peft_model.peft_config["default"].base_model_name_or_path = "../hf"
    peft_model.save_pretrained(out / "lora")
    (out / "lora" / "README.md").unlink(missing_ok=True)       # PEFT's model-card template
    adapter_config = json.loads((out / "lora" / "adapter_config.json").read_text())
    adapter_config["target_modules"] = sorted(adapter_config["target_modules"])  # a set: hash order otherwise
    (out / "lora" / "adapter_config.json").write_text(json.dumps(adapter_config, indent=2, sort_keys=True) + "\n")
    ids = prompts[LORA_PROMPT]
    peft_model.zero_grad()
    logits = peft_model(torch.tensor([ids])).logits[0]
    loss = masked_loss(logits, ids, LORA_PROMPT_TOKENS)
    loss.backward()
    grads = {}
    for name, p in peft_model.named_parameters():
        if "lora_" in name:
            grads[name.replace(".default", "")] = p.grad.detach().float().contiguous()
    saved = set(safetensors.safe_open(str(out / "lora" / "adapter_model.safetensors"), "pt").keys())
    assert saved == set(grads), (sorted(saved ^ set(grads)))
    save_file(grads, str(out / "lora-grads.safetensors"))
    # Noise estimate: the same gradients with the model in float64.
    peft64 = copy.deepcopy(peft_model).double()
    peft64.zero_grad()
    loss64 = masked_loss(peft64(torch.tensor([ids])).logits[0], ids, LORA_PROMPT_TOKENS)
    loss64.backward()
    grad_rel = 0.0
    for name, p in peft64.named_parameters():
        if "lora_" in name:
            g32 = grads[name.replace(".default", "")].double()
            grad_rel = max(grad_rel, float((p.grad - g32).abs().max() / p.grad.abs().max()))
    with torch.no_grad(), peft_model.disable_adapter():
        unadapted = peft_model(torch.tensor([ids])).logits[0]
    effect = float((logits.detach() - unadapted).abs().max())
    lora_rec = {"adapter": "lora/", "grads": "lora-grads.safetensors", "r": 4, "alpha": 8, "scaling": 2.0,
                "target_modules": targets, "prompt": LORA_PROMPT, "input_ids": ids,
                "prompt_tokens": LORA_PROMPT_TOKENS, "loss": float(loss.detach()),
                "loss_float64": float(loss64.detach())}
    lora_rec.update(logits_record(logits.detach()))
    log(f"   LoRA loss {loss.item():.5f}; adapter moves logits by up to {effect:.2f}; "
        f"grads f32 vs f64 max rel {grad_rel:.2e}")
    # PEFT reloads what it saved and agrees.
    reloaded = PeftModel.from_pretrained(copy.deepcopy(model), out / "lora").eval()
    assert float((forward_logits(reloaded, ids) - logits.detach()).abs().max()) < 1e-5
    run([sys.executable, str(llama_cpp / "convert_lora_to_gguf.py"), str(out / "lora"), "--base", str(hf_dir),
         "--outtype", "f32", "--outfile", str(out / "lora.gguf")], env=converter_env())
    lora_summary = check_lora_gguf(family, arch, peft_model, out / "lora.gguf")

    golden = {
        "about": ("Goldens from transformers in float32 (logits rounded to 7 significant digits). "
                  "prompts[i].logits[t][v]: logit of token v after reading input_ids[0..t] (rope position t, "
                  "starting at 0); logsumexp and argmax per position likewise. greedy.ids: 32 tokens greedily "
                  "generated after prompts[greedy.prompt] (full recomputation, equal to HF generate), with the "
                  "top-1 minus top-2 logit margin at each step. lora: the same for the PEFT adapter in lora/, "
                  "loss = mean over t with t+1 >= prompt_tokens of -log softmax(logits[t])[input_ids[t+1]], "
                  "its gradients in lora-grads.safetensors under the adapter file's keys. "
                  "noise: the same quantities with the model cast to float64 differ by this much."),
        "versions": versions(llama_cpp),
        "seed": seed,
        "config": cfgrec,
        "hf_config": json.loads((hf_dir / "config.json").read_text()),
        "prompts": records,
        "greedy": {"prompt": 0, "ids": gen_ids, "margins": [sig7(m) for m in margins]},
        "lora": lora_rec,
        "noise": {"logits_f32_vs_f64_max_abs": f64_diff, "lora_loss_f32_vs_f64": abs(loss.item() - loss64.item()),
                  "lora_grads_f32_vs_f64_max_rel": grad_rel},
        "gguf": gguf_summary,
        "lora_gguf": lora_summary,
    }
    (out / "golden.json").write_text(dump_json(golden) + "\n")
    # 5. The GGUF read with llama.cpp's rules (numpy, float64) must give the same logits and greedy tokens.
    if not gguf_reference.main(out):
        raise SystemExit(f"{family}: model.gguf / lora.gguf read with llama.cpp's rules disagree with transformers")
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    log(f"   wrote {out} ({size / 1024:.0f} KiB)")
    return golden


def versions(llama_cpp):
    commit = None
    head = llama_cpp.parent.parent / ".git" / "modules" / "vendor" / "llama.cpp" / "HEAD"
    if head.is_file():
        commit = head.read_text().strip()
    return {"torch": torch.__version__, "transformers": transformers.__version__, "peft": peft.__version__,
            "gguf_reader": gguf.__version__ if hasattr(gguf, "__version__") else "0.19.0",
            "sentencepiece": spm.__version__, "llama_cpp_python_sdist": SDIST_VERSION,
            "llama_cpp_commit": commit}


# ------------------------------------------------------------------------------------------------- main

def compare(made, committed, family):
    """Differences between a fresh run and committed fixtures (logits, greedy ids, LoRA grads)."""
    a = json.loads((made / family / "golden.json").read_text())
    b = json.loads((committed / family / "golden.json").read_text())
    worst = 0.0
    for pa, pb in zip(a["prompts"], b["prompts"]):
        assert pa["input_ids"] == pb["input_ids"]
        worst = max(worst, float(np.abs(np.array(pa["logits"]) - np.array(pb["logits"])).max()),
                    float(np.abs(np.array(pa["logsumexp"]) - np.array(pb["logsumexp"])).max()))
    worst = max(worst, float(np.abs(np.array(a["lora"]["logits"]) - np.array(b["lora"]["logits"])).max()))
    from safetensors.numpy import load_file
    ga, gb = load_file(made / family / "lora-grads.safetensors"), load_file(committed / family / "lora-grads.safetensors")
    grad = max(float(np.abs(ga[k] - gb[k]).max() / np.abs(gb[k]).max()) for k in gb)
    same_greedy = a["greedy"]["ids"] == b["greedy"]["ids"]
    log(f"   {family} vs committed: logits max |diff| {worst:.2e}, grads max rel {grad:.2e}, greedy same {same_greedy}")
    return worst <= 1e-4 and grad <= 1e-4 and same_greedy


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--llama-cpp", type=Path, help="llama.cpp folder with convert_hf_to_gguf.py")
    parser.add_argument("--out", type=Path, default=REPO / "Tests" / "Fixtures" / "families")
    parser.add_argument("--families", default=",".join(FAMILIES))
    parser.add_argument("--compare", type=Path, help="fixtures made before, to compare with")
    parser.add_argument("--llama-cpp-python", help="a python with llama-cpp-python, to run llama.cpp on the GGUFs")
    args = parser.parse_args()
    llama_cpp = (args.llama_cpp or fetch_llama_cpp()).resolve()
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    tokenizer_model, processor = train_tokenizer(REPO / ".build" / "family-fixtures-tokenizer")
    ok = True
    for family in args.families.split(","):
        make_family(family, out, llama_cpp, tokenizer_model, processor)
        if args.compare:
            ok = compare(out, args.compare.resolve(), family) and ok
        if args.llama_cpp_python:
            result = subprocess.run([args.llama_cpp_python, str(Path(__file__).with_name("llamacpp_family_check.py")),
                                     str(out / family)])
            ok = result.returncode == 0 and ok
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
