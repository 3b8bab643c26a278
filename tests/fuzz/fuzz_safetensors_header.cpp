// libFuzzer harness for the safetensors header parser (tests/fuzz/run.sh builds and
// runs it with clang). The input is a whole file; the parser must accept it or throw
// vole::Error, and every tensor range it accepts must lie inside the input.
#include <cstddef>
#include <cstdint>

#include "model/safetensors.h"
#include "util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    auto header = vole::model::parse_safetensors_header({data, size}, "fuzz");
    for (const auto& t : header.tensors)
      if (t.begin > t.end || t.end > size || t.begin < header.data_offset) __builtin_trap();
  } catch (const vole::Error&) {
  }
  return 0;
}
