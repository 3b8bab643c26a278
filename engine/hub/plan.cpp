#include "hub/plan.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "hub/content_range.h"
#include "util/file.h"
#include "util/hash.h"
#include "util/json.h"

namespace vole::hub {

namespace {

using json = nlohmann::json;

bool ends_with(const std::string& s, std::string_view suffix) { return s.ends_with(suffix); }

constexpr const char* kIndexName = "model.safetensors.index.json";

// A range of a remote file read into memory (safetensors headers). `ignored` is set
// when the server answers 200 to the Range request: it does not do ranges.
struct RangeRead {
  std::string bytes;
  std::string etag;
  bool ignored = false;
};

struct RangeIgnored {};

RangeRead read_range(HubClient& hub, const std::string& url, const std::string& commit, ByteRange want,
                     const RemoteFile& file, const std::string& what, const StopFn& stop) {
  const uint64_t total = file.size;
  return with_retries(hub.retry(), stop, [&] {
    RangeRead out;
    uint64_t length = want.last - want.first + 1;
    BodyHandler h;
    h.on_head = [&](const HttpResponse& r) {
      expect_hub_headers(r, commit, file, what);
      if (r.status == 200) throw RangeIgnored{};  // do not pull a whole weights file into memory
      expect_range(r, want, total, what);
      out.etag = response_etag(r);
    };
    h.on_data = [&](std::span<const uint8_t> d) {
      if (out.bytes.size() + d.size() > length) fail_hub(Failure::Integrity, what + ": server sent more than asked");
      out.bytes.append(reinterpret_cast<const char*>(d.data()), d.size());
    };
    try {
      HttpResponse r = hub.http().perform({.url = url, .range = want}, stop, &h);
      hub.check_status(r, what);
    } catch (const RangeIgnored&) {
      out.ignored = true;
      return out;
    }
    if (out.bytes.size() != length)
      fail_hub(Failure::Integrity,
               what + ": got " + std::to_string(out.bytes.size()) + " of " + std::to_string(length) + " bytes");
    return out;
  });
}

struct RemoteHeader {
  bool range_supported = true;
  std::string raw;  // 8-byte length + JSON, exactly as the remote file has them
  SafetensorsHeader header;
  std::string etag;
};

RemoteHeader read_header_ranges(HubClient& hub, const std::string& url, const std::string& commit, const RemoteFile& f,
                                const std::string& what, const StopFn& stop);

RemoteHeader read_remote_header(HubClient& hub, const std::string& url, const std::string& commit, const RemoteFile& f,
                                const std::string& what, const StopFn& stop) {
  try {
    return read_header_ranges(hub, url, commit, f, what, stop);
  } catch (const HubError& e) {
    throw with_context(e, what);  // transport errors name the CDN URL, not the file
  }
}

RemoteHeader read_header_ranges(HubClient& hub, const std::string& url, const std::string& commit, const RemoteFile& f,
                                const std::string& what, const StopFn& stop) {
  RemoteHeader out;
  if (f.size < 8) fail_hub(Failure::Integrity, "invalid safetensors header in " + what + ": file shorter than 8 bytes");
  RangeRead len = read_range(hub, url, commit, {0, 7}, f, what, stop);
  if (len.ignored) {
    out.range_supported = false;
    return out;
  }
  uint64_t n = read_header_length({reinterpret_cast<const uint8_t*>(len.bytes.data()), 8}, f.size, what);
  RangeRead body = read_range(hub, url, commit, {8, 8 + n - 1}, f, what, stop);
  if (body.ignored) fail_hub(Failure::Integrity, what + ": the server stopped honouring Range requests");
  if (!len.etag.empty() && !body.etag.empty() && len.etag != body.etag)
    fail_hub(Failure::Integrity, what + ": the remote file changed while its header was read", true);
  out.header = parse_header({reinterpret_cast<const uint8_t*>(body.bytes.data()), body.bytes.size()}, f.size, what);
  out.raw = len.bytes + body.bytes;
  out.etag = len.etag;
  return out;
}

bool installed_file_ok(const std::filesystem::path& dir, const ManifestFile& m) {
  std::error_code ec;
  auto size = std::filesystem::file_size(dir / m.path, ec);
  return !ec && size == m.local_size;
}

FilePlan whole_plan(const RemoteFile& f, const Manifest* installed, const std::filesystem::path& dir) {
  FilePlan p;
  p.remote = f;
  p.kind = FileKind::Whole;
  p.local_size = f.size;
  if (f.size > 0) p.segments.push_back({Segment::Source::Remote, 0, f.size, 0});
  if (installed)
    if (const ManifestFile* m = installed->find(f.path); m && m->kind == FileKind::Whole && m->remote_size == f.size &&
                                                         m->sha256 == f.sha256 && m->git_oid == f.git_oid &&
                                                         installed_file_ok(dir, *m))
      p.needs_download = false;
  return p;
}

void append_segment(std::vector<Segment>& segs, Segment s) {
  if (s.length == 0) return;
  if (!segs.empty()) {
    Segment& last = segs.back();
    if (last.source == s.source && last.src_offset + last.length == s.src_offset &&
        last.dest_offset + last.length == s.dest_offset) {
      last.length += s.length;  // adjacent tensors become one range request / one copy
      return;
    }
  }
  segs.push_back(s);
}

// Plans one safetensors file. `index_names` lists the tensors the shard index assigns to
// it (sharded checkpoints), used to skip shards without fetching their header.
// Returns nullopt when the file holds nothing needed. `kept_bytes` receives the tensor
// bytes of the local file (for the index's total_size).
std::optional<FilePlan> safetensors_plan(HubClient& hub, const PlanInputs& in, const std::string& commit,
                                         const RemoteFile& f, const std::set<std::string>* index_names,
                                         uint64_t& kept_bytes, std::set<std::string>& kept_names, const StopFn& stop) {
  std::string what = f.path + " of " + in.repo;
  const ManifestFile* installed = in.installed ? in.installed->find(f.path) : nullptr;
  if (installed && !installed_file_ok(in.model_dir, *installed)) installed = nullptr;
  if (installed && installed->kind == FileKind::Subset && !installed->tensors.empty() &&
      installed->remote_size != f.size)
    installed = nullptr;

  if (index_names) {
    bool any = std::any_of(index_names->begin(), index_names->end(),
                           [&](const std::string& n) { return tensor_needed(n, in.features, in.part_of); });
    if (!any && !installed) return std::nullopt;
  }
  std::string url = hub.file_url(in.repo, commit, f.path);
  RemoteHeader rh = read_remote_header(hub, url, commit, f, what, stop);
  if (!rh.range_supported) {  // no ranges: the only way is the whole file
    FilePlan p = whole_plan(f, in.installed, in.model_dir);
    kept_bytes += f.size;  // approximate: without the header the tensor bytes are unknown
    return p;
  }
  const SafetensorsHeader& h = rh.header;
  if (index_names) {
    std::set<std::string> names;
    for (const auto& t : h.tensors) names.insert(t.name);
    if (names != *index_names)
      fail_hub(Failure::Integrity, what + ": its tensors do not match what " + std::string(kIndexName) + " says");
  }
  std::string header_sha = sha256_hex({reinterpret_cast<const uint8_t*>(rh.raw.data()), rh.raw.size()});

  std::set<std::string> local;  // tensors the installed file already has (same remote header only)
  bool installed_whole = installed && installed->kind == FileKind::Whole && installed->sha256 == f.sha256 &&
                         installed->git_oid == f.git_oid;
  if (installed && installed->kind == FileKind::Subset && installed->remote_header_sha256 == header_sha)
    local.insert(installed->tensors.begin(), installed->tensors.end());

  std::set<std::string> keep = local;
  for (const auto& t : h.tensors)
    if (tensor_needed(t.name, in.features, in.part_of)) keep.insert(t.name);
  if (installed_whole) {
    for (const auto& t : h.tensors) {
      kept_bytes += t.bytes();
      kept_names.insert(t.name);
    }
    FilePlan p = whole_plan(f, in.installed, in.model_dir);
    for (const auto& t : h.tensors) p.tensors.push_back(t.name);
    return p;
  }
  if (keep.empty()) return std::nullopt;
  for (const auto& t : h.tensors)
    if (keep.count(t.name)) {
      kept_bytes += t.bytes();
      kept_names.insert(t.name);
    }

  FilePlan p;
  p.remote = f;
  p.etag = rh.etag;
  p.remote_tensor_count = h.tensors.size();
  p.remote_header_sha256 = header_sha;
  if (keep.size() == h.tensors.size() && local.empty()) {  // everything: fetch it whole, verify its SHA-256
    p = whole_plan(f, in.installed, in.model_dir);
    p.etag = rh.etag;
    for (const auto& t : h.tensors) p.tensors.push_back(t.name);
    return p;
  }
  p.kind = FileKind::Subset;
  if (local.size() == keep.size()) {  // the installed subset already has everything asked for
    p.needs_download = false;
    p.local_size = installed->local_size;
    p.tensors = installed->tensors;
    return p;
  }
  SubsetLayout layout = layout_subset(h, [&](const TensorEntry& t) { return keep.count(t.name) > 0; });
  std::optional<SafetensorsHeader> local_header;
  if (!local.empty()) local_header = read_local_header(in.model_dir / f.path);
  p.inline_data = layout.header;
  p.local_size = layout.file_size();
  p.segments.push_back({Segment::Source::Inline, 0, layout.header.size(), 0});
  for (size_t i = 0; i < layout.tensors.size(); ++i) {
    const TensorEntry& dst = layout.tensors[i];
    const TensorEntry& src = h.tensors[layout.source_index[i]];
    uint64_t dest = layout.header.size() + dst.begin;
    p.tensors.push_back(dst.name);
    if (local.count(dst.name)) {
      const TensorEntry* lt = local_header->find(dst.name);
      if (!lt || lt->dtype != src.dtype || lt->shape != src.shape)
        fail_hub(Failure::Integrity, "installed " + f.path + " does not hold tensor '" + dst.name +
                                         "' as its manifest says: delete the model and download it again");
      append_segment(p.segments, {Segment::Source::Local, dest, dst.bytes(), local_header->data_offset() + lt->begin});
    } else {
      append_segment(p.segments, {Segment::Source::Remote, dest, dst.bytes(), h.data_offset() + src.begin});
    }
  }
  return p;
}

}  // namespace

bool is_model_file(const std::string& path) {
  if (path.find('/') != std::string::npos) return false;  // sub-folders hold other formats (onnx/, original/)
  // Names Vole writes itself in the folder are never taken from a repo.
  if (path.starts_with(".") || path == kManifestName || path == kPendingName || path.ends_with(".partial") ||
      path.ends_with(".partial.json") || path.find(".tmp-") != std::string::npos)
    return false;
  for (const char* ext : {".safetensors", ".json", ".txt", ".jinja", ".model", ".tiktoken"})
    if (ends_with(path, ext)) return true;
  for (const char* name : {"LICENSE", "LICENCE", "NOTICE", "README.md"})
    if (path.starts_with(name)) return true;
  return false;
}

SafetensorsHeader read_local_header(const std::filesystem::path& file) {
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail_hub(Failure::Io, "cannot open " + file.string());
  auto read_at = [&](uint64_t off, size_t len) {
    std::string buf(len, '\0');
    size_t done = 0;
    while (done < len) {
      ssize_t n = ::pread(fd, buf.data() + done, len - done, static_cast<off_t>(off + done));
      if (n <= 0) {
        ::close(fd);
        fail_hub(Failure::Integrity, "cannot read the safetensors header of " + file.string());
      }
      done += static_cast<size_t>(n);
    }
    return buf;
  };
  std::error_code ec;
  uint64_t size = std::filesystem::file_size(file, ec);
  if (ec) {
    ::close(fd);
    fail_hub(Failure::Io, "cannot stat " + file.string());
  }
  std::string first = read_at(0, std::min<uint64_t>(8, size));
  uint64_t n = read_header_length({reinterpret_cast<const uint8_t*>(first.data()), first.size()}, size, file.string());
  std::string body = read_at(8, n);
  ::close(fd);
  return parse_header({reinterpret_cast<const uint8_t*>(body.data()), body.size()}, size, file.string());
}

uint64_t FilePlan::network_bytes() const {
  uint64_t sum = 0;
  for (const auto& s : segments)
    if (s.source == Segment::Source::Remote) sum += s.length;
  return sum;
}

std::string FilePlan::digest() const {
  std::string text = remote.path + "|" + file_kind_name(kind) + "|" + std::to_string(remote.size) + "|" +
                     remote.sha256 + "|" + remote.git_oid + "|" + remote_header_sha256 + "|" +
                     std::to_string(local_size) + "|" +
                     sha256_hex({reinterpret_cast<const uint8_t*>(inline_data.data()), inline_data.size()});
  for (const auto& s : segments)
    text += "|" + std::to_string(static_cast<int>(s.source)) + ":" + std::to_string(s.dest_offset) + ":" +
            std::to_string(s.length) + ":" + std::to_string(s.src_offset);
  return sha256_hex({reinterpret_cast<const uint8_t*>(text.data()), text.size()});
}

uint64_t RepoPlan::network_bytes() const {
  uint64_t sum = 0;
  for (const auto& f : files)
    if (f.needs_download) sum += f.network_bytes();
  return sum;
}

uint64_t RepoPlan::local_bytes() const {
  uint64_t sum = 0;
  for (const auto& f : files) sum += f.local_size;
  return sum;
}

RepoPlan plan_download(HubClient& hub, const PlanInputs& inputs, const StopFn& stop) {
  PlanInputs in = inputs;
  RepoPlan plan;
  plan.repo = in.repo;
  plan.revision = in.revision;
  plan.features = in.features;
  plan.commit = in.pinned_commit ? *in.pinned_commit : hub.resolve_commit(in.repo, in.revision, stop);
  std::vector<RemoteFile> listing = hub.list_files(in.repo, plan.commit, stop);

  std::vector<RemoteFile> files;
  for (auto& f : listing)
    if (is_model_file(f.path)) files.push_back(f);
  if (files.empty())
    fail_hub(Failure::NotFound, in.repo + " has no model files (no safetensors, configs or tokenizer)");
  for (const auto& f : files) plan.full_bytes += f.size;
  // Which tensors each feature needs is the model families' knowledge.
  if (in.families && !in.part_of) in.part_of = classify_parts(*in.families);

  // Sharded checkpoint: the index says which shard holds which tensor.
  const RemoteFile* index_file = nullptr;
  json index;
  std::map<std::string, std::set<std::string>> shard_tensors;
  for (const auto& f : files)
    if (f.path == kIndexName) index_file = &f;
  if (index_file) {
    std::string what = std::string(kIndexName) + " of " + in.repo;
    try {
      std::string text = hub.fetch_small_file(in.repo, plan.commit, *index_file, stop);
      if (json_nesting_depth(text) > kMaxJsonDepth) fail_hub(Failure::Integrity, what + " is nested too deeply");
      index = json::parse(text);
    } catch (const json::exception& e) {
      fail_hub(Failure::Integrity, what + " is not valid JSON: " + e.what());
    }
    if (!index.is_object() || !index.contains("weight_map") || !index["weight_map"].is_object())
      fail_hub(Failure::Integrity, what + " has no weight_map object");
    for (auto it = index["weight_map"].begin(); it != index["weight_map"].end(); ++it) {
      if (!it->is_string()) fail_hub(Failure::Integrity, what + ": weight_map['" + it.key() + "'] is not a string");
      std::string shard = it->get<std::string>();
      bool listed = std::any_of(files.begin(), files.end(), [&](const RemoteFile& f) { return f.path == shard; });
      if (!listed || !ends_with(shard, ".safetensors"))
        fail_hub(Failure::Integrity, what + " refers to '" + shard + "', which is not a safetensors file of the repo");
      shard_tensors[shard].insert(it.key());
    }
  }

  uint64_t kept_bytes = 0;
  std::set<std::string> kept_names;
  bool all_shards_whole = true;
  for (const auto& f : files) {
    if (index_file && &f == index_file) continue;
    if (!ends_with(f.path, ".safetensors")) {
      plan.files.push_back(whole_plan(f, in.installed, in.model_dir));
      continue;
    }
    const std::set<std::string>* names = nullptr;
    if (index_file) {
      auto it = shard_tensors.find(f.path);
      if (it == shard_tensors.end()) continue;  // a safetensors file the index does not use
      names = &it->second;
    }
    auto p = safetensors_plan(hub, in, plan.commit, f, names, kept_bytes, kept_names, stop);
    if (!p) {
      all_shards_whole = false;
      continue;
    }
    if (p->kind != FileKind::Whole) all_shards_whole = false;
    plan.files.push_back(std::move(*p));
  }

  if (index_file) {
    if (all_shards_whole) {
      plan.files.push_back(whole_plan(*index_file, in.installed, in.model_dir));
    } else {
      json rewritten = index;
      json map = json::object();
      for (auto it = index["weight_map"].begin(); it != index["weight_map"].end(); ++it)
        if (kept_names.count(it.key())) map[it.key()] = *it;
      rewritten["weight_map"] = map;
      if (!rewritten.contains("metadata") || !rewritten["metadata"].is_object()) rewritten["metadata"] = json::object();
      rewritten["metadata"]["total_size"] = kept_bytes;
      FilePlan p;
      p.remote = *index_file;
      p.kind = FileKind::Generated;
      p.inline_data = rewritten.dump(2) + "\n";
      p.local_size = p.inline_data.size();
      p.segments.push_back({Segment::Source::Inline, 0, p.local_size, 0});
      std::error_code ec;
      if (std::filesystem::exists(in.model_dir / kIndexName, ec)) {
        try {
          if (read_text_file(in.model_dir / kIndexName) == p.inline_data) p.needs_download = false;
        } catch (const Error&) {
        }
      }
      plan.files.push_back(std::move(p));
    }
  }
  return plan;
}

}  // namespace vole::hub
