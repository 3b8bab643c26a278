// Extraction of every supported format, and every kind of bad input: each is skipped with a
// clear reason, nothing crashes, nothing is loaded whole.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>

#include "knowledge/doc_writers.h"
#include "knowledge/knowledge_test.h"

using namespace vole;
using namespace vole::knowledge;
using namespace vole::knowledge::test;

namespace fs = std::filesystem;

namespace {

std::string joined(const std::vector<TextBlock>& blocks) {
  std::string s;
  for (const auto& b : blocks)
    s += (b.kind == BlockKind::Heading ? "#" + std::to_string(b.heading_level) + " " : "") + b.text + "|";
  return s;
}

long max_rss_kb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

}  // namespace

TEST(Extract, HtmlHeadingsParagraphsCodeAndNoScripts) {
  vole::test::TempDir dir;
  write_text(dir / "page.html",
             "<!DOCTYPE html><html><head><title>Field &amp; Notes</title><style>p{color:red}</style>"
             "<script>var secret = 'do not index';</script></head><body>"
             "<h1>Owls</h1><p>Barn owls hunt   at\n night.<br>They nest in barns.</p>"
             "<div>Tawny owls call <b>hoo</b>-hoo.</div><ul><li>first</li><li>second</li></ul>"
             "<h2>Code</h2><pre>  x = 1\n  y = 2</pre><table><tr><td>a</td><td>b</td></tr></table>"
             "<p>Unclosed paragraph<p>and another &eacute;t&eacute;</body></html>");
  auto blocks = blocks_of(dir / "page.html", DocumentFormat::Html);
  EXPECT_EQ(joined(blocks),
            "#1 Field & Notes|#1 Owls|Barn owls hunt at night.\nThey nest in barns.|Tawny owls call hoo-hoo.|first|"
            "second|#2 Code|  x = 1\n  y = 2|a b|Unclosed paragraph|and another été|");
  EXPECT_EQ(blocks[7].kind, BlockKind::Code);
  // Positions in the extracted text: blocks joined by blank lines.
  uint64_t offset = 0;
  for (const auto& b : blocks) {
    EXPECT_EQ(b.byte_begin, offset);
    offset += b.text.size() + 2;
  }
}

TEST(Extract, HtmlInAnotherEncodingDeclaredByMeta) {
  vole::test::TempDir dir;
  write_text(dir / "latin.htm",
             "<html><head><meta charset=\"iso-8859-1\"></head><body><p>caf\xE9 cr\xE8me</p></body></html>");
  auto blocks = blocks_of(dir / "latin.htm", DocumentFormat::Html);
  ASSERT_EQ(blocks.size(), 1u);
  EXPECT_EQ(blocks[0].text, "café crème");
}

TEST(Extract, PdfTextPerPage) {
  vole::test::TempDir dir;
  write_pdf(dir / "report.pdf", {{"Quarterly report", "Revenue grew by 12 percent."},
                                 {"Page two talks about (parentheses) and costs."},
                                 {"Third page: the conclusion."}});
  auto blocks = blocks_of(dir / "report.pdf", DocumentFormat::Pdf);
  ASSERT_GE(blocks.size(), 3u);
  std::string all;
  for (const auto& b : blocks) all += "p" + std::to_string(b.page) + ":" + b.text + "|";
  EXPECT_NE(all.find("p1:Quarterly report Revenue grew by 12 percent."), std::string::npos) << all;
  EXPECT_NE(all.find("p2:Page two talks about (parentheses) and costs."), std::string::npos) << all;
  EXPECT_NE(all.find("p3:Third page: the conclusion."), std::string::npos) << all;
}

