// `vole serve`: the OpenAI-compatible API on this computer (engine/server).
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "command.h"
#include "engine_args.h"
#include "server/access.h"
#include "server/api_server.h"

namespace vole::cli {

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

  ModelArgs model_args = parse_model_args(args);
  server::ServerOptions options;
  options.host = args.get_or({"--host"}, "127.0.0.1");
  options.port = static_cast<int>(args.get_int({"--port"}, 8080));
  // The key may come from the environment so it does not show in the process list.
  const char* env_key = std::getenv("VOLE_API_KEY");
  options.api_key = args.get_or({"--api-key"}, env_key ? env_key : "");
  int64_t queue = args.get_int({"--max-queue"}, 8);
  int64_t body_mb = args.get_int({"--max-body-mb"}, 8);
  int64_t queue_timeout = args.get_int({"--queue-timeout"}, 300);
  std::string name = args.get_or({"--name"}, "");
  bool quiet = args.flag("--quiet");
  args.finish();
  require(queue >= 0 && queue <= 4096, "--max-queue must be in 0..4096");
  require(body_mb >= 1 && body_mb <= 1024, "--max-body-mb must be in 1..1024");
  require(queue_timeout >= 1 && queue_timeout <= 86400, "--queue-timeout must be in 1..86400 seconds");
  options.queue_timeout = std::chrono::seconds(queue_timeout);
  options.max_queue = static_cast<size_t>(queue);
  options.max_body_bytes = static_cast<size_t>(body_mb) << 20;
  if (name.empty())
    name = model_args.dir.filename().empty() ? model_args.dir.parent_path().filename().string()
                                             : model_args.dir.filename().string();
  static std::mutex log_mutex;
  if (!quiet)
    options.log = [](const std::string& line) {
      std::lock_guard lock(log_mutex);
      std::fprintf(stderr, "vole serve: %s\n", line.c_str());
    };

  // Refused before the model loads rather than after (ApiServer::start checks it too).
  require(server::is_loopback_host(options.host) || !options.api_key.empty(),
          "serving on '" + options.host + "' (beyond this computer) requires an API key (--api-key)");
  auto engine = load_engine(model_args);
  server::ApiServer api(options);
  api.add_model(name, *engine);
  int port = api.start();
  std::string shown_host = options.host.find(':') != std::string::npos ? "[" + options.host + "]" : options.host;
  // Tests and scripts read this line for the port (with --port 0).
  std::fprintf(stderr, "vole serve: model '%s' at http://%s:%d/v1%s\n", name.c_str(), shown_host.c_str(), port,
               options.api_key.empty() ? "" : " (API key required)");
  std::fflush(stderr);

  int sig = 0;
  sigwait(&stop_signals, &sig);
  std::fprintf(stderr, "vole serve: stopping\n");
  api.stop();
  return 0;
}

VOLE_COMMAND("serve",
             "-m DIR [--host 127.0.0.1] [--port 8080] [--api-key KEY | env VOLE_API_KEY] [--name NAME] "
             "[--max-queue N] [--queue-timeout S] [--max-body-mb N] [--quiet]  OpenAI-compatible API (loopback unless "
             "a key is set)",
             run_serve);

}  // namespace vole::cli
