#!/usr/bin/env python3
"""Makes the general-ability multiple-choice subsets Tollgate's forgetting guard scores.

    python3 Datasets/make_general_subsets.py HELLASWAG_VAL_FULL_TXT[.bz2] PIQA_DATA_DIR [--seed 2026]

HELLASWAG_VAL_FULL_TXT: github.com/klosax/hellaswag_text_data hellaswag_val_full.txt(.bz2), 6 lines a
task (activity_label + ": " + ctx, gold label, four endings), 10,042 validation tasks.
PIQA_DATA_DIR: github.com/ybisk/ybisk.github.io piqa/data, with valid.jsonl and valid-labels.lst (1,838).

Writes, for each set, Datasets/<set>/validation-1000.jsonl (a seeded subset stratified by gold label)
and Datasets/<set>/guard-<N>.jsonl (the first N of that subset's seeded order, also stratified: the
demo's guard). Lines are Tollgate's multiple-choice format {"id", "context", "choices", "label"}, the
request lm-evaluation-harness builds: context, then " " + choice (target_delimiter " ").
"""
import argparse, bz2, json, os, random, re, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def hellaswag_preprocess(text):
    """lm_eval/tasks/hellaswag/utils.py `preprocess`, verbatim."""
    text = text.strip()
    text = text.replace(" [title]", ". ")
    text = re.sub("\\[.*?\\]", "", text)
    text = text.replace("  ", " ")
    return text


def capitalize_trailing_fragment(context):
    """lm-eval's query is activity_label + ": " + ctx_a + " " + ctx_b.capitalize(); the text file holds
    ctx = ctx_a + " " + ctx_b, so ctx_b's first letter is restored from the sentence fragment the
    context ends with (ActivityNet items end in a lower-case fragment such as "he" or "the lady";
    WikiHow items have an empty ctx_b and end with a full stop). Only the first letter is changed."""
    cut = context.rfind(". ")
    if cut < 0:
        return context
    head, fragment = context[:cut + 2], context[cut + 2:]
    if fragment and fragment[0].islower():
        fragment = fragment[0].upper() + fragment[1:]
    return head + fragment


def read_hellaswag(path):
    opener = bz2.open if path.endswith(".bz2") else open
    with opener(path, "rt", encoding="utf-8") as f:
        lines = f.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if len(lines) % 6:
        sys.exit(f"{path}: {len(lines)} lines, not 6 per task")
    items = []
    for t in range(len(lines) // 6):
        block = lines[6 * t: 6 * t + 6]
        context = capitalize_trailing_fragment(hellaswag_preprocess(block[0]))
        items.append({"id": f"hellaswag-val-{t}", "context": context,
                      "choices": [hellaswag_preprocess(e) for e in block[2:6]], "label": int(block[1])})
    return items


def read_piqa(folder):
    with open(os.path.join(folder, "valid.jsonl"), encoding="utf-8") as f:
        docs = [json.loads(line) for line in f if line.strip()]
    with open(os.path.join(folder, "valid-labels.lst"), encoding="utf-8") as f:
        labels = [int(line) for line in f if line.strip()]
    if len(docs) != len(labels):
        sys.exit(f"{folder}: {len(docs)} questions but {len(labels)} labels")
    # lm_eval/tasks/piqa/piqa.yaml: doc_to_text "Question: {{goal}}\nAnswer:", doc_to_choice [sol1, sol2].
    return [{"id": f"piqa-valid-{i}", "context": f"Question: {d['goal']}\nAnswer:",
             "choices": [d["sol1"], d["sol2"]], "label": label}
            for i, (d, label) in enumerate(zip(docs, labels))]


def stratified_order(items, seed):
    """A seeded order of `items` whose every prefix keeps the gold labels' proportions (largest
    remainder): each label's items are shuffled, then dealt out by how far each label is behind."""
    rng = random.Random(seed)
    by_label = {}
    for item in items:
        by_label.setdefault(item["label"], []).append(item)
    for group in by_label.values():
        rng.shuffle(group)
    total = len(items)
    taken = {label: 0 for label in by_label}
    order = []
    for n in range(1, total + 1):
        # the label furthest below its share of the first n items (ties: the smaller label)
        label = max(sorted(by_label), key=lambda l: len(by_label[l]) * n / total - taken[l])
        order.append(by_label[label][taken[label]])
        taken[label] += 1
    return order


def write_jsonl(path, items):
    folder = os.path.dirname(path)
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".partial")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        for item in items:
            f.write(json.dumps(item, ensure_ascii=False) + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("hellaswag", help="hellaswag_val_full.txt or .txt.bz2")
    parser.add_argument("piqa", help="folder with PIQA's valid.jsonl and valid-labels.lst")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--guard-size", type=int, default=200)
    args = parser.parse_args()
    for name, items in (("hellaswag", read_hellaswag(args.hellaswag)), ("piqa", read_piqa(args.piqa))):
        order = stratified_order(items, args.seed)
        subset = order[:args.size]
        # Source order inside each file, so a diff against the source reads naturally; the guard is
        # the first guard-size of the stratified order, so it is nested in the 1,000.
        position = {item["id"]: i for i, item in enumerate(items)}
        write_jsonl(os.path.join(HERE, name, f"validation-{args.size}.jsonl"),
                    sorted(subset, key=lambda item: position[item["id"]]))
        write_jsonl(os.path.join(HERE, name, f"guard-{args.guard_size}.jsonl"),
                    sorted(order[:args.guard_size], key=lambda item: position[item["id"]]))
        counts = {}
        for item in subset:
            counts[item["label"]] = counts.get(item["label"], 0) + 1
        print(f"{name}: {len(items)} items, subset {len(subset)} labels {dict(sorted(counts.items()))}")


if __name__ == "__main__":
    main()
