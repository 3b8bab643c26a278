// E-mail (.eml: RFC 5322 headers + MIME), streamed line by line: the Subject becomes a heading,
// From/To/Cc/Date one paragraph, then the message's text. Multipart messages are walked (up to
// 16 levels); text/plain parts are used, text/html parts only while no plain text part has been
// seen (the usual multipart/alternative); attachments and other types are skipped. Transfer
// encodings quoted-printable and base64 and any charset ICU knows are decoded; headers may use
// RFC 2047 encoded words. Malformed messages degrade to what can be read; nothing is held whole.
#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "knowledge/block_writer.h"
#include "knowledge/extract.h"
#include "knowledge/file_reader.h"
#include "knowledge/html_blocks.h"
#include "knowledge/text_blocks.h"
#include "knowledge/text_decoder.h"
#include "util/strings.h"

namespace vole::knowledge {

namespace {

constexpr size_t kMaxHeaderBytes = 256 * 1024;  // per header section; more is ignored
constexpr size_t kMaxNesting = 16;

std::string lower(std::string_view s) { return ascii_lower(s); }
std::string_view trim(std::string_view s) { return trim_ascii(s); }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Base64 decoded incrementally: characters outside the alphabet (line breaks) are ignored.
class Base64 {
 public:
  void feed(std::string_view in, std::string& out) {
    for (char c : in) {
      int v = base64_value(c);
      if (v < 0) continue;
      bits_ = (bits_ << 6) | static_cast<uint32_t>(v);
      if (++count_ == 4) {
        out.push_back(static_cast<char>(bits_ >> 16));
        out.push_back(static_cast<char>(bits_ >> 8));
        out.push_back(static_cast<char>(bits_));
        bits_ = 0;
        count_ = 0;
      }
    }
  }
  void finish(std::string& out) {  // a group cut short by '=' padding
    if (count_ == 2) out.push_back(static_cast<char>(bits_ >> 4));
    if (count_ == 3) {
      out.push_back(static_cast<char>(bits_ >> 10));
      out.push_back(static_cast<char>(bits_ >> 2));
    }
    bits_ = 0;
    count_ = 0;
  }

 private:
  uint32_t bits_ = 0;
  int count_ = 0;
};

// Quoted-printable: "=XX" is a byte; '=' at the end of a line joins it to the next (a soft
// break); `underscore_is_space` for RFC 2047 "Q" words.
std::string decode_quoted(std::string_view in, bool underscore_is_space, bool* soft_break = nullptr) {
  std::string out;
  if (soft_break) *soft_break = false;
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '=' && i + 2 < in.size() + 0 && hex_value(in[i + 1]) >= 0 && hex_value(in[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(in[i + 1]) * 16 + hex_value(in[i + 2])));
      i += 2;
    } else if (c == '=' && trim(in.substr(i + 1)).empty()) {
      if (soft_break) *soft_break = true;
      break;
    } else {
      out.push_back(underscore_is_space && c == '_' ? ' ' : c);
    }
  }
  return out;
}

std::string to_utf8(std::string_view bytes, const std::string& charset) {
  TextDecoder decoder(charset);
  std::string out;
  decoder.decode(bytes, out);
  decoder.finish(out);
  return out;
}

// RFC 2047: "=?utf-8?B?...?=" / "=?iso-8859-1?Q?...?=" words in a header, decoded; the space
// between two encoded words is dropped.
std::string decode_header(std::string_view value) {
  std::string out;
  bool last_was_word = false;
  size_t i = 0;
  while (i < value.size()) {
    size_t start = value.find("=?", i);
    size_t q1 = start == std::string_view::npos ? start : value.find('?', start + 2);
    size_t q2 = q1 == std::string_view::npos ? q1 : value.find('?', q1 + 1);
    size_t end = q2 == std::string_view::npos ? q2 : value.find("?=", q2 + 1);
    if (end == std::string_view::npos || q2 != q1 + 2) {
      out.append(value.substr(i));
      break;
    }
    std::string_view between = value.substr(i, start - i);
    if (!(last_was_word && trim(between).empty())) out.append(between);
    std::string charset(value.substr(start + 2, q1 - start - 2));
    if (size_t star = charset.find('*'); star != std::string::npos) charset.resize(star);  // RFC 2231 language
    char enc = static_cast<char>(std::toupper(static_cast<unsigned char>(value[q1 + 1])));
    std::string_view text = value.substr(q2 + 1, end - q2 - 1);
    std::string bytes;
    if (enc == 'B') {
      Base64 b;
      b.feed(text, bytes);
      b.finish(bytes);
    } else {
      bytes = decode_quoted(text, true);
    }
    out += to_utf8(bytes, charset);
    last_was_word = true;
    i = end + 2;
  }
  return to_utf8(out, "utf-8");  // raw 8-bit headers: sanitized
}

