// Encodings and the block structure of plain text, Markdown and code.
#include <unicode/ucnv.h>

#include "knowledge/knowledge_test.h"
#include "knowledge/text_blocks.h"
#include "knowledge/text_decoder.h"

using namespace vole;
using namespace vole::knowledge;
using namespace vole::knowledge::test;

namespace {

std::string utf16(const std::string& utf8, bool big_endian, bool bom) {
  std::string out;
  if (bom) out += big_endian ? std::string("\xFE\xFF") : std::string("\xFF\xFE");
  UErrorCode status = U_ZERO_ERROR;
  std::string converted(utf8.size() * 4 + 8, '\0');
  int32_t n =
      ucnv_convert(big_endian ? "UTF-16BE" : "UTF-16LE", "UTF-8", converted.data(),
                   static_cast<int32_t>(converted.size()), utf8.data(), static_cast<int32_t>(utf8.size()), &status);
  EXPECT_TRUE(U_SUCCESS(status));
  converted.resize(static_cast<size_t>(n));
  return out + converted;
}

std::string decode_in_pieces(const std::string& bytes, size_t piece) {
  EncodingGuess g = guess_encoding(bytes.substr(0, 4096));
  TextDecoder d(g.encoding);
  std::string out;
  for (size_t at = g.bom_length; at < bytes.size(); at += piece)
    d.decode(std::string_view(bytes).substr(at, piece), out);
  d.finish(out);
  return out;
}

std::vector<TextBlock> parse(DocumentFormat format, const std::string& text, size_t piece = 7) {
  std::vector<TextBlock> blocks;
  TextBlockParser p(format, [&](TextBlock&& b) { blocks.push_back(std::move(b)); });
  for (size_t at = 0; at < text.size(); at += piece) p.feed(std::string_view(text).substr(at, piece));
  p.finish();
  return blocks;
}

const std::string kSample =
    "Grüße aus Köln — naïve café, 日本語のテキスト, emoji 🦫 and plain ASCII.\nSecond line.\n";

}  // namespace

TEST(TextDecoder, DetectsAndDecodesEveryEncodingWhateverThePieceSize) {
  std::string cp1252 = "Smart \x93quotes\x94 and caf\xE9 \x80 5\n";  // windows-1252 bytes
  std::string cp1252_utf8 = "Smart \u201Cquotes\u201D and caf\u00E9 \u20AC 5\n";
  struct Case {
    std::string bytes, expected;
    TextEncoding encoding;
  } cases[] = {
      {kSample, kSample, TextEncoding::Utf8},
      {"\xEF\xBB\xBF" + kSample, kSample, TextEncoding::Utf8},
      {utf16(kSample, false, true), kSample, TextEncoding::Utf16Le},
      {utf16(kSample, true, true), kSample, TextEncoding::Utf16Be},
      {utf16("A plain ASCII note without a BOM, long enough to tell.\n", false, false),
       "A plain ASCII note without a BOM, long enough to tell.\n", TextEncoding::Utf16Le},
      {utf16("A plain ASCII note without a BOM, long enough to tell.\n", true, false),
       "A plain ASCII note without a BOM, long enough to tell.\n", TextEncoding::Utf16Be},
      {cp1252, cp1252_utf8, TextEncoding::Windows1252},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(guess_encoding(c.bytes).encoding, c.encoding) << encoding_name(c.encoding);
    EXPECT_FALSE(guess_encoding(c.bytes).binary);
    for (size_t piece : {1u, 2u, 3u, 5u, 4096u}) EXPECT_EQ(decode_in_pieces(c.bytes, piece), c.expected) << piece;
  }
}

TEST(TextDecoder, IllFormedUtf8BecomesReplacementCharacters) {
  // Valid UTF-8 start (so the guess is UTF-8), then a stray continuation byte and a cut character.
  std::string bytes = std::string(100, 'a') + "\x80" + "b\xE2\x82";
  EXPECT_EQ(guess_encoding(bytes.substr(0, 100)).encoding, TextEncoding::Utf8);
  TextDecoder d(TextEncoding::Utf8);
  std::string out;
  d.decode(bytes, out);
  d.finish(out);
  EXPECT_EQ(out, std::string(100, 'a') + "\uFFFDb\uFFFD");
}

