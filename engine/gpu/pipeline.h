#pragma once
// A compute pipeline built from one embedded kernel. Convention shared by every kernel:
// descriptor set 0 holds only storage buffers (bindings 0..n-1, n read from the SPIR-V),
// and one push-constant block of at most kPushConstantBytes.
#include <vulkan/vulkan.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "gpu/kernel_names.h"
#include "interface_common.h"

namespace vole::gpu {

inline constexpr uint32_t kPushConstantBytes = kernels::kMaxPushConstantBytes;  // what every device supports

class Pipeline {
 public:
  Pipeline(VkDevice device, VkPipelineCache cache, KernelName kernel, const std::vector<uint32_t>& spec);
  ~Pipeline();
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  VkPipeline handle() const { return pipeline_; }
  VkPipelineLayout layout() const { return layout_; }
  VkDescriptorSetLayout set_layout() const { return set_layout_; }
  uint32_t binding_count() const { return binding_count_; }
  const std::string& kernel() const { return kernel_; }

 private:
  VkDevice device_;
  std::string kernel_;
  uint32_t binding_count_ = 0;
  VkShaderModule module_ = VK_NULL_HANDLE;
  VkDescriptorSetLayout set_layout_ = VK_NULL_HANDLE;
  VkPipelineLayout layout_ = VK_NULL_HANDLE;
  VkPipeline pipeline_ = VK_NULL_HANDLE;
};

// Number of descriptor bindings a SPIR-V module declares (max Binding decoration + 1).
// Throws InvalidArgument if it uses a descriptor set other than 0.
uint32_t spirv_binding_count(std::span<const uint32_t> words, const std::string& kernel);

}  // namespace vole::gpu
