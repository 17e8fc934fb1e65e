"""PyTorch + PEFT LoRA training throughput: the peer of `tollgate bench`'s training line.

Same shape as Sources/Training/Loop/TrainingBenchmark.swift: the model's architecture (read from
the GGUF's metadata; llama or gemma3), float32, LoRA rank 8, alpha 16, dropout 0 on q_proj and v_proj, AdamW
(lr 1e-4, betas 0.9/0.999, eps 1e-8, no weight decay), batch 8 x 128 random tokens, the loss on
every next-token position, 2 threads; one warm-up step, then the best of 3 timed steps, each step
= forward, backward, optimizer update. tokens/s = 8 * 128 / best step seconds, as in the Swift bench.
Weights are random: speed does not depend on their values.

    .build/interop-venv/bin/python Benchmarks/peers/pytorch_peft_training.py [model.gguf]
"""
import json
import sys
import time
import warnings

import gguf
import peft
import torch
import transformers

MODEL = sys.argv[1] if len(sys.argv) > 1 else "models/SmolLM2-135M-Instruct.Q4_1.gguf"
BATCH, SEQUENCE, WARMUP, TIMED = 8, 128, 1, 3


def model_config(path):
    """A transformers config with the GGUF's shape (tied embeddings when it has no output.weight):
    LlamaConfig for `llama`, Gemma3TextConfig for `gemma3` (head width from attention.key_length,
    its sliding window and query_pre_attn_scalar = head width, as Gemma 3 270M sets it)."""
    reader = gguf.GGUFReader(path)
    arch = reader.fields["general.architecture"].contents()
    meta = {name[len(arch) + 1:]: field.contents() for name, field in reader.fields.items()
            if name.startswith(arch + ".")}
    common = dict(
        hidden_size=meta["embedding_length"],
        num_hidden_layers=meta["block_count"],
        num_attention_heads=meta["attention.head_count"],
        num_key_value_heads=meta["attention.head_count_kv"],
        intermediate_size=meta["feed_forward_length"],
        vocab_size=meta.get("vocab_size", len(reader.fields["tokenizer.ggml.tokens"].data)),
        rope_theta=meta["rope.freq_base"],
        rms_norm_eps=meta["attention.layer_norm_rms_epsilon"],
        max_position_embeddings=meta["context_length"],
        tie_word_embeddings=not any(t.name == "output.weight" for t in reader.tensors),
    )
    if arch == "llama":
        return transformers.LlamaConfig(**common), transformers.LlamaForCausalLM
    if arch == "gemma3":
        head = meta["attention.key_length"]
        config = transformers.Gemma3TextConfig(**common, head_dim=head, query_pre_attn_scalar=head,
                                               sliding_window=meta["attention.sliding_window"])
        return config, transformers.Gemma3ForCausalLM
    sys.exit(f"{path}: architecture {arch} has no peer config here (llama, gemma3)")


def peak_rss_mb():
    """VmHWM of this process, as the Swift bench reports its own."""
    with open("/proc/self/status") as status:
        line = next(l for l in status if l.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


warnings.filterwarnings("ignore", category=FutureWarning)  # transformers' deprecation notes
torch.set_num_threads(2)
torch.manual_seed(1)
config, model_class = model_config(MODEL)
model = model_class(config).to(torch.float32)
lora = peft.LoraConfig(r=8, lora_alpha=16, lora_dropout=0.0, target_modules=["q_proj", "v_proj"],
                       bias="none", task_type="CAUSAL_LM")
model = peft.get_peft_model(model, lora)
model.train()
optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4,
                              betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
tokens = torch.randint(0, config.vocab_size, (BATCH, SEQUENCE))

best = float("inf")
for step in range(WARMUP + TIMED):
    start = time.perf_counter()
    optimizer.zero_grad(set_to_none=True)
    # labels = inputs: transformers shifts them, so every position but the last predicts the next token.
    loss = model(input_ids=tokens, labels=tokens).loss
    loss.backward()
    optimizer.step()
    seconds = time.perf_counter() - start
    if step >= WARMUP:
        best = min(best, seconds)

print(json.dumps({
    "peer": "pytorch+peft", "torch": torch.__version__, "transformers": transformers.__version__,
    "peft": peft.__version__, "threads": torch.get_num_threads(),
    "attention": model.base_model.model.config._attn_implementation,
    "batch": BATCH, "sequence_length": SEQUENCE, "seconds_per_step": round(best, 4),
    "tokens_per_second": round(BATCH * SEQUENCE / best, 1), "peak_rss_mb": round(peak_rss_mb(), 1),
}))
