"""A PEFT adapter trained by PyTorch on a Hugging Face folder, then evaluated by Tollgate (issue 28).

For each tiny family folder (FIXTURES/<family>/hf) and optionally a real one (--folder DIR, e.g. the
SmolLM2 folder `make interop-hf` writes):
  1. transformers loads the folder in float32; PEFT wraps it in LoRA (r = 8, alpha = 16, dropout 0,
     PEFT's own initialisation: A random, B zero) on the attention's q and v (phi3: its fused qkv_proj);
  2. STEPS steps of torch.optim.AdamW (lr LR) on the next-token loss over TRAIN_TEXTS train it, so B is
     no longer zero; save_pretrained writes the adapter;
  3. PEFT reloads the saved adapter and records its logits at the last position of each of PROMPTS
     (token ids from the folder's tokenizer.json through transformers);
  4. with --tollgate BIN, `tollgate generate --model FOLDER --adapter ADAPTER --top-logits K --json PROMPT`
     (the path a user takes) gives logits that must equal PEFT's within 1e-4, with the same prompt ids.

Writes, per family, OUT/<family>/peft-trained/ (adapter_config.json, adapter_model.safetensors) and
OUT/<family>/peft-trained.json (the prompts, their ids and PEFT's last-position logits); `make test`
reads the committed copies under Tests/Fixtures/families (HFFolderTrainedAdapterTests). With --compare
DIR the new logits are compared with DIR's within 1e-4. Exit 0 when everything holds, 1 otherwise.

usage: train_peft_on_folder.py --fixtures Tests/Fixtures/families --out DIR [--compare DIR]
                               [--tollgate BIN] [--folder HF_DIR]   (run in the interop venv)
"""
import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

os.environ["HF_HUB_OFFLINE"] = "1"

import numpy as np
import peft
import torch
import transformers
from peft import LoraConfig, PeftModel, get_peft_model
from transformers import AutoModelForCausalLM, AutoTokenizer

FAMILIES = ["llama3", "gemma3", "qwen2", "qwen3", "phi3", "smollm3"]
RANK, ALPHA, STEPS, LR, SEED = 8, 16, 6, 2e-2, 11
TRAIN_TEXTS = ["the gate says go when the holdout holds", "a model change ships only after the gate",
               "refund the second charge on the order", "the parcel never arrived at the door"]
PROMPTS = ["the model gate", "a change ships after", "refund the"]
failures = []


def targets_of(model):
    names = {name.rsplit(".", 1)[-1] for name, _ in model.named_modules()}
    return ["qkv_proj"] if "qkv_proj" in names else ["q_proj", "v_proj"]


def train(folder, steps, lr):
    """The folder's model with a freshly trained LoRA (PEFT model in eval mode) and its tokenizer."""
    torch.manual_seed(SEED)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    base = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32)
    config = LoraConfig(r=RANK, lora_alpha=ALPHA, lora_dropout=0.0, bias="none",
                        target_modules=targets_of(base), task_type="CAUSAL_LM")
    model = get_peft_model(base, config)
    model.train()
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=lr)
    batches = [torch.tensor([tokenizer(text).input_ids]) for text in TRAIN_TEXTS]
    for step in range(steps):
        ids = batches[step % len(batches)]
        loss = model(input_ids=ids, labels=ids).loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model.eval(), tokenizer, float(loss.detach())


def save(model, folder, out):
    model.peft_config["default"].base_model_name_or_path = os.path.relpath(folder.resolve(), out.resolve())
    model.save_pretrained(out)
    (out / "README.md").unlink(missing_ok=True)  # PEFT's model-card template
    config = json.loads((out / "adapter_config.json").read_text())
    config["target_modules"] = sorted(config["target_modules"])  # a set: hash order otherwise
    (out / "adapter_config.json").write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")


def peft_logits(folder, adapter, tokenizer):
    """PEFT reloading the saved adapter: (prompt records with last-position logits, largest adapter effect)."""
    model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32), adapter).eval()
    records, effect = [], 0.0
    with torch.no_grad():
        for text in PROMPTS:
            ids = tokenizer(text).input_ids
            logits = model(torch.tensor([ids])).logits[0, -1].double()
            with model.disable_adapter():
                unadapted = model(torch.tensor([ids])).logits[0, -1].double()
            effect = max(effect, float((logits - unadapted).abs().max()))
            records.append({"text": text, "input_ids": ids, "logits": [float(f"{x:.7g}") for x in logits.tolist()]})
    return records, effect


