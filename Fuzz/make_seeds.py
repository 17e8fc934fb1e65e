#!/usr/bin/env python3
"""Writes the seed corpora under Fuzz/corpus/<target>/: small real files of each kind, copied from
the repository's fixtures, datasets and experiments, plus synthetic files that reach the parts
those do not (every GGUF value type, every quantization type, a llama.cpp LoRA GGUF, SSE streams).
Run from the repository root: python3 Fuzz/make_seeds.py (the output is committed). Files it does
not write are kept: the regression inputs of fixed findings (regression-*) and the real store
(store/tollgate-eval.db, written by `tollgate eval` on Tests/Fixtures/tiny-llama.gguf)."""
import json, os, random, shutil, sqlite3, struct, glob

ROOT = "Fuzz/corpus"
rng = random.Random(27)

# ggml types in GGMLType.allCases order with (id, block size, bytes per block).
TYPES = [("f32", 0, 1, 4), ("f16", 1, 1, 2), ("q4_0", 2, 32, 18), ("q4_1", 3, 32, 20), ("q5_0", 6, 32, 22),
         ("q5_1", 7, 32, 24), ("q8_0", 8, 32, 34), ("q8_1", 9, 32, 36), ("q2_K", 10, 256, 84), ("q3_K", 11, 256, 110),
         ("q4_K", 12, 256, 144), ("q5_K", 13, 256, 176), ("q6_K", 14, 256, 210), ("q8_K", 15, 256, 292),
         ("iq2_xxs", 16, 256, 66), ("iq2_xs", 17, 256, 74), ("iq3_xxs", 18, 256, 98), ("iq1_s", 19, 256, 50),
         ("iq4_nl", 20, 32, 18), ("iq3_s", 21, 256, 110), ("iq2_s", 22, 256, 82), ("iq4_xs", 23, 256, 136),
         ("i8", 24, 1, 1), ("i16", 25, 1, 2), ("i32", 26, 1, 4), ("i64", 27, 1, 8), ("f64", 28, 1, 8),
         ("iq1_m", 29, 256, 56), ("bf16", 30, 1, 2), ("tq1_0", 34, 256, 54), ("tq2_0", 35, 256, 66), ("mxfp4", 39, 32, 17)]


def put(target, name, data):
    os.makedirs(f"{ROOT}/{target}", exist_ok=True)
    with open(f"{ROOT}/{target}/{name}", "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def gguf_string(s):
    b = s.encode()
    return struct.pack("<Q", len(b)) + b


def gguf_value(value):
    """(type id, bytes) of a metadata value; lists become arrays of their first element's type."""
    if isinstance(value, bool):
        return 7, struct.pack("<?", value)
    if isinstance(value, int):
        return (4, struct.pack("<I", value)) if value >= 0 else (5, struct.pack("<i", value))
    if isinstance(value, float):
        return 6, struct.pack("<f", value)
    if isinstance(value, str):
        return 8, gguf_string(value)
    kind, _ = gguf_value(value[0])
    return 9, struct.pack("<IQ", kind, len(value)) + b"".join(gguf_value(v)[1] for v in value)


def gguf(metadata, tensors, alignment=32):
    """A GGUF v3 file: metadata dict, tensors [(name, dims, type id, bytes)]."""
    out = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(metadata))
    for key, value in metadata.items():
        kind, body = gguf_value(value)
        out += gguf_string(key) + struct.pack("<I", kind) + body
    offset, data = 0, b""
    for name, dims, kind, raw in tensors:
        out += gguf_string(name) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", d) for d in dims)
        out += struct.pack("<IQ", kind, offset)
        padded = raw + b"\0" * (-len(raw) % alignment)
        data += padded
        offset += len(padded)
    out += b"\0" * (-len(out) % alignment)
    return out + data


