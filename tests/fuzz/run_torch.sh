#!/usr/bin/env bash
# Builds the PyTorch checkpoint / NeMo tar fuzzer with clang (libFuzzer + ASan + UBSan)
# and runs it. CI runs it briefly (tests/fuzz/ci.sh).
# Seeds are the real-layout pickle, zip and tar that the test writer produces.
# Usage: tests/fuzz/run_torch.sh [seconds, default 60]
set -euo pipefail
source "$(dirname "$0")/common.sh"
fuzz_setup "" "${1:-60}"
mkdir -p "$out/torch-corpus" "$out/torch-seeds"
engine=("$root/engine/model/restricted_unpickler.cpp" "$root/engine/model/pytorch_zip.cpp"
        "$root/engine/model/tar_reader.cpp" "$root/engine/model/safetensors.cpp" "$root/engine/model/json_util.cpp"
        "$root/engine/util/error.cpp" "$root/engine/util/file.cpp" "$root/engine/util/json.cpp")
# The engine sources are compiled once, for the harness and the seed writer alike.
fuzz_objects $(pkg-config --cflags libzip) -- "${engine[@]}"
fuzz_build fuzz_torch_checkpoint -I"$root/tests" "$root/tests/fuzz/fuzz_torch_checkpoint.cpp" "${objects[@]}" \
  $(pkg-config --libs libzip)
# Seed writer: the test support's torch.save / tar writer, prefixed with the mode byte.
clang++ "${fuzz_flags[@]}" -I"$root/engine" -I"$root/tests" -x c++ - -x none "$root/tests/support/torch_writer.cpp" \
  "${objects[@]}" $(pkg-config --cflags --libs libzip) -o "$out/torch_seeds" <<'CPP'
#include "support/torch_writer.h"
#include <string>
int main(int, char** argv) {
  using namespace vole::test;
  TorchStateDict d;
  d.add_f32("w", {2, 3}, {1, 2, 3, 4, 5, 6});
  d.add_f32("b", {3}, {7, 8, 9});
  auto with_mode = [](uint8_t mode, std::vector<uint8_t> v) { v.insert(v.begin(), mode); return v; };
  std::string dir = argv[1];
  write_bytes(dir + "/pickle", with_mode(0, torch_pickle(d)));
  write_bytes(dir + "/zip", with_mode(1, torch_zip(d)));
  write_bytes(dir + "/tar", with_mode(2, tar_archive({{"./model_config.yaml", {'a', ':', '1'}},
                                                       {"./model_weights.ckpt", torch_zip(d)}})));
}
CPP
"$out/torch_seeds" "$out/torch-seeds"
"$out/fuzz_torch_checkpoint" -max_total_time="$seconds" ${VOLE_FUZZ_SEED:+-seed=$VOLE_FUZZ_SEED} -artifact_prefix="$out/" -max_len=16384 -print_final_stats=1 \
  "$out/torch-corpus" "$out/torch-seeds"
