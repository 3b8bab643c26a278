#pragma once
// Every Vulkan call that can fail goes through vk_check: a failure becomes a vole::Error
// naming the call and the VkResult, with out-of-memory and device-lost mapped to their
// own error codes so callers can tell them apart.
#include <vulkan/vulkan.h>

#include <string>

namespace vole::gpu {

const char* vk_result_name(VkResult result);
void vk_fail(VkResult result, const char* call);

inline void vk_check(VkResult result, const char* call) {
  if (result != VK_SUCCESS) vk_fail(result, call);
}

}  // namespace vole::gpu

#define VK_CHECK(expr) ::vole::gpu::vk_check((expr), #expr)
