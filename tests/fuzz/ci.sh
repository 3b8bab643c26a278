#!/usr/bin/env bash
# The bounded fuzzing step of tests/run.sh: builds every libFuzzer harness (ASan + UBSan)
# and runs each for a short, fixed time from its seeds, two at a time (libFuzzer uses one
# core). A crash, leak, sanitizer report, timeout or out-of-memory in any harness fails
# the step; its log is printed. Longer runs: the run*.sh scripts with a time argument.
# Usage: tests/fuzz/ci.sh [seconds per harness, default $VOLE_FUZZ_SECONDS or 10]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
seconds="${1:-${VOLE_FUZZ_SECONDS:-10}}"
export VOLE_FUZZ_DIR="${VOLE_FUZZ_DIR:-$here/../../build-fuzz}"
# A fixed seed: a run is repeatable (up to how far it gets in its time), so CI's verdict is
# the same for the same code; VOLE_FUZZ_SEED= (empty) lets libFuzzer pick one.
export VOLE_FUZZ_SEED="${VOLE_FUZZ_SEED-1}"
mkdir -p "$VOLE_FUZZ_DIR/logs"

# Each script builds its harness(es) and fuzzes for $seconds (run_jinja.sh runs two).
scripts=(run_jinja.sh run.sh run_image.sh run_audio.sh run_torch.sh run_yaml.sh)
failed=()
run_one() {
  local script=$1 log="$VOLE_FUZZ_DIR/logs/${1%.sh}.log" start=$SECONDS
  if bash "$here/$script" "$seconds" >"$log" 2>&1; then
    echo "fuzz: $script passed in $((SECONDS - start)) s ($(grep -c 'Done [0-9]* runs' "$log") harness runs done)"
  else
    echo "fuzz: $script FAILED after $((SECONDS - start)) s; its log:"
    tail -n 60 "$log"
    return 1
  fi
}

start=$SECONDS
for ((i = 0; i < ${#scripts[@]}; i += 2)); do
  pids=()
  for script in "${scripts[@]:i:2}"; do
    run_one "$script" &
    pids+=("$!:$script")
  done
  for entry in "${pids[@]}"; do
    wait "${entry%%:*}" || failed+=("${entry#*:}")
  done
done
echo "fuzz: ${#scripts[@]} scripts in $((SECONDS - start)) s, ${seconds} s of fuzzing per harness"
if ((${#failed[@]})); then
  echo "fuzz: failed: ${failed[*]}"
  exit 1
fi
