#include "arch/sequence_state.h"

#include <algorithm>

#include "util/error.h"

namespace vole::arch {

namespace {
uint64_t largest_positional_slot(const Component& component, int64_t capacity) {
  uint64_t largest = 0;
  for (const auto& s : component.state_slots(capacity))
    if (s.kind == StateKind::SelfAttentionKv) largest = std::max(largest, s.bytes());
  return largest;
}
}  // namespace

int64_t longest_context_within(const Component& component, uint64_t max_binding, int64_t upto) {
  // Slot sizes grow with the context but need not be linear in it (sliding windows cap
  // some layers), so search rather than divide.
  int64_t lo = 0, hi = upto;
  while (lo < hi) {
    int64_t mid = lo + (hi - lo + 1) / 2;
    if (largest_positional_slot(component, mid) <= max_binding)
      lo = mid;
    else
      hi = mid - 1;
  }
  return lo;
}

void require_context_fits(const Component& component, const gpu::DeviceInfo& device, int64_t capacity) {
  const uint64_t limit = device.max_storage_buffer_range;
  const uint64_t largest = largest_positional_slot(component, capacity);
  if (largest <= limit) return;
  const int64_t fits = longest_context_within(component, limit, capacity);
  fail(ErrorCode::OutOfMemory,
       "a context of " + std::to_string(capacity) + " tokens needs a KV cache of " + std::to_string(largest >> 20) +
           " MiB per layer, more than this device can bind at once (maxStorageBufferRange " +
           std::to_string(limit >> 20) + " MiB" + (device.name.empty() ? "" : ", " + device.name) + "); " +
           (fits > 0 ? "the longest context that fits on this device is " + std::to_string(fits) + " tokens"
                     : "not even one token fits"));
}

SequenceState::SequenceState(gpu::Context& ctx, std::vector<StateSlot> slots, int64_t capacity)
    : ctx_(ctx), slots_(std::move(slots)) {
  require(capacity > 0, "sequence capacity must be positive");
  uint64_t positional = 0;
  for (const auto& s : slots_)
    if (s.kind == StateKind::SelfAttentionKv) positional += s.bytes();
  for (size_t i = 0; i < slots_.size(); ++i) {
    const StateSlot& s = slots_[i];
    try {
      buffers_.push_back(ctx.create_buffer(std::max<uint64_t>(s.bytes(), 4), gpu::MemoryKind::Device, s.name));
    } catch (const Error& e) {
      if (e.code() != ErrorCode::OutOfMemory || s.kind != StateKind::SelfAttentionKv) throw;
      fail(ErrorCode::OutOfMemory,
           "a context of " + std::to_string(capacity) + " tokens needs " + std::to_string(positional >> 20) +
               " MiB of KV cache, more than the GPU has free; choose a shorter context length (" + e.what() + ")");
    }
    if (s.snapshotted()) snapshotted_.push_back(static_cast<int>(i));
  }
  clear();
}

uint64_t SequenceState::device_bytes() const {
  uint64_t total = 0;
  for (const auto& b : buffers_) total += b.size();
  return total;
}

ops::Tensor SequenceState::tensor(int slot) const {
  const StateSlot& s = slots_.at(slot);
  return ops::view(buffers_.at(slot), s.dtype, s.shape);
}

void SequenceState::clear() {
  bool any = false;
  for (const auto& s : slots_) any |= s.snapshotted();
  if (!any) return;
  ctx_.run_one_shot([&](VkCommandBuffer cmd) {
    for (size_t i = 0; i < slots_.size(); ++i)
      if (slots_[i].snapshotted()) vkCmdFillBuffer(cmd, buffers_[i].handle(), 0, VK_WHOLE_SIZE, 0);
  });
}

uint64_t SequenceState::Snapshot::bytes() const {
  uint64_t total = 0;
  for (const auto& b : buffers) total += b.size();
  return total;
}

SequenceState::Snapshot SequenceState::snapshot(int64_t length) const {
  Snapshot snap;
  snap.length = length;
  for (int i : snapshotted_)
    snap.buffers.push_back(ctx_.create_buffer(buffers_[i].size(), gpu::MemoryKind::Device, "snapshot"));
  if (snapshotted_.empty()) return snap;
  ctx_.run_one_shot([&](VkCommandBuffer cmd) {
    for (size_t j = 0; j < snapshotted_.size(); ++j) {
      const gpu::Buffer& b = buffers_[snapshotted_[j]];
      VkBufferCopy region{0, 0, b.size()};
      vkCmdCopyBuffer(cmd, b.handle(), snap.buffers[j].handle(), 1, &region);
    }
  });
  return snap;
}

void SequenceState::restore(const Snapshot& snap) {
  require(snap.buffers.size() == snapshotted_.size(), "snapshot does not belong to this sequence");
  if (snapshotted_.empty()) return;
  ctx_.run_one_shot([&](VkCommandBuffer cmd) {
    for (size_t j = 0; j < snapshotted_.size(); ++j) {
      const gpu::Buffer& b = buffers_[snapshotted_[j]];
      VkBufferCopy region{0, 0, b.size()};
      vkCmdCopyBuffer(cmd, snap.buffers[j].handle(), b.handle(), 1, &region);
    }
  });
}

}  // namespace vole::arch
