#include "arch/sequence_state.h"

#include "util/error.h"

namespace vole::arch {

SequenceState::SequenceState(gpu::Context& ctx, const StateShapes& s) : ctx_(ctx), shapes_(s) {
  require(s.capacity > 0, "sequence capacity must be positive");
  uint64_t kv_bytes = static_cast<uint64_t>(s.capacity) * s.kv_heads * s.head_dim * 2;
  try {
    for (int i = 0; i < s.attention_layers; ++i) {
      kv_.push_back(ctx.create_buffer(kv_bytes, gpu::MemoryKind::Device, "k cache " + std::to_string(i)));
      kv_.push_back(ctx.create_buffer(kv_bytes, gpu::MemoryKind::Device, "v cache " + std::to_string(i)));
    }
  } catch (const Error& e) {
    if (e.code() != ErrorCode::OutOfMemory) throw;
    fail(ErrorCode::OutOfMemory, "a context of " + std::to_string(s.capacity) + " tokens needs " +
                                     std::to_string((kv_bytes * 2 * s.attention_layers) >> 20) +
                                     " MiB of KV cache, more than the GPU has free; choose a shorter context length (" +
                                     e.what() + ")");
  }
  uint64_t conv_bytes = static_cast<uint64_t>(s.conv_rows) * s.conv_channels * 4;
  uint64_t rec_bytes = static_cast<uint64_t>(s.value_heads) * s.key_dim * s.value_dim * 4;
  for (int i = 0; i < s.recurrent_layers; ++i) {
    recurrent_.push_back(ctx.create_buffer(conv_bytes, gpu::MemoryKind::Device, "conv state " + std::to_string(i)));
    recurrent_.push_back(ctx.create_buffer(rec_bytes, gpu::MemoryKind::Device, "recurrent state " + std::to_string(i)));
  }
  clear();
}

uint64_t SequenceState::device_bytes() const {
  uint64_t total = 0;
  for (const auto& b : kv_) total += b.size();
  for (const auto& b : recurrent_) total += b.size();
  return total;
}

ops::Tensor SequenceState::k_cache(int i) const {
  return ops::view(kv_.at(2 * i), DType::F16, {shapes_.capacity, shapes_.kv_heads, shapes_.head_dim});
}
ops::Tensor SequenceState::v_cache(int i) const {
  return ops::view(kv_.at(2 * i + 1), DType::F16, {shapes_.capacity, shapes_.kv_heads, shapes_.head_dim});
}
ops::Tensor SequenceState::conv_state(int i) const {
  return ops::view(recurrent_.at(2 * i), DType::F32, {shapes_.conv_rows, shapes_.conv_channels});
}
ops::Tensor SequenceState::recurrent_state(int i) const {
  return ops::view(recurrent_.at(2 * i + 1), DType::F32, {shapes_.value_heads, shapes_.key_dim, shapes_.value_dim});
}

void SequenceState::clear() {
  if (recurrent_.empty()) return;
  ctx_.run_one_shot([&](VkCommandBuffer cmd) {
    for (const auto& b : recurrent_) vkCmdFillBuffer(cmd, b.handle(), 0, VK_WHOLE_SIZE, 0);
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
  for (const auto& b : recurrent_) snap.buffers.push_back(ctx_.create_buffer(b.size(), gpu::MemoryKind::Device, "snapshot"));
  if (recurrent_.empty()) return snap;
  ctx_.run_one_shot([&](VkCommandBuffer cmd) {
    for (size_t i = 0; i < recurrent_.size(); ++i) {
      VkBufferCopy region{0, 0, recurrent_[i].size()};
      vkCmdCopyBuffer(cmd, recurrent_[i].handle(), snap.buffers[i].handle(), 1, &region);
    }
  });
  return snap;
}

void SequenceState::restore(const Snapshot& snap) {
  require(snap.buffers.size() == recurrent_.size(), "snapshot does not belong to this sequence");
  if (recurrent_.empty()) return;
  ctx_.run_one_shot([&](VkCommandBuffer cmd) {
    for (size_t i = 0; i < recurrent_.size(); ++i) {
      VkBufferCopy region{0, 0, recurrent_[i].size()};
      vkCmdCopyBuffer(cmd, snap.buffers[i].handle(), recurrent_[i].handle(), 1, &region);
    }
  });
}

}  // namespace vole::arch
