#include "gpu/kernel_registry.h"

#include <string>

#include "util/error.h"

namespace vole::gpu {

const KernelBinary& find_kernel(std::string_view name) {
  for (const auto& k : all_kernels())
    if (name == k.name) return k;
  fail(ErrorCode::NotFound, "no kernel named '" + std::string(name) + "' is embedded in this build");
}

}  // namespace vole::gpu