// "text/plain; charset="utf-8"; format=flowed" -> "text/plain" and its parameters.
std::string header_main(std::string_view v, std::map<std::string, std::string>& params) {
  size_t semi = v.find(';');
  std::string main = lower(trim(v.substr(0, semi)));
  while (semi != std::string_view::npos) {
    size_t next = v.find(';', semi + 1);
    std::string_view p = v.substr(semi + 1, next == std::string_view::npos ? std::string_view::npos : next - semi - 1);
    size_t eq = p.find('=');
    if (eq != std::string_view::npos) {
      std::string_view val = trim(p.substr(eq + 1));
      if (val.size() >= 2 && val.front() == '"' && val.back() == '"') val = val.substr(1, val.size() - 2);
      params[lower(trim(p.substr(0, eq)))] = std::string(val);
    }
    semi = next;
  }
  return main;
}

class EmailParser {
 public:
  explicit EmailParser(BlockWriter& writer) : writer_(writer) {}

  void line(std::string_view line) {
    if (mode_ != Mode::Headers && line.size() > 2 && line[0] == '-' && line[1] == '-' && boundary(line)) return;
    switch (mode_) {
      case Mode::Headers:
        return header_line(line);
      case Mode::Body:
        return body_line(line);
      case Mode::Skip:
        return;
    }
  }

  void finish() {
    if (mode_ == Mode::Headers) begin_part();
    end_part();
    writer_.end();
  }

 private:
  enum class Mode { Headers, Body, Skip };

  bool boundary(std::string_view line) {
    for (size_t i = boundaries_.size(); i-- > 0;) {
      const std::string& b = boundaries_[i];
      if (line.size() < b.size() + 2 || line.substr(2, b.size()) != b) continue;
      std::string_view rest = trim(line.substr(2 + b.size()));
      if (rest.empty()) {  // the next part of multipart i
        end_part();
        boundaries_.resize(i + 1);
        headers_.clear();
        header_bytes_ = 0;
        mode_ = Mode::Headers;
        return true;
      }
      if (rest == "--") {  // multipart i ends
        end_part();
        boundaries_.resize(i);
        mode_ = Mode::Skip;
        return true;
      }
    }
    return false;
  }

  void header_line(std::string_view line) {
    if (trim(line).empty()) return begin_part();
    header_bytes_ += line.size();
    if (header_bytes_ > kMaxHeaderBytes) return;
    if ((line[0] == ' ' || line[0] == '\t') && !headers_.empty()) {
      headers_.back().second += " " + std::string(trim(line));
      return;
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) return;
    headers_.emplace_back(lower(trim(line.substr(0, colon))), std::string(trim(line.substr(colon + 1))));
  }

  std::string header(const std::string& name) const {
    for (const auto& [n, v] : headers_)
      if (n == name) return v;
    return {};
  }

  void begin_part() {
    std::map<std::string, std::string> type_params, disposition_params;
    std::string type = header_main(header("content-type"), type_params);
    if (type.empty()) type = "text/plain";
    std::string disposition = header_main(header("content-disposition"), disposition_params);
    encoding_ = lower(trim(header("content-transfer-encoding")));
    std::string charset = type_params.count("charset") ? type_params["charset"] : "us-ascii";
    if (top_) summarize_message();
    top_ = false;
    mode_ = Mode::Skip;
    if (type.rfind("multipart/", 0) == 0) {
      if (!type_params["boundary"].empty() && boundaries_.size() < kMaxNesting)
        boundaries_.push_back(type_params["boundary"]);
      return;
    }
    bool attachment = disposition == "attachment";
    bool plain = type == "text/plain" || type == "text/markdown";
    bool html = type == "text/html" && !plain_seen_;
    if (attachment || !(plain || html)) return;
    mode_ = Mode::Body;
    plain_ = plain;
    base64_ = Base64();
    decoder_ = std::make_unique<TextDecoder>(charset);
    if (html) html_ = std::make_unique<HtmlBlockParser>(writer_, true);
    writer_.end();
  }

