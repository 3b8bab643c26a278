#include "hub/fetcher.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include <nlohmann/json.hpp>

#include "hub/content_range.h"
#include "hub/git_blob.h"
#include "util/file.h"
#include "util/hash.h"
#include "util/json.h"

namespace vole::hub {

namespace fs = std::filesystem;

namespace {

using json = nlohmann::json;
constexpr size_t kCopyChunk = 1u << 20;

[[noreturn]] void fail_errno(const std::string& what, const fs::path& p) {
  int err = errno;
  if (err == ENOSPC || err == EDQUOT) fail_hub(Failure::NoSpace, "disk full while writing " + p.string());
  fail_hub(Failure::Io, what + " " + p.string() + ": " + std::strerror(err));
}

struct Sidecar {
  std::string url, plan_digest, etag, sha256;
  uint64_t remote_size = 0, local_size = 0;
};

std::optional<Sidecar> read_sidecar(const fs::path& p) {
  std::error_code ec;
  if (!fs::exists(p, ec)) return std::nullopt;
  try {
    json j = parse_json_text(read_text_file(p), p.string());
    Sidecar s;
    s.url = j.at("url").get<std::string>();
    s.plan_digest = j.at("plan_digest").get<std::string>();
    s.etag = j.at("etag").get<std::string>();
    s.sha256 = j.at("sha256").get<std::string>();
    s.remote_size = j.at("remote_size").get<uint64_t>();
    s.local_size = j.at("local_size").get<uint64_t>();
    return s;
  } catch (const std::exception&) {
    return std::nullopt;  // unreadable: the partial cannot be trusted, start over
  }
}

void write_sidecar(const fs::path& p, const Sidecar& s) {
  json j = {{"url", s.url},       {"plan_digest", s.plan_digest}, {"etag", s.etag},
            {"sha256", s.sha256}, {"remote_size", s.remote_size}, {"local_size", s.local_size}};
  write_file_atomic(p, j.dump(2) + "\n");
}

// The .partial file, written at explicit offsets.
class PartialFile {
 public:
  explicit PartialFile(fs::path p) : path_(std::move(p)) {
    fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) fail_errno("cannot create", path_);
  }
  ~PartialFile() {
    if (fd_ >= 0) ::close(fd_);
  }
  uint64_t size() const {
    struct stat st {};
    if (::fstat(fd_, &st) != 0) fail_errno("cannot stat", path_);
    return static_cast<uint64_t>(st.st_size);
  }
  void truncate(uint64_t n) {
    if (::ftruncate(fd_, static_cast<off_t>(n)) != 0) fail_errno("cannot truncate", path_);
  }
  void write(uint64_t off, std::span<const uint8_t> d) {
    size_t done = 0;
    while (done < d.size()) {
      ssize_t n = ::pwrite(fd_, d.data() + done, d.size() - done, static_cast<off_t>(off + done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) fail_errno("cannot write", path_);
      done += static_cast<size_t>(n);
    }
  }
  void read(uint64_t off, std::span<uint8_t> d) const {
    size_t done = 0;
    while (done < d.size()) {
      ssize_t n = ::pread(fd_, d.data() + done, d.size() - done, static_cast<off_t>(off + done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) fail_errno("cannot read", path_);
      done += static_cast<size_t>(n);
    }
  }
  void close() {
    if (::fsync(fd_) != 0) fail_errno("cannot flush", path_);
    ::close(fd_);
    fd_ = -1;
  }

 private:
  fs::path path_;
  int fd_ = -1;
};

// Whole-file verification: SHA-256 for LFS files, git blob SHA-1 for the rest.
class WholeHasher {
 public:
  explicit WholeHasher(const RemoteFile& f) : file_(f) { reset(); }
  void reset() {
    sha_.reset();
    git_.reset();
    if (file_.is_lfs()) sha_ = std::make_unique<Sha256>();
    else if (!file_.git_oid.empty()) git_ = std::make_unique<GitBlobHasher>(file_.size);
  }
  void update(std::span<const uint8_t> d) {
    if (sha_) sha_->update(d);
    if (git_) git_->update(d);
  }
  // Returns the kind of check, or throws naming the mismatch.
  std::string verify(const std::string& what) {
    if (sha_) {
      if (sha_->hex_digest() != file_.sha256)
        fail_hub(Failure::Integrity, what + ": SHA-256 does not match the hub's (corrupt download)");
      return "sha256";
    }
    if (git_) {
      if (git_->hex_digest() != file_.git_oid)
        fail_hub(Failure::Integrity, what + ": git blob id does not match the hub's (corrupt download)");
      return "git-sha1";
    }
    return "size";
  }

 private:
  const RemoteFile& file_;
  std::unique_ptr<Sha256> sha_;
  std::unique_ptr<GitBlobHasher> git_;
};

// Thrown when the remote object changed under a whole-file download: start it again.
struct RestartFromZero {};

class FileDownload {
 public:
  FileDownload(HubClient& hub, const std::string& repo, const std::string& commit, const FilePlan& plan,
               const fs::path& model_dir, const FetchCallbacks& cb)
      : hub_(hub), plan_(plan), cb_(cb), commit_(commit), final_(model_dir / plan.remote.path),
        part_path_(partial_path(final_)),
        side_path_(sidecar_path(final_)), what_(plan.remote.path + " of " + repo), hasher_(plan.remote) {
    sc_.url = hub.file_url(repo, commit, plan.remote.path);
    sc_.plan_digest = plan.digest();
    sc_.etag = plan.etag;
    sc_.sha256 = plan.remote.sha256;
    sc_.remote_size = plan.remote.size;
    sc_.local_size = plan.local_size;
  }

  std::string run() {
    uint64_t have = 0;
    {
      auto old = read_sidecar(side_path_);
      part_ = std::make_unique<PartialFile>(part_path_);
      if (old && old->url == sc_.url && old->plan_digest == sc_.plan_digest && old->remote_size == sc_.remote_size &&
          old->sha256 == sc_.sha256 && (sc_.etag.empty() || old->etag.empty() || old->etag == sc_.etag)) {
        have = std::min(part_->size(), plan_.local_size);
        if (sc_.etag.empty()) sc_.etag = old->etag;
      }
      part_->truncate(have);
      write_sidecar(side_path_, sc_);
    }
    pos_ = have;
    if (have > 0 && plan_.kind == FileKind::Whole) hash_prefix(have);
    report(static_cast<int64_t>(remote_bytes_before(have)));

    std::string verified;
    try {
      for (int restarts = 0;; ++restarts) {
        try {
          write_segments();
          break;
        } catch (const RestartFromZero&) {
          if (restarts >= 3) fail_hub(Failure::Integrity, what_ + ": the remote file keeps changing");
          restart_from_zero();
        }
      }
      part_->close();
      verified = verify();
    } catch (const HubError& e) {
      if (e.failure() == Failure::Integrity) remove_partial(final_);  // known bad: never promoted or resumed
      throw;
    }
    if (::rename(part_path_.c_str(), final_.c_str()) != 0) fail_errno("cannot move into place", final_);
    if (int dfd = ::open(final_.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
      ::fsync(dfd);  // make the rename durable
      ::close(dfd);
    }
    std::error_code ec;
    fs::remove(side_path_, ec);
    return verified;
  }

 private:
  void report(int64_t delta) {
    counted_ += delta;
    if (cb_.on_progress && delta != 0) cb_.on_progress(delta);
  }

  uint64_t remote_bytes_before(uint64_t end) const {
    uint64_t sum = 0;
    for (const auto& s : plan_.segments)
      if (s.source == Segment::Source::Remote && s.dest_offset < end)
        sum += std::min(end, s.dest_offset + s.length) - s.dest_offset;
    return sum;
  }

  void hash_prefix(uint64_t n) {
    std::vector<uint8_t> buf(kCopyChunk);
    for (uint64_t off = 0; off < n;) {
      size_t len = static_cast<size_t>(std::min<uint64_t>(buf.size(), n - off));
      part_->read(off, {buf.data(), len});
      hasher_.update({buf.data(), len});
      off += len;
    }
  }

  void restart_from_zero() {
    part_->truncate(0);
    pos_ = 0;
    hasher_.reset();
    report(-counted_);
    write_sidecar(side_path_, sc_);
  }

  void put(std::span<const uint8_t> d) {
    part_->write(pos_, d);
    if (plan_.kind == FileKind::Whole) hasher_.update(d);
    pos_ += d.size();
  }

  void write_segments() {
    for (const auto& seg : plan_.segments) {
      uint64_t end = seg.dest_offset + seg.length;
      if (end <= pos_) continue;
      uint64_t skip = pos_ - seg.dest_offset;
      switch (seg.source) {
        case Segment::Source::Inline:
          put({reinterpret_cast<const uint8_t*>(plan_.inline_data.data()) + seg.src_offset + skip, seg.length - skip});
          break;
        case Segment::Source::Local: copy_local(seg, skip); break;
        case Segment::Source::Remote: fetch_remote(seg); break;
      }
    }
  }

  void copy_local(const Segment& seg, uint64_t skip) {
    int fd = ::open(final_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail_errno("cannot open the installed", final_);
    std::vector<uint8_t> buf(kCopyChunk);
    for (uint64_t off = skip; off < seg.length;) {
      if (cb_.stop && cb_.stop()) {
        ::close(fd);
        fail_hub(Failure::Cancelled, "stopped while copying " + what_);
      }
      size_t len = static_cast<size_t>(std::min<uint64_t>(buf.size(), seg.length - off));
      ssize_t n = ::pread(fd, buf.data(), len, static_cast<off_t>(seg.src_offset + off));
      if (n != static_cast<ssize_t>(len)) {
        ::close(fd);
        fail_hub(Failure::Integrity, "the installed " + final_.string() + " is shorter than its manifest says");
      }
      put({buf.data(), len});
      off += len;
    }
    ::close(fd);
  }

  void fetch_remote(const Segment& seg) {
    const uint64_t end = seg.dest_offset + seg.length;
    const uint64_t total = plan_.remote.size;
    std::mt19937_64 rng{std::random_device{}()};
    int failures = 0;
    while (pos_ < end) {
      uint64_t first = seg.src_offset + (pos_ - seg.dest_offset);
      ByteRange want{first, seg.src_offset + seg.length - 1};
      bool whole_from_start = plan_.kind == FileKind::Whole && first == 0;  // a plain GET
      uint64_t before = pos_;
      BodyHandler h;
      h.on_head = [&](const HttpResponse& r) { check_head(r, want, whole_from_start, total); };
      h.on_data = [&](std::span<const uint8_t> d) {
        if (pos_ + d.size() > end)
          fail_hub(Failure::Integrity, what_ + ": the server sent more bytes than the hub lists (wrong size)");
        put(d);
        report(static_cast<int64_t>(d.size()));
      };
      try {
        HttpRequest req{.url = sc_.url};
        if (!whole_from_start) req.range = want;
        HttpResponse r = hub_.http().perform(req, cb_.stop, &h);
        hub_.check_status(r, what_);
        if (pos_ < end)
          fail_hub(Failure::Integrity, what_ + ": the server sent " + std::to_string(pos_ - before) + " bytes where " +
                                           std::to_string(end - before) + " were expected (wrong size)");
      } catch (const HubError& e) {
        if (!e.retryable()) throw with_context(e, what_);
        if (pos_ > before) failures = 0;  // progress: a flaky link, not a dead one
        if (++failures >= hub_.retry().max_attempts) throw with_context(e, what_);
        sleep_or_stop(hub_.retry().delay_after(failures, rng), cb_.stop);
      }
    }
  }

  void check_head(const HttpResponse& r, ByteRange want, bool whole_from_start, uint64_t total) {
    expect_hub_headers(r, commit_, plan_.remote, what_);
    std::string etag = response_etag(r);
    if (!etag.empty() && !sc_.etag.empty() && etag != sc_.etag) {
      if (plan_.kind == FileKind::Whole) {
        sc_.etag = etag;
        throw RestartFromZero{};
      }
      fail_hub(Failure::Integrity, what_ + ": the remote file changed since its header was read; start the "
                                           "download again");
    }
    if (!etag.empty() && sc_.etag.empty()) {
      sc_.etag = etag;
      write_sidecar(side_path_, sc_);
    }
    if (r.status == 206) {
      expect_range(r, want, total, what_);
      return;
    }
    if (r.status != 200) fail_hub(Failure::Integrity, what_ + ": unexpected HTTP " + std::to_string(r.status));
    if (!whole_from_start) {
      if (plan_.kind != FileKind::Whole)
        fail_hub(Failure::Integrity, what_ + ": the server ignored a Range request, so a subset cannot be fetched");
      if (pos_ > 0) restart_from_zero();  // the server ignores Range: take its full body from byte 0
    }
    if (auto len = r.headers.get("content-length"); len && *len != std::to_string(total))
      fail_hub(Failure::Integrity, what_ + ": the server sends " + *len + " bytes, the hub lists " +
                                       std::to_string(total) + " (wrong size)");
  }

  std::string verify() {
    std::error_code ec;
    uint64_t size = fs::file_size(part_path_, ec);
    // file_size reports an error as (uintmax_t)-1: never print that as a size.
    if (ec)
      fail_hub(Failure::Io, what_ + ": the partial file " + part_path_.string() + " disappeared while downloading (" +
                                ec.message() + "); was the folder changed by another program?");
    if (size != plan_.local_size)
      fail_hub(Failure::Integrity, what_ + ": downloaded " + std::to_string(size) + " bytes, expected " +
                                       std::to_string(plan_.local_size) + " (wrong size)");
    if (plan_.kind == FileKind::Whole) return hasher_.verify(what_);
    // Subset: the written header must be the planned one and describe exactly the planned tensors.
    PartialFile check(part_path_);
    std::string header(plan_.inline_data.size(), '\0');
    check.read(0, {reinterpret_cast<uint8_t*>(header.data()), header.size()});
    if (header != plan_.inline_data) fail_hub(Failure::Integrity, what_ + ": the written header is not the planned one");
    SafetensorsHeader h = read_local_header(part_path_);
    bool same = h.tensors.size() == plan_.tensors.size() && h.data_offset() + h.data_size() == plan_.local_size;
    for (size_t i = 0; same && i < h.tensors.size(); ++i) same = h.tensors[i].name == plan_.tensors[i];
    if (!same) fail_hub(Failure::Integrity, what_ + ": the written file does not hold the planned tensors");
    return "ranges";
  }

  HubClient& hub_;
  const FilePlan& plan_;
  const FetchCallbacks& cb_;
  std::string commit_;
  fs::path final_, part_path_, side_path_;
  std::string what_;
  Sidecar sc_;
  std::unique_ptr<PartialFile> part_;
  WholeHasher hasher_;
  uint64_t pos_ = 0;
  int64_t counted_ = 0;
};

}  // namespace

fs::path partial_path(const fs::path& final_path) {
  fs::path p = final_path;
  p += ".partial";
  return p;
}

fs::path sidecar_path(const fs::path& final_path) {
  fs::path p = final_path;
  p += ".partial.json";
  return p;
}

bool is_partial_or_sidecar(const fs::path& p) {
  std::string name = p.filename().string();
  return name.ends_with(".partial") || name.ends_with(".partial.json");
}

void remove_partial(const fs::path& final_path) {
  std::error_code ec;
  fs::remove(partial_path(final_path), ec);
  fs::remove(sidecar_path(final_path), ec);
}

std::string fetch_file(HubClient& hub, const std::string& repo, const std::string& commit, const FilePlan& plan,
                       const fs::path& model_dir, const FetchCallbacks& cb) {
  if (plan.kind == FileKind::Generated) {
    write_file_atomic(model_dir / plan.remote.path, plan.inline_data);
    return "generated";
  }
  FileDownload d(hub, repo, commit, plan, model_dir, cb);
  return d.run();
}

}  // namespace vole::hub