TEST(Extract, EncryptedMalformedAndTruncatedPdfsAreSkippedWithReasons) {
  vole::test::TempDir dir;
  ErrorCode code{};
  std::string why = error_of([&] { blocks_of(fixtures() / "encrypted.pdf", DocumentFormat::Pdf); }, &code);
  EXPECT_EQ(code, ErrorCode::Unsupported);
  EXPECT_NE(why.find("encrypted PDF"), std::string::npos) << why;

  write_text(dir / "junk.pdf", "%PDF-1.7\nthis is not really a pdf\x01\x02\x03");
  why = error_of([&] { blocks_of(dir / "junk.pdf", DocumentFormat::Pdf); }, &code);
  EXPECT_EQ(code, ErrorCode::InvalidFile);
  EXPECT_NE(why.find("junk.pdf"), std::string::npos) << why;

  // A real PDF cut in half: poppler either reconstructs it or refuses; never a crash.
  write_pdf(dir / "whole.pdf", {{"Some text on the first page."}, {"More on the second."}});
  std::string bytes = read_file(dir / "whole.pdf");
  write_text(dir / "half.pdf", bytes.substr(0, bytes.size() / 2));
  try {
    blocks_of(dir / "half.pdf", DocumentFormat::Pdf);
  } catch (const Error& e) {
    EXPECT_TRUE(e.code() == ErrorCode::InvalidFile || e.code() == ErrorCode::Unsupported) << e.what();
  }
}

TEST(Extract, DocxParagraphsAndHeadingLevelsFromStyles) {
  vole::test::TempDir dir;
  write_docx(dir / "memo.docx", {{"MyTitle", "Annual memo"},
                                 {"Heading1", "Budget"},
                                 {"", "We spent 4,200 euros on paint."},
                                 {"Heading2", "Details"},
                                 {"", "Mostly blue & green — ünïcode"},
                                 {"UnknownStyle", "Closing words."}});
  auto blocks = blocks_of(dir / "memo.docx", DocumentFormat::Docx);
  EXPECT_EQ(joined(blocks),
            "#1 Annual memo|#1 Budget|We spent 4,200 euros on paint.|#2 Details|Mostly blue & green — ünïcode|Closing "
            "words.|");
}

TEST(Extract, OdtParagraphsAndHeadings) {
  vole::test::TempDir dir;
  write_odt(dir / "notes.odt", {{1, "Travel"}, {0, "Pack light."}, {2, "Trains"}, {0, "Book early."}});
  auto blocks = blocks_of(dir / "notes.odt", DocumentFormat::Odt);
  EXPECT_EQ(joined(blocks), "#1 Travel|Pack light. end|#2 Trains|Book early. end|");
}

TEST(Extract, ZipBombDocxIsRefusedWithoutExpandingIt) {
  vole::test::TempDir dir;
  // 64 MiB of XML that deflates about 1000:1.
  std::string para = "<w:p><w:r><w:t>aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa</w:t></w:r></w:p>";
  std::string body;
  body.reserve(64u << 20);
  while (body.size() < (64u << 20)) body += para;
  std::string xml =
      "<?xml version=\"1.0\"?><w:document xmlns:w=\"http://schemas.openxmlformats.org/"
      "wordprocessingml/2006/main\"><w:body>" +
      body + "</w:body></w:document>";
  write_zip(dir / "bomb.docx", {{"word/document.xml", xml}});
  EXPECT_LT(fs::file_size(dir / "bomb.docx"), 1u << 20);
  long before = max_rss_kb();
  ErrorCode code{};
  std::string why = error_of([&] { blocks_of(dir / "bomb.docx", DocumentFormat::Docx); }, &code);
  EXPECT_EQ(code, ErrorCode::Unsupported);
  EXPECT_NE(why.find("zip bomb"), std::string::npos) << why;
  if (!kSanitized) {
    EXPECT_LT(max_rss_kb() - before, 32 * 1024) << "the bomb must not be expanded in memory";
  }

  // A tighter absolute bound catches it while streaming too.
  ExtractLimits tight;
  tight.max_zip_entry_bytes = 1 << 20;
  why = error_of([&] { blocks_of(dir / "bomb.docx", DocumentFormat::Docx, tight); }, &code);
  EXPECT_NE(why.find("zip bomb"), std::string::npos) << why;
}

