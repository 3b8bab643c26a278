#pragma once
// Small ASCII string helpers for protocol and file-format text (header names, charsets,
// extensions), where case and whitespace rules are ASCII by definition.
#include <string>
#include <string_view>

namespace vole {

std::string ascii_lower(std::string_view s);
// Without leading and trailing ASCII whitespace (space, tab, CR, LF, FF, VT).
std::string_view trim_ascii(std::string_view s);

}  // namespace vole
