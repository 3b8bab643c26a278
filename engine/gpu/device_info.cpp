#include "gpu/device_info.h"

#include <cstring>
#include <sstream>

namespace vole::gpu {

uint64_t DeviceInfo::device_local_bytes() const {
  uint64_t best = 0;
  for (const auto& h : heaps)
    if (h.device_local && h.bytes > best) best = h.bytes;
  return best;
}

const char* DeviceInfo::type_name() const {
  switch (type) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return "discrete GPU";
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return "integrated GPU";
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return "virtual GPU";
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return "CPU";
    default: return "other";
  }
}

int DeviceInfo::preference_rank() const {
  switch (type) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return 4;
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return 3;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return 2;
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return 1;
    default: return 0;
  }
}

static bool has_extension(const std::vector<VkExtensionProperties>& exts, const char* name) {
  for (const auto& e : exts)
    if (std::strcmp(e.extensionName, name) == 0) return true;
  return false;
}

DeviceInfo query_device_info(VkPhysicalDevice device, uint32_t index) {
  DeviceInfo info;
  info.index = index;

  VkPhysicalDeviceSubgroupProperties subgroup{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES};
  VkPhysicalDeviceDriverProperties driver{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES};
  driver.pNext = &subgroup;
  VkPhysicalDeviceProperties2 props2{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2};
  props2.pNext = &driver;
  vkGetPhysicalDeviceProperties2(device, &props2);
  const auto& p = props2.properties;
  info.name = p.deviceName;
  info.driver_name = driver.driverName;
  info.driver_info = driver.driverInfo;
  info.type = p.deviceType;
  info.vendor_id = p.vendorID;
  info.device_id = p.deviceID;
  info.api_version = p.apiVersion;
  std::memcpy(info.pipeline_cache_uuid.data(), p.pipelineCacheUUID, VK_UUID_SIZE);
  info.max_storage_buffer_range = p.limits.maxStorageBufferRange;
  info.min_storage_buffer_offset_alignment = p.limits.minStorageBufferOffsetAlignment;
  info.max_workgroup_invocations = p.limits.maxComputeWorkGroupInvocations;
  for (int i = 0; i < 3; ++i) {
    info.max_workgroup_size[i] = p.limits.maxComputeWorkGroupSize[i];
    info.max_workgroup_count[i] = p.limits.maxComputeWorkGroupCount[i];
  }
  info.max_shared_memory_bytes = p.limits.maxComputeSharedMemorySize;
  info.max_push_constant_bytes = p.limits.maxPushConstantsSize;
  info.max_memory_allocation_count = p.limits.maxMemoryAllocationCount;
  info.timestamp_period_ns = p.limits.timestampPeriod;
  info.subgroup_size = subgroup.subgroupSize;
  bool compute_subgroups = subgroup.supportedStages & VK_SHADER_STAGE_COMPUTE_BIT;
  info.subgroup_basic = compute_subgroups && (subgroup.supportedOperations & VK_SUBGROUP_FEATURE_BASIC_BIT);
  info.subgroup_arithmetic = compute_subgroups && (subgroup.supportedOperations & VK_SUBGROUP_FEATURE_ARITHMETIC_BIT);
  info.subgroup_shuffle = compute_subgroups && (subgroup.supportedOperations & VK_SUBGROUP_FEATURE_SHUFFLE_BIT);

  VkPhysicalDeviceMaintenance3Properties maint3{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MAINTENANCE_3_PROPERTIES};
  VkPhysicalDeviceProperties2 props_m{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2};
  props_m.pNext = &maint3;
  vkGetPhysicalDeviceProperties2(device, &props_m);
  info.max_memory_allocation_size = maint3.maxMemoryAllocationSize;

  VkPhysicalDeviceVulkan11Features f11{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES};
  VkPhysicalDeviceVulkan12Features f12{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES};
  VkPhysicalDeviceSubgroupSizeControlFeatures sizecontrol{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_FEATURES};
  f11.pNext = &f12;
  f12.pNext = &sizecontrol;
  VkPhysicalDeviceFeatures2 features2{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
  features2.pNext = &f11;
  vkGetPhysicalDeviceFeatures2(device, &features2);
  info.storage_buffer_16bit = f11.storageBuffer16BitAccess;
  info.storage_buffer_8bit = f12.storageBuffer8BitAccess;
  info.shader_float16 = f12.shaderFloat16;
  info.shader_int8 = f12.shaderInt8;
  info.shader_int64 = features2.features.shaderInt64;
  info.subgroup_size_control = sizecontrol.subgroupSizeControl;

  uint32_t queue_count = 0;
  vkGetPhysicalDeviceQueueFamilyProperties(device, &queue_count, nullptr);
  std::vector<VkQueueFamilyProperties> queues(queue_count);
  vkGetPhysicalDeviceQueueFamilyProperties(device, &queue_count, queues.data());
  for (const auto& q : queues)
    if ((q.queueFlags & VK_QUEUE_COMPUTE_BIT) && q.timestampValidBits > 0) info.timestamps = true;

  uint32_t ext_count = 0;
  vkEnumerateDeviceExtensionProperties(device, nullptr, &ext_count, nullptr);
  std::vector<VkExtensionProperties> exts(ext_count);
  vkEnumerateDeviceExtensionProperties(device, nullptr, &ext_count, exts.data());
  info.cooperative_matrix = has_extension(exts, "VK_KHR_cooperative_matrix") ||
                            has_extension(exts, "VK_NV_cooperative_matrix");

  VkPhysicalDeviceMemoryProperties mem{};
  vkGetPhysicalDeviceMemoryProperties(device, &mem);
  for (uint32_t i = 0; i < mem.memoryHeapCount; ++i)
    info.heaps.push_back({mem.memoryHeaps[i].size, (mem.memoryHeaps[i].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT) != 0});
  return info;
}

static std::string mib(uint64_t bytes) {
  std::ostringstream s;
  s.setf(std::ios::fixed);
  s.precision(bytes >= (1ull << 30) ? 2 : 0);
  if (bytes >= (1ull << 30))
    s << bytes / double(1ull << 30) << " GiB";
  else
    s << bytes / double(1ull << 20) << " MiB";
  return s.str();
}

std::string format_device_report(const DeviceInfo& d) {
  std::ostringstream s;
  auto yn = [](bool b) { return b ? "yes" : "no"; };
  s << "[" << d.index << "] " << d.name << " (" << d.type_name() << ")\n";
  s << "    driver: " << d.driver_name << (d.driver_info.empty() ? "" : " " + d.driver_info) << ", Vulkan "
    << VK_API_VERSION_MAJOR(d.api_version) << "." << VK_API_VERSION_MINOR(d.api_version) << "."
    << VK_API_VERSION_PATCH(d.api_version) << "\n";
  s << "    memory heaps:";
  for (size_t i = 0; i < d.heaps.size(); ++i)
    s << (i ? "," : "") << " " << mib(d.heaps[i].bytes) << (d.heaps[i].device_local ? " device-local" : " host");
  s << "\n";
  s << "    limits: maxStorageBufferRange " << mib(d.max_storage_buffer_range)
    << ", maxComputeWorkGroupInvocations " << d.max_workgroup_invocations << ", subgroup size " << d.subgroup_size
    << ", shared memory " << d.max_shared_memory_bytes / 1024 << " KiB, push constants " << d.max_push_constant_bytes
    << " B\n";
  s << "    features: 16-bit storage " << yn(d.storage_buffer_16bit) << ", shaderFloat16 " << yn(d.shader_float16)
    << ", int8 " << yn(d.shader_int8) << ", subgroup arithmetic " << yn(d.subgroup_arithmetic) << ", subgroup shuffle "
    << yn(d.subgroup_shuffle) << ", cooperative matrix " << yn(d.cooperative_matrix) << ", timestamps "
    << yn(d.timestamps) << "\n";
  return s.str();
}

}  // namespace vole::gpu
