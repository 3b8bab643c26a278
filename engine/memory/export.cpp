#include "memory/export.h"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "memory/time_format.h"
#include "util/file.h"
#include "util/json.h"

namespace vole::memory {

namespace {

std::string_view section_title(Role role) {
  switch (role) {
    case Role::System:
      return "System";
    case Role::User:
      return "User";
    case Role::Assistant:
      return "Assistant";
    case Role::Tool:
      return "Tool";
  }
  return "Message";
}

std::string trim_trailing_newlines(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.remove_suffix(1);
  return std::string(s);
}

std::string quoted_block(std::string_view text) {
  std::string out;
  size_t start = 0;
  std::string body = trim_trailing_newlines(text);
  while (start <= body.size()) {
    size_t end = body.find('\n', start);
    if (end == std::string::npos) end = body.size();
    std::string_view line = std::string_view(body).substr(start, end - start);
    out += line.empty() ? ">" : "> ";
    out += line;
    out += '\n';
    start = end + 1;
  }
  return out;
}

std::string format_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string stats_line(const MessageStats& s) {
  std::vector<std::string> parts;
  if (s.prompt_tokens) parts.push_back(std::to_string(*s.prompt_tokens) + " prompt tokens");
  if (s.generated_tokens) parts.push_back(std::to_string(*s.generated_tokens) + " tokens");
  if (s.tokens_per_second) parts.push_back(format_number(*s.tokens_per_second) + " tok/s");
  if (s.time_to_first_token_ms) parts.push_back("first token " + format_number(*s.time_to_first_token_ms) + " ms");
  if (s.model) parts.push_back(*s.model);
  if (s.reasoning_ms) parts.push_back("thought " + format_number(*s.reasoning_ms / 1000.0) + " s");
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : " · ") + p;
  return out;
}

nlohmann::json optional_json(const std::optional<std::string>& v) { return v ? nlohmann::json(*v) : nlohmann::json(); }

nlohmann::json stats_json(const MessageStats& s) { return nlohmann::json::parse(stats_to_json(s)); }

std::string base64(std::string_view bytes) {
  static constexpr char kDigits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    uint32_t n = uint32_t(uint8_t(bytes[i])) << 16;
    if (i + 1 < bytes.size()) n |= uint32_t(uint8_t(bytes[i + 1])) << 8;
    if (i + 2 < bytes.size()) n |= uint8_t(bytes[i + 2]);
    out += kDigits[(n >> 18) & 63];
    out += kDigits[(n >> 12) & 63];
    out += i + 1 < bytes.size() ? kDigits[(n >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? kDigits[n & 63] : '=';
  }
  return out;
}

// The message's images as base64, read from their files.
std::vector<std::pair<const MessageImage*, std::string>> encoded_images(const ImagesByMessage& images, MessageId id) {
  std::vector<std::pair<const MessageImage*, std::string>> out;
  auto it = images.find(id);
  if (it == images.end()) return out;
  for (const auto& im : it->second) {
    std::string bytes = read_text_file(im.file);
    out.emplace_back(&im, base64(bytes));
  }
  return out;
}

std::string one_line(std::string text) {
  for (char& ch : text)
    if (ch == '\n' || ch == '\r') ch = ' ';
  return text;
}

const MessageRecording* recording_of(const MessageExtras& extras, MessageId id) {
  auto it = extras.recordings.find(id);
  return it == extras.recordings.end() ? nullptr : &it->second;
}

std::string seconds_text(int64_t ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", double(ms) / 1000.0);
  return buf;
}

const std::vector<MessageSource>* sources_of(const SourcesByMessage& sources, MessageId id) {
  auto it = sources.find(id);
  return it == sources.end() || it->second.empty() ? nullptr : &it->second;
}

}  // namespace

std::string export_markdown(const Conversation& c, const std::vector<Message>& path, const MessageExtras& extras) {
  std::string md = "# " + (c.title.empty() ? std::string("Untitled conversation") : one_line(c.title)) + "\n\n";
  if (!c.model_id.empty()) md += "Model: " + c.model_id + " · ";
  md += "Created: " + iso8601_utc(c.created_at_ms) + " · Updated: " + iso8601_utc(c.updated_at_ms) + "\n";
  if (c.system_prompt) md += "\n## System prompt\n\n" + trim_trailing_newlines(*c.system_prompt) + "\n";
  for (const auto& m : path) {
    md += "\n## " + std::string(section_title(m.role)) + "\n\n";
    if (!m.reasoning.empty()) md += "> **Reasoning**\n>\n" + quoted_block(m.reasoning) + "\n";
    if (!m.content.empty()) md += trim_trailing_newlines(m.content) + "\n";
    int n = 0;
    for (const auto& [im, data] : encoded_images(extras.images, m.id)) {
      if (!m.content.empty() || n > 0) md += "\n";
      md += "![image " + std::to_string(++n) + "](data:" + im->media_type() + ";base64," + data + ")\n";
    }
    std::string notes;
    if (const auto* rec = recording_of(extras, m.id))
      notes += "*Dictated · recording recordings/" + rec->file.filename().string() + " (" +
               seconds_text(rec->duration_ms) + " s)*\n";
    if (m.status != MessageStatus::Complete) {
      notes += "*Status: " + std::string(status_name(m.status));
      if (m.error) notes += " (" + *m.error + ")";
      notes += "*\n";
    }
    if (m.stats) {
      std::string line = stats_line(*m.stats);
      if (!line.empty()) notes += "*" + line + "*\n";
    }
    if (!notes.empty()) md += (m.content.empty() ? "" : "\n") + notes;
    if (const auto* list = sources_of(extras.sources, m.id)) {
      md += "\n**Sources**\n\n";
      for (const auto& src : *list)
        md += std::to_string(src.number) + ". " + one_line(src.label) + " — " + one_line(src.snippet) + "\n";
    }
  }
  return md;
}

std::string export_json(const Conversation& c, const std::vector<Message>& path, const MessageExtras& extras) {
  nlohmann::json sampling;  // null unless set
  if (c.sampling_json) sampling = parse_json_or_discarded(*c.sampling_json);
  if (sampling.is_discarded()) sampling = nullptr;
  nlohmann::ordered_json doc;
  doc["format"] = "vole.conversation";
  doc["version"] = 1;
  doc["conversation"] = {{"id", c.id},
                         {"title", c.title},
                         {"model_id", c.model_id},
                         {"created_at", iso8601_utc(c.created_at_ms)},
                         {"updated_at", iso8601_utc(c.updated_at_ms)},
                         {"pinned", c.pinned},
                         {"system_prompt", optional_json(c.system_prompt)},
                         {"sampling", sampling}};
  auto messages = nlohmann::ordered_json::array();
  for (const auto& m : path) {
    nlohmann::ordered_json msg = {{"id", m.id},
                                  {"parent_id", m.parent_id ? nlohmann::json(*m.parent_id) : nlohmann::json()},
                                  {"role", role_name(m.role)},
                                  {"status", status_name(m.status)},
                                  {"created_at", iso8601_utc(m.created_at_ms)},
                                  {"content", m.content},
                                  {"reasoning", m.reasoning},
                                  {"error", optional_json(m.error)},
                                  {"stats", m.stats ? stats_json(*m.stats) : nlohmann::json()}};
    if (const auto* list = sources_of(extras.sources, m.id)) {
      auto out = nlohmann::ordered_json::array();
      for (const auto& src : *list)
        out.push_back({{"number", src.number},
                       {"collection", src.collection},
                       {"path", src.path},
                       {"label", src.label},
                       {"snippet", src.snippet},
                       {"passage", src.passage},
                       {"page_begin", src.page_begin},
                       {"page_end", src.page_end},
                       {"line_begin", src.line_begin},
                       {"line_end", src.line_end}});
      msg["sources"] = std::move(out);
    }
    auto attached = encoded_images(extras.images, m.id);
    if (!attached.empty()) {
      auto list = nlohmann::ordered_json::array();
      for (auto& [im, data] : attached)
        list.push_back({{"sha256", im->sha256}, {"media_type", im->media_type()}, {"data", std::move(data)}});
      msg["images"] = std::move(list);
    }
    if (const auto* rec = recording_of(extras, m.id))
      msg["recording"] = {{"file", rec->file.filename().string()},
                          {"sha256", rec->sha256},
                          {"size_bytes", rec->size_bytes},
                          {"duration_s", double(rec->duration_ms) / 1000.0}};
    messages.push_back(std::move(msg));
  }
  doc["messages"] = std::move(messages);
  // Invalid UTF-8 (never written by Vole, but a database is a file anyone can edit) is
  // replaced rather than aborting the export.
  return doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

namespace {
template <class Format>
std::string export_from_store(Store& store, ConversationId id, Format format) {
  auto c = store.conversation(id);
  if (!c) fail(ErrorCode::NotFound, "cannot export conversation " + std::to_string(id) + ": it does not exist");
  std::vector<Message> path = store.active_path(id);
  MessageExtras extras;
  std::vector<MessageId> ids;
  for (const auto& m : path) {
    ids.push_back(m.id);
    if (m.role == Role::Assistant) extras.sources[m.id] = message_sources(store, m.id);
  }
  extras.images = message_images(store, ids);
  extras.recordings = message_recordings(store, ids);
  return format(*c, path, extras);
}
}  // namespace

std::string export_markdown(Store& store, ConversationId id) {
  return export_from_store(store, id, [](const Conversation& c, const std::vector<Message>& p, const MessageExtras& e) {
    return export_markdown(c, p, e);
  });
}

std::string export_json(Store& store, ConversationId id) {
  return export_from_store(store, id, [](const Conversation& c, const std::vector<Message>& p, const MessageExtras& e) {
    return export_json(c, p, e);
  });
}

}  // namespace vole::memory
