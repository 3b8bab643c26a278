#!/usr/bin/env bash
# Builds the YAML config fuzzer (a NeMo archive's model_config.yaml, the codec's config)
# with clang (libFuzzer + ASan + UBSan) and runs it for a bounded time. CI runs it
# briefly (tests/fuzz/ci.sh); test_hostile replays the hostile YAML cases deterministically.
# Usage: tests/fuzz/run_yaml.sh [seconds, default 60]
set -euo pipefail
source "$(dirname "$0")/common.sh"
fuzz_setup yaml "${1:-60}"
fuzz_build fuzz_yaml_config "$root/tests/fuzz/fuzz_yaml_config.cpp" "$root/engine/model/yaml_json.cpp" \
  "$root/engine/model/json_util.cpp" "$root/engine/util/json.cpp" "$root/engine/util/error.cpp" "$root/engine/util/file.cpp" \
  $(pkg-config --cflags --libs yaml-0.1)
# Seeds: the shapes OmegaConf writes (block and flow style, quoted scalars, nulls).
printf '%s\n' 'sample_rate: 22050' 'target: nemo.collections.tts.models.AudioCodecModel' 'audio_decoder:' \
  '  _target_: nemo.collections.tts.modules.audio_codec_modules.HiFiGANDecoder' '  up_sample_rates:' '  - 7' '  - 7' \
  '  - 6' '  base_channels: 864' '  activation: half_snake' 'vector_quantizer:' '  num_levels: [8, 7, 6, 6]' \
  '  num_groups: 4' 'note: "quoted: text"' 'empty: ~' 'ratio: 0.5' >"$out/seeds/codec.yaml"
printf '%s' '{a: [1, {b: null}], c: "x"}' >"$out/seeds/flow.yaml"
printf '%s' $'list:\n- a: 1\n  b: [true, false]\n- |\n  block text\n' >"$out/seeds/block.yaml"
export ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions="$root/tests/fuzz/lsan_suppressions.txt"
"$out/fuzz_yaml_config" -max_total_time="$seconds" ${VOLE_FUZZ_SEED:+-seed=$VOLE_FUZZ_SEED} -artifact_prefix="$out/" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 "$out/corpus" "$out/seeds"
