# bossa_library(<target> <export-name>)
#
# Makes <target> one of bossa's public libraries, bossa::<export-name> both in the build tree
# (add_subdirectory, FetchContent: the alias) and in an installed bossa (find_package: the
# export, cmake/BossaInstall.cmake). Whoever links it gets C++20, the flag C++20 coroutines need
# on the compiler in use, and bossa's include directories, where a header is reached two ways:
#
#   #include <bossa/runtime/actor.h>   the form for users: the bossa/ prefix
#   #include "runtime/actor.h"         the form bossa's own files use among themselves
#
# In the build tree the prefix is a link, <build>/prefixed/bossa -> the source root, and the Cap'n
# Proto headers are generated into <build>/include/bossa (BOSSA_GENERATED_DIR); installed, every
# header lies under <prefix>/include/bossa. So both forms resolve in both trees.
set(BOSSA_GENERATED_DIR ${PROJECT_BINARY_DIR}/include/bossa)
file(MAKE_DIRECTORY ${BOSSA_GENERATED_DIR} ${PROJECT_BINARY_DIR}/prefixed)
file(CREATE_LINK ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR}/prefixed/bossa SYMBOLIC)

# GCC 10 enables coroutines only with -fcoroutines, even under -std=c++20.
set(BOSSA_COROUTINE_FLAG
  $<$<AND:$<CXX_COMPILER_ID:GNU>,$<VERSION_LESS:$<CXX_COMPILER_VERSION>,11>>:-fcoroutines>)

function(bossa_library target export_name)
  get_target_property(type ${target} TYPE)
  if(type STREQUAL "INTERFACE_LIBRARY")
    set(scope INTERFACE)
  else()
    set(scope PUBLIC)
  endif()
  if(NOT TARGET bossa::${export_name})
    add_library(bossa::${export_name} ALIAS ${target})
  endif()
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${export_name})
  target_compile_features(${target} ${scope} cxx_std_20)
  target_compile_options(${target} ${scope} ${BOSSA_COROUTINE_FLAG})
  target_include_directories(${target} ${scope}
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}>
    $<BUILD_INTERFACE:${BOSSA_GENERATED_DIR}>
    $<BUILD_INTERFACE:${PROJECT_BINARY_DIR}/include>
    $<BUILD_INTERFACE:${PROJECT_BINARY_DIR}/prefixed>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}/bossa>)
  set_property(GLOBAL APPEND PROPERTY BOSSA_EXPORTED_TARGETS ${target})
endfunction()
