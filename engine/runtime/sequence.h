#pragma once
// One token sequence on the GPU: its KV caches and recurrent states, the graphs that
// extend it, and the snapshots that let it roll back. Token-level only (no text).
//
// Invariant: after any call that evaluates tokens, the logits of the last token are
// current (logits(), sample(), step() use them). Rolling back a hybrid model restores
// the latest snapshot at or before the target length and re-evaluates the gap;
// attention-only models just forget KV rows.
//
// Threading: a Sequence (like its gpu::Context) is used from one thread at a time.
#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "arch/sequence_state.h"
#include "arch/text_decoder.h"
#include "gpu/graph.h"
#include "runtime/device.h"
#include "runtime/sampling.h"

namespace vole::runtime {

struct SequenceOptions {
  int64_t capacity = 4096;                 // context length in tokens
  int max_snapshots = 4;                   // recurrent-state snapshots kept for rollback (hybrid models)
  int64_t prefill_chunk = 512;             // prompt tokens evaluated per GPU submission
  bool profile = false;                    // time every kernel (serialises the GPU work; for benchmarks)
  std::shared_ptr<MemoryAccount> account;  // the model's account, kept up to date with this sequence's memory
};

// Embedding rows that replace the token lookup of some tokens (an image's merged patch
// embeddings in place of its pad tokens). The sequence keeps them (`keep` owns the
// memory of `values`) so a rollback that re-evaluates those tokens injects them again,
// and `key` names their content (e.g. the image's identity hash): equal token ids with
// another key are different content, so the prefix cache never mistakes one image for
// another.
struct InjectedSpan {
  int64_t offset = 0;  // first token it replaces (relative to the tokens passed with it)
  std::string key;
  ops::Tensor values;                // f32 [n, hidden] on the device
  std::shared_ptr<const void> keep;  // owner of values' memory (null: the caller keeps it alive)
  int64_t tokens() const { return values.dim(0); }
};

// What a prefill can carry besides token ids: injected embeddings and M-RoPE position
// triples (per token; empty: text positions, each token one past the one before).
struct AppendExtras {
  std::vector<InjectedSpan> embeddings;
  std::vector<std::array<int32_t, 3>> positions;
};

class Sequence {
 public:
  Sequence(gpu::Context& ctx, const arch::TextDecoder& decoder, SequenceOptions options = {});
  ~Sequence();

  int64_t length() const { return static_cast<int64_t>(tokens_.size()); }
  int64_t capacity() const { return options_.capacity; }
  const std::vector<int32_t>& tokens() const { return tokens_; }
  uint64_t device_bytes() const;  // state + snapshots + I/O buffers

  // Makes the sequence hold exactly `tokens` (with `extras` relative to their start),
  // reusing the longest common prefix: equal ids, positions and injected content.
  // Returns the number of tokens evaluated. Throws ContextFull (sequence unchanged)
  // if they do not fit, InvalidArgument for ids outside the vocabulary.
  // `cancel` is looked at between prefill chunks: once set, the sequence keeps the
  // chunks evaluated so far (a valid prefix) and sync returns early, so Stop does not
  // wait for a long prompt to finish.
  int64_t sync(std::span<const int32_t> tokens, const AppendExtras& extras = {},
               const std::atomic<bool>* cancel = nullptr);
  int64_t sync(std::span<const int32_t> tokens, const std::atomic<bool>* cancel) { return sync(tokens, {}, cancel); }
  // Evaluates more tokens at the end (with injected embeddings / explicit positions).
  void append(std::span<const int32_t> tokens, const AppendExtras& extras = {});
  // Forgets every token after `length`.
  void truncate(int64_t length);
  // The position the next token gets: one past the largest position of the last token
  // (its index for text; after an image, HF's rope_deltas); "one" is dims().position_units.
  int32_t next_position() const;
  void reset();
  // Records the recurrent state at the current length (sync does this at its end).
  void snapshot();

