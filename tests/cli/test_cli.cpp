// The `vole` CLI as a user runs it: a real process on tiny generated checkpoints.
// Output formats other tools rely on (vole logits, vole bench --json) are checked
// exactly; bad input must give a non-zero exit and a one-line message.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "arch/qwen3_5/qwen3_5.h"
#include "image/decode.h"
#include "image/preprocess.h"
#include "reference/nanocodec.h"
#include "reference/vision.h"
#include "runtime/embedding_model.h"
#include "support/codec_writer.h"
#include "support/model_fixture.h"
#include "support/oracles.h"
#include "util/file.h"

using namespace vole;
using namespace vole::test;

namespace {

struct Result {
  int exit_code = -1;
  std::string out, err;
};

Result run_vole(const std::string& args, const TempDir& dir, const std::string& stdin_path = "/dev/null") {
  auto out = dir / "stdout.txt", err = dir / "stderr.txt";
  std::string cmd = (binary_dir() / "bin" / "vole").string() + " " + args + " >" + out.string() + " 2>" + err.string() +
                    " <" + stdin_path;
  int status = std::system(cmd.c_str());
  Result r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_text_file(out);
  r.err = read_text_file(err);
  return r;
}

size_t lines(const std::string& s) {
  size_t n = 0;
  for (char c : s) n += c == '\n';
  return n + (!s.empty() && s.back() != '\n');
}

class Cli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir("vole-cli");
    small_ = new TinyModel(make_tiny_model(*dir_, "tiny-qwen3_5", CheckpointFormat::F32, 4096));
    full_ = new TinyModel(make_tiny_model(*dir_, "tiny-qwen3", CheckpointFormat::BF16, 0));
  }
  static void TearDownTestSuite() {
    delete small_;
    delete full_;
    delete dir_;
  }
  static std::string model(const TinyModel& m) { return "-m " + m.dir.string(); }

  static TempDir* dir_;
  static TinyModel *small_, *full_;
};
TempDir* Cli::dir_ = nullptr;
TinyModel* Cli::small_ = nullptr;
TinyModel* Cli::full_ = nullptr;

