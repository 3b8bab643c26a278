#!/usr/bin/env bash
# Runs every test: builds (installing dependencies first), then ctest. Then the CPU
# tests that parse untrusted files (labels `model`, `image` and `audio`) again under
# AddressSanitizer and UBSan, in a second build dir that builds nothing else; last, every
# fuzzing harness for a bounded time (tests/fuzz/ci.sh).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
# Each phase reports when it ends (seconds since the start), so a CI log shows where the
# time goes.
phase() { echo "tests/run.sh: $1 done at ${SECONDS} s"; }
bash "$root/packaging/build.sh"
phase "build"
# Reference implementations the parity tests compare against (npm, cached).
VOLE_ORACLE_DIR="$(bash "$root/tests/oracles/fetch.sh")"
export VOLE_ORACLE_DIR VOLE_REQUIRE_ORACLES=1
cd "$root/build"
ctest --output-on-failure -j"$(nproc)" "$@"
phase "tests"

# Sanitizer pass over the CPU tests that parse untrusted files (model files, images,
# audio, the documents the knowledge base extracts): only these targets are built; other
# test executables stay unbuilt and ctest -L/-R skips them. Leaks inside system
# libraries are suppressed (tests/fuzz/lsan_suppressions.txt).
cmake -S "$root" -B "$root/build-asan" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DVOLE_SANITIZE=ON -DVOLE_BUILD_DESKTOP=OFF >/dev/null
cmake --build "$root/build-asan" -j"$(nproc)" --target test_model test_image test_audio test_knowledge test_hostile
phase "sanitizer build"
cd "$root/build-asan"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS="suppressions=$root/tests/fuzz/lsan_suppressions.txt"
ctest --output-on-failure -j"$(nproc)" -L "model|image|audio"
ctest --output-on-failure -j"$(nproc)" -R '^(TextDecoder|TextBlocks|Extract|ExtractFuzz|Chunker)\.'
# The hostile cases that run in-process (output files, template limits, JSON depth, the
# number parser, damaged databases, tokenising, terminal lines, input files). Those that
# run build/bin/vole are covered by the normal pass. The cases that hold work to a
# wall-clock bound (a real template against its budget, Stop during a long tokenisation)
# are left to the normal pass: the sanitizers slow them several times over.
ctest --output-on-failure -j"$(nproc)" -E 'RealTemplatesStayFarFromTheBudgets|HostileTokenize\.StopEnds' \
  -R '^(HostileOutput|HostileTemplate\.|Cases/HostileTemplateMemory\.|HostileJson\.(DepthIsBoundedBeforeParsing|DeepTokenizerJsonIsRefused)|HostileNumbers\.OneParserForEveryOption|HostilePaths\.ReadTextFile|HostileDownload\.|HostileDamagedDatabase\.|HostileTokenize\.|HostileTerminal\.|HostileInputFiles\.)'

# Bounded fuzzing: every libFuzzer harness in tests/fuzz (the template interpreter, the JSON
# entry points, safetensors headers, images, audio, PyTorch/NeMo checkpoints, YAML) for a
# fixed short time each from its seeds; any crash, leak or sanitizer report fails the run.
phase "sanitizer tests"
bash "$root/tests/fuzz/ci.sh"
phase "fuzzing"
