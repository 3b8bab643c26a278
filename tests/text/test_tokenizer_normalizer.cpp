#include <gtest/gtest.h>

#include "text/tokenizer_normalizer.h"
#include "util/error.h"

using namespace vole;
using namespace vole::text;

namespace {

const std::string kFile = "test.json";

Normalizer make(const Json& j) { return Normalizer::from_json(&j, JsonPath(kFile, "normalizer")); }

}  // namespace

TEST(Normalizer, NfcComposes) {
  Normalizer n = make(Json{{"type", "NFC"}});
  EXPECT_EQ(n.apply("cafe\xCC\x81"), "caf\xC3\xA9");                      // e + combining acute -> é
  EXPECT_EQ(n.apply("\xE1\x84\x80\xE1\x85\xA1\xE1\x86\xA8"), "\xEA\xB0\x81");  // Hangul jamo -> 각
  EXPECT_EQ(n.apply("\xE2\x84\xAB"), "\xC3\x85");                         // Angstrom sign -> Å (singleton)
  EXPECT_EQ(n.apply("\xEF\xAC\x81"), "\xEF\xAC\x81");                     // NFC keeps the ﬁ ligature
}

TEST(Normalizer, AlreadyNormalTextIsNotCopied) {
  Normalizer n = make(Json{{"type", "NFC"}});
  std::string text = "plain text, d\xC3\xA9j\xC3\xA0 vu";
  std::string storage;
  std::string_view out = n.apply(text, storage);
  EXPECT_EQ(out.data(), text.data());
  EXPECT_TRUE(storage.empty());
}

TEST(Normalizer, OtherFormsAndSequences) {
  EXPECT_EQ(make(Json{{"type", "NFD"}}).apply("\xC3\xA9"), "e\xCC\x81");
  EXPECT_EQ(make(Json{{"type", "NFKC"}}).apply("\xEF\xAC\x81\xE2\x91\xA0"), "fi1");  // ﬁ① -> fi1
  EXPECT_EQ(make(Json{{"type", "NFKD"}}).apply("\xC3\xA9"), "e\xCC\x81");
  Normalizer seq = make(Json{{"type", "Sequence"}, {"normalizers", Json::array({Json{{"type", "NFKD"}}, Json{{"type", "NFC"}}})}});
  EXPECT_EQ(seq.apply("\xEF\xAC\x81" "e\xCC\x81"), "fi\xC3\xA9");
  EXPECT_EQ(seq.step_names(), (std::vector<std::string>{"NFKD", "NFC"}));
  EXPECT_TRUE(Normalizer::from_json(nullptr, JsonPath(kFile, "normalizer")).is_identity());
}

TEST(Normalizer, UnsupportedTypeIsNamed) {
  try {
    make(Json{{"type", "Sequence"}, {"normalizers", Json::array({Json{{"type", "NFC"}}, Json{{"type", "Lowercase"}}})}});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Unsupported);
    std::string msg = e.what();
    EXPECT_NE(msg.find("'Lowercase'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("normalizer.normalizers[1]"), std::string::npos) << msg;
    EXPECT_NE(msg.find("test.json"), std::string::npos) << msg;
  }
}
