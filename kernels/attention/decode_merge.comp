#version 450
// Flash-decoding, pass 2: merges the partials of decode.comp for one query head:
//   out = sum_p acc_p e^(m_p - M) / sum_p l_p e^(m_p - M),  M = max_p m_p
// over the partials of the splits that held rows (recomputed from kv_len as in pass 1).
layout(local_size_x = 128) in;
layout(set = 0, binding = 0) readonly buffer Acc { float part_acc[]; };  // [H, NP, D]
layout(set = 0, binding = 1) readonly buffer ML { vec2 part_ml[]; };     // [H, NP]
layout(set = 0, binding = 2) readonly buffer KvLen { int kv_len_buf[]; };
layout(set = 0, binding = 3) writeonly buffer Out { float o[]; };         // [H, D]
#include "attention/interface.h"
layout(push_constant) uniform Push { AttentionDecodeMergePush pc; };

void main() {
  const uint h = gl_WorkGroupID.x;
  const uint kv_len = uint(clamp(kv_len_buf[0], 0, int(pc.capacity)));
  const uint chunk = max((kv_len + pc.splits - 1) / pc.splits, pc.min_chunk);
  const uint held = (kv_len + chunk - 1) / chunk;  // splits that held rows
  const uint np = pc.splits * pc.groups, used = held * pc.groups;
  float mx = -1.0e30;
  for (uint p = 0; p < used; ++p) mx = max(mx, part_ml[h * np + p].x);
  float total = 0.0;
  for (uint p = 0; p < used; ++p) {
    vec2 ml = part_ml[h * np + p];
    total += ml.y * exp(ml.x - mx);
  }
  const float inv = total > 0.0 ? 1.0 / total : 0.0;  // kv_len 0: zeros, not NaN
  for (uint d = gl_LocalInvocationID.x; d < pc.d; d += gl_WorkGroupSize.x) {
    float sum = 0.0;
    for (uint p = 0; p < used; ++p) sum += part_acc[(h * np + p) * pc.d + d] * exp(part_ml[h * np + p].x - mx);
    o[h * pc.d + d] = sum * inv;
  }
}
