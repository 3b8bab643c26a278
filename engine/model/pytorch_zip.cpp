#include "model/pytorch_zip.h"

#include <zip.h>

#include <algorithm>
#include <cstring>
#include <unordered_map>

#include "model/restricted_unpickler.h"
#include "util/error.h"

namespace vole::model {

namespace {

constexpr zip_int64_t kMaxEntries = 1 << 20;

[[noreturn]] void bad(const std::string& label, const std::string& what) {
  fail(ErrorCode::InvalidFile, label + ": " + what);
}

struct ZipCloser {
  void operator()(zip_t* z) const { zip_discard(z); }
};
struct ZipFileCloser {
  void operator()(zip_file_t* f) const { zip_fclose(f); }
};

}  // namespace

uint64_t TorchTensor::numel() const {
  uint64_t n = 1;
  for (int64_t d : shape) n *= static_cast<uint64_t>(d);
  return n;
}

bool TorchTensor::contiguous() const {
  int64_t expected = 1;
  for (size_t d = shape.size(); d-- > 0;) {
    if (shape[d] != 1 && strides[d] != expected) return false;
    expected *= shape[d];
  }
  return true;
}

struct TorchCheckpoint::Impl {
  std::string label;
  std::string prefix;
  std::unique_ptr<zip_t, ZipCloser> zip;
  std::vector<TorchStorageRef> storages;
  std::vector<TorchTensor> tensors;
  std::unordered_map<std::string, size_t> by_name;
  mutable std::mutex mutex;  // libzip archives are not thread-safe

  // The whole entry `name`, which must be exactly `expected` bytes (or at most `limit`
  // bytes when expected is -1).
  std::vector<uint8_t> read_entry(const std::string& name, int64_t expected, uint64_t limit) const {
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat(zip.get(), name.c_str(), ZIP_FL_ENC_RAW, &st) != 0 || !(st.valid & ZIP_STAT_SIZE))
      fail(ErrorCode::InvalidFile, label + ": entry " + name + " is missing");
    if (expected >= 0 && st.size != static_cast<uint64_t>(expected))
      bad(label,
          "entry " + name + " has " + std::to_string(st.size) + " bytes, " + std::to_string(expected) + " expected");
    if (expected < 0 && st.size > limit) bad(label, "entry " + name + " is too large");
    std::unique_ptr<zip_file_t, ZipFileCloser> f(zip_fopen(zip.get(), name.c_str(), ZIP_FL_ENC_RAW));
    if (!f) bad(label, "cannot open entry " + name + ": " + zip_strerror(zip.get()));
    std::vector<uint8_t> out(st.size);
    uint64_t done = 0;
    while (done < out.size()) {
      zip_int64_t n = zip_fread(f.get(), out.data() + done, out.size() - done);
      if (n < 0) bad(label, "entry " + name + " is damaged: " + zip_file_strerror(f.get()));
      if (n == 0) bad(label, "entry " + name + " ends early");
      done += static_cast<uint64_t>(n);
    }
    uint8_t extra;
    zip_int64_t tail = zip_fread(f.get(), &extra, 1);  // reaching the end runs libzip's CRC check
    if (tail < 0) bad(label, "entry " + name + " is damaged: " + zip_file_strerror(f.get()));
    if (tail > 0) bad(label, "entry " + name + " is longer than its declared size");
    return out;
  }
};

