#include "text/tokenizer_normalizer.h"

#include <unicode/bytestream.h>
#include <unicode/stringpiece.h>

#include "util/error.h"

namespace vole::text {

namespace {

const icu::Normalizer2* icu_form(const std::string& type) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* n = nullptr;
  if (type == "NFC")
    n = icu::Normalizer2::getNFCInstance(status);
  else if (type == "NFD")
    n = icu::Normalizer2::getNFDInstance(status);
  else if (type == "NFKC")
    n = icu::Normalizer2::getNFKCInstance(status);
  else if (type == "NFKD")
    n = icu::Normalizer2::getNFKDInstance(status);
  else
    return nullptr;
  if (U_FAILURE(status) || !n) {
    fail(ErrorCode::Internal, "ICU cannot provide the " + type + " normalizer: " + u_errorName(status));
  }
  return n;
}

icu::StringPiece piece(std::string_view s) { return icu::StringPiece(s.data(), static_cast<int32_t>(s.size())); }

// ICU normalization; false if `text` is already in the form (ICU's quick check, no copy).
bool normalize_unicode(const icu::Normalizer2& form, std::string_view text, std::string& out) {
  UErrorCode status = U_ZERO_ERROR;
  if (text.size() > INT32_MAX) fail(ErrorCode::InvalidArgument, "text longer than 2 GiB cannot be normalized");
  if (form.isNormalizedUTF8(piece(text), status) && U_SUCCESS(status)) return false;
  status = U_ZERO_ERROR;
  out.clear();
  icu::StringByteSink<std::string> sink(&out, static_cast<int32_t>(text.size()));
  form.normalizeUTF8(0, piece(text), sink, nullptr, status);
  if (U_FAILURE(status)) fail(ErrorCode::Internal, std::string("ICU normalization failed: ") + u_errorName(status));
  return true;
}

}  // namespace

Normalizer::Normalizer(Normalizer&&) noexcept = default;
Normalizer& Normalizer::operator=(Normalizer&&) noexcept = default;
Normalizer::~Normalizer() = default;

Normalizer Normalizer::from_json(const Json* value, const JsonPath& at) {
  Normalizer n;
  if (value && !value->is_null()) n.add(*value, at);
  return n;
}

void Normalizer::add(const Json& value, const JsonPath& at) {
  const std::string& type = json_type(value, at);
  if (type == "Sequence") {
    const Json& list = json_array(json_member(value, at, "normalizers"), at / "normalizers");
    for (size_t i = 0; i < list.size(); ++i) add(list[i], (at / "normalizers")[i]);
    return;
  }
  Step step{Step::Kind::Unicode};
  if (type == "Prepend") {
    step.kind = Step::Kind::Prepend;
    step.prefix = json_string(json_member(value, at, "prepend"), at / "prepend");
  } else if (type == "Replace") {
    step.kind = Step::Kind::Replace;
    step.replace = Replacement::from_json(value, at);
  } else if (!(step.form = icu_form(type))) {
    at.unsupported("normalizer type '" + type +
                   "' is not supported (Vole implements NFC, NFD, NFKC, NFKD, Prepend, Replace and Sequence)");
  }
  steps_.push_back(std::move(step));
  names_.push_back(type);
}

bool Normalizer::apply_step(const Step& step, std::string_view current, std::string& out) const {
  switch (step.kind) {
    case Step::Kind::Unicode:
      return normalize_unicode(*step.form, current, out);
    case Step::Kind::Prepend:
      // As HF tokenizers: an empty text stays empty.
      if (current.empty() || step.prefix.empty()) return false;
      out.assign(step.prefix);
      out.append(current);
      return true;
    case Step::Kind::Replace:
      return step.replace.apply(current, out);
  }
  return false;
}

std::string_view Normalizer::apply(std::string_view text, std::string& storage) const {
  std::string_view current = text;
  std::string scratch;
  for (const Step& step : steps_) {
    if (!apply_step(step, current, scratch)) continue;
    storage.swap(scratch);
    current = storage;
  }
  return current;
}

std::string Normalizer::apply(std::string_view text) const {
  std::string storage;
  return std::string(apply(text, storage));
}

}  // namespace vole::text
