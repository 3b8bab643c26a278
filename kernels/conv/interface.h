// Push constants of kernels/conv (see interface_common.h).
#ifndef VOLE_CONV_INTERFACE_H
#define VOLE_CONV_INTERFACE_H
#include "interface_common.h"
VOLE_INTERFACE_BEGIN

// patches.comp: x [in_steps, channels] -> out [out_steps, channels * kernel].
struct Conv1dPatchesPush {
  uint out_steps;
  uint channels;
  uint kernel;
  uint stride;
};
VOLE_PUSH_CONSTANTS(Conv1dPatchesPush)

VOLE_INTERFACE_END
#endif