TorchCheckpoint::TorchCheckpoint(std::span<const uint8_t> bytes, std::string label) : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.label = std::move(label);
  if (!looks_like_zip(bytes)) {
    if (bytes.size() >= 2 && bytes[0] == 0x80 && bytes[1] <= 5)
      fail(
          ErrorCode::Unsupported,
          m.label +
              ": is a legacy (pre-1.6) PyTorch pickle; re-save it with a current PyTorch or convert it to safetensors");
    bad(m.label, "is not a PyTorch zip checkpoint");
  }
  zip_error_t err;
  zip_error_init(&err);
  zip_source_t* src = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &err);
  if (!src) bad(m.label, std::string("zip: ") + zip_error_strerror(&err));
  m.zip.reset(zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &err));
  if (!m.zip) {
    zip_source_free(src);
    std::string why = zip_error_strerror(&err);
    zip_error_fini(&err);
    bad(m.label, "damaged zip archive (" + why + ")");
  }
  zip_error_fini(&err);

  // Find the one `<stem>/data.pkl`; the stem is the file's name at save time.
  zip_int64_t count = zip_get_num_entries(m.zip.get(), 0);
  if (count < 0 || count > kMaxEntries) bad(m.label, "zip archive has too many entries");
  std::string pickle_name;
  for (zip_int64_t i = 0; i < count; ++i) {
    const char* name = zip_get_name(m.zip.get(), static_cast<zip_uint64_t>(i), ZIP_FL_ENC_RAW);
    if (!name) continue;
    std::string_view n(name);
    constexpr std::string_view kPkl = "/data.pkl";
    if (n.size() > kPkl.size() && n.substr(n.size() - kPkl.size()) == kPkl && n.find('/') == n.size() - kPkl.size()) {
      if (!pickle_name.empty()) bad(m.label, "holds two data.pkl records");
      pickle_name = n;
    }
  }
  if (pickle_name.empty()) bad(m.label, "has no <name>/data.pkl record (not a torch.save checkpoint)");
  m.prefix = pickle_name.substr(0, pickle_name.size() - std::string_view("/data.pkl").size());
  if (m.prefix == "." || m.prefix == "..") bad(m.label, "bad record folder name");

  zip_stat_t st;
  zip_stat_init(&st);
  if (zip_stat(m.zip.get(), (m.prefix + "/byteorder").c_str(), ZIP_FL_ENC_RAW, &st) == 0) {
    auto order = m.read_entry(m.prefix + "/byteorder", -1, 16);
    if (std::string(order.begin(), order.end()) != "little")
      fail(ErrorCode::Unsupported, m.label + ": big-endian checkpoint");
  }

  UnpicklerLimits limits;
  auto pickle = m.read_entry(pickle_name, -1, limits.max_input);
  PickleGraph graph = unpickle_restricted(pickle, m.label + " (" + pickle_name + ")", limits);
  m.storages = std::move(graph.storages);
  for (auto& [name, index] : state_dict_tensors(graph, m.label)) {
    const TorchTensorRef& ref = graph.tensors[index];
    TorchTensor t;
    t.name = name;
    t.dtype = m.storages[ref.storage].dtype;
    t.shape = ref.shape;
    t.strides = ref.strides;
    t.storage_offset = ref.storage_offset;
    t.storage = ref.storage;
    m.by_name.emplace(t.name, m.tensors.size());
    m.tensors.push_back(std::move(t));
  }
}

TorchCheckpoint::TorchCheckpoint(TorchCheckpoint&&) noexcept = default;
TorchCheckpoint& TorchCheckpoint::operator=(TorchCheckpoint&&) noexcept = default;
TorchCheckpoint::~TorchCheckpoint() = default;

bool TorchCheckpoint::looks_like_zip(std::span<const uint8_t> bytes) {
  return bytes.size() >= 4 && bytes[0] == 'P' && bytes[1] == 'K' && bytes[2] == 3 && bytes[3] == 4;
}

const std::string& TorchCheckpoint::label() const { return impl_->label; }
const std::string& TorchCheckpoint::prefix() const { return impl_->prefix; }
const std::vector<TorchTensor>& TorchCheckpoint::tensors() const { return impl_->tensors; }

const TorchTensor* TorchCheckpoint::find(std::string_view name) const {
  auto it = impl_->by_name.find(std::string(name));
  return it == impl_->by_name.end() ? nullptr : &impl_->tensors[it->second];
}

std::vector<std::string> TorchCheckpoint::names() const {
  std::vector<std::string> out;
  for (const auto& t : impl_->tensors) out.push_back(t.name);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<uint8_t> TorchCheckpoint::read(const TorchTensor& t) const {
  const Impl& m = *impl_;
  const TorchStorageRef& s = m.storages.at(t.storage);
  const size_t es = st_dtype_size(s.dtype);
  std::vector<uint8_t> storage;
  {
    std::lock_guard lock(m.mutex);
    storage = m.read_entry(m.prefix + "/data/" + s.key, s.numel * static_cast<int64_t>(es), 0);
  }
  std::vector<uint8_t> out(t.nbytes());
  if (out.empty()) return out;
  if (t.contiguous()) {
    std::memcpy(out.data(), storage.data() + t.storage_offset * es, out.size());
    return out;
  }
  // Gather the view element by element (bounds were checked when the pickle was read).
  const size_t rank = t.shape.size();
  std::vector<int64_t> index(rank, 0);
  int64_t src = t.storage_offset;
  for (size_t e = 0; e < out.size() / es; ++e) {
    std::memcpy(out.data() + e * es, storage.data() + src * es, es);
    for (size_t d = rank; d-- > 0;) {
      src += t.strides[d];
      if (++index[d] < t.shape[d]) break;
      src -= t.strides[d] * t.shape[d];
      index[d] = 0;
    }
  }
  return out;
}

TorchCheckpointFile::TorchCheckpointFile(const fs::path& path) : map_(path), checkpoint_(map_.bytes(), path.string()) {}

}  // namespace vole::model
