// What a kernel and its C++ op must agree on (push constants, op codes, sizes) is written
// once, in kernels/<family>/interface.h, a header that glslc and the C++ compiler both
// include. This prelude hides the few differences between the two languages.
//
// Rules for an interface header (it must parse as GLSL and as C++):
//  - start with #include "interface_common.h", wrap the rest in VOLE_INTERFACE_BEGIN and
//    VOLE_INTERFACE_END (namespace vole::kernels in C++), no semicolon after either;
//  - push constants are a struct of uint, int and float fields only: 4-byte scalars,
//    laid out alike by std430 (the push-constant default) and C++; no bool, no vectors
//    (vec3 would be 16-byte aligned), no 64-bit types, no default values;
//  - each push struct is followed by VOLE_PUSH_CONSTANTS(Name) (no semicolon): C++
//    checks its size against kMaxPushConstantBytes and its layout when it compiles;
//  - constants are written `const uint kName = 4u;`.
// A kernel then declares its block as `layout(push_constant) uniform Push { NamePush pc; };`
// and reads pc.field as before; the op fills a vole::kernels::NamePush.
#ifndef VOLE_INTERFACE_COMMON_H
#define VOLE_INTERFACE_COMMON_H

#ifdef __cplusplus
#include <cstdint>
#include <type_traits>

static_assert(sizeof(int) == 4 && sizeof(float) == 4, "kernel interfaces assume 4-byte int and float");

#define VOLE_INTERFACE_BEGIN \
  namespace vole::kernels {  \
  using uint = std::uint32_t;
#define VOLE_INTERFACE_END }
#define VOLE_PUSH_CONSTANTS(T)                                                                \
  static_assert(sizeof(T) <= kMaxPushConstantBytes, #T ": above the 128 push-constant bytes"); \
  static_assert(alignof(T) == 4 && sizeof(T) % 4 == 0, #T ": fields must be 4-byte scalars");  \
  static_assert(std::is_trivially_copyable_v<T> && std::is_standard_layout_v<T>, #T ": must be plain data");
#else
#define VOLE_INTERFACE_BEGIN
#define VOLE_INTERFACE_END
#define VOLE_PUSH_CONSTANTS(T)
#endif

VOLE_INTERFACE_BEGIN
// The push-constant space every Vulkan device guarantees (maxPushConstantsSize >= 128).
const uint kMaxPushConstantBytes = 128u;
VOLE_INTERFACE_END

#endif
