"""`make interop`: Tollgate's adapters checked by the reference tools themselves (not run by `make test`:
it needs PyTorch, transformers, PEFT and gguf-py, installed by the Makefile into .build/interop-venv).

1. transformers loads the GGUF model (dequantized to float32, q/k rows back in HF order); PEFT loads the
   adapter Tollgate trained; the logits at the last prompt position are compared with
   `tollgate generate --top-logits 10` (same top-10 ids in order, logits within 2e-3).
2. The adapter exported as a llama.cpp LoRA GGUF is read with gguf-py: `general.type adapter`,
   `adapter.type lora`, `adapter.lora.alpha`, tensors `blk.N.<name>.weight.lora_a/lora_b` with llama.cpp's
   shapes, and every B·A equal to PEFT's moved to GGUF row order by convert_hf_to_gguf's `permute`.
Exit 0 when everything holds, 1 otherwise.

usage: peft_llamacpp_check.py TOLLGATE MODEL.gguf ADAPTER_DIR WORK_DIR
"""
import json, os, subprocess, sys

import gguf
import numpy as np
import torch
from peft import PeftModel
from safetensors.numpy import load_file
from transformers import AutoModelForCausalLM

tollgate, model_path, adapter, work = sys.argv[1:5]
torch.set_num_threads(os.cpu_count() or 1)
failures = []


def run(*args):
    return subprocess.run([tollgate, *args], capture_output=True, text=True, check=True).stdout


# 1. Logits through PEFT against Tollgate's engine.
base = AutoModelForCausalLM.from_pretrained(os.path.dirname(os.path.abspath(model_path)),
                                            gguf_file=os.path.basename(model_path), dtype=torch.float32)
model = PeftModel.from_pretrained(base, adapter).eval()
prompts = ["<|im_start|>user\nMy parcel never arrived and the tracking page is blank<|im_end|>\n<|im_start|>assistant\n",
           "<|im_start|>user\nI was charged twice for order 4411, please refund one<|im_end|>\n<|im_start|>assistant\n"]
for number, prompt in enumerate(prompts):
    ours = json.loads(run("generate", "--model", model_path, "--adapter", adapter, "--max-tokens", "1",
                          "--top-logits", "10", "--json", prompt))["top_logits"]
    ids = json.loads(run("tokenize", "--model", model_path, "--json", prompt))["ids"]
    with torch.no_grad():
        logits = model(torch.tensor([ids])).logits[0, -1].double()
        with model.disable_adapter():
            unadapted = model(torch.tensor([ids])).logits[0, -1].double()
    reference = torch.topk(logits, 10).indices.tolist()
    difference = max(abs(float(logits[i]) - value) for i, value in ours)
    effect = float((logits - unadapted).abs().max())
    print(f"prompt {number}: top-10 ids identical to PEFT's: {reference == [i for i, _ in ours]}; "
          f"max |logit difference| {difference:.2e} (the adapter itself moves logits by up to {effect:.2e})")
    if reference != [i for i, _ in ours] or difference > 2e-3:
        failures.append(f"prompt {number} logits differ from PEFT's")
    if effect < 10 * max(difference, 1e-4):
        failures.append(f"prompt {number}: the adapter barely changes the logits, so the comparison shows nothing")

# 2. The llama.cpp LoRA GGUF.
gguf_path = os.path.join(work, "adapter.gguf")
run("export", "--adapter", adapter, "--model", model_path, "--format", "gguf", "--out", gguf_path)
reader = gguf.GGUFReader(gguf_path)


def field(name):
    f = reader.fields[name]
    value = f.parts[f.data[0]]
    return bytes(value).decode() if f.types[0] == gguf.GGUFValueType.STRING else value.tolist()[0]


config = json.load(open(os.path.join(adapter, "adapter_config.json")))
metadata = (field("general.type"), field("adapter.type"), field("adapter.lora.alpha"))
print(f"general.type {metadata[0]}, adapter.type {metadata[1]}, adapter.lora.alpha {metadata[2]}")
if metadata != ("adapter", "lora", float(config["lora_alpha"])):
    failures.append(f"GGUF adapter metadata {metadata}")

base_reader = gguf.GGUFReader(model_path)
heads = int(base_reader.fields["llama.attention.head_count"].parts[-1][0])
kv_heads = int(base_reader.fields["llama.attention.head_count_kv"].parts[-1][0])


def permute(w, n_head):  # convert_hf_to_gguf.LlamaModel.permute
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


names = {"q_proj": ("attn_q", heads), "k_proj": ("attn_k", kv_heads), "v_proj": ("attn_v", None),
         "o_proj": ("attn_output", None), "gate_proj": ("ffn_gate", None), "up_proj": ("ffn_up", None),
         "down_proj": ("ffn_down", None)}
tensors = {t.name: t for t in reader.tensors}
peft_tensors = load_file(os.path.join(adapter, "adapter_model.safetensors"))
worst, pairs = 0.0, 0
for key, a in sorted(peft_tensors.items()):
    if ".lora_A." not in key:
        continue
    layer = int(key.split(".layers.")[1].split(".")[0])
    projection = key.split(".lora_A.")[0].rsplit(".", 1)[1]
    b = peft_tensors[key.replace(".lora_A.", ".lora_B.")]
    name, n_head = names[projection]
    ta, tb = tensors[f"blk.{layer}.{name}.weight.lora_a"], tensors[f"blk.{layer}.{name}.weight.lora_b"]
    # llama.cpp: lora_a has ne [n_in, r] (numpy (r, n_in)), lora_b ne [r, n_out] (numpy (n_out, r)).
    ga = np.array(ta.data, dtype=np.float64).reshape([int(n) for n in reversed(ta.shape)])
    gb = np.array(tb.data, dtype=np.float64).reshape([int(n) for n in reversed(tb.shape)])
    if ga.shape != a.shape or gb.shape != b.shape:
        failures.append(f"{key}: GGUF shapes {ga.shape}, {gb.shape}; PEFT {a.shape}, {b.shape}")
        continue
    expected = b.astype(np.float64) @ a.astype(np.float64)
    if n_head:
        expected = permute(expected, n_head)
    worst = max(worst, float(np.abs(gb @ ga - expected).max() / (np.abs(expected).max() + 1e-30)))
    pairs += 1
print(f"{pairs} LoRA pairs; max relative difference of the GGUF's B·A from PEFT's in GGUF row order: {worst:.2e}")
if pairs == 0 or worst > 1e-6:
    failures.append("GGUF LoRA deltas differ from PEFT's")

for failure in failures:
    print("FAILED:", failure)
print("interop: OK" if not failures else "interop: FAILED")
sys.exit(1 if failures else 0)
