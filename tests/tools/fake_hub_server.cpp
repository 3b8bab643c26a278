// vole-fake-hub: the loopback fake Hugging Face hub of the tests (tests/support/fake_hub.h)
// as a process, for tests that drive the real app (VOLE_HUB_URL=<its url>). Serves one
// folder as one repo: *.safetensors as LFS files through the CDN redirect, everything
// else as plain git files; --duration slows every file down to take about that long, so
// a test can catch a download in progress.
//
// Prints "url=http://127.0.0.1:PORT" once listening. Then each line on stdin is a
// command: "stats" prints one JSON line (API requests, per-file requests, body bytes and
// Range headers seen); end of input stops the server.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "support/fake_hub.h"

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

constexpr const char* kUsage =
    "usage: vole-fake-hub --repo OWNER/NAME --dir FOLDER [--duration SECONDS] [--gated TOKEN]\n";

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

[[noreturn]] void usage_error(const std::string& msg) {
  std::fprintf(stderr, "vole-fake-hub: %s\n%s", msg.c_str(), kUsage);
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string repo, dir, gated;
  double duration = 0;
  for (size_t i = 0; i < args.size(); ++i) {
    auto value = [&]() -> std::string {
      if (i + 1 >= args.size()) usage_error(args[i] + " needs a value");
      return args[++i];
    };
    if (args[i] == "--repo")
      repo = value();
    else if (args[i] == "--dir")
      dir = value();
    else if (args[i] == "--duration")
      duration = std::stod(value());
    else if (args[i] == "--gated")
      gated = value();
    else
      usage_error("unknown option " + args[i]);
  }
  if (repo.empty() || dir.empty()) usage_error("--repo and --dir are required");

  std::map<std::string, vole::test::FakeFile> files;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::string path = fs::relative(entry.path(), dir).generic_string();
    files[path] = {read_all(entry.path()), entry.path().extension() == ".safetensors"};
  }
  if (files.empty()) usage_error(dir + " has no files");

  vole::test::FakeHub hub;
  hub.add_repo(repo, files);
  if (!gated.empty()) hub.set_gated(repo, gated);
  if (duration > 0) {
    // Each file in slices every 20 ms, sized so that the whole file takes `duration`.
    for (const auto& [path, file] : files) {
      double slices = duration * 50;
      auto slice = static_cast<size_t>(std::max(1.0, static_cast<double>(file.content.size()) / slices));
      hub.set_fault(repo, path, {.throttle_bytes = slice, .throttle_interval = 20ms});
    }
  }
  std::printf("url=%s\n", hub.url().c_str());
  std::fflush(stdout);

  std::string line;
  while (std::getline(std::cin, line)) {
    if (line != "stats") continue;
    nlohmann::json stats = {{"api_requests", hub.api_requests()}, {"files", nlohmann::json::object()}};
    for (const auto& [path, file] : files)
      stats["files"][path] = {{"requests", hub.file_requests(repo, path)},
                              {"bytes", hub.bytes_served(repo, path)},
                              {"size", file.content.size()},
                              {"ranges", hub.ranges_seen(repo, path)}};
    std::printf("%s\n", stats.dump().c_str());
    std::fflush(stdout);
  }
  return 0;
}
