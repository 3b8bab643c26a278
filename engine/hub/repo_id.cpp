#include "hub/repo_id.h"

#include <cctype>

#include "hub/failure.h"

namespace vole::hub {

namespace {

bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '.';
}

// Returns an empty string when `part` is a valid owner or repo name, else the reason.
std::string check_part(std::string_view part, const char* which) {
  if (part.empty()) return std::string(which) + " is empty";
  for (char c : part)
    if (!name_char(c)) return std::string(which) + " contains '" + std::string(1, c) + "'";
  if (part.front() == '-' || part.front() == '.' || part.back() == '-' || part.back() == '.')
    return std::string(which) + " starts or ends with '-' or '.'";
  if (part.find("--") != std::string_view::npos || part.find("..") != std::string_view::npos)
    return std::string(which) + " contains \"--\" or \"..\"";
  return {};
}

std::string repo_id_problem(std::string_view repo) {
  if (repo.size() > 96) return "longer than 96 characters";
  auto slash = repo.find('/');
  if (slash == std::string_view::npos) return "expected the form owner/name";
  if (repo.find('/', slash + 1) != std::string_view::npos) return "has more than one '/'";
  if (auto p = check_part(repo.substr(0, slash), "the owner"); !p.empty()) return p;
  return check_part(repo.substr(slash + 1), "the name");
}

std::string printable(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 120)) out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '?' : c;
  return out;
}

}  // namespace

bool is_valid_repo_id(std::string_view repo) { return repo_id_problem(repo).empty(); }

void validate_repo_id(std::string_view repo) {
  if (auto p = repo_id_problem(repo); !p.empty())
    fail_hub(Failure::InvalidInput, "invalid Hugging Face repo id '" + printable(repo) + "': " + p);
}

void validate_revision(std::string_view rev) {
  std::string why;
  if (rev.empty() || rev.size() > 255) why = "must be 1 to 255 characters";
  for (char c : rev)
    if (!name_char(c) && c != '/') why = "contains '" + printable(std::string_view(&c, 1)) + "'";
  if (why.empty() && (rev.front() == '/' || rev.back() == '/' || rev.find("..") != std::string_view::npos ||
                      rev.find("//") != std::string_view::npos))
    why = "has an empty, '.' or '..' component";
  if (!why.empty()) fail_hub(Failure::InvalidInput, "invalid revision '" + printable(rev) + "': " + why);
}

bool is_commit_sha(std::string_view s) {
  if (s.size() != 40) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

void validate_repo_path(std::string_view path) {
  auto bad = [&](const std::string& why) {
    fail_hub(Failure::Integrity, "unsafe file path '" + printable(path) + "' from the hub: " + why);
  };
  if (path.empty() || path.size() > 1024) bad("must be 1 to 1024 characters");
  if (path.front() == '/') bad("absolute");
  for (char c : path) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) bad("control character");
    if (c == '\\') bad("backslash");
  }
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    auto seg = path.substr(start, end - start);
    if (seg.empty() || seg == "." || seg == "..") bad("empty, '.' or '..' segment");
    start = end + 1;
  }
}

std::string repo_id_from_input(std::string_view input) {
  std::string_view s = input;
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  bool had_scheme = false, was_url = false;
  for (std::string_view scheme : {"https://", "http://"})
    if (s.starts_with(scheme)) {
      s.remove_prefix(scheme.size());
      had_scheme = true;
    }
  for (std::string_view host : {"www.huggingface.co/", "huggingface.co/", "hf.co/"})
    if (s.starts_with(host)) {
      s.remove_prefix(host.size());
      was_url = true;
    }
  if (had_scheme && !was_url) s = {};  // a URL, but not a Hugging Face one
  if (was_url) {  // a page URL: owner/name, then maybe /tree/main, /blob/..., ?query
    s = s.substr(0, s.find_first_of("?#"));
    auto first = s.find('/');
    auto second = first == std::string_view::npos ? first : s.find('/', first + 1);
    if (second != std::string_view::npos) s = s.substr(0, second);
  }
  std::string repo(s);
  if (!is_valid_repo_id(repo))
    fail_hub(Failure::InvalidInput, "'" + printable(input) + "' is not a Hugging Face model: enter owner/name "
                                    "(for example Qwen/Qwen3-0.6B) or the model page's URL");
  return repo;
}

std::string model_folder_name(std::string_view repo) {
  validate_repo_id(repo);
  auto slash = repo.find('/');
  return std::string(repo.substr(0, slash)) + "--" + std::string(repo.substr(slash + 1));
}

std::optional<std::string> repo_from_folder_name(std::string_view folder) {
  auto sep = folder.find("--");
  if (sep == std::string_view::npos) return std::nullopt;
  std::string repo = std::string(folder.substr(0, sep)) + "/" + std::string(folder.substr(sep + 2));
  if (!is_valid_repo_id(repo)) return std::nullopt;
  return repo;
}

}  // namespace vole::hub
