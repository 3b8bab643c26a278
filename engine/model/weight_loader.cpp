#include "model/weight_loader.h"

#include <unistd.h>

#include <chrono>
#include <cstring>
#include <set>
#include <tuple>

#include "model/q4.h"
#include "model/quant_rules.h"
#include "model/weight_cache.h"
#include "util/error.h"
#include "util/half.h"
#include "util/hash.h"
#include "util/paths.h"

namespace vole::model {

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

DType plain_dtype(StDType t) {
  switch (t) {
    case StDType::F32: return DType::F32;
    case StDType::F16: return DType::F16;
    case StDType::BF16: return DType::BF16;
    default: fail(ErrorCode::Internal, "not a plain float dtype");
  }
}

std::span<const uint8_t> as_bytes(const std::vector<float>& v) {
  return {reinterpret_cast<const uint8_t*>(v.data()), v.size() * 4};
}

// Element-wise conversion of f32/f16/bf16 into f32/f16/bf16, split over the cores.
void convert_elements(std::span<const uint8_t> src, StDType from, DType to, size_t n, uint8_t* out) {
  constexpr int64_t kChunk = 1 << 16;
  parallel_rows((static_cast<int64_t>(n) + kChunk - 1) / kChunk, [&](int64_t c0, int64_t c1) {
    std::vector<float> tmp(kChunk);
    std::vector<uint16_t> half(kChunk);
    for (int64_t c = c0; c < c1; ++c) {
      size_t begin = static_cast<size_t>(c * kChunk), count = std::min<size_t>(kChunk, n - begin);
      to_f32(src.data() + begin * st_dtype_size(from), from, count, tmp.data());
      if (to == DType::F32) {
        std::memcpy(out + begin * 4, tmp.data(), count * 4);
        continue;
      }
      std::span<const float> in(tmp.data(), count);
      std::span<uint16_t> h(half.data(), count);
      if (to == DType::F16) f32_to_f16(in, h);
      else f32_to_bf16(in, h);
      std::memcpy(out + begin * 2, half.data(), count * 2);
    }
  });
}

std::string options_summary(const LoadOptions& o) {
  return std::string("matrices=") + format_name(o.matrices) + " others=" + format_name(o.others) +
         " group=" + std::to_string(o.group_size);
}

}  // namespace

const char* format_name(Format f) {
  switch (f) {
    case Format::Source: return "source";
    case Format::F32: return "f32";
    case Format::F16: return "f16";
    case Format::Q4: return "q4";
  }
  return "?";
}

std::optional<Format> parse_format(const std::string& s) {
  if (s == "source") return Format::Source;
  if (s == "f32") return Format::F32;
  if (s == "f16") return Format::F16;
  if (s == "q4" || s == "int4") return Format::Q4;
  return std::nullopt;
}

uint64_t PlannedTensor::data_bytes() const {
  uint64_t n = 1;
  for (int64_t d : spec.shape) n *= static_cast<uint64_t>(d);
  return dtype == DType::Q4 ? n / 2 : n * dtype_size(dtype);
}

uint64_t PlannedTensor::scale_bytes() const {
  if (dtype != DType::Q4) return 0;
  return q4_scale_bytes(spec.shape[0], spec.shape[1], group_size);
}

const PlannedTensor* LoadPlan::find(const std::string& name) const {
  for (const auto& t : tensors)
    if (t.spec.name == name) return &t;
  return nullptr;
}

uint64_t LoadPlan::output_bytes() const {
  uint64_t n = 0;
  for (const auto& t : tensors) n += t.data_bytes() + t.scale_bytes();
  return n;
}

std::filesystem::path weight_cache_path(const std::filesystem::path& model_dir, CachePolicy policy) {
  namespace fs = std::filesystem;
  if (policy == CachePolicy::Off) return {};
  fs::path dir = fs::absolute(model_dir).lexically_normal();
  if (dir.has_filename() == false) dir = dir.parent_path();
  bool writable = ::access(dir.c_str(), W_OK) == 0;
  if (policy == CachePolicy::ModelFolder || (policy == CachePolicy::Auto && writable)) return dir / kCacheFileName;
  std::string key = dir.string();
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx",
                static_cast<unsigned long long>(xxh3_64({reinterpret_cast<const uint8_t*>(key.data()), key.size()})));
  return cache_dir() / "models" / (dir.filename().string() + "-" + std::string(hex, 8)) / kCacheFileName;
}

// --- planning ---

