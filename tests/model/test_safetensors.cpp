// Safetensors header validation: every rule with its error text, sharded checkpoints,
// and a deterministic mutation fuzz of valid headers (never a crash, only vole::Error).
#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "model/safetensors.h"
#include "support/checkpoint_writer.h"
#include "support/temp_dir.h"
#include "util/error.h"

using namespace vole;
using namespace vole::model;

namespace {

std::vector<uint8_t> file_with(const std::string& header, size_t data_bytes) {
  return test::safetensors_bytes(header, std::vector<uint8_t>(data_bytes, 0x5a));
}

// Expects parse_safetensors_header to fail with InvalidFile and `needle` in the message.
void expect_invalid(const std::vector<uint8_t>& file, const std::string& needle) {
  try {
    parse_safetensors_header(file, "m.safetensors");
    FAIL() << "expected an error containing: " << needle;
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidFile) << e.what();
    std::string msg = e.what();
    EXPECT_NE(msg.find("m.safetensors"), std::string::npos) << msg;
    EXPECT_NE(msg.find(needle), std::string::npos) << msg;
  }
}

const char* kValid =
    R"({"__metadata__":{"format":"pt"},"b":{"dtype":"BF16","shape":[2,3],"data_offsets":[16,28]},)"
    R"("a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"z":{"dtype":"U8","shape":[0],"data_offsets":[28,28]}})";

}  // namespace

TEST(Safetensors, ParsesValidHeader) {
  auto file = file_with(kValid, 28);
  SafetensorsHeader h = parse_safetensors_header(file, "m.safetensors");
  ASSERT_EQ(h.tensors.size(), 3u);
  EXPECT_EQ(h.metadata.at("format"), "pt");
  const TensorEntry* a = h.find("a");
  const TensorEntry* b = h.find("b");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->dtype, StDType::F32);
  EXPECT_EQ(a->begin, h.data_offset);
  EXPECT_EQ(b->shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(b->nbytes(), 12u);
  EXPECT_EQ(b->begin, h.data_offset + 16);
  EXPECT_EQ(h.find("missing"), nullptr);
}

TEST(Safetensors, EveryDTypeIsKnown) {
  for (const char* d : {"BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "F64",
                        "I64", "U64"}) {
    auto t = parse_st_dtype(d);
    ASSERT_TRUE(t) << d;
    std::string header = std::string(R"({"x":{"dtype":")") + d + R"(","shape":[2],"data_offsets":[0,)" +
                         std::to_string(2 * st_dtype_size(*t)) + "]}}";
    EXPECT_NO_THROW(parse_safetensors_header(file_with(header, 2 * st_dtype_size(*t)), "m.safetensors")) << d;
  }
}

TEST(Safetensors, RejectsBadFiles) {
  expect_invalid({1, 2, 3}, "too short");
  // Header length past the end of the file.
  auto f = file_with(kValid, 28);
  f[0] = 0xff;
  f[1] = 0xff;
  expect_invalid(f, "runs past the end");
  // Header length over the 100 MB bound.
  std::vector<uint8_t> huge(16, 0);
  huge[4] = 0x10;  // 2^36
  expect_invalid(huge, "exceeds the 100 MB limit");
  expect_invalid(file_with("  ", 0), "invalid JSON");
  expect_invalid(file_with("{", 0), "header is empty");
  expect_invalid(file_with("{\"a\":", 0), "invalid JSON");
  expect_invalid(file_with("[1,2]", 0), "header must be a JSON object");
  expect_invalid(file_with(R"({"a":{"dtype":"Q9","shape":[1],"data_offsets":[0,1]}})", 1), "unknown dtype \"Q9\"");
  expect_invalid(file_with(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}})", 8), "= 8 bytes but data_offsets span 4");
  expect_invalid(file_with(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", 4), "outside the data section");
  expect_invalid(file_with(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})", 8), "end before they begin");
  expect_invalid(file_with(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})", 12),
                 "overlap");
  expect_invalid(file_with(R"({"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}})", 8), "overflows");
  expect_invalid(file_with(R"({"a":{"dtype":"F64","shape":[2305843009213693952],"data_offsets":[0,8]}})", 8), "overflows");
  expect_invalid(file_with(R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}})", 0), "negative");
  expect_invalid(file_with(R"({"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}})", 4), "non-integer");
  expect_invalid(file_with(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}})", 8), "more than 2 data_offsets");
  expect_invalid(file_with(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0]}})", 4), "exactly 2 data_offsets");
  expect_invalid(file_with(R"({"a":{"dtype":"F32","data_offsets":[0,4]}})", 4), "has no shape");
  expect_invalid(file_with(R"({"a":{"shape":[1],"data_offsets":[0,4]}})", 4), "has no dtype");
  expect_invalid(file_with(R"({"a":{"dtype":"F32","shape":[1]}})", 4), "has no data_offsets");
  expect_invalid(file_with(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"extra":1}})", 4), "unknown field \"extra\"");
  expect_invalid(file_with(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", 8),
                 "duplicate tensor name \"a\"");
  expect_invalid(file_with(R"({"a":{"dtype":"F32","dtype":"F16","shape":[1],"data_offsets":[0,4]}})", 4), "repeats field \"dtype\"");
  expect_invalid(file_with(R"({"a":[1,2]})", 0), "tensor entries must be objects");
  expect_invalid(file_with(R"({"__metadata__":{"k":1}})", 0), "__metadata__ values must be strings");
  expect_invalid(file_with(R"({"a":{"dtype":"F32","shape":[[[1]]],"data_offsets":[0,4]}})", 4), "inside its shape");
  expect_invalid(file_with(R"({"":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", 4), "empty tensor name");
  expect_invalid(file_with(R"({"a":{"dtype":"F32","shape":[1,1,1,1,1,1,1,1,1],"data_offsets":[0,4]}})", 4), "more than 8 dimensions");
  expect_invalid(file_with(std::string(100000, '[') + std::string(100000, ']'), 0), "header must be a JSON object");
  expect_invalid(file_with("{\"a\xff\":1}", 0), "invalid JSON");
}

