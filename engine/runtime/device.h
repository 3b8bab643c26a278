#pragma once
// One GPU shared by every loaded model: the chat model, speech-to-text, text-to-speech
// and embedding models each hold their own weights and pipelines on the same
// gpu::Context, so the memory limit (--gpu-memory) covers all of them and their work
// is serialised on the device (gpu::Context's lock): a transcription and a chat never
// corrupt each other's state, whichever threads run them.
//
//   auto device = std::make_shared<runtime::Device>(runtime::DeviceOptions{});
//   runtime::Engine chat(device, chat_dir);
//   runtime::Engine embedder(device, embedding_dir);
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "gpu/context.h"

namespace vole::runtime {

struct DeviceOptions {
  std::string device;             // Vulkan device (index or name); "" = best
  uint64_t gpu_memory_limit = 0;  // bytes of device memory Vole may use, all models together; 0 = all
};

// Device memory one model holds (weights, sequences' state, their graphs' buffers),
// kept by the model and read by Device::usage().
class MemoryAccount {
 public:
  explicit MemoryAccount(std::string name) : name_(std::move(name)) {}
  const std::string& name() const { return name_; }
  void add(int64_t bytes) { bytes_ += bytes; }
  uint64_t bytes() const { return static_cast<uint64_t>(std::max<int64_t>(0, bytes_.load())); }

 private:
  std::string name_;
  std::atomic<int64_t> bytes_{0};
};

class Device {
 public:
  explicit Device(const DeviceOptions& options = {});
  ~Device();
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;

  gpu::Context& gpu() { return *gpu_; }
  const gpu::Context& gpu() const { return *gpu_; }

  // A new account for a model loaded on this device (released with the returned pointer).
  std::shared_ptr<MemoryAccount> open_account(const std::string& model_name);

  struct Usage {
    std::string model;
    uint64_t bytes = 0;
  };
  // Per loaded model, and the device's total (which also counts buffers no model owns).
  std::vector<Usage> usage() const;
  uint64_t bytes_in_use() const { return gpu_->device_bytes_in_use(); }

 private:
  std::unique_ptr<gpu::Context> gpu_;
  mutable std::mutex accounts_mutex_;
  std::vector<std::weak_ptr<MemoryAccount>> accounts_;
};

}  // namespace vole::runtime
