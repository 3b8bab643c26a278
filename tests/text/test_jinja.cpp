// Vole's Jinja engine against jinja2 configured as transformers renders chat templates:
// every case is rendered by both (jinja2 in one Python process per test) and must give
// the same bytes, or both fail.
#include <gtest/gtest.h>

#include "text/jinja_oracle.h"
#include "text/jinja_template.h"

namespace {

using vole::test::OracleResult;
using vole::test::VoleResult;
using vole::text::jinja::RaisedByTemplate;
using vole::text::jinja::Template;

struct Case {
  std::string tmpl;
  std::string vars = "{}";
};

VoleResult render_with_vole(const Case& c) {
  VoleResult r;
  try {
    Template t(c.tmpl);
    r.text = t.render(nlohmann::ordered_json::parse(c.vars));
    r.ok = true;
  } catch (const RaisedByTemplate& e) {
    r.error = e.what();
    r.raised_by_template = true;
  } catch (const vole::Error& e) {
    r.error = e.what();
  }
  return r;
}

// False when the oracle is unavailable (the caller skips).
bool check_parity(const std::vector<Case>& cases) {
  std::vector<nlohmann::ordered_json> requests;
  for (auto& c : cases) requests.push_back({{"template", c.tmpl}, {"vars", nlohmann::ordered_json::parse(c.vars)}});
  auto oracle = vole::test::run_jinja_oracle(requests);
  if (!oracle) return false;
  for (size_t i = 0; i < cases.size() && i < oracle->size(); ++i)
    vole::test::expect_same("case " + std::to_string(i) + ": " + nlohmann::json(cases[i].tmpl).dump() + " vars " + cases[i].vars,
                            render_with_vole(cases[i]), (*oracle)[i]);
  return true;
}

#define EXPECT_PARITY(...)                                                             \
  do {                                                                                 \
    if (!check_parity(__VA_ARGS__)) GTEST_SKIP() << "jinja2 oracle (python3-jinja2) unavailable"; \
  } while (0)

TEST(JinjaParity, WhitespaceControl) {
  EXPECT_PARITY({
      {"a\n{% if true %}\nb\n{% endif %}\nc"},
      {"a\n    {% if true %}\n    b\n    {% endif %}\nc"},
      {"  {{ 'x' }}  \n  {% set y = 1 %}  \nz"},
      {"a  {%- if true -%}  b  {%- endif -%}  c"},
      {"a\n  {%+ if true %}b{% endif %}\n"},
      {"a\n{% if true +%}\nb{% endif %}"},
      {"line1\n  {# comment #}\nline2"},
      {"x {#- comment -#} y"},
      {"x{# a\nmulti-line\ncomment #}\ny"},
      {"{{- ' a ' -}}\n\n{{- 'b' }}"},
      {"a\r\nb\rc\n"},
      {"trailing\n\n"},
      {"{% raw %}{{ not rendered }}{% endraw %}"},
      {"{% raw %}\n  {% if %}\n{% endraw %}\nafter"},
      {"  {%- raw %} x {% endraw -%}  y"},
      {"\t{% for i in [1, 2] %}\n\t{{ i }}\n\t{% endfor %}\n"},
      {"{% for i in [1,2] -%}\n  {{ i }}\n{%- endfor %}"},
      {"x\n{%- if true %}\ny{% endif %}"},
      {"  text  {% if true %} inline {% endif %}  "},
      {"{{ 'a' }}\n{{ 'b' }}\n"},
      {"{% macro m() %}\n  body\n{% endmacro %}\n[{{ m() }}]"},
      {"a {%- set x = 1 %} b {{ x }}"},
      {"{% if true %}   {% endif %}|"},
      {"\u00a0\u00a0{% if true %}x{% endif %}"},
  });
}

TEST(JinjaParity, LiteralsAndOutput) {
  EXPECT_PARITY({
      {"{{ 1 }} {{ -3 }} {{ 1_000 }} {{ 0x1F }} {{ 0o17 }} {{ 0b101 }}"},
      {"{{ 1.5 }} {{ 1.0 }} {{ 1e16 }} {{ 1e15 }} {{ 0.0001 }} {{ 0.00001 }} {{ 1.5e-7 }} {{ 123456789.123456789 }}"},
      {"{{ 2.5e300 * 10 }} {{ -0.0 }} {{ 0.1 + 0.2 }} {{ 1/3 }} {{ 2**0.5 }}"},
      {"{{ none }} {{ None }} {{ true }} {{ True }} {{ false }} {{ False }}"},
      {"{{ 'single' }} {{ \"double\" }} {{ 'con' 'cat' }} {{ 'esc\\n\\t\\\\ \\' \\x41 \\u00e9 \\101' }}"},
      {"{{ 'unknown \\d escape' }} {{ '\\N' if false else 'n' }}"},
      {"{{ [1, 'a', none, true, 1.5] }} {{ (1,) }} {{ () }} {{ (1, 2) }} {{ [] }} {{ {} }}"},
      {"{{ {'a': 1, 'b': [1, {'c': none}]} }} {{ {1: 'x', 2.5: 'y', none: 'z', true: 'w'} }}"},
      {"{{ [\"it's\", 'say \"hi\"', 'both \\' \"', 'back\\\\slash'] }}"},
      {"{{ ['é', '\\u00a0', '\\u200b', '\\x7f', '\\x00', '日本', '😀', '\\u2028', '\\ue000'] }}"},
      {"{{ x }}", R"({"x": [1.0, -2.25, 3e-10, 12345678901234567890.0]})"},
      {"{{ 1, 2 }} {{ (1, 2) | list }}"},
      {"{{ x }}|{{ x.y }}", R"({})"},
      {"{{ s }}", R"({"s": "tab\there"})"},
      {"{{ d }}", R"({"d": {"z": 1, "a": 2, "m": {"k": [true, false, null]}}})"},
      {"{{ 'a' ~ 1 ~ 2.0 ~ none ~ true ~ undefined_name ~ [1] }}"},
      {"{% print 'p', 1 %}"},
  });
}

TEST(JinjaParity, Arithmetic) {
  EXPECT_PARITY({
      {"{{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ 7 / 2 }} {{ 8 / 2 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 7 % -3 }}"},
      {"{{ 2 ** 10 }} {{ 2 ** 3 ** 2 }} {{ 2 ** -1 }} {{ -2 ** 2 }} {{ (-2) ** 2 }}"},
      {"{{ 7.5 // 2 }} {{ -7.5 // 2 }} {{ 7.5 % 2 }} {{ -7.5 % 2 }} {{ 1.5 * 2 }} {{ 3 - 0.5 }}"},
      {"{{ true + true }} {{ true * 5 }} {{ false - 1 }} {{ -true }} {{ 1 == 1.0 }} {{ true == 1 }} {{ 0 == false }}"},
      {"{{ 'ab' * 3 }} {{ 3 * 'ab' }} {{ [1, 2] * 2 }} {{ 'ab' * 0 }} {{ 'x' * -1 }} {{ [1] + [2] }} {{ (1,) + (2,) }}"},
      {"{{ 'a' + 'b' }} {{ 'a' ~ 'b' }} {{ 1 ~ 2 }} {{ 1 + 2 ~ 3 }} {{ 'x' ~ 1 + 2 }}"},
      {"{{ -x }} {{ +x }} {{ - -x }}", R"({"x": 5})"},
      {"{{ -1 | abs }} {{ -(1) | abs }}"},
      {"{{ 1 / 0 }}"},
      {"{{ 1 // 0 }}"},
      {"{{ 5 % 0 }}"},
      {"{{ 'a' + 1 }}"},
      {"{{ 1 + 'a' }}"},
      {"{{ [1] + (2,) }}"},
      {"{{ none + 1 }}"},
      {"{{ undefined_thing + 1 }}"},
      {"{{ 9223372036854775807 + 0 }} {{ -9223372036854775807 - 1 }}"},
      {"{{ 10 ** 18 }} {{ 2 ** 62 }}"},
      {"{{ 1e308 * 10 }} {{ -1e308 * 10 }}"},
  });
}

TEST(JinjaParity, ComparisonAndLogic) {
  EXPECT_PARITY({
      {"{{ 1 < 2 }} {{ 2 <= 2 }} {{ 3 > 4 }} {{ 3 >= 3.0 }} {{ 1 != 2 }} {{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }}"},
      {"{{ 'a' < 'b' }} {{ 'B' < 'a' }} {{ 'é' > 'z' }} {{ [1, 2] < [1, 3] }} {{ [1] < [1, 0] }} {{ (1, 2) == (1, 2) }}"},
      {"{{ [1, 2] == (1, 2) }} {{ {'a': 1} == {'a': 1.0} }} {{ none == none }} {{ none == 0 }} {{ '1' == 1 }}"},
      {"{{ 'a' < 1 }}"},
      {"{{ none < 1 }}"},
      {"{{ [1] < ['a'] }}"},
      {"{{ 'b' in 'abc' }} {{ '' in 'abc' }} {{ 2 in [1, 2] }} {{ 2.0 in [1, 2] }} {{ 'k' in {'k': 1} }} {{ 'x' not in 'abc' }}"},
      {"{{ 1 in 'abc' }}"},
      {"{{ 1 in none }}"},
      {"{{ 'a' in undefined_thing }} {{ undefined_thing in [1] }}"},
      {"{{ [1] in {'a': 1} }}"},
      {"{{ 1 and 2 }} {{ 0 and 2 }} {{ '' or 'x' }} {{ 'y' or 'x' }} {{ none or [] }} {{ not 0 }} {{ not 'a' }}"},
      {"{{ not x is defined }} {{ not (x is defined) }} {{ x is not defined }}"},
      {"{{ 'yes' if 1 else 'no' }} {{ 'yes' if 0 else 'no' }} [{{ 'yes' if 0 }}] {{ 1 if 0 else 2 if 0 else 3 }}"},
      {"{{ (x if false) is defined }}"},
      {"{{ a == b }} {{ a < 1 }}", R"({"a": 1})"},
      {"{{ undefined_a == undefined_b }} {{ undefined_a != 1 }}"},
      {"{{ undefined_a < 1 }}"},
      {"{{ 0.1 + 0.2 == 0.3 }} {{ 9007199254740993 == 9007199254740992.0 }}"},
  });
}

TEST(JinjaParity, IndexingAndSlicing) {
  EXPECT_PARITY({
      {"{{ s[0] }} {{ s[-1] }} {{ s[1:3] }} {{ s[::-1] }} {{ s[::2] }} {{ s[-3:] }} {{ s[:-2] }} {{ s[10:] }} {{ s[5:1:-2] }}", R"({"s": "héllo wörld"})"},
      {"{{ l[0] }} {{ l[-1] }} {{ l[1:] }} {{ l[::-1] }} {{ l[-2::-1] }} {{ l[:100] }} {{ l[1:-1] }} {{ l[::3] }}", R"({"l": [1, 2, 3, 4, 5]})"},
      {"[{{ l[10] }}] [{{ l['x'] }}] [{{ s[99] }}]", R"({"l": [1], "s": "ab"})"},
      {"{{ l[::0] }}", R"({"l": [1]})"},
      {"{{ d.a }} {{ d['a'] }} {{ d.b.c }} {{ d['b']['c'] }} [{{ d.missing }}] [{{ d['missing'] }}]", R"({"d": {"a": 1, "b": {"c": 2}}})"},
      {"{{ d.missing.deeper }}", R"({"d": {}})"},
      {"{{ d.items is callable }} ", R"({"d": {"items": 5}})"},
      {"{{ d['items'] }} {{ d.get('items') }}", R"({"d": {"items": 5}})"},
      {"{{ l.0 }} {{ l.1 }}", R"({"l": ["a", "b"]})"},
      {"{{ t[0] }} {{ t[1:] }}", R"({"t": [[1, 2], 3]})"},
      {"{{ 'abc'[1] }} {{ [1, 2][true] }} {{ 'abc'[none:2] }}"},
      {"[{{ 'abc'[x:] }}]", R"({})"},
      {"{{ d[1:] }}", R"({"d": {"a": 1}})"},
      {"{{ n[1:] }}", R"({"n": null})"},
      {"{{ n[1:] }}", R"({"n": 5})"},
      {"{{ undefined_thing[1:] }}"},
      {"{{ s['a':] }}", R"({"s": "abc"})"},
      {"{{ none.x }}|{{ none['x'] }}|{{ (1).x }}"},
      {"{{ undefined_thing.x }}"},
      {"{{ undefined_thing['x'] }}"},
      {"{{ {'a': 1}[[1]] }}"},
      {"{{ d[1] }} {{ d[1.0] }} {{ d[true] }}", R"({})"},
      {"{% set d = {1: 'one', 'k': 'v'} %}{{ d[1] }} {{ d[1.0] }} {{ d[true] }} {{ d.k }}"},
  });
}

TEST(JinjaParity, StringMethods) {
  EXPECT_PARITY({
      {"{{ s.startswith('ab') }} {{ s.startswith(('x', 'a')) }} {{ s.endswith('ef') }} {{ s.startswith('b', 1) }} {{ s.endswith('c', 0, 3) }}", R"({"s": "abcdef"})"},
      {"{{ s.split() }} {{ s.split(' ') }} {{ s.split(None, 1) }} {{ s.rsplit(None, 1) }} {{ s.split('a') }}", R"({"s": "  a b  c\td\n "})"},
      {"{{ s.split(',', 1) }} {{ s.rsplit(',', 1) }} {{ s.split(',') }} {{ s.rsplit(',') }} {{ s.split(sep=',', maxsplit=0) }}", R"({"s": "a,b,,c"})"},
      {"{{ s.split('</think>')[-1].lstrip('\\n') }}|{{ s.split('</think>')[0].rstrip('\\n').split('<think>')[-1].lstrip('\\n') }}", R"({"s": "<think>\nreason\n</think>\n\nanswer"})"},
      {"[{{ s.strip() }}] [{{ s.lstrip() }}] [{{ s.rstrip() }}] [{{ s.strip('x ') }}] [{{ s.strip('') }}]", R"({"s": " \u00a0x hi x\u3000 "})"},
      {"{{ s.replace('a', 'o') }} {{ s.replace('a', 'o', 1) }} {{ s.replace('', '-') }} {{ s.replace('', '-', 2) }}", R"({"s": "banana"})"},
      {"{{ s.upper() }} {{ s.lower() }} {{ s.title() }} {{ s.capitalize() }} {{ s.swapcase() }}", R"({"s": "hELLo wORLD ß ǆ straße"})"},
      {"{{ s.find('l') }} {{ s.rfind('l') }} {{ s.find('z') }} {{ s.index('o') }} {{ s.count('l') }} {{ s.count('') }} {{ s.find('l', 4) }}", R"({"s": "héllo wörld"})"},
      {"{{ s.index('z') }}", R"({"s": "abc"})"},
      {"{{ s.splitlines() }} {{ s.splitlines(true) }}", R"({"s": "a\nb\r\nc\rd\u2028e\n"})"},
      {"{{ ', '.join(['a', 'b']) }} {{ ''.join(s) }}", R"({"s": "xyz"})"},
      {"{{ ', '.join([1, 2]) }}"},
      {"{{ '{} and {}'.format(1, 'b') }} {{ '{0}{1}{0}'.format('a', 'b') }} {{ '{x}-{y!r}'.format(x=1, y='q') }} {{ '{{literal}}'.format() }}"},
      {"{{ '{:>5}|{:<5}|{:^5}|{:05d}|{:.2f}|{:,}|{:x}|{:#x}|{:+d}|{:.3}|{:e}|{:%}'.format('a', 'b', 'c', 42, 3.14159, 1234567, 255, 255, 5, 1.0, 12345.678, 0.25) }}"},
      {"{{ '{0[k]} {0.k}'.format(d) }}", R"({"d": {"k": "v"}})"},
      {"{{ s.zfill(6) }} {{ s.center(9, '*') }} {{ s.ljust(6) }}| {{ s.rjust(6) }} {{ '-5'.zfill(4) }}", R"({"s": "abc"})"},
      {"{{ s.partition('=') }} {{ s.rpartition('=') }} {{ s.partition('#') }}", R"({"s": "a=b=c"})"},
      {"{{ s.removeprefix('ab') }} {{ s.removesuffix('ef') }} {{ s.removeprefix('zz') }}", R"({"s": "abcdef"})"},
      {"{{ '123'.isdigit() }} {{ 'abc'.isalpha() }} {{ 'a1'.isalnum() }} {{ '  '.isspace() }} {{ 'abc'.islower() }} {{ 'ABC'.isupper() }} {{ ''.isdigit() }} {{ 'Ab Cd'.istitle() }}"},
      {"{{ s.zzz }}|{{ s.zzz is defined }}", R"({"s": "abc"})"},
      {"{{ s.zzz() }}", R"({"s": "abc"})"},
      {"{{ s.split('') }}", R"({"s": "abc"})"},
      {"{{ s.startswith(1) }}", R"({"s": "abc"})"},
      {"{{ '%s and %d' % ('a', 3) }} {{ '%05.1f|%-4s|%x|%r' % (3.14159, 'ab', 255, 'q') }} {{ '%(a)s' % {'a': 1} }} {{ '%d%%' % 50 }}"},
      {"{{ '%s' % 'x' }} {{ '%s' % [1, 2] }} {{ '%s %s' % ('a',) }}"},
      {"{{ 'abc' % 5 }}"},
      {"{{ '%d' % 'x' }}"},
      {"{{ s.expandtabs(4) }} {{ 'ß'.casefold() == 'ss' or true }}", R"({"s": "a\tbc\td"})"},
  });
}

TEST(JinjaParity, DictAndListMethods) {
  EXPECT_PARITY({
      {"{{ d.get('a') }} {{ d.get('z') }} {{ d.get('z', 'dflt') }} {{ d.get('b', 0) }}", R"({"d": {"a": 1, "b": null}})"},
      {"{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %} {{ d.keys() | list }} {{ d.values() | list }} {{ d.items() | list }}", R"({"d": {"x": 1, "y": [2]}})"},
      {"{{ d.items() }} {{ d.keys() }} {{ d.values() }} {{ d.items() | length }} {{ 'x' in d.keys() }}", R"({"d": {"x": 1}})"},
      {"{{ d.items()[0] }}|", R"({"d": {"x": 1}})"},
      {"{{ l.index(2) }} {{ l.count(1) }} {{ l.index(3, 1) }}", R"({"l": [1, 2, 3, 1]})"},
      {"{{ l.index(9) }}", R"({"l": [1]})"},
      {"{{ l.append(3) }}", R"({"l": [1]})"},
      {"{% set x = l.append(3) %}{{ l }}", R"({"l": [1]})"},
      {"{{ d.update({'a': 2}) }}", R"({"d": {}})"},
      {"{{ d.pop('a') }}", R"({"d": {"a": 1}})"},
      {"{{ l.append is defined }} {{ d.clear is defined }}", R"({"l": [], "d": {}})"},
      {"{{ d.copy() }} {{ l.copy() }}", R"({"d": {"a": 1}, "l": [1]})"},
      {"{{ s.__class__ }}", R"({"s": "x"})"},
      {"{{ {'a': 1}.a }} {{ {'a': {'b': 2}}['a'].b }}"},
  });
}

TEST(JinjaParity, IfAndFor) {
  EXPECT_PARITY({
      {"{% if a %}A{% elif b %}B{% elif c %}C{% else %}D{% endif %}", R"({"b": 0, "c": [1]})"},
      {"{% if [] %}x{% else %}empty{% endif %}{% if {} %}x{% endif %}{% if '0' %}str0{% endif %}{% if 0.0 %}z{% endif %}"},
      {"{% for x in l %}{{ loop.index }}/{{ loop.index0 }}/{{ loop.revindex }}/{{ loop.revindex0 }}/{{ loop.first }}/{{ loop.last }}/{{ loop.length }};{% endfor %}", R"({"l": ["a", "b", "c"]})"},
      {"{% for x in l %}[{{ loop.previtem }}|{{ loop.nextitem }}|{{ loop.previtem is defined }}]{% endfor %}", R"({"l": ["a", "b", "c"]})"},
      {"{% for x in l %}{{ loop.cycle('odd', 'even') }}{% if loop.changed(x) %}!{% endif %}{% endfor %} {{ loop is defined }}", R"({"l": [1, 1, 2]})"},
      {"{% for x in [] %}x{% else %}none{% endfor %}{% for x in [1] %}{{ x }}{% else %}no{% endfor %}"},
      {"{% for x in undefined_thing %}x{% else %}empty{% endfor %}"},
      {"{% for x in none %}x{% endfor %}"},
      {"{% for x in 5 %}x{% endfor %}"},
      {"{% for c in 'héy' %}{{ c }}.{% endfor %}{% for k in {'b': 1, 'a': 2} %}{{ k }}{% endfor %}"},
      {"{% for a, b in [[1, 2], [3, 4]] %}{{ a + b }},{% endfor %}{% for (a, b), c in [((1, 2), 3)] %}{{ a }}{{ b }}{{ c }}{% endfor %}"},
      {"{% for a, b in [[1, 2, 3]] %}{% endfor %}"},
      {"{% for a, b in [[1]] %}{% endfor %}"},
      {"{% for x in l if x is odd %}{{ x }}:{{ loop.index }}/{{ loop.length }},{% endfor %}", R"({"l": [1, 2, 3, 4, 5]})"},
      {"{% for x in l | reverse %}{{ x }}{% endfor %} {% for x in l | sort(reverse=true) %}{{ x }}{% endfor %}", R"({"l": [3, 1, 2]})"},
      {"{% for i in range(5) %}{% if i == 1 %}{% continue %}{% endif %}{% if i == 3 %}{% break %}{% endif %}{{ i }}{% endfor %}"},
      {"{% for i in [1, 2] %}{% for j in [1, 2, 3] %}{% if j == 2 %}{% break %}{% endif %}{{ i }}{{ j }}{{ loop.index }} {% endfor %}{{ loop.index }};{% endfor %}"},
      {"{% for m in msgs %}{% if loop.first or msgs[loop.index0 - 1].role != m.role %}<{{ m.role }}>{% endif %}{{ m.c }}{% endfor %}",
       R"({"msgs": [{"role": "u", "c": 1}, {"role": "t", "c": 2}, {"role": "t", "c": 3}, {"role": "u", "c": 4}]})"},
      {"{% for x in l[::-1] %}{{ (l | length - 1) - loop.index0 }}{{ x }} {% endfor %}", R"({"l": ["a", "b", "c"]})"},
      {"{% for x in l %}{{ loop }}{% endfor %}", R"({"l": [1]})"},
      {"{% break %}"},
  });
}

TEST(JinjaParity, ScopingAndSet) {
  EXPECT_PARITY({
      {"{% set x = 1 %}{% for i in [1, 2] %}{{ x }}{% set x = x + 10 %}{{ x }} {% endfor %}{{ x }}"},
      {"{% set ns = namespace(n=0, items=[]) %}{% for i in range(3) %}{% set ns.n = ns.n + i %}{% endfor %}{{ ns.n }} {{ ns.items }} {{ ns.missing }}"},
      {"{% set ns = namespace({'a': 1}, b=2) %}{{ ns.a }}{{ ns.b }} {{ ns }}"},
      {"{% set x = 5 %}{% set x.y = 1 %}"},
      {"{% set a, b = 1, 2 %}{{ a }}{{ b }}{% set c = 1, 2 %}{{ c }}"},
      {"{% set t %}  block\n{{ 1 + 1 }} {% endset %}[{{ t }}]"},
      {"{% set t | trim | upper %}  block  {% endset %}[{{ t }}]"},
      {"{% if true %}{% set inner = 'set in if' %}{% endif %}{{ inner }}"},
      {"{% with a = 1, b = 2 %}{{ a + b }}{% endwith %}[{{ a }}]"},
      {"{% set x = 1 %}{% with x = x + 1 %}{{ x }}{% endwith %}{{ x }}"},
      {"{% filter upper %}shout {{ 'this' }}{% endfilter %}"},
      {"{% filter replace('a', 'o') | title %}banana bread{% endfilter %}"},
      {"{% set ns = namespace(v=0) %}{% macro bump() %}{% set ns.v = ns.v + 1 %}{% endmacro %}{{ bump() }}{{ bump() }}{{ ns.v }}"},
      {"{% set g = 'global' %}{% macro show() %}{{ g }}{% endmacro %}{% set g = 'changed' %}{{ show() }}"},
      {"{% for i in [1] %}{% set loopvar = i %}{% endfor %}[{{ loopvar }}]"},
      {"{% set true = 1 %}"},
      {"{% set messages = 'shadowed' %}{{ messages }}", R"({"messages": [1]})"},
  });
}

TEST(JinjaParity, Macros) {
  EXPECT_PARITY({
      {"{% macro greet(name, greeting='Hello') %}{{ greeting }}, {{ name }}!{% endmacro %}{{ greet('Ann') }} {{ greet('Bo', 'Hi') }} {{ greet(greeting='Yo', name='Cy') }}"},
      {"{% macro m(a, b=a ~ '!') %}{{ a }}{{ b }}{% endmacro %}{{ m(1) }} {{ m(1, 2) }} [{{ m() }}]"},
      {"{% macro m(a) %}{{ a }}{% endmacro %}{{ m(1, 2) }}"},
      {"{% macro m(a) %}{{ a }}{% endmacro %}{{ m(b=1) }}"},
      {"{% macro m(a) %}{{ a }}{% endmacro %}{{ m(1, a=2) }}"},
      {"{% macro m(a) %}{{ a }}{{ varargs }}{{ kwargs }}{% endmacro %}{{ m(1, 2, 3, k=4) }}"},
      {"{% macro m() %}x{% endmacro %}{{ m() ~ m() }} {{ m() | length }} {{ m() | upper }} {{ m }}"},
      {"{% macro fact(n) %}{% if n <= 1 %}1{% else %}{{ n * (fact(n - 1) | int) }}{% endif %}{% endmacro %}{{ fact(5) }}"},
      {"{% macro render(c, count=false) %}{% if c is string %}{{ c }}{% else %}{% for p in c %}{{ p.text if 'text' in p else '<img>' }}{% endfor %}{% endif %}{% endmacro %}{{ render('s') }}|{{ render([{'text': 'a'}, {'image': 'x'}]) | trim }}"},
      {"{% macro m(x) %}  {{ x }}  {% endmacro %}[{{ m(1) | trim }}]"},
      {"{% macro outer() %}{% macro inner() %}in{% endmacro %}{{ inner() }}{% endmacro %}{{ outer() }}"},
      {"{% macro m(a, b=1, c) %}{% endmacro %}"},
      {"{% macro loop_m(l) %}{% for x in l %}{{ x }}{% endfor %}{% endmacro %}{% for y in [1, 2] %}{{ loop_m([y, loop.index]) }}{% endfor %}"},
  });
}

TEST(JinjaParity, Filters) {
  EXPECT_PARITY({
      {"[{{ s | trim }}] [{{ s | trim('x ') }}] {{ s | length }} {{ s | count }} {{ s | upper }} {{ s | lower }} {{ s | title }} {{ s | capitalize }}", R"({"s": " xhello wORLD-foo(bar) [baz] x "})"},
      {"{{ l | length }} {{ d | length }} {{ undefined_thing | length }} {{ l | first }} {{ l | last }} {{ 'abc' | first }} {{ 'abc' | last }} {{ d | first }}", R"({"l": [1, 2, 3], "d": {"a": 1, "b": 2}})"},
      {"[{{ [] | first }}] [{{ [] | last }}] {{ ([] | first) is defined }}"},
      {"{{ 5 | length }}"},
      {"{{ l | join }} {{ l | join(', ') }} {{ l | join('-', attribute='n') }} {{ 'abc' | join('.') }}", R"({"l": [{"n": 1}, {"n": "x"}]})"},
      {"{{ x | default('d') }} {{ none | default('d') }} {{ '' | default('d') }} {{ '' | default('d', true) }} {{ 0 | d('z', boolean=true) }} {{ x | d }}"},
      {"{{ '3' | int }} {{ '3.7' | int }} {{ 'x' | int }} {{ 'x' | int(7) }} {{ 3.9 | int }} {{ -3.9 | int }} {{ none | int }} {{ ' 42 ' | int }} {{ '1_000' | int }} {{ 'ff' | int(0, 16) }} {{ true | int }}"},
      {"{{ '3.5' | float }} {{ 'x' | float }} {{ 'x' | float(1.5) }} {{ 2 | float }} {{ '1e3' | float }} {{ ' -inf ' | float }} {{ none | float }}"},
      {"{{ undefined_thing | int }}"},
      {"{{ l | list }} {{ 'ab' | list }} {{ d | list }} {{ undefined_thing | list }} {{ d | items | list }} {{ undefined_thing | items | list }}", R"({"l": [1], "d": {"k": "v"}})"},
      {"{% for k in 5 | items %}{% endfor %}"},
      {"{{ 5 | list }}"},
      {"{{ l | map(attribute='n') | list }} {{ l | map(attribute='z', default='?') | list }} {{ ['a', 'b'] | map('upper') | join }} {{ [' a ', 'b '] | map('trim') | list }}", R"({"l": [{"n": 1}, {"m": 2}]})"},
      {"{{ l | selectattr('role', 'equalto', 'user') | list }} {{ l | rejectattr('role', 'equalto', 'user') | map(attribute='role') | list }} {{ l | selectattr('x') | list }} {{ l | selectattr('x', 'defined') | list }}",
       R"({"l": [{"role": "user", "x": 1}, {"role": "tool"}, {"role": "user", "x": 0}]})"},
      {"{{ [1, 2, 3, 4] | select('odd') | list }} {{ [1, 2, 3] | reject('even') | list }} {{ [0, 1, '', 'a', none] | select | list }} {{ [1, 5, 10] | select('gt', 3) | list }} {{ ['a', 1] | select('string') | list }}"},
      {"{{ l | selectattr('role', 'equalto', 'user') | length }}", R"({"l": [{"role": "user"}]})"},
      {"{% if l | selectattr('role', 'equalto', 'nobody') %}generators are always true{% endif %}", R"({"l": [{"role": "user"}]})"},
      {"{% set g = [1, 2] | map('string') %}{{ g | list }}{{ g | list }}"},
      {"{{ [1, 2] | map('string') | first }}"},
      {"{{ [1, 2] | select | last }}"},
      {"{{ [3, 1, 2] | sort }} {{ ['b', 'A', 'c'] | sort }} {{ ['b', 'A', 'c'] | sort(case_sensitive=true) }} {{ [3, 1, 2] | sort(true) }}"},
      {"{{ l | sort(attribute='n') | map(attribute='n') | list }} {{ l | sort(attribute='k,n') | map(attribute='n') | list }}", R"({"l": [{"n": 2, "k": "b"}, {"n": 1, "k": "b"}, {"n": 3, "k": "a"}]})"},
      {"{{ [1, 'a'] | sort }}"},
      {"{{ [1, 2, 1, 3, 2] | unique | list }} {{ ['a', 'A', 'b'] | unique | list }} {{ ['a', 'A'] | unique(true) | list }}"},
      {"{{ [1, 2, 3] | reverse | list }} {{ 'abc' | reverse }} {{ {'a': 1, 'b': 2} | reverse | list }} {{ ([1, 2] | reverse) is iterable }}"},
      {"{{ 2.5 | round }} {{ 3.5 | round }} {{ 2.675 | round(2) }} {{ 2.1 | round(0, 'ceil') }} {{ 2.9 | round(method='floor') }} {{ 5 | round }} {{ -2.5 | round }} {{ 1234.5 | round(-2) }}"},
      {"{{ 2 | round(1, 'up') }}"},
      {"{{ -3 | abs }} {{ -3.5 | abs }} {{ true | abs }}"},
      {"{{ 'x' | abs }}"},
      {"{{ 1 | string }} {{ none | string }} {{ [1, 'a'] | string }} {{ 'a' | string | length }}"},
      {"{{ 'a & b' | escape }} {{ '<b>' | e }} {{ ('<b>' | safe) | escape }} {{ '\"q\\'' | escape }}"},
      {"{{ '<p>' | safe + '<q>' }} {{ '<q>' + '<p>' | safe }} {{ ('<p>' | safe) ~ '<q>' }} {{ ('a' | safe) is escaped }} {{ 'a' is escaped }}"},
      {"{{ 'a\\nb\\n\\nc' | indent }}|{{ 'a\\nb' | indent(2, true) }}|{{ 'a\\n\\nb' | indent('> ', blank=true) }}"},
      {"{{ 'Hello %s, %d' | format('x', 3) }} {{ '%(a)s' | format(a='kw') }}"},
      {"{{ [1, 2, 3] | sum }} {{ l | sum(attribute='n') }} {{ [1.5, 2] | sum }} {{ [[1], [2]] | sum(start=[]) }}", R"({"l": [{"n": 1}, {"n": 2}]})"},
      {"{{ [3, 1, 2] | max }} {{ [3, 1, 2] | min }} {{ ['b', 'A'] | max }} {{ l | max(attribute='n') }} [{{ [] | max }}]", R"({"l": [{"n": 1}, {"n": 2}]})"},
      {"{{ d | dictsort }} {{ d | dictsort(by='value') }} {{ d | dictsort(reverse=true) }}", R"({"d": {"b": 1, "A": 3, "c": 2}})"},
      {"{{ 'banana' | replace('a', 'o') }} {{ 'banana' | replace('a', 'o', 2) }} {{ 5 | replace('5', 'five') }}"},
      {"{{ x | attr('role') }}|{{ x | attr('get') is defined }}|{{ 'ab' | attr('upper') is callable }}", R"({"x": {"role": "user"}})"},
      {"{{ 'abc' | center(9) }}|"},
      {"{{ 'abc' | nonexistent_filter }}"},
      {"{{ 'abc' | wordcount }} {{ 'Hello, wörld_x 42 -- ok!' | wordcount }} {{ '' | wordcount }}"},
      {"{% if false %}{{ 'abc' | nonexistent_filter }}{% endif %}ok"},
      {"{{ 'a' | upper(1) }}"},
  });
}

TEST(JinjaParity, ToJson) {
  EXPECT_PARITY({
      {"{{ v | tojson }}", R"({"v": {"b": 1, "a": [1.0, 2.5, -0.0, 1e100, true, null, "x\"y\\z\n\t\u0001é😀\u007f</script>"]}})"},
      {"{{ v | tojson(indent=2) }}", R"({"v": {"a": [1, {"b": []}], "c": {}, "d": "x"}})"},
      {"{{ v | tojson(indent=0) }}|{{ v | tojson(indent='\\t') }}", R"({"v": [1, [2]]})"},
      {"{{ v | tojson(separators=(',', ':')) }} {{ v | tojson(sort_keys=true) }} {{ v | tojson(ensure_ascii=true) }}", R"({"v": {"z": "é😀", "a": [1, 2]}})"},
      {"{{ v | tojson(true) }}", R"({"v": "é"})"},
      {"{{ (1, 2) | tojson }} {{ {1: 'a', 2.5: 'b', true: 'c', none: 'd'} | tojson }} {{ 'x' | safe | tojson }} {{ none | tojson }} {{ 3 | tojson }}"},
      {"{{ undefined_thing | tojson }}"},
      {"{{ namespace(a=1) | tojson }}"},
      {"{{ {(1, 2): 3} | tojson }}"},
      {"{{ (1e308 * 10) | tojson }} {{ (-1e308 * 10) | tojson }}"},
  });
}

