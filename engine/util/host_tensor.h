#pragma once
// A tensor in host memory, usually a view into a memory-mapped file: what the model
// loader hands to the GPU upload. Nothing is owned; the source must outlive the view.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "util/dtype.h"

namespace vole {

struct HostTensor {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;           // row-major; for Q4 the logical [rows, cols]
  std::span<const uint8_t> data;        // raw bytes; Q4: packed nibbles (see util/dtype.h)
  std::span<const uint8_t> scales;      // Q4 only: (f16 scale, f16 min) per group
  int group_size = 0;                   // Q4 only

  int64_t numel() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
  }
};

}  // namespace vole
