// Push constants and sizes of kernels/sampling (see interface_common.h). The sampler
// settings buffer has its own layout, params.glsl (ops::SamplerParams).
#ifndef VOLE_SAMPLING_INTERFACE_H
#define VOLE_SAMPLING_INTERFACE_H
#include "interface_common.h"
VOLE_INTERFACE_BEGIN

// Invocations of a selection workgroup (select.glsl), one candidate each: the most
// candidates top-k and sampling keep (ops::kMaxCandidates), and argmax's largest workgroup.
const uint kSelectSlots = 256u;

// argmax.comp, both passes: rows of vocab logits cut into chunks of chunk elements.
struct ArgmaxPush {
  uint vocab;
  uint chunk;
  uint chunks;
};
VOLE_PUSH_CONSTANTS(ArgmaxPush)

// topk_partial.comp: the k best of each chunk.
struct TopkPartialPush {
  uint vocab;
  uint chunk;
  uint k;
};
VOLE_PUSH_CONSTANTS(TopkPartialPush)

// topk_merge.comp (top-k and, with SAMPLE, the draw): k candidates from each of chunks.
struct TopkMergePush {
  uint chunks;
  uint k;
};
VOLE_PUSH_CONSTANTS(TopkMergePush)

// penalty_counts.comp
struct PenaltyCountsPush {
  uint capacity;  // entries in the history buffer
  uint vocab;
};
VOLE_PUSH_CONSTANTS(PenaltyCountsPush)

VOLE_INTERFACE_END
#endif
