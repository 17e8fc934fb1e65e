"""Writes Datasets/support-replies/judge-calibration.jsonl: 100 replies to the first 100 holdout
questions, each with the verdict the Tollgate developers give it by the rule below, for measuring
how far a judge of support-replies agrees with people (Cohen's kappa in `tollgate run`'s report).

The rule (a reply is judged on substance, not on style):
  PASS when the reply gives the shop's house answer for the customer's topic -- the facts and
       instructions of the reference reply -- without contradicting it; the greeting, the name and
       whether the order number is repeated do not matter.
  FAIL when it answers another topic, answers nothing (a holding reply), or stops before the answer.

The replies are made from the references so the verdict follows from the rule for every line, five
kinds in a seeded order (20 each):
  reference     the reference reply as written                               -> PASS
  restyled      the house answer behind a generic "Hello," greeting           -> PASS
  other-topic   the greeting, then another topic's house answer              -> FAIL
  holding       the greeting, then "we'll look into it and get back to you"  -> FAIL
  greeting-only the greeting alone                                           -> FAIL
The kind is stored beside each line. Standard library only; `python3 Datasets/make_judge_calibration.py`.
"""
import json
import random
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
HOLDOUT = HERE / "support-replies" / "holdout.jsonl"
OUT = HERE / "support-replies" / "judge-calibration.jsonl"
KINDS = ["reference", "restyled", "other-topic", "holding", "greeting-only"]
VERDICT = {"reference": "pass", "restyled": "pass", "other-topic": "fail", "holding": "fail", "greeting-only": "fail"}


def split_greeting(reply):
    """'Hi Kwame! Body...' -> ('Hi Kwame!', 'Body...')."""
    greeting, _, body = reply.partition("! ")
    return greeting + "!", body


def topic_key(body):
    """The house answer with the order reference neutralised: equal for replies of one topic."""
    return re.sub(r"order \d+", "your order", body)


def main():
    examples = [json.loads(line) for line in HOLDOUT.read_text().splitlines() if line.strip()]
    chosen = examples[:100]
    rng = random.Random(26)
    kinds = [KINDS[i % len(KINDS)] for i in range(len(chosen))]
    rng.shuffle(kinds)
    bodies = sorted({topic_key(split_greeting(e["completion"])[1]) for e in examples})
    lines = []
    for example, kind in zip(chosen, kinds):
        greeting, body = split_greeting(example["completion"])
        if kind == "reference":
            answer = example["completion"]
        elif kind == "restyled":
            keep = body.split(" ", 1)[0] in ("I", "I'm", "I'll", "I've", "I'd")
            answer = "Hello, " + (body if keep else body[0].lower() + body[1:])
        elif kind == "other-topic":
            others = [b for b in bodies if b != topic_key(body)]
            answer = greeting + " " + rng.choice(others)
        elif kind == "holding":
            answer = greeting + " Thanks for getting in touch. We'll look into it and get back to you soon."
        else:
            answer = greeting
        lines.append(json.dumps({"id": example["id"], "answer": answer, "human": VERDICT[kind], "kind": kind}, ensure_ascii=False))
    OUT.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
