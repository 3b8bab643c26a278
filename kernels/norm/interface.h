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
  uint plus_one;  // NORM_RMS, NORM_LAYER_NOBIAS: weight is applied as (1 + w)
};
VOLE_PUSH_CONSTANTS(NormPush)

// group_norm.comp: x [steps, channels], channels split into `groups` equal blocks; one
// workgroup per group.
struct GroupNormPush {
  uint steps;
  uint channels;
  uint groups;
  float eps;
};
VOLE_PUSH_CONSTANTS(GroupNormPush)

VOLE_INTERFACE_END
#endif
