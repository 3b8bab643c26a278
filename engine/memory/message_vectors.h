#pragma once
// Conversation memory: messages as embedding vectors, so past conversations can be found
// by meaning. One f16 vector per message and model (unit length, as the embedder returns
// it); a vector leaves when its message's text changes (a trigger) or the message goes.
// Only finished user and assistant messages with text, in conversations not in the trash,
// are embedded and searched.
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "memory/store.h"

namespace vole::memory {

struct MessageText {
  MessageId id = 0;
  std::string text;  // the message's content, cut at max_chars (on a UTF-8 boundary)
};

// Messages without a vector for `model`, oldest first.
std::vector<MessageText> messages_to_embed(Store& store, std::string_view model, size_t limit, size_t max_chars = 4000);

// Stores `vectors` (ids.size() rows of `dims`) for `model`, replacing what the messages had.
// Messages deleted meanwhile are skipped. InvalidArgument if the sizes disagree.
void save_message_vectors(Store& store, std::string_view model, std::span<const MessageId> ids,
                          std::span<const float> vectors, size_t dims);

struct MeaningHit {
  MessageId message = 0;
  ConversationId conversation = 0;
  float similarity = 0;  // cosine
};

// The messages nearest to `query` (a unit vector of the same model), at least `min_similarity`,
// best first; `exclude` leaves one conversation out (recalling others than the current one).
std::vector<MeaningHit> nearest_messages(Store& store, std::string_view model, std::span<const float> query, size_t k,
                                         float min_similarity, std::optional<ConversationId> exclude = std::nullopt);

// How many messages have a vector for `model` (progress, tests).
size_t message_vector_count(Store& store, std::string_view model);

}  // namespace vole::memory
