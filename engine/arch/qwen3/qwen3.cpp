#include "arch/qwen3/qwen3.h"

#include "arch/common/dense_family.h"

namespace vole::arch {

const Family& qwen3_family() {
  static const DenseDecoderFamily family({.name = "qwen3",
                                          .model_type = "qwen3",
                                          .architecture = "Qwen3ForCausalLM",
                                          .supported = "qwen3 (Qwen3ForCausalLM)",
                                          .bias_from_config = true,
                                          .qk_norm = true,
                                          .end_of_turn_markers = {"<|im_end|>", "<|endoftext|>"}});
  return family;
}

}  // namespace vole::arch
