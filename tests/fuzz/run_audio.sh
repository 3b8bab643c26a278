#!/usr/bin/env bash
# Builds the audio decoder fuzzer with clang (libFuzzer + ASan + UBSan; libsndfile,
# libsoxr and their codecs are the system's, uninstrumented) and runs it on seeds of every
# supported format made by sox. CI runs it briefly (tests/fuzz/ci.sh).
# Usage: tests/fuzz/run_audio.sh [seconds, default 60]
set -euo pipefail
source "$(dirname "$0")/common.sh"
fuzz_setup audio "${1:-60}"
fuzz_build fuzz_audio_decode \
  "$root/tests/fuzz/fuzz_audio_decode.cpp" \
  "$root/engine/audio/decode.cpp" "$root/engine/audio/resample.cpp" "$root/engine/audio/sndfile_io.cpp" \
  "$root/engine/util/error.cpp" "$root/engine/util/file.cpp" \
  $(pkg-config --cflags --libs sndfile soxr)
seed() {  # seed NAME [sox output options...]
  local name=$1
  shift
  sox -n -r 8000 "$@" "$out/seeds/$name" synth 0.1 sine 440 vol 0.5
}
seed s.wav -b 16
seed s2.wav -b 24 -c 2
seed sf.wav -e floating-point -b 32
seed su.wav -e u-law
seed s.aiff -b 16
seed s.flac
seed s.ogg
seed s.mp3
# Leaks inside system libraries are suppressed (see the file).
LSAN_OPTIONS="suppressions=$root/tests/fuzz/lsan_suppressions.txt" \
  "$out/fuzz_audio_decode" -max_total_time="$seconds" ${VOLE_FUZZ_SEED:+-seed=$VOLE_FUZZ_SEED} -max_len=16384 -print_final_stats=1 \
  -artifact_prefix="$out/" \
  "$out/corpus" "$out/seeds"