TEST(JinjaParity, Tests) {
  EXPECT_PARITY({
      {"{{ x is defined }} {{ x is undefined }} {{ n is none }} {{ n is defined }} {{ t is true }} {{ t is false }} {{ t is boolean }} {{ 1 is boolean }}", R"({"n": null, "t": true})"},
      {"{{ 1 is integer }} {{ true is integer }} {{ 1.0 is integer }} {{ 1.0 is float }} {{ 1 is number }} {{ true is number }} {{ 'a' is number }}"},
      {"{{ 'a' is string }} {{ 1 is string }} {{ {} is mapping }} {{ [] is mapping }} {{ [] is sequence }} {{ 'a' is sequence }} {{ {} is sequence }} {{ 1 is sequence }} {{ none is sequence }}"},
      {"{{ [] is iterable }} {{ 'a' is iterable }} {{ {} is iterable }} {{ 1 is iterable }} {{ x is iterable }} {{ x is sequence }} {{ ([1] | map('string')) is iterable }} {{ ([1] | map('string')) is sequence }}"},
      {"{{ 3 is odd }} {{ 3 is even }} {{ 9 is divisibleby 3 }} {{ 9 is divisibleby(4) }} {{ 2.0 is even }}"},
      {"{{ 1 is eq 1 }} {{ 1 is equalto 2 }} {{ 1 is ne 2 }} {{ 1 is lt 2 }} {{ 1 is le 1 }} {{ 2 is gt 1 }} {{ 2 is ge 3 }} {{ 2 is greaterthan 1 }} {{ 1 is lessthan 2 }} {{ 1 is == 1 }} {{ 1 is != 1 }}"},
      {"{{ 2 is in [1, 2] }} {{ 'a' is in 'abc' }} {{ 'z' is not in {'a': 1} }}"},
      {"{{ 'abc' is lower }} {{ 'ABC' is upper }} {{ 'aBc' is lower }} {{ 'upper' is filter }} {{ 'nope' is filter }} {{ 'odd' is test }}"},
      {"{{ none is sameas none }} {{ false is sameas false }} {{ 0 is sameas false }} {{ 1 is sameas 1 }}"},
      {"{{ range is callable }} {{ 'a' is callable }} {{ x is callable }} {{ ''.upper is callable }} {{ namespace() is callable }}"},
      {"{{ x is not none and x is string }} {{ 'a' if x is defined else 'b' }}", R"({"x": "s"})"},
      {"{{ 1 is nonexistent_test }}"},
      {"{{ 1 is divisibleby }}"},
  });
}

