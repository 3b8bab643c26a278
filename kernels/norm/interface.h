// Push constants of kernels/norm (see interface_common.h).
#ifndef VOLE_NORM_INTERFACE_H
#define VOLE_NORM_INTERFACE_H
#include "interface_common.h"
VOLE_INTERFACE_BEGIN

// norm.comp, every variant: rows of d values.
struct NormPush {
  uint rows;
  uint d;
  float eps;
  float scale;    // NORM_L2 only
  uint plus_one;  // NORM_RMS only: weight is applied as (1 + w)
};
VOLE_PUSH_CONSTANTS(NormPush)

VOLE_INTERFACE_END
#endif
