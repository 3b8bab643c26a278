#pragma once
// One exception type for the whole engine. Every failure that reaches a caller is a
// vole::Error with a category (so front ends can react: retry, ask the user, give up)
// and a one-line message that names what failed.
#include <stdexcept>
#include <string>

namespace vole {

enum class ErrorCode {
  InvalidArgument,  // caller passed something malformed (bad shape, bad option)
  InvalidFile,      // a file on disk is corrupt, truncated or hostile
  Unsupported,      // well-formed but not something Vole handles (architecture, dtype)
  NotFound,         // file, model, tensor or record missing
  Io,               // the operating system refused a read/write (disk full, permissions)
  OutOfMemory,      // host or device memory exhausted
  DeviceLost,       // the GPU went away; the context must be recreated
  Gpu,              // any other Vulkan failure
  ContextFull,      // a session ran out of context window
  Cancelled,        // the user stopped the operation
  Network,          // a download failed
  Internal,         // a bug in Vole
};

const char* error_code_name(ErrorCode code);

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message)
      : std::runtime_error(message), code_(code) {}
  ErrorCode code() const { return code_; }

 private:
  ErrorCode code_;
};

[[noreturn]] void fail(ErrorCode code, const std::string& message);

// Checks a precondition on caller input; throws InvalidArgument with the message.
inline void require(bool condition, const std::string& message) {
  if (!condition) fail(ErrorCode::InvalidArgument, message);
}

}  // namespace vole
