#!/usr/bin/env bash
# ctest driver: a tiny random Qwen3 checkpoint (real tokenizer and chat template), a tiny
# Qwen3-Embedding one and a tiny Moonshine one, the pinned OpenAI SDK, then
# openai_sdk_client.mjs against `vole serve` serving all three (and the espeak-ng voice).
# usage: run_openai_sdk.sh VOLE VOLE_MAKE_CHECKPOINT
set -euo pipefail
vole="$1" make_checkpoint="$2"
here="$(cd "$(dirname "$0")" && pwd)"
export VOLE_ORACLE_DIR="${VOLE_ORACLE_DIR:-$(bash "$here/../oracles/fetch.sh")}"  # the Qwen3 tokenizer
sdk="$(bash "$here/../oracles/fetch_openai.sh")"
work="$(mktemp -d /tmp/vole-openai-sdk.XXXXXX)"
trap 'rm -rf "$work"' EXIT
"$make_checkpoint" --preset tiny-qwen3 --format f32 --seed 3 --out "$work/model" >/dev/null
"$make_checkpoint" --preset tiny-qwen3-embedding --format f32 --seed 3 --out "$work/embed" >/dev/null
"$make_checkpoint" --preset tiny-moonshine --seed 3 --out "$work/stt" >/dev/null
node "$here/openai_sdk_client.mjs" "$vole" "$work/model" "$sdk" "$here/../../README.md" "$work/embed" "$work/stt"
