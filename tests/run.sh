#!/usr/bin/env bash
# Runs every test: builds (installing dependencies first), then ctest.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bash "$root/packaging/build.sh"
cd "$root/build"
ctest --output-on-failure -j"$(nproc)" "$@"