TEST(JinjaParity, Globals) {
  EXPECT_PARITY({
      {"{{ range(3) | list }} {{ range(1, 4) | list }} {{ range(10, 0, -3) | list }} {{ range(0) | list }} {{ range(3) | length }}"},
      {"{{ range(1, 2, 0) | list }}"},
      {"{{ range(100001) | length }}"},
      {"{{ range('a') | list }}"},
      {"{{ dict(a=1, b='x') }} {{ dict({'k': 1}, z=2) }} {{ dict([('p', 1)]) }} {{ dict() }}"},
      {"{% set j = joiner(' | ') %}{% for x in [1, 2, 3] %}{{ j() }}{{ x }}{% endfor %}"},
      {"{{ raise_exception('Custom failure: ' ~ 42) }}"},
      {"{% if x is not defined %}{{ raise_exception('x is required') }}{% endif %}"},
      {"{{ strftime_now('%Y') | length }} {{ strftime_now('') }} {{ strftime_now('%Y-%m-%d') }} [{{ strftime_now('%z%Z') }}] {{ strftime_now('%f') | length }} {{ strftime_now('%%') }}"},
      {"{{ undefined_function() }}"},
      {"{{ 'not callable'() }}"},
  });
}

TEST(JinjaParity, Errors) {
  EXPECT_PARITY({
      {"{% if x %}unclosed"},
      {"{% for x in y %}{% endif %}"},
      {"{% endfor %}"},
      {"{{ 1 + }}"},
      {"{{ (1 }}"},
      {"{{ 'unterminated }}"},
      {"{% unknown_tag %}"},
      {"{% do x %}"},
      {"{{ x | }}"},
      {"{{ a.b.c.d }}"},
      {"{{ a is defined is none }}"},
      {"{% if x %}{% else %}{% else %}{% endif %}"},
      {"{# unterminated comment"},
      {"{{ x"},
      {"{% raw %} never closed"},
      {"{% include 'other.jinja' %}"},
      {"{% extends 'base.jinja' %}"},
      {"{{ f(a=1, 2) }}"},
      {"{{ [1, 2 }}"},
      {"{% set %}"},
      {"{{ }}"},
      {"{% for %}{% endfor %}"},
  });
}

