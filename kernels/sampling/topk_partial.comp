#version 450
// Top-k, first pass: workgroup c selects the k best elements of chunk c of the row and
// writes them, sorted, as (key, index) pairs to cand[c * k ...] (key 0 pads a chunk with
// fewer than k elements). With PENALTIES the values are the logits after the repetition,
// presence and frequency penalties of the sampling history (counts per token).
#include "keys.glsl"
#include "sampling/interface.h"

layout(local_size_x = kSelectSlots) in;

layout(set = 0, binding = 0) readonly buffer Logits { float logits[]; };
#ifdef PENALTIES
layout(set = 0, binding = 1) readonly buffer Counts { uint counts[]; };
#define PARAMS_BINDING 2
#include "sampling/params.glsl"
layout(set = 0, binding = 3) writeonly buffer Cand { uvec2 cand[]; };
#else
layout(set = 0, binding = 1) writeonly buffer Cand { uvec2 cand[]; };
#endif

layout(push_constant) uniform Push { TopkPartialPush pc; };

float value(uint i) {
  float v = logits[i];
#ifdef PENALTIES
  uint c = counts[i];
  if (c != 0u) {
    // Repetition penalty as in HF (once per distinct token), then OpenAI-style presence
    // (once) and frequency (per occurrence) penalties.
    float r = params.repetition_penalty;
    v = v > 0.0 ? v / r : v * r;
    v -= params.presence_penalty + params.frequency_penalty * float(c);
  }
#endif
  return v;
}

uint sel_size() { return min(pc.chunk, pc.vocab - gl_WorkGroupID.x * pc.chunk); }
uint sel_index(uint j) { return gl_WorkGroupID.x * pc.chunk + j; }
uint sel_key(uint j) { return order_key(value(sel_index(j))); }

#include "sampling/select.glsl"

void main() {
  select_top(pc.k);
  uint t = gl_LocalInvocationIndex;
  if (t < pc.k) cand[gl_WorkGroupID.x * pc.k + t] = uvec2(top_key[t], top_idx[t]);
}
