"""Renders every chat template in Tests/Fixtures/templates/jinja over the conversations in
Tests/Fixtures/templates/conversations.json with Python jinja2 set up exactly as transformers sets
it up (transformers/utils/chat_template_utils.py: ImmutableSandboxedEnvironment with trim_blocks,
lstrip_blocks, the AssistantTracker `{% generation %}` extension and loopcontrols; `tojson` as
json.dumps with ensure_ascii=False; globals raise_exception and strftime_now), and writes the expected
renderings (or the expected error) to Tests/Fixtures/templates/expected/<template>.json.

strftime_now is pinned to the fixtures' date so the files do not change from day to day; Tollgate's
tests pin the same date. Run through `make template-fixtures` (jinja2 in a venv under .build).

    python Tests/Interop/jinja_reference.py Tests/Fixtures/templates
"""
import json
import os
import sys
from datetime import datetime

import jinja2
from jinja2.ext import Extension, loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment

PINNED_DATE = datetime(2026, 12, 1, 9, 30, 0)


class AssistantTracker(Extension):
    """transformers' `{% generation %}`: renders its body unchanged (the span is only recorded)."""

    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return jinja2.nodes.CallBlock(self.call_method("_render_assistant"), [], [], body).set_lineno(lineno)

    @jinja2.pass_eval_context
    def _render_assistant(self, context, caller):
        return caller()


def compile_template(source):
    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    def strftime_now(format):
        return PINNED_DATE.strftime(format)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[AssistantTracker, loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env.from_string(source)


def special_tokens(source):
    """The BOS/EOS a model with this template has (what transformers passes from its tokenizer)."""
    if "<|begin_of_text|>" in source or "<|eot_id|>" in source:
        return "<|begin_of_text|>", "<|eot_id|>"
    if "<start_of_turn>" in source:
        return "<bos>", "<eos>"
    if "<|im_end|>" in source:
        return "", "<|im_end|>"
    if "<｜begin▁of▁sentence｜>" in source or "<｜end▁of▁sentence｜>" in source:
        return "<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>"
    if "<|end|>" in source:
        return "<s>", "<|endoftext|>"
    return "<s>", "</s>"


def render_all(fixtures):
    with open(os.path.join(fixtures, "conversations.json"), encoding="utf-8") as f:
        conversations = json.load(f)
    template_dir = os.path.join(fixtures, "jinja")
    out_dir = os.path.join(fixtures, "expected")
    os.makedirs(out_dir, exist_ok=True)
    for file_name in sorted(os.listdir(template_dir)):
        if not file_name.endswith(".jinja"):
            continue
        with open(os.path.join(template_dir, file_name), encoding="utf-8", newline="") as f:
            source = f.read()
        bos, eos = special_tokens(source)
        variables = {"bos_token": bos, "eos_token": eos}
        cases = []
        try:
            template = compile_template(source)
            compile_error = None
        except Exception as error:  # a template jinja2 itself cannot parse
            template, compile_error = None, f"{type(error).__name__}: {error}"
        for conversation in conversations:
            for add_generation_prompt in (False, True):
                case = {"conversation": conversation["name"], "add_generation_prompt": add_generation_prompt}
                if template is None:
                    case["error"] = compile_error
                else:
                    try:
                        case["output"] = template.render(messages=conversation["messages"], tools=None, documents=None,
                                                         add_generation_prompt=add_generation_prompt, **variables)
                    except jinja2.exceptions.TemplateError as error:
                        kind = "raise_exception" if type(error) is jinja2.exceptions.TemplateError else type(error).__name__
                        case["error"] = str(error)
                        case["error_kind"] = kind
                    except Exception as error:
                        case["error"] = str(error)
                        case["error_kind"] = type(error).__name__
                cases.append(case)
        expected = {"template": file_name, "jinja2": jinja2.__version__, "date": PINNED_DATE.isoformat(),
                    "variables": variables, "cases": cases}
        path = os.path.join(out_dir, file_name[: -len(".jinja")] + ".json")
        with open(path + ".partial", "w", encoding="utf-8") as f:
            json.dump(expected, f, ensure_ascii=False, indent=1)
            f.write("\n")
        os.replace(path + ".partial", path)


if __name__ == "__main__":
    render_all(sys.argv[1] if len(sys.argv) > 1 else "Tests/Fixtures/templates")