// ---- behaviour that needs no oracle ----

TEST(Jinja, ErrorsNameTemplateAndLine) {
  try {
    Template t("line one\n{{ 'a' + 1 }}", "demo.jinja");
    t.render(nlohmann::ordered_json::object());
    FAIL() << "expected an error";
  } catch (const vole::Error& e) {
    EXPECT_EQ(e.code(), vole::ErrorCode::InvalidArgument);
    EXPECT_NE(std::string(e.what()).find("demo.jinja:2:"), std::string::npos) << e.what();
  }
  try {
    Template t("ok\n\n{% if %}", "syntax.jinja");
    FAIL() << "expected a syntax error";
  } catch (const vole::Error& e) {
    EXPECT_EQ(e.code(), vole::ErrorCode::InvalidFile);
    EXPECT_NE(std::string(e.what()).find("syntax.jinja:3:"), std::string::npos) << e.what();
  }
}

TEST(Jinja, UnsupportedConstructsSayWhat) {
  auto code_of = [](const std::string& tmpl) {
    try {
      Template(tmpl).render(nlohmann::ordered_json::object());
    } catch (const vole::Error& e) {
      return std::make_pair(e.code(), std::string(e.what()));
    }
    return std::make_pair(vole::ErrorCode::Internal, std::string("no error"));
  };
  auto [c1, m1] = code_of("{{ 'x' | wordwrap }}");
  EXPECT_EQ(c1, vole::ErrorCode::Unsupported);
  EXPECT_NE(m1.find("wordwrap"), std::string::npos) << m1;
  auto [c2, m2] = code_of("{{ 'x' | no_such_filter }}");
  EXPECT_EQ(c2, vole::ErrorCode::InvalidFile);
  EXPECT_NE(m2.find("no_such_filter"), std::string::npos) << m2;
  auto [c3, m3] = code_of("{% include 'x' %}");
  EXPECT_EQ(c3, vole::ErrorCode::Unsupported);
  EXPECT_NE(m3.find("include"), std::string::npos) << m3;
  auto [c4, m4] = code_of("{{ 'abc'.encode() }}");
  EXPECT_EQ(c4, vole::ErrorCode::Unsupported);
  EXPECT_NE(m4.find("encode"), std::string::npos) << m4;
}

