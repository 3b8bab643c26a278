#pragma once
// Names that come from users or from the hub and end up in URLs and file paths:
// repo ids ("owner/name"), revisions (branch, tag, commit) and file paths inside a
// repo. Each validator throws HubError(InvalidInput) with a one-line reason.
#include <optional>
#include <string>
#include <string_view>

namespace vole::hub {

// "owner/name", the Hugging Face rules: letters, digits, '-', '_', '.'; no "--" or
// ".."; neither part starts or ends with '-' or '.'; at most 96 characters.
void validate_repo_id(std::string_view repo);
bool is_valid_repo_id(std::string_view repo);

// What a user typed or pasted to add a model: "owner/name", or a model page URL such as
// "https://huggingface.co/owner/name/tree/main" (also hf.co, with or without scheme).
// Returns the repo id, validated; throws HubError(InvalidInput) explaining the form.
std::string repo_id_from_input(std::string_view input);

// A branch, tag or commit: letters, digits, '-', '_', '.', '/'; no "..", no leading '/'.
void validate_revision(std::string_view revision);

// A 40-hex-digit commit id.
bool is_commit_sha(std::string_view s);

// A path inside a repo as the hub lists it: relative, '/'-separated, no "." or ".."
// segments, no backslashes or control characters. Guards every file we write.
void validate_repo_path(std::string_view path);

// The folder a repo lives in under the models directory: "owner--name" (unambiguous,
// since repo ids cannot contain "--"), and back.
std::string model_folder_name(std::string_view repo);
std::optional<std::string> repo_from_folder_name(std::string_view folder);

}  // namespace vole::hub
