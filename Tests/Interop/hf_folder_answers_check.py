"""The SmolLM2 folder (make_hf_smollm2.py) and the GGUF it was written from, evaluated by Tollgate in
float32 on the same holdout into one store: prints how many answers are identical and exits 1 unless
all are. Usage: python hf_folder_answers_check.py STORE.db GGUF FOLDER"""
import sqlite3
import sys


def answers(db, path):
    rows = db.execute(
        "SELECT p.example_index, p.output FROM prediction p JOIN evaluation e ON p.evaluation_id = e.id "
        "JOIN model m ON e.model_id = m.id WHERE m.path = ? ORDER BY p.example_index",
        (path,)).fetchall()
    return dict(rows)


def main():
    store, gguf, folder = sys.argv[1:4]
    db = sqlite3.connect(store)
    a, b = answers(db, gguf), answers(db, folder)
    same = sum(1 for k in a if b.get(k) == a[k])
    print(f"SmolLM2 folder vs GGUF, f32: {same} of {len(a)} holdout answers identical ({len(b)} folder answers)")
    for k in sorted(a):
        if b.get(k) != a[k]:
            print(f"  example {k}: GGUF {a[k]!r} folder {b.get(k)!r}")
    sys.exit(0 if a and same == len(a) == len(b) else 1)


if __name__ == "__main__":
    main()
