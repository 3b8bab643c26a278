#include "arch/sequence_state.h"

#include "util/error.h"

namespace vole::arch {

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
