#!/usr/bin/env python3
"""Rebuilds Tollgate's bundled datasets: support-routing, support-replies and order-actions.

    python3 Datasets/make_datasets.py          # writes Datasets/<name>/{train,holdout}.jsonl and README.md

Plain Python 3 standard library, deterministic (fixed seed). Every piece a message is built from —
core phrasing, greeting, sign-off, tone sentence, customer name, product, order number, amount,
time phrase — comes from a pool split in two: training lines draw only from the TRAIN pools and
holdout lines only from the HOLDOUT pools, so a holdout line is a new phrasing rather than a
template twin of a training line. Written for Tollgate, CC0-1.0.
"""

import json
import os
import random
import re

from action_phrasings import ACTIONS, CODES, EMAIL_DOMAINS, EMAIL_USERS, QUANTITIES
from dataset_cards import actions_card, replies_card, routing_card
from dataset_settings import ACTIONS_INSTRUCTION, REPLIES_INSTRUCTION, ROUTING_INSTRUCTION, SEED
from reply_phrasings import REPLIES
from routing_phrasings import ROUTING

HERE = os.path.dirname(os.path.abspath(__file__))

ROUTING_TRAIN_PER_LABEL = 42
ROUTING_HOLDOUT_PER_LABEL = 14
REPLIES_TRAIN_PER_TOPIC = 23
REPLIES_HOLDOUT_PER_TOPIC = 9
ACTIONS_TRAIN_PER_ACTION = 60
ACTIONS_HOLDOUT_PER_ACTION = 20

# Pools: (train, holdout), disjoint.
GREETINGS = (
    ["Hi,", "Hello,", "Hey there,", "Good morning,", "Hi team,", "Dear support,", "hiya", "Hello there!"],
    ["Hi folks,", "Good afternoon,", "Hey,", "Dear customer service,", "Greetings,", "Evening!"],
)
SIGNOFFS_NAMED = (
    ["Thanks, {name}", "Regards, {name}", "Many thanks, {name}", "- {name}", "Cheers, {name}"],
    ["Best, {name}", "Kind regards, {name}", "Appreciate it, {name}", "Sincerely, {name}"],
)
SIGNOFFS_PLAIN = (
    ["Thank you!", "Cheers", "Thanks in advance.", "thanks"],
    ["Thx", "Talk soon.", "Much appreciated!"],
)
ANGRY = (
    ["This is ridiculous.", "I am really fed up.", "Sort this out now.", "Worst service ever.",
     "I expect a reply today!", "Not happy at all."],
    ["Absolutely unacceptable.", "I'm losing my patience here.", "Fix it or I'm going elsewhere.",
     "Honestly so frustrating."],
)
POLITE = (
    ["Sorry to bother you.", "I hope you can help.", "I'd be grateful for your help.",
     "Thanks for looking into this."],
    ["Apologies if this is the wrong place to ask.", "Any help would be lovely.",
     "Hope you're having a good day."],
)
CONTEXT = (
    ["I've been a customer for years.", "This is the second time I'm writing about this.",
     "I ordered through your website.", "I already checked the FAQ."],
    ["I usually love shopping with you.", "I already tried the help pages.",
     "My friend recommended your store."],
)
NAMES = (
    ["Maria", "James", "Aisha", "Tom", "Priya", "Lukas", "Chen", "Sofia", "Daniel", "Fatima",
     "Oliver", "Grace", "Mateo", "Hannah", "Kwame", "Elena"],
    ["Noah", "Yuki", "Ingrid", "Samir", "Chloe", "Diego", "Amara", "Felix", "Rosa", "Tariq"],
)
PRODUCTS = (
    ["blender", "desk lamp", "toaster", "winter coat", "coffee grinder", "phone case",
     "yoga mat", "bluetooth speaker", "backpack", "office chair", "kettle", "air fryer"],
    ["electric toothbrush", "rain jacket", "bookshelf", "hair dryer", "wall clock",
     "gaming mouse", "duvet set", "water bottle"],
)
WHEN = (
    ["last week", "yesterday", "on Monday", "two days ago", "at the start of the month"],
    ["last Tuesday", "over the weekend", "three days ago", "this morning"],
)
AMOUNT_RANGES = ((10, 160), (161, 300))
ORDER_RANGES = ((10000, 54999), (55000, 99999))


