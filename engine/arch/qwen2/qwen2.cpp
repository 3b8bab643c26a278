#include "arch/qwen2/qwen2.h"

#include "arch/common/dense_family.h"

namespace vole::arch {

const Family& qwen2_family() {
  static const DenseDecoderFamily family({.name = "qwen2",
                                          .model_type = "qwen2",
                                          .architecture = "Qwen2ForCausalLM",
                                          .supported = "qwen2 (Qwen2ForCausalLM, Qwen2.5)",
                                          .bias_from_config = false,
                                          .qkv_bias = true,
                                          .output_bias = false,
                                          .qk_norm = false,
                                          .end_of_turn_markers = {"<|im_end|>", "<|endoftext|>"}});
  return family;
}

}  // namespace vole::arch