TEST_F(Cli, LogitsWritesEveryPositionAsLittleEndianF32) {
  auto out = *dir_ / "logits.bin";
  auto r = run_vole("logits " + model(*small_) + " --tokens 5,17,4000,2 --weights f32 --out " + out.string(), *dir_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  MappedFile f(out);
  ASSERT_EQ(f.size(), 4u * 4096 * 4) << "[n_tokens, vocab] float32";
  const float* got = reinterpret_cast<const float*>(f.data());

  auto weights = reference_weights(small_->dir, model::Format::F32);
  runtime::Engine engine(small_->dir, engine_options(model::Format::F32));
  ref::ReferenceModel reference(reference_spec(small_->spec), weights);
  auto want = reference.forward({5, 17, 4000, 2});
  for (int t = 0; t < 4; ++t) EXPECT_LT(relative_error(got + t * 4096, want[t].data(), 4096), 2e-3) << "row " << t;

  // "top-5 of last position: a b c d e"
  std::vector<int32_t> order(4096);
  std::iota(order.begin(), order.end(), 0);
  std::partial_sort(order.begin(), order.begin() + 5, order.end(),
                    [&](int32_t a, int32_t b) { return got[3 * 4096 + a] > got[3 * 4096 + b]; });
  std::ostringstream top;
  for (int i = 0; i < 5; ++i) top << " " << order[i];
  EXPECT_NE(r.out.find("top-5 of last position:" + top.str()), std::string::npos) << r.out;
}

TEST_F(Cli, RunStreamsAnAnswerWithTheChatTemplateAndRaw) {
  auto r = run_vole("run " + model(*full_) + " -p 'Hello there' -n 6 --temp 0", *dir_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(r.out.empty());
  EXPECT_NE(r.err.find("prompt tokens"), std::string::npos) << "statistics on stderr: " << r.err;
  auto raw = run_vole("run " + model(*full_) + " -p 'Once upon a time' -n 4 --raw --seed 3", *dir_);
  ASSERT_EQ(raw.exit_code, 0) << raw.err;
}

TEST_F(Cli, BenchJsonHasThePpAndTgTests) {
  auto r = run_vole("bench " + model(*small_) + " -p 8 -n 4 -r 1 --json", *dir_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["tests"].size(), 2u);
  EXPECT_EQ(j["tests"][0]["test"], "pp8");
  EXPECT_EQ(j["tests"][1]["test"], "tg4");
  EXPECT_GT(j["tests"][1]["tps_mean"].get<double>(), 0);
  EXPECT_GT(j["copy_gbps"].get<double>(), 0);
  EXPECT_GT(j["peak_device_bytes"].get<uint64_t>(), j["decode_weight_bytes_per_token"].get<uint64_t>());
}

// Bad input: a clear one-line message and a non-zero exit, never a crash.
TEST_F(Cli, BadInputIsAOneLineError) {
  struct Case {
    std::string args, needle;
  } cases[] = {
      {"logits " + model(*small_) + " --tokens 1,4096 --out " + (*dir_ / "x.bin").string(), "outside the vocabulary"},
      {"logits " + model(*small_) + " --tokens 1,x --out " + (*dir_ / "x.bin").string(), "comma-separated"},
      {"run -m " + (*dir_ / "no-such-model").string() + " -p hi", "no-such-model"},
      {"run " + model(*full_) + " -p 'a long prompt that does not fit into sixteen tokens of context at all' --ctx 16",
       "context length"},
      {"run " + model(*full_) + " -p hi --temp -1", "temperature"},
      {"run " + model(*full_) + " -p hi --bogus", "unknown argument"},
  };
  for (const auto& c : cases) {
    auto r = run_vole(c.args, *dir_);
    EXPECT_NE(r.exit_code, 0) << c.args;
    EXPECT_NE(r.err.find(c.needle), std::string::npos) << c.args << "\nstderr: " << r.err;
    EXPECT_EQ(lines(r.err), 1u) << c.args << "\nstderr: " << r.err;
  }
}

TEST_F(Cli, UnknownArchitectureAndMismatchedTensorsAreClearErrors) {
  auto bad = *dir_ / "llama";
  std::filesystem::create_directories(bad);
  for (const char* f : {"model.safetensors", "tokenizer.json", "tokenizer_config.json"})
    std::filesystem::copy_file(small_->dir / f, bad / f, std::filesystem::copy_options::overwrite_existing);
  write_file_atomic(bad / "config.json",
                    std::string(R"({"architectures": ["LlamaForCausalLM"], "model_type": "llama"})"));
  auto r = run_vole("run -m " + bad.string() + " -p hi --raw", *dir_);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("qwen3"), std::string::npos) << "the error lists what is supported: " << r.err;

  // A config whose hidden size disagrees with the tensors.
  std::string config = read_text_file(small_->dir / "config.json");
  auto pos = config.find("\"hidden_size\": 128");
  ASSERT_NE(pos, std::string::npos);
  config.replace(pos, 18, "\"hidden_size\": 256");
  write_file_atomic(bad / "config.json", config);
  r = run_vole("run -m " + bad.string() + " -p hi --raw", *dir_);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("shape"), std::string::npos) << r.err;
  EXPECT_EQ(lines(r.err), 1u) << r.err;
}

}  // namespace

