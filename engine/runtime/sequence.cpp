#include "runtime/sequence.h"

#include <algorithm>
#include <cstring>

#include "ops/sampling.h"
#include "util/error.h"

namespace vole::runtime {

namespace {
constexpr uint64_t kSlot = 256;             // spacing of the input fields (>= any storage offset alignment)
constexpr int64_t kHistoryCapacity = 4096;  // max penalty window
uint64_t round_up(uint64_t v) { return (v + kSlot - 1) / kSlot * kSlot; }

// The model's state for `capacity` tokens, refused with the length that fits when one
// layer's cache would exceed what the device can bind.
std::vector<arch::StateSlot> bindable_state(gpu::Context& ctx, const arch::TextDecoder& model, int64_t capacity) {
  arch::require_context_fits(model, ctx.info(), capacity);
  return model.state_slots(capacity);
}
}  // namespace

// The host-written inputs of a forward pass: ids, positions, start, kv_len, each in its
// own aligned slot of one host-visible buffer.
struct Sequence::Io {
  int64_t max_tokens = 0;
  bool mrope = false;
  gpu::Buffer buffer;
  uint64_t ids_offset = 0, positions_offset = 0, start_offset = 0, kv_len_offset = 0;

  Io(gpu::Context& ctx, int64_t max_tokens_, bool mrope_, const char* name) : max_tokens(max_tokens_), mrope(mrope_) {
    positions_offset = round_up(max_tokens * 4);
    start_offset = positions_offset + round_up(max_tokens * 4 * (mrope ? 3 : 1));
    kv_len_offset = start_offset + kSlot;
    buffer = ctx.create_buffer(kv_len_offset + kSlot, gpu::MemoryKind::Upload, name);
  }

