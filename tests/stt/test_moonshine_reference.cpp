// The Moonshine v1 CPU reference (tests/reference/moonshine.*) on tiny random checkpoints
// written in the real layout: the frame-count formula at the lengths issue 11 names, the
// front end's arithmetic at every boundary, each op against a hand computation, the
// encoder's and decoder's attention structure, KV-cache decoding equal to recomputation,
// and clear refusals of bad configs and checkpoints.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <random>

#include "moonshine_fixture.h"
#include "reference/moonshine.h"
#include "support/temp_dir.h"
#include "util/error.h"

using namespace vole;
using namespace vole::ref;

namespace {

std::vector<float> speechlike(int64_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> noise(0.0f, 0.05f);
  std::vector<float> x(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    x[i] = 0.3f * static_cast<float>(std::sin(2 * M_PI * 220.0 * i / 16000) * std::sin(2 * M_PI * 3.0 * i / 16000)) +
           noise(rng);
  return x;
}

const MoonshineModel& tiny_model() {
  static const MoonshineModel model = [] {
    test::TempDir dir;
    test::write_tiny_moonshine(dir.path());
    return load_moonshine(dir.path());
  }();
  return model;
}

double max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  double d = 0;
  for (size_t i = 0; i < a.size(); ++i) d = std::max(d, std::fabs(static_cast<double>(a[i]) - b[i]));
  return d;
}

std::vector<float> row(const std::vector<float>& m, int64_t r, int64_t width) {
  return {m.begin() + r * width, m.begin() + (r + 1) * width};
}

template <class F>
void expect_error(F&& f, ErrorCode code, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "no error; expected one containing " << needle;
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

}  // namespace

// Spec §3.2 at the lengths the issue names, at the first length with a frame, and the
// token limit of §5.2.
TEST(MoonshineReference, FrameCountFormula) {
  EXPECT_EQ(moonshine_frame_count(1600), 2);       // 0.1 s
  EXPECT_EQ(moonshine_frame_count(16000), 40);     // 1 s
  EXPECT_EQ(moonshine_frame_count(116800), 302);   // 7.3 s
  EXPECT_EQ(moonshine_frame_count(480000), 1248);  // 30 s
  EXPECT_EQ(moonshine_frame_count(kMoonshineMinSamples), 1);
  EXPECT_EQ(moonshine_frame_count(kMoonshineMinSamples - 1), 0);
  EXPECT_EQ(moonshine_frame_count(0), 0);
  // One more frame every 384 samples once the pipeline is full.
  EXPECT_EQ(moonshine_frame_count(kMoonshineMinSamples + 383), 1);
  EXPECT_EQ(moonshine_frame_count(kMoonshineMinSamples + 384), 2);
  EXPECT_EQ(moonshine_max_length(480000), 195);
  EXPECT_EQ(moonshine_max_length(116800), 47);
  EXPECT_EQ(moonshine_max_length(16000), 6);
  EXPECT_EQ(moonshine_max_length(1600), 0);
}

// The front end's real output has as many frames as the formula says, at every boundary
// and at the issue's lengths (0.1 s, 1 s, 7.3 s, 30 s); shorter input is refused.
TEST(MoonshineReference, FrontEndFollowsTheFormula) {
  const MoonshineModel& m = tiny_model();
  for (int64_t n : {kMoonshineMinSamples, kMoonshineMinSamples + 383, kMoonshineMinSamples + 384, int64_t{1600},
                    int64_t{16000}, int64_t{116800}, int64_t{480000}}) {
    std::vector<float> f = moonshine_front_end(m, speechlike(n, 1));
    EXPECT_EQ(static_cast<int64_t>(f.size()), moonshine_frame_count(n) * m.config.hidden) << n << " samples";
    for (float v : f) ASSERT_TRUE(std::isfinite(v));
  }
  expect_error([&] { moonshine_front_end(m, speechlike(kMoonshineMinSamples - 1, 1)); }, ErrorCode::InvalidArgument,
               "too short");
}

// Each piece against arithmetic done by hand.
TEST(MoonshineReference, OpsMatchHandComputation) {
  // Interleaved RoPE: pairs (0,1), (2,3) rotate; dims 4, 5 pass through. theta 100, R 4:
  // inv_freq = {1, 0.1}; at position 2 the angles are 2 and 0.2.
  std::vector<float> x = {1, 2, 3, 4, 5, 6};
  std::vector<float> y = rope_interleaved(x, 1, 1, 6, 2, 4, 100.0f);
  EXPECT_NEAR(y[0], 1 * std::cos(2.0) - 2 * std::sin(2.0), 1e-6);
  EXPECT_NEAR(y[1], 2 * std::cos(2.0) + 1 * std::sin(2.0), 1e-6);
  EXPECT_NEAR(y[2], 3 * std::cos(0.2) - 4 * std::sin(0.2), 1e-6);
  EXPECT_NEAR(y[3], 4 * std::cos(0.2) + 3 * std::sin(0.2), 1e-6);
  EXPECT_EQ(y[4], 5);
  EXPECT_EQ(y[5], 6);
  // Position 0 is the identity.
  EXPECT_EQ(rope_interleaved(x, 1, 1, 6, 0, 4, 100.0f), x);

  // Gated MLP: the first half is the value, the second the gate.
  std::vector<float> u = {2.0f, 3.0f, 0.5f, -1.0f};  // I = 2: values {2, 3}, gates {0.5, -1}
  std::vector<float> g = gated_silu_value_first(u, 1, 2);
  auto silu = [](double v) { return v / (1 + std::exp(-v)); };
  EXPECT_NEAR(g[0], 2 * silu(0.5), 1e-6);
  EXPECT_NEAR(g[1], 3 * silu(-1.0), 1e-6);

  // GroupNorm with one group: one mean/variance over all values, affine per channel.
  std::vector<float> gx = {1, 2, 3, 4, 5, 6};  // 2 channels x 3
  std::vector<float> gn = group_norm_one_group(gx, 2, 3, {2.0f, 1.0f}, {0.0f, 1.0f}, 0.0f);
  const double mean = 3.5, sd = std::sqrt(17.5 / 6);
  EXPECT_NEAR(gn[0], (1 - mean) / sd * 2, 1e-5);
  EXPECT_NEAR(gn[5], (6 - mean) / sd * 1 + 1, 1e-5);

  // Valid strided convolution: 1 -> 1 channel, kernel 3, stride 2 over 7 samples.
  FloatTensor w{{1, 1, 3}, {1.0f, -1.0f, 2.0f}};
  FloatTensor b{{1}, {0.5f}};
  std::vector<float> c = conv1d_valid({1, 2, 3, 4, 5, 6, 7}, 1, 7, w, &b, 2);
  ASSERT_EQ(c.size(), 3u);  // windows at 0, 2, 4
  EXPECT_FLOAT_EQ(c[0], 1 - 2 + 6 + 0.5f);
  EXPECT_FLOAT_EQ(c[1], 3 - 4 + 10 + 0.5f);
  EXPECT_FLOAT_EQ(c[2], 5 - 6 + 14 + 0.5f);
}

// Nothing in the v1 encoder is local: the front end's GroupNorm takes one mean and
// variance over the whole utterance, and attention is bidirectional, so late audio
// changes the first frame's features and its encoding.
TEST(MoonshineReference, EncoderSeesTheWholeUtterance) {
  const MoonshineModel& m = tiny_model();
  std::vector<float> a = speechlike(16000, 1), b = a;
  for (size_t i = 12800; i < b.size(); ++i) b[i] *= 3.0f;
  const int64_t H = m.config.hidden;
  std::vector<float> fa = moonshine_front_end(m, a), fb = moonshine_front_end(m, b);
  EXPECT_GT(max_abs_diff(row(fa, 0, H), row(fb, 0, H)), 1e-4);
  std::vector<float> ea = moonshine_encode(m, a), eb = moonshine_encode(m, b);
  ASSERT_EQ(ea.size(), static_cast<size_t>(40 * H));
  EXPECT_GT(max_abs_diff(row(ea, 0, H), row(eb, 0, H)), 1e-4);
  for (float v : ea) ASSERT_TRUE(std::isfinite(v));
  // The same audio gives the same encoding (no hidden state between calls).
  EXPECT_EQ(moonshine_encode(m, a), ea);
}

// Self-attention is causal (later ids never change earlier logits); cross-attention makes
// every position depend on the audio.
TEST(MoonshineReference, DecoderIsCausalAndListens) {
  const MoonshineModel& m = tiny_model();
  const int64_t V = m.config.vocab;
  std::vector<float> enc = moonshine_encode(m, speechlike(16000, 1));
  std::vector<float> l1 = moonshine_decoder_logits(m, enc, {1, 5, 9, 3});
  std::vector<float> l2 = moonshine_decoder_logits(m, enc, {1, 5, 9, 40});
  ASSERT_EQ(l1.size(), static_cast<size_t>(4 * V));
  for (int t = 0; t < 3; ++t) EXPECT_EQ(row(l1, t, V), row(l2, t, V)) << "position " << t;
  EXPECT_GT(max_abs_diff(row(l1, 3, V), row(l2, 3, V)), 1e-4);

  std::vector<float> other = moonshine_encode(m, speechlike(16000, 2));
  std::vector<float> l3 = moonshine_decoder_logits(m, other, {1, 5, 9, 3});
  EXPECT_GT(max_abs_diff(row(l1, 0, V), row(l3, 0, V)), 1e-4);
  expect_error(
      [&] {
        moonshine_decoder_logits(m, enc, {1, 64});
      },
      ErrorCode::InvalidArgument, "outside the vocabulary");
}

// Decoding one token at a time with the KV cache (and cross K/V computed once) gives the
// logits of a full recompute at every position, and greedy decoding picks the same ids.
TEST(MoonshineReference, KvCacheEqualsFullRecompute) {
  const MoonshineModel& m = tiny_model();
  const int64_t V = m.config.vocab;
  for (int64_t samples : {int64_t{1600}, int64_t{16000}}) {
    std::vector<float> enc = moonshine_encode(m, speechlike(samples, 3));
    std::vector<int32_t> ids = {1, 7, 7, 30, 2, 11, 63, 0};
    std::vector<float> full = moonshine_decoder_logits(m, enc, ids);
    MoonshineDecoder dec(m, enc);
    for (size_t t = 0; t < ids.size(); ++t) {
      std::vector<float> step = dec.step(ids[t]);
      EXPECT_LT(max_abs_diff(step, row(full, static_cast<int64_t>(t), V)), 1e-4) << "position " << t;
    }
    EXPECT_EQ(dec.position(), 8);

    std::vector<int32_t> cached = moonshine_greedy_decode(m, enc, 12);
    std::vector<int32_t> prefix = {m.config.decoder_start_token}, recomputed;
    while (recomputed.size() < 12) {
      std::vector<float> logits = moonshine_decoder_logits(m, enc, prefix);
      auto last = row(logits, static_cast<int64_t>(prefix.size()) - 1, V);
      int32_t id = static_cast<int32_t>(std::max_element(last.begin(), last.end()) - last.begin());
      recomputed.push_back(id);
      if (id == m.config.eos_token) break;
      prefix.push_back(id);
    }
    EXPECT_EQ(cached, recomputed) << samples << " samples";
  }
}

// Greedy decoding ends at the end-of-transcript token or the limit.
TEST(MoonshineReference, GreedyStopsAtEosOrLimit) {
  MoonshineModel m = tiny_model();
  std::vector<float> enc = moonshine_encode(m, speechlike(16000, 4));
  std::vector<int32_t> free_run = moonshine_greedy_decode(m, enc, 6);
  ASSERT_FALSE(free_run.empty());
  EXPECT_LE(free_run.size(), 6u);
  EXPECT_EQ(moonshine_greedy_decode(m, enc, 0).size(), 0u);
  // Declare the second generated id the end token: decoding stops right after it.
  if (free_run.size() >= 2 && free_run[1] != free_run[0]) {
    m.config.eos_token = free_run[1];
    EXPECT_EQ(moonshine_greedy_decode(m, enc, 6), std::vector<int32_t>(free_run.begin(), free_run.begin() + 2));
  }
}

// A checkpoint with proj_out.weight (equal to the embedding) gives the tied logits; BF16
// storage is widened exactly.
TEST(MoonshineReference, HeadAndStorageFormats) {
  test::TempDir dir;
  test::TinyMoonshine spec;
  spec.untied_head = true;
  test::write_tiny_moonshine(dir / "untied", spec);
  MoonshineModel untied = load_moonshine(dir / "untied");
  ASSERT_TRUE(untied.weights.count("proj_out.weight"));
  const MoonshineModel& tied = tiny_model();
  std::vector<float> enc = moonshine_encode(tied, speechlike(4000, 5));
  EXPECT_EQ(moonshine_decoder_logits(untied, enc, {1, 3}), moonshine_decoder_logits(tied, enc, {1, 3}));

  spec.untied_head = false;
  spec.dtype = "BF16";
  test::write_tiny_moonshine(dir / "bf16", spec);
  MoonshineModel bf16 = load_moonshine(dir / "bf16");
  for (const auto& [name, t] : bf16.weights) {
    const FloatTensor& f32 = tied.w(name);
    ASSERT_EQ(t.shape, f32.shape) << name;
    for (size_t i = 0; i < t.values.size(); ++i) {
      uint32_t bits;
      std::memcpy(&bits, &t.values[i], 4);
      ASSERT_EQ(bits & 0xffff, 0u) << name << ": a widened bf16 has 16 zero low bits";
      ASSERT_NEAR(t.values[i], f32.values[i], std::fabs(f32.values[i]) / 128 + 1e-30) << name;
    }
  }
}

// The real tiny and base configs (spec §1.1) parse to their dimensions; bad ones are
// refused with the key named.
TEST(MoonshineReference, ParsesConfigs) {
  const char* tiny = R"({"architectures":["MoonshineForConditionalGeneration"],"attention_bias":false,
    "attention_dropout":0.0,"bos_token_id":1,"pad_token_id":2,"decoder_hidden_act":"silu",
    "decoder_num_attention_heads":8,"decoder_num_hidden_layers":6,"decoder_num_key_value_heads":8,
    "decoder_start_token_id":1,"encoder_hidden_act":"gelu","encoder_num_attention_heads":8,
    "encoder_num_hidden_layers":6,"encoder_num_key_value_heads":8,"eos_token_id":2,"hidden_size":288,
    "initializer_range":0.02,"intermediate_size":1152,"is_encoder_decoder":true,"max_position_embeddings":194,
    "model_type":"moonshine","partial_rotary_factor":0.9,"rope_scaling":null,"rope_theta":10000.0,
    "torch_dtype":"float32","transformers_version":"4.48.0.dev0","use_cache":true,"vocab_size":32768,
    "pad_head_dim_to_multiple_of":8})";
  MoonshineConfig t = parse_moonshine_config(tiny);
  EXPECT_EQ(t.hidden, 288);
  EXPECT_EQ(t.encoder_head_dim(), 36);
  EXPECT_EQ(t.rotary_dims, 32);
  EXPECT_EQ(t.vocab, 32768);
  EXPECT_EQ(t.decoder_start_token, 1);
  EXPECT_EQ(t.eos_token, 2);

  const char* base = R"({"model_type":"moonshine","hidden_size":416,"intermediate_size":1664,
    "encoder_num_hidden_layers":8,"decoder_num_hidden_layers":8,"encoder_num_attention_heads":8,
    "decoder_num_attention_heads":8,"vocab_size":32768,"partial_rotary_factor":0.62,"rope_theta":10000.0})";
  MoonshineConfig b = parse_moonshine_config(base);
  EXPECT_EQ(b.encoder_head_dim(), 52);
  EXPECT_EQ(b.rotary_dims, 32);
  EXPECT_EQ(b.encoder_layers, 8);

  // transformers 5 nests RoPE settings.
  std::string v5 = std::string(base);
  v5.replace(v5.find("\"partial_rotary_factor\":0.62"), 28,
             R"("rope_parameters":{"rope_type":"default","rope_theta":10000.0,"partial_rotary_factor":0.62})");
  EXPECT_EQ(parse_moonshine_config(v5).rotary_dims, 32);

  expect_error([] { parse_moonshine_config(R"({"model_type":"whisper"})"); }, ErrorCode::Unsupported, "model_type");
  expect_error([] { parse_moonshine_config(R"({"model_type":"moonshine","dim":288})"); }, ErrorCode::InvalidFile,
               "hidden_size");
  std::string scaled = std::string(base);
  scaled.insert(scaled.size() - 1, R"(,"rope_scaling":{"rope_type":"dynamic","factor":2.0})");
  expect_error([&] { parse_moonshine_config(scaled); }, ErrorCode::Unsupported, "rope_scaling");
  std::string gqa = std::string(base);
  gqa.insert(gqa.size() - 1, R"(,"encoder_num_key_value_heads":2)");
  expect_error([&] { parse_moonshine_config(gqa); }, ErrorCode::Unsupported, "grouped KV");
}

// A checkpoint missing a tensor or with a wrong shape is refused naming the tensor.
TEST(MoonshineReference, RefusesBadCheckpoints) {
  MoonshineModel m = tiny_model();
  m.weights.erase("model.decoder.layers.1.encoder_attn.v_proj.weight");
  expect_error([&] { check_moonshine_weights(m); }, ErrorCode::NotFound, "encoder_attn.v_proj.weight");
  m = tiny_model();
  m.weights["model.encoder.conv2.weight"].shape = {48, 24, 5};
  expect_error([&] { check_moonshine_weights(m); }, ErrorCode::InvalidFile,
               "model.encoder.conv2.weight has shape [48, 24, 5]");
  test::TempDir dir;
  expect_error([&] { load_moonshine(dir.path()); }, ErrorCode::NotFound, "config.json");
}
