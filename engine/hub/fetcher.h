#pragma once
// Executes one FilePlan: downloads into <file>.partial, resumable, then verifies and
// renames it into place (atomic: readers see the old file or the complete new one).
//
// Resuming. A sidecar <file>.partial.json records the URL, the plan digest, the remote
// size/SHA-256 and the remote ETag. Because a plan's segments are written in order, the
// partial file is always a prefix of the final file, so its length is where to resume,
// in this process or after a restart. A partial is discarded and the file restarted
// cleanly when the sidecar is missing or describes another plan, when the server's ETag
// differs from the recorded one, or when the server answers a Range request with 200.
//
// Verification before the rename:
//  - whole files: size, and SHA-256 against the hub's LFS object id (git blob SHA-1 for
//    small non-LFS files);
//  - safetensors subsets (the remote SHA-256 covers the whole file, so it cannot be
//    checked): every range came back as a 206 whose Content-Range is exactly the
//    requested range of an object of the listed size, with exactly that many bytes and
//    the same ETag as the header the plan was cut from (the plan's digest includes the
//    SHA-256 of that header's bytes, so a partial only resumes against a byte-identical
//    remote header, and extending an installed subset requires the same); the finished
//    file has the planned size and starts with exactly the planned header, which
//    re-parses to exactly the planned tensors. Copies from an installed file come from
//    a file that was verified when it was downloaded.
//  - every response: where the hub states them, X-Repo-Commit is the pinned commit,
//    X-Linked-Size the listed size and X-Linked-Etag (the LFS object id) the listed SHA-256.
// A file that fails verification is never renamed into place: its partial and sidecar
// are deleted (the bytes are known bad) and the error says what did not match. The same
// goes for integrity failures during the transfer (a wrong size or Content-Range).
// Network failures keep the partial for a later resume. Stopping (pause/cancel) keeps
// it too; the caller deletes it on cancel.
#include <cstdint>
#include <filesystem>
#include <functional>

#include "hub/hub_client.h"
#include "hub/plan.h"

namespace vole::hub {

std::filesystem::path partial_path(const std::filesystem::path& final_path);  // <file>.partial
std::filesystem::path sidecar_path(const std::filesystem::path& final_path);  // <file>.partial.json
bool is_partial_or_sidecar(const std::filesystem::path& p);

struct FetchCallbacks {
  StopFn stop;
  // Network bytes written for this file: +n as data arrives, -n when a restart discards
  // bytes already counted. The first call reports what a resumed partial already holds.
  std::function<void(int64_t delta)> on_progress;
};

// Returns what was verified ("sha256", "git-sha1", "size", "ranges", "generated").
std::string fetch_file(HubClient& hub, const std::string& repo, const std::string& commit, const FilePlan& plan,
                       const std::filesystem::path& model_dir, const FetchCallbacks& cb);

// Deletes the partial and sidecar of `final_path`, if any.
void remove_partial(const std::filesystem::path& final_path);

}  // namespace vole::hub
