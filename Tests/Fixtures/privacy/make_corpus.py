#!/usr/bin/env python3
"""Writes corpus.jsonl: support messages with planted personal data beside look-alikes.

Deterministic (random.Random(16)); run `python3 make_corpus.py` here to regenerate the same file.
Every value is invented: example.* domains, 555 and Ofcom/ACMA drama phone ranges, test card
prefixes with computed Luhn digits, IBANs with computed mod-97 check digits, documentation IP ranges.
"""
import json
import random

rng = random.Random(16)


def digits(n):
    return "".join(rng.choice("0123456789") for _ in range(n))


def luhn_digit(body):
    for d in range(10):
        total = 0
        for i, c in enumerate(reversed(body + str(d))):
            v = int(c)
            if i % 2 == 1:
                v *= 2
                v -= 9 if v > 9 else 0
            total += v
        if total % 10 == 0:
            return str(d)


def iban_check(country, bban):
    text = bban + country + "00"
    number = int("".join(str(int(c, 36)) for c in text))
    return "%02d" % (98 - number % 97)


def group(text, sizes, sep):
    out, i = [], 0
    for s in sizes:
        out.append(text[i:i + s])
        i += s
    return sep.join(out)


# --- planted items, by kind -------------------------------------------------------------------
FIRST = ["ann", "bo", "carla", "dmitri", "eve", "farah", "gus", "hana", "ivan", "jo", "kemal", "lena"]
LAST = ["smith", "okafor", "nguyen", "muller", "rossi", "tanaka", "silva", "kowalski", "haddad", "berg"]


def email():
    f, l = rng.choice(FIRST), rng.choice(LAST)
    return rng.choice([
        f"{f}.{l}@example.com", f"{f}{rng.randint(1, 99)}@mail.example.org", f"{f}.{l}+orders@example.co.uk",
        f"{f.upper()}@Example.NET", f"{f}_{l}@support.example.io", f"{f}-{l}@example.de",
    ])


def phone():
    return rng.choice([
        lambda: f"({rng.randint(201, 989)}) 555-01{digits(2)}",
        lambda: f"{rng.randint(201, 989)}-555-01{digits(2)}",
        lambda: f"{rng.randint(201, 989)}.555.01{digits(2)}",
        lambda: f"+1 {rng.randint(201, 989)} 555 01{digits(2)}",
        lambda: f"+1-{rng.randint(201, 989)}-555-01{digits(2)}",
        lambda: f"1 800 555 01{digits(2)}",
        lambda: f"+44 20 7946 0{digits(3)}",
        lambda: f"020 7946 0{digits(3)}",
        lambda: f"+44 7700 900{digits(3)}",
        lambda: f"07700 900{digits(3)}",
        lambda: f"+49 30 {digits(7)}",
        lambda: f"030 {digits(7)}",
        lambda: f"+49 (0)30 {digits(7)}",
        lambda: f"0151 {digits(8)}",
        lambda: f"+33 1 {digits(2)} {digits(2)} {digits(2)} {digits(2)}",
        lambda: f"01 {digits(2)} {digits(2)} {digits(2)} {digits(2)}",
        lambda: f"06.{digits(2)}.{digits(2)}.{digits(2)}.{digits(2)}",
        lambda: f"03-{digits(4)}-{digits(4)}",
        lambda: f"+81 3-{digits(4)}-{digits(4)}",
        lambda: f"0412 {digits(3)} {digits(3)}",
        lambda: f"+61 2 {digits(4)} {digits(4)}",
        lambda: f"+91 98{digits(3)} {digits(5)}",
        lambda: f"+4915{digits(9)}",
    ])()


def card_number(valid):
    prefix, length, sizes = rng.choice([
        ("4", 16, [4, 4, 4, 4]), ("51", 16, [4, 4, 4, 4]), ("55", 16, [4, 4, 4, 4]), ("2221", 16, [4, 4, 4, 4]),
        ("34", 15, [4, 6, 5]), ("37", 15, [4, 6, 5]), ("6011", 16, [4, 4, 4, 4]), ("35", 16, [4, 4, 4, 4]),
    ])
    body = prefix + digits(length - len(prefix) - 1)
    check = luhn_digit(body)
    if not valid:
        check = str((int(check) + rng.randint(1, 9)) % 10)
    number = body + check
    return rng.choice([number, group(number, sizes, " "), group(number, sizes, "-")])


