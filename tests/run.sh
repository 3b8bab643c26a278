#!/usr/bin/env bash
# Runs every test: builds (installing dependencies first), then ctest.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bash "$root/packaging/build.sh"
# Reference implementations the parity tests compare against (npm, cached).
VOLE_ORACLE_DIR="$(bash "$root/tests/oracles/fetch.sh")"
export VOLE_ORACLE_DIR VOLE_REQUIRE_ORACLES=1
cd "$root/build"
ctest --output-on-failure -j"$(nproc)" "$@"
