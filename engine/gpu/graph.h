#pragma once
// A graph of GPU work (dispatches, copies, fills) recorded once into a command buffer
// and submitted as many times as needed: one submit and one wait per run.
//
// Building: declare temporary tensors with new_activation(), add nodes in execution
// order, then compile(). compile() gives activations memory by liveness (tensors whose
// lifetimes do not overlap share bytes), writes descriptor sets, and records barriers
// only where a node touches memory an earlier node wrote (or writes memory an earlier
// node still reads) since the last barrier. Values that change between runs (position,
// token id) live in buffers the host writes before run(); push constants are fixed.
//
// A long graph may be cut into parts (cut()): each part is its own command buffer and
// submission, so run(cancel) can stop between parts. The parts share one arena and one
// recording; barriers work across them (a barrier orders everything earlier in
// submission order, the earlier parts included).
#include <vulkan/vulkan.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <type_traits>
#include <vector>

#include "gpu/buffer.h"
#include "interface_common.h"

namespace vole::gpu {

class Context;
class Pipeline;

inline constexpr uint64_t kWholeBuffer = ~0ull;

// A byte range a node reads or writes: part of a real buffer, or of an activation
// whose place in the arena is decided at compile().
// Holds the VkBuffer handle (not the Buffer wrapper, which may move); the Buffer
// must outlive every graph that uses it.
struct Operand {
  VkBuffer buffer = VK_NULL_HANDLE;
  uint64_t buffer_bytes = 0;
  int32_t activation = -1;
  uint64_t offset = 0;
  uint64_t bytes = 0;

  bool valid() const { return buffer != VK_NULL_HANDLE || activation >= 0; }
  // A sub-range (offset relative to this operand).
  Operand slice(uint64_t sub_offset, uint64_t sub_bytes) const;
};

Operand whole(const Buffer& buffer);
Operand slice(const Buffer& buffer, uint64_t offset, uint64_t bytes);

enum class Access { Read, Write, ReadWrite };

struct Binding {
  Operand operand;
  Access access;
};
inline Binding in(Operand o) { return {o, Access::Read}; }
inline Binding out(Operand o) { return {o, Access::Write}; }
inline Binding inout(Operand o) { return {o, Access::ReadWrite}; }

struct KernelTime {
  std::string label;
  uint32_t calls = 0;
  double total_us = 0;
};

// Per-label GPU time of one profiled run, in descending order of time.
struct Profile {
  std::vector<KernelTime> kernels;
  double total_us = 0;
  std::string table() const;  // printable
};

class Graph {
 public:
  Graph(Context& ctx, std::string name);
  ~Graph();
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;

  Context& context() const { return ctx_; }

  Operand new_activation(uint64_t bytes, const std::string& name);

  void dispatch(const Pipeline& pipeline, std::initializer_list<Binding> bindings, const void* push,
                uint32_t push_bytes, std::array<uint32_t, 3> groups, const std::string& label);
  // `push` is the kernel's push-constant struct from its kernels/<family>/interface.h.
  template <class PushConstants>
  void dispatch(const Pipeline& pipeline, std::initializer_list<Binding> bindings, const PushConstants& push,
                std::array<uint32_t, 3> groups, const std::string& label) {
    static_assert(sizeof(PushConstants) <= kernels::kMaxPushConstantBytes,
                  "push constants above the 128 bytes every device has");
    static_assert(std::is_trivially_copyable_v<PushConstants>, "push constants are copied as bytes");
    dispatch(pipeline, bindings, &push, sizeof(PushConstants), groups, label);
  }
  void copy(Operand src, Operand dst, const std::string& label = "copy");
  void fill(Operand dst, uint32_t value, const std::string& label = "fill");
  // Ends a part here: the nodes so far are submitted (and waited for) before the rest.
  void cut();

  // Resolves memory and records. `profile` adds a timestamp after every node (and a
  // barrier between all nodes so each one's time is its own).
  void compile(bool profile = false);
  void run();  // submit, wait (each part in turn)
  // Like run(), but checks `cancel` before each part after the first; false when it
  // stopped there (the outputs are then incomplete).
  bool run(const std::atomic<bool>* cancel);
  size_t part_count() const { return cuts_.size() + 1; }
  Profile last_profile() const;  // after run() of a graph compiled with profile=true

  size_t node_count() const { return nodes_.size(); }
  size_t barrier_count() const { return barriers_; }
  uint64_t arena_bytes() const { return arena_bytes_; }
  // Sum of all activation sizes: what the arena would need without sharing.
  uint64_t unshared_activation_bytes() const;
  bool compiled() const { return !cmds_.empty(); }

 private:
  enum class Kind { Dispatch, Copy, Fill };
  struct Node {
    Kind kind;
    const Pipeline* pipeline = nullptr;
    std::vector<Binding> bindings;
    std::array<uint8_t, kernels::kMaxPushConstantBytes> push{};
    uint32_t push_bytes = 0;
    std::array<uint32_t, 3> groups{};
    uint32_t fill_value = 0;
    std::string label;
  };
  struct Activation {
    std::string name;
    uint64_t bytes;
  };
  struct Range {
    VkBuffer buffer;
    uint64_t begin, end;
  };
  Range resolve(const Operand& o) const;
  void check_operand(const Operand& o, const std::string& label) const;
  void release();

  Context& ctx_;
  std::string name_;
  std::vector<Node> nodes_;
  std::vector<Activation> activations_;
  std::vector<uint64_t> activation_offsets_;
  Buffer arena_;
  uint64_t arena_bytes_ = 0;
  size_t barriers_ = 0;
  bool profiling_ = false;
  VkDescriptorPool pool_ = VK_NULL_HANDLE;
  std::vector<size_t> cuts_;           // node indexes where a new part begins
  std::vector<VkCommandBuffer> cmds_;  // one per part
  VkQueryPool queries_ = VK_NULL_HANDLE;
};

}  // namespace vole::gpu
