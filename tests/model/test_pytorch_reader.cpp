// PyTorch zip checkpoints, the restricted unpickler and NeMo tar archives: real layouts
// (written byte for byte as torch.save / NeMo write them) are read exactly; a corpus of
// hostile pickles, archives and tars is refused with a vole::Error; and bounded
// deterministic mutations never crash (the ASan build checks memory safety).
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <random>

#include "model/nemo_archive.h"
#include "model/pytorch_zip.h"
#include "model/restricted_unpickler.h"
#include "model/tar_reader.h"
#include "support/temp_dir.h"
#include "support/torch_writer.h"
#include "util/error.h"
#include "util/half.h"

namespace vole {
namespace {

using model::StDType;
using test::PickleWriter;
using test::TorchStateDict;

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

std::vector<uint8_t> f32_bytes(const std::vector<float>& v) {
  std::vector<uint8_t> b(v.size() * 4);
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

std::vector<float> as_f32(const std::vector<uint8_t>& b) {
  std::vector<float> v(b.size() / 4);
  std::memcpy(v.data(), b.data(), b.size());
  return v;
}

std::vector<float> iota(size_t n, float start = 0) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = start + static_cast<float>(i);
  return v;
}

// A state dict with every feature the reader must honour.
TorchStateDict rich_state_dict() {
  TorchStateDict d;
  d.add_f32("model.embed.weight", {3, 4}, iota(12));
  {
    std::vector<float> src = {0.5f, -1.25f, 3.0f, 65504.0f};
    std::vector<uint16_t> h(src.size());
    f32_to_f16(src, h);
    std::vector<uint8_t> b(h.size() * 2);
    std::memcpy(b.data(), h.data(), b.size());
    d.add("model.norm.weight", StDType::F16, {4}, b);
  }
  {
    std::vector<float> src = {1.0f, -2.0f, 0.15625f};
    std::vector<uint16_t> h(src.size());
    f32_to_bf16(src, h);
    std::vector<uint8_t> b(h.size() * 2);
    std::memcpy(b.data(), h.data(), b.size());
    d.add("model.bias", StDType::BF16, {3}, b);
  }
  {
    int64_t v[2] = {-7, 1LL << 40};
    std::vector<uint8_t> b(16);
    std::memcpy(b.data(), v, 16);
    d.add("steps", StDType::I64, {2}, b);
  }
  d.add_f32("scalar", {}, {42.0f});
  d.add("empty", StDType::F32, {0, 5}, {});
  // Two views of one storage of 24 floats: rows 2..3 of a [6, 4], and the transpose of
  // the first [4, 3] block (strides (1, 4)): a non-contiguous view.
  d.storages.push_back({StDType::F32, f32_bytes(iota(24, 100))});
  size_t shared = d.storages.size() - 1;
  d.tensors.push_back({"view.rows", {2, 4}, {4, 1}, 8, shared});
  d.tensors.push_back({"view.transposed", {4, 3}, {1, 4}, 0, shared});
  d.tensors.push_back({"view.broadcast", {2, 3}, {0, 1}, 20, shared});
  return d;
}

TEST(TorchCheckpoint, ReadsTheRealLayout) {
  auto bytes = test::torch_zip(rich_state_dict(), "pytorch_model");
  model::TorchCheckpoint c(bytes, "mem.bin");
  EXPECT_EQ(c.prefix(), "pytorch_model");
  EXPECT_EQ(c.tensors().size(), 9u);
  EXPECT_EQ(c.tensors()[0].name, "model.embed.weight");  // state dict order

  const auto* embed = c.find("model.embed.weight");
  ASSERT_NE(embed, nullptr);
  EXPECT_EQ(embed->dtype, StDType::F32);
  EXPECT_EQ(embed->shape, (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(as_f32(c.read(*embed)), iota(12));

  const auto* norm = c.find("model.norm.weight");
  ASSERT_NE(norm, nullptr);
  EXPECT_EQ(norm->dtype, StDType::F16);
  auto nb = c.read(*norm);
  std::vector<uint16_t> nh(4);
  std::memcpy(nh.data(), nb.data(), 8);
  std::vector<float> nf(4);
  f16_to_f32(nh, nf);
  EXPECT_EQ(nf, (std::vector<float>{0.5f, -1.25f, 3.0f, 65504.0f}));

  EXPECT_EQ(c.find("model.bias")->dtype, StDType::BF16);
  auto steps = c.read(*c.find("steps"));
  int64_t sv[2];
  std::memcpy(sv, steps.data(), 16);
  EXPECT_EQ(sv[0], -7);
  EXPECT_EQ(sv[1], 1LL << 40);

  EXPECT_TRUE(c.find("scalar")->shape.empty());
  EXPECT_EQ(as_f32(c.read(*c.find("scalar"))), std::vector<float>{42.0f});
  EXPECT_TRUE(c.read(*c.find("empty")).empty());

  EXPECT_EQ(as_f32(c.read(*c.find("view.rows"))), iota(8, 108));
  const auto* tr = c.find("view.transposed");
  EXPECT_FALSE(tr->contiguous());
  // element (i, j) of the transposed view is storage[i + 4 j]
  EXPECT_EQ(as_f32(c.read(*tr)), (std::vector<float>{100, 104, 108, 101, 105, 109, 102, 106, 110, 103, 107, 111}));
  EXPECT_EQ(as_f32(c.read(*c.find("view.broadcast"))), (std::vector<float>{120, 121, 122, 120, 121, 122}));
  EXPECT_EQ(c.find("missing"), nullptr);
}

TEST(TorchCheckpoint, OpensFilesAndLightningStyleDicts) {
  test::TempDir dir;
  TorchStateDict d;
  d.add_f32("w", {2}, {1.0f, 2.0f});
  test::write_bytes(dir / "pytorch_model.bin", test::torch_zip(d));
  model::TorchCheckpointFile f(dir / "pytorch_model.bin");
  EXPECT_EQ(f.checkpoint().names(), std::vector<std::string>{"w"});

  // {"epoch": 3, "state_dict": {...}}: the tensors under "state_dict" are the checkpoint.
  PickleWriter w;
  w.proto(2).op('}').put().op('(').str("epoch").integer(3).str("state_dict").op('}').put();
  w.str("w").global("torch._utils", "_rebuild_tensor_v2").op('(');
  w.op('(').str("storage").global("torch", "FloatStorage").str("0").str("cpu").integer(2).op('t').op('Q');
  w.integer(0).int_tuple({2}).int_tuple({1}).boolean(false).empty_ordered_dict().op('t').op('R').op('s');
  w.op('u').stop();
  auto graph = model::unpickle_restricted(w.bytes(), "lightning");
  auto tensors = model::state_dict_tensors(graph, "lightning");
  ASSERT_EQ(tensors.size(), 1u);
  EXPECT_EQ(tensors[0].first, "w");
}

// ---- hostile pickles: each must be refused, none may run anything ----

struct Hostile {
  std::string name;
  std::vector<uint8_t> pickle;
  std::string expect;  // part of the message
};

std::vector<uint8_t> bytes_of(const std::string& s) { return {s.begin(), s.end()}; }

std::vector<Hostile> hostile_pickles() {
  std::vector<Hostile> out;
  auto add = [&](std::string name, const PickleWriter& w, std::string expect) {
    out.push_back({std::move(name), w.bytes(), std::move(expect)});
  };
  {
    PickleWriter w;  // the classic: os.system("...") through REDUCE
    w.proto(2).raw(bytes_of("cposix\nsystem\n")).str("touch /tmp/pwned").op(0x85).op('R').stop();
    add("os.system reduce", w, "posix.system is not allowed");
  }
  {
    PickleWriter w;
    w.proto(2).raw(bytes_of("cos\nsystem\n")).str("id").op(0x85).op('R').stop();
    add("os.system", w, "os.system is not allowed");
  }
  {
    PickleWriter w;
    w.proto(2).raw(bytes_of("cbuiltins\neval\n")).str("1+1").op(0x85).op('R').stop();
    add("builtins.eval", w, "builtins.eval");
  }
  {
    PickleWriter w;  // STACK_GLOBAL spelling of the same
    w.proto(4).op(0x8c).op(8).raw(bytes_of("builtins")).op(0x8c).op(4).raw(bytes_of("exec")).op(0x93).stop();
    add("stack_global exec", w, "builtins.exec");
  }
  {
    PickleWriter w;
    w.proto(2).raw(bytes_of("ctorch.nn.modules.linear\nLinear\n")).stop();
    add("unknown torch global", w, "not allowed");
  }
  {
    PickleWriter w;  // INST runs a constructor
    w.proto(0).op('(').raw(bytes_of("ios\nsystem\n")).stop();
    add("INST", w, "INST");
  }
  {
    PickleWriter w;
    w.proto(2).global("collections", "OrderedDict").op(')').op(0x81).stop();
    add("NEWOBJ", w, "NEWOBJ");
  }
  {
    PickleWriter w;
    w.proto(2).op('(').global("collections", "OrderedDict").op('o').stop();
    add("OBJ", w, "OBJ");
  }
  {
    PickleWriter w;
    w.proto(2).op(0x82).op(1).stop();
    add("EXT1", w, "EXT");
  }
  {
    PickleWriter w;  // REDUCE on a storage type (a callable torch name, but not here)
    w.proto(2).global("torch", "FloatStorage").op(')').op('R').stop();
    add("reduce storage type", w, "not callable here");
  }
  {
    PickleWriter w;  // REDUCE on a string
    w.proto(2).str("os.system").op(')').op('R').stop();
    add("reduce on string", w, "not an allowed global");
  }
  {
    PickleWriter w;  // BUILD on a tensor-less object: only dicts may be BUILT
    w.proto(2).op(']').op('}').op('b').stop();
    add("BUILD on list", w, "BUILD on something that is not a dict");
  }
  {
    PickleWriter w;  // persistent id that is not a storage
    w.proto(2).str("file:///etc/passwd").op('Q').stop();
    add("persid string", w, "persistent id");
  }
  {
    PickleWriter w;  // storage key with a path
    w.proto(2).op('(').str("storage").global("torch", "FloatStorage").str("../../etc/passwd").str("cpu").integer(1);
    w.op('t').op('Q').stop();
    add("storage key traversal", w, "storage key");
  }
  {
    PickleWriter w;  // a view past the end of its storage
    w.proto(2).op('}').str("w").global("torch._utils", "_rebuild_tensor_v2").op('(');
    w.op('(').str("storage").global("torch", "FloatStorage").str("0").str("cpu").integer(4).op('t').op('Q');
    w.integer(2).int_tuple({3}).int_tuple({1}).boolean(false).empty_ordered_dict().op('t').op('R').op('s').stop();
    add("view past storage", w, "past the end");
  }
  {
    PickleWriter w;  // absurd sizes: a view whose extent overflows 64 bits
    w.proto(2).op('}').str("w").global("torch._utils", "_rebuild_tensor_v2").op('(');
    w.op('(').str("storage").global("torch", "FloatStorage").str("0").str("cpu").integer(4).op('t').op('Q');
    w.integer(0).int_tuple({1LL << 40, 1LL << 40}).int_tuple({1LL << 40, 1LL << 30}).boolean(false);
    w.empty_ordered_dict().op('t').op('R').op('s').stop();
    add("overflowing view", w, "past the end");
  }
  {
    PickleWriter w;  // storage declared with an absurd element count
    w.proto(2).op('(').str("storage").global("torch", "FloatStorage").str("0").str("cpu").integer(1LL << 50);
    w.op('t').op('Q').stop();
    add("huge storage", w, "storage size out of range");
  }
  {
    PickleWriter w;  // rebuild with the wrong arity
    w.proto(2).global("torch._utils", "_rebuild_tensor_v2").op(')').op('R').stop();
    add("rebuild arity", w, "6 or 7 arguments");
  }
  {
    PickleWriter w;  // deep nesting: 100 lists inside each other
    w.proto(2);
    for (int i = 0; i < 100; ++i) w.op(']');
    for (int i = 0; i < 99; ++i) w.op('a');
    w.stop();
    add("deep nesting", w, "nested deeper");
  }
  {
    PickleWriter w;  // a list that contains itself
    w.proto(2).op(']').put().get(0).op('a').stop();
    add("reference cycle", w, "cycle");
  }
  {
    PickleWriter w;  // too many open MARKs
    w.proto(2);
    for (int i = 0; i < 5000; ++i) w.op('(');
    w.stop();
    add("mark flood", w, "MARK");
  }
  {
    PickleWriter w;  // string length past the input
    w.proto(2).op('X').raw({0xff, 0xff, 0xff, 0x7f}).stop();
    add("string past end", w, "exceeds the limit");
  }
  {
    PickleWriter w;  // LONG4 claiming 4 GB of digits
    w.proto(2).op(0x8b).raw({0xff, 0xff, 0xff, 0xff}).stop();
    add("huge integer", w, "too large");
  }
  {
    PickleWriter w;
    w.proto(2).op('a').stop();
    add("stack underflow", w, "underflow");
  }
  {
    PickleWriter w;
    w.proto(2).get(7).stop();
    add("memo miss", w, "never stored");
  }
  {
    PickleWriter w;
    w.proto(2).op('}').op(']').op('(').integer(1).integer(2).op('u').stop();
    add("setitems on list", w, "wrong type");
  }
  {
    PickleWriter w;
    w.proto(6).op('N').stop();
    add("protocol 6", w, "protocol 6");
  }
  {
    PickleWriter w;
    w.proto(2).op('}').op('}');
    add("truncated (no STOP)", w, "truncated");
  }
  {
    PickleWriter w;
    w.proto(2).op('N').op('N').stop();
    add("two results", w, "2 values");
  }
  {
    PickleWriter w;
    w.proto(2).op('N').stop().op('N');
    add("bytes after STOP", w, "after STOP");
  }
  {
    PickleWriter w;  // text-protocol opcode
    w.raw(bytes_of("I42\n.")).stop();
    add("text INT", w, "INT");
  }
  {
    PickleWriter w;
    w.proto(4).op(0x8f).stop();
    add("set", w, "EMPTY_SET");
  }
  {
    PickleWriter w;
    w.proto(5).op(0x97).stop();
    add("out-of-band buffer", w, "NEXT_BUFFER");
  }
  {
    PickleWriter w;  // global name that never ends
    w.proto(2).op('c').raw(std::vector<uint8_t>(1000, 'a'));
    add("endless global", w, "GLOBAL name too long");
  }
  return out;
}

TEST(RestrictedUnpickler, RefusesEveryHostilePickle) {
  for (const auto& h : hostile_pickles()) {
    SCOPED_TRACE(h.name);
    std::string msg = error_of([&] {
      auto g = model::unpickle_restricted(h.pickle, "hostile");
      model::state_dict_tensors(g, "hostile");
    });
    EXPECT_NE(msg.find(h.expect), std::string::npos) << "message: " << msg;
    // The same pickle inside a real torch zip is refused by the checkpoint reader too.
    auto zip = test::zip_archive({{"archive/data.pkl", h.pickle}, {"archive/byteorder", bytes_of("little")}});
    EXPECT_NE(error_of([&] { model::TorchCheckpoint c(zip, "hostile.bin"); }), "");
  }
}

TEST(RestrictedUnpickler, NonTensorStateDictsAreRefused) {
  PickleWriter list;
  list.proto(2).op(']').stop();
  EXPECT_NE(error_of([&] {
              model::state_dict_tensors(model::unpickle_restricted(list.bytes(), "l"), "l");
            }).find("not a dict of tensors"),
            std::string::npos);
  PickleWriter numbers;
  numbers.proto(2).op('}').str("a").integer(1).op('s').stop();
  EXPECT_NE(error_of([&] {
              model::state_dict_tensors(model::unpickle_restricted(numbers.bytes(), "n"), "n");
            }).find("no tensors"),
            std::string::npos);
}

// ---- zip level ----

TEST(TorchCheckpoint, RefusesBadArchives) {
  TorchStateDict d;
  d.add_f32("w", {4}, {1, 2, 3, 4});
  auto good = test::torch_zip(d);
  auto pkl = test::torch_pickle(d);
  auto refuse = [](const std::vector<uint8_t>& bytes, const std::string& expect) {
    std::string msg = error_of([&] {
      model::TorchCheckpoint c(bytes, "bad.bin");
      for (const auto& t : c.tensors()) c.read(t);
    });
    EXPECT_NE(msg.find(expect), std::string::npos) << "message: " << msg;
  };
  refuse(bytes_of("not a zip at all"), "not a PyTorch zip checkpoint");
  refuse(pkl, "legacy");
  for (size_t cut : {good.size() / 3, good.size() / 2, good.size() - 30, good.size() - 1})
    refuse(std::vector<uint8_t>(good.begin(), good.begin() + static_cast<long>(cut)), "damaged zip");
  refuse(test::zip_archive({{"archive/byteorder", bytes_of("little")}}), "no <name>/data.pkl");
  refuse(test::zip_archive({{"a/data.pkl", pkl}, {"b/data.pkl", pkl}}), "two data.pkl");
  refuse(test::zip_archive({{"archive/data.pkl", pkl}}), "data/0 is missing");
  refuse(test::zip_archive({{"archive/data.pkl", pkl}, {"archive/data/0", std::vector<uint8_t>(12, 0)}}),
         "12 bytes, 16 expected");
  refuse(test::zip_archive({{"archive/data.pkl", pkl}, {"archive/byteorder", bytes_of("big")}}), "big-endian");
  // A flipped byte inside a stored storage fails the CRC check.
  auto corrupt = good;
  auto at = std::search(corrupt.begin(), corrupt.end(), d.storages[0].bytes.begin(), d.storages[0].bytes.end());
  ASSERT_NE(at, corrupt.end());
  *(at + 1) ^= 0x40;
  refuse(corrupt, "damaged");
}

// ---- tar / .nemo ----

TEST(TarReader, ReadsUstarGnuAndPaxNames) {
  std::string long_name(150, 'x');
  auto tar = test::tar_archive({{"./", {}, '5'},
                                {"./model_config.yaml", bytes_of("a: 1\n")},
                                {"dir/" + long_name, bytes_of("long"), '0', true},
                                {"./sub/./empty.bin", {}}});
  auto members = model::list_tar(tar, "t.tar");
  ASSERT_EQ(members.size(), 3u);
  EXPECT_EQ(members[0].name, "model_config.yaml");
  EXPECT_EQ(std::string(tar.begin() + static_cast<long>(members[0].offset),
                        tar.begin() + static_cast<long>(members[0].offset + members[0].size)),
            "a: 1\n");
  EXPECT_EQ(members[1].name, "dir/" + long_name);
  EXPECT_EQ(members[1].size, 4u);
  EXPECT_EQ(members[2].name, "sub/empty.bin");

  // A pax header's path record names the next member; an archive may end without the
  // zero blocks; an all-zero archive is empty.
  std::string record = "path=pax/name.txt\n";
  std::string pax = std::to_string(record.size() + 3) + " " + record;
  auto paxed = test::tar_archive({{"PaxHeader", bytes_of(pax), 'x'}, {"short", bytes_of("p")}});
  auto pm = model::list_tar(paxed, "pax.tar");
  ASSERT_EQ(pm.size(), 1u);
  EXPECT_EQ(pm[0].name, "pax/name.txt");
  auto unterminated = tar;
  unterminated.resize(unterminated.size() - 1024);
  EXPECT_EQ(model::list_tar(unterminated, "u.tar").size(), 3u);
  EXPECT_TRUE(model::list_tar(std::vector<uint8_t>(1024, 0), "z.tar").empty());
}

TEST(TarReader, RefusesHostileArchives) {
  auto refuse = [](const std::vector<uint8_t>& tar, const std::string& expect) {
    std::string msg = error_of([&] { model::list_tar(tar, "bad.tar"); });
    EXPECT_NE(msg.find(expect), std::string::npos) << "message: " << msg;
  };
  refuse(test::tar_archive({{"../evil", bytes_of("x")}}), "leaves the archive");
  refuse(test::tar_archive({{"a/../../evil", bytes_of("x")}}), "leaves the archive");
  refuse(test::tar_archive({{"/etc/passwd", bytes_of("x")}}), "absolute path");
  refuse(test::tar_archive({{"link", {}, '2'}}), "is a link");
  refuse(test::tar_archive({{"hard", {}, '1'}}), "is a link");
  refuse(test::tar_archive({{"dev", {}, '3'}}), "unsupported type");
  refuse(test::tar_archive({{"a", bytes_of("1")}, {"./a", bytes_of("2")}}), "appears twice");
  auto good = test::tar_archive({{"a.bin", std::vector<uint8_t>(700, 1)}});
  auto bad_sum = good;
  bad_sum[0] ^= 1;
  refuse(bad_sum, "checksum");
  refuse(std::vector<uint8_t>(good.begin(), good.begin() + 300), "truncated tar header");
  refuse(std::vector<uint8_t>(good.begin(), good.begin() + 900), "runs past the end");
  auto huge = test::tar_archive({{"big", {}}});
  std::memcpy(huge.data() + 124, "77777777777", 11);  // 8 GiB claimed; fix the checksum
  std::memset(huge.data() + 148, ' ', 8);
  uint64_t sum = 0;
  for (int i = 0; i < 512; ++i) sum += huge[i];
  std::snprintf(reinterpret_cast<char*>(huge.data() + 148), 8, "%06o", static_cast<unsigned>(sum));
  refuse(huge, "runs past the end");
  refuse(test::tar_archive({{std::string(5000, 'n'), bytes_of("x"), '0', true}}), "longer than 4096");
  refuse(std::vector<uint8_t>{0x1f, 0x8b, 8, 0, 0, 0}, "gzip-compressed");
}

TEST(NemoArchive, ReadsConfigAndWeightsInPlace) {
  test::TempDir dir;
  TorchStateDict w;
  w.add_f32("audio_decoder.pre_conv.conv.bias", {3}, {0.5f, 1.5f, 2.5f});
  test::write_nemo(dir / "codec.nemo", "sample_rate: 22050\nsamples_per_frame: 1764\n", w);
  for (const auto& p : {dir / "codec.nemo", dir.path()}) {
    model::NemoArchive a(p);
    EXPECT_EQ(a.config_yaml(), "sample_rate: 22050\nsamples_per_frame: 1764\n");
    EXPECT_EQ(a.weights().prefix(), "model_weights");
    const auto* b = a.weights().find("audio_decoder.pre_conv.conv.bias");
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(as_f32(a.weights().read(*b)), (std::vector<float>{0.5f, 1.5f, 2.5f}));
  }
  test::write_bytes(dir / "other.nemo", test::tar_archive({{"./model_config.yaml", bytes_of("x: 1")}}));
  EXPECT_NE(error_of([&] {
              model::NemoArchive a(dir / "other.nemo");
            }).find("needs model_config.yaml and model_weights.ckpt"),
            std::string::npos);
  EXPECT_NE(error_of([&] { model::NemoArchive a(dir.path()); }).find("more than one .nemo"), std::string::npos);
  EXPECT_EQ(error_of([&] { model::NemoArchive a(dir / "none.nemo"); }).find("no such file") != std::string::npos, true);
}

// ---- bounded deterministic mutation (the libFuzzer harness in tests/fuzz runs longer) ----

TEST(TorchCheckpointFuzz, MutatedInputsNeverCrash) {
  TorchStateDict d = rich_state_dict();
  const std::vector<uint8_t> pickle = test::torch_pickle(d);
  const std::vector<uint8_t> zip = test::torch_zip(d);
  TorchStateDict small;
  small.add_f32("w", {2}, {1, 2});
  const std::vector<uint8_t> tar = test::tar_archive(
      {{"./model_config.yaml", bytes_of("a: 1\n")}, {"./model_weights.ckpt", test::torch_zip(small)}});
  std::mt19937_64 rng(20240614);
  const uint8_t interesting[] = {0x00, 0xff, 0x7f, 0x80, '(', ')', 't', 'R', 'b', 'Q', 'c', 'X', 0x8a, '.', 0x94, 'h'};
  auto mutate = [&](std::vector<uint8_t> v) {
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !v.empty(); ++e) {
      size_t at = rng() % v.size();
      switch (rng() % 5) {
        case 0:
          v[at] ^= static_cast<uint8_t>(1u << (rng() % 8));
          break;
        case 1:
          v[at] = interesting[rng() % std::size(interesting)];
          break;
        case 2:
          v.resize(at);
          break;
        case 3:
          v.insert(v.begin() + static_cast<long>(at), interesting[rng() % std::size(interesting)]);
          break;
        case 4:
          v.erase(v.begin() + static_cast<long>(at));
          break;
      }
    }
    return v;
  };
  int accepted = 0, refused = 0;
  for (int i = 0; i < 4000; ++i) {
    auto p = mutate(pickle);
    try {
      auto g = model::unpickle_restricted(p, "fuzz");
      model::state_dict_tensors(g, "fuzz");
      ++accepted;
    } catch (const Error&) {
      ++refused;
    }
  }
  for (int i = 0; i < 600; ++i) {
    auto z = mutate(zip);
    try {
      model::TorchCheckpoint c(z, "fuzz.bin");
      for (const auto& t : c.tensors()) EXPECT_EQ(c.read(t).size(), t.nbytes());
      ++accepted;
    } catch (const Error&) {
      ++refused;
    }
  }
  for (int i = 0; i < 600; ++i) {
    auto t = mutate(tar);
    try {
      for (const auto& m : model::list_tar(t, "fuzz.tar")) EXPECT_LE(m.offset + m.size, t.size());
      ++accepted;
    } catch (const Error&) {
      ++refused;
    }
  }
  EXPECT_GT(refused, 1000);
  EXPECT_GT(accepted, 10);  // some mutations are harmless (a changed value); they must still parse
}

}  // namespace
}  // namespace vole
