"""A model folder re-saved in bfloat16 over two shards (model.safetensors.index.json), for the
memory-mapping check of issue 28. Usage: python make_sharded_folder.py FOLDER OUT_DIR"""
import sys

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer


def main():
    source, out = sys.argv[1], sys.argv[2]
    model = AutoModelForCausalLM.from_pretrained(source, dtype=torch.bfloat16)
    total = sum(p.numel() * p.element_size() for p in model.parameters())
    model.save_pretrained(out, max_shard_size=total // 2 + (1 << 20))
    AutoTokenizer.from_pretrained(source).save_pretrained(out)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
