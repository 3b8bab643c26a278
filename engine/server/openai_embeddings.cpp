#include "server/openai_embeddings.h"

#include <openssl/evp.h>

#include <bit>
#include <cstring>

#include "server/api_error.h"

namespace vole::server {

using Json = nlohmann::ordered_json;

namespace {

[[noreturn]] void bad(const std::string& name, const std::string& what) {
  throw invalid_request("'" + name + "' " + what, name);
}

std::string input_text(const Json& v, const std::string& where) {
  if (v.is_number_integer() || (v.is_array() && !v.empty() && v[0].is_number_integer()))
    throw invalid_request("'" + where + "' token arrays are not supported; send text", where, "unsupported_parameter");
  if (!v.is_string()) bad(where, "must be a string or an array of strings");
  if (v.get_ref<const std::string&>().empty()) bad(where, "must not be empty");
  return v.get<std::string>();
}

}  // namespace

EmbeddingRequest parse_embedding_request(const Json& body) {
  EmbeddingRequest r;
  auto model = body.find("model");
  if (model == body.end() || !model->is_string() || model->get_ref<const std::string&>().empty())
    bad("model", "is required and must be a non-empty string");
  r.model = model->get<std::string>();
  auto input = body.find("input");
  if (input == body.end() || input->is_null()) bad("input", "is required");
  if (input->is_array() && !input->empty() && !(*input)[0].is_number_integer()) {
    if (input->size() > kMaxEmbeddingInputs)
      bad("input", "may hold at most " + std::to_string(kMaxEmbeddingInputs) + " texts");
    for (size_t i = 0; i < input->size(); ++i)
      r.inputs.push_back(input_text((*input)[i], "input[" + std::to_string(i) + "]"));
  } else {
    if (input->is_array() && input->empty()) bad("input", "must not be empty");
    r.inputs.push_back(input_text(*input, "input"));
  }
  if (auto d = body.find("dimensions"); d != body.end() && !d->is_null()) {
    if (!d->is_number_integer() || d->get<int64_t>() < 1 || d->get<int64_t>() > (1 << 20))
      bad("dimensions", "must be a positive integer");
    r.dimensions = d->get<int64_t>();
  }
  if (auto f = body.find("encoding_format"); f != body.end() && !f->is_null()) {
    if (*f != "float" && *f != "base64") bad("encoding_format", "must be 'float' or 'base64'");
    r.base64 = *f == "base64";
  }
  if (auto t = body.find("input_type"); t != body.end() && !t->is_null()) {
    if (*t == "query")
      r.prompt = runtime::PromptKind::Query;
    else if (*t == "document")
      r.prompt = runtime::PromptKind::Document;
    else
      bad("input_type", "must be 'query' or 'document'");
  }
  return r;
}

std::string floats_base64(const float* values, size_t count) {
  std::string bytes(count * sizeof(float), '\0');
  for (size_t i = 0; i < count; ++i) {
    uint32_t bits = std::bit_cast<uint32_t>(values[i]);
    if constexpr (std::endian::native == std::endian::big) bits = __builtin_bswap32(bits);
    std::memcpy(bytes.data() + i * 4, &bits, 4);
  }
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

Json embedding_response(const EmbeddingRequest& request, const std::vector<float>& vectors, int64_t dims,
                        int64_t prompt_tokens) {
  Json data = Json::array();
  for (size_t i = 0; i < request.inputs.size(); ++i) {
    const float* row = vectors.data() + i * static_cast<size_t>(dims);
    Json item = {{"object", "embedding"}, {"index", i}};
    if (request.base64)
      item["embedding"] = floats_base64(row, static_cast<size_t>(dims));
    else
      item["embedding"] = std::vector<float>(row, row + dims);
    data.push_back(std::move(item));
  }
  return {{"object", "list"},
          {"data", std::move(data)},
          {"model", request.model},
          {"usage", {{"prompt_tokens", prompt_tokens}, {"total_tokens", prompt_tokens}}}};
}

}  // namespace vole::server