class Pools:
    """Draws slot values and wrappers from one side (0 = train, 1 = holdout) of every pool."""

    def __init__(self, side, rng):
        self.side, self.rng = side, rng

    def pick(self, pool):
        return self.rng.choice(pool[self.side])

    def order(self):
        low, high = ORDER_RANGES[self.side]
        number = str(self.rng.randint(low, high))
        return "#" + number if self.rng.random() < 0.4 else number

    def amount(self):
        low, high = AMOUNT_RANGES[self.side]
        return f"${self.rng.randint(low, high)}.{self.rng.choice(['00', '49', '99', '95'])}"

    def fill(self, core):
        values = {}
        text = core
        if "{order}" in core:
            values["order"] = self.order()
        if "{product}" in core:
            values["product"] = self.pick(PRODUCTS)
        if "{amount}" in core:
            values["amount"] = self.amount()
        if "{when}" in core:
            values["when"] = self.pick(WHEN)
        for key, value in values.items():
            text = text.replace("{" + key + "}", value)
        return text, values


def add_typos(text, rng, count):
    """Swaps, drops or doubles letters in `count` words of four letters or more."""
    words = text.split(" ")
    candidates = [i for i, w in enumerate(words) if re.fullmatch(r"[A-Za-z]{4,}[.,!?]?", w)]
    for index in rng.sample(candidates, min(count, len(candidates))):
        word = words[index]
        letters = len(word.rstrip(".,!?"))
        at = rng.randint(1, letters - 2)
        kind = rng.choice(["swap", "drop", "double"])
        if kind == "swap":
            word = word[:at] + word[at + 1] + word[at] + word[at + 2:]
        elif kind == "drop":
            word = word[:at] + word[at + 1:]
        else:
            word = word[:at] + word[at] + word[at:]
        words[index] = word
    return " ".join(words)


def terse(text):
    return text.lower().rstrip(".!?")


def wrap_message(core_text, pools, rng, shout=True):
    """Surrounds a filled core with a tone, greeting, context and sign-off; returns (message, name)."""
    tone = rng.choices(["plain", "polite", "angry", "terse"], weights=[4, 2, 2, 2])[0]
    name = None
    if tone == "terse":
        message = terse(core_text) if rng.random() < 0.7 else core_text
        if rng.random() < 0.3:
            message = add_typos(message, rng, 1)
        return message, None
    parts = []
    opens_with_greeting = re.match(r"(hi|hello|hey)\b", core_text, re.IGNORECASE) is not None
    if rng.random() < 0.55 and not opens_with_greeting:
        parts.append(pools.pick(GREETINGS))
    if tone == "polite" and rng.random() < 0.6:
        parts.append(pools.pick(POLITE))
    if rng.random() < 0.2:
        parts.append(pools.pick(CONTEXT))
    body = core_text
    if body[-1].isalnum():
        # A core typed without a full stop still ends its sentence before a sign-off or complaint.
        body += "!" if tone == "angry" else "."
    if tone == "angry":
        if rng.random() < 0.4:
            body = body.rstrip(".") + ("!!" if rng.random() < 0.5 else "!")
        if shout and rng.random() < 0.25:
            body = body.upper()
    parts.append(body)
    if tone == "angry":
        parts.append(pools.pick(ANGRY))
    elif tone == "polite" and rng.random() < 0.5:
        closing = pools.pick(POLITE)
        if closing not in parts:
            parts.append(closing)
    if rng.random() < 0.2:
        # Typos go in what the customer typed, never in the name they sign with.
        parts = add_typos("\u0000".join(parts), rng, rng.choice([1, 2])).split("\u0000")
    roll = rng.random()
    if roll < 0.35:
        name = pools.pick(NAMES)
        parts.append(pools.pick(SIGNOFFS_NAMED).format(name=name))
    elif roll < 0.55:
        parts.append(pools.pick(SIGNOFFS_PLAIN))
    separator = "\n" if rng.random() < 0.25 else " "
    return separator.join(parts), name


def normalised(text):
    """Lower-case words without punctuation: messages equal under this key count as one."""
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def build_unique(count, make, seen):
    """Calls `make()` until it has `count` examples whose message has not been seen in this split."""
    made, attempts = [], 0
    while len(made) < count:
        attempts += 1
        if attempts > count * 50:
            raise RuntimeError("could not build enough distinct messages; add phrasings")
        message, example = make()
        key = normalised(message)
        if key in seen:
            continue
        seen.add(key)
        made.append(example)
    return made


def routing_split(side, per_label, rng):
    pools = Pools(side, rng)
    name = ("train", "holdout")[side]
    seen, examples = set(), []
    for label, phrasings in ROUTING.items():
        cores = phrasings[name]
        cycle = iter(range(10**6))

        def make():
            core = cores[next(cycle) % len(cores)]
            filled, _ = pools.fill(core)
            message, _ = wrap_message(filled, pools, rng)
            return message, {"prompt": f"{ROUTING_INSTRUCTION}\n\n{message}", "completion": label}

        examples += build_unique(per_label, make, seen)
    return finish(examples, f"routing-{name}", rng)