TEST(Extract, DamagedOrHostileOfficeFilesAreSkippedWithReasons) {
  vole::test::TempDir dir;
  ErrorCode code{};
  write_text(dir / "fake.docx", "this is plain text pretending to be a docx");
  std::string why = error_of([&] { blocks_of(dir / "fake.docx", DocumentFormat::Docx); }, &code);
  EXPECT_EQ(code, ErrorCode::InvalidFile);
  EXPECT_NE(why.find("zip"), std::string::npos) << why;

  write_zip(dir / "empty.docx", {{"other.txt", "no document part"}});
  why = error_of([&] { blocks_of(dir / "empty.docx", DocumentFormat::Docx); }, &code);
  EXPECT_NE(why.find("word/document.xml"), std::string::npos) << why;

  write_zip(dir / "broken.docx", {{"word/document.xml", "<w:document><w:body><w:p>unclosed"}});
  why = error_of([&] { blocks_of(dir / "broken.docx", DocumentFormat::Docx); }, &code);
  EXPECT_EQ(code, ErrorCode::InvalidFile);
  EXPECT_NE(why.find("not well-formed"), std::string::npos) << why;

  // Billion laughs: refused at the DTD, never expanded.
  std::string laughs = "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">";
  for (int i = 1; i <= 9; ++i) laughs += "<!ENTITY lol" + std::to_string(i) + " \"" + std::string(10, '&') + "\">";
  laughs +=
      "]><w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body><w:p><w:r>"
      "<w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>";
  write_zip(dir / "laughs.docx", {{"word/document.xml", laughs}});
  why = error_of([&] { blocks_of(dir / "laughs.docx", DocumentFormat::Docx); }, &code);
  EXPECT_EQ(code == ErrorCode::Unsupported || code == ErrorCode::InvalidFile, true) << why;

  // A truncated zip.
  write_docx(dir / "good.docx", {{"", "Some words that fill the file a little."}});
  std::string bytes = read_file(dir / "good.docx");
  write_text(dir / "cut.docx", bytes.substr(0, bytes.size() - 30));
  why = error_of([&] { blocks_of(dir / "cut.docx", DocumentFormat::Docx); }, &code);
  EXPECT_FALSE(why.empty());
}

TEST(Extract, FormatDetectionByNameAndContent) {
  vole::test::TempDir dir;
  write_text(dir / "notes.md", "# x");
  write_text(dir / "main.cpp", "int x;");
  write_text(dir / "Makefile", "all:");
  write_text(dir / "README", "hello");
  write_text(dir / "noext", "just some text without a name that says so");
  write_text(dir / "picture", "\x89PNG\r\n\x1a\n" + std::string(100, '\0'));
  write_text(dir / "blob", std::string("\x01\x02\0\0\x03", 5) + std::string(100, '\0'));
  write_text(dir / "doc-without-ext", "%PDF-1.4\n...");
  EXPECT_EQ(detect_format(dir / "notes.md").format, DocumentFormat::Markdown);
  EXPECT_EQ(detect_format(dir / "main.cpp").format, DocumentFormat::Code);
  EXPECT_EQ(detect_format(dir / "Makefile").format, DocumentFormat::Code);
  EXPECT_EQ(detect_format(dir / "README").format, DocumentFormat::PlainText);
  EXPECT_EQ(detect_format(dir / "noext").format, DocumentFormat::PlainText);
  EXPECT_EQ(detect_format(dir / "doc-without-ext").format, DocumentFormat::Pdf);
  auto png = detect_format(dir / "picture");
  EXPECT_FALSE(png.format);
  EXPECT_NE(png.skip_reason.find("PNG"), std::string::npos);
  auto blob = detect_format(dir / "blob");
  EXPECT_FALSE(blob.format);
  EXPECT_NE(blob.skip_reason.find("binary"), std::string::npos);
}

