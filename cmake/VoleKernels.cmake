# GLSL compute kernels -> SPIR-V (glslc, at build time) -> a C++ table embedded in the
# engine. Nothing is looked up on disk at run time.
#
#   vole_kernel(<name> <file.comp> [DEFINES A=1 B ...])
# declares one compiled variant; the engine finds it by the generated constant
# vole::kernels::<name> (gpu/kernel_names.h).
set(VOLE_KERNEL_NAMES "" CACHE INTERNAL "")
set(VOLE_KERNEL_SPV "" CACHE INTERNAL "")

function(vole_kernel name source)
  cmake_parse_arguments(ARG "" "" "DEFINES" ${ARGN})
  if(NOT name MATCHES "^[a-z][a-z0-9_]*$")
    message(FATAL_ERROR "vole_kernel(${name}): a kernel name must be a lower-case C++ identifier")
  endif()
  if(name IN_LIST VOLE_KERNEL_NAMES)
    message(FATAL_ERROR "vole_kernel(${name}): declared twice")
  endif()
  set(src ${CMAKE_CURRENT_SOURCE_DIR}/${source})
  set(spv ${CMAKE_CURRENT_BINARY_DIR}/spv/${name}.spv)
  set(defs "")
  foreach(d ${ARG_DEFINES})
    list(APPEND defs "-D${d}")
  endforeach()
  add_custom_command(
    OUTPUT ${spv}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_CURRENT_BINARY_DIR}/spv
    COMMAND ${GLSLC} --target-env=vulkan1.2 -O -fshader-stage=compute
            -I ${CMAKE_CURRENT_SOURCE_DIR} ${defs} -MD -MF ${spv}.d -o ${spv} ${src}
    DEPENDS ${src}
    DEPFILE ${spv}.d
    COMMENT "glslc ${name}"
    VERBATIM)
  set(VOLE_KERNEL_NAMES "${VOLE_KERNEL_NAMES};${name}" CACHE INTERNAL "")
  set(VOLE_KERNEL_SPV "${VOLE_KERNEL_SPV};${spv}" CACHE INTERNAL "")
endfunction()

# Generates the embedding .cpp and the header of kernel names (gpu/kernel_names.h) from
# every declared kernel and builds vole_kernels. Its users also get kernels/ on their
# include path, for the interface headers shared with the kernels (kernels/*/interface.h).
function(vole_kernel_library)
  set(names ${VOLE_KERNEL_NAMES})
  set(spvs ${VOLE_KERNEL_SPV})
  list(REMOVE_ITEM names "")
  list(REMOVE_ITEM spvs "")
  set(VOLE_KERNEL_NAME_LIST "")
  set(VOLE_KERNEL_CONSTANTS "")
  foreach(name ${names})
    string(APPEND VOLE_KERNEL_NAME_LIST "    \"${name}\",\n")
    string(APPEND VOLE_KERNEL_CONSTANTS "inline constexpr gpu::KernelName ${name}{\"${name}\"};\n")
  endforeach()
  set(include_dir ${CMAKE_CURRENT_BINARY_DIR}/include)
  configure_file(${CMAKE_SOURCE_DIR}/engine/gpu/kernel_names.h.in ${include_dir}/gpu/kernel_names.h @ONLY)
  set(out ${CMAKE_CURRENT_BINARY_DIR}/kernels_embedded.cpp)
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} "-DNAMES=${names}" "-DFILES=${spvs}" -DOUT=${out}
            -P ${CMAKE_SOURCE_DIR}/cmake/EmbedKernels.cmake
    DEPENDS ${spvs} ${CMAKE_SOURCE_DIR}/cmake/EmbedKernels.cmake
    COMMENT "Embedding ${CMAKE_MATCH_COUNT} SPIR-V kernels"
    VERBATIM)
  add_library(vole_kernels STATIC ${out})
  target_include_directories(vole_kernels PUBLIC ${CMAKE_SOURCE_DIR}/engine ${include_dir} ${CMAKE_CURRENT_SOURCE_DIR})
  add_library(vole::kernels ALIAS vole_kernels)
endfunction()
