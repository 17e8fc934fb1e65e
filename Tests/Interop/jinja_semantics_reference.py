"""Small templates, one jinja2 behaviour each (undefined, truthiness, division, whitespace control,
loop variables, filters, tests…), rendered by jinja2 set up as transformers sets it up; writes
Tests/Fixtures/templates/semantics.json for TemplatesTests/JinjaSemanticsTests."""
import json
import os
import sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from jinja_reference import compile_template
cases = [
 ("undefinedPrintsEmpty", "[{{ missing }}]"),
 ("undefinedIsFalsyAndDefaultApplies", "{{ 'yes' if missing else 'no' }} {{ missing | default('d') }} {{ '' | default('e', true) }}"),
 ("undefinedLengthIsZero", "{{ missing | length }} {{ missing is defined }} {{ none is none }}"),
 ("missingKeyIsUndefined", "{% set d = {'a': 1} %}[{{ d.b }}][{{ d['b'] }}]{{ d.b is defined }}"),
 ("truthiness", "{% for v in [0, 1, '', 'x', [], [0], {}, none, 0.0] %}{{ 'T' if v else 'F' }}{% endfor %}"),
 ("trueDivisionAndFloorDivision", "{{ 7 / 2 }} {{ 4 / 2 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 2 ** 10 }} {{ 1 / 3 }}"),
 ("floatsPrintAsPython", "{{ 1e-5 }} {{ 0.1 + 0.2 }} {{ 1e16 }} {{ 123456789.5 }} {{ 3.0 }} {{ 1.5e300 * 1e10 }}"),
 ("tildeJoinsStrings", "{{ 'x' ~ 1 ~ none ~ true ~ missing ~ [1, 'a'] }}"),
 ("stringEscapes", "{{ 'a\\tb\\x41\\u00e9\\d\\'q' }}|{{ \"n\\nl\" }}"),
 ("reprOfContainers", "{{ [1, 'a', none, true, 2.5] }} {{ {'k': 'v', \"it's\": [1]} }} {{ ['\\n'] }}"),
 ("slicing", "{{ [1, 2, 3, 4][1:3] }} {{ [1, 2, 3][::-1] }} {{ 'hello'[1:] }} {{ 'abc'[-1] }} {{ 'héllo'[:2] }}"),
 ("stringMethods", "{{ '  x y  '.strip() }}|{{ 'a,b,,c'.split(',') }}|{{ ' a  b '.split() }}|{{ 'Hello'.startswith('He') }}|{{ 'abc'.endswith(('x', 'c')) }}|{{ 'xxhixx'.strip('x') }}|{{ 'a-b-c'.rsplit('-', 1) }}|{{ 'ab'.upper() }}{{ 'AB'.lower() }}|{{ 'hello world'.title() }}|{{ 'a b'.replace(' ', '_') }}"),
 ("loopVariables", "{% for x in ['a', 'b', 'c'] %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.first }}{{ loop.last }}{{ loop.length }}{{ loop.previtem }}{{ loop.nextitem }};{% endfor %}"),
 ("loopFilterAndElse", "{% for x in [1, 2, 3, 4] if x is even %}{{ x }}{{ loop.length }}{% endfor %}{% for x in [] %}no{% else %}empty{% endfor %}"),
 ("breakAndContinue", "{% for x in range(10) %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 5 %}{% break %}{% endif %}{{ x }}{% endfor %}"),
 ("setInsideLoopIsForgotten", "{% set x = 1 %}{% for i in [1, 2, 3] %}{{ x }}{% set x = x + i %}{{ x }},{% endfor %}|{{ x }}"),
 ("namespaceCarriesOut", "{% set ns = namespace(total=0, seen=[]) %}{% for i in [1, 2, 3] %}{% set ns.total = ns.total + i %}{% endfor %}{{ ns.total }}"),
 ("blockSet", "{% set greeting | upper %}hello {{ 'you' }}{% endset %}[{{ greeting }}]"),
 ("macrosWithDefaults", "{% macro tag(name, body='-') %}<{{ name }}>{{ body }}</{{ name }}>{% endmacro %}{{ tag('a') }}{{ tag('b', body='x') }}{{ tag('c', 'y') }}"),
 ("callBlock", "{% macro wrap() %}[{{ caller() }}]{% endmacro %}{% call wrap() %}inner{% endcall %}"),
 ("filters", "{{ ['b', 'a', 'C'] | sort | join(',') }}|{{ [3, 1, 2] | first }}{{ [3, 1, 2] | last }}|{{ 'Abc' | lower }}{{ 'abc' | upper }}|{{ ' t ' | trim }}|{{ '5' | int + 1 }}|{{ 'x' | int }}|{{ 2.7 | int }}|{{ {'b': 1, 'a': 2} | items | list }}|{{ [1, 2, 1] | unique | list }}|{{ 7 | string ~ '!' }}|{{ 'abc' | reverse }}|{{ 3.14159 | round(2) }}"),
 ("selectAndMap", "{% set ms = [{'role': 'system', 'content': 'S'}, {'role': 'user', 'content': 'U'}, {'role': 'user', 'content': 'V'}] %}{{ ms | selectattr('role', 'equalto', 'user') | map(attribute='content') | join('+') }}|{{ ms | rejectattr('role', 'eq', 'user') | list | length }}|{{ [1, 0, 2] | select | list }}|{{ ['a', 'b'] | map('upper') | list }}"),
 ("tojsonLikeTransformers", "{{ {'b': 'é', 'a': [1, 2.5, none, true]} | tojson }}|{{ {'x': {'y': []}} | tojson(indent=2) }}|{{ {'b': 1, 'a': 2} | tojson(sort_keys=true) }}|{{ 'q\"<' | tojson }}"),
 ("tests", "{{ 'a' is string }}{{ 1 is number }}{{ 1 is integer }}{{ 1.0 is float }}{{ {} is mapping }}{{ [] is iterable }}{{ 'x' is iterable }}{{ 3 is odd }}{{ 4 is divisibleby 2 }}{{ 1 is equalto 1.0 }}{{ none is none }}{{ 'a' is in 'cat' }}{{ 'ab' is lower }}"),
 ("comparisonsAndMembership", "{{ 1 < 2 < 3 }}{{ 3 > 2 > 2 }}{{ 'a' in 'cat' }}{{ 2 not in [1, 3] }}{{ 'k' in {'k': 1} }}{{ [1, 2] == [1, 2] }}{{ 1 == 1.0 }}{{ 'b' > 'a' }}"),
 ("andOrReturnOperands", "{{ 0 or 'x' }}|{{ 'a' and 'b' }}|{{ none or [] }}|{{ not 0 }}"),
 ("conditionalExpressions", "{{ 'a' if true else 'b' }}{{ 'c' if false else 'd' }}[{{ 'e' if false }}]"),
 ("whitespaceControl", "a  {%- if true -%}  b  {%- endif -%}  c\n{{- ' d ' -}}\n e"),
 ("trimBlocksAndLstripBlocks", "<ul>\n    {% for x in [1, 2] %}\n    <li>{{ x }}</li>\n    {% endfor %}\n</ul>\n"),
 ("lstripKeepsWithPlus", "x\n    {%+ if true %}y{% endif %}\n  {# c #}\nz"),
 ("dictMethods", "{% set d = {'a': 1, 'b': 2} %}{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}{{ d.keys() | list }}{{ d.get('z', 'none') }}{{ d.get('a') }}"),
 ("rawBlock", "{% raw %}{{ not rendered }}{% endraw %}"),
 ("strftimeNow", "{{ strftime_now('%d %b %Y') }}|{{ strftime_now('%Y-%m-%d') }}|{{ strftime_now('%d %B %Y') }}|{{ strftime_now('%A %H:%M') }}"),
 ("stringConcatenationWithPlus", "{{ 'a' + 'b' }}{{ [1] + [2] }}{{ 'ab' * 2 }}"),
 ("adjacentStringLiterals", "{{ 'a' 'b' \"c\" }}"),
 ("indentFilter", "{{ 'a\nb\n\nc' | indent(2) }}|{{ 'x\ny' | indent(2, true) }}"),
 ("trailingNewlineDropped", "end\n"),
]
out = []
for name, src in cases:
    t = compile_template(src)
    out.append({"name": name, "template": src, "expected": t.render(messages=[], add_generation_prompt=False)})
errors = [
 ("undefinedAttributeFails", "{{ missing.attr }}"),
 ("nestedUndefinedAttributeFails", "{% set d = {} %}{{ d.a.b }}"),
 ("stringPlusNumberFails", "{{ 'a' + 1 }}"),
 ("raiseExceptionStopsWithItsMessage", "{{ raise_exception('Roles must alternate') }}"),
 ("listAppendIsRefused", "{% set l = [] %}{{ l.append(1) }}"),
 ("divisionByZeroFails", "{{ 1 // 0 }}"),
]
for name, src in errors:
    t = compile_template(src)
    try:
        t.render(); print("NO ERROR", name)
    except Exception as e:
        out.append({"name": name, "template": src, "error": f"{type(e).__name__}: {e}"})
json.dump(out, open(os.path.join(sys.argv[1] if len(sys.argv) > 1 else 'Tests/Fixtures/templates', 'semantics.json'), 'w', encoding='utf-8'), ensure_ascii=False, indent=1)

