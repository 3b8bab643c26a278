#pragma once
// Where Vole keeps its files, following the XDG base directory spec.
// VOLE_DATA_DIR / VOLE_CACHE_DIR override (tests point them at temp folders).
#include <filesystem>

namespace vole {

std::filesystem::path data_dir();   // $VOLE_DATA_DIR or $XDG_DATA_HOME/vole or ~/.local/share/vole
std::filesystem::path cache_dir();  // $VOLE_CACHE_DIR or $XDG_CACHE_HOME/vole or ~/.cache/vole

}  // namespace vole
