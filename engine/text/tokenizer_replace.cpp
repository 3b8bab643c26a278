#include "text/tokenizer_replace.h"

namespace vole::text {

Replacement Replacement::from_json(const Json& value, const JsonPath& at) {
  Replacement r;
  r.content_ = json_string(json_member(value, at, "content"), at / "content");
  const Json& pattern = json_member(value, at, "pattern");
  JsonPath pat = at / "pattern";
  if (const Json* s = json_optional(pattern, pat, "String")) {
    r.literal_ = json_string(*s, pat / "String");
    if (r.literal_.empty()) (pat / "String").malformed("an empty Replace pattern");
  } else if (const Json* re = json_optional(pattern, pat, "Regex")) {
    r.regex_ = std::make_shared<Regex>(json_string(*re, pat / "Regex"), Regex::Syntax::Pattern,
                                       pat.file() + ": " + (pat / "Regex").str());
  } else {
    pat.malformed("expected {\"String\": …} or {\"Regex\": …}");
  }
  return r;
}

bool Replacement::apply(std::string_view text, std::string& out) const {
  size_t pos = 0;
  bool any = false;
  auto replace = [&](size_t begin, size_t end) {
    if (!any) out.clear();
    any = true;
    out.append(text, pos, begin - pos);
    out.append(content_);
    pos = end;
  };
  if (regex_) {
    RegexScratch scratch;
    MatchIterator matches(*regex_, text, scratch);
    for (Span m; matches.next(m);) replace(m.begin, m.end);
  } else {
    for (size_t hit = text.find(literal_); hit != std::string_view::npos; hit = text.find(literal_, pos))
      replace(hit, hit + literal_.size());
  }
  if (any) out.append(text, pos);
  return any;
}

}  // namespace vole::text
