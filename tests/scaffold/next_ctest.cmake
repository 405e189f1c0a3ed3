# `parex new` output (and `parex new --openmp`'s and `--mpi`'s) graded by the next ctest, as a course author would: a fresh case in an outside
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
# And an OpenMP case (parex new --openmp): built with OpenMP from its #pragma, no CMake written.
execute_process(COMMAND "${PAREX}" new demo_omp --openmp --in "${WORK}/catalog" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "parex new demo_omp --openmp exited with ${rc}")
endif()
# And an MPI case (parex new --mpi): built with Open MPI from its <mpi.h>, its variants run as ranks under mpirun.
execute_process(COMMAND "${PAREX}" new demo_mpi --mpi --in "${WORK}/catalog" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "parex new demo_mpi --mpi exited with ${rc}")
endif()

execute_process(COMMAND "${CMAKE_CTEST_COMMAND}" --build-and-test "${WORK}" "${WORK}/build"
  --build-generator "${GENERATOR}" --build-options "-Dparex_DIR=${PAREX_DIR}"
  --test-command "${CMAKE_CTEST_COMMAND}" --output-on-failure --no-tests=error
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the next ctest of parex new's case failed (${rc})")
endif()

foreach(case demo demo_omp demo_mpi)
  foreach(variant parallel starter)
    set(result "${WORK}/build/parex-results/${case}/${variant}.json")
    if(NOT EXISTS "${result}")
      message(FATAL_ERROR "no result for ${case}/${variant}: ${result}")
    endif()
    file(READ "${result}" json)
    string(JSON status GET "${json}" status)
    string(JSON expect GET "${json}" expect)
    message(STATUS "${case}/${variant}: expect ${expect}, status ${status}")
    if(NOT status STREQUAL "pass")
      message(FATAL_ERROR "${case}/${variant} did not meet its expectation (${expect}): status ${status}")
    endif()
  endforeach()
endforeach()

# A learner breaks starter.cpp after a good build: the next ctest must not grade the old executable. The
# case's build test fails with the compiler's message, its grades do not run, and the results say build_error.
file(READ "${WORK}/catalog/demo/starter.cpp" starter)
file(APPEND "${WORK}/catalog/demo/starter.cpp" "\nthis line is not C++;\n")
execute_process(COMMAND "${CMAKE_CTEST_COMMAND}" --test-dir "${WORK}/build" -R "^demo/starter$" --output-on-failure
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
message(STATUS "ctest after the compile error:\n${out}")
if(rc EQUAL 0)
  message(FATAL_ERROR "ctest passed with a starter.cpp that does not compile: it graded a stale executable")
endif()
if(NOT out MATCHES "starter.cpp:[0-9]+:[0-9]+: error:" OR NOT out MATCHES "demo/starter [.]+[*]+Not Run")
  message(FATAL_ERROR "ctest did not show the compiler's error and skip the grade")
endif()
file(READ "${WORK}/build/parex-results/demo/starter.json" json)
string(JSON status GET "${json}" status)
string(JSON error GET "${json}" error)
if(NOT status STREQUAL "build_error" OR NOT error MATCHES "this line is not C[+][+]")
  message(FATAL_ERROR "demo/starter after the compile error: status ${status}, error ${error}")
endif()

# Mended, it builds and grades again on the next ctest alone (no cmake --build in between).
file(WRITE "${WORK}/catalog/demo/starter.cpp" "${starter}")
execute_process(COMMAND "${CMAKE_CTEST_COMMAND}" --test-dir "${WORK}/build" -R "^demo/" --output-on-failure RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "ctest after mending starter.cpp failed (${rc})")
endif()
file(READ "${WORK}/build/parex-results/demo/starter.json" json)
string(JSON status GET "${json}" status)
if(NOT status STREQUAL "pass")
  message(FATAL_ERROR "demo/starter after mending: status ${status}")
endif()
