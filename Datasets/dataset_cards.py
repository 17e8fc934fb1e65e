"""The cards (README.md) of the bundled datasets, filled in from the generated examples.

Written for Tollgate, CC0-1.0.
"""

import statistics
from collections import Counter

from action_phrasings import ACTIONS
from reply_phrasings import REPLIES
from dataset_settings import ACTIONS_INSTRUCTION, REPLIES_INSTRUCTION, ROUTING_INSTRUCTION, SEED
from routing_phrasings import ROUTING


def length_row(texts):
    words = sorted(len(t.split()) for t in texts)
    p95 = words[min(len(words) - 1, int(0.95 * len(words)))]
    return f"{words[0]} / {statistics.median(words):g} / {p95} / {words[-1]}"


def message_of(example, instruction):
    return example["prompt"][len(instruction) + 2:]


def routing_card(train, holdout):
    train_counts = Counter(e["completion"] for e in train)
    holdout_counts = Counter(e["completion"] for e in holdout)
    rows = "\n".join(f"| `{label}` | {train_counts[label]} | {holdout_counts[label]} |" for label in ROUTING)
    messages = lambda split: [message_of(e, ROUTING_INSTRUCTION) for e in split]
    return f"""# support-routing

**Task.** Route a customer's message to exactly one of {len(ROUTING)} support queues. The answer is
the queue label alone, scored by exact match.

**Schema.** JSONL, one example a line: `{{"id": "routing-train-0001", "prompt": "...", "completion": "billing_refund"}}`.
Every prompt is the instruction line, a blank line, then the customer's message:

```
{ROUTING_INSTRUCTION}

<message>
```

The labels are not listed in the prompt (it keeps prompts short, so training is fast): the base
model cannot know this shop's queue names, and learning them is what the fine-tune is for.

**Size.** {len(train)} training and {len(holdout)} holdout examples. Message length in words
(min / median / p95 / max): train {length_row(messages(train))}, holdout {length_row(messages(holdout))}.

| label | train | holdout |
| --- | ---: | ---: |
{rows}

**How it was made.** `python3 Datasets/make_datasets.py` (standard library only, seed {SEED})
rebuilds both files. Each queue has hand-written core messages in two disjoint pools
(`Datasets/routing_phrasings.py`): about nine for training, four for the holdout. A message is a core
with its slots filled (order numbers, products, amounts, dates) and then wrapped in a tone — plain,
polite, angry (exclamations, capitals, a complaint) or terse (lower case, no punctuation) — with
optional greeting, context sentence, sign-off with a customer's name, line breaks and typos. Every
one of those pools is split too (training order numbers are 10000–54999, holdout ones
55000–99999; names, products, greetings and sign-offs differ), so holdout lines are new phrasings,
not template twins. Within a split, no two messages have the same words (ignoring case and punctuation).
`tollgate data check --train train.jsonl --holdout holdout.jsonl` passes (no leakage).

**Licence.** CC0-1.0, written for Tollgate.
"""


