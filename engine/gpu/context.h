#pragma once
// The Vulkan context: instance, chosen device, compute queue, memory, uploads,
// pipelines (with an on-disk pipeline cache). Everything GPU goes through one Context.
//
// Threading: every public call is serialised by the context's lock, so several models
// (and threads) can share one device: each submission runs whole, and memory, uploads,
// the command pool and the pipeline cache are never touched by two threads at once.
// Callers that record into the shared command pool (gpu::Graph) hold exclusive().
#include <vulkan/vulkan.h>

#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "gpu/buffer.h"
#include "gpu/device_info.h"
#include "gpu/kernel_names.h"

namespace vole::gpu {

struct ContextOptions {
  // Which device: "" picks the best (discrete > integrated > virtual > CPU); a number
  // picks by index; anything else picks the first device whose name contains it
  // (case-insensitive). The VOLE_DEVICE environment variable overrides an empty value.
  std::string device;
  // Khronos validation layer: on in debug builds when installed, or with VOLE_VALIDATION=1.
  bool validation = false;
  // Where the pipeline cache lives; empty = vole::cache_dir(). VOLE_NO_PIPELINE_CACHE=1 disables it.
  std::filesystem::path pipeline_cache_dir;
  // Host-visible staging memory used for uploads (two halves, used alternately).
  uint64_t staging_bytes = 64ull << 20;
  // On unified-memory devices (lavapipe, integrated GPUs) device buffers are host-visible
  // and uploads write them directly. Tests turn this off to exercise the staging ring.
  bool direct_uploads = true;
  // Most device-local memory Vole may hold (0: no limit beyond the device's own). Lets a
  // user keep GPU memory for other programs; VOLE_GPU_MEMORY_LIMIT_MB sets it too.
  uint64_t memory_limit_bytes = 0;
};

// Lists every Vulkan device without creating a logical device.
std::vector<DeviceInfo> list_devices();

class Pipeline;

class Context {
 public:
  explicit Context(const ContextOptions& options = {});
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  const DeviceInfo& info() const { return info_; }
  VkDevice device() const { return device_; }
  VkQueue queue() const { return queue_; }
  uint32_t queue_family() const { return queue_family_; }
  VkCommandPool command_pool() const { return command_pool_; }
  bool validation_enabled() const { return validation_; }
  // Number of validation-layer errors reported so far (tests assert it stays 0).
  uint32_t validation_errors() const { return validation_errors_; }

  // --- memory ---
  Buffer create_buffer(uint64_t bytes, MemoryKind kind, const std::string& name);
  uint64_t device_bytes_in_use() const { return device_bytes_in_use_; }
  uint64_t device_bytes_peak() const { return device_bytes_peak_; }
  uint64_t memory_limit() const { return memory_limit_; }  // 0: none
  void reset_peak() { device_bytes_peak_ = device_bytes_in_use_; }

  // Copies host data into a buffer. Device-local memory that is not host-visible is
  // written through a bounded staging ring; the copy may still be in flight when this
  // returns (flush_uploads() or any submit waits for it).
  void upload(const Buffer& dst, uint64_t dst_offset, const void* src, uint64_t bytes);
  void flush_uploads();
  // Copies buffer contents to host memory; waits for all earlier GPU work.
  void download(const Buffer& src, uint64_t src_offset, void* dst, uint64_t bytes);
  void fill(const Buffer& dst, uint64_t offset, uint64_t bytes, uint32_t value);

  // Records commands into a fresh command buffer, submits it and waits.
  void run_one_shot(const std::function<void(VkCommandBuffer)>& record);
  // Submits a recorded command buffer and waits for it (one submit, one wait).
  void submit_and_wait(VkCommandBuffer cmd);
  void wait_idle();

  // Holds the device's lock (recursive: the calls above may be made while holding it).
  std::unique_lock<std::recursive_mutex> exclusive() const { return std::unique_lock(mutex_); }

  // --- pipelines ---
  // A compute pipeline for an embedded kernel; `spec` fills specialization constants
  // 0..n-1. Cached per (kernel, spec) for the lifetime of the context.
  const Pipeline& pipeline(KernelName kernel, const std::vector<uint32_t>& spec = {});
  void save_pipeline_cache();

 private:
  friend struct MemoryBlock;
  struct StagingHalf;
  uint32_t pick_memory_type(MemoryKind kind, uint32_t type_bits) const;
  std::shared_ptr<MemoryBlock> allocate_block(uint64_t bytes, uint32_t type_index, const std::string& name);
  void submit_staging(StagingHalf& half);
  void wait_staging(StagingHalf& half);
  void load_pipeline_cache();
  void on_block_freed(uint64_t bytes, bool device_local);
  void destroy();  // releases every Vulkan object; safe on a half-built context

  DeviceInfo info_;
  VkInstance instance_ = VK_NULL_HANDLE;
  VkDebugUtilsMessengerEXT messenger_ = VK_NULL_HANDLE;
  VkPhysicalDevice physical_ = VK_NULL_HANDLE;
  VkDevice device_ = VK_NULL_HANDLE;
  VkQueue queue_ = VK_NULL_HANDLE;
  uint32_t queue_family_ = 0;
  VkCommandPool command_pool_ = VK_NULL_HANDLE;
  VkFence fence_ = VK_NULL_HANDLE;
  VkPipelineCache pipeline_cache_ = VK_NULL_HANDLE;
  std::filesystem::path pipeline_cache_path_;
  VkPhysicalDeviceMemoryProperties memory_props_{};
  bool unified_memory_ = false;
  bool direct_uploads_ = true;
  uint64_t memory_limit_ = 0;
  bool validation_ = false;
  uint32_t validation_errors_ = 0;

  uint64_t device_bytes_in_use_ = 0;
  uint64_t device_bytes_peak_ = 0;
  // Open sub-allocation block per memory type.
  std::map<uint32_t, std::shared_ptr<MemoryBlock>> open_blocks_;

  std::vector<std::unique_ptr<StagingHalf>> staging_;
  size_t staging_current_ = 0;
  Buffer readback_;

  std::map<std::string, std::unique_ptr<Pipeline>> pipelines_;
  mutable std::recursive_mutex mutex_;

  static VKAPI_ATTR VkBool32 VKAPI_CALL debug_callback(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                                                       VkDebugUtilsMessageTypeFlagsEXT types,
                                                       const VkDebugUtilsMessengerCallbackDataEXT* data,
                                                       void* user);
};

}  // namespace vole::gpu