// `vole speak` needs no model: espeak-ng into a WAV file, text from arguments or stdin.
// `vole run --image`: a tiny Qwen3.5 with its vision tower, Qwen3.5's chat template and
// preprocessor_config.json; two images (PNG and JPEG written by ImageMagick) answered
// about; bad files and a model without a tower refused with one line.
TEST_F(Cli, RunAnswersAboutImages) {
  auto vision = make_tiny_model(
      *dir_, "tiny-qwen3_5", CheckpointFormat::F32, 0, 7, true,
      [](CheckpointSpec& s) {
        s.preprocessor_config = true;
        s.chat_template = source_dir() / "tests/fixtures/templates/qwen3_5_0_8b/chat_template.jinja";
      },
      "-vision");
  auto png = *dir_ / "a.png", jpg = *dir_ / "b.jpg", junk = *dir_ / "junk.png";
  ASSERT_EQ(std::system(("convert -size 80x48 gradient:red-blue " + png.string()).c_str()), 0);
  ASSERT_EQ(std::system(("convert -size 40x72 plasma:fractal -seed 3 " + jpg.string()).c_str()), 0);
  std::ofstream(junk) << "not an image at all";
  std::string base = "run -m " + vision.dir.string() + " --weights f32 -n 3 --temp 0 -p 'What is in these pictures?'";

  auto r = run_vole(base + " --image " + png.string() + " --image " + jpg.string(), *dir_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // 80x48 -> 64x64 pixels, 4 image tokens; 40x72 -> 96x64 (the tiny budget's minimum area), 6 tokens.
  auto text = run_vole(base, *dir_);
  ASSERT_EQ(text.exit_code, 0) << text.err;
  auto prompt_tokens = [](const std::string& err) {
    auto at = err.find(" prompt tokens");
    auto begin = err.rfind('[', at);
    return std::stoll(err.substr(begin + 1, at - begin - 1));
  };
  EXPECT_GT(prompt_tokens(r.err), prompt_tokens(text.err) + 2 * 3) << r.err << "\n" << text.err;

  // image-embeddings: the tower's output for one image, against the CPU reference.
  auto out = *dir_ / "emb.f32";
  auto e = run_vole("image-embeddings -m " + vision.dir.string() + " --weights f32 --image " + jpg.string() +
                        " --out " + out.string(),
                    *dir_);
  ASSERT_EQ(e.exit_code, 0) << e.err;
  EXPECT_EQ(e.out, "6 4 6\n");
  auto pre = image::preprocess_image(image::load_image(jpg).image,
                                     image::load_preprocessor_config(vision.dir / "preprocessor_config.json"),
                                     {.max_image_tokens = 0});
  auto vspec = ref::vision_spec(*parsed_config(vision.spec).as<arch::Qwen3_5Config>().vision);
  auto vweights = ref::load_vision_weights(vision.dir);
  auto want = ref::ReferenceVision(vspec, vweights).forward(pre.patches, {{pre.grid.t, pre.grid.h, pre.grid.w}});
  MappedFile f(out);
  ASSERT_EQ(f.size(), want.size() * 4);
  EXPECT_LT(relative_error(reinterpret_cast<const float*>(f.data()), want.data(), want.size()), 2e-3);

  struct Case {
    std::string args, needle;
  } cases[] = {
      {"image-embeddings -m " + vision.dir.string() + " --image " + junk.string() + " --out " + out.string(),
       "junk.png"},
      {"image-embeddings -m " + vision.dir.string() + " --image " + png.string() + " --out " + out.string() +
           " --max-pixels 100",
       "min_pixels"},
      {base + " --image " + junk.string(), "junk.png"},
      {base + " --image " + (*dir_ / "missing.png").string(), "missing.png"},
      {base + " --image " + png.string() + " --raw", "--raw"},
      {"run " + model(*full_) + " -p hi --image " + png.string(), "cannot see images"},
  };
  for (const auto& c : cases) {
    auto bad = run_vole(c.args, *dir_);
    EXPECT_NE(bad.exit_code, 0) << c.args;
    EXPECT_NE(bad.err.find(c.needle), std::string::npos) << c.args << "\nstderr: " << bad.err;
    EXPECT_EQ(lines(bad.err), 1u) << c.args << "\nstderr: " << bad.err;
  }
}

TEST(CliSpeak, WritesAWavFromArgumentsAndStdin) {
  TempDir dir("vole-cli-speak");
  auto wav = dir / "out.wav";
  auto r = run_vole("speak --espeak -o " + wav.string() + " \"Hello there. This is Vole speaking.\"", dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("2 pieces"), std::string::npos) << r.err;
  std::string bytes = read_text_file(wav);
  ASSERT_GT(bytes.size(), 44u);
  EXPECT_EQ(bytes.substr(0, 4), "RIFF");
  double seconds = static_cast<double>(bytes.size() - 44) / 2 / 22050;
  EXPECT_GT(seconds, 1.0);
  EXPECT_LT(seconds, 6.0);

  {
    std::ofstream in(dir / "answer.md");
    in << "# Steps\n\n- Open the file.\n- Save it.\n\n```sh\nls -la\n```\n";
  }
  r = run_vole("speak --rate 1.5 -o " + (dir / "steps.wav").string(), dir, (dir / "answer.md").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("4 pieces"), std::string::npos) << r.err;  // heading, 2 items, the code phrase
  r = run_vole("speak --voice de -o " + (dir / "de.wav").string() + " \"Guten Tag. Wie geht es?\"", dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("voice gmw/de"), std::string::npos) << r.err;

  r = run_vole("speak --voice no-such-voice -o " + (dir / "x.wav").string() + " hi", dir);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("no-such-voice"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir / "x.wav"));
  r = run_vole("speak hi", dir);  // -o is required
  EXPECT_NE(r.exit_code, 0);
  r = run_vole("speak --list-voices", dir);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_GT(lines(r.out), 50u);
}

