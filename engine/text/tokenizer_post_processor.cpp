#include "text/tokenizer_post_processor.h"

namespace vole::text {

PostProcessor PostProcessor::from_json(const Json* value, const JsonPath& at) {
  PostProcessor p;
  if (value && !value->is_null()) p.add(*value, at);
  return p;
}

void PostProcessor::add(const Json& value, const JsonPath& at) {
  const std::string& type = json_type(value, at);
  if (type == "Sequence") {
    const Json& list = json_array(json_member(value, at, "processors"), at / "processors");
    for (size_t i = 0; i < list.size(); ++i) add(list[i], (at / "processors")[i]);
  } else if (type == "TemplateProcessing") {
    add_template(value, at);
  } else if (type != "ByteLevel") {  // ByteLevel only trims offsets, which Vole does not report
    at.unsupported("post-processor type '" + type +
                   "' is not supported (Vole implements TemplateProcessing, ByteLevel and Sequence)");
  }
}

void PostProcessor::add_template(const Json& value, const JsonPath& at) {
  if (has_template_) at.unsupported("a second TemplateProcessing is not supported");
  has_template_ = true;
  const Json& specials = json_member(value, at, "special_tokens");
  JsonPath specials_at = at / "special_tokens";
  const Json& single = json_array(json_member(value, at, "single"), at / "single");
  bool seen_sequence = false;
  for (size_t i = 0; i < single.size(); ++i) {
    JsonPath item = (at / "single")[i];
    if (const Json* seq = json_optional(single[i], item, "Sequence")) {
      const std::string& id = json_string(json_member(*seq, item / "Sequence", "id"), item / "Sequence" / "id");
      if (id != "A") (item / "Sequence" / "id").malformed("the single template can only hold sequence A");
      if (seen_sequence) item.unsupported("a single template with the sequence twice is not supported");
      seen_sequence = true;
    } else if (const Json* special = json_optional(single[i], item, "SpecialToken")) {
      const std::string& name =
          json_string(json_member(*special, item / "SpecialToken", "id"), item / "SpecialToken" / "id");
      if (!specials.is_object() || !specials.contains(name))
        specials_at.malformed("no entry for the template's special token \"" + name + "\"");
      JsonPath entry = specials_at / name;
      const Json& ids = json_array(json_member(specials[name], entry, "ids"), entry / "ids");
      for (size_t k = 0; k < ids.size(); ++k) {
        if (!ids[k].is_number_integer() || ids[k].get<int64_t>() < 0 || ids[k].get<int64_t>() > INT32_MAX)
          (entry / "ids")[k].malformed("expected an id in [0, 2^31)");
        (seen_sequence ? suffix_ : prefix_).push_back(static_cast<int32_t>(ids[k].get<int64_t>()));
      }
    } else {
      item.malformed("expected {\"SpecialToken\": …} or {\"Sequence\": …}");
    }
  }
  if (!seen_sequence) (at / "single").unsupported("a single template without the sequence ($A) is not supported");
}

}  // namespace vole::text
