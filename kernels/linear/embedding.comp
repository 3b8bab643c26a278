#version 450
// out[t, :] = table[ids[t], :] as f32 for the rows held by one table shard. Every shard's
// dispatch reads all ids (they change between runs of a recorded graph) and writes only
// the tokens whose id falls in its rows; the dispatch with zero_invalid set also writes
// zero rows for ids outside the whole table, so every output row is written exactly once.
#include "linear/weights.glsl"

layout(local_size_x = 256) in;
layout(set = 0, binding = W_BINDINGS) readonly buffer Ids { int ids[]; };
layout(set = 0, binding = W_BINDINGS + 1) writeonly buffer Out { float o[]; };
#include "linear/interface.h"
layout(push_constant) uniform Push { EmbeddingPush pc; };

void main() {
  for (uint t = gl_WorkGroupID.y; t < pc.tokens; t += gl_NumWorkGroups.y) {
    int id = ids[t];
    bool mine = id >= int(pc.row_begin) && id < int(pc.row_begin + pc.rows);
    bool invalid = id < 0 || id >= int(pc.table_rows);
    if (!mine && !(invalid && pc.zero_invalid != 0u)) continue;  // uniform per workgroup
    uint row = uint(id) - pc.row_begin;
    for (uint c = gl_GlobalInvocationID.x; c < pc.cols; c += gl_NumWorkGroups.x * 256u)
      o[t * pc.cols + c] = mine ? w_elem(row, c, pc.cols, pc.group_shift) : 0.0;
  }
}