// `vole embed` on a tiny EmbeddingGemma: [lines, dims] little-endian float32, unit rows equal
// to the engine's vectors for the same prompt, Matryoshka dims, prompts that change the vectors.
TEST(CliKnowledge, EmbedWritesOneUnitVectorPerLine) {
  if (!oracle_available(oracle_dir() / "node_modules" / "@lenml" / "tokenizer-gemma3" / "models"))
    GTEST_SKIP() << "the Gemma 3 tokenizer is missing";
  TempDir dir("vole-cli-embed");
  TinyModel m = make_tiny_model(dir, "tiny-embeddinggemma", CheckpointFormat::F32, 512);
  std::vector<std::string> texts{"The quick brown fox.", "", "Ein zweiter Satz über Füchse."};
  {
    std::ofstream in(dir / "lines.txt");
    for (const auto& t : texts) in << t << "\n";
  }
  auto embed = [&](const std::string& flags, const std::string& out) {
    return run_vole("embed -m " + m.dir.string() + " --weights f32 " + flags + " --out " + (dir / out).string(), dir,
                    (dir / "lines.txt").string());
  };
  auto r = embed("--query", "q.f32");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  MappedFile q(dir / "q.f32");
  ASSERT_EQ(q.size(), 3u * 128 * 4);
  const float* got = reinterpret_cast<const float*>(q.data());

  auto device = std::make_shared<runtime::Device>();
  runtime::EmbeddingModel model(device, m.dir, {.weights = model::Format::F32, .cache = model::CachePolicy::Off});
  std::vector<float> want = model.embed(texts, runtime::PromptKind::Query);
  for (size_t i = 0; i < want.size(); ++i) ASSERT_NEAR(got[i], want[i], 1e-5) << "value " << i;
  for (int row = 0; row < 3; ++row) {
    double s = 0;
    for (int c = 0; c < 128; ++c) s += static_cast<double>(got[row * 128 + c]) * got[row * 128 + c];
    EXPECT_NEAR(s, 1.0, 1e-5);
  }

  ASSERT_EQ(embed("--raw --dims 32", "raw.f32").exit_code, 0);
  MappedFile raw(dir / "raw.f32");
  ASSERT_EQ(raw.size(), 3u * 32 * 4);
  std::vector<float> raw_want = model.embed(texts, runtime::PromptKind::None, 32);
  const float* raw_got = reinterpret_cast<const float*>(raw.data());
  for (size_t i = 0; i < raw_want.size(); ++i) ASSERT_NEAR(raw_got[i], raw_want[i], 1e-5);
  ASSERT_EQ(embed("", "doc.f32").exit_code, 0);  // the document prompt by default
  MappedFile doc(dir / "doc.f32");
  EXPECT_NE(std::memcmp(doc.data(), q.data(), q.size()), 0) << "query and document prompts must differ";

  r = embed("--dims 129", "bad.f32");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("129"), std::string::npos) << r.err;
  r = embed("--query --raw", "bad.f32");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_FALSE(std::filesystem::exists(dir / "bad.f32"));
}

