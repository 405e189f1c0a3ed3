# `parex new` output graded by the next ctest, as a course author would: a fresh case in an outside
# catalog (the consumer project's three lines of CMake), built and tested; its parallel.cpp must pass
# and its starter.cpp must fail, each meeting its expectation.
#   cmake -DPAREX=<parex> -DPAREX_DIR=<parex build tree> -DCONSUMER=<tests/consumer> -DWORK=<dir>
#         -DGENERATOR=<generator> -P next_ctest.cmake
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}/catalog")
configure_file("${CONSUMER}/CMakeLists.txt" "${WORK}/CMakeLists.txt" COPYONLY)

execute_process(COMMAND "${PAREX}" new demo --in "${WORK}/catalog" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "parex new demo exited with ${rc}")
endif()

execute_process(COMMAND "${CMAKE_CTEST_COMMAND}" --build-and-test "${WORK}" "${WORK}/build"
  --build-generator "${GENERATOR}" --build-options "-Dparex_DIR=${PAREX_DIR}"
  --test-command "${CMAKE_CTEST_COMMAND}" --output-on-failure --no-tests=error
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the next ctest of parex new's case failed (${rc})")
endif()

foreach(variant parallel starter)
  set(result "${WORK}/build/parex-results/demo/${variant}.json")
  if(NOT EXISTS "${result}")
    message(FATAL_ERROR "no result for demo/${variant}: ${result}")
  endif()
  file(READ "${result}" json)
  string(JSON status GET "${json}" status)
  string(JSON expect GET "${json}" expect)
  message(STATUS "demo/${variant}: expect ${expect}, status ${status}")
  if(NOT status STREQUAL "pass")
    message(FATAL_ERROR "demo/${variant} did not meet its expectation (${expect}): status ${status}")
  endif()
endforeach()
