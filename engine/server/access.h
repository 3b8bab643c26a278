#pragma once
// Who may talk to the server: loopback addresses need no key; any other bind address
// must have one, and keys are compared in constant time.
#include <string>
#include <string_view>

namespace vole::server {

// True for addresses only this computer can reach: 127.0.0.0/8, ::1, "localhost".
bool is_loopback_host(std::string_view host);

// Compares a presented key with the configured one without leaking, through timing,
// how much of it matched or how long it is (both are hashed, then compared with
// CRYPTO_memcmp).
bool keys_match(std::string_view presented, std::string_view expected);

// The key from an "Authorization: Bearer KEY" header value; empty if it has another form.
std::string bearer_token(std::string_view authorization);

}  // namespace vole::server
