#pragma once
// Errors as OpenAI's API reports them: an HTTP status and a JSON body
// {"error": {"message", "type", "param", "code"}}. Every request problem the server
// finds becomes an ApiError; what reaches a client never names files or internals.
#include <chrono>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace vole::server {

class ApiError : public std::runtime_error {
 public:
  ApiError(int status, std::string type, std::string message, std::string param = {}, std::string code = {})
      : std::runtime_error(message),
        status_(status),
        type_(std::move(type)),
        param_(std::move(param)),
        code_(std::move(code)) {}
  int status() const { return status_; }
  const std::string& type() const { return type_; }
  const std::string& param() const { return param_; }
  const std::string& code() const { return code_; }
  nlohmann::json body() const;

 private:
  int status_;
  std::string type_, param_, code_;
};

// The common cases, named as OpenAI names them.
ApiError invalid_request(const std::string& message, const std::string& param = {}, const std::string& code = {});
ApiError unauthorized();
ApiError model_not_found(const std::string& model);
ApiError too_large(const std::string& message);
ApiError queue_full();
ApiError queue_timeout(std::chrono::seconds waited);  // 503: the model stayed busy
ApiError server_error();                              // 500 with nothing from inside

// The error body for a bare HTTP status the library produced (404 route, 413 body).
nlohmann::json status_error_body(int status);

}  // namespace vole::server
