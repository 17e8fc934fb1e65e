"""Peak resident memory of loading a model folder (issue 28): `tollgate generate --max-tokens 1` on
FOLDER in each precision, its peak RSS (the child's ru_maxrss) beside the Float32 size of the folder's
weights (4 bytes × every parameter in the safetensors headers). Loading reaches the peak, not the
one-token forward (the forward's activations and cache are a few MB), so the process peak is the
peak before the first forward. Exit 1 when the f32 run needs more than the Float32 weights + 10%.

usage: python3 folder_load_memory.py TOLLGATE FOLDER   (plain python3; FOLDER e.g. the 2-shard bf16 SmolLM2)
"""
import json
import os
import struct
import subprocess
import sys


def parameters(folder):
    count = 0
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".safetensors"):
            continue
        with open(os.path.join(folder, name), "rb") as handle:
            header = json.loads(handle.read(struct.unpack("<Q", handle.read(8))[0]))
        for key, entry in header.items():
            if key != "__metadata__":
                size = 1
                for dimension in entry["shape"]:
                    size *= dimension
                count += size
    return count


def peak_kib(tollgate, folder, precision):
    child = subprocess.Popen([tollgate, "generate", "--model", folder, "--precision", precision, "--max-tokens", "1", "hi"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    if status != 0:
        sys.exit(f"tollgate generate --precision {precision} failed: {child.stderr.read().decode().strip()}")
    return usage.ru_maxrss  # KiB on Linux


def main():
    tollgate, folder = sys.argv[1], sys.argv[2]
    float32_kib = parameters(folder) * 4 / 1024
    shards = [name for name in os.listdir(folder) if name.endswith(".safetensors")]
    print(f"{folder}: {len(shards)} shard(s), Float32 weights {float32_kib:,.0f} KiB")
    worst = None
    for precision in ["f32", "bf16", "int8"]:
        peak = peak_kib(tollgate, folder, precision)
        print(f"  --precision {precision:4}: peak RSS {peak:,} KiB = {peak / float32_kib:.3f} × the Float32 weights")
        if precision == "f32":
            worst = peak / float32_kib
    sys.exit(0 if worst <= 1.10 else 1)


if __name__ == "__main__":
    main()
