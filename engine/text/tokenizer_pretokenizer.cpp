#include "text/tokenizer_pretokenizer.h"

#include <algorithm>

namespace vole::text {

namespace {

// The pattern ByteLevel splits with when use_regex is true (GPT-2's).
constexpr std::string_view kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

SplitBehavior parse_behavior(const Json& obj, const JsonPath& at) {
  const std::string& b = json_string(json_member(obj, at, "behavior"), at / "behavior");
  // Serialized as PascalCase; older files used lower-case names.
  std::string lower = b;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  if (lower == "removed") return SplitBehavior::Removed;
  if (lower == "isolated") return SplitBehavior::Isolated;
  if (lower == "mergedwithprevious" || lower == "merged_with_previous") return SplitBehavior::MergedWithPrevious;
  if (lower == "mergedwithnext" || lower == "merged_with_next") return SplitBehavior::MergedWithNext;
  if (lower == "contiguous") return SplitBehavior::Contiguous;
  (at / "behavior").unsupported("split behavior '" + b + "' is not supported");
}

struct Segment {
  Span span;
  bool is_match;
};

}  // namespace

void split_by_matches(const std::vector<Span>& matches, size_t offset, size_t length, SplitBehavior behavior,
                      bool invert, std::vector<Span>& out) {
  // The piece as alternating gaps and matches covering [0, length).
  std::vector<Segment> segs;
  segs.reserve(matches.size() * 2 + 1);
  size_t prev = 0;
  for (const Span& m : matches) {
    if (prev != m.begin) segs.push_back({{prev, m.begin}, invert});
    segs.push_back({m, !invert});
    prev = m.end;
  }
  if (prev != length) segs.push_back({{prev, length}, invert});

  std::vector<Span> kept;
  kept.reserve(segs.size());
  bool previous_match = false;
  switch (behavior) {
    case SplitBehavior::Removed:
      for (auto& s : segs)
        if (!s.is_match) kept.push_back(s.span);
      break;
    case SplitBehavior::Isolated:
      for (auto& s : segs) kept.push_back(s.span);
      break;
    case SplitBehavior::MergedWithPrevious:
      // A delimiter joins the piece before it, unless that piece is a delimiter too.
      for (auto& s : segs) {
        if (s.is_match && !previous_match && !kept.empty()) kept.back().end = s.span.end;
        else kept.push_back(s.span);
        previous_match = s.is_match;
      }
      break;
    case SplitBehavior::MergedWithNext:
      for (auto it = segs.rbegin(); it != segs.rend(); ++it) {
        if (it->is_match && !previous_match && !kept.empty()) kept.back().begin = it->span.begin;
        else kept.push_back(it->span);
        previous_match = it->is_match;
      }
      std::reverse(kept.begin(), kept.end());
      break;
    case SplitBehavior::Contiguous:
      // Runs of adjacent delimiters become one piece.
      for (auto& s : segs) {
        if (s.is_match == previous_match && !kept.empty()) kept.back().end = s.span.end;
        else kept.push_back(s.span);
        previous_match = s.is_match;
      }
      break;
  }
  for (const Span& s : kept)
    if (s.end > s.begin) out.push_back({s.begin + offset, s.end + offset});
}

PreTokenizer PreTokenizer::from_json(const Json* value, const JsonPath& at) {
  PreTokenizer p;
  if (value && !value->is_null()) p.add(*value, at);
  return p;
}

void PreTokenizer::add_split(const Regex& regex, SplitBehavior behavior, bool invert) {
  Step s{Step::Kind::Split};
  s.regex = &regex;
  s.behavior = behavior;
  s.invert = invert;
  steps_.push_back(s);
}

void PreTokenizer::add(const Json& value, const JsonPath& at) {
  const std::string& type = json_type(value, at);
  if (type == "Sequence") {
    const Json& list = json_array(json_member(value, at, "pretokenizers"), at / "pretokenizers");
    for (size_t i = 0; i < list.size(); ++i) add(list[i], (at / "pretokenizers")[i]);
  } else if (type == "Split") {
    const Json& pattern = json_member(value, at, "pattern");
    JsonPath pat = at / "pattern";
    std::unique_ptr<Regex> regex;
    if (const Json* r = json_optional(pattern, pat, "Regex")) {
      regex = std::make_unique<Regex>(json_string(*r, pat / "Regex"), Regex::Syntax::Pattern, pat.file() + ": " + (pat / "Regex").str());
    } else if (const Json* s = json_optional(pattern, pat, "String")) {
      regex = std::make_unique<Regex>(json_string(*s, pat / "String"), Regex::Syntax::Literal, pat.file() + ": " + (pat / "String").str());
    } else {
      pat.malformed("expected {\"Regex\": …} or {\"String\": …}");
    }
    add_split(*regex, parse_behavior(value, at), json_bool_or(value, at, "invert", false));
    regexes_.push_back(std::move(regex));
  } else if (type == "ByteLevel") {
    has_byte_level_ = true;
    if (json_bool_or(value, at, "add_prefix_space", true)) steps_.push_back({Step::Kind::PrefixSpace});
    if (json_bool_or(value, at, "use_regex", true)) {
      regexes_.push_back(std::make_unique<Regex>(kGpt2Pattern, Regex::Syntax::Pattern, "GPT-2 pattern"));
      add_split(*regexes_.back(), SplitBehavior::Isolated, false);
    }
  } else {
    at.unsupported("pre-tokenizer type '" + type + "' is not supported (Vole implements Split, ByteLevel and Sequence)");
  }
}

void PreTokenizer::split(std::string_view text, PreTokenized& out, PreTokenizerScratch& scratch) const {
  out.text.assign(text);
  out.pieces.clear();
  if (!text.empty()) out.pieces.push_back({0, text.size()});
  for (const Step& step : steps_) {
    scratch.next.clear();
    if (step.kind == Step::Kind::Split) {
      for (const Span& p : out.pieces) {
        scratch.matches.clear();
        step.regex->find_all(std::string_view(out.text).substr(p.begin, p.end - p.begin), scratch.matches, scratch.regex);
        split_by_matches(scratch.matches, p.begin, p.end - p.begin, step.behavior, step.invert, scratch.next);
      }
    } else {
      // Every piece that does not start with a space gets one.
      scratch.text.clear();
      for (const Span& p : out.pieces) {
        size_t begin = scratch.text.size();
        if (out.text[p.begin] != ' ') scratch.text.push_back(' ');
        scratch.text.append(out.text, p.begin, p.end - p.begin);
        scratch.next.push_back({begin, scratch.text.size()});
      }
      out.text.swap(scratch.text);
    }
    out.pieces.swap(scratch.next);
  }
}

}  // namespace vole::text
