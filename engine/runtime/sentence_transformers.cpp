#include "runtime/sentence_transformers.h"

#include "model/json_util.h"
#include "util/error.h"

namespace vole::runtime {

namespace {

namespace fs = std::filesystem;
using model::JsonObject;

bool file_exists(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

// The class name's last component ("sentence_transformers.models.Dense" -> "Dense").
std::string short_type(const std::string& type) {
  auto dot = type.rfind('.');
  return dot == std::string::npos ? type : type.substr(dot + 1);
}

ops::Pooling read_pooling(const fs::path& file, int64_t hidden) {
  model::json j = model::read_json_file(file.string());
  JsonObject o(j, file.string());
  int64_t dim = o.get_int("word_embedding_dimension", hidden);
  if (dim != hidden)
    o.fail_field("word_embedding_dimension",
                 "is " + std::to_string(dim) + " but the model's hidden size is " + std::to_string(hidden));
  bool mean = o.get_bool("pooling_mode_mean_tokens", false), last = o.get_bool("pooling_mode_lasttoken", false);
  for (const char* other : {"pooling_mode_cls_token", "pooling_mode_max_tokens", "pooling_mode_mean_sqrt_len_tokens",
                            "pooling_mode_weightedmean_tokens"})
    if (o.get_bool(other, false)) o.fail_field(other, "is not supported (mean or last-token pooling only)");
  if (mean == last)
    fail(ErrorCode::Unsupported, file.string() + ": exactly one of mean and last-token pooling must be on");
  if (!o.get_bool("include_prompt", true))
    o.fail_field("include_prompt", "false is not supported (the prompt's tokens are always pooled)");
  return mean ? ops::Pooling::Mean : ops::Pooling::LastToken;
}

// A Dense module's folder; its weights come from the folder's model.safetensors or else from
// `stored` (the MLX layout: config.json optional, the shape is the stored tensor's).
DenseModule read_dense(const fs::path& folder, const StoredDense* stored) {
  fs::path file = folder / "config.json";
  DenseModule d;
  fs::path weights = folder / "model.safetensors";
  bool own_weights = file_exists(weights);
  if (!own_weights && stored) {
    d.stored = stored->stem;
    d.in_features = stored->in_features;
    d.out_features = stored->out_features;
  }
  if (!file_exists(file)) {
    if (!d.stored.empty()) return d;
    fail(ErrorCode::NotFound, "Dense module folder " + folder.string() + " has no config.json");
  }
  model::json j = model::read_json_file(file.string());
  JsonObject o(j, file.string());
  int64_t in = o.get_int("in_features"), out = o.get_int("out_features");
  if (in <= 0 || out <= 0) o.fail_field("out_features", "must be positive");
  if (!d.stored.empty() && (in != d.in_features || out != d.out_features))
    o.fail_field("out_features", "disagrees with the checkpoint's " + d.stored + " [" + std::to_string(d.out_features) +
                                     ", " + std::to_string(d.in_features) + "]");
  d.in_features = in;
  d.out_features = out;
  d.bias = o.get_bool("bias", true);
  if (!d.stored.empty() && d.bias) o.fail_field("bias", "is set but the checkpoint's " + d.stored + " has no bias");
  std::string act = o.get_string("activation_function", "torch.nn.modules.activation.Tanh");
  if (short_type(act) != "Identity")
    o.fail_field("activation_function", "\"" + act + "\" is not supported (Identity only)");
  if (own_weights) {
    d.weights = weights;
  } else if (d.stored.empty()) {
    fail(ErrorCode::NotFound, "Dense module " + folder.string() +
                                  " has no model.safetensors and the checkpoint no dense.<i>.weight for it "
                                  "(pytorch_model.bin is not read for Dense layers)");
  }
  return d;
}

void read_prompts(const fs::path& dir, SentenceTransformersConfig& c) {
  if (fs::path f = dir / "sentence_bert_config.json"; file_exists(f)) {
    model::json j = model::read_json_file(f.string());
    c.max_seq_length = JsonObject(j, f.string()).get_int("max_seq_length", 0);
  }
  if (fs::path f = dir / "config_sentence_transformers.json"; file_exists(f)) {
    model::json j = model::read_json_file(f.string());
    JsonObject o(j, f.string());
    if (const auto* prompts = o.find("prompts")) {
      if (!prompts->is_object()) o.fail_field("prompts", "must be an object of strings");
      for (const auto& [name, value] : prompts->items()) {
        if (!value.is_string()) o.fail_field("prompts", "entry \"" + name + "\" is not a string");
        c.prompts[name] = value.get<std::string>();
      }
    }
    c.default_prompt_name = o.get_string("default_prompt_name", "");
  }
}

// No modules.json, Dense layers in the checkpoint: mlx-embeddings' fixed pipeline.
SentenceTransformersConfig stored_pipeline(const fs::path& dir, int64_t hidden,
                                           const std::vector<StoredDense>& stored) {
  SentenceTransformersConfig c;
  c.pooling = ops::Pooling::Mean;
  int64_t width = hidden;
  for (const auto& s : stored) {
    if (s.in_features != width)
      fail(ErrorCode::InvalidFile, dir.string() + ": checkpoint tensor " + s.stem + ".weight takes " +
                                       std::to_string(s.in_features) + " values but receives " + std::to_string(width));
    DenseModule d;
    d.stored = s.stem;
    d.in_features = s.in_features;
    d.out_features = s.out_features;
    c.dense.push_back(d);
    width = s.out_features;
  }
  c.normalize = true;
  read_prompts(dir, c);
  return c;
}

}  // namespace

bool is_embedding_folder(const fs::path& dir) {
  if (file_exists(dir / "modules.json") || file_exists(dir / "config_sentence_transformers.json")) return true;
  if (!file_exists(dir / "config.json")) return false;
  try {
    model::json j = model::read_json_file((dir / "config.json").string());
    const auto* arch = j.is_object() && j.contains("architectures") ? &j["architectures"] : nullptr;
    return arch && arch->is_array() && !arch->empty() && (*arch)[0] == "Gemma3TextModel";
  } catch (const Error&) {
    return false;  // an unreadable config.json is reported by whoever loads the folder
  }
}

std::string SentenceTransformersConfig::prompt(const std::string& name) const {
  auto it = prompts.find(name);
  return it == prompts.end() ? std::string() : it->second;
}

SentenceTransformersConfig read_sentence_transformers(const fs::path& dir, int64_t hidden,
                                                      const std::vector<StoredDense>& stored) {
  fs::path modules_file = dir / "modules.json";
  if (!file_exists(modules_file) && !stored.empty()) return stored_pipeline(dir, hidden, stored);
  if (!file_exists(modules_file))
    fail(ErrorCode::NotFound,
         "model folder " + dir.string() + " has no modules.json: it is not a sentence-transformers embedding model");
  model::json modules = model::read_json_file(modules_file.string());
  if (!modules.is_array() || modules.empty())
    fail(ErrorCode::InvalidFile, modules_file.string() + ": must be a non-empty list of modules");
  SentenceTransformersConfig c;
  bool pooled = false;
  int64_t width = hidden;
  for (size_t i = 0; i < modules.size(); ++i) {
    if (!modules[i].is_object())
      fail(ErrorCode::InvalidFile, modules_file.string() + ": module " + std::to_string(i) + " is not an object");
    JsonObject m(modules[i], modules_file.string() + ": module " + std::to_string(i));
    std::string type = short_type(m.get_string("type"));
    fs::path folder = dir / m.get_string("path", "");
    auto out_of_order = [&](const char* why) { fail(ErrorCode::Unsupported, m.label() + " (" + type + "): " + why); };
    if (type == "Transformer") {
      if (i != 0) out_of_order("the Transformer must come first");
    } else if (type == "Pooling") {
      if (i != 1) out_of_order("pooling must follow the Transformer directly");
      c.pooling = read_pooling(folder / "config.json", hidden);
      pooled = true;
    } else if (type == "Dense") {
      if (!pooled || c.normalize) out_of_order("a Dense layer must come after pooling and before Normalize");
      size_t k = c.dense.size();
      DenseModule d = read_dense(folder, k < stored.size() ? &stored[k] : nullptr);
      if (d.in_features != width)
        fail(ErrorCode::InvalidFile, folder.string() + "/config.json: in_features " + std::to_string(d.in_features) +
                                         " does not match the " + std::to_string(width) + " values it receives");
      width = d.out_features;
      c.dense.push_back(d);
    } else if (type == "Normalize") {
      if (!pooled || i + 1 != modules.size()) out_of_order("Normalize must be the last module");
      c.normalize = true;
    } else {
      fail(ErrorCode::Unsupported, m.label() + ": module type \"" + m.get_string("type") +
                                       "\" is not supported (Transformer, Pooling, Dense, Normalize)");
    }
  }
  if (!pooled) fail(ErrorCode::Unsupported, modules_file.string() + ": no Pooling module");

  read_prompts(dir, c);
  return c;
}

}  // namespace vole::runtime
