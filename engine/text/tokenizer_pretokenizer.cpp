#include "text/tokenizer_pretokenizer.h"

#include <algorithm>

#include "text/utf8.h"

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

// Turns the alternating gaps and matches of a piece, fed in order, into output pieces
// according to a delimiter behavior. Same result as HF's folds over the whole list: each
// fold only ever changes its last element, so everything before it is final.
template <class Emit>
class SegmentCutter {
 public:
  SegmentCutter(SplitBehavior behavior, Emit& emit) : behavior_(behavior), emit_(emit) {}

  void add(Span s, bool is_match) {
    switch (behavior_) {
      case SplitBehavior::Removed:
        if (!is_match) out(s);
        break;
      case SplitBehavior::Isolated:
        out(s);
        break;
      case SplitBehavior::MergedWithPrevious:
        // A delimiter joins the piece before it, unless that piece is a delimiter too.
        if (is_match && !previous_match_ && has_pending_)
          pending_.end = s.end;
        else
          replace_pending(s);
        break;
      case SplitBehavior::MergedWithNext:
        // A delimiter joins the piece after it, unless that piece is a delimiter too.
        if (!is_match) {
          if (has_pending_) s.begin = pending_.begin;
          has_pending_ = false;
          out(s);
        } else {
          replace_pending(s);
        }
        break;
      case SplitBehavior::Contiguous:
        // Runs of adjacent delimiters become one piece.
        if (is_match == previous_match_ && has_pending_)
          pending_.end = s.end;
        else
          replace_pending(s);
        break;
    }
    previous_match_ = is_match;
  }

  void finish() {
    if (has_pending_) out(pending_);
    has_pending_ = false;
  }

 private:
  void out(Span s) {
    if (s.end > s.begin) emit_(s);
  }
  void replace_pending(Span s) {
    if (has_pending_) out(pending_);
    pending_ = s;
    has_pending_ = true;
  }
  SplitBehavior behavior_;
  Emit& emit_;
  Span pending_{};
  bool has_pending_ = false, previous_match_ = false;
};

// Feeds the gaps and matches of [0, length) to `cut` (flags flipped when inverted).
template <class Next, class Cutter>
void cut_piece(Next&& next_match, size_t length, bool invert, Cutter& cut) {
  size_t prev = 0;
  for (Span m; next_match(m);) {
    if (prev != m.begin) cut.add({prev, m.begin}, invert);
    cut.add(m, !invert);
    prev = m.end;
  }
  if (prev != length) cut.add({prev, length}, invert);
  cut.finish();
}

}  // namespace

void split_by_matches(const std::vector<Span>& matches, size_t offset, size_t length, SplitBehavior behavior,
                      bool invert, std::vector<Span>& out) {
  auto emit = [&](Span s) { out.push_back({s.begin + offset, s.end + offset}); };
  SegmentCutter cut(behavior, emit);
  size_t i = 0;
  cut_piece([&](Span& m) { return i < matches.size() ? (m = matches[i++], true) : false; }, length, invert, cut);
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
      regex = std::make_unique<Regex>(json_string(*r, pat / "Regex"), Regex::Syntax::Pattern,
                                      pat.file() + ": " + (pat / "Regex").str());
    } else if (const Json* s = json_optional(pattern, pat, "String")) {
      regex = std::make_unique<Regex>(json_string(*s, pat / "String"), Regex::Syntax::Literal,
                                      pat.file() + ": " + (pat / "String").str());
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
  } else if (type == "Metaspace") {
    add_metaspace(value, at);
  } else {
    at.unsupported("pre-tokenizer type '" + type +
                   "' is not supported (Vole implements Split, ByteLevel, Metaspace and Sequence)");
  }
}

void PreTokenizer::add_metaspace(const Json& value, const JsonPath& at) {
  Step s{Step::Kind::Metaspace};
  s.replacement = json_string(json_member(value, at, "replacement"), at / "replacement");
  if (s.replacement.empty() || decode_utf8_char(s.replacement).length != s.replacement.size())
    (at / "replacement").malformed("expected one character");
  // Files written before prepend_scheme existed say add_prefix_space; false means never.
  if (const Json* scheme = json_optional(value, at, "prepend_scheme")) {
    const std::string& name = json_string(*scheme, at / "prepend_scheme");
    if (name == "always")
      s.prepend = Prepend::Always;
    else if (name == "first")
      s.prepend = Prepend::First;
    else if (name == "never")
      s.prepend = Prepend::Never;
    else
      (at / "prepend_scheme").unsupported("Metaspace prepend_scheme '" + name + "' is not supported");
  }
  if (!json_bool_or(value, at, "add_prefix_space", true)) s.prepend = Prepend::Never;
  if (json_bool_or(value, at, "split", true)) {
    regexes_.push_back(std::make_unique<Regex>(s.replacement, Regex::Syntax::Literal, at.file() + ": " + at.str()));
    s.regex = regexes_.back().get();
    s.behavior = SplitBehavior::MergedWithNext;
  }
  steps_.push_back(std::move(s));
}

void PreTokenizer::for_each_piece(std::string_view text, PreTokenizerScratch& scratch, const PieceFn& emit,
                                  bool at_input_start) const {
  if (scratch.regex.size() < steps_.size()) {
    scratch.regex.resize(steps_.size());
    for (auto& r : scratch.regex)
      if (!r) r = std::make_unique<RegexScratch>();
    scratch.rewritten.resize(steps_.size());
  }
  run(0, text, at_input_start, scratch, emit);
}

void PreTokenizer::run(size_t index, std::string_view piece, bool at_start, PreTokenizerScratch& scratch,
                       const PieceFn& emit) const {
  if (piece.empty()) return;
  if (index == steps_.size()) {
    emit(piece);
    return;
  }
  const Step& step = steps_[index];
  std::string& buf = scratch.rewritten[index];  // one buffer per step: later steps nest inside
  switch (step.kind) {
    case Step::Kind::PrefixSpace:
      if (piece[0] == ' ') break;
      buf.assign(1, ' ');
      buf.append(piece);
      piece = buf;
      break;
    case Step::Kind::Metaspace: {
      buf.clear();
      for (char c : piece) {
        if (c == ' ')
          buf += step.replacement;
        else
          buf.push_back(c);
      }
      // After the spaces are replaced: a text that began with a space needs no prefix.
      bool prepend = step.prepend == Prepend::Always || (step.prepend == Prepend::First && at_start);
      if (prepend && !buf.starts_with(step.replacement)) buf.insert(0, step.replacement);
      piece = buf;
      if (step.regex)
        split(index, piece, at_start, scratch, emit);
      else
        run(index + 1, piece, at_start, scratch, emit);
      return;
    }
    case Step::Kind::Split:
      split(index, piece, at_start, scratch, emit);
      return;
  }
  run(index + 1, piece, at_start, scratch, emit);
}

void PreTokenizer::split(size_t index, std::string_view piece, bool at_start, PreTokenizerScratch& scratch,
                         const PieceFn& emit) const {
  const Step& step = steps_[index];
  auto next_step = [&](Span s) {
    run(index + 1, piece.substr(s.begin, s.end - s.begin), at_start && s.begin == 0, scratch, emit);
  };
  SegmentCutter cut(step.behavior, next_step);
  MatchIterator matches(*step.regex, piece, *scratch.regex[index]);
  cut_piece([&](Span& m) { return matches.next(m); }, piece.size(), step.invert, cut);
}

}  // namespace vole::text
