"""llama.cpp's own tokenization of generated strings under a GGUF vocabulary, as a committed fixture for
TokenizerTests (not run by `make test`). After `make llama-server gemma-model`:

  # Gemma 3 270M's SentencePiece vocabulary (262,144 entries) -> GemmaTokenizerTests
  .build/llama-server-venv/bin/python Tests/Interop/llama_tokenizer_cases.py \
      models/gemma-3-270m-q4_k_m.gguf Tests/Fixtures/gemma3-tokenizer-cases.json
  # The gpt-4o pre-tokenizer (Phi-4-mini), which no vocabulary file of llama.cpp's exercises:
  # Tests/Fixtures/vocab/ggml-vocab-llama-bpe.gguf with tokenizer.ggml.pre rewritten to "gpt-4o" by
  # gguf-py (GGUFReader fields copied through GGUFWriter) -> GPT4oPreTokenizerTests
  .build/llama-server-venv/bin/python Tests/Interop/llama_tokenizer_cases.py \
      llama-bpe-as-gpt-4o.gguf Tests/Fixtures/gpt4o-tokenizer-cases.json 1200

The strings are drawn with a fixed seed from pools that exercise what SentencePiece and llama.cpp's
special-token splitting do differently from the easy cases: Unicode in many scripts (byte fallback for
characters outside the vocabulary), runs of spaces, tabs and line breaks (user-defined tokens in
Gemma's vocabulary), digits, emoji with modifiers and joiners, control and user-defined tokens written in
the text (`<start_of_turn>`, `<end_of_turn>`, `<bos>`, `</s>`, `<table>`, `<unused12>`) and broken
pieces of them, and words whose letter case changes inside (the gpt-4o rules split on it). Each case is encoded with every combination of add_bos and parse_special over the
whole set (one combination per string, cycling).

Output (compact JSON, ASCII with \\u escapes): {"model", "sha256", "llama_cpp_python", "cases": [[text, add_bos, parse_special, ids], ...]}
"""
import hashlib
import json
import random
import sys

import llama_cpp

SEED = 20261206
COUNT = 2400  # or the third argument

WORDS = ["the", "The", "THE", "model", "Gemma", "tokenizer", "parcel", "refund", "order", "shipped", "isn't",
         "we'll", "O'Brien", "naïve", "café", "Straße", "déjà", "vu", "über", "Ελληνικά", "русский", "язык",
         "日本語", "東京", "中文", "汉字", "한국어", "서울", "العربية", "עברית", "हिन्दी", "ไทย", "tiếng", "Việt",
         "Ağaç", "İstanbul", "ǅemal", "ﬁne", "Ⅻ", "x²", "½", "١٢٣", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "𓀀", "ᚠᚢᚦ", "ꙮ", "a\u0301", "e\u0308",
         "Z\u0335", "ᄀ", "\u00ad", "\u200b", "\u200d", "\ufeff", "\u2028", "\u00a0", "\u3000", "\u0085", "\x7f", "\x01",
         "\x00", "\t", "\r\n", "http://example.com/a?b=c", "foo_bar", "fooBar", "snake-case", "e-mail", "#4417",
         "$19.99", "3.14159", "1,000,000", "2026-12-06", "12:30", "+44 20 7946 0958", "ID-00417", "v1.2.3",
         "--help", "def f(x):", "return x**2", "{\"a\": [1, 2]}", "<div>", "a<b", "x>y", "<<", ">>", "<>", "<|", "|>",
         "HELLOworld", "helloWORLD", "ÉCOLE", "École", "McDonald's", "IT'S", "WE'LL", "ΑΘΗΝΑ", "ǈubljana",
         "XMLHttpRequest", "iPhone", "/path/to/file\n", "a/b//c\r\n", "ÀÉÎõü", "ßẞ", "ﬀ", "ᾈ",
         "!!!", "???", "...", "—", "–", "«", "»", "“quoted”", "‘single’", "(", ")", "[", "]", "{", "}", "@", "\\", "/"]
