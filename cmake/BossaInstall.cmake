# `cmake --install`: bossa's libraries (every target bossa_library made public), bossa-node, the
# headers under include/bossa/ (the product's layers and their generated Cap'n Proto headers; no
# tests, fuzzers or test helpers) and the package files find_package(bossa) reads:
# lib/cmake/bossa/bossaConfig.cmake, its version file and the exported targets, bossa::<name>.
include(CMakePackageConfigHelpers)

get_property(bossa_exported_targets GLOBAL PROPERTY BOSSA_EXPORTED_TARGETS)
set_target_properties(bossa-node PROPERTIES EXPORT_NAME bossa-node)
install(TARGETS ${bossa_exported_targets} bossa-node
  EXPORT bossaTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

install(DIRECTORY base serialization transport runtime cluster node_program
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/bossa
  FILES_MATCHING PATTERN "*.h" PATTERN "*.capnp"
  PATTERN "tests" EXCLUDE
  PATTERN "*_corpus" EXCLUDE
  PATTERN "*test*" EXCLUDE
  PATTERN "fuzz_*" EXCLUDE)
install(DIRECTORY ${BOSSA_GENERATED_DIR}/
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/bossa
  FILES_MATCHING PATTERN "*.capnp.h"
  PATTERN "*test*" EXCLUDE)

set(bossa_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/bossa)
install(EXPORT bossaTargets NAMESPACE bossa:: DESTINATION ${bossa_cmake_dir})
configure_package_config_file(cmake/bossaConfig.cmake.in
  ${PROJECT_BINARY_DIR}/bossaConfig.cmake
  INSTALL_DESTINATION ${bossa_cmake_dir})
# 0.x: a minor version may break the API, so only the same minor version is compatible.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/bossaConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/bossaConfig.cmake ${PROJECT_BINARY_DIR}/bossaConfigVersion.cmake
  DESTINATION ${bossa_cmake_dir})
