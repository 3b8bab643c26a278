#include "hub/failure.h"

namespace vole::hub {

namespace {
ErrorCode error_code_for(Failure failure) {
  switch (failure) {
    case Failure::NotFound: return ErrorCode::NotFound;
    case Failure::Integrity: return ErrorCode::InvalidFile;
    case Failure::NoSpace:
    case Failure::Io: return ErrorCode::Io;
    case Failure::Cancelled: return ErrorCode::Cancelled;
    case Failure::InvalidInput: return ErrorCode::InvalidArgument;
    case Failure::Internal: return ErrorCode::Internal;
    default: return ErrorCode::Network;
  }
}
}  // namespace

const char* failure_name(Failure failure) {
  switch (failure) {
    case Failure::None: return "none";
    case Failure::Network: return "network";
    case Failure::Tls: return "tls";
    case Failure::Unauthorized: return "unauthorized";
    case Failure::Gated: return "gated";
    case Failure::NotFound: return "not-found";
    case Failure::Integrity: return "integrity";
    case Failure::NoSpace: return "no-space";
    case Failure::Io: return "io";
    case Failure::Cancelled: return "cancelled";
    case Failure::InvalidInput: return "invalid-input";
    case Failure::Internal: return "internal";
  }
  return "unknown";
}

HubError::HubError(Failure failure, const std::string& message, bool retryable, long http_status)
    : Error(error_code_for(failure), message), failure_(failure), retryable_(retryable), http_status_(http_status) {}

void fail_hub(Failure failure, const std::string& message, bool retryable, long http_status) {
  throw HubError(failure, message, retryable, http_status);
}

HubError with_context(const HubError& e, const std::string& what) {
  std::string msg = e.what();
  if (msg.find(what) == std::string::npos) msg = what + ": " + msg;
  return HubError(e.failure(), msg, e.retryable(), e.http_status());
}

Failure failure_of(const std::exception& e) {
  if (auto* h = dynamic_cast<const HubError*>(&e)) return h->failure();
  if (auto* v = dynamic_cast<const Error*>(&e)) {
    switch (v->code()) {
      case ErrorCode::InvalidArgument: return Failure::InvalidInput;
      case ErrorCode::InvalidFile:
      case ErrorCode::Unsupported: return Failure::Integrity;
      case ErrorCode::NotFound: return Failure::NotFound;
      case ErrorCode::Io:
      case ErrorCode::OutOfMemory: return Failure::Io;
      case ErrorCode::Cancelled: return Failure::Cancelled;
      case ErrorCode::Network: return Failure::Network;
      default: return Failure::Internal;
    }
  }
  if (dynamic_cast<const std::bad_alloc*>(&e)) return Failure::Io;
  return Failure::Internal;
}

}  // namespace vole::hub
