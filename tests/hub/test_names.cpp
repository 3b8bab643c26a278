// Repo ids, revisions and repo paths: everything that reaches a URL or a file name.
#include <gtest/gtest.h>

#include "hub/failure.h"
#include "hub/http.h"
#include "hub/plan.h"
#include "hub/repo_id.h"

using namespace vole::hub;

TEST(Names, RepoIds) {
  for (const char* ok : {"Qwen/Qwen3.5-0.8B", "mlx-community/Qwen3-0.6B-4bit", "a/b", "user_1/model.v2"})
    EXPECT_TRUE(is_valid_repo_id(ok)) << ok;
  for (const char* bad : {"", "Qwen", "/x", "x/", "a/b/c", "a//b", "a/b c", "a/-b", "a/b.", "a/b--c", "a/b..c",
                          "../etc", "a/\n", "a/b?x=1", "https://huggingface.co/a/b"})
    EXPECT_FALSE(is_valid_repo_id(bad)) << bad;
  EXPECT_FALSE(is_valid_repo_id("a/" + std::string(100, 'x')));
  try {
    validate_repo_id("Qwen");
    FAIL();
  } catch (const HubError& e) {
    EXPECT_EQ(e.failure(), Failure::InvalidInput);
    EXPECT_NE(std::string(e.what()).find("owner/name"), std::string::npos);
  }
  EXPECT_EQ(model_folder_name("Qwen/Qwen3-0.6B"), "Qwen--Qwen3-0.6B");
  EXPECT_EQ(repo_from_folder_name("Qwen--Qwen3-0.6B"), "Qwen/Qwen3-0.6B");
  EXPECT_FALSE(repo_from_folder_name("plainfolder"));
}

TEST(Names, RepoIdFromWhatTheUserTyped) {
  EXPECT_EQ(repo_id_from_input("  Qwen/Qwen3-0.6B \n"), "Qwen/Qwen3-0.6B");
  EXPECT_EQ(repo_id_from_input("https://huggingface.co/Qwen/Qwen3.5-0.8B"), "Qwen/Qwen3.5-0.8B");
  EXPECT_EQ(repo_id_from_input("https://huggingface.co/Qwen/Qwen3.5-0.8B/tree/main"), "Qwen/Qwen3.5-0.8B");
  EXPECT_EQ(repo_id_from_input("huggingface.co/mlx-community/Qwen3-0.6B-4bit?library=mlx"),
            "mlx-community/Qwen3-0.6B-4bit");
  EXPECT_EQ(repo_id_from_input("hf.co/Qwen/Qwen3-0.6B/blob/main/config.json"), "Qwen/Qwen3-0.6B");
  for (const char* bad : {"", "Qwen", "Qwen3-0.6B", "https://example.com/a/b", "a/b/c", "https://huggingface.co/Qwen"})
    EXPECT_THROW(repo_id_from_input(bad), HubError) << bad;
  try {
    repo_id_from_input("qwen 3");
  } catch (const HubError& e) {
    EXPECT_NE(std::string(e.what()).find("owner/name"), std::string::npos);
  }
}

TEST(Names, RevisionsAndPaths) {
  EXPECT_NO_THROW(validate_revision("main"));
  EXPECT_NO_THROW(validate_revision("refs/pr/1"));
  EXPECT_NO_THROW(validate_revision("0123456789abcdef0123456789abcdef01234567"));
  EXPECT_THROW(validate_revision("../x"), HubError);
  EXPECT_THROW(validate_revision("a b"), HubError);
  EXPECT_THROW(validate_revision(""), HubError);
  EXPECT_NO_THROW(validate_repo_path("model.safetensors"));
  EXPECT_NO_THROW(validate_repo_path("onnx/model.onnx"));
  for (const char* bad : {"", "/etc/passwd", "../x", "a/../b", "a//b", "a\\b", "./a", "a/"})
    EXPECT_THROW(validate_repo_path(bad), HubError) << bad;
  EXPECT_TRUE(is_commit_sha("0123456789abcdef0123456789abcdef01234567"));
  EXPECT_FALSE(is_commit_sha("main"));
}

TEST(Names, ModelFilesAndUrls) {
  for (const char* yes : {"config.json", "model-00001-of-00002.safetensors", "tokenizer.model", "chat_template.jinja",
                          "merges.txt", "LICENSE", "README.md"})
    EXPECT_TRUE(is_model_file(yes)) << yes;
  for (const char* no : {"pytorch_model.bin", "model.gguf", "onnx/model.onnx", "original/consolidated.safetensors",
                         ".gitattributes", "figure.png", "vole-manifest.json", "vole-download.json",
                         "model.safetensors.partial.json", "model.safetensors.partial", ".hidden.json"})
    EXPECT_FALSE(is_model_file(no)) << no;
  EXPECT_EQ(encode_path("dir/a b#.json"), "dir/a%20b%23.json");
  EXPECT_EQ(percent_encode("refs/pr/1"), "refs%2Fpr%2F1");
  EXPECT_EQ(url_origin("https://HuggingFace.co/a/b"), "https://huggingface.co:443");
  EXPECT_EQ(url_origin("http://127.0.0.1:8080/x?y"), "http://127.0.0.1:8080");
  EXPECT_EQ(url_for_display("https://cdn/x?X-Amz-Signature=secret"), "https://cdn/x");
}
