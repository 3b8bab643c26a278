#pragma once
// Subcommands of the `vole` CLI register themselves with VOLE_COMMAND; main() looks
// them up by name. Each returns the process exit code.
#include <functional>
#include <string>
#include <vector>

#include "args.h"

namespace vole::cli {

struct Command {
  std::string name;
  std::string usage;  // one line: arguments and what it does
  std::function<int(Args&)> run;
};

std::vector<Command>& command_table();
bool register_command(Command command);

}  // namespace vole::cli

#define VOLE_CLI_CONCAT2(a, b) a##b
#define VOLE_CLI_CONCAT(a, b) VOLE_CLI_CONCAT2(a, b)
#define VOLE_COMMAND(name, usage, fn) \
  static const bool VOLE_CLI_CONCAT(vole_cmd_registered_, __LINE__) = ::vole::cli::register_command({name, usage, fn})
