# bossa_add_test(NAME SOURCES <files> LIBS <targets> [LABELS <labels>])
#
# Builds one GoogleTest binary and registers each of its tests with CTest.  Labels select suites:
# `unit` tests also run in the sanitizer builds, `runtime` tests in the ThreadSanitizer build.
if(BOSSA_BUILD_TESTS)
  enable_testing()
  find_package(GTest REQUIRED)
  include(GoogleTest)
endif()

function(bossa_add_test name)
  if(NOT BOSSA_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 120)
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} GTest::gtest GTest::gtest_main)
  gtest_discover_tests(${name}
    DISCOVERY_MODE PRE_TEST
    PROPERTIES LABELS "${ARG_LABELS}" TIMEOUT ${ARG_TIMEOUT})
endfunction()
