#include "arch/nanocodec/nanocodec.h"

#include <cmath>
#include <cstring>
#include <map>

#include "model/nemo_archive.h"
#include "model/yaml_json.h"
#include "ops/codec.h"
#include "ops/elementwise.h"
#include "ops/linear.h"
#include "util/error.h"
#include "util/half.h"

namespace vole::arch {

namespace {

using model::TensorRole;

const model::TensorPart kDecoderPart{"decoder", {}, false, "audio decoder"};
constexpr const char* kPrefix = "audio_decoder.";

// A causal conv as one matmul: weight [O, C*K] (weight norm folded), bias [O].
struct CausalConv {
  WeightRef weight, bias;
  int in = 0, out = 0, kernel = 0, dilation = 1;
  int slot = -1;  // its ConvWindow (none when K == 1)
  int span() const { return (kernel - 1) * dilation; }
};

struct UpConv {
  WeightRef weight, bias;  // [Cin, 2r], [Cout]
  int in = 0, out = 0, rate = 0;
  int slot = -1;
};

struct Residual {
  WeightRef input_alpha, skip_alpha;
  CausalConv input_conv, skip_conv;
};

struct Stage {
  WeightRef alpha;  // the HalfSnake before the up-sampling
  UpConv up;
  std::vector<std::vector<Residual>> res;  // [kernel][dilation]
};

std::vector<float> to_f32(const model::TorchCheckpoint& w, const model::TorchTensor& t) {
  auto bytes = w.read(t);
  std::vector<float> out(t.numel());
  switch (t.dtype) {
    case model::StDType::F32:
      std::memcpy(out.data(), bytes.data(), out.size() * 4);
      break;
    case model::StDType::F16:
    case model::StDType::BF16: {
      std::vector<uint16_t> h(out.size());
      std::memcpy(h.data(), bytes.data(), h.size() * 2);
      if (t.dtype == model::StDType::F16)
        f16_to_f32(h, out);
      else
        bf16_to_f32(h, out);
      break;
    }
    default:
      fail(ErrorCode::InvalidFile,
           "NanoCodec checkpoint: " + t.name + " is " + model::st_dtype_name(t.dtype) + ", not a float tensor");
  }
  return out;
}

// Reads the tensors the declarations name from the checkpoint into the store, folding
// weight norm (W = g · v / ‖v‖ over all dims but 0) where the checkpoint keeps it.
class CodecLoader {
 public:
  CodecLoader(const model::TorchCheckpoint& w, WeightStore& store) : w_(w), store_(store) {}

  void conv_weight(const std::string& stem, const std::vector<int64_t>& stored_shape,
                   const std::vector<int64_t>& declared_shape) {
    std::vector<float> values;
    const model::TorchTensor* t = nullptr;
    if ((t = w_.find(stem + ".weight"))) {
      check_shape(*t, stored_shape);
      values = to_f32(w_, *t);
    } else {
      const auto* g = w_.find(stem + ".parametrizations.weight.original0");
      const auto* v = w_.find(stem + ".parametrizations.weight.original1");
      if (!g || !v) {
        g = w_.find(stem + ".weight_g");
        v = w_.find(stem + ".weight_v");
      }
      if (!g || !v) fail(ErrorCode::InvalidFile, "NanoCodec checkpoint: no weight for " + stem);
      check_shape(*v, stored_shape);
      check_shape(*g, {stored_shape[0], 1, 1});
      values = fold(to_f32(w_, *g), to_f32(w_, *v), stem);
    }
    put(stem + ".weight", declared_shape, values);
  }
  void plain(const std::string& name, const std::vector<int64_t>& stored_shape,
             const std::vector<int64_t>& declared_shape) {
    const auto* t = w_.find(name);
    if (!t) fail(ErrorCode::InvalidFile, "NanoCodec checkpoint: tensor " + name + " is missing");
    check_shape(*t, stored_shape);
    put(name, declared_shape, to_f32(w_, *t));
  }

