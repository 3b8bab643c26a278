#!/usr/bin/env bash
# Fetches the official OpenAI JavaScript SDK (npm `openai`, pinned), the real client the
# server tests drive `vole serve` with, into a cache directory (default
# ~/.cache/vole-test-openai), once. Prints the dir. Never shipped.
set -euo pipefail
dir="${VOLE_OPENAI_SDK_DIR:-$HOME/.cache/vole-test-openai}"
want="openai@6.49.0"
stamp="$dir/.installed"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
  mkdir -p "$dir"
  [[ -f "$dir/package.json" ]] || echo '{"name":"vole-test-openai","private":true}' > "$dir/package.json"
  (cd "$dir" && npm install --no-audit --no-fund --loglevel=error $want >&2)
  echo "$want" > "$stamp"
fi
echo "$dir"
