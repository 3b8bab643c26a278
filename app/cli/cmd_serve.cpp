// `vole serve`: the OpenAI-compatible API on this computer (engine/server).
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <vector>

#include "command.h"
#include "engine_args.h"
#include "server/access.h"
#include "server/api_server.h"
#include "speech/espeak_speaker.h"

namespace vole::cli {

namespace {

// What a model folder holds, as far as serving goes.
enum class ServedKind { Chat, Embedding, Transcription };

ServedKind served_kind(const std::filesystem::path& dir) {
  if (std::filesystem::exists(dir / "modules.json")) return ServedKind::Embedding;  // sentence-transformers
  std::ifstream in(dir / "config.json");
  auto config = nlohmann::json::parse(in, nullptr, false);
  if (config.is_object() && config.value("model_type", "") == "moonshine") return ServedKind::Transcription;
  return ServedKind::Chat;
}

}  // namespace

static int run_serve(Args& args) {
  // SIGINT/SIGTERM are taken by sigwait below, in this thread only: block them before
  // any thread starts so none of the server's threads receives them. A client that
  // hangs up must not kill the process through SIGPIPE.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  // -m may be repeated: chat models and sentence-transformers embedding models (a folder
  // with modules.json) served side by side on one device.
  bool weights_given = args.has({"--weights"});
  ModelArgs model_args = parse_model_args(args);
  std::vector<std::filesystem::path> dirs{model_args.dir};
  for (const std::string& d : args.get_all({"-m", "--model"})) dirs.emplace_back(d);
  server::ServerOptions options;
  options.host = args.get_or({"--host"}, "127.0.0.1");
  options.port = static_cast<int>(args.get_int({"--port"}, 8080));
  // The key may come from the environment so it does not show in the process list.
  const char* env_key = std::getenv("VOLE_API_KEY");
  options.api_key = args.get_or({"--api-key"}, env_key ? env_key : "");
  int64_t queue = args.get_int({"--max-queue"}, 8);
  int64_t body_mb = args.get_int({"--max-body-mb"}, 8);
  int64_t queue_timeout = args.get_int({"--queue-timeout"}, 300);
  std::vector<std::string> names = args.get_all({"--name"});
  bool quiet = args.flag("--quiet");
  bool speech = !args.flag("--no-speech");
  args.finish();
  require(queue >= 0 && queue <= 4096, "--max-queue must be in 0..4096");
  require(body_mb >= 1 && body_mb <= 1024, "--max-body-mb must be in 1..1024");
  require(queue_timeout >= 1 && queue_timeout <= 86400, "--queue-timeout must be in 1..86400 seconds");
  options.queue_timeout = std::chrono::seconds(queue_timeout);
  options.max_queue = static_cast<size_t>(queue);
  options.max_body_bytes = static_cast<size_t>(body_mb) << 20;
  require(names.size() <= dirs.size(), "--name is given more often than -m (one name per model, in order)");
  for (size_t i = names.size(); i < dirs.size(); ++i)
    names.push_back(dirs[i].filename().empty() ? dirs[i].parent_path().filename().string()
                                               : dirs[i].filename().string());
  static std::mutex log_mutex;
  if (!quiet)
    options.log = [](const std::string& line) {
      std::lock_guard lock(log_mutex);
      std::fprintf(stderr, "vole serve: %s\n", line.c_str());
    };

  // Refused before the model loads rather than after (ApiServer::start checks it too).
  require(server::is_loopback_host(options.host) || !options.api_key.empty(),
          "serving on '" + options.host + "' (beyond this computer) requires an API key (--api-key)");
  auto device = std::make_shared<runtime::Device>(
      runtime::DeviceOptions{model_args.options.device, model_args.options.gpu_memory_limit});
  std::vector<std::unique_ptr<runtime::Engine>> engines;
  std::vector<std::unique_ptr<runtime::EmbeddingModel>> embedders;
  server::ApiServer api(options);
  for (size_t i = 0; i < dirs.size(); ++i) {
    ServedKind kind = served_kind(dirs[i]);
    if (kind == ServedKind::Embedding) {
      runtime::EmbeddingOptions eo;
      if (weights_given) eo.weights = model_args.options.weights;  // else the checkpoint's own
      embedders.push_back(std::make_unique<runtime::EmbeddingModel>(device, dirs[i], eo));
      api.add_embedding_model(names[i], *embedders.back());
      continue;
    }
    ModelArgs m = model_args;
    m.dir = dirs[i];
    if (kind == ServedKind::Transcription && !weights_given)
      m.options.weights = model::Format::F16;  // as vole transcribe
    engines.push_back(load_engine(m, device));
    if (kind == ServedKind::Transcription)
      api.add_transcription_model(names[i], *engines.back());
    else
      api.add_model(names[i], *engines.back());
  }
  // The espeak-ng voice needs no model: served unless asked not to (voice: any of
  // espeak's voices or languages; speed: its rate).
  if (speech) {
    try {
      speech::EspeakSpeaker probe;  // espeak-ng's data is missing: said once here, not per request
      api.add_speech_model("espeak-ng", [](const std::string& voice, double speed) {
        return std::make_unique<speech::EspeakSpeaker>(speech::EspeakOptions{voice, speed});
      });
      names.push_back("espeak-ng");
    } catch (const Error& e) {
      std::fprintf(stderr, "vole serve: no speech voice (%s)\n", e.what());
    }
  }
  int port = api.start();
  std::string shown_host = options.host.find(':') != std::string::npos ? "[" + options.host + "]" : options.host;
  // Tests and scripts read this line for the port (with --port 0).
  std::string shown_names;
  for (const auto& n : names) shown_names += (shown_names.empty() ? "'" : ", '") + n + "'";
  std::fprintf(stderr, "vole serve: model%s %s at http://%s:%d/v1%s\n", names.size() > 1 ? "s" : "",
               shown_names.c_str(), shown_host.c_str(), port, options.api_key.empty() ? "" : " (API key required)");
  std::fflush(stderr);

  int sig = 0;
  sigwait(&stop_signals, &sig);
  std::fprintf(stderr, "vole serve: stopping\n");
  api.stop();
  return 0;
}

VOLE_COMMAND("serve",
             "-m DIR [-m DIR ...] [--host 127.0.0.1] [--port 8080] [--api-key KEY | env VOLE_API_KEY] "
             "[--name NAME ...] [--max-queue N] [--queue-timeout S] [--max-body-mb N] [--no-speech] [--quiet]  "
             "OpenAI-compatible API (chat, embedding and Moonshine speech-to-text models, the espeak-ng voice; "
             "loopback unless a key is set)",
             run_serve);

}  // namespace vole::cli
