# cmake -DSOURCE_DIR=<root> -P check_layers.cmake
#
# Fails when a file includes from a layer above its own. Each folder names one layer, and a layer
# may include only from itself and the layers listed for it (docs/architecture.md draws them):
#
#   base/               base
#   serialization/      base, serialization
#   transport/socket/   base, transport/socket          (the engine knows nothing above it)
#   transport/          base, serialization, transport (the socket engine included)
#   runtime/            base, serialization, runtime    (the local runtime knows no transport)
#   cluster/            base, serialization, transport, runtime, cluster
#   node_program/       every product layer; never examples/, tests/ or bench/
#
# A test beside its module (a file named *_test.cc) may also include tests/support/.
# Only includes of the project's own folders are checked; "absl/...", "boost/..." and the like
# are left alone. The build runs this at every build (target bossa_layer_check).
cmake_minimum_required(VERSION 3.25)
set(project_layers base serialization transport runtime cluster node_program examples tests bench)
set(allowed_base base)
set(allowed_serialization base serialization)
set(allowed_transport_socket base transport/socket)
set(allowed_transport base serialization transport transport/socket)
set(allowed_runtime base serialization runtime)
set(allowed_cluster base serialization transport transport/socket runtime cluster)
set(allowed_node_program base serialization transport transport/socket runtime cluster node_program)

# The layer of `included` ("transport/socket" for "transport/socket/core/socket.h").
function(layer_of included out)
  if(included MATCHES "^transport/socket/")
    set(${out} transport/socket PARENT_SCOPE)
  elseif(included MATCHES "^([a-z_]+)/")
    set(${out} ${CMAKE_MATCH_1} PARENT_SCOPE)
  else()
    set(${out} "" PARENT_SCOPE)
  endif()
endfunction()

set(violations "")
foreach(layer base serialization transport/socket transport runtime cluster node_program)
  string(REPLACE "/" "_" key ${layer})
  file(GLOB_RECURSE files RELATIVE ${SOURCE_DIR} ${SOURCE_DIR}/${layer}/*.h ${SOURCE_DIR}/${layer}/*.cc)
  foreach(file IN LISTS files)
    if(layer STREQUAL "transport" AND file MATCHES "^transport/socket/")
      continue()  # checked as its own layer
    endif()
    file(STRINGS ${SOURCE_DIR}/${file} includes REGEX "^#include \"[^\"]+\"")
    foreach(line IN LISTS includes)
      string(REGEX REPLACE "^#include \"([^\"]+)\".*" "\\1" included "${line}")
      layer_of("${included}" target)
      if(target STREQUAL "")
        continue()
      endif()
      string(REGEX MATCH "^[a-z_]+" top "${target}")
      if(NOT top IN_LIST project_layers)
        continue()
      endif()
      if(file MATCHES "_test\\.cc$" AND included MATCHES "^tests/support/")
        continue()
      endif()
      if(NOT target IN_LIST allowed_${key})
        string(REPLACE ";" ", " allowed "${allowed_${key}}")
        string(APPEND violations "  ${file}: #include \"${included}\" (${layer}/ may include only: ${allowed})\n")
      endif()
    endforeach()
  endforeach()
endforeach()

if(violations)
  message(FATAL_ERROR "Includes that reach a layer above their own:\n${violations}")
endif()
