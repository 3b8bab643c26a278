# Shared by the fuzz scripts (source it): where things go and how a harness is built.
#   fuzz_setup NAME SECONDS   sets $root, $seconds and $out (build-fuzz[/NAME]) with corpus/ and seeds/
#   fuzz_objects FLAGS -- SOURCES...
#                             compiles the sources (two at a time) into $out/obj and sets the
#                             array $objects, so harnesses that share sources compile them once
#   fuzz_build BINARY ARGS... compiles and links with clang: libFuzzer + ASan + UBSan, engine/
#                             on the include path; ARGS are sources, objects and flags
fuzz_setup() {
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  seconds="$2"
  out="${VOLE_FUZZ_DIR:-$root/build-fuzz}${1:+/$1}"
  mkdir -p "$out/corpus" "$out/seeds"
}

# Line tables are enough for the sanitizers' stack traces and compile faster than -g;
# lld links faster than ld.bfd (see the top-level CMakeLists.txt).
fuzz_flags=(-std=c++20 -gline-tables-only -O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined)
fuzz_link_flags=()
command -v ld.lld >/dev/null 2>&1 && fuzz_link_flags=(-fuse-ld=lld)

fuzz_objects() {
  local flags=() src obj pids=() pid
  while [[ $1 != -- ]]; do flags+=("$1"); shift; done
  shift
  mkdir -p "$out/obj"
  objects=()
  for src in "$@"; do
    obj="$out/obj/$(realpath --relative-to="$root" "$src" | tr / _).o"
    clang++ "${fuzz_flags[@]}" -fsanitize=fuzzer-no-link -I"$root/engine" "${flags[@]}" -c "$src" -o "$obj" &
    pids+=("$!")
    objects+=("$obj")
    if ((${#pids[@]} == 2)); then
      for pid in "${pids[@]}"; do wait "$pid" || return 1; done
      pids=()
    fi
  done
  for pid in "${pids[@]}"; do wait "$pid" || return 1; done
}

fuzz_build() {
  local binary=$1
  shift
  clang++ "${fuzz_flags[@]}" "${fuzz_link_flags[@]}" -fsanitize=fuzzer -I"$root/engine" "$@" -o "$out/$binary"
}
