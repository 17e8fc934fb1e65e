#!/usr/bin/env python3
"""Tollgate's multiple-choice log-likelihoods against lm-evaluation-harness on the same items.

    lm_eval_loglik_check.py reference MODEL.gguf OUT_DIR SET.jsonl [SET.jsonl ...]
        runs lm_eval's HF backend (transformers loads the GGUF dequantized to float32) over each set
        through a local task file (dataset_path json, doc_to_text {{context}}, doc_to_choice
        {{choices}}, target_delimiter " "), and writes OUT_DIR/lm-eval-<set>.json: lm-eval's acc,
        acc_norm, every choice's log-likelihood and is_greedy, and its wall time.
    lm_eval_loglik_check.py compare TOLLGATE MODEL.gguf FIXTURE_DIR SET.jsonl [SET.jsonl ...]
        runs `tollgate eval --kind multiple_choice --json` over each set and checks acc and acc_norm
        equal lm-eval's and every choice's log-likelihood within 1e-3; prints both wall times.
    lm_eval_loglik_check.py float64 TOLLGATE MODEL.gguf FIXTURE_DIR SET.jsonl [SET.jsonl ...]
        the arbiter where the two differ: runs Tollgate as `compare` does, takes the F64_ITEMS items
        (default 50; 0: all) on which Tollgate and lm-eval differ most, computes each choice in float64
        (float64_llama.py: the same dequantized weights and tokens, every operation in float64) and
        prints, for Tollgate and for lm-eval, the largest |Δ| from float64, how many choices are
        beyond 1e-3 of it, and the mean signed Δ per continuation token (a float32 bias shows there).
Exit 1 when a check fails (for float64: when Tollgate is beyond 1e-3 of float64 on a choice).
"""
import json, math, os, subprocess, sys, tempfile, time

TOLERANCE = 1e-3


def set_name(path):
    return os.path.basename(os.path.dirname(os.path.abspath(path)))


def reference(model, out_dir, sets):
    """lm-eval's HF backend (`--model hf`) on the same weights: transformers dequantizes the GGUF
    to float32 (as Tests/Interop/peft_llamacpp_check.py loads it) and lm_eval.simple_evaluate runs
    the local task at batch size 1 on the CPU, logging every sample."""
    import torch, transformers, lm_eval
    from lm_eval.models.huggingface import HFLM
    from lm_eval.tasks import TaskManager
    # One thread: on a busy 2-core machine torch's OpenMP workers spin at barriers (a 120-token
    # forward took 20 s with 2 threads against 3.6 s with 1 while other builds ran).
    torch.set_num_threads(int(os.environ.get("LMEVAL_THREADS", "1")))
    limit = int(os.environ.get("LMEVAL_LIMIT", "0"))  # the first N items of each set (0: all)
    os.makedirs(out_dir, exist_ok=True)
    work = tempfile.mkdtemp(prefix="lmeval-")
    model = os.path.abspath(model)
    started = time.time()
    hf = transformers.AutoModelForCausalLM.from_pretrained(os.path.dirname(model), gguf_file=os.path.basename(model),
                                                           dtype=torch.float32).eval()
    tokenizer = transformers.AutoTokenizer.from_pretrained(os.path.dirname(model), gguf_file=os.path.basename(model))
    use_model_pretokenizer(tokenizer, model)
    load_seconds = time.time() - started
    lm = HFLM(pretrained=hf, tokenizer=tokenizer, batch_size=1, device="cpu")
    for path in sets:
        name = set_name(path)
        task = f"tollgate_{name}"
        if limit:
            with open(path) as f:
                head = [line for line in f if line.strip()][:limit]
            path = os.path.join(work, f"{name}-first-{limit}.jsonl")
            with open(path, "w") as f:
                f.writelines(head)
        with open(os.path.join(work, f"{task}.yaml"), "w") as f:
            f.write(f"""task: {task}
dataset_path: json
dataset_kwargs:
  data_files:
    validation: {os.path.abspath(path)}
validation_split: validation
output_type: multiple_choice
doc_to_text: "{{{{context}}}}"
doc_to_choice: "{{{{choices}}}}"
doc_to_target: label
target_delimiter: " "
metric_list:
  - metric: acc
    aggregation: mean
    higher_is_better: true
  - metric: acc_norm
    aggregation: mean
    higher_is_better: true
""")
        started = time.time()
        out = lm_eval.simple_evaluate(model=lm, tasks=[task], task_manager=TaskManager(include_path=work),
                                      log_samples=True, bootstrap_iters=0)
        seconds = time.time() - started
        metrics = out["results"][task]
        items = []
        for s in out["samples"][task]:
            pairs = [r[0] for r in s["resps"]]
            items.append({"id": s["doc"]["id"], "loglik": [float(p[0]) for p in pairs],
                          "is_greedy": [bool(p[1]) for p in pairs], "acc": float(s["acc"]), "acc_norm": float(s["acc_norm"])})
        order = order_of(path)
        items.sort(key=lambda item: order[item["id"]])
        fixture = {"set": f"Datasets/{name}/validation-1000.jsonl", "first_items": limit or len(items), "model_sha256": sha256(model), "lm_eval": lm_eval.__version__,
                   "torch": torch.__version__, "transformers": transformers.__version__, "torch_threads": torch.get_num_threads(),
                   "cpu": cpu_name(), "model_load_seconds": load_seconds,
                   "acc": metrics["acc,none"], "acc_norm": metrics["acc_norm,none"], "seconds": seconds, "items": items}
        target = os.path.join(out_dir, f"lm-eval-{name}.json")
        with open(target + ".partial", "w") as f:
            json.dump(fixture, f, indent=1)
            f.write("\n")
        os.replace(target + ".partial", target)
        print(f"{name}: acc {fixture['acc']:.4f} acc_norm {fixture['acc_norm']:.4f} in {seconds:.0f} s -> {target}", flush=True)