def reply_for(topic, values, name):
    order_ref = f"order {values['order']}" if "order" in values else "your order"
    answer = REPLIES[topic]["answer"].replace("{order_ref}", order_ref)
    return f"Hi {name or 'there'}! {answer}"


def replies_split(side, per_topic, rng):
    pools = Pools(side, rng)
    name = ("train", "holdout")[side]
    seen, examples = set(), []
    for topic, phrasings in REPLIES.items():
        cores = phrasings[name]
        cycle = iter(range(10**6))

        def make():
            core = cores[next(cycle) % len(cores)]
            filled, values = pools.fill(core)
            message, customer = wrap_message(filled, pools, rng)
            return message, {"prompt": f"{REPLIES_INSTRUCTION}\n\n{message}",
                             "completion": reply_for(topic, values, customer), "topic": topic}

        examples += build_unique(per_topic, make, seen)
    return finish(examples, f"replies-{name}", rng)


def action_values(pools, rng):
    """Slot values for an order action: what the customer types and what the JSON holds."""
    side = pools.side
    order = pools.order()
    low, high = AMOUNT_RANGES[side]
    amount = f"{rng.randint(low, high)}.{rng.choice(['00', '50', '99', '25'])}"
    code = rng.choice(CODES[side])
    email = f"{rng.choice(EMAIL_USERS[side])}@{rng.choice(EMAIL_DOMAINS[side])}"
    quantity = rng.choice(QUANTITIES[side])
    typed = {"order": order, "amount": amount, "code": code if rng.random() < 0.8 else code.lower(),
             "email": email, "qty": str(quantity)}
    canonical = {"order": order.lstrip("#"), "amount": amount, "code": code, "email": email, "quantity": quantity}
    return typed, canonical


def actions_split(side, per_action, rng):
    pools = Pools(side, rng)
    name = ("train", "holdout")[side]
    seen, examples = set(), []
    for action, spec in ACTIONS.items():
        cores = spec[name]
        cycle = iter(range(10**6))

        def make():
            core = cores[next(cycle) % len(cores)]
            typed, canonical = action_values(pools, rng)
            filled = core
            for key, value in typed.items():
                filled = filled.replace("{" + key + "}", value)
            message, _ = wrap_message(filled, pools, rng, shout=False)
            fields = {"action": action, **{field: canonical[field] for field in spec["fields"]}}
            completion = json.dumps(fields, sort_keys=True, separators=(",", ":"))
            return message, {"prompt": f"{ACTIONS_INSTRUCTION}\n\n{message}", "completion": completion,
                             "action": action}

        examples += build_unique(per_action, make, seen)
    return finish(examples, f"actions-{name}", rng)


def finish(examples, prefix, rng):
    rng.shuffle(examples)
    return [{"id": f"{prefix}-{i + 1:04d}", **example} for i, example in enumerate(examples)]


def write_jsonl(path, examples, keep=("id", "prompt", "completion")):
    temporary = path + ".partial"
    with open(temporary, "w", encoding="utf-8") as handle:
        for example in examples:
            record = {key: example[key] for key in keep}
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def write_text(path, text):
    temporary = path + ".partial"
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def main():
    rng = random.Random(SEED)
    datasets = {
        "support-routing": (routing_split(0, ROUTING_TRAIN_PER_LABEL, rng),
                            routing_split(1, ROUTING_HOLDOUT_PER_LABEL, rng), routing_card),
        "support-replies": (replies_split(0, REPLIES_TRAIN_PER_TOPIC, rng),
                            replies_split(1, REPLIES_HOLDOUT_PER_TOPIC, rng), replies_card),
        "order-actions": (actions_split(0, ACTIONS_TRAIN_PER_ACTION, rng),
                          actions_split(1, ACTIONS_HOLDOUT_PER_ACTION, rng), actions_card),
    }
    for name, (train, holdout, card) in datasets.items():
        folder = os.path.join(HERE, name)
        os.makedirs(folder, exist_ok=True)
        write_jsonl(os.path.join(folder, "train.jsonl"), train)
        write_jsonl(os.path.join(folder, "holdout.jsonl"), holdout)
        write_text(os.path.join(folder, "README.md"), card(train, holdout))
        print(f"{name}: {len(train)} train, {len(holdout)} holdout")


if __name__ == "__main__":
    main()
