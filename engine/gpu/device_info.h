#pragma once
// What a Vulkan device is and can do, as far as Vole's kernels care.
#include <vulkan/vulkan.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace vole::gpu {

struct MemoryHeapInfo {
  uint64_t bytes = 0;
  bool device_local = false;
};

struct DeviceInfo {
  uint32_t index = 0;  // position in vkEnumeratePhysicalDevices
  std::string name;
  std::string driver_name;
  std::string driver_info;
  VkPhysicalDeviceType type = VK_PHYSICAL_DEVICE_TYPE_OTHER;
  uint32_t vendor_id = 0;
  uint32_t device_id = 0;
  uint32_t api_version = 0;
  std::array<uint8_t, VK_UUID_SIZE> pipeline_cache_uuid{};
  std::vector<MemoryHeapInfo> heaps;

  // Limits that shape kernels and buffers.
  uint64_t max_storage_buffer_range = 0;
  uint64_t min_storage_buffer_offset_alignment = 0;
  uint32_t max_workgroup_invocations = 0;
  std::array<uint32_t, 3> max_workgroup_size{};
  std::array<uint32_t, 3> max_workgroup_count{};
  uint32_t max_shared_memory_bytes = 0;
  uint32_t max_push_constant_bytes = 0;
  uint32_t subgroup_size = 0;
  uint32_t max_memory_allocation_count = 0;
  uint64_t max_memory_allocation_size = 0;
  float timestamp_period_ns = 0;
  bool timestamps = false;

  // Features.
  bool storage_buffer_16bit = false;
  bool storage_buffer_8bit = false;
  bool shader_float16 = false;
  bool shader_int8 = false;
  bool shader_int64 = false;
  bool subgroup_basic = false;
  bool subgroup_arithmetic = false;
  bool subgroup_shuffle = false;
  bool subgroup_size_control = false;
  bool cooperative_matrix = false;  // VK_KHR_cooperative_matrix or VK_NV_cooperative_matrix

  uint64_t device_local_bytes() const;  // largest device-local heap
  const char* type_name() const;
  int preference_rank() const;  // discrete > integrated > virtual > cpu > other
};

DeviceInfo query_device_info(VkPhysicalDevice device, uint32_t index);

// A human-readable multi-line report of one device (used by `vole devices`).
std::string format_device_report(const DeviceInfo& info);

}  // namespace vole::gpu