namespace {

PlannedTensor plan_tensor(const SourceTensor& st, std::span<const QuantRule> rules, const LoadOptions& o) {
  PlannedTensor p;
  p.spec = st.spec;
  p.encoding = st.encoding;
  p.source_dtype = st.dtype;
  p.source_bits = st.bits;
  p.source_group = st.group_size;
  p.fixup = st.fixup;
  p.source_bytes = st.source_bytes();
  p.quantizable = should_quantize(rules, st.spec, o.group_size, &p.rule);
  std::optional<Format> chosen = o.format_for ? o.format_for(st.spec) : std::nullopt;
  p.requested = chosen ? *chosen : (p.quantizable ? o.matrices : o.others);
  Format f = p.requested;
  // Q4 is granted where the rules allow or the source is already 4-bit; otherwise
  // the tensor falls back to the format for everything else.
  bool native4 = st.encoding != Encoding::Plain && st.bits == 4;
  if (f == Format::Q4 && !p.quantizable && !native4) f = o.others == Format::Q4 ? Format::Source : o.others;
  switch (st.encoding) {
    case Encoding::Plain:
      if (f == Format::Q4) {
        p.dtype = DType::Q4;
        p.group_size = o.group_size;
        p.scales_direct = false;
      } else {
        p.dtype = f == Format::F32 ? DType::F32 : f == Format::F16 ? DType::F16 : plain_dtype(st.dtype);
        p.data_direct = st.fixup == Fixup::None && p.dtype == plain_dtype(st.dtype);
      }
      break;
    case Encoding::MlxAffine:
    case Encoding::Gptq:
      if (native4 && (f == Format::Q4 || f == Format::Source)) {
        p.dtype = DType::Q4;
        p.group_size = q4_group_for(st.group_size);
        if (p.group_size == 0)
          fail(ErrorCode::Unsupported, "tensor \"" + st.spec.name + "\": source group " + std::to_string(st.group_size) +
                                           " cannot be expressed with Q4 groups of 32, 64 or 128");
        p.data_direct = st.encoding == Encoding::MlxAffine;  // same nibble layout; GPTQ needs a transpose
        p.scales_direct = false;
      } else if (f == Format::Q4) {  // 2- or 8-bit source re-quantized
        p.dtype = DType::Q4;
        p.group_size = o.group_size;
        p.scales_direct = false;
      } else {
        p.dtype = f == Format::F32 ? DType::F32 : DType::F16;
      }
      break;
  }
  return p;
}

}  // namespace

WeightLoader::WeightLoader(ModelFolder& folder, LoadOptions options) : folder_(folder), options_(std::move(options)) {
  require(options_.group_size == 32 || options_.group_size == 64 || options_.group_size == 128,
          "Q4 group size must be 32, 64 or 128, not " + std::to_string(options_.group_size));
  map_ = map_checkpoint(folder_.checkpoint(), folder_.config(), options_.selection);
  plan_.lm_head_tied = map_.lm_head_tied;
  plan_.naming = map_.naming;
  plan_.mlx_norms_shifted = map_.mlx_norms_shifted;
  plan_.unused = map_.unused;
  plan_.skipped = map_.skipped;
  auto rules = folder_.config().family->quant_rules();
  for (const auto& st : map_.tensors) plan_.tensors.push_back(plan_tensor(st, rules, options_));
}

WeightLoader::~WeightLoader() = default;

std::filesystem::path WeightLoader::cache_path() const {
  if (!options_.cache_file.empty()) return options_.cache_file;
  return weight_cache_path(folder_.dir(), options_.cache);
}

// --- loading ---

struct WeightLoader::Buffers {
  std::vector<uint8_t> data, scales;
  std::vector<float> f32;
};

namespace {

// Produces a planned tensor from the checkpoint. Conversion output goes to `buf`;
// returns the host tensor and sets which parts were converted.
struct Produced {
  HostTensor tensor;
  bool data_converted = false, scales_converted = false;
};

// f32 values of a tensor after its fixup (small tensors only: norms, patch embeds).
void fixed_f32(const SourceTensor& st, std::vector<float>& out) {
  auto src = st.data.bytes();
  size_t n = st.data.entry->numel();
  out.resize(n);
  if (st.fixup == Fixup::MlxPatchEmbed) {
    // [O, T, H, W, C] -> [O, C, T, H, W]
    const auto& s = st.spec.shape;  // HF: O, C, T, P, P
    int64_t O = s[0], C = s[1], T = s[2], H = s[3], W = s[4];
    std::vector<float> tmp(n);
    to_f32(src.data(), st.dtype, n, tmp.data());
    for (int64_t o = 0; o < O; ++o)
      for (int64_t t = 0; t < T; ++t)
        for (int64_t h = 0; h < H; ++h)
          for (int64_t w = 0; w < W; ++w)
            for (int64_t c = 0; c < C; ++c)
              out[static_cast<size_t>((((o * C + c) * T + t) * H + h) * W + w)] =
                  tmp[static_cast<size_t>((((o * T + t) * H + h) * W + w) * C + c)];
    return;
  }
  to_f32(src.data(), st.dtype, n, out.data());
  if (st.fixup == Fixup::MinusOne)
    for (auto& v : out) v -= 1.0f;
}

// Encodes `n` values from `src` (dtype `from`) as the planned output into buffers.
void encode(std::span<const uint8_t> src, StDType from, const PlannedTensor& p, std::vector<uint8_t>& data,
            std::vector<uint8_t>& scales, Produced& out) {
  const auto& shape = p.spec.shape;
  size_t n = 1;
  for (int64_t d : shape) n *= static_cast<size_t>(d);
  if (p.dtype == DType::Q4) {
    data.resize(q4_data_bytes(shape[0], shape[1]));
    scales.resize(q4_scale_bytes(shape[0], shape[1], p.group_size));
    quantize_q4(src, from, shape[0], shape[1], p.group_size, data.data(), reinterpret_cast<uint32_t*>(scales.data()),
                p.spec.name);
    out.tensor.data = data;
    out.tensor.scales = scales;
    out.data_converted = out.scales_converted = true;
    return;
  }
  data.resize(n * dtype_size(p.dtype));
  convert_elements(src, from, p.dtype, n, data.data());
  out.tensor.data = data;
  out.data_converted = true;
}

}  // namespace

