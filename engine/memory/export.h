#pragma once
// Exports a conversation's active path (what the user sees) as Markdown or JSON.
// Both are deterministic: the same conversation always exports to the same bytes.
//
// Markdown (for people):
//
//   # <title, or "Untitled conversation">
//
//   Model: <model id> · Created: <ISO-8601 UTC> · Updated: <ISO-8601 UTC>
//
//   ## System prompt            (only when the conversation overrides it)
//
//   <system prompt>
//
//   ## User | ## Assistant | ## System | ## Tool      (one section per message, in order)
//
//   > **Reasoning**                                   (assistant thinking, when present:
//   >                                                  every line quoted, so it is clearly
//   > <reasoning, each line prefixed with "> ">       apart from the answer)
//
//   <content, verbatim: it is already Markdown>
//
//   *Status: interrupted*          (for any status other than complete; plus the error text)
//   *<n> prompt tokens · <n> tokens · <x> tok/s · first token <t> ms · <model> · thought <s> s*   (known stats)
//
//   **Sources**                    (an answer from a knowledge collection, message_sources.h)
//
//   1. <label> — <snippet>
//
// JSON (for programs), format "vole.conversation" version 1, UTF-8:
//
//   {
//     "format": "vole.conversation", "version": 1,
//     "conversation": {"id", "title", "model_id", "created_at", "updated_at" (ISO-8601 UTC),
//                      "pinned", "system_prompt" (string|null), "sampling" (object|null)},
//     "messages": [ {"id", "parent_id" (int|null), "role", "status", "created_at",
//                    "content", "reasoning" (the thinking; "" when none),
//                    "error" (string|null), "stats" (object|null: prompt_tokens,
//                    generated_tokens, tokens_per_second, time_to_first_token_ms, model, reasoning_ms),
//                    "sources" (only when the answer has some: [{"number", "collection", "path",
//                    "label", "snippet", "passage", "page_begin", "page_end", "line_begin",
//                    "line_end"}])} ]
//   }
//   messages run root -> active leaf; each parent_id is the previous message's id.
//   A message with attached images also has "images": [{"sha256", "media_type", "data"
//   (the file, base64)}]; in Markdown each image follows the content as
//   ![image N](data:<media type>;base64,...). Exports without images are unchanged.
//   A message dictated with a kept recording has "recording": {"file" (its name in the
//   recordings folder beside the database), "sha256", "size_bytes", "duration_s"}; in
//   Markdown a line "*Dictated · recording recordings/<file> (N s)*". The audio itself is
//   not embedded (it can be megabytes).
#include <map>
#include <string>
#include <vector>

#include "memory/images.h"
#include "memory/message_sources.h"
#include "memory/recordings.h"
#include "memory/store.h"
#include "memory/types.h"

namespace vole::memory {

using SourcesByMessage = std::map<MessageId, std::vector<MessageSource>>;
// `images`: the attached images by message (their files are read; an unreadable file is
// an error naming it).
using ImagesByMessage = std::map<MessageId, std::vector<MessageImage>>;
// What is kept beside a message's text and goes into its export.
struct MessageExtras {
  SourcesByMessage sources;
  ImagesByMessage images;
  std::map<MessageId, MessageRecording> recordings;
};

std::string export_markdown(const Conversation& conversation, const std::vector<Message>& path,
                            const MessageExtras& extras = {});
std::string export_json(const Conversation& conversation, const std::vector<Message>& path,
                        const MessageExtras& extras = {});

// The conversation's active path, read from the store. Throw NotFound for an unknown id.
std::string export_markdown(Store& store, ConversationId conversation);
std::string export_json(Store& store, ConversationId conversation);

}  // namespace vole::memory
