"""llama.cpp itself (through llama-cpp-python) on a model-family fixture: the logits of model.gguf and of
model.gguf + lora.gguf against transformers' goldens, and 32 greedy tokens. Float32 weights, float32 KV
cache, no flash attention, so the differences left are llama.cpp's own arithmetic.

usage: llamacpp_family_check.py FIXTURE_DIR [LORA_GGUF]
  LORA_GGUF defaults to FIXTURE_DIR/lora.gguf; give another (e.g. Tollgate's export of FIXTURE_DIR/lora) to
  check it gives the same logits. (Run with a python that has llama-cpp-python, e.g. .build/llama-server-venv/bin/python from
  `make llama-server`; prints the largest differences; exit 1 when logits differ by more than the
  family's tolerance or a greedy token differs)
"""
import json
import sys
from pathlib import Path

import numpy as np
from llama_cpp import Llama

GGML_TYPE_F32 = 0
# llama.cpp's CPU GELU reads a float16 table (GGML_GELU_FP16 in ggml-cpu/vec.h): Gemma's logits move by ~1e-3.
TOLERANCE = {"gemma3": 1e-2}


def load(folder, n_ctx, lora=None):
    return Llama(model_path=str(folder / "model.gguf"), lora_path=str(lora) if lora else None,
                 n_ctx=n_ctx, n_batch=n_ctx, n_ubatch=n_ctx, logits_all=True, n_threads=2, n_threads_batch=2,
                 type_k=GGML_TYPE_F32, type_v=GGML_TYPE_F32, flash_attn=False, seed=0, verbose=False)


def logits(llm, ids):
    llm.reset()
    llm.eval(ids)
    return np.array(llm.scores[: len(ids)], dtype=np.float64)


def check(folder, lora_gguf=None):
    folder = Path(folder)
    lora_gguf = Path(lora_gguf) if lora_gguf else folder / "lora.gguf"
    golden = json.loads((folder / "golden.json").read_text())
    family = golden["config"]["family"]
    # phi3: llama.cpp takes the long LongRoPE factors iff the context (padded to a multiple of 256) exceeds
    # the original 256 positions: n_ctx 256 gives the short ones, 512 the long ones.
    short_ctx = 256
    llm = load(folder, short_ctx)
    lines, worst = [], 0.0
    for i, prompt in enumerate(golden["prompts"]):
        ids = prompt["input_ids"]
        if len(ids) > short_ctx:
            long_llm = load(folder, 512)
            got = logits(long_llm, ids)
            # and the short prompts with that context: llama.cpp now uses the long factors for them too
            other = np.abs(logits(long_llm, golden["prompts"][0]["input_ids"])
                           - np.array(golden["prompts"][0]["logits"])).max()
            lines.append(f"(n_ctx 512: prompt 0 differs by {other:.1e}, long factors where HF used short)")
            del long_llm
        else:
            got = logits(llm, ids)
        rows = prompt.get("logits_positions", slice(None))
        diff = float(np.abs(got[rows] - np.array(prompt["logits"])).max())
        worst = max(worst, diff)
        lines.append(f"prompt {i} ({len(ids)}) {diff:.1e}")
    # greedy, one token at a time through the KV cache
    ids = list(golden["prompts"][golden["greedy"]["prompt"]]["input_ids"])
    llm.reset()
    llm.eval(ids)
    out = []
    for _ in golden["greedy"]["ids"]:
        out.append(int(np.argmax(llm.scores[llm.n_tokens - 1])))
        llm.eval([out[-1]])
    same = out == golden["greedy"]["ids"]
    first = next((k for k, (a, b) in enumerate(zip(out, golden["greedy"]["ids"])) if a != b), None)
    del llm
    lora = golden["lora"]
    lora_llm = load(folder, short_ctx, lora=lora_gguf)
    lora_diff = float(np.abs(logits(lora_llm, lora["input_ids"]) - np.array(lora["logits"])).max())
    del lora_llm
    worst = max(worst, lora_diff)
    tolerance = TOLERANCE.get(family, 1e-4)
    print(f"{folder.name}: llama.cpp vs transformers max |logit diff| {', '.join(lines)}; with {lora_gguf.name} "
          f"{lora_diff:.1e}; greedy 32 identical: {same}" + ("" if same else f" (first difference at {first})"),
          flush=True)
    return worst <= tolerance and same


if __name__ == "__main__":
    sys.exit(0 if check(*sys.argv[1:3]) else 1)
