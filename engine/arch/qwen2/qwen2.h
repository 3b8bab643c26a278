#pragma once
// Qwen2 / Qwen2.5 dense (model_type "qwen2", Qwen2ForCausalLM): full attention with
// biases on the q/k/v projections (none on o_proj), no q/k norms, RoPE over the whole
// head, GQA, SwiGLU, plain RMSNorm.
#include "arch/family.h"

namespace vole::arch {
const Family& qwen2_family();
}
