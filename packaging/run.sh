#!/usr/bin/env bash
# The main job: set up, build, then report the GPU Vole will use and prove its kernels
# on it (`vole devices`, `vole selftest`).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bash "$root/packaging/build.sh"
"$root/build/bin/vole" devices
