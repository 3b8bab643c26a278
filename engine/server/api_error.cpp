#include "server/api_error.h"

namespace vole::server {

nlohmann::json ApiError::body() const {
  nlohmann::json e = {{"message", what()}, {"type", type_}, {"param", nullptr}, {"code", nullptr}};
  if (!param_.empty()) e["param"] = param_;
  if (!code_.empty()) e["code"] = code_;
  return {{"error", e}};
}

ApiError invalid_request(const std::string& message, const std::string& param, const std::string& code) {
  return ApiError(400, "invalid_request_error", message, param, code);
}

ApiError unauthorized() {
  return ApiError(401, "invalid_request_error", "missing or incorrect API key (send 'Authorization: Bearer KEY')", {},
                  "invalid_api_key");
}

ApiError model_not_found(const std::string& model) {
  // The name is echoed as JSON text only; it never reaches the file system.
  return ApiError(404, "invalid_request_error", "the model '" + model + "' does not exist", "model", "model_not_found");
}

ApiError too_large(const std::string& message) { return ApiError(413, "invalid_request_error", message); }

ApiError queue_full() {
  return ApiError(429, "rate_limit_exceeded", "the server is busy: the request queue is full; retry later", {},
                  "queue_full");
}

ApiError queue_timeout(std::chrono::seconds waited) {
  return ApiError(503, "server_error",
                  "timed out after " + std::to_string(waited.count()) + " s waiting for the model; retry later", {},
                  "queue_timeout");
}

ApiError server_error() { return ApiError(500, "server_error", "the server failed to process the request"); }

nlohmann::json status_error_body(int status) {
  switch (status) {
    case 404:
      return ApiError(404, "invalid_request_error", "unknown endpoint").body();
    case 405:
      return ApiError(405, "invalid_request_error", "method not allowed").body();
    case 413:
      return too_large("request body too large").body();
    case 414:
      return ApiError(414, "invalid_request_error", "request URI too long").body();
    case 400:
      return invalid_request("malformed HTTP request").body();
    default:
      if (status >= 500) return server_error().body();
      return ApiError(status, "invalid_request_error", "request failed").body();
  }
}

}  // namespace vole::server
