#pragma once
// Runs a program as a hostile user would, with the bounds the hostile tests assert:
// a wall-clock limit (the child is killed past it) and an address-space limit
// (RLIMIT_AS), stdout and stderr captured, the time it took measured.
#include <filesystem>
#include <string>
#include <vector>

namespace vole::test {

struct ProcessLimits {
  double timeout_seconds = 60;
  size_t address_space_bytes = 0;  // 0: no limit
  std::filesystem::path stdin_path = "/dev/null";
};

struct ProcessResult {
  int exit_code = -1;  // -1 when killed by a signal
  int signal = 0;      // the signal that ended it (SIGKILL when it ran past the timeout)
  bool timed_out = false;
  double seconds = 0;
  std::string out, err;
};

ProcessResult run_process(const std::vector<std::string>& argv, const ProcessLimits& limits = {});

// build/bin/vole with `args`.
ProcessResult run_vole(const std::vector<std::string>& args, const ProcessLimits& limits = {});

// Whether this binary runs under AddressSanitizer (which cannot run under RLIMIT_AS).
bool under_asan();

}  // namespace vole::test
