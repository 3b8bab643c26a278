#pragma once
// Wall-clock helpers for the store: timestamps are ms since the Unix epoch, UTC.
#include <cstdint>
#include <string>

namespace vole::memory {

int64_t system_now_ms();
std::string iso8601_utc(int64_t ms);       // 2025-03-04T05:06:07.089Z
std::string file_timestamp_utc(int64_t ms);  // 20250304-050607, for file names

}  // namespace vole::memory