def tiny_vocab_metadata(model="gpt2"):
    tokens = ["<s>", "</s>", "a", "b", "ab", "Ġ", "Ġa", "<|im_start|>", "<|im_end|>"]
    return {"general.architecture": "llama", "general.name": "seed", "llama.block_count": 1,
            "llama.embedding_length": 8, "llama.feed_forward_length": 16, "llama.attention.head_count": 2,
            "llama.attention.head_count_kv": 1, "llama.context_length": 32, "llama.rope.freq_base": 10000.0,
            "llama.attention.layer_norm_rms_epsilon": 1e-5, "tokenizer.ggml.model": model,
            "tokenizer.ggml.tokens": tokens, "tokenizer.ggml.token_type": [1] * 7 + [3, 3],
            "tokenizer.ggml.scores": [0.0] * len(tokens), "tokenizer.ggml.merges": ["a b", "Ġ a"],
            "tokenizer.ggml.bos_token_id": 0, "tokenizer.ggml.eos_token_id": 1, "tokenizer.ggml.add_bos_token": True,
            "tokenizer.chat_template": "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"}


def main():
    # gguf: the quantization fixture, a tiny model with a tokenizer, and one tensor of every type.
    shutil.copy("Tests/Fixtures/quant-blocks.gguf", f"{os.makedirs(f'{ROOT}/gguf', exist_ok=True) or ROOT}/gguf/quant-blocks.gguf")
    put("gguf", "tiny-vocab.gguf", gguf(tiny_vocab_metadata(), [("token_embd.weight", [8, 9], 0, bytes(8 * 9 * 4))]))
    put("gguf", "tiny-spm.gguf", gguf({**tiny_vocab_metadata("llama"), "general.alignment": 64}, []))
    put("gguf", "every-type.gguf", gguf({"general.architecture": "llama", "nested": [[1, 2], [3]], "f": [1.5, 2.5],
                                         "neg": -3, "flags": [True, False]},
                                        [(f"t.{name}", [block], kind, bytes(rng.randrange(256) for _ in range(size)))
                                         for name, kind, block, size in TYPES]))
    # quant-blocks: first byte picks the type (index in GGMLType.allCases), then two blocks.
    for index, (name, _, block, size) in enumerate(TYPES):
        put("quant-blocks", name, bytes([index]) + bytes(rng.randrange(256) for _ in range(2 * size)))
    # safetensors: the PEFT fixture and a small file of every dtype with metadata.
    shutil.copy("Tests/Fixtures/tiny-llama-lora/adapter_model.safetensors", f"{os.makedirs(f'{ROOT}/safetensors', exist_ok=True) or ROOT}/safetensors/peft.safetensors")
    header = {"__metadata__": {"format": "pt"}, "a": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]},
              "b": {"dtype": "F16", "shape": [4], "data_offsets": [16, 24]}, "c": {"dtype": "BF16", "shape": [2], "data_offsets": [24, 28]}}
    body = json.dumps(header).encode()
    put("safetensors", "dtypes.safetensors", struct.pack("<Q", len(body)) + body + bytes(rng.randrange(256) for _ in range(28)))
    # adapter: [0, config length (u16)] + adapter_config.json + adapter_model.safetensors, or [1] + LoRA GGUF.
    config = open("Tests/Fixtures/tiny-llama-lora/adapter_config.json", "rb").read()
    weights = open("Tests/Fixtures/tiny-llama-lora/adapter_model.safetensors", "rb").read()
    put("adapter", "peft", bytes([0]) + struct.pack("<H", len(config)) + config + weights)
    lora = gguf({"general.architecture": "llama", "general.type": "adapter", "adapter.type": "lora", "adapter.lora.alpha": 16.0},
                [("blk.0.attn_q.weight.lora_a", [64, 4], 0, bytes(64 * 4 * 4)), ("blk.0.attn_q.weight.lora_b", [4, 64], 0, bytes(4 * 64 * 4))])
    put("adapter", "lora-gguf", bytes([1]) + lora)
    # tokenizer: first byte picks llama-bpe, qwen2, llama-spm, phi-3; then text from llama.cpp's tests.
    for index, name in enumerate(["llama-bpe", "qwen2", "llama-spm", "phi-3"]):
        cases = open(f"Tests/Fixtures/vocab/ggml-vocab-{name}.gguf.inp", encoding="utf-8").read().split("\n__ggml_vocab_test__\n")
        for case_index, case in enumerate(rng.sample(cases, min(6, len(cases)))):
            put("tokenizer", f"{name}-{case_index}", bytes([index]) + case.encode())
    # jsonl: the first lines of each real dataset.
    for path in sorted(glob.glob("Datasets/*/*.jsonl"))[:8]:
        lines = open(path, "rb").read().split(b"\n")[:3]
        put("jsonl", path.replace("/", "_"), b"\n".join(lines) + b"\n")
    # experiment: every bundled experiment file.
    for path in sorted(glob.glob("Experiments/*.yaml")):
        shutil.copy(path, f"{os.makedirs(f'{ROOT}/experiment', exist_ok=True) or ROOT}/experiment/{os.path.basename(path)}")
    # sse (first byte: chunk size) and chat-json: what llama.cpp's server and OpenAI send.
    delta = lambda text: json.dumps({"choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}]})
    stream = "".join(f"data: {delta(t)}\n\n" for t in ["Hel", "lo"]) + ": keep-alive\r\n\r\n"
    stream += "data: " + json.dumps({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
                                      "usage": {"prompt_tokens": 9, "completion_tokens": 2}}) + "\r\n\r\ndata: [DONE]\n\n"
    put("sse", "stream", bytes([3]) + stream.encode())
    put("sse", "multiline", bytes([1]) + b"event: x\nid: 1\ndata: a\ndata: b\rretry: 5\r\n\r\ndata")
    put("chat-json", "completion", json.dumps({"id": "c", "object": "chat.completion", "choices": [
        {"index": 0, "message": {"role": "assistant", "content": "Lima"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 12, "completion_tokens": 1, "total_tokens": 13}}))
    put("chat-json", "error", json.dumps({"error": {"message": "rate limited", "type": "requests"}}))
    # template: a sample of real chat templates.
    for path in sorted(glob.glob("Tests/Fixtures/templates/jinja/*.jinja"))[::4]:
        shutil.copy(path, f"{os.makedirs(f'{ROOT}/template', exist_ok=True) or ROOT}/template/{os.path.basename(path)}")
    # report: NUL-separated strings for the report's text fields.
    hostile = ["<script>alert(1)</script>", "a | b || c", "`code` ```fence```", "</details><details open>",
               "**bold** _it_ ~~gone~~\n# heading\n- list", "www.evil.example mail@evil.example <https://evil.example>",
               "&lt;x&gt; &amp; $x^2$ \\[math\\]", "RTL \u202eevil\u202c \u0007", "graph LR; A-->B[\"x\"]", "]]><x/>"]
    put("report", "hostile", "\0".join(hostile))
    put("report", "plain", "\0".join(["All 5 rules passed.", "2026-12-06T01:19:22Z", "exact_match", "nightly run 3"]))
    # store: a foreign SQLite database and a file that only starts like one.
    os.makedirs(f"{ROOT}/store", exist_ok=True)
    if os.path.exists(f"{ROOT}/store/foreign.sqlite"):
        os.remove(f"{ROOT}/store/foreign.sqlite")
    db = sqlite3.connect(f"{ROOT}/store/foreign.sqlite")
    db.execute("PRAGMA page_size=512")
    db.execute("CREATE TABLE run(id INTEGER PRIMARY KEY, name TEXT)")
    db.execute("CREATE TABLE grdb_migrations(identifier TEXT NOT NULL PRIMARY KEY)")
    db.execute("INSERT INTO grdb_migrations VALUES ('v1')")
    db.commit()
    db.close()
    put("store", "truncated-header", b"SQLite format 3\0" + bytes(84))


if __name__ == "__main__":
    main()