TEST(TextDecoder, NulBytesMeanBinary) {
  EXPECT_TRUE(guess_encoding(std::string("PK\x03\x04\0\0\x14\0", 8) + std::string(200, 'x')).binary);
  EXPECT_FALSE(guess_encoding("just text").binary);
}

TEST(TextBlocks, MarkdownHeadingsFencesAndParagraphsWithExactPositions) {
  std::string md =
      "# Guide\n"
      "\n"
      "Intro paragraph line one\n"
      "line two.\n"
      "\n"
      "Setext Title\n"
      "============\n"
      "Body under setext.\n"
      "\n"
      "```cpp\n"
      "int main() {\n"
      "\n"
      "  return 0;  # not a heading\n"
      "}\n"
      "```\n"
      "## Install ##\n"
      "Run it.\n"
      "\n"
      "---\n"
      "\n"
      "Last words.";
  for (size_t piece : {1u, 3u, 1000u}) {
    auto blocks = parse(DocumentFormat::Markdown, md, piece);
    ASSERT_EQ(blocks.size(), 8u) << piece;
    EXPECT_EQ(blocks[0].kind, BlockKind::Heading);
    EXPECT_EQ(blocks[0].heading_level, 1);
    EXPECT_EQ(blocks[0].text, "Guide");
    EXPECT_EQ(blocks[1].text, "Intro paragraph line one\nline two.");
    EXPECT_EQ(blocks[1].line_begin, 3u);
    EXPECT_EQ(blocks[2].kind, BlockKind::Heading);
    EXPECT_EQ(blocks[2].text, "Setext Title");
    EXPECT_EQ(blocks[2].line_begin, 6u);
    EXPECT_EQ(blocks[3].text, "Body under setext.");
    EXPECT_EQ(blocks[4].kind, BlockKind::Code);
    EXPECT_EQ(blocks[4].text, "```cpp\nint main() {\n\n  return 0;  # not a heading\n}\n```");
    EXPECT_EQ(blocks[4].line_begin, 10u);
    EXPECT_EQ(blocks[5].kind, BlockKind::Heading);
    EXPECT_EQ(blocks[5].heading_level, 2);
    EXPECT_EQ(blocks[5].text, "Install");
    EXPECT_EQ(blocks[6].text, "Run it.");
    EXPECT_EQ(blocks[7].text, "Last words.");
    EXPECT_EQ(blocks[7].line_begin, 21u);
    // Text and code blocks are exact slices of the source at their byte offset.
    for (const auto& b : blocks)
      if (b.kind != BlockKind::Heading) {
        EXPECT_EQ(md.substr(b.byte_begin, b.text.size()), b.text);
      }
  }
}

TEST(TextBlocks, PlainTextAndCodeSplitAtBlankLines) {
  std::string text = "one\r\ntwo\r\n\r\n\r\nthree\n   \nfour";
  auto blocks = parse(DocumentFormat::PlainText, text);
  ASSERT_EQ(blocks.size(), 3u);
  EXPECT_EQ(blocks[0].text, "one\r\ntwo");
  EXPECT_EQ(blocks[1].text, "three");
  EXPECT_EQ(blocks[1].line_begin, 5u);
  EXPECT_EQ(blocks[2].text, "four");
  auto code = parse(DocumentFormat::Code, "def f():\n    return 1\n\ndef g():\n    pass\n");
  ASSERT_EQ(code.size(), 2u);
  EXPECT_EQ(code[0].kind, BlockKind::Code);
  EXPECT_EQ(code[1].text, "def g():\n    pass");
  EXPECT_EQ(code[1].line_begin, 4u);
}

TEST(TextBlocks, HugeLinesAndParagraphsStayBounded) {
  // One 1 MB line without a newline and a 1 MB paragraph of short lines.
  std::string line;
  while (line.size() < (1u << 20)) line += "word" + std::to_string(line.size() % 97) + " ";
  std::string para;
  while (para.size() < (1u << 20)) para += "a short line\n";
  std::string text = line + "\n\n" + para;
  auto blocks = parse(DocumentFormat::PlainText, text, 65536);
  size_t total = 0;
  for (const auto& b : blocks) {
    EXPECT_LE(b.text.size(), kMaxBlockBytes);
    EXPECT_EQ(text.substr(b.byte_begin, b.text.size()), b.text);
    total += b.text.size();
  }
  EXPECT_GE(blocks.size(), 8u);
  EXPECT_GT(total, text.size() * 9 / 10);  // nothing but separators lost
}