def iban(valid):
    country, bban = rng.choice([
        ("DE", lambda: digits(18)), ("GB", lambda: rng.choice(["WEST", "NWBK", "BARC"]) + digits(14)),
        ("FR", lambda: digits(23)), ("NL", lambda: rng.choice(["ABNA", "INGB", "RABO"]) + digits(10)),
        ("ES", lambda: digits(20)), ("IT", lambda: "X" + digits(22)), ("BE", lambda: digits(12)),
        ("CH", lambda: digits(17)),
    ])
    bban = bban()
    check = iban_check(country, bban)
    if not valid:
        check = "%02d" % ((int(check) + rng.randint(1, 96)) % 97)
        if check in ("00", "01"):
            check = "%02d" % (int(check) + 2)
    text = country + check + bban
    if rng.random() < 0.5:
        return " ".join(text[i:i + 4] for i in range(0, len(text), 4))
    return text


def ip():
    return rng.choice([
        lambda: f"203.0.113.{rng.randint(1, 254)}",
        lambda: f"198.51.100.{rng.randint(0, 255)}",
        lambda: f"192.168.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
        lambda: f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
        lambda: f"2001:db8:{rng.randint(0, 65535):x}::{rng.randint(1, 65535):x}",
        lambda: f"2001:0db8:85a3:0000:0000:8a2e:{rng.randint(0, 65535):04x}:7334",
        lambda: f"fe80::{rng.randint(256, 65535):x}:{rng.randint(256, 65535):x}",
        lambda: f"::ffff:192.0.2.{rng.randint(1, 254)}",
    ])()


def secret():
    return "".join(rng.choice("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(rng.randint(10, 24)))


def url_credentials():
    """(the URL as written, the credential inside it)"""
    user, pw, token = rng.choice(FIRST), secret(), secret()
    return rng.choice([
        (f"https://{user}:{pw}@git.example.com/shop/api.git", f"{user}:{pw}"),
        (f"postgres://admin:{pw}@db.example.net:5432/orders", f"admin:{pw}"),
        (f"ftp://{user}:{pw}@files.example.org/incoming/", f"{user}:{pw}"),
        (f"https://api.example.com/v1/export?token={token}&format=csv", token),
        (f"https://hooks.example.com/callback?id=42&api_key={token}", token),
        (f"https://example.com/reset?user={user}&password={pw}", pw),
    ])


# --- look-alikes, by category ------------------------------------------------------------------
def lookalike():
    category = rng.choice(["order", "price", "date", "version", "card_invalid", "iban_invalid", "other"])
    make = {
        "order": lambda: rng.choice([
            f"#{rng.randint(10000, 99999)}", f"ORD-2024-{digits(5)}", f"order {rng.randint(1000000, 9999999)}",
            f"SO-{digits(6)}", f"PO 45000{digits(5)}", f"A-{digits(5)}", f"order number {rng.randint(1000000000, 1999999999)}",
            f"ticket 2024-11-{digits(4)}", f"INV/2024/{digits(5)}", f"RMA{digits(8)}",
        ]),
        "price": lambda: rng.choice([
            f"${rng.randint(1, 9)},{digits(3)}.{digits(2)}", f"€{rng.randint(1, 999)}.{digits(2)}", f"USD {rng.randint(1, 99)},{digits(3)}",
            f"{rng.randint(1, 9)} {digits(3)},{digits(2)} €", f"£{rng.randint(1, 99)}.{digits(2)}", f"{rng.randint(1, 9)}.{digits(3)},{digits(2)} EUR",
            f"¥{rng.randint(1000, 99999)}", f"{rng.randint(100, 999)}.{digits(2)} USD",
        ]),
        "date": lambda: rng.choice([
            f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}", f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.2024",
            f"{rng.randint(1, 12):02d}/{rng.randint(1, 28):02d}/2024", f"2024.{rng.randint(1, 12):02d}.{rng.randint(1, 28):02d}",
            f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}",
            f"{rng.randint(1, 28):02d} {rng.randint(1, 12):02d} 2024", f"March {rng.randint(1, 28)}, 2024",
        ]),
        "version": lambda: rng.choice([
            f"v{rng.randint(1, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 99)}", f"version {rng.randint(1, 20)}.{rng.randint(0, 9)}.{rng.randint(0, 9)}",
            f"{rng.randint(1, 3)}.0.0-rc.{rng.randint(1, 9)}", f"10.0.{rng.randint(19041, 22631)}.{rng.randint(1000, 4000)}",
            f"build 2024.{rng.randint(1, 12):02d}.{rng.randint(1, 28):02d}", f"iOS {rng.randint(15, 18)}.{rng.randint(0, 6)}.{rng.randint(1, 3)}",
            f"v{rng.randint(1, 9)}.{rng.randint(0, 9)}.{rng.randint(0, 9)}.{rng.randint(0, 99)}",
        ]),
        "card_invalid": lambda: card_number(valid=False),
        "iban_invalid": lambda: iban(valid=False),
        "other": lambda: rng.choice([
            f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}", f"{rng.randint(1, 99)}.{rng.randint(0, 9)}%",
            f"{rng.randint(10, 99)} {digits(3)} units", f"ZIP {rng.randint(10000, 99999)}", "00:1A:2B:3C:4D:5E",
            f"1Z999AA1{digits(10)}", f"SKU {digits(3)}-{digits(2)}-{digits(4)}", f"{rng.randint(2, 40)} x {rng.randint(2, 40)} cm",
        ]),
    }[category]
    return category, make()


