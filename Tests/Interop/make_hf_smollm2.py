"""SmolLM2-135M-Instruct as a Hugging Face folder, written by transformers from the default GGUF
(issue 28): from_pretrained(gguf_file=...) dequantizes the Q4_1 weights to float32, then the model
and the tokenizer transformers builds from the GGUF vocabulary are saved with save_pretrained.
transformers refuses to save a model it loaded from GGUF, so the weights are moved into a model
made from the same config first. About 540 MB; the Makefile writes it under .build.

Usage: python make_hf_smollm2.py MODEL.gguf OUT_DIR
"""
import os
import sys

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer


def main():
    gguf, out = sys.argv[1], sys.argv[2]
    folder, name = os.path.split(os.path.abspath(gguf))
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    loaded = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32)
    config = loaded.config
    if hasattr(config, "quantization_config"):
        delattr(config, "quantization_config")
    model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    result = model.load_state_dict(loaded.state_dict(), strict=True)
    assert not result.missing_keys and not result.unexpected_keys, result
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