TEST(Extract, TextWithBinaryInsideIsRefusedWhereTheBinaryStarts) {
  vole::test::TempDir dir;
  std::string text(300000, 'a');
  for (size_t i = 80; i < text.size(); i += 81) text[i] = '\n';
  write_text(dir / "mixed.txt", text + std::string("\0\0\x01garbage", 10));
  ErrorCode code{};
  std::string why = error_of([&] { blocks_of(dir / "mixed.txt", DocumentFormat::PlainText); }, &code);
  EXPECT_EQ(code, ErrorCode::Unsupported);
  EXPECT_NE(why.find("binary"), std::string::npos) << why;
}

TEST(Extract, TwoGigabyteFilesAreStreamedNotLoaded) {
  vole::test::TempDir dir;
  // Sparse: 2 GiB on paper, no disk used. One starts with 1 MiB of text, then zeros.
  auto make = [&](const fs::path& p, const std::string& head) {
    write_text(p, head);
    ASSERT_EQ(::truncate(p.c_str(), off_t{2} << 30), 0);
  };
  std::string head;
  while (head.size() < (1u << 20)) head += "Line of text number " + std::to_string(head.size()) + ".\n";
  make(dir / "huge.log", head);
  make(dir / "zeros.txt", "");
  long before = max_rss_kb();
  auto start = std::chrono::steady_clock::now();
  size_t blocks = 0;
  ErrorCode code{};
  std::string why = error_of(
      [&] { extract_document(dir / "huge.log", DocumentFormat::PlainText, {}, [&](TextBlock&&) { ++blocks; }); },
      &code);
  EXPECT_EQ(code, ErrorCode::Unsupported);
  EXPECT_NE(why.find("near byte"), std::string::npos) << why;
  EXPECT_GT(blocks, 0u);  // the text part streamed out before the zeros were met
  why = error_of([&] { blocks_of(dir / "zeros.txt", DocumentFormat::PlainText); }, &code);
  EXPECT_NE(why.find("binary"), std::string::npos) << why;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
  if (!kSanitized) {
    EXPECT_LT(max_rss_kb() - before, 64 * 1024);
  }
}

TEST(Extract, LargeTextFileStreamsInBoundedMemory) {
  vole::test::TempDir dir;
  {
    std::ofstream out(dir / "big.md", std::ios::binary);
    std::string para = "This paragraph is part of a large document about nothing much at all, repeated often.\n";
    for (int i = 0; i < 760000; ++i) {
      if (i % 50 == 0) out << "\n## Section " << i / 50 << "\n\n";
      out << para;
    }
  }
  ASSERT_GT(fs::file_size(dir / "big.md"), 60u << 20);
  long before = max_rss_kb();
  size_t blocks = 0, bytes = 0;
  extract_document(dir / "big.md", DocumentFormat::Markdown, {}, [&](TextBlock&& b) {
    ++blocks;
    bytes += b.text.size();
  });
  EXPECT_GT(blocks, 20000u);
  EXPECT_GT(bytes, 55u << 20);
  if (!kSanitized) {
    EXPECT_LT(max_rss_kb() - before, 24 * 1024) << "the file must be streamed, not loaded";
  }
}

TEST(Extract, UnreadableVanishedAndSpecialFilesGiveReasons) {
  vole::test::TempDir dir;
  ErrorCode code{};
  std::string why = error_of([&] { blocks_of(dir / "gone.txt", DocumentFormat::PlainText); }, &code);
  EXPECT_EQ(code, ErrorCode::NotFound);
  EXPECT_NE(why.find("gone.txt"), std::string::npos);

  ASSERT_EQ(::mkfifo((dir / "pipe.txt").c_str(), 0644), 0);
  why = error_of([&] { blocks_of(dir / "pipe.txt", DocumentFormat::PlainText); }, &code);
  EXPECT_NE(why.find("not a regular file"), std::string::npos) << why;

  write_text(dir / "secret.txt", "private");
  ::chmod((dir / "secret.txt").c_str(), 0);
  if (::geteuid() != 0) {  // root reads anything
    why = error_of([&] { blocks_of(dir / "secret.txt", DocumentFormat::PlainText); }, &code);
    EXPECT_EQ(code, ErrorCode::Io);
    EXPECT_NE(why.find("Permission denied"), std::string::npos) << why;
  }
  ::chmod((dir / "secret.txt").c_str(), 0644);
}