 private:
  static void check_shape(const model::TorchTensor& t, const std::vector<int64_t>& shape) {
    if (t.shape != shape)
      fail(ErrorCode::InvalidFile, "NanoCodec checkpoint: " + t.name + " is " + model::shape_to_string(t.shape) +
                                       ", expected " + model::shape_to_string(shape));
  }
  static std::vector<float> fold(const std::vector<float>& g, const std::vector<float>& v, const std::string& stem) {
    const size_t per = v.size() / g.size();
    std::vector<float> out(v.size());
    for (size_t o = 0; o < g.size(); ++o) {
      double norm = 0;
      for (size_t i = 0; i < per; ++i) norm += static_cast<double>(v[o * per + i]) * v[o * per + i];
      if (!(norm > 0) || !std::isfinite(norm))
        fail(ErrorCode::InvalidFile, "NanoCodec checkpoint: " + stem + " has a zero or non-finite weight-norm row");
      const double scale = g[o] / std::sqrt(norm);
      for (size_t i = 0; i < per; ++i) out[o * per + i] = static_cast<float>(scale * v[o * per + i]);
    }
    return out;
  }
  void put(const std::string& name, const std::vector<int64_t>& shape, const std::vector<float>& values) {
    for (float x : values)
      if (!std::isfinite(x))
        fail(ErrorCode::InvalidFile, "NanoCodec checkpoint: " + name + " holds a non-finite value");
    HostTensor h;
    h.name = name;
    h.dtype = DType::F32;
    h.shape = shape;
    h.data = {reinterpret_cast<const uint8_t*>(values.data()), values.size() * 4};
    store_.add(h);
  }

