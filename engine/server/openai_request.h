#pragma once
// Reading and validating OpenAI request bodies (chat completions and completions) into
// what the runtime needs. Every field Vole honours is checked for type and range;
// fields that would change the answer in ways Vole cannot honour (n > 1, a forced
// tool_choice, echo, a JSON schema) are refused with a 400 naming the field; fields that
// only describe the caller (user, metadata, ...) are ignored, as OpenAI-compatible
// servers do. Sampling fields left out take the model's recommended values.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "image/decode.h"
#include "runtime/generator.h"

namespace vole::server {

// Bounds on what a request may contain.
struct RequestLimits {
  int max_json_depth = 32;
  size_t max_messages = 4096;
  size_t max_stop_strings = 4;
  size_t max_stop_length = 256;
  size_t max_tools = 128;
  size_t max_images = 8;  // image parts in one request
  // Each image part's decoded size (the vision tower resizes far below this anyway).
  image::DecodeLimits image_limits{.max_pixels = 32ull << 20, .max_side = 16384, .max_file_bytes = 64ull << 20};
};

// Parses a request body as JSON, refusing (400) malformed text, non-objects and nesting
// deeper than limits.max_json_depth.
nlohmann::ordered_json parse_json_body(std::string_view body, const RequestLimits& limits);

struct GenerationRequest {
  enum class Kind { Chat, Completion };
  Kind kind = Kind::Chat;
  std::string model;
  // Chat: [{role, content}], content as text, or as a list of text and {"type": "image"}
  // parts when the message has images (their files in image_files, in order); assistant turns may carry
  // tool_calls (arguments as JSON objects, as templates expect) and tool turns their
  // tool_call_id.
  nlohmann::ordered_json messages;
  // Chat: the function definitions the template renders (null: none, or tool_choice
  // "none"); the answer's <tool_call> blocks are read back only when set.
  nlohmann::ordered_json tools;
  // Chat: the encoded files of the image parts (from data: URLs), decoded on the model's thread.
  std::vector<std::vector<uint8_t>> image_files;
  std::string prompt;  // Completion
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage
  std::optional<int64_t> max_tokens;
  // Sampling overrides (unset: the model's recommended value).
  std::optional<float> temperature, top_p, presence_penalty, frequency_penalty, min_p, repetition_penalty;
  std::optional<int> top_k;
  std::optional<int64_t> seed;
  std::vector<std::string> stop;
  // Log-probabilities of each generated token, and how many alternatives with each.
  bool logprobs = false;
  int top_logprobs = 0;
};

GenerationRequest parse_chat_request(const nlohmann::ordered_json& body, const RequestLimits& limits);
GenerationRequest parse_completion_request(const nlohmann::ordered_json& body, const RequestLimits& limits);

// The runtime options for a request: the model's defaults with the request's overrides.
// max_tokens defaults to the whole context (the generator stops when it is full).
runtime::GenerateOptions generation_options(const GenerationRequest& request, runtime::GenerateOptions defaults,
                                            int64_t context_length);

// OpenAI seeds are any integer; the sampler's are 32-bit with 0 meaning "fresh". Every
// seed maps to a fixed non-zero sampler seed.
uint32_t sampler_seed(int64_t seed);

}  // namespace vole::server