def check_tollgate(tollgate, folder, adapter, records, label):
    """Tollgate's CLI on folder + adapter against PEFT's logits; returns the largest difference."""
    worst = 0.0
    for record in records:
        vocabulary = len(record["logits"])
        top = min(vocabulary, 64)
        run = subprocess.run([tollgate, "generate", "--model", str(folder), "--adapter", str(adapter), "--max-tokens", "1",
                              "--top-logits", str(top), "--json", record["text"]], capture_output=True, text=True)
        if run.returncode != 0:
            failures.append(f"{label}: tollgate generate failed: {run.stderr.strip()}")
            return float("inf")
        ours = json.loads(run.stdout)
        if ours["prompt_tokens"] != len(record["input_ids"]):
            failures.append(f"{label}: {record['text']!r} is {ours['prompt_tokens']} tokens in Tollgate, "
                            f"{len(record['input_ids'])} in transformers")
        reference = np.array(record["logits"])
        expected_top = [int(i) for i in np.argsort(-reference, kind="stable")[:top]]
        difference = max(abs(reference[i] - value) for i, value in ours["top_logits"])
        if sorted(i for i, _ in ours["top_logits"]) != sorted(expected_top):
            failures.append(f"{label}: {record['text']!r}: top-{top} ids differ from PEFT's")
        worst = max(worst, difference)
    return worst


def compare(new, old, label):
    a = [x for r in new for x in r["logits"]]
    b = [x for r in json.loads(old.read_text())["prompts"] for x in r["logits"]]
    difference = max(abs(x - y) for x, y in zip(a, b)) if len(a) == len(b) else float("inf")
    print(f"{label}: re-made logits vs the committed ones: max |diff| {difference:.1e}")
    if difference > 1e-4:
        failures.append(f"{label}: re-made logits differ from {old} by {difference:.1e}")


def one_folder(folder, adapter_dir, record_path, steps, lr, args, label):
    model, tokenizer, loss = train(folder, steps, lr)
    save(model, folder, adapter_dir)
    b_norm = max(float(p.detach().abs().max()) for n, p in model.named_parameters() if "lora_B" in n)
    records, effect = peft_logits(folder, adapter_dir, tokenizer)
    about = (f"PEFT {peft.__version__} LoRA r={RANK} alpha={ALPHA} on {targets_of(model.base_model.model)}, "
             f"trained {steps} AdamW steps (lr {lr}, seed {SEED}) by Tests/Interop/train_peft_on_folder.py; "
             "prompts[i].logits: PEFT's float32 logits at the last position of input_ids (7 significant digits)")
    record_path.write_text(json.dumps({"about": about, "versions": {"torch": torch.__version__,
                           "transformers": transformers.__version__, "peft": peft.__version__},
                           "final_loss": loss, "max_abs_B": b_norm, "adapter_effect": effect,
                           "prompts": records}, indent=1) + "\n")
    line = f"{label}: trained loss {loss:.4f}, max |B| {b_norm:.3f}, adapter moves logits by up to {effect:.3f}"
    if b_norm == 0 or effect < 1e-3:
        failures.append(f"{label}: the trained adapter does not change the model")
    if args.tollgate:
        worst = check_tollgate(args.tollgate, folder, adapter_dir, records, label)
        line += f"; Tollgate vs PEFT max |logit diff| {worst:.1e}"
        if worst > 1e-4:
            failures.append(f"{label}: Tollgate's logits differ from PEFT's by {worst:.1e}")
    print(line)
    return records


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--fixtures", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--compare", type=Path)
    parser.add_argument("--tollgate")
    parser.add_argument("--folder", type=Path, help="a real HF folder to train on as well (not committed)")
    parser.add_argument("--families", default=",".join(FAMILIES))
    args = parser.parse_args()
    torch.set_num_threads(1)
    for family in args.families.split(","):
        out = args.out / family
        out.mkdir(parents=True, exist_ok=True)
        records = one_folder(args.fixtures / family / "hf", out / "peft-trained", out / "peft-trained.json",
                             STEPS, LR, args, family)
        if args.compare:
            compare(records, args.compare / family / "peft-trained.json", family)
    if args.folder:
        out = args.out / args.folder.name
        out.mkdir(parents=True, exist_ok=True)
        one_folder(args.folder, out / "peft-trained", out / "peft-trained.json", 4, 1e-3, args, args.folder.name)
    for failure in failures:
        print("FAIL:", failure)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
