#pragma once
// Why a hub operation failed, in terms a front end can act on: retry later (Network),
// ask for a token (Gated / Unauthorized), free space (NoSpace), report corruption
// (Integrity). HubError carries that next to the usual vole::Error code and message.
#include <string>

#include "util/error.h"

namespace vole::hub {

enum class Failure {
  None,
  Network,       // connection refused/dropped, timeouts, 5xx: usually worth retrying
  Tls,           // the server's certificate did not verify (never bypassed)
  Unauthorized,  // 401/403 without a gated marker: private repo or bad token
  Gated,         // the repo needs its licence accepted and a token
  NotFound,      // repo, revision or file does not exist
  Integrity,     // size/hash/Content-Range mismatch, malformed header or hub response
  NoSpace,       // the download does not fit the disk or the user's quota
  Io,            // the local file system refused a read or write
  Cancelled,     // stopped by the user (pause, cancel) or shutdown
  InvalidInput,  // malformed repo id, revision or request
  Internal,      // a bug in Vole
};

const char* failure_name(Failure failure);

class HubError : public Error {
 public:
  HubError(Failure failure, const std::string& message, bool retryable = false, long http_status = 0);
  Failure failure() const { return failure_; }
  bool retryable() const { return retryable_; }
  long http_status() const { return http_status_; }

 private:
  Failure failure_;
  bool retryable_;
  long http_status_;
};

[[noreturn]] void fail_hub(Failure failure, const std::string& message, bool retryable = false,
                           long http_status = 0);

// `e` with "<what>: " in front of its message, unless it already names `what`.
HubError with_context(const HubError& e, const std::string& what);

// The Failure of any exception that reached the hub: HubError says it directly, a plain
// vole::Error is mapped from its code, anything else is Internal.
Failure failure_of(const std::exception& e);

}  // namespace vole::hub
