#include "model_test_util.h"

#include <cstring>

#include "model/q4.h"
#include "util/error.h"
#include "util/half.h"

namespace vole::test {

CheckpointSpec small_spec(const std::string& preset, CheckpointFormat format, int64_t vocab) {
  CheckpointSpec s = checkpoint_preset(preset);
  s.format = format;
  s.tokenizer = false;
  text_config(s)["vocab_size"] = vocab;
  return s;
}

std::vector<float> host_values(const HostTensor& t) {
  size_t n = static_cast<size_t>(t.numel());
  std::vector<float> out(n);
  switch (t.dtype) {
    case DType::F32: std::memcpy(out.data(), t.data.data(), n * 4); break;
    case DType::F16:
    case DType::BF16:
      for (size_t i = 0; i < n; ++i) {
        uint16_t h;
        std::memcpy(&h, t.data.data() + 2 * i, 2);
        out[i] = t.dtype == DType::F16 ? f16_to_f32(h) : bf16_to_f32(h);
      }
      break;
    case DType::Q4: {
      EXPECT_EQ(t.shape.size(), 2u);
      EXPECT_EQ(t.data.size(), n / 2);
      EXPECT_EQ(t.scales.size(), static_cast<size_t>(t.shape[0] * (t.shape[1] / t.group_size)) * 4);
      std::vector<uint32_t> scales(t.scales.size() / 4);
      std::memcpy(scales.data(), t.scales.data(), t.scales.size());
      model::dequantize_q4(t.data.data(), scales.data(), t.shape[1], t.group_size, 0, t.shape[0], out.data());
      break;
    }
    default: ADD_FAILURE() << "unexpected dtype for " << t.name;
  }
  return out;
}

std::map<std::string, Loaded> load_all(model::WeightLoader& loader) {
  std::map<std::string, Loaded> out;
  loader.load([&](const HostTensor& t, const model::PlannedTensor& p) {
    EXPECT_EQ(out.count(t.name), 0u) << "visited twice: " << t.name;
    EXPECT_EQ(t.name, p.spec.name);
    EXPECT_EQ(t.dtype, p.dtype) << t.name;
    Loaded l;
    l.plan = p;
    l.data.assign(t.data.begin(), t.data.end());
    l.scales.assign(t.scales.begin(), t.scales.end());
    l.values = host_values(t);
    l.info = t;
    l.info.data = {};
    l.info.scales = {};
    out.emplace(t.name, std::move(l));
  });
  return out;
}

float q4_scale_at(const Loaded& l, size_t i) {
  size_t cols = static_cast<size_t>(l.info.shape[1]), group = static_cast<size_t>(l.info.group_size);
  uint32_t word;
  std::memcpy(&word, l.scales.data() + 4 * ((i / cols) * (cols / group) + (i % cols) / group), 4);
  return f16_to_f32(static_cast<uint16_t>(word & 0xffff));
}

std::vector<model::TensorSpec> expected_tensors(const CheckpointSpec& spec, const model::Selection& selection) {
  model::ModelConfig config = parsed_config(spec);
  return config.family->tensors(config, selection);
}

model::TensorSpec spec_of(const CheckpointSpec& spec, const std::string& name) {
  for (auto& t : expected_tensors(spec, model::Selection::everything()))
    if (t.name == name) return t;
  ADD_FAILURE() << "no expected tensor " << name;
  return {};
}

std::string error_text(const std::function<void()>& fn, ErrorCode* code) {
  try {
    fn();
  } catch (const Error& e) {
    if (code) *code = e.code();
    return e.what();
  }
  return "";
}

}  // namespace vole::test
