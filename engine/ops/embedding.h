#pragma once
// Embedding lookup: out[t] = table[ids[t]] as f32, for tables in f32/f16/bf16/Q4
// (sharded tables included). ids is an i32 tensor [T] (may live in a host-written
// buffer so a recorded graph reads a new token each run). An id outside the table
// yields a zero row; callers validate ids before they reach the GPU.
#include "ops/tensor.h"
#include "ops/weight.h"

namespace vole::ops {

void embed(gpu::Graph& g, const Weight& table, const Tensor& ids, const Tensor& out);

}  // namespace vole::ops
