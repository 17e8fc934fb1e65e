"""llama.cpp (llama-cpp-python) on the same GGUF: the peer of `tollgate bench`'s decode line and of
Tollgate's support-routing evaluation. Prints one JSON line per measurement.

1. decode batch 1, measured as Sources/Llama/Benchmark.swift does: a 16-token synthetic prompt is
   evaluated untimed, then 64 greedy steps (argmax of the last logits, eval of that one token) are
   timed with a wall clock around the loop; best of 2 runs. llama.cpp's own counter for the same
   steps (llama_perf_context's t_eval_ms / n_eval, no Python in it) is reported beside it.
2. the 210 holdout messages of Datasets/support-routing, one chat completion at a time, against
   `python -m llama_cpp.server` started with the flags Tests/TestSupport/LlamaCppServer.swift uses.
   Each message is sent as Tollgate's endpoint source sends it (Sources/Harness/Evaluation/
   EndpointSource.swift): one user turn holding the prompt, the server applying the GGUF's chat
   template (which adds SmolLM2's default system turn, as Tollgate's own renderer does), temperature
   0, max_tokens 8. A GGUF without a chat template gets the raw prompt on /completions, as Tollgate
   renders it raw. Reports the wall seconds of the 210 requests and the server's peak RSS.
   The server keeps its own defaults otherwise, except logits_all, false unless LLAMACPP_LOGITS_ALL=true
   (the server's default, which the tests keep, computes logits at every prompt position; measured
   here: 79 s for the 210 requests with it, 75 s without).

    .build/llama-server-venv/bin/python Benchmarks/peers/llamacpp_eval.py [model.gguf] [holdout.jsonl]
"""
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import llama_cpp
import numpy as np

MODEL = sys.argv[1] if len(sys.argv) > 1 else "models/SmolLM2-135M-Instruct.Q4_1.gguf"
HOLDOUT = sys.argv[2] if len(sys.argv) > 2 else "Datasets/support-routing/holdout.jsonl"
THREADS, PROMPT_TOKENS, DECODE_STEPS, RUNS = 2, 16, 64, 2
READY_SECONDS, REQUEST_SECONDS = 90, 60
LOGITS_ALL = os.environ.get("LLAMACPP_LOGITS_ALL", "false")


def decode_batch1():
    llm = llama_cpp.Llama(MODEL, n_threads=THREADS, n_threads_batch=THREADS, n_ctx=256, verbose=False)
    rng = random.Random(1)
    prompt = [rng.randrange(llm.n_vocab()) for _ in range(PROMPT_TOKENS)]
    best_wall, best_counter = 0.0, 0.0
    for _ in range(RUNS):
        llm.reset()
        llm.eval(prompt)  # prefill, not timed
        llama_cpp.llama_perf_context_reset(llm.ctx)
        start = time.perf_counter()
        for _ in range(DECODE_STEPS):
            logits = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(llm.ctx, -1), shape=(llm.n_vocab(),))
            llm.eval([int(logits.argmax())])
        best_wall = max(best_wall, DECODE_STEPS / (time.perf_counter() - start))
        perf = llama_cpp.llama_perf_context(llm.ctx)
        best_counter = max(best_counter, perf.n_eval / (perf.t_eval_ms / 1000))
    llm.close()
    return {"peer": "llama.cpp", "measure": "decode_batch1", "llama_cpp_python": llama_cpp.__version__,
            "threads": THREADS, "prompt_tokens": PROMPT_TOKENS, "decode_steps": DECODE_STEPS,
            "tokens_per_second": round(best_wall, 1), "llama_perf_tokens_per_second": round(best_counter, 1)}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url, timeout):
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.status, response.read()


def has_chat_template():
    """Whether the GGUF carries tokenizer.chat_template. Without one (Gemma 3 270M's file), Tollgate renders
    the prompt raw, so the peer gets the same raw text on /completions instead of a guessed chat format."""
    llm = llama_cpp.Llama(MODEL, vocab_only=True, verbose=False)
    try:
        return bool(llm.metadata.get("tokenizer.chat_template"))
    finally:
        llm.close()


def ask(base, prompt, chat_template):
    if chat_template:
        path, body = "chat/completions", {"messages": [{"role": "user", "content": prompt}]}
    else:
        path, body = "completions", {"prompt": prompt}
    body.update({"model": "model", "max_tokens": 8, "temperature": 0, "stream": False})
    request = urllib.request.Request(f"{base}/{path}", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=REQUEST_SECONDS) as response:
        choice = json.load(response)["choices"][0]
        return choice["message"]["content"] if chat_template else choice["text"]


def peak_rss_mb(pid):
    with open(f"/proc/{pid}/status") as status:
        return int(next(l for l in status if l.startswith("VmHWM:")).split()[1]) / 1024


def routing_eval():
    examples = [json.loads(line) for line in open(HOLDOUT) if line.strip()]
    chat_template = has_chat_template()
    port = free_port()
    base = f"http://127.0.0.1:{port}/v1"
    log = tempfile.NamedTemporaryFile(prefix="llama-server-", suffix=".log", delete=False)
    server = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", MODEL, "--host", "127.0.0.1", "--port", str(port),
         "--interrupt_requests", "false", "--n_threads", str(THREADS), "--n_ctx", "2048", "--verbose", "false",
         "--logits_all", LOGITS_ALL],
        stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    launched = time.perf_counter()
    try:
        deadline = time.monotonic() + READY_SECONDS  # bounded wait for GET /v1/models
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"llama_cpp.server exited at start; see {log.name}")
            try:
                if get(f"{base}/models", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"llama_cpp.server not ready within {READY_SECONDS} s; see {log.name}")
            time.sleep(0.25)
        start = time.perf_counter()
        ready = start - launched
        answers = [ask(base, example["prompt"], chat_template) for example in examples]  # one at a time
        seconds = time.perf_counter() - start
        rss = peak_rss_mb(server.pid)
    finally:
        server.terminate()  # by its pid; SIGKILL if it has not ended after 5 s
        try:
            server.wait(timeout=5)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
    os.unlink(log.name)
    # A sanity check that the prompts are rendered sensibly, not Tollgate's em metric.
    exact = sum(a.strip() == e["completion"].strip() for a, e in zip(answers, examples))
    return {"peer": "llama.cpp-server", "measure": "support_routing_eval", "llama_cpp_python": llama_cpp.__version__,
            "threads": THREADS, "ready_seconds": round(ready, 1), "requests": len(examples), "max_tokens": 8,
            "logits_all": LOGITS_ALL == "true", "endpoint": "chat/completions" if chat_template else "completions", "wall_seconds": round(seconds, 2),
            "requests_per_second": round(len(examples) / seconds, 2), "server_peak_rss_mb": round(rss, 1),
            "exact_match_stripped": exact}


print(json.dumps(decode_batch1()), flush=True)
print(json.dumps(routing_eval()), flush=True)
