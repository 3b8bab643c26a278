#include "runtime/device.h"

namespace vole::runtime {

Device::Device(const DeviceOptions& options) {
  gpu::ContextOptions o;
  o.device = options.device;
  o.memory_limit_bytes = options.gpu_memory_limit;
  gpu_ = std::make_unique<gpu::Context>(o);
}

Device::~Device() = default;

std::shared_ptr<MemoryAccount> Device::open_account(const std::string& model_name) {
  auto account = std::make_shared<MemoryAccount>(model_name);
  std::lock_guard lock(accounts_mutex_);
  std::erase_if(accounts_, [](const auto& weak) { return weak.expired(); });
  accounts_.push_back(account);
  return account;
}

std::vector<Device::Usage> Device::usage() const {
  std::vector<Usage> out;
  std::lock_guard lock(accounts_mutex_);
  for (const auto& weak : accounts_)
    if (auto a = weak.lock()) out.push_back({a->name(), a->bytes()});
  return out;
}

}  // namespace vole::runtime
