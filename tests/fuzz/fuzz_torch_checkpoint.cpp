// libFuzzer harness for the PyTorch / NeMo readers (tests/fuzz/run_torch.sh builds and
// runs it with clang). The first byte picks the surface: the restricted unpickler, a
// whole torch zip checkpoint (every tensor read back), or a tar archive. Each must
// accept the input or throw vole::Error; accepted results must be self-consistent.
#include <cstddef>
#include <cstdint>

#include "model/pytorch_zip.h"
#include "model/restricted_unpickler.h"
#include "model/tar_reader.h"
#include "util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  std::span<const uint8_t> input(data + 1, size - 1);
  try {
    switch (data[0] % 3) {
      case 0: {
        auto graph = vole::model::unpickle_restricted(input, "fuzz");
        for (const auto& t : graph.tensors)
          if (t.storage >= graph.storages.size() || t.shape.size() != t.strides.size()) __builtin_trap();
        vole::model::state_dict_tensors(graph, "fuzz");
        break;
      }
      case 1: {
        vole::model::TorchCheckpoint c(input, "fuzz");
        for (const auto& t : c.tensors())
          if (c.read(t).size() != t.nbytes()) __builtin_trap();
        break;
      }
      case 2:
        for (const auto& m : vole::model::list_tar(input, "fuzz"))
          if (m.offset > input.size() || m.size > input.size() - m.offset) __builtin_trap();
        break;
    }
  } catch (const vole::Error&) {
  }
  return 0;
}
