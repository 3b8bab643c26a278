#pragma once
// GPU buffers. Small buffers are carved out of shared memory blocks so a model with
// hundreds of tensors does not need hundreds of driver allocations; big ones get their own.
#include <vulkan/vulkan.h>

#include <cstdint>
#include <memory>
#include <string>

namespace vole::gpu {

enum class MemoryKind {
  Device,    // device-local: weights, activations, states
  Upload,    // host-visible, write-combined: staging for uploads
  Readback,  // host-visible, cached: results read by the CPU
};

struct MemoryBlock;  // one VkDeviceMemory, shared by the buffers carved from it

class Buffer {
 public:
  Buffer() = default;
  ~Buffer();
  Buffer(Buffer&& other) noexcept;
  Buffer& operator=(Buffer&& other) noexcept;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  bool valid() const { return handle_ != VK_NULL_HANDLE; }
  VkBuffer handle() const { return handle_; }
  uint64_t size() const { return size_; }
  // Host pointer when the memory is host-visible (always for Upload/Readback; for
  // Device on unified-memory devices such as lavapipe or integrated GPUs), else null.
  uint8_t* mapped() const { return mapped_; }
  const std::string& name() const { return name_; }

 private:
  friend class Context;
  void release();
  VkDevice device_ = VK_NULL_HANDLE;
  VkBuffer handle_ = VK_NULL_HANDLE;
  std::shared_ptr<MemoryBlock> block_;
  uint64_t size_ = 0;
  uint8_t* mapped_ = nullptr;
  std::string name_;
};

}  // namespace vole::gpu
