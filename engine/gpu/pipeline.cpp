#include "gpu/pipeline.h"

#include "gpu/kernel_registry.h"
#include "gpu/vk_check.h"
#include "util/error.h"

namespace vole::gpu {

uint32_t spirv_binding_count(std::span<const uint32_t> words, const std::string& kernel) {
  constexpr uint32_t kOpDecorate = 71, kDecorationBinding = 33, kDecorationDescriptorSet = 34;
  if (words.size() < 5 || words[0] != 0x07230203u) fail(ErrorCode::Internal, "kernel " + kernel + " is not SPIR-V");
  uint32_t count = 0;
  for (size_t i = 5; i < words.size();) {
    uint32_t op = words[i] & 0xffffu, len = words[i] >> 16;
    if (len == 0 || i + len > words.size()) fail(ErrorCode::Internal, "kernel " + kernel + ": malformed SPIR-V");
    if (op == kOpDecorate && len >= 4) {
      if (words[i + 2] == kDecorationBinding) count = std::max(count, words[i + 3] + 1);
      if (words[i + 2] == kDecorationDescriptorSet && words[i + 3] != 0)
        fail(ErrorCode::Internal, "kernel " + kernel + " uses descriptor set " + std::to_string(words[i + 3]));
    }
    i += len;
  }
  return count;
}

Pipeline::Pipeline(VkDevice device, VkPipelineCache cache, KernelName kernel, const std::vector<uint32_t>& spec)
    : device_(device), kernel_(kernel.str()) {
  const KernelBinary& bin = find_kernel(kernel.view());
  std::span<const uint32_t> words(bin.words, bin.word_count);
  binding_count_ = spirv_binding_count(words, kernel_);

  VkShaderModuleCreateInfo smci{VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO};
  smci.codeSize = bin.word_count * 4;
  smci.pCode = bin.words;
  VK_CHECK(vkCreateShaderModule(device_, &smci, nullptr, &module_));

  std::vector<VkDescriptorSetLayoutBinding> bindings(binding_count_);
  for (uint32_t i = 0; i < binding_count_; ++i) {
    bindings[i].binding = i;
    bindings[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
    bindings[i].descriptorCount = 1;
    bindings[i].stageFlags = VK_SHADER_STAGE_COMPUTE_BIT;
  }
  VkDescriptorSetLayoutCreateInfo dslci{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO};
  dslci.bindingCount = binding_count_;
  dslci.pBindings = bindings.data();
  VK_CHECK(vkCreateDescriptorSetLayout(device_, &dslci, nullptr, &set_layout_));

  VkPushConstantRange pcr{VK_SHADER_STAGE_COMPUTE_BIT, 0, kPushConstantBytes};
  VkPipelineLayoutCreateInfo plci{VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO};
  plci.setLayoutCount = 1;
  plci.pSetLayouts = &set_layout_;
  plci.pushConstantRangeCount = 1;
  plci.pPushConstantRanges = &pcr;
  VK_CHECK(vkCreatePipelineLayout(device_, &plci, nullptr, &layout_));

  std::vector<VkSpecializationMapEntry> entries(spec.size());
  for (uint32_t i = 0; i < spec.size(); ++i) entries[i] = {i, i * 4u, 4};
  VkSpecializationInfo si{static_cast<uint32_t>(entries.size()), entries.data(), spec.size() * 4, spec.data()};

  VkComputePipelineCreateInfo cpci{VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO};
  cpci.stage.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO;
  cpci.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
  cpci.stage.module = module_;
  cpci.stage.pName = "main";
  cpci.stage.pSpecializationInfo = spec.empty() ? nullptr : &si;
  cpci.layout = layout_;
  VK_CHECK(vkCreateComputePipelines(device_, cache, 1, &cpci, nullptr, &pipeline_));
}

Pipeline::~Pipeline() {
  vkDestroyPipeline(device_, pipeline_, nullptr);
  vkDestroyPipelineLayout(device_, layout_, nullptr);
  vkDestroyDescriptorSetLayout(device_, set_layout_, nullptr);
  vkDestroyShaderModule(device_, module_, nullptr);
}

}  // namespace vole::gpu