def replies_card(train, holdout):
    train_counts = Counter(e["topic"] for e in train)
    holdout_counts = Counter(e["topic"] for e in holdout)
    rows = "\n".join(f"| `{topic}` | {train_counts[topic]} | {holdout_counts[topic]} |" for topic in REPLIES)
    messages = lambda split: [message_of(e, REPLIES_INSTRUCTION) for e in split]
    replies = lambda split: [e["completion"] for e in split]
    example = next(e for e in train if "order " in e["completion"] and not e["completion"].startswith("Hi there"))
    return f"""# support-replies

**Task.** Write the reply a support agent at Larkspur (a fictional online shop) would send to a
customer's question. Scored by BLEU and chrF against the reference reply.

**Schema.** JSONL: `{{"id": "replies-train-0001", "prompt": "...", "completion": "<reply>"}}`.
Every prompt is the instruction line, a blank line, then the customer's message:

```
{REPLIES_INSTRUCTION}

<message>
```

**House style** (what a fine-tune should learn): the reply greets the customer by the name they
signed with, or "Hi there!" when they gave none, then gives the shop's one- or two-sentence answer
for the topic; when the customer quoted an order number the reply names it ("order 48213"),
otherwise it says "your order". For example:

```
{message_of(example, REPLIES_INSTRUCTION)}
→ {example["completion"]}
```

**Size.** {len(train)} training and {len(holdout)} holdout examples over {len(REPLIES)} topics.
Length in words (min / median / p95 / max): messages train {length_row(messages(train))}, holdout
{length_row(messages(holdout))}; replies train {length_row(replies(train))}, holdout {length_row(replies(holdout))}.

| topic | train | holdout |
| --- | ---: | ---: |
{rows}

**How it was made.** `python3 Datasets/make_datasets.py` (standard library only, seed {SEED})
rebuilds both files. Each topic has one house answer and hand-written customer questions in two
disjoint pools (`Datasets/reply_phrasings.py`): seven for training, four for the holdout. Questions
are wrapped as in support-routing (tone, greeting, context, sign-off, typos), and every pool —
names, order numbers, products, greetings, sign-offs — is split between training and holdout, so
holdout questions are new phrasings. The topic is not stored in the files; it is listed here for
the balance table only. `tollgate data check` passes (no leakage).

**Reference verdicts for judges.** `judge-calibration.jsonl` holds 100 replies to the first 100
holdout questions (`{{"id", "answer", "human", "kind"}}`), each with a verdict **written by the
Tollgate developers** by one rule: *pass* when the reply gives the shop's house answer for the
customer's topic — the facts and instructions of the reference reply — without contradicting it
(greeting, name and whether the order number is repeated do not matter); *fail* when it answers
another topic, answers nothing (a holding reply) or stops before the answer. The replies are built
from the references so the rule decides every line: 20 each of the reference as written (pass),
the answer behind a generic "Hello," (pass), another topic's answer (fail), a holding reply
(fail) and the greeting alone (fail) — 40 pass, 60 fail, so a judge that always says *fail* agrees
60% of the time with κ = 0. `python3 Datasets/make_judge_calibration.py` rebuilds it (seed 26);
`Experiments/support-replies-judges.yaml` measures its judges against it.

**Licence.** CC0-1.0, written for Tollgate.
"""


def actions_card(train, holdout):
    train_counts = Counter(e["action"] for e in train)
    holdout_counts = Counter(e["action"] for e in holdout)
    rows = "\n".join(f"| `{action}` | {', '.join(spec['fields'])} | {train_counts[action]} | {holdout_counts[action]} |"
                     for action, spec in ACTIONS.items())
    messages = lambda split: [message_of(e, ACTIONS_INSTRUCTION) for e in split]
    sample = train[0]
    return f"""# order-actions

**Task.** Turn a customer's request into the one JSON action an order system would run. Scored by
exact match on the JSON text, so the form is canonical: keys sorted, no spaces, order numbers and
amounts as strings without `#` or `$`, quantities as numbers, promo codes in capitals.

**Schema.** JSONL: `{{"id": "actions-train-0001", "prompt": "...", "completion": "<json>"}}`.
Every prompt is the instruction line, a blank line, then the request:

```
{ACTIONS_INSTRUCTION}

{message_of(sample, ACTIONS_INSTRUCTION)}
→ {sample["completion"]}
```

**Size.** {len(train)} training and {len(holdout)} holdout examples. Request length in words
(min / median / p95 / max): train {length_row(messages(train))}, holdout {length_row(messages(holdout))}.

| action | fields | train | holdout |
| --- | --- | ---: | ---: |
{rows}

**How it was made.** `python3 Datasets/make_datasets.py` (standard library only, seed {SEED}).
Each action has hand-written requests in two disjoint pools (`Datasets/action_phrasings.py`):
eight for training, four for the holdout, wrapped like the other datasets (tone, greeting, context,
sign-off, typos that never touch a value). Order numbers, amounts, promo codes, e-mail addresses
and quantities come from disjoint training and holdout pools, so a model has to copy values, not
remember them. `tollgate data check` passes (no leakage).

**Licence.** CC0-1.0, written for Tollgate.
"""
