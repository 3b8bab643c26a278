#pragma once
// Qwen3 dense (model_type "qwen3", Qwen3ForCausalLM): full attention with per-head q/k
// RMSNorm (plain weight), RoPE over the whole head, GQA, SwiGLU; biases on every
// attention projection when config.json sets attention_bias.
#include "arch/family.h"

namespace vole::arch {
const Family& qwen3_family();
}
