#pragma once
// POST /v1/embeddings: the request read and checked, and the response built from the
// vectors an EmbeddingModel gives (floats, or base64 of little-endian float32 as
// OpenAI's clients ask for by default).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "runtime/embedding_model.h"
#include "server/openai_request.h"

namespace vole::server {

struct EmbeddingRequest {
  std::string model;
  std::vector<std::string> inputs;  // one or more non-empty texts
  int64_t dimensions = 0;           // 0: the model's full width (Matryoshka cut otherwise)
  bool base64 = false;              // encoding_format "base64"
  // Extension: which of the model's prompts goes before the texts (as in Vole's
  // knowledge base); OpenAI's API has no such field, so none by default.
  runtime::PromptKind prompt = runtime::PromptKind::None;
};

inline constexpr size_t kMaxEmbeddingInputs = 2048;  // OpenAI's own bound

EmbeddingRequest parse_embedding_request(const nlohmann::ordered_json& body);

// `vectors` holds inputs.size() rows of `dims` floats.
nlohmann::ordered_json embedding_response(const EmbeddingRequest& request, const std::vector<float>& vectors,
                                          int64_t dims, int64_t prompt_tokens);

// Standard base64 of the floats' bytes in little-endian order.
std::string floats_base64(const float* values, size_t count);

}  // namespace vole::server