def use_model_pretokenizer(tokenizer, model):
    """transformers' GGUF->HF conversion gives every BPE vocabulary plain GPT-2 ByteLevel splitting,
    which ignores `tokenizer.ggml.pre`. For `smollm` (SmolLM2) that splits a whitespace run before a
    digit as `ĠĠĠ`,`Ġ`,`1` where SmolLM2's own tokenizer.json (Digits with individual_digits, then
    ByteLevel) and llama.cpp give `ĠĠĠĠ`,`1`: 15 PIQA items differed by up to 11 nats through it.
    The reference therefore tokenizes with the model's real pre-tokenizer."""
    import gguf
    from tokenizers import pre_tokenizers
    field = gguf.GGUFReader(model).fields.get("tokenizer.ggml.pre")
    pre = field.contents() if field is not None else None
    if pre == "smollm":
        tokenizer.backend_tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Digits(individual_digits=True),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)])
    elif pre not in (None, "default", "llama-bpe", "gpt2"):
        print(f"warning: pre-tokenizer {pre} is transformers' conversion, not the model's own", file=sys.stderr)


def cpu_name():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "unknown"


def order_of(path):
    with open(path) as f:
        return {json.loads(line)["id"]: i for i, line in enumerate(f) if line.strip()}


def sha256(path):
    import hashlib
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def tollgate_scores(tollgate, model, path):
    """`tollgate eval --kind multiple_choice --json` over one set: its summary and wall time."""
    with tempfile.TemporaryDirectory() as work:
        out = os.path.join(work, "summary.json")
        started = time.time()
        subprocess.run([tollgate, "eval", "--kind", "multiple_choice", "--model", model, "--data", path,
                        "--store", os.path.join(work, "store.db"), "--json", out], check=True, stdout=subprocess.DEVNULL)
        seconds = time.time() - started
        with open(out) as f:
            return json.load(f), seconds


def scored_sets(tollgate, model, fixture_dir, sets):
    """Per set: its path, name, lm-eval's fixture, Tollgate's results by id and Tollgate's wall time."""
    for path in sets:
        name = set_name(path)
        with open(os.path.join(fixture_dir, f"lm-eval-{name}.json")) as f:
            fixture = json.load(f)
        summary, seconds = tollgate_scores(tollgate, model, path)
        yield path, name, fixture, {r["id"]: r for r in summary["results"]}, seconds


