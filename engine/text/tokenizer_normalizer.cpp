#include "text/tokenizer_normalizer.h"

#include <unicode/bytestream.h>
#include <unicode/stringpiece.h>

#include "util/error.h"

namespace vole::text {

namespace {

const icu::Normalizer2* icu_form(const std::string& type) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* n = nullptr;
  if (type == "NFC") n = icu::Normalizer2::getNFCInstance(status);
  else if (type == "NFD") n = icu::Normalizer2::getNFDInstance(status);
  else if (type == "NFKC") n = icu::Normalizer2::getNFKCInstance(status);
  else if (type == "NFKD") n = icu::Normalizer2::getNFKDInstance(status);
  else return nullptr;
  if (U_FAILURE(status) || !n) {
    fail(ErrorCode::Internal, "ICU cannot provide the " + type + " normalizer: " + u_errorName(status));
  }
  return n;
}

icu::StringPiece piece(std::string_view s) { return icu::StringPiece(s.data(), static_cast<int32_t>(s.size())); }

}  // namespace

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
  const icu::Normalizer2* form = icu_form(type);
  if (!form) at.unsupported("normalizer type '" + type + "' is not supported (Vole implements NFC, NFD, NFKC, NFKD and Sequence)");
  steps_.push_back(form);
  names_.push_back(type);
}

std::string_view Normalizer::apply(std::string_view text, std::string& storage) const {
  std::string_view current = text;
  std::string scratch;
  for (const icu::Normalizer2* form : steps_) {
    UErrorCode status = U_ZERO_ERROR;
    if (current.size() > INT32_MAX) fail(ErrorCode::InvalidArgument, "text longer than 2 GiB cannot be normalized");
    // Most text is already normal: ICU's quick check avoids a copy.
    if (form->isNormalizedUTF8(piece(current), status) && U_SUCCESS(status)) continue;
    status = U_ZERO_ERROR;
    scratch.clear();
    icu::StringByteSink<std::string> sink(&scratch, static_cast<int32_t>(current.size()));
    form->normalizeUTF8(0, piece(current), sink, nullptr, status);
    if (U_FAILURE(status)) fail(ErrorCode::Internal, std::string("ICU normalization failed: ") + u_errorName(status));
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