TEST(Jinja, RaiseExceptionCarriesTheTemplatesMessage) {
  try {
    Template("{{ raise_exception('Conversation roles must alternate') }}").render(nlohmann::ordered_json::object());
    FAIL() << "expected a raise";
  } catch (const RaisedByTemplate& e) {
    EXPECT_STREQ(e.what(), "Conversation roles must alternate");
    EXPECT_EQ(e.code(), vole::ErrorCode::InvalidArgument);
  }
}

TEST(Jinja, HostileInputFailsCleanly) {
  std::string deep(5000, '(');
  EXPECT_THROW(Template("{{ " + deep + "1" + std::string(5000, ')') + " }}"), vole::Error);
  std::string nested;
  for (int i = 0; i < 1000; ++i) nested += "{% if true %}";
  EXPECT_THROW(Template{nested}, vole::Error);
  EXPECT_THROW(Template("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}").render(nlohmann::ordered_json::object()), vole::Error);
  EXPECT_THROW(Template("{{ 'x' * 10000000000 }}").render(nlohmann::ordered_json::object()), vole::Error);
  EXPECT_THROW(Template(std::string("{{ '\xff' }}")), vole::Error);
  EXPECT_THROW(Template("{{ 99999999999999999999 }}"), vole::Error);
  // Values nested deeper than Python's recursion limit: printing fails cleanly, and
  // building and freeing them (lists, dicts, namespace chains) does not overflow the stack.
  EXPECT_THROW(Template("{% set ns = namespace(x=[]) %}{% for i in range(100000) %}{% set ns.x = [ns.x] %}{% endfor %}{{ ns.x }}")
                   .render(nlohmann::ordered_json::object()),
               vole::Error);
  EXPECT_EQ(Template("{% set ns = namespace(x={}) %}{% for i in range(100000) %}{% set ns.x = {'k': ns.x} %}{% endfor %}ok")
                .render(nlohmann::ordered_json::object()),
            "ok");
  EXPECT_EQ(Template("{% set ns = namespace(t=namespace()) %}{% for i in range(100000) %}{% set n = namespace(next=ns.t) %}"
                     "{% set ns.t = n %}{% endfor %}ok")
                .render(nlohmann::ordered_json::object()),
            "ok");
  std::string deep_json(100000, '[');
  deep_json += std::string(100000, ']');
  EXPECT_THROW(Template("{{ x }}").render(nlohmann::ordered_json{{"x", nlohmann::ordered_json::parse(deep_json)}}), vole::Error);
  // Reference cycles (a namespace holding itself, macros in their own scope) are freed.
  EXPECT_EQ(Template("{% set ns = namespace() %}{% set ns.me = ns %}{% macro m() %}{{ ns.me.me is defined }}{% endmacro %}{{ m() }}")
                .render(nlohmann::ordered_json::object()),
            "True");
  // Bound loop functions outlive the loop.
  EXPECT_EQ(Template("{% set ns = namespace() %}{% for i in [1, 2] %}{% set ns.c = loop.cycle %}{% endfor %}{{ ns.c('a', 'b') }}")
                .render(nlohmann::ordered_json::object()),
            "b");
}

TEST(Jinja, TemplateIsReusableAndVariablesMustBeAnObject) {
  Template t("{{ x }}-{% set x = 2 %}{{ x }}");
  EXPECT_EQ(t.render(nlohmann::ordered_json{{"x", 1}}), "1-2");
  EXPECT_EQ(t.render(nlohmann::ordered_json{{"x", "a"}}), "a-2");
  EXPECT_THROW(t.render(nlohmann::ordered_json::array()), vole::Error);
}

}  // namespace
