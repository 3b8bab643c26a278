#pragma once
// Deciding what a download fetches. For each model file of the repo (top-level configs,
// tokenizer files, licences, safetensors weights):
//  - plain files are fetched whole;
//  - a safetensors file whose tensors are all needed is fetched whole (so its SHA-256
//    can be verified); otherwise its header is read with two Range requests and a new
//    local file is laid out holding only the needed tensors (plus, when extending an
//    installed model, the tensors it already has, copied from the local file);
//  - shards of a sharded checkpoint that hold nothing needed are skipped, and the
//    shard index is rewritten to list only the tensors present locally.
// A plan is a list of segments per file: bytes from the remote file, from the installed
// local file, or inline (a rewritten header). Segments are written in order, so a
// partial file is always a prefix of the final one: its length is the resume point.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "hub/features.h"
#include "hub/hub_client.h"
#include "hub/manifest.h"
#include "hub/safetensors_header.h"

namespace vole::hub {

struct Segment {
  enum class Source { Remote, Local, Inline };
  Source source = Source::Remote;
  uint64_t dest_offset = 0;
  uint64_t length = 0;
  uint64_t src_offset = 0;  // in the remote file, the installed local file, or inline_data
};

struct FilePlan {
  RemoteFile remote;
  FileKind kind = FileKind::Whole;
  bool needs_download = true;  // false: the installed file already serves the request
  uint64_t local_size = 0;
  std::vector<Segment> segments;  // cover [0, local_size) in order
  std::string inline_data;        // the rewritten safetensors header, or a generated file
  std::string etag;               // of the remote object the plan was made from ("" = not known yet)
  // Subset files:
  std::vector<std::string> tensors;  // names in the local file
  uint64_t remote_tensor_count = 0;
  std::string remote_header_sha256;

  uint64_t network_bytes() const;  // bytes of Remote segments
  std::string digest() const;      // identifies the plan: a partial file only resumes under the same one
};

struct RepoPlan {
  std::string repo;
  std::string revision;
  std::string commit;
  FeatureSet features;
  std::vector<FilePlan> files;  // every file the model folder will hold
  uint64_t full_bytes = 0;      // every model file of the repo, whole

  uint64_t network_bytes() const;  // over files that need downloading
  uint64_t local_bytes() const;    // the folder's model files when done
};

struct PlanInputs {
  std::string repo;
  std::string revision = "main";
  FeatureSet features;
  std::optional<std::string> pinned_commit;  // an installed or half-downloaded folder keeps its commit
  const Manifest* installed = nullptr;       // the folder's manifest, when it has one
  std::filesystem::path model_dir;
  // The families whose parts decide which tensors a feature needs (arch::families());
  // null: every tensor is core.
  const model::FamilyTable* families = nullptr;
  PartClassifier part_of;  // filled by plan_download from `families`
};

RepoPlan plan_download(HubClient& hub, const PlanInputs& in, const StopFn& stop);

// Whether a repo file belongs in a model folder: top-level weights (.safetensors),
// configs and tokenizer files (.json, .txt, .jinja, .model, .tiktoken) and licence /
// readme texts. Other weight formats (.bin, .gguf, .onnx, ...), sub-folders, dot files
// and names Vole uses itself (manifest, download marker, *.partial*) are skipped.
bool is_model_file(const std::string& path);

// The header of a local safetensors file.
SafetensorsHeader read_local_header(const std::filesystem::path& file);

}  // namespace vole::hub
