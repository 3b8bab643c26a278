# Shared by the fuzz scripts (source it): where things go and how a harness is built.
#   fuzz_setup NAME SECONDS   sets $root, $seconds and $out (build-fuzz[/NAME]) with corpus/ and seeds/
#   fuzz_build BINARY ARGS... compiles with clang: libFuzzer + ASan + UBSan, engine/ on the include path
fuzz_setup() {
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  seconds="$2"
  out="${VOLE_FUZZ_DIR:-$root/build-fuzz}${1:+/$1}"
  mkdir -p "$out/corpus" "$out/seeds"
}

fuzz_build() {
  local binary=$1
  shift
  clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -I"$root/engine" "$@" -o "$out/$binary"
}
