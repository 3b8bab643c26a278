#include "support/hub_fixtures.h"

#include "arch/families.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace vole::test {

using json = nlohmann::json;

std::string random_bytes(size_t n, std::mt19937_64& rng) {
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng() & 0xff);
  return s;
}

FixtureTensor random_tensor(const std::string& name, const std::string& dtype, std::vector<uint64_t> shape,
                            std::mt19937_64& rng) {
  size_t elem = dtype == "F32" || dtype == "U32" ? 4 : dtype == "BF16" || dtype == "F16" ? 2 : 1;
  size_t n = elem;
  for (auto d : shape) n *= d;
  return {name, dtype, std::move(shape), random_bytes(n, rng)};
}

std::string make_safetensors(const std::vector<FixtureTensor>& tensors, const json& metadata) {
  json h = json::object();
  uint64_t off = 0;
  std::string data;
  for (const auto& t : tensors) {
    h[t.name] = {{"dtype", t.dtype}, {"shape", t.shape}, {"data_offsets", {off, off + t.data.size()}}};
    off += t.data.size();
    data += t.data;
  }
  if (!metadata.is_null()) h["__metadata__"] = metadata;
  std::string text = h.dump();
  while (text.size() % 8) text += ' ';
  std::string out(8, '\0');
  uint64_t n = text.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>(n >> (8 * i));
  return out + text + data;
}

ParsedSafetensors read_safetensors(const std::string& bytes) {
  if (bytes.size() < 8) throw std::runtime_error("short file");
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<uint8_t>(bytes[i]);
  if (8 + n > bytes.size()) throw std::runtime_error("header past end");
  json h = json::parse(bytes.substr(8, n));
  ParsedSafetensors out;
  uint64_t base = 8 + n, covered = 0;
  for (auto it = h.begin(); it != h.end(); ++it) {
    if (it.key() == "__metadata__") {
      out.metadata = *it;
      continue;
    }
    uint64_t b = (*it)["data_offsets"][0], e = (*it)["data_offsets"][1];
    if (base + e > bytes.size() || b > e) throw std::runtime_error("tensor out of bounds: " + it.key());
    out.data[it.key()] = bytes.substr(base + b, e - b);
    out.header[it.key()] = *it;
    covered += e - b;
  }
  if (base + covered != bytes.size()) throw std::runtime_error("data section not exactly covered");
  return out;
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + p.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool file_exists(const std::filesystem::path& p) {
  std::error_code ec;
  return std::filesystem::exists(p, ec);
}

hub::ManagerOptions test_options(const FakeHub& hub, const std::filesystem::path& models_dir,
                                 const std::string& token) {
  hub::ManagerOptions o;
  o.models_dir = models_dir;
  o.hub = hub::HubConfig{};
  o.hub.base_url = hub.url();
  o.hub.token = token;
  o.hub.connect_timeout = std::chrono::milliseconds(2000);
  o.hub.stall_timeout = std::chrono::milliseconds(5000);
  o.retry = {.max_attempts = 4, .base_delay = std::chrono::milliseconds(5), .max_delay = std::chrono::milliseconds(40)};
  o.progress_interval = std::chrono::milliseconds(20);
  o.families = &arch::families();
  return o;
}

}  // namespace vole::test
