#include "util/error.h"

namespace vole {

const char* error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::InvalidArgument: return "invalid argument";
    case ErrorCode::InvalidFile: return "invalid file";
    case ErrorCode::Unsupported: return "unsupported";
    case ErrorCode::NotFound: return "not found";
    case ErrorCode::Io: return "I/O error";
    case ErrorCode::OutOfMemory: return "out of memory";
    case ErrorCode::DeviceLost: return "device lost";
    case ErrorCode::Gpu: return "GPU error";
    case ErrorCode::ContextFull: return "context full";
    case ErrorCode::Cancelled: return "cancelled";
    case ErrorCode::Network: return "network error";
    case ErrorCode::Internal: return "internal error";
  }
  return "error";
}

void fail(ErrorCode code, const std::string& message) { throw Error(code, message); }

}  // namespace vole
