"""PEFT on a model-family fixture with some adapter (e.g. one Tollgate exported from the fixture's lora/):
transformers loads FIXTURE/hf, PEFT loads ADAPTER_DIR, and the logits on the golden LoRA prompt must equal
golden.json's lora.logits within 1e-4 (they were made from FIXTURE/lora, so an adapter carrying the same
A and B, or the same B·A, must give them).

usage: peft_family_check.py FIXTURE_DIR [ADAPTER_DIR]   (ADAPTER_DIR defaults to FIXTURE_DIR/lora; run in the interop venv)
"""
import json
import os
import sys
from pathlib import Path

os.environ["HF_HUB_OFFLINE"] = "1"

import numpy as np
import torch
from peft import PeftModel
from transformers import AutoModelForCausalLM

torch.set_num_threads(2)
folder = Path(sys.argv[1])
adapter = Path(sys.argv[2]) if len(sys.argv) > 2 else folder / "lora"
golden = json.loads((folder / "golden.json").read_text())["lora"]
base = AutoModelForCausalLM.from_pretrained(folder / "hf", dtype=torch.float32)
model = PeftModel.from_pretrained(base, adapter).eval()
with torch.no_grad():
    logits = model(torch.tensor([golden["input_ids"]])).logits[0].double().numpy()
diff = float(np.abs(logits - np.array(golden["logits"])).max())
print(f"{folder.name}: PEFT with {adapter} vs the golden LoRA logits: max |diff| {diff:.1e}")
sys.exit(0 if diff <= 1e-4 else 1)
