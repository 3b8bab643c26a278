#!/usr/bin/env bash
# Builds the chat-template fuzzers with clang (libFuzzer + ASan + UBSan) and runs each for
# a bounded time: fuzz_jinja_template (template source) and fuzz_chat_json (a messages /
# request JSON through the bounded parser and a template). CI runs them briefly (ci.sh).
# Usage: tests/fuzz/run_jinja.sh [seconds per harness, default 60]
set -euo pipefail
source "$(dirname "$0")/common.sh"
fuzz_setup jinja "${1:-60}"
text=("$root"/engine/text/jinja_*.cpp "$root/engine/text/chat_template.cpp" "$root/engine/text/utf8.cpp"
      "$root/engine/util/error.cpp" "$root/engine/util/file.cpp" "$root/engine/util/json.cpp")
fuzz_objects $(pkg-config --cflags icu-uc) -- "${text[@]}"
icu=$(pkg-config --libs icu-uc)
fuzz_build fuzz_jinja_template "$root/tests/fuzz/fuzz_jinja_template.cpp" "${objects[@]}" $icu
fuzz_build fuzz_chat_json "$root/tests/fuzz/fuzz_chat_json.cpp" "${objects[@]}" $icu
# Seeds: the repository's real chat templates and message files.
mkdir -p "$out/seeds-json" "$out/corpus-json"
find "$root/tests" -name '*.jinja' -size -64k -exec cp {} "$out/seeds/" \; 2>/dev/null || true
printf '%s' '{%- for m in messages %}{{ m.role }}: {{ m.content | trim }}{% if loop.last %}!{% endif %}{% endfor %}' \
  >"$out/seeds/basic.jinja"
printf '%s' '{% set ns = namespace(a=[]) %}{% for i in range(3) %}{% set ns.a = ns.a + [i] %}{% endfor %}{{ ns.a | tojson(indent=1) }}' \
  >"$out/seeds/namespace.jinja"
printf '%s' '[{"role":"user","content":"hi"},{"role":"assistant","content":[{"type":"text","text":"a"}],"tool_calls":[{"function":{"name":"f","arguments":{"x":[1,2,{"y":null}]}}}]}]' \
  >"$out/seeds-json/messages.json"
printf '%s' '{"messages":[{"role":"user","content":"q"}],"tools":[{"type":"function","function":{"name":"t","parameters":{"type":"object"}}}]}' \
  >"$out/seeds-json/request.json"
export ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions="$root/tests/fuzz/lsan_suppressions.txt"
"$out/fuzz_jinja_template" -max_total_time="$seconds" ${VOLE_FUZZ_SEED:+-seed=$VOLE_FUZZ_SEED} -artifact_prefix="$out/" -max_len=2048 -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 "$out/corpus" "$out/seeds"
"$out/fuzz_chat_json" -max_total_time="$seconds" ${VOLE_FUZZ_SEED:+-seed=$VOLE_FUZZ_SEED} -artifact_prefix="$out/" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 "$out/corpus-json" "$out/seeds-json"
