// Malformed or unsupported tokenizer.json files: one clear error naming the problem.
#include <gtest/gtest.h>

#include <functional>

#include "support/temp_dir.h"
#include "text/tokenizer_fixture.h"
#include "util/error.h"
#include "util/file.h"

using namespace vole;
using test::Json;

namespace {

Json valid() {
  test::TokenizerSpec s;
  s.merges = {{"a", "b"}};
  s.added_tokens = Json::array({test::added_token(400, "<|x|>", true)});
  return test::tokenizer_json(s);
}

Json sentencepiece() {
  test::SentencePieceSpec spec;
  spec.merges = test::hello_world_merges();
  return test::sentencepiece_json(spec);
}

// Loads `base` after `edit`; expects an error of `code` whose message contains each of
// `parts` and the file name.
void expect_error_in(Json base, const std::function<void(Json&)>& edit, ErrorCode code,
                     std::vector<std::string> parts) {
  edit(base);
  try {
    text::Tokenizer::from_json(base.dump(), "models/x/tokenizer.json");
    ADD_FAILURE() << "loaded without error: " << base.dump().substr(0, 200);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    parts.push_back("models/x/tokenizer.json");
    for (const auto& p : parts)
      EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << "'" << p << "' not in: " << e.what();
  }
}

void expect_error(const std::function<void(Json&)>& edit, ErrorCode code, std::vector<std::string> parts) {
  expect_error_in(valid(), edit, code, std::move(parts));
}

}  // namespace

TEST(TokenizerErrors, TheFixtureItselfLoads) { EXPECT_NO_THROW(text::Tokenizer::from_json(valid().dump())); }

TEST(TokenizerErrors, NotJson) {
  EXPECT_THROW(text::Tokenizer::from_json("{\"model\": ", "t.json"), Error);
  try {
    text::Tokenizer::from_json("[1, 2", "t.json");
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidFile);
    EXPECT_NE(std::string(e.what()).find("not valid JSON"), std::string::npos) << e.what();
  }
}

TEST(TokenizerErrors, MissingOrWrongModel) {
  expect_error([](Json& j) { j.erase("model"); }, ErrorCode::InvalidFile, {"\"model\""});
  expect_error([](Json& j) { j["model"]["type"] = "WordPiece"; }, ErrorCode::Unsupported,
               {"'WordPiece'", "model.type"});
  expect_error([](Json& j) { j["model"]["type"] = "Unigram"; }, ErrorCode::Unsupported, {"'Unigram'"});
  expect_error([](Json& j) { j["model"].erase("vocab"); }, ErrorCode::InvalidFile, {"model", "\"vocab\""});
  expect_error([](Json& j) { j["model"]["vocab"]["zz"] = "seven"; }, ErrorCode::InvalidFile, {"model.vocab", "\"zz\""});
  expect_error([](Json& j) { j["model"]["vocab"]["zz"] = 3; }, ErrorCode::InvalidFile, {"id 3"});
}

TEST(TokenizerErrors, UnsupportedBpeOptions) {
  expect_error([](Json& j) { j["model"]["dropout"] = 0.1; }, ErrorCode::Unsupported, {"dropout"});
  expect_error([](Json& j) { j["model"]["continuing_subword_prefix"] = "##"; }, ErrorCode::Unsupported,
               {"continuing_subword_prefix"});
  expect_error([](Json& j) { j["model"]["end_of_word_suffix"] = "</w>"; }, ErrorCode::Unsupported,
               {"end_of_word_suffix"});
}

TEST(TokenizerErrors, BadMerges) {
  expect_error([](Json& j) { j["model"]["merges"][0] = "ab"; }, ErrorCode::InvalidFile, {"model.merges[0]", "\"ab\""});
  expect_error([](Json& j) { j["model"]["merges"][0] = "a q\xC4\xA0"; }, ErrorCode::InvalidFile, {"model.merges[0]"});
  expect_error([](Json& j) { j["model"]["merges"].push_back("a zz"); }, ErrorCode::InvalidFile,
               {"model.merges[1]", "\"zz\" is not in the vocabulary"});
  expect_error([](Json& j) { j["model"]["merges"].push_back("b a"); }, ErrorCode::InvalidFile, {"merged token \"ba\""});
  expect_error([](Json& j) { j["model"]["merges"].push_back(Json::array({"a"})); }, ErrorCode::InvalidFile,
               {"model.merges[1]"});
  expect_error([](Json& j) { j["model"]["merges"] = "a b"; }, ErrorCode::InvalidFile, {"model.merges", "array"});
}

