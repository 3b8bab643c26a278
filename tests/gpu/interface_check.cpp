// Not part of any binary: ctest compiles it (tests/gpu/CMakeLists.txt) to show that the
// kernel interfaces are checked when code is compiled. As is, it must compile; with
// -DMISSPELT_KERNEL or -DPUSH_TOO_LARGE it must not.
#include "gpu/kernel_names.h"
#include "interface_common.h"

#ifdef MISSPELT_KERNEL
constexpr vole::gpu::KernelName kName{"matvec_q4_subgrup"};
#else
constexpr vole::gpu::KernelName kName{"matvec_q4_subgroup"};
static_assert(kName == vole::kernels::matvec_q4_subgroup);
#endif

VOLE_INTERFACE_BEGIN
struct LargePush {
#ifdef PUSH_TOO_LARGE
  uint words[33];
#else
  uint words[32];  // 128 bytes: the most every device takes
#endif
};
VOLE_PUSH_CONSTANTS(LargePush)
VOLE_INTERFACE_END

int main() { return static_cast<int>(kName.view().size() + sizeof(vole::kernels::LargePush)); }