  void summarize_message() {
    std::string subject = decode_header(header("subject"));
    if (!trim(subject).empty()) {
      writer_.begin(BlockKind::Heading, 1);
      writer_.text(subject);
      writer_.end();
    }
    writer_.begin(BlockKind::Text);
    for (const char* name : {"from", "to", "cc", "date"}) {
      std::string v = decode_header(header(name));
      if (trim(v).empty()) continue;
      std::string label = name;
      label[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(label[0])));
      writer_.text(label + ": " + v);
      writer_.line_break();
    }
    writer_.end();
  }

  void body_line(std::string_view line) {
    std::string bytes;
    if (encoding_ == "base64") {
      base64_.feed(line, bytes);
    } else if (encoding_ == "quoted-printable") {
      bool soft = false;
      bytes = decode_quoted(line, false, &soft);
      if (!soft) bytes += '\n';
    } else {
      bytes.assign(line);
      bytes += '\n';
    }
    text(bytes);
  }

  void text(const std::string& bytes) {
    std::string utf8;
    decoder_->decode(bytes, utf8);
    if (html_) return html_->feed(utf8);
    // Plain text: lines joined into paragraphs, a blank line ends one.
    carry_ += utf8;
    size_t start = 0;
    for (size_t nl; (nl = carry_.find('\n', start)) != std::string::npos; start = nl + 1) {
      std::string_view l = trim(std::string_view(carry_).substr(start, nl - start));
      if (l.empty()) {
        writer_.end();
      } else {
        writer_.text(l);
        writer_.text(" ");
      }
    }
    carry_.erase(0, start);
  }

  void end_part() {
    if (mode_ != Mode::Body || !decoder_) return;
    std::string tail;
    if (encoding_ == "base64") base64_.finish(tail);
    tail += '\n';
    text(tail);
    std::string rest;
    decoder_->finish(rest);
    if (html_) {
      html_->feed(rest);
      html_->finish();
    } else if (!trim(rest).empty()) {
      writer_.text(rest);
    }
    writer_.end();
    plain_seen_ = plain_seen_ || plain_;
    html_.reset();
    decoder_.reset();
    carry_.clear();
    mode_ = Mode::Skip;
  }

  BlockWriter& writer_;
  Mode mode_ = Mode::Headers;
  bool top_ = true;
  std::vector<std::pair<std::string, std::string>> headers_;
  size_t header_bytes_ = 0;
  std::vector<std::string> boundaries_;
  std::string encoding_;
  bool plain_ = false, plain_seen_ = false;
  Base64 base64_;
  std::unique_ptr<TextDecoder> decoder_;
  std::unique_ptr<HtmlBlockParser> html_;
  std::string carry_;
};

}  // namespace

void extract_email(const std::filesystem::path& path, const ExtractLimits& limits, const BlockSink& sink) {
  FileReader file(path);
  BlockWriter writer(sink);
  EmailParser parser(writer);
  std::array<char, 64 * 1024> buffer;
  std::string pending;
  auto flush_lines = [&](bool all) {
    size_t start = 0;
    for (size_t nl; (nl = pending.find('\n', start)) != std::string::npos; start = nl + 1) {
      std::string_view l = std::string_view(pending).substr(start, nl - start);
      if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
      parser.line(l);
    }
    pending.erase(0, start);
    if (pending.size() > kMaxLineBytes || (all && !pending.empty())) {  // an endless line: cut it
      parser.line(pending);
      pending.clear();
    }
  };
  while (size_t n = file.read(buffer.data(), buffer.size())) {
    limits.check_cancel();
    pending.append(buffer.data(), n);
    flush_lines(false);
  }
  flush_lines(true);
  parser.finish();
}

}  // namespace vole::knowledge
