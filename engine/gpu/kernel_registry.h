#pragma once
// The SPIR-V of every kernel in kernels/, compiled by glslc at build time and embedded
// in the binary (see cmake/EmbedKernels.cmake).
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace vole::gpu {

struct KernelBinary {
  const char* name;
  const uint32_t* words;
  size_t word_count;
};

const std::vector<KernelBinary>& all_kernels();       // generated
const KernelBinary& find_kernel(std::string_view name);  // throws NotFound

}  // namespace vole::gpu