  // The next token drawn from the current logits (on the GPU; one id read back).
  int32_t sample(const SamplingOptions& sampling, uint32_t seed, uint32_t step);
  // Appends `token` and draws the one after it in the same submission (a decode step).
  // `position`: where the token sits when the model's rule is not "one past the last"
  // (Kani-TTS-2's frame positions); by default next_position().
  int32_t step(int32_t token, const SamplingOptions& sampling, uint32_t seed, uint32_t step_index,
               std::optional<int32_t> position = std::nullopt);
  // A decode step without sampling: appends `token`, leaving its logits current.
  void feed(int32_t token, std::optional<int32_t> position = std::nullopt);

  std::vector<float> logits() const;  // [vocab], of the last token
  // The state buffers, for components whose state is filled from outside a token step
  // (e.g. a speech decoder's cross-attention K/V of the current utterance).
  arch::SequenceState& state() { return state_; }

  // The recorded decode step (without sampling): GPU work items and barriers in it.
  struct GraphShape {
    size_t nodes = 0, barriers = 0;
    uint64_t arena_bytes = 0;
  };
  GraphShape decode_graph_shape();

  // With SequenceOptions::profile: GPU time per kernel label accumulated since the last
  // call (prefill and decode graphs together), then cleared.
  gpu::Profile take_profile();
  // From an empty sequence: the logits of every position of `tokens`, row-major [T, vocab].
  std::vector<float> evaluate_all(std::span<const int32_t> tokens);

 private:
  struct Io;  // host-written inputs of one graph kind
  void check_tokens(std::span<const int32_t> tokens) const;
  // Evaluates tokens in prefill chunks; with `all_logits`, appends every position's logits.
  void evaluate(std::span<const int32_t> tokens, std::vector<float>* all_logits, const AppendExtras* extras = nullptr,
                const std::atomic<bool>* cancel = nullptr);
  // Evaluates tokens with their extras, then holds `hold` (injections with absolute offsets).
  void extend(std::span<const int32_t> tokens, const AppendExtras& extras, std::vector<InjectedSpan> hold,
              const std::atomic<bool>* cancel = nullptr);
  void run_chunk(std::span<const int32_t> chunk, std::vector<float>* all_logits, const AppendExtras* extras,
                 int64_t chunk_offset);
  void write_inputs(Io& io, std::span<const int32_t> ids, int64_t start,
                    std::span<const std::array<int32_t, 3>> positions);
  // Extras for re-evaluating tokens [begin, end) of what the sequence held: their
  // positions and the kept injections over them.
  AppendExtras held_extras(const std::vector<std::array<int32_t, 3>>& positions, const std::vector<InjectedSpan>& spans,
                           int64_t begin, int64_t end) const;
  void update_account();  // reports this sequence's device bytes to the model's account
  void write_sampler(const SamplingOptions& sampling, uint32_t seed, uint32_t step);
  void run_graph(gpu::Graph& g);  // runs it, collecting its profile when profiling
  void begin_decode(int32_t token, std::optional<int32_t> position);
  std::unique_ptr<gpu::Graph> build_decode_graph(bool with_sampler);
  void build_sample_graph();

  gpu::Context& ctx_;
  const arch::TextDecoder& model_;
  SequenceOptions options_;
  arch::SequenceState state_;
  std::vector<int32_t> tokens_;
  std::vector<std::array<int32_t, 3>> positions_;  // per token
  std::vector<InjectedSpan> spans_;                // injections over held tokens, offsets absolute
  std::deque<arch::SequenceState::Snapshot> snapshots_;
  std::deque<gpu::Buffer> snapshot_logits_;

  std::unique_ptr<Io> decode_io_, prefill_io_;
  gpu::Buffer logits_;  // [vocab] f32, last token
  gpu::Buffer sampler_params_;
  gpu::Buffer history_;    // recent tokens for the penalties
  gpu::Buffer token_out_;  // i32, host-readable
  std::unique_ptr<gpu::Graph> decode_graph_, feed_graph_, sample_graph_;
  std::map<std::string, gpu::KernelTime> profile_;
  int64_t reported_bytes_ = 0;
};

}  // namespace vole::runtime
