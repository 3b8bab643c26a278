#include "support/torch_writer.h"

#include <zip.h>

#include <cstring>
#include <fstream>
#include <stdexcept>

#include "model/restricted_unpickler.h"

namespace vole::test {

// ---- pickle ----

PickleWriter& PickleWriter::proto(uint8_t version) {
  out_.push_back(0x80);
  out_.push_back(version);
  return *this;
}

PickleWriter& PickleWriter::op(uint8_t opcode) {
  out_.push_back(opcode);
  return *this;
}

PickleWriter& PickleWriter::raw(const std::vector<uint8_t>& bytes) {
  out_.insert(out_.end(), bytes.begin(), bytes.end());
  return *this;
}

static void put_le(std::vector<uint8_t>& out, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

PickleWriter& PickleWriter::put() {
  if (memo_ < 256) {
    out_.push_back('q');
    out_.push_back(static_cast<uint8_t>(memo_));
  } else {
    out_.push_back('r');
    put_le(out_, memo_, 4);
  }
  ++memo_;
  return *this;
}

PickleWriter& PickleWriter::get(uint32_t memo) {
  if (memo < 256) {
    out_.push_back('h');
    out_.push_back(static_cast<uint8_t>(memo));
  } else {
    out_.push_back('j');
    put_le(out_, memo, 4);
  }
  return *this;
}

PickleWriter& PickleWriter::global(const std::string& module, const std::string& name) {
  const std::string key = module + "\n" + name;
  for (const auto& [k, memo] : globals_)
    if (k == key) return get(memo);
  out_.push_back('c');
  out_.insert(out_.end(), key.begin(), key.end());
  out_.push_back('\n');
  globals_.emplace_back(key, memo_);
  return put();
}

PickleWriter& PickleWriter::str(const std::string& s) {
  out_.push_back('X');
  put_le(out_, s.size(), 4);
  out_.insert(out_.end(), s.begin(), s.end());
  return *this;
}

PickleWriter& PickleWriter::integer(int64_t v) {
  if (v >= 0 && v < 256) {
    out_.push_back('K');
    out_.push_back(static_cast<uint8_t>(v));
  } else if (v >= 0 && v < 65536) {
    out_.push_back('M');
    put_le(out_, static_cast<uint64_t>(v), 2);
  } else if (v >= INT32_MIN && v <= INT32_MAX) {
    out_.push_back('J');
    put_le(out_, static_cast<uint64_t>(static_cast<uint32_t>(v)), 4);
  } else {
    out_.push_back(0x8a);
    out_.push_back(8);
    put_le(out_, static_cast<uint64_t>(v), 8);
  }
  return *this;
}

PickleWriter& PickleWriter::boolean(bool v) { return op(v ? 0x88 : 0x89); }

PickleWriter& PickleWriter::empty_ordered_dict() {
  global("collections", "OrderedDict");
  op(')').op('R');
  return put();
}

PickleWriter& PickleWriter::int_tuple(const std::vector<int64_t>& v) {
  if (v.empty()) return op(')');
  if (v.size() > 3) op('(');
  for (int64_t x : v) integer(x);
  if (v.size() == 1)
    op(0x85);
  else if (v.size() == 2)
    op(0x86);
  else if (v.size() == 3)
    op(0x87);
  else
    op('t');
  return put();
}

PickleWriter& PickleWriter::stop() { return op('.'); }

// ---- state dicts ----

void TorchStateDict::add(const std::string& name, model::StDType dtype, std::vector<int64_t> shape,
                         std::vector<uint8_t> bytes) {
  storages.push_back({dtype, std::move(bytes)});
  tensors.push_back({name, std::move(shape), {}, 0, storages.size() - 1});
}

void TorchStateDict::add_f32(const std::string& name, std::vector<int64_t> shape, const std::vector<float>& values) {
  std::vector<uint8_t> bytes(values.size() * 4);
  std::memcpy(bytes.data(), values.data(), bytes.size());
  add(name, model::StDType::F32, std::move(shape), std::move(bytes));
}

static std::vector<int64_t> contiguous_strides(const std::vector<int64_t>& shape) {
  std::vector<int64_t> s(shape.size());
  int64_t step = 1;
  for (size_t d = shape.size(); d-- > 0;) {
    s[d] = step;
    step *= shape[d];
  }
  return s;
}

std::vector<uint8_t> torch_pickle(const TorchStateDict& dict) {
  PickleWriter w;
  w.proto(2);
  w.global("collections", "OrderedDict").op(')').op('R').put();
  w.op('(');
  for (const auto& t : dict.tensors) {
    const TorchStorageData& s = dict.storages.at(t.storage);
    w.str(t.name).put();
    w.global("torch._utils", "_rebuild_tensor_v2");
    w.op('(');
    // The persistent id ('storage', torch.<T>Storage, key, 'cpu', numel), then BINPERSID;
    // like torch, written again for every view of a shared storage and never memoised.
    w.op('(').str("storage").put();
    w.global("torch", model::torch_storage_name(s.dtype));
    w.str(std::to_string(t.storage)).put().str("cpu").put();
    w.integer(static_cast<int64_t>(s.bytes.size() / model::st_dtype_size(s.dtype)));
    w.op('t').put().op('Q');
    w.integer(t.storage_offset);
    w.int_tuple(t.shape);
    w.int_tuple(t.strides.empty() ? contiguous_strides(t.shape) : t.strides);
    w.boolean(false);
    w.empty_ordered_dict();
    w.op('t').put().op('R').put();
  }
  w.op('u');
  // state: {'_metadata': OrderedDict({'': {'version': 1}})}, as a module's state_dict() has
  w.op('}').put().str("_metadata").put().empty_ordered_dict();
  w.str("").put().op('}').put().str("version").put().integer(1).op('s').op('s');
  w.op('s').op('b');
  w.stop();
  return w.bytes();
}

// ---- zip ----

std::vector<uint8_t> zip_archive(const std::vector<std::pair<std::string, std::vector<uint8_t>>>& entries) {
  zip_error_t err;
  zip_error_init(&err);
  zip_source_t* mem = zip_source_buffer_create(nullptr, 0, 0, &err);
  if (!mem) throw std::runtime_error("zip_source_buffer_create failed");
  zip_source_keep(mem);
  zip_t* z = zip_open_from_source(mem, ZIP_TRUNCATE, &err);
  if (!z) throw std::runtime_error(std::string("zip_open_from_source: ") + zip_error_strerror(&err));
  for (const auto& [name, content] : entries) {
    // libzip reads the data at zip_close; `entries` outlives that.
    zip_source_t* src = zip_source_buffer(z, content.data(), content.size(), 0);
    zip_int64_t index = zip_file_add(z, name.c_str(), src, ZIP_FL_ENC_UTF_8);
    if (index < 0) throw std::runtime_error("zip_file_add " + name + ": " + zip_strerror(z));
    zip_set_file_compression(z, static_cast<zip_uint64_t>(index), ZIP_CM_STORE, 0);
  }
  if (zip_close(z) != 0) throw std::runtime_error("zip_close failed");
  std::vector<uint8_t> out;
  if (zip_source_open(mem) != 0) throw std::runtime_error("zip_source_open failed");
  zip_source_seek(mem, 0, SEEK_END);
  out.resize(static_cast<size_t>(zip_source_tell(mem)));
  zip_source_seek(mem, 0, SEEK_SET);
  if (zip_source_read(mem, out.data(), out.size()) != static_cast<zip_int64_t>(out.size()))
    throw std::runtime_error("zip_source_read failed");
  zip_source_close(mem);
  zip_source_free(mem);
  zip_error_fini(&err);
  return out;
}

std::vector<uint8_t> torch_zip(const TorchStateDict& dict, const std::string& stem) {
  auto text = [](const std::string& s) { return std::vector<uint8_t>(s.begin(), s.end()); };
  std::vector<std::pair<std::string, std::vector<uint8_t>>> entries;
  entries.emplace_back(stem + "/data.pkl", torch_pickle(dict));
  entries.emplace_back(stem + "/.format_version", text("1"));
  entries.emplace_back(stem + "/.storage_alignment", text("64"));
  entries.emplace_back(stem + "/byteorder", text("little"));
  for (size_t i = 0; i < dict.storages.size(); ++i)
    entries.emplace_back(stem + "/data/" + std::to_string(i), dict.storages[i].bytes);
  entries.emplace_back(stem + "/version", text("3\n"));
  entries.emplace_back(stem + "/.data/serialization_id", text("1234567890123456789012345678901234567890"));
  return zip_archive(entries);
}

// ---- tar ----

static void octal(uint8_t* field, size_t width, uint64_t value) {
  // width-1 octal digits, then NUL
  for (size_t i = width - 1; i-- > 0;) {
    field[i] = static_cast<uint8_t>('0' + (value & 7));
    value >>= 3;
  }
  field[width - 1] = 0;
}

static void tar_header(std::vector<uint8_t>& out, const std::string& name, uint64_t size, char type) {
  uint8_t h[512] = {};
  std::memcpy(h, name.data(), std::min<size_t>(name.size(), 100));
  octal(h + 100, 8, 0644);
  octal(h + 108, 8, 0);
  octal(h + 116, 8, 0);
  octal(h + 124, 12, size);
  octal(h + 136, 12, 1700000000);
  h[156] = static_cast<uint8_t>(type);
  std::memcpy(h + 257, "ustar", 6);  // with its NUL
  std::memcpy(h + 263, "00", 2);
  std::memset(h + 148, ' ', 8);
  uint64_t sum = 0;
  for (uint8_t b : h) sum += b;
  octal(h + 148, 7, sum);
  h[155] = ' ';
  out.insert(out.end(), h, h + 512);
}

static void pad512(std::vector<uint8_t>& out) { out.resize((out.size() + 511) / 512 * 512, 0); }

std::vector<uint8_t> tar_archive(const std::vector<TarEntryData>& entries) {
  std::vector<uint8_t> out;
  for (const auto& e : entries) {
    if (e.gnu_long_name) {
      tar_header(out, "././@LongLink", e.name.size() + 1, 'L');
      out.insert(out.end(), e.name.begin(), e.name.end());
      out.push_back(0);
      pad512(out);
    }
    tar_header(out, e.name, e.content.size(), e.type);
    out.insert(out.end(), e.content.begin(), e.content.end());
    pad512(out);
  }
  out.resize(out.size() + 1024, 0);  // end-of-archive: two zero blocks
  return out;
}

void write_bytes(const std::filesystem::path& path, const std::vector<uint8_t>& bytes) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!f) throw std::runtime_error("cannot write " + path.string());
}

void write_nemo(const std::filesystem::path& path, const std::string& config_yaml, const TorchStateDict& weights) {
  std::vector<TarEntryData> entries;
  entries.push_back({"./", {}, '5'});
  entries.push_back({"./model_config.yaml", std::vector<uint8_t>(config_yaml.begin(), config_yaml.end())});
  entries.push_back({"./model_weights.ckpt", torch_zip(weights, "model_weights")});
  write_bytes(path, tar_archive(entries));
}

}  // namespace vole::test