def compare(tollgate, model, fixture_dir, sets):
    failed = False
    for path, name, fixture, ours, seconds in scored_sets(tollgate, model, fixture_dir, sets):
        worst, worst_id, over = 0.0, None, []
        for item in fixture["items"]:
            mine = ours[item["id"]]
            for k, ll in enumerate(item["loglik"]):
                delta = abs(mine["choices"][k]["loglik"] - ll)
                if delta > TOLERANCE:
                    over.append((delta, f"{item['id']} choice {k}"))
                if delta > worst:
                    worst, worst_id = delta, f"{item['id']} choice {k}"
        acc = sum(r["prediction"] == r["label"] for r in ours.values()) / len(ours)
        acc_norm = sum(r["prediction_norm"] == r["label"] for r in ours.values()) / len(ours)
        ok = worst <= TOLERANCE and abs(acc - fixture["acc"]) < 1e-9 and abs(acc_norm - fixture["acc_norm"]) < 1e-9
        failed |= not ok
        print(f"{name}: {len(fixture['items'])} items; acc {acc:.4f} (lm-eval {fixture['acc']:.4f}), "
              f"acc_norm {acc_norm:.4f} (lm-eval {fixture['acc_norm']:.4f}); max |Δ loglik| {worst:.2e} ({worst_id}); "
              f"{len(over)} of {sum(len(i['loglik']) for i in fixture['items'])} choices beyond {TOLERANCE:g}; "
              f"tollgate {seconds:.0f} s, lm-eval {fixture['seconds']:.0f} s ({fixture['seconds'] / seconds:.1f}x) "
              f"{'OK' if ok else 'MISMATCH'}", flush=True)
        for delta, where in sorted(over, reverse=True)[:10]:
            print(f"  {where}: |Δ| {delta:.2e}", flush=True)
    return 1 if failed else 0


def float64(tollgate, model, fixture_dir, sets):
    """Which side is off: Tollgate's and lm-eval's choices against a float64 forward pass. On SmolLM2's
    PIQA this showed lm-eval's float32 log-softmax ~8e-6 nats per token above float64 (its sums beyond
    1e-3 on continuations of 120+ tokens) while Tollgate stays unbiased; see the README."""
    import torch
    from float64_llama import Float64Llama
    torch.set_num_threads(int(os.environ.get("LMEVAL_THREADS", "1")))
    wanted = int(os.environ.get("F64_ITEMS", "50"))
    arbiter = Float64Llama(model, prepare_tokenizer=use_model_pretokenizer)
    failed = False
    for path, name, fixture, ours, _ in scored_sets(tollgate, model, fixture_dir, sets):
        with open(path) as f:
            items = {item["id"]: item for item in map(json.loads, filter(str.strip, f))}
        def disagreement(reference):
            return max(abs(ours[reference["id"]]["choices"][k]["loglik"] - ll) for k, ll in enumerate(reference["loglik"]))
        chosen = sorted(fixture["items"], key=disagreement, reverse=True)[:wanted or None]
        started = time.time()
        deltas = {"tollgate": [], "lm-eval": []}  # (|Δ|, signed Δ, tokens, where) per choice
        for reference in chosen:
            item = items[reference["id"]]
            for k, choice in enumerate(item["choices"]):
                context, continuation = arbiter.encode_pair(item["context"], item.get("target_delimiter", " ") + choice)
                mine = ours[item["id"]]["choices"][k]
                if len(continuation) != mine["tokens"]:
                    sys.exit(f"{item['id']} choice {k}: {len(continuation)} continuation tokens here, {mine['tokens']} in Tollgate; "
                             "the tokenizations differ, so the float64 figures would compare different requests")
                truth = math.fsum(arbiter.log_probs(context, continuation))
                for side, value in (("tollgate", mine["loglik"]), ("lm-eval", reference["loglik"][k])):
                    deltas[side].append((abs(value - truth), value - truth, len(continuation), f"{item['id']} choice {k}"))
        print(f"{name}: float64 over the {len(chosen)} items (of {len(fixture['items'])}) where Tollgate and lm-eval differ most, "
              f"{len(deltas['tollgate'])} choices, {time.time() - started:.0f} s", flush=True)
        for side, rows in deltas.items():
            worst = max(rows)
            over = sum(1 for row in rows if row[0] > TOLERANCE)
            per_token = sum(row[1] for row in rows) / sum(row[2] for row in rows)
            print(f"  {side} − float64: max |Δ| {worst[0]:.2e} ({worst[3]}); {over} choices beyond {TOLERANCE:g}; "
                  f"mean Δ per token {per_token:+.2e}", flush=True)
        failed |= any(row[0] > TOLERANCE for row in deltas["tollgate"])
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) >= 5 and sys.argv[1] == "reference":
        reference(sys.argv[2], sys.argv[3], sys.argv[4:])
    elif len(sys.argv) >= 6 and sys.argv[1] == "compare":
        sys.exit(compare(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]))
    elif len(sys.argv) >= 6 and sys.argv[1] == "float64":
        sys.exit(float64(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]))
    else:
        sys.exit(__doc__)