TEST(TokenizerErrors, UnsupportedPipelineParts) {
  expect_error(
      [](Json& j) {
        j["normalizer"] = Json{{"type", "Lowercase"}};
      },
      ErrorCode::Unsupported, {"normalizer", "'Lowercase'"});
  expect_error(
      [](Json& j) {
        j["normalizer"] = Json{{"kind", "NFC"}};
      },
      ErrorCode::InvalidFile, {"normalizer", "\"type\""});
  expect_error(
      [](Json& j) {
        j["pre_tokenizer"] = Json{{"type", "Whitespace"}};
      },
      ErrorCode::Unsupported, {"pre_tokenizer", "'Whitespace'"});
  expect_error([](Json& j) { j["pre_tokenizer"]["pretokenizers"][0]["behavior"] = "Sideways"; }, ErrorCode::Unsupported,
               {"'Sideways'"});
  expect_error([](Json& j) { j["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"] = "[a-"; },
               ErrorCode::InvalidFile, {"pre_tokenizer.pretokenizers[0].pattern.Regex", "[a-"});
  expect_error(
      [](Json& j) {
        j["pre_tokenizer"]["pretokenizers"][0]["pattern"] = Json{{"Glob", "*"}};
      },
      ErrorCode::InvalidFile, {"pattern"});
  expect_error(
      [](Json& j) {
        j["decoder"] = Json{{"type", "WordPiece"}};
      },
      ErrorCode::Unsupported, {"decoder", "'WordPiece'"});
  expect_error(
      [](Json& j) {
        j["post_processor"] = Json{{"type", "BertProcessing"}};
      },
      ErrorCode::Unsupported, {"post_processor", "'BertProcessing'"});
  expect_error([](Json& j) { j["truncation"] = Json{{"max_length", 8}}; }, ErrorCode::Unsupported, {"truncation"});
}

// The parts SentencePiece-style files use: malformed or unsupported variants.
TEST(TokenizerErrors, SentencePieceParts) {
  auto sp = [](const std::function<void(Json&)>& edit, ErrorCode code, std::vector<std::string> parts) {
    expect_error_in(sentencepiece(), edit, code, std::move(parts));
  };
  const std::string M = test::kMarker;
  Json replace_dec = Json{{"type", "Replace"}, {"pattern", {{"String", M}}}, {"content", " "}};
  Json strip = Json{{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}};
  auto decoders = [](std::vector<Json> list) { return Json{{"type", "Sequence"}, {"decoders", list}}; };
  sp(
      [&](Json& j) {
        j["decoder"] = decoders({Json{{"type", "ByteFallback"}}, replace_dec});
      },
      ErrorCode::Unsupported, {"decoder.decoders[1]", "'Replace' after ByteFallback"});
  sp(
      [&](Json& j) {
        j["decoder"] = decoders({Json{{"type", "Fuse"}}, Json{{"type", "ByteFallback"}}});
      },
      ErrorCode::Unsupported, {"decoder.decoders[1]", "'ByteFallback'"});
  sp(
      [&](Json& j) {
        j["decoder"] = decoders({Json{{"type", "Fuse"}}, strip, strip});
      },
      ErrorCode::Unsupported, {"decoder.decoders[2]", "'Strip' after Fuse"});
  sp([&](Json& j) { j["decoder"] = Json{{"type", "CTC"}}; }, ErrorCode::Unsupported, {"decoder", "'CTC'"});
  sp(
      [&](Json& j) {
        j["decoder"] = decoders({Json{{"type", "Strip"}, {"content", "ab"}, {"start", 1}, {"stop", 0}}});
      },
      ErrorCode::InvalidFile, {"decoder.decoders[0].content", "one character"});
  sp(
      [&](Json& j) {
        j["decoder"] = decoders({Json{{"type", "Strip"}, {"content", " "}, {"start", -1}, {"stop", 0}}});
      },
      ErrorCode::InvalidFile, {"decoder.decoders[0].start"});
  sp(
      [&](Json& j) {
        j["normalizer"]["normalizers"][1]["pattern"] = Json{{"String", ""}};
      },
      ErrorCode::InvalidFile, {"normalizer.normalizers[1].pattern.String", "empty"});
  sp(
      [&](Json& j) {
        j["normalizer"]["normalizers"][1]["pattern"] = Json{{"Regex", "("}};
      },
      ErrorCode::InvalidFile, {"normalizer.normalizers[1].pattern.Regex"});
  sp([&](Json& j) { j["normalizer"]["normalizers"][0].erase("prepend"); }, ErrorCode::InvalidFile,
     {"normalizer.normalizers[0]", "\"prepend\""});
  sp([&](Json& j) { j["normalizer"] = Json{{"type", "Precompiled"}}; }, ErrorCode::Unsupported, {"'Precompiled'"});
  sp([&](Json& j) { j["pre_tokenizer"] = test::metaspace("sometimes", true); }, ErrorCode::Unsupported,
     {"pre_tokenizer.prepend_scheme", "'sometimes'"});
  sp([&](Json& j) { j["pre_tokenizer"] = test::metaspace("first", true), j["pre_tokenizer"]["replacement"] = "__"; },
     ErrorCode::InvalidFile, {"pre_tokenizer.replacement"});
  sp([&](Json& j) { j["post_processor"]["special_tokens"].erase("<s>"); }, ErrorCode::InvalidFile,
     {"post_processor.special_tokens", "\"<s>\""});
  sp([&](Json& j) { j["post_processor"]["single"].erase(1); }, ErrorCode::Unsupported, {"post_processor.single", "$A"});
  sp([&](Json& j) { j["post_processor"]["single"][1]["Sequence"]["id"] = "B"; }, ErrorCode::InvalidFile,
     {"post_processor.single[1].Sequence.id"});
  sp([&](Json& j) { j["post_processor"]["special_tokens"]["<s>"]["ids"] = Json::array({-1}); }, ErrorCode::InvalidFile,
     {"post_processor.special_tokens.<s>.ids[0]"});
  sp([&](Json& j) { j["post_processor"]["special_tokens"]["<s>"]["ids"] = Json::array({900000}); },
     ErrorCode::InvalidFile, {"post_processor", "900000"});
  sp(
      [&](Json& j) {
        j["post_processor"] = Json{{"type", "Sequence"}, {"processors", {j["post_processor"], j["post_processor"]}}};
      },
      ErrorCode::Unsupported, {"post_processor.processors[1]", "second TemplateProcessing"});
  sp(
      [&](Json& j) {
        j["post_processor"] = Json{{"type", "RobertaProcessing"}};
      },
      ErrorCode::Unsupported, {"'RobertaProcessing'"});
}