PLANTERS = {"email": email, "phone": phone, "card": lambda: card_number(True), "iban": lambda: iban(True), "ip": ip}

OPENERS = [
    "Hi, {a} here about {x}.", "Please update my details: {a}; reference {x}.", "I was charged twice ({x}), contact {a}.",
    "Order {x} never arrived. Reach me at {a}.", "Our logs show {a} around {x}, is that you?",
    "Refund for {x} please, use {a}.", "Can you check {x}? My details are {a}.",
]
SECONDS = [
    " Also {b}, noted on {y}.", " Second contact: {b} (see {y}).", " Backup is {b}; invoice {y}.", " The app said {y} then {b}.",
]
LABELS = ["billing_refund", "account_update", "shipping_delay", "security_review", "payment_issue", "technical_issue"]


def planted_item():
    kind = rng.choice(["email", "phone", "card", "iban", "ip", "url_credentials"])
    if kind == "url_credentials":
        written, credential = url_credentials()
        return kind, written, credential
    value = PLANTERS[kind]()
    if kind == "phone" and rng.random() < 0.08:
        value = f"{rng.randint(200, 989)}555{digits(4)}"
        return kind, f"call me on {value}", value
    return kind, value, value


def message(index):
    planted, lookalikes = [], []
    kind, written, secret_text = planted_item()
    planted.append({"kind": kind, "text": secret_text})
    category, x = lookalike()
    lookalikes.append({"category": category, "text": x})
    prompt = rng.choice(OPENERS).format(a=written, x=x)
    if rng.random() < 0.6:
        kind2, written2, secret2 = planted_item()
        planted.append({"kind": kind2, "text": secret2})
        category2, y = lookalike()
        lookalikes.append({"category": category2, "text": y})
        prompt += rng.choice(SECONDS).format(b=written2, y=y)
    if rng.random() < 0.25:
        prompt += f" Again: {written}."  # the same value twice: one placeholder number
    completion = rng.choice(LABELS)
    if rng.random() < 0.3:
        completion = f"{completion}: confirmed {written}"  # the reference quotes the customer
    return {"id": f"p{index:03d}", "prompt": prompt, "completion": completion, "planted": planted, "lookalikes": lookalikes}


with open("corpus.jsonl", "w", encoding="utf-8") as out:
    for index in range(400):
        out.write(json.dumps(message(index), ensure_ascii=False) + "\n")
