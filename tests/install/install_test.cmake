# cmake -DBUILD_DIR=<bossa build> -DWORK_DIR=<scratch> -DCONSUMER_DIR=<tests/install/consumer>
#       -DGENERATOR=<generator> -DCXX_COMPILER=<compiler> [-DLAUNCHER=<ccache>]
#       -DBUILD_TYPE=<type> -DTARGETS=<t1,t2,...> [-DKV_STORE_DIR=<examples/kv_store>
#       -DPYTHON=<python3>] -P install_test.cmake
#
# What a user of an installed bossa does: installs the build into a fresh prefix under WORK_DIR,
# configures the program in CONSUMER_DIR against it with find_package(bossa), builds it and runs
# it; then, with KV_STORE_DIR, does the same with the key-value store example and runs its test
# (three nodes, a client on a gateway, kill -9 of the owner). Fails on the first step that fails, or if
# the prefix holds a test or fuzzer header.
cmake_minimum_required(VERSION 3.25)

function(step what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT code EQUAL 0)
    message(FATAL_ERROR "install test: ${what} failed (${code}):\n${out}")
  endif()
  set(step_output "${out}" PARENT_SCOPE)
endfunction()

set(prefix ${WORK_DIR}/prefix)
string(REPLACE "," ";" targets "${TARGETS}")
file(REMOVE_RECURSE ${WORK_DIR})

# Usually nothing to do: the targets were built with the rest. They must exist to be installed.
step("building the installed targets" ${CMAKE_COMMAND} --build ${BUILD_DIR} --target ${targets})
step("installing into ${prefix}" ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})

file(GLOB_RECURSE strays RELATIVE ${prefix}/include ${prefix}/include/*test* ${prefix}/include/*fuzz*)
if(strays)
  message(FATAL_ERROR "install test: test or fuzzer files were installed: ${strays}")
endif()
if(NOT EXISTS ${prefix}/include/bossa/cluster/system.capnp.h)
  message(FATAL_ERROR "install test: the generated headers were not installed")
endif()

# Configures and builds the project in `source` against the prefix, in WORK_DIR/`name`.
function(build_against_prefix name source)
  set(configure ${CMAKE_COMMAND} -S ${source} -B ${WORK_DIR}/${name} -G ${GENERATOR}
    -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_CXX_COMPILER=${CXX_COMPILER}
    -DCMAKE_BUILD_TYPE=${BUILD_TYPE})
  if(LAUNCHER)
    list(APPEND configure -DCMAKE_CXX_COMPILER_LAUNCHER=${LAUNCHER})
  endif()
  step("configuring ${name} with find_package(bossa)" ${configure})
  step("building ${name}" ${CMAKE_COMMAND} --build ${WORK_DIR}/${name})
endfunction()

build_against_prefix(consumer ${CONSUMER_DIR})
step("running the consumer" ${WORK_DIR}/consumer/consumer)
if(NOT step_output MATCHES "consumer: ok")
  message(FATAL_ERROR "install test: the consumer did not say ok:\n${step_output}")
endif()
message(STATUS "install test: ${step_output}")

if(KV_STORE_DIR)
  build_against_prefix(kv_store ${KV_STORE_DIR})
  step("running the kv_store example's test"
    ${PYTHON} ${KV_STORE_DIR}/kv_store_test.py ${WORK_DIR}/kv_store/kv_node)
  if(NOT step_output MATCHES "kv_store: ok")
    message(FATAL_ERROR "install test: the kv_store test did not say ok:\n${step_output}")
  endif()
  message(STATUS "install test: kv_store: ok")
endif()
file(REMOVE_RECURSE ${WORK_DIR})
