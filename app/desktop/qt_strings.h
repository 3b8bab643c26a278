#pragma once
// The one conversion from the engine's UTF-8 text (std::string, string_view) to QString.
#include <QString>
#include <string_view>

namespace vole::desktop {

inline QString qstr(std::string_view utf8) {
  return QString::fromUtf8(utf8.data(), static_cast<qsizetype>(utf8.size()));
}

}  // namespace vole::desktop
