#include "knowledge/knowledge_test.h"

#include <fstream>
#include <sstream>

namespace vole::knowledge::test {

std::vector<TextBlock> blocks_of(const std::filesystem::path& path, DocumentFormat format,
                                 const ExtractLimits& limits) {
  std::vector<TextBlock> blocks;
  extract_document(path, format, limits, [&](TextBlock&& b) { blocks.push_back(std::move(b)); });
  return blocks;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::filesystem::path fixtures() { return vole::test::source_dir() / "tests" / "fixtures" / "knowledge"; }

}  // namespace vole::knowledge::test
