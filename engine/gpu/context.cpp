#include "gpu/context.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "gpu/pipeline.h"
#include "gpu/vk_check.h"
#include "util/error.h"
#include "util/file.h"
#include "util/paths.h"

namespace vole::gpu {

// Buffers at or above this size get a dedicated allocation; smaller ones share blocks.
static constexpr uint64_t kDedicatedThreshold = 16ull << 20;
static constexpr uint64_t kBlockBytes = 64ull << 20;

struct MemoryBlock {
  VkDevice device = VK_NULL_HANDLE;
  VkDeviceMemory memory = VK_NULL_HANDLE;
  uint64_t size = 0;
  uint64_t used = 0;  // bump pointer; a block is freed whole when its last buffer goes
  uint8_t* mapped = nullptr;
  bool device_local = false;
  Context* owner = nullptr;
  ~MemoryBlock() {
    if (memory) {
      vkFreeMemory(device, memory, nullptr);
      owner->on_block_freed(size, device_local);
    }
  }
};

// ---------------------------------------------------------------------------- Buffer

Buffer::~Buffer() { release(); }

Buffer::Buffer(Buffer&& other) noexcept { *this = std::move(other); }

Buffer& Buffer::operator=(Buffer&& other) noexcept {
  if (this != &other) {
    release();
    device_ = other.device_;
    handle_ = other.handle_;
    block_ = std::move(other.block_);
    size_ = other.size_;
    mapped_ = other.mapped_;
    name_ = std::move(other.name_);
    other.handle_ = VK_NULL_HANDLE;
    other.mapped_ = nullptr;
    other.size_ = 0;
  }
  return *this;
}

void Buffer::release() {
  if (handle_) vkDestroyBuffer(device_, handle_, nullptr);
  handle_ = VK_NULL_HANDLE;
  block_.reset();
  mapped_ = nullptr;
}

// ---------------------------------------------------------------------------- devices

namespace {

bool env_flag(const char* name) {
  const char* v = std::getenv(name);
  return v && *v && std::strcmp(v, "0") != 0;
}

bool layer_available(const char* name) {
  uint32_t n = 0;
  vkEnumerateInstanceLayerProperties(&n, nullptr);
  std::vector<VkLayerProperties> layers(n);
  vkEnumerateInstanceLayerProperties(&n, layers.data());
  for (const auto& l : layers)
    if (std::strcmp(l.layerName, name) == 0) return true;
  return false;
}

bool instance_extension_available(const char* name) {
  uint32_t n = 0;
  vkEnumerateInstanceExtensionProperties(nullptr, &n, nullptr);
  std::vector<VkExtensionProperties> exts(n);
  vkEnumerateInstanceExtensionProperties(nullptr, &n, exts.data());
  for (const auto& e : exts)
    if (std::strcmp(e.extensionName, name) == 0) return true;
  return false;
}

VkInstance create_instance(bool validation, bool debug_utils) {
  VkApplicationInfo app{VK_STRUCTURE_TYPE_APPLICATION_INFO};
  app.pApplicationName = "vole";
  app.pEngineName = "vole";
  app.apiVersion = VK_API_VERSION_1_2;
  std::vector<const char*> layers, exts;
  if (validation) layers.push_back("VK_LAYER_KHRONOS_validation");
  if (debug_utils) exts.push_back(VK_EXT_DEBUG_UTILS_EXTENSION_NAME);
  VkInstanceCreateInfo ci{VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO};
  ci.pApplicationInfo = &app;
  ci.enabledLayerCount = static_cast<uint32_t>(layers.size());
  ci.ppEnabledLayerNames = layers.data();
  ci.enabledExtensionCount = static_cast<uint32_t>(exts.size());
  ci.ppEnabledExtensionNames = exts.data();
  VkInstance instance = VK_NULL_HANDLE;
  VkResult r = vkCreateInstance(&ci, nullptr, &instance);
  if (r == VK_ERROR_INCOMPATIBLE_DRIVER)
    fail(ErrorCode::Unsupported, "no Vulkan 1.2 driver found (install your GPU's Vulkan driver, or mesa-vulkan-drivers)");
  vk_check(r, "vkCreateInstance");
  return instance;
}

std::vector<VkPhysicalDevice> physical_devices(VkInstance instance) {
  uint32_t n = 0;
  VK_CHECK(vkEnumeratePhysicalDevices(instance, &n, nullptr));
  std::vector<VkPhysicalDevice> devs(n);
  VK_CHECK(vkEnumeratePhysicalDevices(instance, &n, devs.data()));
  return devs;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// Picks a device by the user's choice or, by default, the most capable kind.
size_t choose_device(const std::vector<DeviceInfo>& infos, const std::string& wanted) {
  if (infos.empty()) fail(ErrorCode::Unsupported, "no Vulkan device found");
  if (!wanted.empty()) {
    bool numeric = std::all_of(wanted.begin(), wanted.end(), [](unsigned char c) { return std::isdigit(c); });
    if (numeric) {
      size_t idx = std::stoul(wanted);
      if (idx >= infos.size())
        fail(ErrorCode::NotFound, "Vulkan device index " + wanted + " out of range (" + std::to_string(infos.size()) +
                                      " devices; see `vole devices`)");
      return idx;
    }
    for (size_t i = 0; i < infos.size(); ++i)
      if (lower(infos[i].name).find(lower(wanted)) != std::string::npos) return i;
    std::string names;
    for (const auto& d : infos) names += (names.empty() ? "" : ", ") + d.name;
    fail(ErrorCode::NotFound, "no Vulkan device matches '" + wanted + "' (available: " + names + ")");
  }
  size_t best = 0;
  for (size_t i = 1; i < infos.size(); ++i) {
    const auto &a = infos[i], &b = infos[best];
    if (a.preference_rank() > b.preference_rank() ||
        (a.preference_rank() == b.preference_rank() && a.device_local_bytes() > b.device_local_bytes()))
      best = i;
  }
  return best;
}

}  // namespace

std::vector<DeviceInfo> list_devices() {
  VkInstance instance = create_instance(false, false);
  std::vector<DeviceInfo> out;
  try {
    auto devs = physical_devices(instance);
    for (uint32_t i = 0; i < devs.size(); ++i) out.push_back(query_device_info(devs[i], i));
  } catch (...) {
    vkDestroyInstance(instance, nullptr);
    throw;
  }
  vkDestroyInstance(instance, nullptr);
  return out;
}

// ---------------------------------------------------------------------------- staging

struct Context::StagingHalf {
  Buffer buffer;
  VkCommandBuffer cmd = VK_NULL_HANDLE;
  VkFence fence = VK_NULL_HANDLE;
  uint64_t used = 0;
  bool recording = false;
  bool in_flight = false;
};

// ---------------------------------------------------------------------------- Context

VKAPI_ATTR VkBool32 VKAPI_CALL Context::debug_callback(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                                                       VkDebugUtilsMessageTypeFlagsEXT,
                                                       const VkDebugUtilsMessengerCallbackDataEXT* data, void* user) {
  auto* ctx = static_cast<Context*>(user);
  if (severity >= VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT) {
    ++ctx->validation_errors_;
    std::fprintf(stderr, "vulkan validation error: %s\n", data->pMessage);
  } else if (severity >= VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT) {
    std::fprintf(stderr, "vulkan validation warning: %s\n", data->pMessage);
  }
  return VK_FALSE;
}

Context::Context(const ContextOptions& options) {
#ifndef NDEBUG
  bool want_validation = true;
#else
  bool want_validation = options.validation;
#endif
  if (env_flag("VOLE_VALIDATION")) want_validation = true;
  validation_ = want_validation && layer_available("VK_LAYER_KHRONOS_validation");
  bool debug_utils = validation_ && instance_extension_available(VK_EXT_DEBUG_UTILS_EXTENSION_NAME);
  instance_ = create_instance(validation_, debug_utils);

  try {
    if (debug_utils) {
      auto create = reinterpret_cast<PFN_vkCreateDebugUtilsMessengerEXT>(
          vkGetInstanceProcAddr(instance_, "vkCreateDebugUtilsMessengerEXT"));
      VkDebugUtilsMessengerCreateInfoEXT mci{VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT};
      mci.messageSeverity =
          VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT;
      mci.messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT;
      mci.pfnUserCallback = debug_callback;
      mci.pUserData = this;
      if (create) VK_CHECK(create(instance_, &mci, nullptr, &messenger_));
    }

    auto devs = physical_devices(instance_);
    std::vector<DeviceInfo> infos;
    for (uint32_t i = 0; i < devs.size(); ++i) infos.push_back(query_device_info(devs[i], i));
    std::string wanted = options.device;
    if (wanted.empty())
      if (const char* env = std::getenv("VOLE_DEVICE")) wanted = env;
    size_t chosen = choose_device(infos, wanted);
    physical_ = devs[chosen];
    info_ = infos[chosen];
    if (VK_API_VERSION_MINOR(info_.api_version) < 2 && VK_API_VERSION_MAJOR(info_.api_version) == 1)
      fail(ErrorCode::Unsupported, info_.name + " supports only Vulkan " +
                                       std::to_string(VK_API_VERSION_MAJOR(info_.api_version)) + "." +
                                       std::to_string(VK_API_VERSION_MINOR(info_.api_version)) + "; Vole needs 1.2");

    uint32_t qn = 0;
    vkGetPhysicalDeviceQueueFamilyProperties(physical_, &qn, nullptr);
    std::vector<VkQueueFamilyProperties> qfs(qn);
    vkGetPhysicalDeviceQueueFamilyProperties(physical_, &qn, qfs.data());
    // Prefer a compute queue family; any family with compute works.
    int family = -1;
    for (uint32_t i = 0; i < qn; ++i)
      if (qfs[i].queueFlags & VK_QUEUE_COMPUTE_BIT) {
        if (family < 0 || !(qfs[i].queueFlags & VK_QUEUE_GRAPHICS_BIT)) family = static_cast<int>(i);
      }
    if (family < 0) fail(ErrorCode::Unsupported, info_.name + " has no compute queue");
    queue_family_ = static_cast<uint32_t>(family);
    info_.timestamps = qfs[queue_family_].timestampValidBits > 0;

    float priority = 1.0f;
    VkDeviceQueueCreateInfo qci{VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO};
    qci.queueFamilyIndex = queue_family_;
    qci.queueCount = 1;
    qci.pQueuePriorities = &priority;

    // Enable what the kernels can use when the device has it.
    VkPhysicalDeviceVulkan11Features f11{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES};
    VkPhysicalDeviceVulkan12Features f12{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES};
    f11.pNext = &f12;
    f11.storageBuffer16BitAccess = info_.storage_buffer_16bit;
    f12.storageBuffer8BitAccess = info_.storage_buffer_8bit;
    f12.shaderFloat16 = info_.shader_float16;
    f12.shaderInt8 = info_.shader_int8;
    VkPhysicalDeviceFeatures2 features{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
    features.pNext = &f11;
    features.features.shaderInt64 = info_.shader_int64;

    VkDeviceCreateInfo dci{VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO};
    dci.pNext = &features;
    dci.queueCreateInfoCount = 1;
    dci.pQueueCreateInfos = &qci;
    VK_CHECK(vkCreateDevice(physical_, &dci, nullptr, &device_));
    vkGetDeviceQueue(device_, queue_family_, 0, &queue_);

    VkCommandPoolCreateInfo pci{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
    pci.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
    pci.queueFamilyIndex = queue_family_;
    VK_CHECK(vkCreateCommandPool(device_, &pci, nullptr, &command_pool_));
    VkFenceCreateInfo fci{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
    VK_CHECK(vkCreateFence(device_, &fci, nullptr, &fence_));

    vkGetPhysicalDeviceMemoryProperties(physical_, &memory_props_);
    direct_uploads_ = options.direct_uploads;
    memory_limit_ = options.memory_limit_bytes;
    if (const char* v = std::getenv("VOLE_GPU_MEMORY_LIMIT_MB"); v && *v && memory_limit_ == 0)
      memory_limit_ = std::strtoull(v, nullptr, 10) << 20;
    unified_memory_ = info_.type == VK_PHYSICAL_DEVICE_TYPE_CPU || info_.type == VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU;

    if (!env_flag("VOLE_NO_PIPELINE_CACHE")) {
      auto dir = options.pipeline_cache_dir.empty() ? cache_dir() : options.pipeline_cache_dir;
      char name[96];
      std::snprintf(name, sizeof name, "pipelines-%04x-%04x.bin", info_.vendor_id, info_.device_id);
      pipeline_cache_path_ = dir / name;
    }
    load_pipeline_cache();

    // Two staging halves: one is filled while the GPU copies out of the other.
    uint64_t half_bytes = std::max<uint64_t>(options.staging_bytes / 2, 1ull << 20);
    for (int i = 0; i < 2; ++i) {
      auto h = std::make_unique<StagingHalf>();
      h->buffer = create_buffer(half_bytes, MemoryKind::Upload, "staging");
      VkCommandBufferAllocateInfo ai{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
      ai.commandPool = command_pool_;
      ai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
      ai.commandBufferCount = 1;
      VK_CHECK(vkAllocateCommandBuffers(device_, &ai, &h->cmd));
      VK_CHECK(vkCreateFence(device_, &fci, nullptr, &h->fence));
      staging_.push_back(std::move(h));
    }
  } catch (...) {
    destroy();
    throw;
  }
}

Context::~Context() { destroy(); }

void Context::destroy() {
  if (device_) {
    vkDeviceWaitIdle(device_);
    try {
      save_pipeline_cache();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "vole: could not save the pipeline cache: %s\n", e.what());
    }
    for (auto& h : staging_) {
      vkDestroyFence(device_, h->fence, nullptr);
      h->buffer.release();
    }
    staging_.clear();
    readback_.release();
    pipelines_.clear();
    open_blocks_.clear();
    if (pipeline_cache_) vkDestroyPipelineCache(device_, pipeline_cache_, nullptr);
    vkDestroyFence(device_, fence_, nullptr);
    vkDestroyCommandPool(device_, command_pool_, nullptr);
    vkDestroyDevice(device_, nullptr);
    device_ = VK_NULL_HANDLE;
  }
  if (messenger_) {
    auto destroy = reinterpret_cast<PFN_vkDestroyDebugUtilsMessengerEXT>(
        vkGetInstanceProcAddr(instance_, "vkDestroyDebugUtilsMessengerEXT"));
    if (destroy) destroy(instance_, messenger_, nullptr);
    messenger_ = VK_NULL_HANDLE;
  }
  if (instance_) vkDestroyInstance(instance_, nullptr);
  instance_ = VK_NULL_HANDLE;
}

// ---------------------------------------------------------------------------- memory

uint32_t Context::pick_memory_type(MemoryKind kind, uint32_t type_bits) const {
  auto find = [&](VkMemoryPropertyFlags need, VkMemoryPropertyFlags avoid) -> int {
    for (uint32_t i = 0; i < memory_props_.memoryTypeCount; ++i) {
      if (!(type_bits & (1u << i))) continue;
      auto flags = memory_props_.memoryTypes[i].propertyFlags;
      if ((flags & need) == need && !(flags & avoid)) return static_cast<int>(i);
    }
    return -1;
  };
  const auto DL = VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT, HV = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT,
             HC = VK_MEMORY_PROPERTY_HOST_COHERENT_BIT, CACHED = VK_MEMORY_PROPERTY_HOST_CACHED_BIT;
  int t = -1;
  switch (kind) {
    case MemoryKind::Device:
      // On unified memory, device-local host-visible memory lets uploads skip staging.
      if (unified_memory_) t = find(DL | HV | HC, 0);
      if (t < 0) t = find(DL, 0);
      if (t < 0) t = find(0, 0);
      break;
    case MemoryKind::Upload:
      t = find(HV | HC, 0);
      break;
    case MemoryKind::Readback:
      t = find(HV | HC | CACHED, 0);
      if (t < 0) t = find(HV | HC, 0);
      break;
  }
  if (t < 0) fail(ErrorCode::Gpu, "no suitable Vulkan memory type on " + info_.name);
  return static_cast<uint32_t>(t);
}

std::shared_ptr<MemoryBlock> Context::allocate_block(uint64_t bytes, uint32_t type_index, const std::string& name) {
  bool device_local = memory_props_.memoryTypes[type_index].propertyFlags & VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT;
  if (device_local && memory_limit_ > 0 && device_bytes_in_use_ + bytes > memory_limit_)
    fail(ErrorCode::OutOfMemory, "out of GPU memory: " + name + " needs " + std::to_string(bytes >> 20) +
                                     " MiB more, but Vole already holds " + std::to_string(device_bytes_in_use_ >> 20) +
                                     " MiB of its " + std::to_string(memory_limit_ >> 20) + " MiB GPU memory limit");
  VkMemoryAllocateInfo ai{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
  ai.allocationSize = bytes;
  ai.memoryTypeIndex = type_index;
  VkDeviceMemory mem = VK_NULL_HANDLE;
  VkResult r = vkAllocateMemory(device_, &ai, nullptr, &mem);
  if (r == VK_ERROR_OUT_OF_DEVICE_MEMORY || r == VK_ERROR_OUT_OF_HOST_MEMORY) {
    uint32_t heap = memory_props_.memoryTypes[type_index].heapIndex;
    fail(ErrorCode::OutOfMemory,
         "out of GPU memory allocating " + std::to_string(bytes >> 20) + " MiB for " + name + " on " + info_.name +
             " (Vole holds " + std::to_string(device_bytes_in_use_ >> 20) + " MiB; heap size " +
             std::to_string(memory_props_.memoryHeaps[heap].size >> 20) + " MiB)");
  }
  vk_check(r, "vkAllocateMemory");
  auto block = std::make_shared<MemoryBlock>();
  block->device = device_;
  block->memory = mem;
  block->size = bytes;
  block->owner = this;
  auto flags = memory_props_.memoryTypes[type_index].propertyFlags;
  block->device_local = flags & VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT;
  if (flags & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT) {
    void* p = nullptr;
    VK_CHECK(vkMapMemory(device_, mem, 0, VK_WHOLE_SIZE, 0, &p));
    block->mapped = static_cast<uint8_t*>(p);
  }
  if (block->device_local) {
    device_bytes_in_use_ += bytes;
    device_bytes_peak_ = std::max(device_bytes_peak_, device_bytes_in_use_);
  }
  return block;
}

void Context::on_block_freed(uint64_t bytes, bool device_local) {
  std::lock_guard lock(mutex_);
  if (device_local) device_bytes_in_use_ -= std::min(bytes, device_bytes_in_use_);
}

Buffer Context::create_buffer(uint64_t bytes, MemoryKind kind, const std::string& name) {
  std::lock_guard lock(mutex_);
  require(bytes > 0, "cannot create an empty GPU buffer (" + name + ")");
  VkBufferCreateInfo bci{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
  bci.size = bytes;
  bci.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT;
  bci.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  Buffer buf;
  buf.device_ = device_;
  buf.name_ = name;
  buf.size_ = bytes;
  VkResult created = vkCreateBuffer(device_, &bci, nullptr, &buf.handle_);
  if (created == VK_ERROR_OUT_OF_DEVICE_MEMORY || created == VK_ERROR_OUT_OF_HOST_MEMORY)
    fail(ErrorCode::OutOfMemory, "out of GPU memory: cannot create a " + std::to_string(bytes >> 20) + " MiB buffer for " +
                                     name + " on " + info_.name + " (Vole holds " +
                                     std::to_string(device_bytes_in_use_ >> 20) + " MiB)");
  vk_check(created, "vkCreateBuffer");
  VkMemoryRequirements req;
  vkGetBufferMemoryRequirements(device_, buf.handle_, &req);
  uint32_t type = pick_memory_type(kind, req.memoryTypeBits);
  uint64_t align = std::max<uint64_t>(req.alignment, 256);

  std::shared_ptr<MemoryBlock> block;
  uint64_t offset = 0;
  if (req.size >= kDedicatedThreshold) {
    block = allocate_block(req.size, type, name);
  } else {
    auto& open = open_blocks_[type];
    if (open) offset = (open->used + align - 1) / align * align;
    if (!open || offset + req.size > open->size) {
      open = allocate_block(kBlockBytes, type, name);
      offset = 0;
    }
    block = open;
  }
  VK_CHECK(vkBindBufferMemory(device_, buf.handle_, block->memory, offset));
  block->used = offset + req.size;
  if (block->mapped) buf.mapped_ = block->mapped + offset;
  buf.block_ = std::move(block);
  return buf;
}

void Context::submit_staging(StagingHalf& half) {
  if (!half.recording) return;
  VK_CHECK(vkEndCommandBuffer(half.cmd));
  VkSubmitInfo si{VK_STRUCTURE_TYPE_SUBMIT_INFO};
  si.commandBufferCount = 1;
  si.pCommandBuffers = &half.cmd;
  VK_CHECK(vkQueueSubmit(queue_, 1, &si, half.fence));
  half.recording = false;
  half.in_flight = true;
}

void Context::wait_staging(StagingHalf& half) {
  if (!half.in_flight) return;
  VK_CHECK(vkWaitForFences(device_, 1, &half.fence, VK_TRUE, UINT64_MAX));
  VK_CHECK(vkResetFences(device_, 1, &half.fence));
  half.in_flight = false;
  half.used = 0;
}

void Context::upload(const Buffer& dst, uint64_t dst_offset, const void* src, uint64_t bytes) {
  std::lock_guard lock(mutex_);
  require(dst_offset + bytes <= dst.size(), "upload of " + std::to_string(bytes) + " bytes at offset " +
                                                std::to_string(dst_offset) + " overflows buffer " + dst.name());
  if (bytes == 0) return;
  if (dst.mapped() && direct_uploads_) {
    // Unified memory: earlier GPU work on this buffer must be finished before we write.
    flush_uploads();
    std::memcpy(dst.mapped() + dst_offset, src, bytes);
    return;
  }
  const auto* p = static_cast<const uint8_t*>(src);
  while (bytes > 0) {
    StagingHalf* half = staging_[staging_current_].get();
    uint64_t room = half->buffer.size() - half->used;
    if (room == 0) {
      submit_staging(*half);
      staging_current_ ^= 1;
      half = staging_[staging_current_].get();
      wait_staging(*half);
      room = half->buffer.size();
    }
    uint64_t n = std::min(room, bytes);
    std::memcpy(half->buffer.mapped() + half->used, p, n);
    if (!half->recording) {
      VkCommandBufferBeginInfo bi{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
      bi.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
      VK_CHECK(vkBeginCommandBuffer(half->cmd, &bi));
      half->recording = true;
    }
    VkBufferCopy region{half->used, dst_offset, n};
    vkCmdCopyBuffer(half->cmd, half->buffer.handle(), dst.handle(), 1, &region);
    half->used += n;
    p += n;
    dst_offset += n;
    bytes -= n;
  }
}

void Context::flush_uploads() {
  std::lock_guard lock(mutex_);
  for (auto& h : staging_) submit_staging(*h);
  for (auto& h : staging_) wait_staging(*h);
}

void Context::download(const Buffer& src, uint64_t src_offset, void* dst, uint64_t bytes) {
  std::lock_guard lock(mutex_);
  require(src_offset + bytes <= src.size(), "download of " + std::to_string(bytes) + " bytes overflows buffer " + src.name());
  flush_uploads();
  if (bytes == 0) return;
  if (src.mapped() && direct_uploads_) {
    std::memcpy(dst, src.mapped() + src_offset, bytes);
    return;
  }
  if (!readback_.valid() || readback_.size() < bytes)
    readback_ = create_buffer(std::max<uint64_t>(bytes, 1ull << 20), MemoryKind::Readback, "readback");
  run_one_shot([&](VkCommandBuffer cmd) {
    VkBufferCopy region{src_offset, 0, bytes};
    vkCmdCopyBuffer(cmd, src.handle(), readback_.handle(), 1, &region);
  });
  std::memcpy(dst, readback_.mapped(), bytes);
}

void Context::fill(const Buffer& dst, uint64_t offset, uint64_t bytes, uint32_t value) {
  std::lock_guard lock(mutex_);
  require(offset % 4 == 0 && bytes % 4 == 0 && offset + bytes <= dst.size(), "bad fill range for " + dst.name());
  if (bytes == 0) return;
  run_one_shot([&](VkCommandBuffer cmd) { vkCmdFillBuffer(cmd, dst.handle(), offset, bytes, value); });
}

void Context::run_one_shot(const std::function<void(VkCommandBuffer)>& record) {
  std::lock_guard lock(mutex_);
  flush_uploads();
  VkCommandBufferAllocateInfo ai{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
  ai.commandPool = command_pool_;
  ai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  ai.commandBufferCount = 1;
  VkCommandBuffer cmd;
  VK_CHECK(vkAllocateCommandBuffers(device_, &ai, &cmd));
  struct Free {
    VkDevice d;
    VkCommandPool p;
    VkCommandBuffer c;
    ~Free() { vkFreeCommandBuffers(d, p, 1, &c); }
  } guard{device_, command_pool_, cmd};
  VkCommandBufferBeginInfo bi{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
  bi.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
  VK_CHECK(vkBeginCommandBuffer(cmd, &bi));
  record(cmd);
  VK_CHECK(vkEndCommandBuffer(cmd));
  submit_and_wait(cmd);
}

void Context::submit_and_wait(VkCommandBuffer cmd) {
  std::lock_guard lock(mutex_);
  flush_uploads();
  VkSubmitInfo si{VK_STRUCTURE_TYPE_SUBMIT_INFO};
  si.commandBufferCount = 1;
  si.pCommandBuffers = &cmd;
  VK_CHECK(vkQueueSubmit(queue_, 1, &si, fence_));
  VK_CHECK(vkWaitForFences(device_, 1, &fence_, VK_TRUE, UINT64_MAX));
  VK_CHECK(vkResetFences(device_, 1, &fence_));
}

void Context::wait_idle() {
  std::lock_guard lock(mutex_);
  flush_uploads();
  VK_CHECK(vkQueueWaitIdle(queue_));
}

// ---------------------------------------------------------------------------- pipelines

const Pipeline& Context::pipeline(KernelName kernel, const std::vector<uint32_t>& spec) {
  std::lock_guard lock(mutex_);
  std::string key = kernel.str();
  for (uint32_t v : spec) key += ":" + std::to_string(v);
  auto it = pipelines_.find(key);
  if (it != pipelines_.end()) return *it->second;
  auto p = std::make_unique<Pipeline>(device_, pipeline_cache_, kernel, spec);
  return *(pipelines_[key] = std::move(p));
}

void Context::load_pipeline_cache() {
  std::vector<uint8_t> initial;
  if (!pipeline_cache_path_.empty() && fs::exists(pipeline_cache_path_)) {
    try {
      MappedFile f(pipeline_cache_path_);
      // Header: length, version, vendor, device, UUID. Only reuse data made by this
      // exact driver; anything else (or a truncated file) is ignored and rebuilt.
      constexpr size_t kHeader = 16 + VK_UUID_SIZE;
      if (f.size() >= kHeader) {
        uint32_t hdr[4];
        std::memcpy(hdr, f.data(), 16);
        bool ok = hdr[0] >= kHeader && hdr[1] == VK_PIPELINE_CACHE_HEADER_VERSION_ONE && hdr[2] == info_.vendor_id &&
                  hdr[3] == info_.device_id &&
                  std::memcmp(f.data() + 16, info_.pipeline_cache_uuid.data(), VK_UUID_SIZE) == 0;
        if (ok) initial.assign(f.data(), f.data() + f.size());
      }
    } catch (const Error&) {
      initial.clear();
    }
  }
  VkPipelineCacheCreateInfo ci{VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO};
  ci.initialDataSize = initial.size();
  ci.pInitialData = initial.empty() ? nullptr : initial.data();
  if (vkCreatePipelineCache(device_, &ci, nullptr, &pipeline_cache_) != VK_SUCCESS) {
    ci.initialDataSize = 0;
    ci.pInitialData = nullptr;
    VK_CHECK(vkCreatePipelineCache(device_, &ci, nullptr, &pipeline_cache_));
  }
}

void Context::save_pipeline_cache() {
  std::lock_guard lock(mutex_);
  if (!pipeline_cache_ || pipeline_cache_path_.empty() || pipelines_.empty()) return;
  size_t size = 0;
  VK_CHECK(vkGetPipelineCacheData(device_, pipeline_cache_, &size, nullptr));
  std::vector<uint8_t> data(size);
  VK_CHECK(vkGetPipelineCacheData(device_, pipeline_cache_, &size, data.data()));
  data.resize(size);
  std::error_code ec;
  fs::create_directories(pipeline_cache_path_.parent_path(), ec);
  write_file_atomic(pipeline_cache_path_, data);
}

}  // namespace vole::gpu