  const model::TorchCheckpoint& w_;
  WeightStore& store_;
};

}  // namespace

struct NanoCodecDecoder::Layers {
  CausalConv pre_conv, post_conv;
  std::vector<Stage> stages;
  WeightRef post_alpha;
  std::vector<StateSlot> slots;
};

NanoCodecDecoder::NanoCodecDecoder(gpu::Context& ctx, NanoCodecConfig config)
    : config_(std::move(config)), store_(std::make_unique<WeightStore>(ctx)), layers_(std::make_unique<Layers>()) {}

NanoCodecDecoder::~NanoCodecDecoder() = default;

std::unique_ptr<NanoCodecDecoder> NanoCodecDecoder::load(gpu::Context& ctx, const std::filesystem::path& path) {
  model::NemoArchive nemo(path);
  const std::string label = nemo.path().string() + ": model_config.yaml";
  model::json yaml = model::parse_yaml(nemo.config_yaml(), label);
  if (!yaml.is_object()) fail(ErrorCode::InvalidFile, label + ": not a mapping");
  NanoCodecConfig cfg = parse_nanocodec_config(model::JsonObject(yaml, label), nemo.weights());
  std::unique_ptr<NanoCodecDecoder> codec(new NanoCodecDecoder(ctx, cfg));
  Layers& L = *codec->layers_;

  // Declarations: every tensor by name and shape once; the loader fills them.
  model::Selection selection;
  TensorDeclarer d(selection, codec->store_.get());
  d.begin_part(kDecoderPart);
  CodecLoader load(nemo.weights(), *codec->store_);
  auto window = [&](int rows, int channels, const std::string& name) {
    L.slots.push_back({StateKind::ConvWindow, name, {rows, channels}, DType::F32});
    return static_cast<int>(L.slots.size() - 1);
  };
  auto conv = [&](const std::string& stem, int in, int out, int kernel, int dilation) {
    CausalConv c;
    c.in = in, c.out = out, c.kernel = kernel, c.dilation = dilation;
    c.weight = d.add(stem + ".weight", {out, in * kernel}, TensorRole::Linear);
    c.bias = d.add(stem + ".bias", {out}, TensorRole::Bias);
    load.conv_weight(stem, {out, in, kernel}, {out, in * kernel});
    load.plain(stem + ".bias", {out}, {out});
    if (c.span() > 0) c.slot = window(c.span(), in, stem + " window");
    return c;
  };
  auto alpha = [&](const std::string& activation, int channels) {
    const std::string name = activation + ".activation.snake_act.alpha";
    WeightRef a = d.add(name, {channels / 2}, TensorRole::SnakeAlpha);
    load.plain(name, {1, channels / 2, 1}, {channels / 2});
    return a;
  };

  const std::string p = kPrefix;
  int ch = cfg.channels;
  L.pre_conv = conv(p + "pre_conv.conv", cfg.latent_dim(), ch, cfg.in_kernel, 1);
  for (size_t i = 0; i < cfg.up_rates.size(); ++i) {
    const std::string n = std::to_string(i);
    Stage s;
    s.alpha = alpha(p + "activations." + n, ch);
    const int r = cfg.up_rates[i];
    const std::string up = p + "up_sample_conv_layers." + n + ".conv";
    s.up.in = ch, s.up.out = ch / 2, s.up.rate = r;
    s.up.weight = d.add(up + ".weight", {ch, 2 * r}, TensorRole::Conv1d);
    s.up.bias = d.add(up + ".bias", {ch / 2}, TensorRole::Bias);
    load.conv_weight(up, {ch, 1, 2 * r}, {ch, 2 * r});
    load.plain(up + ".bias", {ch / 2}, {ch / 2});
    s.up.slot = window(1, ch, up + " window");
    ch /= 2;
    for (size_t k = 0; k < cfg.res_kernels.size(); ++k) {
      std::vector<Residual> chain;
      for (size_t j = 0; j < cfg.res_dilations.size(); ++j) {
        const std::string r0 =
            p + "res_layers." + n + ".res_blocks." + std::to_string(k) + ".res_blocks." + std::to_string(j) + ".";
        Residual res;
        res.input_alpha = alpha(r0 + "input_activation", ch);
        res.input_conv = conv(r0 + "input_conv.conv", ch, ch, cfg.res_kernels[k], cfg.res_dilations[j]);
        res.skip_alpha = alpha(r0 + "skip_activation", ch);
        res.skip_conv = conv(r0 + "skip_conv.conv", ch, ch, cfg.res_kernels[k], 1);
        chain.push_back(std::move(res));
      }
      s.res.push_back(std::move(chain));
    }
    L.stages.push_back(std::move(s));
  }
  L.post_alpha = alpha(p + "post_activation", ch);
  L.post_conv = conv(p + "post_conv.conv", ch, 1, cfg.out_kernel, 1);
  codec->store_->check_complete();
  return codec;
}

std::vector<StateSlot> NanoCodecDecoder::state_slots(int64_t) const { return layers_->slots; }

uint64_t NanoCodecDecoder::device_bytes() const { return store_->device_bytes(); }

std::vector<float> NanoCodecDecoder::dequantize(const std::vector<std::vector<int32_t>>& codes) const {
  const NanoCodecConfig& c = config_;
  if (static_cast<int>(codes.size()) != c.groups)
    fail(ErrorCode::InvalidArgument, "codec codes: " + std::to_string(codes.size()) +
                                         " codebooks given, the codec has " + std::to_string(c.groups));
  const size_t T = codes[0].size();
  if (T == 0) fail(ErrorCode::InvalidArgument, "codec codes: no frames");
  const int dims = static_cast<int>(c.levels.size());
  std::vector<float> latent(T * static_cast<size_t>(c.latent_dim()));
  for (int g = 0; g < c.groups; ++g) {
    const auto& row = codes[static_cast<size_t>(g)];
    if (row.size() != T)
      fail(ErrorCode::InvalidArgument, "codec codes: codebook " + std::to_string(g) + " has " +
                                           std::to_string(row.size()) + " frames, codebook 0 has " + std::to_string(T));
    for (size_t t = 0; t < T; ++t) {
      const int32_t n = row[t];
      if (n < 0 || n >= c.codebook_size())
        fail(ErrorCode::InvalidArgument, "codec codes: codebook " + std::to_string(g) + " frame " + std::to_string(t) +
                                             " holds " + std::to_string(n) + ", outside 0.." +
                                             std::to_string(c.codebook_size() - 1));
      // FSQ (kani-tts.md §6.1): digit d of n in the mixed radix of the levels, centred.
      int base = 1;
      for (int d = 0; d < dims; ++d) {
        const int L = c.levels[static_cast<size_t>(d)], q = (n / base) % L, half = L / 2;
        latent[t * static_cast<size_t>(c.latent_dim()) + static_cast<size_t>(g * dims + d)] =
            static_cast<float>(q - half) / static_cast<float>(half);
        base *= L;
      }
    }
  }
  return latent;
}

namespace {

// The input rows of a causal layer: its window (the previous rows) followed by the new
// ones. The caller writes rows [span, span + T); finish() saves the last span rows back.
struct Extended {
  ops::Tensor all, fresh;
  int span = 0;
};

Extended begin_causal(gpu::Graph& g, SequenceState& state, int slot, int span, int64_t T, int64_t channels,
                      const char* name) {
  Extended e;
  e.span = span;
  e.all = ops::activation(g, DType::F32, {span + T, channels}, name);
  e.fresh = e.all.rows(span, T);
  if (span > 0) g.copy(state.tensor(slot).data, e.all.rows(0, span).data, "codec window in");
  return e;
}

void end_causal(gpu::Graph& g, SequenceState& state, int slot, const Extended& e, int64_t T) {
  if (e.span > 0) g.copy(e.all.rows(T, e.span).data, state.tensor(slot).data, "codec window out");
}

// out [T, O] = causal conv of the rows in `e`.
void record_conv(gpu::Graph& g, SequenceState& state, const CausalConv& c, const Extended& e, int64_t T,
                 const ops::Tensor& out) {
  ops::Tensor cols = ops::activation(g, DType::F32, {T, static_cast<int64_t>(c.in) * c.kernel}, "codec im2col");
  ops::causal_im2col(g, e.all, c.kernel, c.dilation, cols);
  end_causal(g, state, c.slot, e, T);
  ops::linear(g, c.weight.matrix(), cols, out);
  ops::add_bias(g, out, c.bias.vector(c.out), out);
}

// out = conv(HalfSnake(scale · x)), continuing the conv's window.
void snake_conv(gpu::Graph& g, SequenceState& state, const WeightRef& alpha, float scale, const CausalConv& c,
                const ops::Tensor& x, const ops::Tensor& out) {
  const int64_t T = x.dim(0);
  Extended e = begin_causal(g, state, c.slot, c.span(), T, c.in, "codec conv in");
  ops::half_snake(g, x, alpha.vector(c.in / 2), scale, e.fresh);
  record_conv(g, state, c, e, T, out);
}

}  // namespace

void NanoCodecDecoder::record_decode(gpu::Graph& g, const ops::Tensor& latent, SequenceState& state,
                                     const ops::Tensor& audio) const {
  const Layers& L = *layers_;
  const NanoCodecConfig& c = config_;
  require(latent.rank() == 2 && latent.dim(1) == c.latent_dim() && latent.dim(0) > 0,
          "codec decode: latent must be [T, " + std::to_string(c.latent_dim()) + "], got " + latent.describe());
  int64_t T = latent.dim(0);
  ops::expect_shape("codec decode", audio, {T * c.samples_per_frame(), 1}, "audio");

  Extended e = begin_causal(g, state, L.pre_conv.slot, L.pre_conv.span(), T, L.pre_conv.in, "codec latent");
  g.copy(latent.data, e.fresh.data, "codec latent in");
  ops::Tensor x = ops::activation(g, DType::F32, {T, c.channels}, "codec pre_conv");
  record_conv(g, state, L.pre_conv, e, T, x);
  // The residual layers' mean (1/kernels) is folded into the activation that follows.
  float scale = 1.0f;
  for (const Stage& s : L.stages) {
    const UpConv& u = s.up;
    Extended up_in = begin_causal(g, state, u.slot, 1, T, u.in, "codec up in");
    ops::half_snake(g, x, s.alpha.vector(u.in / 2), scale, up_in.fresh);
    T *= u.rate;
    ops::Tensor up = ops::activation(g, DType::F32, {T, u.out}, "codec up");
    ops::causal_conv_transpose(g, up_in.all, u.weight.vector(), u.bias.vector(u.out), u.rate, up);
    end_causal(g, state, u.slot, up_in, T / u.rate);

    ops::Tensor sum = ops::activation(g, DType::F32, {T, u.out}, "codec res sum");
    for (size_t k = 0; k < s.res.size(); ++k) {
      ops::Tensor y = k == 0 ? sum : ops::activation(g, DType::F32, {T, u.out}, "codec res chain");
      g.copy(up.data, y.data, "codec res input");
      for (const Residual& r : s.res[k]) {
        ops::Tensor h = ops::activation(g, DType::F32, {T, u.out}, "codec res hidden");
        snake_conv(g, state, r.input_alpha, 1.0f, r.input_conv, y, h);
        ops::Tensor delta = ops::activation(g, DType::F32, {T, u.out}, "codec res delta");
        snake_conv(g, state, r.skip_alpha, 1.0f, r.skip_conv, h, delta);
        ops::add(g, y, delta, y);
      }
      if (k > 0) ops::add(g, sum, y, sum);
    }
    x = sum;
    scale = 1.0f / static_cast<float>(s.res.size());
  }
  snake_conv(g, state, L.post_alpha, scale, L.post_conv, x, audio);
  ops::clamp_unit(g, audio, audio);
}

// --- streaming driver ---

struct CodecStream::Graphs {
  struct Entry {
    std::unique_ptr<gpu::Graph> graph;
    gpu::Buffer latent, audio;
  };
  std::map<int64_t, Entry> by_frames;
};

CodecStream::CodecStream(gpu::Context& ctx, const NanoCodecDecoder& codec)
    : ctx_(ctx), codec_(codec), state_(ctx, codec.state_slots(), 1), graphs_(std::make_unique<Graphs>()) {}

CodecStream::~CodecStream() = default;

void CodecStream::reset() { state_.clear(); }

std::vector<float> CodecStream::decode(const std::vector<std::vector<int32_t>>& codes) {
  std::vector<float> latent = codec_.dequantize(codes);
  const NanoCodecConfig& c = codec_.config();
  const int64_t T = static_cast<int64_t>(codes[0].size());
  const int64_t samples = T * c.samples_per_frame();
  auto& entry = graphs_->by_frames[T];
  if (!entry.graph) {
    entry.latent = ctx_.create_buffer(latent.size() * 4, gpu::MemoryKind::Device, "codec latent");
    entry.audio = ctx_.create_buffer(static_cast<uint64_t>(samples) * 4, gpu::MemoryKind::Device, "codec audio");
    auto g = std::make_unique<gpu::Graph>(ctx_, "codec decode " + std::to_string(T));
    codec_.record_decode(*g, ops::view(entry.latent, DType::F32, {T, c.latent_dim()}), state_,
                         ops::view(entry.audio, DType::F32, {samples, 1}));
    g->compile();
    entry.graph = std::move(g);
  }
  ctx_.upload(entry.latent, 0, latent.data(), latent.size() * 4);
  entry.graph->run();
  std::vector<float> out(static_cast<size_t>(samples));
  ctx_.download(entry.audio, 0, out.data(), out.size() * 4);
  return out;
}

}  // namespace vole::arch
