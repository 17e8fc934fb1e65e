"""Goldens for Gemma 3 270M (the Q4_K_M GGUF `make gemma-model` fetches): transformers loads the same
GGUF dequantized to float32 and runs 20 prompts; for each, the logsumexp and top-20 logits at the last
prompt position and 16 greedy tokens (full recomputation). Prompt ids come from `tollgate tokenize`
(llama.cpp's SentencePiece rules, checked separately against llama.cpp's tokenizer), so that the
comparison is of the forward pass alone. `make interop` re-creates the fixture; `make test` checks it.

usage: gemma_golden.py TOLLGATE MODEL.gguf OUT.json
"""
import json, os, subprocess, sys

import torch
from transformers import AutoModelForCausalLM

tollgate, model_path, out_path = sys.argv[1:4]
torch.set_num_threads(os.cpu_count() or 1)
PROMPTS = [
    "The capital of France is",
    "Translate to German: Good morning, how are you?",
    "def fibonacci(n):",
    "Once upon a time, in a small village by the sea,",
    "Q: What is 17 times 23?\nA:",
    "<start_of_turn>user\nWhere is my parcel? Order #4417 shipped on 3 May.<end_of_turn>\n<start_of_turn>model\n",
    "<start_of_turn>user\nI was charged twice for my subscription.<end_of_turn>\n<start_of_turn>model\n",
    "The three primary colours are",
    "Photosynthesis is the process by which",
    "Le chat est sur la table. En anglais:",
    "日本の首都は",
    "   Indented text with    several   spaces",
    "Emoji test: 😀🎉 and then",
    "List: 1. apples 2. pears 3.",
    "SELECT name FROM users WHERE",
    "The quick brown fox jumps over the lazy dog. The quick brown fox",
    "Dear customer, thank you for contacting support about",
    "In 1969, the first humans",
    "Water boils at a temperature of",
    "Refund request: the item arrived broken and I would like",
]

model = AutoModelForCausalLM.from_pretrained(os.path.dirname(os.path.abspath(model_path)),
                                             gguf_file=os.path.basename(model_path), dtype=torch.float32).eval()
records = []
for prompt in PROMPTS:
    ids = json.loads(subprocess.run([tollgate, "tokenize", "--model", model_path, "--json", prompt],
                                    capture_output=True, text=True, check=True).stdout)["ids"]
    with torch.no_grad():
        logits = model(torch.tensor([ids])).logits[0, -1].double()
        top = torch.topk(logits, 20)
        seq, greedy = list(ids), []
        for _ in range(16):
            nxt = int(model(torch.tensor([seq])).logits[0, -1].argmax())
            greedy.append(nxt)
            seq.append(nxt)
    records.append({"text": prompt, "ids": ids, "logsumexp": float(torch.logsumexp(logits, 0)),
                    "top_ids": top.indices.tolist(), "top_logits": [float(v) for v in top.values], "greedy": greedy})
    print(f"{len(records):2d} {len(ids):3d} tokens  top {top.indices[0].item()}  greedy {greedy[:6]}", flush=True)

import transformers
about = ("transformers %s float32 on the dequantized Gemma 3 270M Q4_K_M GGUF (SHA-256 "
         "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818): per prompt, ids from tollgate tokenize, "
         "logsumexp and the top-20 logits at the last position, 16 greedy tokens by full recomputation" % transformers.__version__)
tmp = out_path + ".partial"
with open(tmp, "w") as f:
    json.dump({"about": about, "prompts": records}, f, indent=1)
os.replace(tmp, out_path)