TEST(TokenizerErrors, MissingUnkTokenIsReportedAtEncode) {
  test::SentencePieceSpec spec;
  spec.byte_fallback = false;
  spec.unk_token = "<missing>";
  auto tok = test::make_sentencepiece(spec);
  EXPECT_EQ(tok.encode("ab", {.add_special_tokens = false}).size(), 3u);
  try {
    tok.encode("\xC3\xA9");
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidFile) << e.what();
    EXPECT_NE(std::string(e.what()).find("<missing>"), std::string::npos) << e.what();
  }
}

TEST(TokenizerErrors, BadAddedTokens) {
  expect_error([](Json& j) { j["added_tokens"][0].erase("id"); }, ErrorCode::InvalidFile,
               {"added_tokens[0]", "\"id\""});
  expect_error([](Json& j) { j["added_tokens"][0]["id"] = -4; }, ErrorCode::InvalidFile, {"added_tokens[0].id"});
  expect_error([](Json& j) { j["added_tokens"][0]["content"] = ""; }, ErrorCode::InvalidFile,
               {"added_tokens[0].content"});
  expect_error([](Json& j) { j["added_tokens"][0]["special"] = "yes"; }, ErrorCode::InvalidFile,
               {"added_tokens[0].special"});
  expect_error([](Json& j) { j["added_tokens"] = Json::object(); }, ErrorCode::InvalidFile, {"added_tokens", "array"});
}

TEST(TokenizerErrors, MissingFiles) {
  test::TempDir dir;
  try {
    text::Tokenizer::load(dir.path());  // a folder without tokenizer.json
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::NotFound) << e.what();
    EXPECT_NE(std::string(e.what()).find("tokenizer.json"), std::string::npos) << e.what();
  }
  write_file_atomic(dir / "tokenizer.json", valid().dump());
  EXPECT_EQ(text::Tokenizer::load(dir.path()).encode("ab").size(), 1u);
  EXPECT_EQ(text::Tokenizer::load(dir / "tokenizer.json").encode("ab").size(), 1u);
}

TEST(TokenizerErrors, MissingByteSymbolIsReportedAtEncode) {
  Json j = valid();
  j["model"]["vocab"].erase("\xC3\xBF");  // byte 0xFF: never in valid UTF-8, so loading works
  auto tok = text::Tokenizer::from_json(j.dump());
  EXPECT_EQ(tok.encode("ab").size(), 1u);
  // 0xFF cannot reach BPE through encode() (invalid UTF-8 becomes U+FFFD), whose bytes exist.
  EXPECT_EQ(tok.decode(tok.encode("\xFF")), "\xEF\xBF\xBD");
}