EMOJI = ["😀", "👍", "👍🏽", "👩‍💻", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🇫🇷", "🇯🇵", "❤️", "✨", "🦩", "🧑🏿‍🚀", "🫠", "🤖", "🔥", "☕", "1️⃣", "©️"]
SPECIALS = ["<start_of_turn>", "<end_of_turn>", "<bos>", "<eos>", "<pad>", "<unk>", "<mask>", "[multimodal]",
            "<start_of_image>", "<end_of_image>", "<unused0>", "<unused12>", "<unused6241>", "</s>", "<s>",
            "<table>", "</table>", "<tr>", "<td>", "<h1>", "</h1>", "<strong>", "<em>", "<code>", "</code>",
            "<start_of_turn>user\n", "<start_of_turn>model\n", "<end_of_turn>\n", "<start_of", "end_of_turn>",
            "<start_of_turn", "<<start_of_turn>>", "<bos><bos>", "<unused>", "<unused99999>", "<eos ", "< bos>"]
SPACES = [" ", "  ", "   ", "    ", " " * 8, " " * 31, " " * 40, "\t", "\t\t", "\t" * 5, "\n", "\n\n", "\n\n\n",
          "\n" * 32, "\r\n", "\r", " \n", "\n ", " \t ", "\u00a0", "\u3000", "\u2009", "\v", "\f"]
DIGITS = ["0", "7", "42", "123", "2026", "12345", "007", "3.5", "1e-5", "99999999999", "٣", "١٢", "४२", "０１２"]


def piece(rng):
    pool = rng.choices([WORDS, EMOJI, SPECIALS, SPACES, DIGITS], weights=[10, 3, 3, 5, 3])[0]
    return rng.choice(pool)


def random_scalar(rng):
    """A code point from a wide range (no surrogates), often outside the vocabulary: byte fallback."""
    while True:
        value = rng.choice([rng.randrange(0x20, 0x7F), rng.randrange(0xA0, 0x3000), rng.randrange(0x3000, 0xA000),
                            rng.randrange(0xAC00, 0xD7A4), rng.randrange(0x10000, 0x2FFFF), rng.randrange(0xE000, 0xF900)])
        if not 0xD800 <= value < 0xE000:
            return chr(value)


def make_strings(rng, count):
    strings = []
    fixed = ["", " ", "  ", "\n", "Hello", " Hello", "Hello world", "  leading", "trailing  ", "a  b   c    d",
             "<start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\n", "<bos>text", "text<eos>",
             "line1\nline2\n\nline4\n\n\n", "\t\tindented\n\t\t\tcode", "🦩🦩🦩", "ﷺ", "𝕏", "\U0010FFFD"]
    strings.extend(fixed)
    while len(strings) < count:
        kind = rng.randrange(6)
        if kind == 0:  # prose-like: words and spaces
            parts = [rng.choice(WORDS) for _ in range(rng.randint(1, 12))]
            text = " ".join(parts)
        elif kind == 1:  # anything from every pool, glued or spaced
            text = "".join(piece(rng) + (rng.choice(SPACES) if rng.random() < 0.3 else "")
                           for _ in range(rng.randint(1, 10)))
        elif kind == 2:  # random code points, many outside the vocabulary
            text = "".join(random_scalar(rng) for _ in range(rng.randint(1, 12)))
        elif kind == 3:  # whitespace runs around words and digits
            text = "".join(rng.choice(SPACES) + rng.choice(WORDS + DIGITS) for _ in range(rng.randint(1, 6)))
            text += rng.choice(SPACES) if rng.random() < 0.5 else ""
        elif kind == 4:  # a chat turn with special tokens written in it
            text = (f"<start_of_turn>{rng.choice(['user', 'model', 'system'])}\n"
                    + " ".join(piece(rng) for _ in range(rng.randint(1, 8)))
                    + rng.choice(["<end_of_turn>\n", "<end_of_turn>", "", "<eos>", "\n"]))
        else:  # digits and emoji runs
            text = "".join(rng.choice(DIGITS + EMOJI) for _ in range(rng.randint(1, 10)))
        strings.append(text)
    return strings


def main():
    model_path = sys.argv[1]
    output = sys.argv[2]
    count = int(sys.argv[3]) if len(sys.argv) > 3 else COUNT
    with open(model_path, "rb") as file:
        digest = hashlib.sha256(file.read()).hexdigest()
    llm = llama_cpp.Llama(model_path=model_path, vocab_only=True, verbose=False)
    rng = random.Random(SEED)
    cases = []
    for number, text in enumerate(make_strings(rng, count)):
        add_bos, special = bool(number % 2), bool((number // 2) % 2)
        ids = llm.tokenize(text.encode("utf-8"), add_bos=add_bos, special=special)
        cases.append([text, add_bos, special, ids])
    document = {"model": model_path.rsplit("/", 1)[-1], "sha256": digest,
                "llama_cpp_python": llama_cpp.__version__, "seed": SEED, "cases": cases}
    with open(output, "w", encoding="utf-8") as file:
        json.dump(document, file, separators=(",", ":"))  # \u escapes: Foundation drops a raw U+FEFF
        file.write("\n")
    print(f"{len(cases)} cases written to {output}")


if __name__ == "__main__":
    main()