TEST(Extract, EmailHeadersPlainTextAndMimeParts) {
  vole::test::TempDir dir;
  // multipart/mixed: an alternative (quoted-printable Latin-1 text + HTML) and a base64 attachment.
  write_text(dir / "mail.eml",
             "From: =?utf-8?B?SsO2cmc=?= <jorg@example.org>\r\n"
             "To: team@example.org\r\n"
             "Subject: =?iso-8859-1?Q?Caf=E9?= =?iso-8859-1?Q?_meeting?=\r\n"
             " moved\r\n"
             "Date: Mon, 3 Mar 2025 10:00:00 +0100\r\n"
             "MIME-Version: 1.0\r\n"
             "Content-Type: multipart/mixed; boundary=\"outer\"\r\n"
             "\r\n"
             "This is a multi-part message.\r\n"
             "--outer\r\n"
             "Content-Type: multipart/alternative; boundary=inner\r\n"
             "\r\n"
             "--inner\r\n"
             "Content-Type: text/plain; charset=iso-8859-1\r\n"
             "Content-Transfer-Encoding: quoted-printable\r\n"
             "\r\n"
             "The meeting moves to the caf=E9 on the corner, at ten o'clock. This line is soft-=\r\n"
             "wrapped by the encoder.\r\n"
             "\r\n"
             "Bring the budget figures.\r\n"
             "--inner\r\n"
             "Content-Type: text/html; charset=utf-8\r\n"
             "\r\n"
             "<p>HTML twin that must not be indexed twice</p>\r\n"
             "--inner--\r\n"
             "--outer\r\n"
             "Content-Type: application/pdf; name=budget.pdf\r\n"
             "Content-Disposition: attachment; filename=budget.pdf\r\n"
             "Content-Transfer-Encoding: base64\r\n"
             "\r\n"
             "JVBERi0xLjQKc2VjcmV0IGF0dGFjaG1lbnQ=\r\n"
             "--outer--\r\n");
  auto blocks = blocks_of(dir / "mail.eml", DocumentFormat::Email);
  EXPECT_EQ(joined(blocks),
            "#1 Café meeting moved|From: Jörg <jorg@example.org>\nTo: team@example.org\nDate: Mon, 3 Mar 2025 10:00:00 "
            "+0100|The meeting moves to the café on the corner, at ten o'clock. This line is soft-wrapped by the "
            "encoder.|Bring the budget figures.|");
  EXPECT_EQ(detect_format(dir / "mail.eml").format, DocumentFormat::Email);

  // HTML only, base64, UTF-8; and a message without MIME headers.
  write_text(dir / "html.eml",
             "Subject: Newsletter\nContent-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: base64\n\n"
             "PGgxPk5ld3M8L2gxPjxwPkdyw7zDn2UgYXVzIEvDtmxuPC9wPg==\n");
  EXPECT_EQ(joined(blocks_of(dir / "html.eml", DocumentFormat::Email)), "#1 Newsletter|#1 News|Grüße aus Köln|");
  write_text(dir / "plain.eml", "Subject: hi\n\nJust a line\nand another.\n");
  EXPECT_EQ(joined(blocks_of(dir / "plain.eml", DocumentFormat::Email)), "#1 hi|Just a line and another.|");

  // Garbage and truncated messages degrade, never crash.
  write_text(dir / "junk.eml", std::string("\x01\x02garbage\n--\n--x--\n\n=?bad?Q?", 20) + std::string(100000, 'a'));
  EXPECT_NO_THROW(blocks_of(dir / "junk.eml", DocumentFormat::Email));
  write_text(dir / "cut.eml",
             "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nhalf a mes");
  EXPECT_EQ(joined(blocks_of(dir / "cut.eml", DocumentFormat::Email)), "half a mes|");
}
