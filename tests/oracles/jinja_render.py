#!/usr/bin/python3
"""Reference renderer for Vole's Jinja engine tests: jinja2 configured exactly as
transformers renders chat templates (src/transformers/utils/chat_template_utils.py:
ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks, loopcontrols, its tojson
filter and raise_exception / strftime_now globals), and apply_chat_template's choice of
template and template variables.

Reads a JSON array of cases on stdin and writes a JSON array of results, one per case:
  {"template": str, "vars": {...}}                    render a template with variables
  {"chat": {"model_dir": str | "template": str,       render a conversation as
            "tokenizer_config": {...}, "messages": [...], "tools": [...] | null,
            "add_generation_prompt": bool, "enable_thinking": bool (optional),
            "extra": {...}}}                           tokenizer.apply_chat_template does
Result: {"ok": true, "text": str} or {"ok": false, "error": "Type: message"}.
Run with Debian's /usr/bin/python3 (python3-jinja2)."""
import json
import os
import sys
from datetime import datetime

import jinja2
import jinja2.ext
from jinja2.sandbox import ImmutableSandboxedEnvironment


def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def strftime_now(format):
    return datetime.now().strftime(format)


class GenerationTag(jinja2.ext.Extension):
    """transformers' AssistantTracker: {% generation %}...{% endgeneration %} renders its body."""

    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return jinja2.nodes.CallBlock(self.call_method("_render"), [], [], body).set_lineno(lineno)

    def _render(self, caller):
        return caller()


def make_env():
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                       extensions=[GenerationTag, jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


ENV = make_env()
_compiled = {}


def compile_template(source):
    """transformers caches compiled templates (lru_cache); so do we, for speed."""
    if source not in _compiled:
        _compiled[source] = ENV.from_string(source)
    return _compiled[source]


def special_tokens_map(config):
    """PreTrainedTokenizerBase.special_tokens_map: the special tokens that are set."""
    out = {}
    for key in ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token",
                "additional_special_tokens"]:
        value = config.get(key)
        if isinstance(value, dict):
            value = value.get("content")
        if isinstance(value, list):
            value = [v.get("content") if isinstance(v, dict) else v for v in value]
        if value:
            out[key] = value
    return out


def load_model_dir(path):
    config = {}
    config_path = os.path.join(path, "tokenizer_config.json")
    if os.path.exists(config_path):
        with open(config_path, encoding="utf-8") as f:
            config = json.load(f)
    jinja_path = os.path.join(path, "chat_template.jinja")
    if os.path.exists(jinja_path):
        with open(jinja_path, encoding="utf-8") as f:
            return f.read(), config
    template = config.get("chat_template")
    if isinstance(template, list):
        template = {t["name"]: t["template"] for t in template}
    if template is None and os.path.exists(os.path.join(path, "chat_template.json")):
        with open(os.path.join(path, "chat_template.json"), encoding="utf-8") as f:
            template = json.load(f)["chat_template"]
    return template, config


def render_chat(case):
    if "model_dir" in case:
        template, config = load_model_dir(case["model_dir"])
    else:
        template, config = case["template"], case.get("tokenizer_config", {})
    tools = case.get("tools")
    if isinstance(template, dict):  # tokenizer.get_chat_template
        if tools is not None and "tool_use" in template:
            template = template["tool_use"]
        else:
            template = template["default"]
    kwargs = dict(special_tokens_map(config))
    kwargs.update(case.get("extra", {}))
    if "enable_thinking" in case:
        kwargs["enable_thinking"] = case["enable_thinking"]
    compiled = compile_template(template)
    return compiled.render(messages=case["messages"], tools=tools, documents=None,
                           add_generation_prompt=case.get("add_generation_prompt", False), **kwargs)


def run(case):
    try:
        if "chat" in case:
            text = render_chat(case["chat"])
        else:
            text = compile_template(case["template"]).render(**case.get("vars", {}))
        return {"ok": True, "text": text}
    except Exception as e:  # every failure is a result to compare, not a crash
        return {"ok": False, "error": f"{type(e).__name__}: {e}"}


def main():
    cases = json.load(sys.stdin)
    json.dump([run(c) for c in cases], sys.stdout, ensure_ascii=True)


if __name__ == "__main__":
    main()
