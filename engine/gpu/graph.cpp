#include "gpu/graph.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <sstream>

#include "gpu/arena.h"
#include "gpu/context.h"
#include "gpu/pipeline.h"
#include "gpu/vk_check.h"
#include "util/error.h"

namespace vole::gpu {

Operand Operand::slice(uint64_t sub_offset, uint64_t sub_bytes) const {
  require(sub_offset + sub_bytes <= bytes, "operand slice [" + std::to_string(sub_offset) + ", +" +
                                               std::to_string(sub_bytes) + ") exceeds its " + std::to_string(bytes) +
                                               " bytes");
  Operand o = *this;
  o.offset += sub_offset;
  o.bytes = sub_bytes;
  return o;
}

Operand whole(const Buffer& buffer) { return Operand{buffer.handle(), buffer.size(), -1, 0, buffer.size()}; }

Operand slice(const Buffer& buffer, uint64_t offset, uint64_t bytes) {
  require(offset + bytes <= buffer.size(), "slice [" + std::to_string(offset) + ", +" + std::to_string(bytes) +
                                              ") exceeds buffer " + buffer.name() + " of " +
                                              std::to_string(buffer.size()) + " bytes");
  return Operand{buffer.handle(), buffer.size(), -1, offset, bytes};
}

std::string Profile::table() const {
  std::ostringstream s;
  s.setf(std::ios::fixed);
  s.precision(1);
  s << "kernel                              calls    total us   avg us     %\n";
  for (const auto& k : kernels) {
    char line[160];
    std::snprintf(line, sizeof line, "%-34s %6u %11.1f %8.1f %5.1f\n", k.label.c_str(), k.calls, k.total_us,
                  k.total_us / std::max(1u, k.calls), total_us > 0 ? 100.0 * k.total_us / total_us : 0.0);
    s << line;
  }
  char line[96];
  std::snprintf(line, sizeof line, "%-34s %6s %11.1f\n", "total", "", total_us);
  s << line;
  return s.str();
}

Graph::Graph(Context& ctx, std::string name) : ctx_(ctx), name_(std::move(name)) {}

Graph::~Graph() { release(); }

void Graph::release() {
  auto lock = ctx_.exclusive();  // the command pool is shared by every graph on the device
  VkDevice dev = ctx_.device();
  if (!cmds_.empty()) vkFreeCommandBuffers(dev, ctx_.command_pool(), static_cast<uint32_t>(cmds_.size()), cmds_.data());
  if (pool_) vkDestroyDescriptorPool(dev, pool_, nullptr);
  if (queries_) vkDestroyQueryPool(dev, queries_, nullptr);
  cmds_.clear();
  pool_ = VK_NULL_HANDLE;
  queries_ = VK_NULL_HANDLE;
}

Operand Graph::new_activation(uint64_t bytes, const std::string& name) {
  require(!compiled(), "graph " + name_ + " is already compiled");
  require(bytes > 0, "activation " + name + " has zero size");
  activations_.push_back({name, bytes});
  return Operand{VK_NULL_HANDLE, 0, static_cast<int32_t>(activations_.size() - 1), 0, bytes};
}

void Graph::check_operand(const Operand& o, const std::string& label) const {
  require(o.valid(), label + ": unbound operand");
  if (o.activation >= 0) {
    require(static_cast<size_t>(o.activation) < activations_.size(), label + ": operand from another graph");
    require(o.offset + o.bytes <= activations_[o.activation].bytes, label + ": operand outside its activation");
  } else {
    require(o.offset + o.bytes <= o.buffer_bytes, label + ": operand outside its buffer");
  }
}

void Graph::dispatch(const Pipeline& pipeline, std::initializer_list<Binding> bindings, const void* push,
                     uint32_t push_bytes, std::array<uint32_t, 3> groups, const std::string& label) {
  require(!compiled(), "graph " + name_ + " is already compiled");
  require(bindings.size() == pipeline.binding_count(),
          label + ": kernel " + pipeline.kernel() + " takes " + std::to_string(pipeline.binding_count()) +
              " buffers, got " + std::to_string(bindings.size()));
  require(push_bytes <= kPushConstantBytes, label + ": push constants too large");
  const auto& info = ctx_.info();
  for (int i = 0; i < 3; ++i)
    require(groups[i] >= 1 && groups[i] <= info.max_workgroup_count[i],
            label + ": workgroup count " + std::to_string(groups[i]) + " on axis " + std::to_string(i) +
                " outside [1, " + std::to_string(info.max_workgroup_count[i]) + "]");
  Node n;
  n.kind = Kind::Dispatch;
  n.pipeline = &pipeline;
  n.bindings.assign(bindings.begin(), bindings.end());
  for (const auto& b : n.bindings) {
    check_operand(b.operand, label);
    require(b.operand.bytes <= info.max_storage_buffer_range,
            label + ": a binding of " + std::to_string(b.operand.bytes >> 20) + " MiB exceeds this device's " +
                "maxStorageBufferRange of " + std::to_string(info.max_storage_buffer_range >> 20) + " MiB");
  }
  if (push_bytes) std::memcpy(n.push.data(), push, push_bytes);
  n.push_bytes = push_bytes;
  n.groups = groups;
  n.label = label;
  nodes_.push_back(std::move(n));
}

void Graph::copy(Operand src, Operand dst, const std::string& label) {
  require(!compiled(), "graph " + name_ + " is already compiled");
  check_operand(src, label);
  check_operand(dst, label);
  require(src.bytes == dst.bytes, label + ": copy between ranges of different size");
  Node n;
  n.kind = Kind::Copy;
  n.bindings = {in(src), out(dst)};
  n.label = label;
  nodes_.push_back(std::move(n));
}

void Graph::fill(Operand dst, uint32_t value, const std::string& label) {
  require(!compiled(), "graph " + name_ + " is already compiled");
  check_operand(dst, label);
  require(dst.offset % 4 == 0 && dst.bytes % 4 == 0, label + ": fill range must be 4-byte aligned");
  Node n;
  n.kind = Kind::Fill;
  n.bindings = {out(dst)};
  n.fill_value = value;
  n.label = label;
  nodes_.push_back(std::move(n));
}

Graph::Range Graph::resolve(const Operand& o) const {
  if (o.activation >= 0) {
    uint64_t base = activation_offsets_[o.activation] + o.offset;
    return {arena_.handle(), base, base + o.bytes};
  }
  return {o.buffer, o.offset, o.offset + o.bytes};
}

uint64_t Graph::unshared_activation_bytes() const {
  uint64_t total = 0;
  for (const auto& a : activations_) total += a.bytes;
  return total;
}

void Graph::compile(bool profile) {
  auto lock = ctx_.exclusive();
  require(!compiled(), "graph " + name_ + " is already compiled");
  require(!nodes_.empty(), "graph " + name_ + " has no work");
  const auto& info = ctx_.info();
  VkDevice dev = ctx_.device();
  profiling_ = profile && info.timestamps;

  // 1. Liveness of each activation over the node order, then arena placement.
  std::vector<LifetimeRequest> lifetimes(activations_.size());
  std::vector<bool> used(activations_.size(), false);
  for (uint32_t i = 0; i < nodes_.size(); ++i)
    for (const auto& b : nodes_[i].bindings) {
      int32_t a = b.operand.activation;
      if (a < 0) continue;
      if (!used[a]) lifetimes[a].first_use = i;
      used[a] = true;
      lifetimes[a].last_use = i;
    }
  for (size_t a = 0; a < activations_.size(); ++a) lifetimes[a].bytes = used[a] ? activations_[a].bytes : 0;
  uint64_t alignment = std::max<uint64_t>(256, info.min_storage_buffer_offset_alignment);
  ArenaPlan plan = plan_arena(lifetimes, alignment);
  activation_offsets_ = plan.offsets;
  arena_bytes_ = plan.total_bytes;
  if (arena_bytes_ > 0) arena_ = ctx_.create_buffer(arena_bytes_, MemoryKind::Device, name_ + " activations");

  // 2. Descriptor sets, one per dispatch, written once.
  uint32_t dispatches = 0, descriptors = 0;
  for (const auto& n : nodes_)
    if (n.kind == Kind::Dispatch) {
      ++dispatches;
      descriptors += static_cast<uint32_t>(n.bindings.size());
    }
  std::vector<VkDescriptorSet> sets(nodes_.size(), VK_NULL_HANDLE);
  if (dispatches > 0) {
    VkDescriptorPoolSize ps{VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, std::max(descriptors, 1u)};
    VkDescriptorPoolCreateInfo pci{VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO};
    pci.maxSets = dispatches;
    pci.poolSizeCount = 1;
    pci.pPoolSizes = &ps;
    VK_CHECK(vkCreateDescriptorPool(dev, &pci, nullptr, &pool_));
    std::vector<VkDescriptorBufferInfo> infos;
    std::vector<VkWriteDescriptorSet> writes;
    infos.reserve(descriptors);
    for (size_t i = 0; i < nodes_.size(); ++i) {
      const Node& n = nodes_[i];
      if (n.kind != Kind::Dispatch) continue;
      VkDescriptorSetLayout layout = n.pipeline->set_layout();
      VkDescriptorSetAllocateInfo ai{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO};
      ai.descriptorPool = pool_;
      ai.descriptorSetCount = 1;
      ai.pSetLayouts = &layout;
      VK_CHECK(vkAllocateDescriptorSets(dev, &ai, &sets[i]));
      for (uint32_t b = 0; b < n.bindings.size(); ++b) {
        Range r = resolve(n.bindings[b].operand);
        require(r.begin % info.min_storage_buffer_offset_alignment == 0,
                n.label + ": binding " + std::to_string(b) + " offset " + std::to_string(r.begin) +
                    " breaks the device's storage buffer alignment of " +
                    std::to_string(info.min_storage_buffer_offset_alignment));
        infos.push_back({r.buffer, r.begin, r.end - r.begin});
        VkWriteDescriptorSet w{VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET};
        w.dstSet = sets[i];
        w.dstBinding = b;
        w.descriptorCount = 1;
        w.descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
        w.pBufferInfo = &infos.back();
        writes.push_back(w);
      }
    }
    vkUpdateDescriptorSets(dev, static_cast<uint32_t>(writes.size()), writes.data(), 0, nullptr);
  }

  // 3. Record.
  if (profiling_) {
    VkQueryPoolCreateInfo qci{VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO};
    qci.queryType = VK_QUERY_TYPE_TIMESTAMP;
    qci.queryCount = static_cast<uint32_t>(nodes_.size() + 1);
    VK_CHECK(vkCreateQueryPool(dev, &qci, nullptr, &queries_));
  }
  if (!cuts_.empty() && cuts_.back() == nodes_.size()) cuts_.pop_back();  // nothing after the last cut
  VkCommandBufferAllocateInfo ai{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
  ai.commandPool = ctx_.command_pool();
  ai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  ai.commandBufferCount = static_cast<uint32_t>(cuts_.size() + 1);
  cmds_.assign(ai.commandBufferCount, VK_NULL_HANDLE);
  VK_CHECK(vkAllocateCommandBuffers(dev, &ai, cmds_.data()));
  VkCommandBufferBeginInfo bi{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
  size_t part = 0;
  VkCommandBuffer cmd = cmds_[0];
  VK_CHECK(vkBeginCommandBuffer(cmd, &bi));
  if (profiling_) {
    vkCmdResetQueryPool(cmd, queries_, 0, static_cast<uint32_t>(nodes_.size() + 1));
    vkCmdWriteTimestamp(cmd, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, queries_, 0);
  }

  std::vector<Range> pending_reads, pending_writes;
  auto overlaps = [](const Range& a, const std::vector<Range>& set) {
    for (const auto& b : set)
      if (a.buffer == b.buffer && a.begin < b.end && b.begin < a.end) return true;
    return false;
  };
  barriers_ = 0;
  const Pipeline* bound = nullptr;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (part < cuts_.size() && i == cuts_[part]) {  // the next part: its own command buffer
      VK_CHECK(vkEndCommandBuffer(cmd));
      cmd = cmds_[++part];
      VK_CHECK(vkBeginCommandBuffer(cmd, &bi));
      bound = nullptr;
    }
    const Node& n = nodes_[i];
    std::vector<Range> reads, writes;
    for (const auto& b : n.bindings) {
      Range r = resolve(b.operand);
      if (b.access != Access::Write) reads.push_back(r);
      if (b.access != Access::Read) writes.push_back(r);
    }
    bool hazard = profiling_ && i > 0;
    for (const auto& r : reads) hazard = hazard || overlaps(r, pending_writes);
    for (const auto& w : writes) hazard = hazard || overlaps(w, pending_writes) || overlaps(w, pending_reads);
    if (hazard) {
      VkMemoryBarrier mb{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
      mb.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
      mb.dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_READ_BIT |
                         VK_ACCESS_TRANSFER_WRITE_BIT;
      auto stages = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT;
      vkCmdPipelineBarrier(cmd, stages, stages, 0, 1, &mb, 0, nullptr, 0, nullptr);
      ++barriers_;
      pending_reads.clear();
      pending_writes.clear();
    }
    pending_reads.insert(pending_reads.end(), reads.begin(), reads.end());
    pending_writes.insert(pending_writes.end(), writes.begin(), writes.end());

    switch (n.kind) {
      case Kind::Dispatch:
        if (bound != n.pipeline) {
          vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, n.pipeline->handle());
          bound = n.pipeline;
        }
        vkCmdBindDescriptorSets(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, n.pipeline->layout(), 0, 1, &sets[i], 0, nullptr);
        if (n.push_bytes)
          vkCmdPushConstants(cmd, n.pipeline->layout(), VK_SHADER_STAGE_COMPUTE_BIT, 0, n.push_bytes, n.push.data());
        vkCmdDispatch(cmd, n.groups[0], n.groups[1], n.groups[2]);
        break;
      case Kind::Copy: {
        Range s = resolve(n.bindings[0].operand), d = resolve(n.bindings[1].operand);
        VkBufferCopy region{s.begin, d.begin, s.end - s.begin};
        vkCmdCopyBuffer(cmd, s.buffer, d.buffer, 1, &region);
        break;
      }
      case Kind::Fill: {
        Range d = resolve(n.bindings[0].operand);
        vkCmdFillBuffer(cmd, d.buffer, d.begin, d.end - d.begin, n.fill_value);
        break;
      }
    }
    if (profiling_)
      vkCmdWriteTimestamp(cmd, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, queries_, static_cast<uint32_t>(i + 1));
  }
  VK_CHECK(vkEndCommandBuffer(cmd));
}

void Graph::cut() {
  require(!compiled(), "graph " + name_ + " is already compiled");
  // An empty part (a cut at the start or twice in a row) would be a submission of nothing.
  if (!nodes_.empty() && (cuts_.empty() || cuts_.back() != nodes_.size())) cuts_.push_back(nodes_.size());
}

void Graph::run() { run(nullptr); }

bool Graph::run(const std::atomic<bool>* cancel) {
  require(compiled(), "graph " + name_ + " must be compiled before it runs");
  for (size_t part = 0; part < cmds_.size(); ++part) {
    if (part > 0 && cancel && cancel->load()) return false;
    auto lock = ctx_.exclusive();  // released between parts: other work may run in between
    ctx_.submit_and_wait(cmds_[part]);
  }
  return true;
}

Profile Graph::last_profile() const {
  Profile p;
  if (!profiling_) return p;
  std::vector<uint64_t> ts(nodes_.size() + 1);
  VK_CHECK(vkGetQueryPoolResults(ctx_.device(), queries_, 0, static_cast<uint32_t>(ts.size()), ts.size() * 8, ts.data(),
                                 8, VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT));
  double ns = ctx_.info().timestamp_period_ns;
  std::map<std::string, KernelTime> by_label;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    auto& k = by_label[nodes_[i].label];
    k.label = nodes_[i].label;
    k.calls++;
    k.total_us += (ts[i + 1] - ts[i]) * ns / 1000.0;
  }
  for (auto& [label, k] : by_label) {
    p.kernels.push_back(k);
    p.total_us += k.total_us;
  }
  std::sort(p.kernels.begin(), p.kernels.end(), [](auto& a, auto& b) { return a.total_us > b.total_us; });
  return p;
}

}  // namespace vole::gpu
