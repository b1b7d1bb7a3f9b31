# bossa_add_test(NAME SOURCES <files> LIBS <targets> [LABEL <label>] [TIMEOUT <seconds>])
#
# Builds one GoogleTest binary and registers each of its tests with CTest under one label.
# `ctest -L` takes a regular expression, so a label names every suite it belongs to:
#   unit          in-process tests; also run under ASan+UBSan      (ctest -L unit)
#   unit-runtime  the runtime's unit tests; also run under TSan      (ctest -L runtime)
#   interop       tests against libzmq, release build only
#   cluster       multi-node tests (real node processes); also run under ASan+UBSan
if(BOSSA_BUILD_TESTS)
  enable_testing()
  find_package(GTest REQUIRED)
  include(GoogleTest)
endif()

function(bossa_add_test name)
  if(NOT BOSSA_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "TIMEOUT;LABEL" "SOURCES;LIBS" ${ARGN})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 120)
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} GTest::gtest GTest::gtest_main)
  gtest_discover_tests(${name}
    DISCOVERY_MODE PRE_TEST
    PROPERTIES LABELS ${ARG_LABEL} TIMEOUT ${ARG_TIMEOUT})
endfunction()