// A folder of documents indexed with the tiny embedder, searched, and a question answered by
// the tiny chat model with its sources listed.
TEST(CliKnowledge, IndexSearchAskAndRemove) {
  if (!oracle_available(oracle_dir() / "node_modules" / "@lenml" / "tokenizer-gemma3" / "models"))
    GTEST_SKIP() << "the Gemma 3 tokenizer is missing";
  TempDir dir("vole-cli-kb");
  TinyModel embedder = make_tiny_model(dir, "tiny-embeddinggemma", CheckpointFormat::F32, 512);
  TinyModel chat = make_tiny_model(dir, "tiny-qwen3", CheckpointFormat::BF16, 0);
  auto docs = dir / "docs";
  std::filesystem::create_directories(docs);
  std::ofstream(docs / "lighthouse.md") << "# Lighthouse\n\nThe lighthouse keeper lit the lamp at dusk every "
                                           "evening, and the beam swept across the harbour.\n";
  std::ofstream(docs / "bread.txt") << "Sourdough bread needs a starter, flour, water and salt. Knead, rest, bake.\n";
  std::ofstream(docs / "garden.txt") << "Tomatoes grow best in full sun with regular watering.\n";
  const std::string db = " --db " + (dir / "kb.db").string();
  const std::string e = " -e " + embedder.dir.string() + " --weights f32";

  auto r = run_vole("index add docs " + docs.string() + db, dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_vole("index update docs" + e + db, dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("3 files found, 3 indexed"), std::string::npos) << r.out;
  r = run_vole("index update" + e + db, dir);  // nothing changed: nothing read or embedded
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("3 unchanged"), std::string::npos) << r.out;
  r = run_vole("index status" + db, dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("3 documents indexed"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("3 with vectors"), std::string::npos) << r.out;

  // Random weights give arbitrary similarities: the floors are turned off, and only the keyword
  // ranking, fused by RRF, can put the right file first.
  r = run_vole("search docs \"sourdough starter\" -k 3 --json --min-similarity -1" + e + db, dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto hits = nlohmann::json::parse(r.out);
  ASSERT_FALSE(hits.empty()) << r.out;
  EXPECT_EQ(std::filesystem::path(hits[0]["path"].get<std::string>()).filename(), "bread.txt");

  r = run_vole("ask docs \"Who lit the lamp of the lighthouse?\" -m " + chat.dir.string() +
                   " --weights f32 -n 8 --temp 0 --min-similarity -1" + e + db,
               dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Sources:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("lighthouse.md"), std::string::npos) << r.out;

  // Whole-document mode: a long log read in parts that fit a small context, then combined.
  {
    std::ofstream log(docs / "log.txt");
    for (int i = 0; i < 120; ++i) log << "Entry " << i << ": the keeper wound the clock and trimmed the wick.\n";
  }
  r = run_vole("index update docs" + e + db, dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_vole("ask docs \"How many entries are there?\" --document log.txt --ctx 1024 -m " + chat.dir.string() +
                   " --weights f32 -n 8 --temp 0" + db,
               dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("reading part 2 of "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("combining notes"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("Sources:"), std::string::npos) << r.out;
  r = run_vole("ask docs \"Summarise.\" --document nope.txt -m " + chat.dir.string() + " --weights f32" + db, dir);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("not an indexed document of collection docs"), std::string::npos) << r.err;

  r = run_vole("search nope \"x\"" + db, dir);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("docs"), std::string::npos) << r.err;  // names the collections there are
  r = run_vole("index rm docs" + db, dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_vole("index status" + db, dir);
  EXPECT_NE(r.out.find("no collections"), std::string::npos) << r.out;
}

// `vole codec-decode`: the NanoCodec decoder alone on a generated .nemo, against the CPU
// reference; bad codes files are refused.
TEST(CliCodec, CodecDecodeMatchesReference) {
  TempDir dir("vole-cli-codec");
  CodecSpec spec;
  vole::ref::WeightMap weights = write_nanocodec(dir / "nano.nemo", spec);
  std::vector<std::vector<int32_t>> codes(4);
  {
    std::ofstream f(dir / "codes.txt");
    for (size_t c = 0; c < 4; ++c) {
      for (int t = 0; t < 9; ++t) {
        codes[c].push_back(static_cast<int32_t>((t * 509 + static_cast<int>(c) * 1231) % 4032));
        f << (t ? "," : "") << codes[c].back();
      }
      f << "\n";
    }
  }
  auto r = run_vole("codec-decode -m " + (dir / "nano.nemo").string() + " --codes " + (dir / "codes.txt").string() +
                        " -o " + (dir / "out.f32").string(),
                    dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string bytes = read_text_file(dir / "out.f32");
  ASSERT_EQ(bytes.size(), 9u * 6u * 4u);
  std::vector<float> got(bytes.size() / 4);
  std::memcpy(got.data(), bytes.data(), bytes.size());
  vole::ref::NanoCodecSpec rs;
  rs.base_channels = spec.channels;
  rs.up_rates = spec.up_rates;
  rs.res_kernels = spec.res_kernels;
  rs.res_dilations = spec.res_dilations;
  auto want = vole::ref::NanoCodecDecoder(rs, weights).decode_all(codes);
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], 2e-4) << i;

  { std::ofstream(dir / "bad.txt") << "1,2,3\n1,2,3\n1,2,3\n1,2,4032\n"; }
  r = run_vole("codec-decode -m " + dir.path().string() + " --codes " + (dir / "bad.txt").string() + " -o " +
                   (dir / "bad.f32").string(),
               dir);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("4032"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "bad.f32"));
  { std::ofstream(dir / "junk.txt") << "1,x\n"; }
  r = run_vole("codec-decode -m " + dir.path().string() + " --codes " + (dir / "junk.txt").string() + " -o " +
                   (dir / "junk.f32").string(),
               dir);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("junk.txt:1"), std::string::npos) << r.err;
}
