#include "knowledge/test_doubles.h"

#include <cctype>
#include <cmath>
#include <thread>

#include "knowledge/vector_codec.h"
#include "util/error.h"
#include "util/hash.h"

namespace vole::knowledge::test {

namespace {

bool word_char(unsigned char c) { return std::isalnum(c) || c >= 0x80; }

template <class F>
void for_each_word(std::string_view text, F&& f) {
  size_t i = 0;
  while (i < text.size()) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (std::isspace(c)) {
      ++i;
      continue;
    }
    size_t j = i + 1;
    if (word_char(c))
      while (j < text.size() && word_char(static_cast<unsigned char>(text[j]))) ++j;
    f(text.substr(i, j - i));
    i = j;
  }
}

}  // namespace

size_t WordCounter::count(std::string_view text) const {
  size_t n = 0;
  for_each_word(text, [&](std::string_view) { ++n; });
  return n;
}

std::vector<float> HashEmbedder::vector_of(std::string_view text) const {
  std::vector<float> v(dims_, 0.0f);
  for_each_word(text, [&](std::string_view w) {
    std::string lower(w);
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower.size() < 3) return;  // short words carry little meaning here
    uint64_t seed = xxh3_64(lower);
    for (size_t i = 0; i < dims_; ++i) {
      uint64_t h = xxh3_64(std::string_view(reinterpret_cast<const char*>(&i), sizeof(i)), seed);
      v[i] += (static_cast<float>(h % 2001) - 1000.0f) / 1000.0f;
    }
  });
  normalize(v);
  return v;
}

void HashEmbedder::embed(std::span<const std::string_view> texts, EmbedKind, std::span<float> out) {
  require(out.size() == texts.size() * dims_, "HashEmbedder: output size mismatch");
  if (delay_.count() > 0) std::this_thread::sleep_for(delay_);
  for (size_t t = 0; t < texts.size(); ++t) {
    auto v = vector_of(texts[t]);
    std::copy(v.begin(), v.end(), out.begin() + static_cast<ptrdiff_t>(t * dims_));
    history_.emplace_back(texts[t]);
  }
  embedded_ += texts.size();
  ++calls_;
}

void TableEmbedder::set(const std::string& name, std::vector<float> v) {
  require(v.size() == dims_, "TableEmbedder: wrong dimensions");
  normalize(v);
  table_[name] = std::move(v);
}

void TableEmbedder::embed(std::span<const std::string_view> texts, EmbedKind, std::span<float> out) {
  for (size_t t = 0; t < texts.size(); ++t) {
    std::string_view text = texts[t];
    size_t at = text.find("<vec:");
    size_t end = at == std::string_view::npos ? at : text.find('>', at);
    std::vector<float> v(dims_, 0.0f);
    if (end != std::string_view::npos) {
      auto it = table_.find(std::string(text.substr(at + 5, end - at - 5)));
      if (it != table_.end()) v = it->second;
    }
    std::copy(v.begin(), v.end(), out.begin() + static_cast<ptrdiff_t>(t * dims_));
  }
}

}  // namespace vole::knowledge::test
