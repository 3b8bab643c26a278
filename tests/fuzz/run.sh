#!/usr/bin/env bash
# Builds the safetensors header fuzzer with clang (libFuzzer + ASan + UBSan) and runs
# it. CI runs it briefly (tests/fuzz/ci.sh).
# Usage: tests/fuzz/run.sh [seconds, default 60]
set -euo pipefail
source "$(dirname "$0")/common.sh"
fuzz_setup "" "${1:-60}"
fuzz_build fuzz_safetensors_header \
  "$root/tests/fuzz/fuzz_safetensors_header.cpp" \
  "$root/engine/model/safetensors.cpp" "$root/engine/model/json_util.cpp" "$root/engine/util/json.cpp" \
  "$root/engine/util/error.cpp" "$root/engine/util/file.cpp"
# Seeds: small valid files covering every field, metadata, several dtypes.
python3 - "$out/seeds" <<'PY'
import json, struct, sys, os
d = sys.argv[1]
def write(name, header, data):
    h = json.dumps(header).encode()
    open(os.path.join(d, name), "wb").write(struct.pack("<Q", len(h)) + h + data)
write("one", {"w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]}}, bytes(16))
write("meta", {"__metadata__": {"format": "pt"}, "a": {"dtype": "BF16", "shape": [3], "data_offsets": [0, 6]},
               "b": {"dtype": "U32", "shape": [1, 2], "data_offsets": [6, 14]},
               "c": {"dtype": "I8", "shape": [0], "data_offsets": [14, 14]}}, bytes(14))
write("empty", {}, b"")
PY
"$out/fuzz_safetensors_header" -max_total_time="$seconds" ${VOLE_FUZZ_SEED:+-seed=$VOLE_FUZZ_SEED} -artifact_prefix="$out/" -max_len=4096 -print_final_stats=1 \
  "$out/corpus" "$out/seeds"