TEST(Safetensors, EmptyHeaderIsAnEmptyFile) {
  EXPECT_TRUE(parse_safetensors_header(file_with("{}", 0), "m.safetensors").tensors.empty());
}

TEST(Safetensors, HeaderMayBePaddedWithSpaces) {
  std::string h = std::string(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})") + "      ";
  EXPECT_NO_THROW(parse_safetensors_header(file_with(h, 4), "m.safetensors"));
}

TEST(Safetensors, FileErrorsNameTheFile) {
  test::TempDir dir;
  auto path = dir / "model.safetensors";
  auto bytes = file_with(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", 16);
  bytes.resize(bytes.size() - 3);  // truncated
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  try {
    SafetensorsFile f(path);
    FAIL();
  } catch (const Error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find(path.string()), std::string::npos) << msg;
    EXPECT_NE(msg.find("tensor \"w\""), std::string::npos) << msg;
    EXPECT_NE(msg.find("truncated"), std::string::npos) << msg;
  }
}

// --- sharded checkpoints ---

namespace {
void write_text(const std::filesystem::path& p, const std::string& s) { std::ofstream(p) << s; }
void write_shard(const std::filesystem::path& p, const std::vector<std::string>& names) {
  std::vector<test::RawTensor> t;
  for (const auto& n : names) t.push_back({n, "F32", {2}, std::vector<uint8_t>(8, 1)});
  test::write_safetensors(p, t);
}
std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST(Checkpoint, ShardedIndexOpensShardsLazily) {
  test::TempDir dir;
  write_shard(dir / "a.safetensors", {"x", "y"});
  write_shard(dir / "b.safetensors", {"z"});
  write_text(dir / "model.safetensors.index.json",
             R"({"metadata":{"total_size":24},"weight_map":{"x":"a.safetensors","y":"a.safetensors","z":"b.safetensors"}})");
  Checkpoint ck(dir.path());
  EXPECT_TRUE(ck.sharded());
  EXPECT_EQ(ck.names(), (std::vector<std::string>{"x", "y", "z"}));
  EXPECT_TRUE(ck.opened_files().empty());
  TensorRef z = ck.find("z");
  EXPECT_EQ(z.entry->name, "z");
  EXPECT_EQ(ck.opened_files(), (std::vector<std::string>{"b.safetensors"}));
  EXPECT_EQ(ck.sources().size(), 3u);  // index + 2 shards
  EXPECT_NE(error_of([&] { ck.find("nope"); }).find("has no tensor \"nope\""), std::string::npos);
}

TEST(Checkpoint, RejectsBadIndexes) {
  test::TempDir dir;
  write_shard(dir / "a.safetensors", {"x"});
  auto index = dir / "model.safetensors.index.json";
  write_text(index, R"({"weight_map":{"x":"../a.safetensors"}})");
  EXPECT_NE(error_of([&] { Checkpoint c(dir.path()); }).find("not a file name in the model folder"), std::string::npos);
  write_text(index, R"({"weight_map":{"x":"missing.safetensors"}})");
  EXPECT_NE(error_of([&] { Checkpoint c(dir.path()); }).find("missing checkpoint file"), std::string::npos);
  write_text(index, R"({"weight_map":{"x":"a.safetensors","q":"a.safetensors"}})");
  Checkpoint c(dir.path());
  EXPECT_NE(error_of([&] { c.find("q"); }).find("says tensor \"q\" is in a.safetensors"), std::string::npos);
  write_text(index, R"({"weight_map":{"x":1}})");
  EXPECT_NE(error_of([&] { Checkpoint c2(dir.path()); }).find("must name a shard file"), std::string::npos);
  write_text(index, R"({"weight_map":{}})");
  EXPECT_NE(error_of([&] { Checkpoint c2(dir.path()); }).find("weight_map is empty"), std::string::npos);
  write_text(index, R"({"nothing":1})");
  EXPECT_NE(error_of([&] { Checkpoint c2(dir.path()); }).find("missing required field 'weight_map'"), std::string::npos);
  std::filesystem::remove(index);
  std::filesystem::remove(dir / "a.safetensors");
  EXPECT_NE(error_of([&] { Checkpoint c2(dir.path()); }).find("no model.safetensors"), std::string::npos);
}

// Thousands of random mutations and truncations of valid headers: each must parse or
// throw vole::Error, never crash or read out of bounds (the ASan build checks the
// latter). A libFuzzer harness for longer runs lives in tests/fuzz/.
TEST(SafetensorsFuzz, MutatedHeadersNeverCrash) {
  std::vector<std::vector<uint8_t>> seeds = {file_with(kValid, 28)};
  {
    std::vector<test::RawTensor> t = {{"model.layers.0.w", "BF16", {4, 8}, std::vector<uint8_t>(64, 3)},
                                      {"model.layers.0.b", "F32", {8}, std::vector<uint8_t>(32, 1)},
                                      {"lm_head.weight", "U32", {2, 2}, std::vector<uint8_t>(16, 7)}};
    test::TempDir dir;
    test::write_safetensors(dir / "s.safetensors", t);
    std::ifstream in(dir / "s.safetensors", std::ios::binary);
    seeds.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  std::mt19937_64 rng(12345);
  int parsed = 0, rejected = 0;
  const char* tokens[] = {"{", "}", "[", "]", ",", ":", "\"", "-1", "1e99", "18446744073709551616", "null", "\\u0000",
                          "\"dtype\"", "\"shape\"", "\"data_offsets\"", "\"__metadata__\"", "\"F32\"", "0", "9999999"};
  for (int iter = 0; iter < 6000; ++iter) {
    std::vector<uint8_t> f = seeds[rng() % seeds.size()];
    uint64_t n = 0;
    for (int i = 7; i >= 0; --i) n = (n << 8) | f[i];
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      // Bytes [8, lim) hold the header as far as the file goes.
      size_t lim = f.size() < 8 ? f.size() : static_cast<size_t>(std::min<uint64_t>(f.size(), 8 + std::min<uint64_t>(n, f.size())));
      switch (rng() % 6) {
        case 0:  // flip a byte anywhere in the header (including the length)
          if (lim > 0) f[rng() % lim] ^= static_cast<uint8_t>(1u << (rng() % 8));
          break;
        case 1:  // truncate
          f.resize(rng() % (f.size() + 1));
          break;
        case 2: {  // splice a JSON token into the header
          if (lim <= 8) break;
          std::string tok = tokens[rng() % std::size(tokens)];
          size_t at = 8 + rng() % (lim - 8 + 1);
          f.insert(f.begin() + static_cast<long>(at), tok.begin(), tok.end());
          break;
        }
        case 3: {  // change a digit
          for (int tries = 0; tries < 20 && lim > 8; ++tries) {
            size_t at = 8 + rng() % (lim - 8);
            if (f[at] >= '0' && f[at] <= '9') {
              f[at] = static_cast<uint8_t>('0' + rng() % 10);
              break;
            }
          }
          break;
        }
        case 4:  // random header length
          if (f.size() >= 8)
            for (int i = 0; i < 8; ++i) f[i] = static_cast<uint8_t>(i < 3 ? rng() : 0);
          break;
        case 5:  // delete a span
          if (f.size() > 9) {
            size_t at = 8 + rng() % (f.size() - 8);
            size_t len = std::min<size_t>(1 + rng() % 8, f.size() - at);
            f.erase(f.begin() + static_cast<long>(at), f.begin() + static_cast<long>(at + len));
          }
          break;
      }
    }
    // Exact-size copy so any read past the end is an ASan error.
    auto exact = std::make_unique<uint8_t[]>(f.size() + 1);
    std::copy(f.begin(), f.end(), exact.get());
    try {
      auto h = parse_safetensors_header({exact.get(), f.size()}, "fuzz");
      for (const auto& t : h.tensors) {
        ASSERT_LE(t.end, f.size());
        ASSERT_LE(t.begin, t.end);
      }
      ++parsed;
    } catch (const Error& e) {
      ASSERT_EQ(e.code(), ErrorCode::InvalidFile);
      ++rejected;
    }
  }
  EXPECT_GT(rejected, 1000);
  EXPECT_GT(parsed, 10);
}