void WeightLoader::load(const Visitor& visit) {
  auto t_start = Clock::now();
  stats_ = LoadStats{};
  if (!buffers_) buffers_ = std::make_unique<Buffers>();
  Buffers& buf = *buffers_;

  std::filesystem::path cache_file = cache_path();
  std::unique_ptr<CacheReader> reader;
  std::vector<SourceFile> sources;
  bool caching = !cache_file.empty();
  stats_.cache_path = cache_file;
  if (caching) {
    sources = folder_.weight_sources();
    reader = CacheReader::open(cache_file, sources, stats_.cache_status);
  }
  bool reader_damaged = false;
  std::set<std::tuple<std::string, int, int>> verified;  // keys served from the old cache
  std::unique_ptr<CacheWriter> writer;
  auto writer_or_null = [&]() -> CacheWriter* {
    if (!caching || !stats_.cache_error.empty()) return nullptr;
    if (!writer) {
      try {
        std::filesystem::create_directories(cache_file.parent_path());
        remove_stale_temp_files(cache_file);
        writer = std::make_unique<CacheWriter>(cache_file, sources, options_summary(options_));
      } catch (const std::exception& e) {
        stats_.cache_error = e.what();
        return nullptr;
      }
    }
    return writer.get();
  };

  for (size_t i = 0; i < plan_.tensors.size(); ++i) {
    const PlannedTensor& p = plan_.tensors[i];
    const SourceTensor& st = map_.tensors[i];
    Produced out;
    out.tensor.name = p.spec.name;
    out.tensor.dtype = p.dtype;
    out.tensor.shape = p.spec.shape;
    out.tensor.group_size = p.dtype == DType::Q4 ? p.group_size : 0;
    bool served_from_cache = false;
    const CacheEntry* cached_entry = nullptr;

    if (p.data_direct) out.tensor.data = st.data.bytes();
    if (p.needs_conversion() && reader && !reader_damaged) {
      if (const CacheEntry* e = reader->find(p.spec.name, p.dtype, out.tensor.group_size)) {
        auto t_verify = Clock::now();
        bool ok = e->shape == p.spec.shape && e->data.present == !p.data_direct && e->scales.present == !p.scales_direct;
        std::optional<std::span<const uint8_t>> d, s;
        if (ok && e->data.present) ok = (d = reader->verified(e->data)).has_value();
        if (ok && e->scales.present) ok = (s = reader->verified(e->scales)).has_value();
        stats_.verify_seconds += seconds_since(t_verify);
        if (ok && d && d->size() != p.data_bytes()) ok = false;
        if (ok && s && s->size() != p.scale_bytes()) ok = false;
        if (ok) {
          if (d) out.tensor.data = *d;
          if (s) out.tensor.scales = *s;
          served_from_cache = true;
          cached_entry = e;
          verified.emplace(p.spec.name, static_cast<int>(p.dtype), out.tensor.group_size);
          stats_.cache_bytes_read += (d ? d->size() : 0) + (s ? s->size() : 0);
        } else {
          reader_damaged = true;
          stats_.cache_status = "damaged: tensor \"" + p.spec.name + "\" failed its checksum";
        }
      }
    }

    if (p.needs_conversion() && !served_from_cache) {
      auto t_convert = Clock::now();
      if (st.encoding == Encoding::Plain) {
        if (st.fixup != Fixup::None) {
          fixed_f32(st, buf.f32);
          if (p.dtype == DType::F32) {
            out.tensor.data = as_bytes(buf.f32);
            out.data_converted = true;
          } else {
            encode(as_bytes(buf.f32), StDType::F32, p, buf.data, buf.scales, out);
          }
        } else {
          encode(st.data.bytes(), st.dtype, p, buf.data, buf.scales, out);
        }
      } else if (p.dtype == DType::Q4 && p.group_size == q4_group_for(st.group_size) && st.bits == 4) {
        int64_t rows = p.spec.shape[0], cols = p.spec.shape[1];
        buf.scales.resize(q4_scale_bytes(rows, cols, p.group_size));
        auto* scales = reinterpret_cast<uint32_t*>(buf.scales.data());
        if (st.encoding == Encoding::MlxAffine) {
          stats_.inexact_f16 += mlx_scales_to_q4(st.scales.bytes(), st.biases.bytes(), st.dtype, rows, cols,
                                                 st.group_size, p.group_size, scales, p.spec.name);
        } else {
          buf.data.resize(q4_data_bytes(rows, cols));
          stats_.inexact_f16 += repack_gptq(st.data.bytes(), st.zeros.bytes(), st.scales.bytes(), st.dtype, cols, rows,
                                            st.group_size, folder_.config().quant.gptq_v2, p.group_size,
                                            buf.data.data(), scales, p.spec.name);
          out.tensor.data = buf.data;
          out.data_converted = true;
        }
        out.tensor.scales = buf.scales;
        out.scales_converted = true;
      } else {
        // Dequantize, then encode as asked (F32, F16, or Q4 from a 2/8-bit source).
        int64_t rows = p.spec.shape[0], cols = p.spec.shape[1];
        buf.f32.resize(static_cast<size_t>(rows * cols));
        if (st.encoding == Encoding::MlxAffine)
          dequantize_mlx(st.data.bytes(), st.scales.bytes(), st.biases.bytes(), st.dtype, st.bits, rows, cols,
                         st.group_size, buf.f32.data());
        else
          dequantize_gptq(st.data.bytes(), st.zeros.bytes(), st.scales.bytes(), st.dtype, cols, rows, st.group_size,
                          folder_.config().quant.gptq_v2, buf.f32.data());
        if (p.dtype == DType::F32) {
          out.tensor.data = as_bytes(buf.f32);
          out.data_converted = true;
        } else {
          encode(as_bytes(buf.f32), StDType::F32, p, buf.data, buf.scales, out);
        }
      }
      stats_.convert_seconds += seconds_since(t_convert);
      stats_.source_bytes_read += p.source_bytes;
      ++stats_.converted;
    } else if (served_from_cache) {
      ++stats_.from_cache;
      if (p.data_direct) stats_.source_bytes_read += st.data.entry->nbytes();
    } else {
      ++stats_.direct;
      stats_.source_bytes_read += p.source_bytes;
    }

    auto t_visit = Clock::now();
    visit(out.tensor, p);
    stats_.visit_seconds += seconds_since(t_visit);
    stats_.bytes_delivered += out.tensor.data.size() + out.tensor.scales.size();
    ++stats_.tensors;

    if ((out.data_converted || out.scales_converted) && !served_from_cache) {
      if (CacheWriter* w = writer_or_null()) {
        try {
          CacheEntry key{p.spec.name, p.dtype, out.tensor.group_size, p.spec.shape, {}, {}};
          w->add(key, out.data_converted ? out.tensor.data : std::span<const uint8_t>{},
                 out.scales_converted ? out.tensor.scales : std::span<const uint8_t>{});
        } catch (const std::exception& e) {
          stats_.cache_error = e.what();
          writer.reset();  // removes the temp file
        }
      }
    }
    // Done with this tensor: let the kernel drop its pages.
    for (const TensorRef* r : {&st.data, &st.scales, &st.biases, &st.zeros, &st.g_idx})
      if (r->entry) r->file->map().release_pages(r->entry->begin, r->entry->nbytes());
    if (cached_entry) {
      for (const CachePart* part : {&cached_entry->data, &cached_entry->scales})
        if (part->present) reader->release(*part);
    }
  }

  if (reader_damaged) writer_or_null();  // replace a damaged file even if nothing was converted
  if (writer) {
    try {
      if (reader) {
        for (const auto& e : reader->entries()) {
          if (writer->contains(e.name, e.dtype, e.group)) continue;
          // A damaged file contributes only what this load verified.
          if (reader_damaged && !verified.count({e.name, static_cast<int>(e.dtype), e.group})) continue;
          writer->copy(e, *reader);
        }
      }
      writer->commit();
      stats_.cache_written = true;
    } catch (const std::exception& e) {
      stats_.cache_error = e.what();
    }
    writer.reset();
  }
  stats_.seconds = seconds_since(t_start);
}

}  // namespace vole::model
