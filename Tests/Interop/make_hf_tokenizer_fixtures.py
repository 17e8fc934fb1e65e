"""Tokenizer fixtures for Hugging Face model folders (issue 28).

1. Writes tokenizer.json into each tiny family folder (Tests/Fixtures/families/<f>/hf) that lacks one,
   as transformers saves the fast tokenizer it converts from tokenizer.model.
2. Writes Tests/Fixtures/hf-tokenizer-cases/<name>.json: N strings (special tokens, whitespace runs,
   Unicode, bytes no vocabulary entry holds) and the ids HF `tokenizers` gives for them, for every
   tiny family and, when given, SmolLM2's folder.

Usage: python make_hf_tokenizer_fixtures.py ROOT [SMOLLM2_FOLDER]   (ROOT = the repository)
Needs transformers 5 and tokenizers (the interop venv).
"""
import base64, json, os, random, shutil, sys, tempfile

from tokenizers import Tokenizer
from transformers import AutoTokenizer

FAMILIES = ["llama3", "gemma3", "qwen2", "qwen3", "phi3", "smollm3"]
COUNT = 2000


def strings(specials, seed):
    rng = random.Random(seed)
    words = ["the", "model", "Tollgate", "hello", "world", "gate", "ß", "naïve", "café", "東京", "日本語",
             "Привет", "مرحبا", "😀", "👍🏽", "1234567", "3.14", "x=y+1", "it's", "WE'LL", "don't", "\u00a0",
             "\u200b", "e\u0301", "ﬁ", "Ⅻ", "١٢٣", "tab\there", "<", ">", "</", "|", "{{", "}}", "\\n"]
    spaces = [" ", "  ", "   ", "\n", "\n\n", " \n", "\t", "\r\n", "  \n  ", ""]
    out = ["", " ", "  ", "\n", "hello", " hello", "hello world", "Hello, World!", "a  b   c    d"]
    out += [s for s in specials]
    out += [s + "x" + s for s in specials]
    while len(out) < COUNT:
        n = rng.randint(1, 12)
        parts = []
        for _ in range(n):
            r = rng.random()
            if r < 0.55:
                parts.append(rng.choice(words))
            elif r < 0.7 and specials:
                parts.append(rng.choice(specials))
            elif r < 0.85:
                parts.append("".join(chr(rng.randint(0x20, 0x2FFF)) for _ in range(rng.randint(1, 4))))
            else:
                parts.append(str(rng.randint(0, 10 ** rng.randint(1, 9))))
            parts.append(rng.choice(spaces))
        out.append("".join(parts))
    return out[:COUNT]


def fit_to_embeddings(source, target, rows):
    """Copies tokenizer.json without added tokens past the model's embedding rows (Qwen2's converter
    adds <|endoftext|> at id 320 of a 320-row tiny model, an id the model could not embed)."""
    with open(source) as f:
        tok = json.load(f)
    tok["added_tokens"] = [t for t in tok["added_tokens"] if t["id"] < rows]
    with open(target, "w") as f:
        json.dump(tok, f, ensure_ascii=False, indent=2)


def cases(folder, name, seed, out_dir):
    tok = Tokenizer.from_file(os.path.join(folder, "tokenizer.json"))
    specials = [t.content for t in tok.get_added_tokens_decoder().values()][:12]
    texts = strings(specials, seed)
    ids = [tok.encode(t, add_special_tokens=True).ids for t in texts]
    with open(os.path.join(out_dir, name + ".json"), "w") as f:
        # Texts as base64 of their UTF-8: Foundation's JSON parsers on Linux replace scalars such as
        # U+0341 by their canonical equivalents, which would test a different string.
        json.dump({"about": "HF tokenizers %s encode(text, add_special_tokens=True) of %s/tokenizer.json; "
                   "texts_utf8_base64[i] is text i" % (__import__("tokenizers").__version__, name),
                   "texts_utf8_base64": [base64.b64encode(t.encode("utf-8")).decode("ascii") for t in texts],
                   "ids": ids}, f, separators=(",", ":"))


def main():
    root = sys.argv[1]
    families = os.path.join(root, "Tests/Fixtures/families")
    out_dir = os.path.join(root, "Tests/Fixtures/hf-tokenizer-cases")
    os.makedirs(out_dir, exist_ok=True)
    for index, family in enumerate(FAMILIES):
        folder = os.path.join(families, family, "hf")
        if not os.path.exists(os.path.join(folder, "tokenizer.json")):
            with tempfile.TemporaryDirectory() as tmp:
                AutoTokenizer.from_pretrained(folder).save_pretrained(tmp)
                fit_to_embeddings(os.path.join(tmp, "tokenizer.json"), os.path.join(folder, "tokenizer.json"),
                                  json.load(open(os.path.join(folder, "config.json")))["vocab_size"])
        cases(folder, family, index, out_dir)
    if len(sys.argv) > 2:
        cases(sys.argv[2], "smollm2", 99, out_dir)


if __name__ == "__main__":
    main()
