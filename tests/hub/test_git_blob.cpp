// Git blob ids (what the hub reports as a small file's oid) against `git hash-object`.
#include <gtest/gtest.h>

#include <string>

#include "hub/git_blob.h"

using namespace vole::hub;

namespace {
std::string blob_id(const std::string& text) {
  return git_blob_sha1({reinterpret_cast<const uint8_t*>(text.data()), text.size()});
}
}  // namespace

TEST(GitBlob, MatchesGitHashObject) {
  // printf '' | git hash-object --stdin; printf 'hello\n' | git hash-object --stdin
  EXPECT_EQ(blob_id(""), "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
  EXPECT_EQ(blob_id("hello\n"), "ce013625030ba8dba906f756967f9e9ca394464a");
}

TEST(GitBlob, FedInPiecesEqualsAtOnce) {
  std::string text = "a config file, fed to the hasher in two pieces\n";
  GitBlobHasher h(text.size());
  h.update({reinterpret_cast<const uint8_t*>(text.data()), 10});
  h.update({reinterpret_cast<const uint8_t*>(text.data()) + 10, text.size() - 10});
  EXPECT_EQ(h.hex_digest(), blob_id(text));
}
