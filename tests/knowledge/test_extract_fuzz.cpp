// Deterministic mutation fuzzing of every extractor: valid seed documents of each format are
// damaged (bytes flipped, cut short, markup spliced in, ranges repeated) thousands of times with
// a fixed seed; each result must extract or throw vole::Error, never crash or throw anything
// else, and every block it yields must be valid UTF-8. Run under the sanitizer build
// (VOLE_SANITIZE=ON) this also checks memory safety of our code around the parsers.
#include <random>

#include "knowledge/doc_writers.h"
#include "knowledge/knowledge_test.h"
#include "text/utf8.h"

using namespace vole;
using namespace vole::knowledge;
using namespace vole::knowledge::test;
namespace fs = std::filesystem;

namespace {

struct Seed {
  DocumentFormat format;
  std::string name;
  std::string bytes;
};

std::vector<Seed> seeds(const vole::test::TempDir& dir) {
  std::vector<Seed> out;
  out.push_back({DocumentFormat::Markdown, "seed.md",
                 "# Title\n\nSome *text* with caf\xC3\xA9.\n\n```\ncode\n```\n\nSetext\n===\n- item\n\n## End ##\n"});
  out.push_back(
      {DocumentFormat::PlainText, "seed.txt", "\xEF\xBB\xBFplain\r\ntext\r\n\r\nnext paragraph \xE2\x82\xAC\n"});
  out.push_back({DocumentFormat::Html, "seed.html",
                 "<html><head><title>T</title><script>x<1</script></head><body><h1>H</h1><p>a &amp; b<br>c</p>"
                 "<pre>code\n line</pre><table><tr><td>1</td><td>2</td></tr></table></body></html>"});
  out.push_back({DocumentFormat::Email, "seed.eml",
                 "Subject: =?utf-8?Q?Gr=C3=BC=C3=9Fe?=\nContent-Type: multipart/alternative; boundary=zz\n\n--zz\n"
                 "Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\n"
                 "caf=E9 soft=\nbreak\n--zz\nContent-Type: text/html\nContent-Transfer-Encoding: base64\n\n"
                 "PHA+aGk8L3A+\n--zz--\n"});
  write_docx(dir / "seed.docx", {{"Heading1", "Head"}, {"", "Body text with ünïcode"}});
  out.push_back({DocumentFormat::Docx, "seed.docx", read_file(dir / "seed.docx")});
  write_odt(dir / "seed.odt", {{1, "Head"}, {0, "Body"}});
  out.push_back({DocumentFormat::Odt, "seed.odt", read_file(dir / "seed.odt")});
  write_pdf(dir / "seed.pdf", {{"Page one line", "second (line)"}, {"Page two"}});
  out.push_back({DocumentFormat::Pdf, "seed.pdf", read_file(dir / "seed.pdf")});
  return out;
}

std::string mutate(std::string f, std::mt19937_64& rng) {
  static const char* tokens[] = {"<",    ">",      "</p>",   "<h1>",       "<!DOCTYPE x [<!ENTITY a \"b\">]>",
                                 "&#0;", "&amp",   "=?",     "?=",         "=?x?B?",
                                 "--zz", "--zz--", "\n\n",   "```",        "%PDF-1.4",
                                 "obj",  "endobj", "stream", "xref",       "\xFF\xFE",
                                 "\xC3", "\0",     "=",      "PK\x03\x04", "\xE2\x82"};
  int edits = 1 + static_cast<int>(rng() % 4);
  for (int e = 0; e < edits && !f.empty(); ++e) {
    switch (rng() % 5) {
      case 0:
        f[rng() % f.size()] ^= static_cast<char>(1u << (rng() % 8));
        break;
      case 1:
        f.resize(rng() % (f.size() + 1));
        break;
      case 2: {
        std::string tok = tokens[rng() % std::size(tokens)];
        if (tok.empty()) tok.push_back('\0');
        f.insert(rng() % (f.size() + 1), tok);
        break;
      }
      case 3: {  // repeat a range
        size_t a = rng() % f.size(), n = std::min<size_t>(rng() % 64 + 1, f.size() - a);
        std::string piece = f.substr(a, n);
        size_t times = 1 + rng() % 8;
        for (size_t t = 0; t < times; ++t) f.insert(a, piece);
        break;
      }
      case 4:
        f[rng() % f.size()] = static_cast<char>(rng() % 256);
        break;
    }
  }
  return f;
}

}  // namespace

TEST(ExtractFuzz, MutatedDocumentsExtractOrFailCleanly) {
  vole::test::TempDir dir;
  std::mt19937_64 rng(20240611);
  size_t extracted = 0, refused = 0, blocks = 0;
  for (const Seed& seed : seeds(dir)) {
    // The seed itself extracts.
    write_text(dir / seed.name, seed.bytes);
    EXPECT_FALSE(blocks_of(dir / seed.name, seed.format).empty()) << seed.name;
    for (int i = 0; i < 250; ++i) {
      fs::path p = dir / ("m-" + std::to_string(i) + "-" + seed.name);
      write_text(p, mutate(seed.bytes, rng));
      try {
        extract_document(p, seed.format, {}, [&](TextBlock&& b) {
          ++blocks;
          EXPECT_TRUE(text::is_valid_utf8(b.text))
              << seed.name << " mutation " << i << ": " << ::testing::PrintToString(b.text);
        });
        ++extracted;
      } catch (const Error&) {
        ++refused;
      } catch (const std::exception& e) {
        ADD_FAILURE() << seed.name << " mutation " << i << " threw a non-vole exception: " << e.what();
      }
      fs::remove(p);
    }
  }
  EXPECT_GT(extracted, 0u);
  EXPECT_GT(refused, 0u);
  EXPECT_GT(blocks, 0u);
}