  arch::StepInputs inputs(int64_t T, int64_t past) const {
    arch::StepInputs in;
    in.ids = ops::view(buffer, DType::I32, {T}, ids_offset);
    in.positions = mrope ? ops::view(buffer, DType::I32, {3, T}, positions_offset)
                         : ops::view(buffer, DType::I32, {T}, positions_offset);
    in.start = ops::view(buffer, DType::I32, {1}, start_offset);
    in.kv_len = ops::view(buffer, DType::I32, {1}, kv_len_offset);
    in.tokens = T;
    in.past = past;
    return in;
  }
};

Sequence::Sequence(gpu::Context& ctx, const arch::TextDecoder& model, SequenceOptions options)
    : ctx_(ctx),
      model_(model),
      options_(options),
      state_(ctx, bindable_state(ctx, model, options.capacity > 0 ? options.capacity : 1), options.capacity) {
  require(options_.capacity > 0, "context length must be positive");
  require(options_.prefill_chunk > 0, "prefill chunk must be positive");
  options_.prefill_chunk = std::min(options_.prefill_chunk, options_.capacity);
  bool mrope = model.dims().position_rows == 3;
  decode_io_ = std::make_unique<Io>(ctx, 1, mrope, "decode inputs");
  prefill_io_ = std::make_unique<Io>(ctx, options_.prefill_chunk, mrope, "prefill inputs");
  logits_ = ctx.create_buffer(static_cast<uint64_t>(model.dims().vocab) * 4, gpu::MemoryKind::Device, "logits");
  sampler_params_ = ctx.create_buffer(sizeof(ops::SamplerParams), gpu::MemoryKind::Upload, "sampler params");
  history_ = ctx.create_buffer(kHistoryCapacity * 4, gpu::MemoryKind::Upload, "token history");
  token_out_ = ctx.create_buffer(4, gpu::MemoryKind::Readback, "sampled token");
  update_account();
}

Sequence::~Sequence() {
  if (options_.account) options_.account->add(-reported_bytes_);
}

void Sequence::update_account() {
  if (!options_.account) return;
  int64_t now = static_cast<int64_t>(device_bytes());
  options_.account->add(now - reported_bytes_);
  reported_bytes_ = now;
}

uint64_t Sequence::device_bytes() const {
  uint64_t total = state_.device_bytes() + logits_.size();
  for (const auto& s : snapshots_) total += s.bytes();
  for (const auto& l : snapshot_logits_) total += l.size();
  if (decode_graph_) total += decode_graph_->arena_bytes();
  return total;
}

void Sequence::check_tokens(std::span<const int32_t> tokens) const {
  int32_t vocab = model_.dims().vocab;
  for (size_t i = 0; i < tokens.size(); ++i)
    if (tokens[i] < 0 || tokens[i] >= vocab)
      fail(ErrorCode::InvalidArgument, "token id " + std::to_string(tokens[i]) + " at position " + std::to_string(i) +
                                           " is outside the vocabulary [0, " + std::to_string(vocab) + ")");
}

void Sequence::write_inputs(Io& io, std::span<const int32_t> ids, int64_t start,
                            std::span<const std::array<int32_t, 3>> positions) {
  int64_t T = static_cast<int64_t>(ids.size());
  uint8_t* base = io.buffer.mapped();
  std::memcpy(base + io.ids_offset, ids.data(), T * 4);
  auto* pos = reinterpret_cast<int32_t*>(base + io.positions_offset);
  for (int row = 0; row < (io.mrope ? 3 : 1); ++row)
    for (int64_t t = 0; t < T; ++t) pos[row * T + t] = positions[t][row];
  int32_t s = static_cast<int32_t>(start), n = static_cast<int32_t>(start + T);
  std::memcpy(base + io.start_offset, &s, 4);
  std::memcpy(base + io.kv_len_offset, &n, 4);
}

void Sequence::write_sampler(const SamplingOptions& sampling, uint32_t seed, uint32_t step) {
  int64_t n = std::min<int64_t>({sampling.penalty_last_n, length(), kHistoryCapacity});
  std::memcpy(history_.mapped(), tokens_.data() + (length() - n), n * 4);
  ops::SamplerParams p = to_sampler_params(sampling, seed, step, static_cast<uint32_t>(n));
  std::memcpy(sampler_params_.mapped(), &p, sizeof p);
}

void Sequence::run_chunk(std::span<const int32_t> chunk, std::vector<float>* all_logits, const AppendExtras* extras,
                         int64_t chunk_offset) {
  const auto& dims = model_.dims();
  int64_t T = static_cast<int64_t>(chunk.size()), past = length();
  std::span<const std::array<int32_t, 3>> positions;
  std::vector<std::array<int32_t, 3>> text_positions;
  if (extras && !extras->positions.empty()) {
    positions = std::span(extras->positions).subspan(chunk_offset, T);
  } else {
    const int32_t p0 = next_position(), unit = dims.position_units;
    for (int32_t t = 0; t < T; ++t) text_positions.push_back({p0 + t * unit, p0 + t * unit, p0 + t * unit});
    positions = text_positions;
  }
  write_inputs(*prefill_io_, chunk, past, positions);
  arch::StepInputs in = prefill_io_->inputs(T, past);
  if (extras)  // the part of each injection that falls inside this chunk
    for (const auto& e : extras->embeddings) {
      int64_t begin = std::max(e.offset, chunk_offset), end = std::min(e.offset + e.values.dim(0), chunk_offset + T);
      if (begin < end) in.injected.push_back({begin - chunk_offset, e.values.rows(begin - e.offset, end - begin)});
    }

  gpu::Graph g(ctx_, "prefill");
  std::optional<gpu::Buffer> hidden_buffer;
  ops::Tensor hidden;
  if (all_logits) {
    hidden_buffer = ctx_.create_buffer(static_cast<uint64_t>(T) * dims.hidden * 4, gpu::MemoryKind::Device, "hidden");
    hidden = ops::view(*hidden_buffer, DType::F32, {T, dims.hidden});
  } else {
    hidden = ops::activation(g, DType::F32, {T, dims.hidden}, "hidden");
  }
  model_.record_forward(g, in, state_, hidden);
  model_.record_logits(g, hidden.rows(T - 1, 1), ops::view(logits_, DType::F32, {1, dims.vocab}));
  g.compile(options_.profile);
  run_graph(g);
  tokens_.insert(tokens_.end(), chunk.begin(), chunk.end());
  positions_.insert(positions_.end(), positions.begin(), positions.end());
  if (!all_logits) return;

  // Every position's logits, a block of rows at a time: [rows, vocab] must fit one binding.
  uint64_t row_bytes = static_cast<uint64_t>(dims.vocab) * 4;
  uint64_t limit = std::min<uint64_t>(ctx_.info().max_storage_buffer_range, 256ull << 20);
  int64_t rows_per_block = std::max<int64_t>(1, static_cast<int64_t>(limit / row_bytes));
  gpu::Buffer block = ctx_.create_buffer(std::min(rows_per_block, T) * row_bytes, gpu::MemoryKind::Device, "logits");
  for (int64_t r = 0; r < T; r += rows_per_block) {
    int64_t n = std::min(rows_per_block, T - r);
    gpu::Graph lg(ctx_, "logits");
    model_.record_logits(lg, hidden.rows(r, n), ops::view(block, DType::F32, {n, dims.vocab}));
    lg.compile(options_.profile);
    run_graph(lg);
    size_t old = all_logits->size();
    all_logits->resize(old + n * dims.vocab);
    ctx_.download(block, 0, all_logits->data() + old, n * row_bytes);
  }
}

void Sequence::evaluate(std::span<const int32_t> tokens, std::vector<float>* all_logits, const AppendExtras* extras,
                        const std::atomic<bool>* cancel) {
  for (size_t i = 0; i < tokens.size(); i += options_.prefill_chunk) {
    if (i > 0 && cancel && cancel->load(std::memory_order_relaxed)) return;  // a valid prefix is kept
    size_t n = std::min<size_t>(options_.prefill_chunk, tokens.size() - i);
    run_chunk(tokens.subspan(i, n), all_logits, extras, static_cast<int64_t>(i));
  }
}

void Sequence::append(std::span<const int32_t> tokens, const AppendExtras& extras) {
  check_tokens(tokens);
  require(extras.positions.empty() || extras.positions.size() == tokens.size(),
          "explicit positions must cover every appended token");
  for (const auto& e : extras.embeddings) {
    require(e.offset >= 0 && e.offset + e.values.dim(0) <= static_cast<int64_t>(tokens.size()),
            "injected embeddings fall outside the appended tokens");
    require(e.keep != nullptr, "injected embeddings must be kept by the sequence (InjectedSpan::keep)");
  }
  if (length() + static_cast<int64_t>(tokens.size()) > capacity())
    fail(ErrorCode::ContextFull, "the conversation needs " + std::to_string(length() + tokens.size()) +
                                     " tokens but the context length is " + std::to_string(capacity()) +
                                     " (start a new chat or raise the context length)");
  std::vector<InjectedSpan> hold = extras.embeddings;
  for (auto& e : hold) e.offset += length();
  extend(tokens, extras, std::move(hold));
}

void Sequence::extend(std::span<const int32_t> tokens, const AppendExtras& extras, std::vector<InjectedSpan> hold,
                      const std::atomic<bool>* cancel) {
  evaluate(tokens, nullptr, &extras, cancel);
  // A cancelled prefill kept a prefix: hold only the spans that reached into it.
  for (auto& e : hold)
    if (e.offset < length()) spans_.push_back(std::move(e));
}

int32_t Sequence::next_position() const {
  if (positions_.empty()) return 0;
  const auto& p = positions_.back();
  return std::max({p[0], p[1], p[2]}) + model_.dims().position_units;
}

AppendExtras Sequence::held_extras(const std::vector<std::array<int32_t, 3>>& positions,
                                   const std::vector<InjectedSpan>& spans, int64_t begin, int64_t end) const {
  AppendExtras x;
  x.positions.assign(positions.begin() + begin, positions.begin() + end);
  for (const auto& s : spans) {
    int64_t b = std::max(s.offset, begin), e = std::min(s.offset + s.tokens(), end);
    if (b < e) x.embeddings.push_back({b - begin, s.key, s.values.rows(b - s.offset, e - b), s.keep});
  }
  return x;
}

int64_t Sequence::sync(std::span<const int32_t> tokens, const AppendExtras& extras, const std::atomic<bool>* cancel) {
  check_tokens(tokens);
  require(extras.positions.empty() || extras.positions.size() == tokens.size(),
          "explicit positions must cover every token");
  for (const auto& e : extras.embeddings)
    require(e.offset >= 0 && e.offset + e.tokens() <= static_cast<int64_t>(tokens.size()) && e.keep != nullptr,
            "injected embeddings must lie inside the tokens and be kept by the sequence");
  if (static_cast<int64_t>(tokens.size()) > capacity())
    fail(ErrorCode::ContextFull, "the prompt has " + std::to_string(tokens.size()) +
                                     " tokens but the context length is " + std::to_string(capacity()) +
                                     " (shorten it, start a new chat or raise the context length)");
  // The common prefix: equal ids and positions, and no injected content that differs.
  auto position = [&](size_t i) {
    int32_t p = static_cast<int32_t>(i) * model_.dims().position_units;
    return extras.positions.empty() ? std::array<int32_t, 3>{p, p, p} : extras.positions[i];
  };
  size_t common = 0;
  while (common < tokens.size() && common < tokens_.size() && tokens[common] == tokens_[common] &&
         position(common) == positions_[common])
    ++common;
  auto same = [](const InjectedSpan& a, int64_t a_offset, const InjectedSpan& b) {
    return a_offset == b.offset && !a.key.empty() && a.key == b.key && a.tokens() == b.tokens();
  };
  for (const auto& held : spans_)
    if (held.offset < static_cast<int64_t>(common) &&
        std::none_of(extras.embeddings.begin(), extras.embeddings.end(),
                     [&](const InjectedSpan& e) { return same(e, e.offset, held); }))
      common = static_cast<size_t>(held.offset);
  for (const auto& e : extras.embeddings)
    if (e.offset < static_cast<int64_t>(common) &&
        std::none_of(spans_.begin(), spans_.end(), [&](const InjectedSpan& held) { return same(e, e.offset, held); }))
      common = static_cast<size_t>(e.offset);

  if (common == tokens.size() && common == tokens_.size()) return 0;
  int64_t before = length();
  if (static_cast<int64_t>(common) < before) truncate(static_cast<int64_t>(common));
  if (common == tokens.size()) return 0;
  // The rest, with the parts of injections that fall into it; injections are held whole
  // (a span the truncation kept is already held).
  const int64_t c = static_cast<int64_t>(common);
  AppendExtras rest;
  std::vector<InjectedSpan> hold;
  if (!extras.positions.empty()) rest.positions.assign(extras.positions.begin() + c, extras.positions.end());
  for (const auto& e : extras.embeddings) {
    int64_t end = e.offset + e.tokens(), b = std::max(e.offset, c);
    if (end <= c) continue;
    rest.embeddings.push_back({b - c, e.key, e.values.rows(b - e.offset, end - b), e.keep});
    if (std::none_of(spans_.begin(), spans_.end(), [&](const InjectedSpan& held) { return same(e, e.offset, held); }))
      hold.push_back(e);
  }
  int64_t start = length();
  extend(tokens.subspan(common), rest, std::move(hold), cancel);
  snapshot();
  return length() - start;
}

void Sequence::truncate(int64_t n) {
  require(n >= 0 && n <= length(),
          "cannot truncate a sequence of " + std::to_string(length()) + " tokens to " + std::to_string(n));
  if (n == length()) return;
  std::vector<int32_t> old = tokens_;
  std::vector<std::array<int32_t, 3>> old_positions = positions_;
  std::erase_if(spans_, [&](const InjectedSpan& s) { return s.offset >= n; });
  if (state_.has_recurrent_state()) {
    while (!snapshots_.empty() && snapshots_.back().length > n) {
      snapshots_.pop_back();
      snapshot_logits_.pop_back();
    }
    if (snapshots_.empty()) {
      state_.clear();
      tokens_.clear();
    } else {
      state_.restore(snapshots_.back());
      tokens_.resize(snapshots_.back().length);
      ctx_.run_one_shot([&](VkCommandBuffer cmd) {
        VkBufferCopy region{0, 0, logits_.size()};
        vkCmdCopyBuffer(cmd, snapshot_logits_.back().handle(), logits_.handle(), 1, &region);
      });
    }
  } else {
    // KV rows past the length are never read; re-evaluating the last kept token
    // rewrites its own row identically and makes its logits current.
    tokens_.resize(n > 0 ? n - 1 : 0);
  }
  const int64_t kept = length();
  positions_.resize(kept);
  extend(std::span<const int32_t>(old).subspan(kept, n - kept), held_extras(old_positions, spans_, kept, n), {});
  update_account();
}

void Sequence::reset() {
  tokens_.clear();
  positions_.clear();
  spans_.clear();
  snapshots_.clear();
  snapshot_logits_.clear();
  state_.clear();
  update_account();
}

void Sequence::snapshot() {
  if (!state_.has_recurrent_state() || options_.max_snapshots <= 0 || length() == 0) return;
  if (!snapshots_.empty() && snapshots_.back().length == length()) return;
  gpu::Buffer saved = ctx_.create_buffer(logits_.size(), gpu::MemoryKind::Device, "snapshot logits");
  ctx_.run_one_shot([&](VkCommandBuffer cmd) {
    VkBufferCopy region{0, 0, logits_.size()};
    vkCmdCopyBuffer(cmd, logits_.handle(), saved.handle(), 1, &region);
  });
  snapshots_.push_back(state_.snapshot(length()));
  snapshot_logits_.push_back(std::move(saved));
  while (static_cast<int>(snapshots_.size()) > options_.max_snapshots) {
    snapshots_.pop_front();
    snapshot_logits_.pop_front();
  }
  update_account();
}

void Sequence::build_sample_graph() {
  sample_graph_ = std::make_unique<gpu::Graph>(ctx_, "sample");
  ops::sample(*sample_graph_, ops::view(logits_, DType::F32, {1, model_.dims().vocab}),
              ops::view(history_, DType::I32, {kHistoryCapacity}), ops::sampler_params_view(sampler_params_),
              ops::view(token_out_, DType::I32, {1}));
  sample_graph_->compile(options_.profile);
}

std::unique_ptr<gpu::Graph> Sequence::build_decode_graph(bool with_sampler) {
  const auto& dims = model_.dims();
  auto graph = std::make_unique<gpu::Graph>(ctx_, with_sampler ? "decode" : "decode (no sampling)");
  gpu::Graph& g = *graph;
  ops::Tensor hidden = ops::activation(g, DType::F32, {1, dims.hidden}, "hidden");
  model_.record_forward(g, decode_io_->inputs(1, 0), state_, hidden);
  ops::Tensor logits = ops::view(logits_, DType::F32, {1, dims.vocab});
  model_.record_logits(g, hidden, logits);
  if (with_sampler)
    ops::sample(g, logits, ops::view(history_, DType::I32, {kHistoryCapacity}),
                ops::sampler_params_view(sampler_params_), ops::view(token_out_, DType::I32, {1}));
  g.compile(options_.profile);
  return graph;
}

int32_t Sequence::sample(const SamplingOptions& sampling, uint32_t seed, uint32_t step) {
  require(length() > 0, "nothing to sample from: the sequence is empty");
  if (!sample_graph_) build_sample_graph();
  write_sampler(sampling, seed, step);
  run_graph(*sample_graph_);
  int32_t token;
  std::memcpy(&token, token_out_.mapped(), 4);
  return token;
}

void Sequence::begin_decode(int32_t token, std::optional<int32_t> explicit_position) {
  std::span<const int32_t> one(&token, 1);
  check_tokens(one);
  if (length() >= capacity())
    fail(ErrorCode::ContextFull, "the context length of " + std::to_string(capacity()) + " tokens is used up");
  int32_t p = explicit_position.value_or(next_position());
  std::array<int32_t, 3> position{p, p, p};
  write_inputs(*decode_io_, one, length(), std::span(&position, 1));
  tokens_.push_back(token);
  positions_.push_back(position);
}

int32_t Sequence::step(int32_t token, const SamplingOptions& sampling, uint32_t seed, uint32_t step_index,
                       std::optional<int32_t> position) {
  if (!decode_graph_) {
    decode_graph_ = build_decode_graph(true);
    update_account();
  }
  begin_decode(token, position);
  write_sampler(sampling, seed, step_index);
  try {
    run_graph(*decode_graph_);
  } catch (...) {
    tokens_.pop_back();
    positions_.pop_back();
    throw;
  }
  int32_t next;
  std::memcpy(&next, token_out_.mapped(), 4);
  return next;
}

void Sequence::feed(int32_t token, std::optional<int32_t> position) {
  if (!feed_graph_) feed_graph_ = build_decode_graph(false);
  begin_decode(token, position);
  try {
    run_graph(*feed_graph_);
  } catch (...) {
    tokens_.pop_back();
    positions_.pop_back();
    throw;
  }
}

Sequence::GraphShape Sequence::decode_graph_shape() {
  if (!feed_graph_) feed_graph_ = build_decode_graph(false);
  return {feed_graph_->node_count(), feed_graph_->barrier_count(), feed_graph_->arena_bytes()};
}

void Sequence::run_graph(gpu::Graph& g) {
  g.run();
  if (!options_.profile) return;
  for (const auto& k : g.last_profile().kernels) {
    auto& total = profile_[k.label];
    total.label = k.label;
    total.calls += k.calls;
    total.total_us += k.total_us;
  }
}

gpu::Profile Sequence::take_profile() {
  gpu::Profile p;
  for (auto& [label, k] : profile_) {
    p.kernels.push_back(k);
    p.total_us += k.total_us;
  }
  std::sort(p.kernels.begin(), p.kernels.end(), [](auto& a, auto& b) { return a.total_us > b.total_us; });
  profile_.clear();
  return p;
}

std::vector<float> Sequence::logits() const {
  std::vector<float> out(model_.dims().vocab);
  ctx_.download(logits_, 0, out.data(), out.size() * 4);
  return out;
}

std::vector<float> Sequence::evaluate_all(std::span<const int32_t> tokens) {
  check_tokens(tokens);
  require(!tokens.empty(), "no tokens to evaluate");
  if (static_cast<int64_t>(tokens.size()) > capacity())
    fail(ErrorCode::ContextFull,
         std::to_string(tokens.size()) + " tokens exceed the context length of " + std::to_string(capacity()));
  reset();
  std::vector<float> all;
  all.reserve(tokens.size() * model_.dims().vocab);
  evaluate(tokens, &all);
  return all;
}

}  // namespace vole::runtime
