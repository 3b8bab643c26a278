// `vole`: the command-line front end of the engine.
#include <algorithm>
#include <cstdio>
#include <string>

#include "command.h"
#include "util/error.h"

namespace vole::cli {

std::vector<Command>& command_table() {
  static std::vector<Command> table;
  return table;
}

bool register_command(Command command) {
  command_table().push_back(std::move(command));
  return true;
}

}  // namespace vole::cli

static void print_usage() {
  auto table = vole::cli::command_table();
  std::sort(table.begin(), table.end(), [](auto& a, auto& b) { return a.name < b.name; });
  std::fprintf(stderr, "usage: vole <command> [options]\n\ncommands:\n");
  for (auto& c : table) std::fprintf(stderr, "  %-10s %s\n", c.name.c_str(), c.usage.c_str());
}

int main(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
    print_usage();
    return argc < 2 ? 2 : 0;
  }
  std::string name = argv[1];
  for (auto& c : vole::cli::command_table()) {
    if (c.name != name) continue;
    vole::cli::Args args(std::vector<std::string>(argv + 2, argv + argc));
    try {
      return c.run(args);
    } catch (const vole::Error& e) {
      std::fprintf(stderr, "vole %s: %s: %s\n", name.c_str(), vole::error_code_name(e.code()), e.what());
      return 1;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "vole %s: %s\n", name.c_str(), e.what());
      return 1;
    }
  }
  std::fprintf(stderr, "vole: unknown command '%s'\n\n", name.c_str());
  print_usage();
  return 2;
}
