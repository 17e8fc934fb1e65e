"""Tollgate's own side of the eval comparison with llama.cpp: the 210 support-routing holdout messages
through `tollgate eval` (8 new tokens, greedy, no generation cache, a fresh store), once per precision.
Prints one JSON line per precision with the wall seconds and the process's peak RSS.

    python3 Benchmarks/peers/tollgate_eval.py [tollgate] [model.gguf] [holdout.jsonl] [precision ...]
"""
import json
import os
import subprocess
import sys
import tempfile
import time

TOLLGATE = sys.argv[1] if len(sys.argv) > 1 else ".build/release/tollgate"
MODEL = sys.argv[2] if len(sys.argv) > 2 else "models/SmolLM2-135M-Instruct.Q4_1.gguf"
HOLDOUT = sys.argv[3] if len(sys.argv) > 3 else "Datasets/support-routing/holdout.jsonl"
PRECISIONS = sys.argv[4:] or ["f32", "int8"]


def run(precision):
    """Wall seconds and peak RSS (MB) of one eval in its own child process."""
    with tempfile.TemporaryDirectory() as folder:
        command = [TOLLGATE, "eval", "--model", MODEL, "--data", HOLDOUT, "--max-tokens", "8", "--metrics", "em,chrf",
                   "--store", os.path.join(folder, "bench.db"), "--no-cache", "--precision", precision]
        start = time.monotonic()
        # RUSAGE_CHILDREN keeps the largest child so far, so each eval runs under a helper process that
        # reports the peak of its only child.
        helper = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); "
                  "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
        out = subprocess.run([sys.executable, "-c", helper] + command, check=True, capture_output=True, text=True, timeout=900)
        seconds = time.monotonic() - start
    with open(HOLDOUT) as holdout:
        requests = sum(1 for line in holdout if line.strip())
    return {"peer": "tollgate", "measure": "support_routing_eval", "precision": precision, "requests": requests,
            "max_tokens": 8, "wall_seconds": round(seconds, 2), "peak_rss_mb": round(int(out.stdout.strip()) / 1024, 1)}


for precision in PRECISIONS:
    print(json.dumps(run(precision)), flush=True)
