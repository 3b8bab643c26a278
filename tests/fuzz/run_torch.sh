#!/usr/bin/env bash
# Builds the PyTorch checkpoint / NeMo tar fuzzer with clang (libFuzzer + ASan + UBSan)
# and runs it. CI runs it briefly (tests/fuzz/ci.sh).
# Seeds are the real-layout pickle, zip and tar that the test writer produces.
# Usage: tests/fuzz/run_torch.sh [seconds, default 60]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
seconds="${1:-60}"
out="${VOLE_FUZZ_DIR:-$root/build-fuzz}"
mkdir -p "$out/torch-corpus" "$out/torch-seeds"
flags=(-std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
       -I"$root/engine" -I"$root/tests")
engine=("$root/engine/model/restricted_unpickler.cpp" "$root/engine/model/pytorch_zip.cpp"
        "$root/engine/model/tar_reader.cpp" "$root/engine/model/safetensors.cpp" "$root/engine/model/json_util.cpp"
        "$root/engine/util/error.cpp" "$root/engine/util/file.cpp" "$root/engine/util/json.cpp")
clang++ "${flags[@]}" "$root/tests/fuzz/fuzz_torch_checkpoint.cpp" "${engine[@]}" $(pkg-config --cflags --libs libzip) \
  -o "$out/fuzz_torch_checkpoint"
# Seed writer: the test support's torch.save / tar writer, prefixed with the mode byte.
clang++ -std=c++20 -O1 -I"$root/engine" -I"$root/tests" -x c++ - "$root/tests/support/torch_writer.cpp" "${engine[@]}" \
  $(pkg-config --cflags --libs libzip) -o "$out/torch_seeds" <<'CPP'
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
"$out/fuzz_torch_checkpoint" -max_total_time="$seconds" -artifact_prefix="$out/" -max_len=16384 -print_final_stats=1 \
  "$out/torch-corpus" "$out/torch-seeds"
