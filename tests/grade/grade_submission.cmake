# parex grade on submissions a class would hand in, each from the learner edition's layout:
#   cmake -DPAREX=<parex> -DCATALOG=<cases> -DWORK=<dir> -P grade_submission.cmake
# right (references over the starters): full marks; as handed out: less, the failed checks named;
# a compile error and a hang: 0 on their case, the others still graded; a missing case: 0; a starter
# that #includes a reference (beside it, in another case, by absolute path): it does not compile.
cmake_minimum_required(VERSION 3.20)
file(REMOVE_RECURSE "${WORK}")
set(cases square_cube global_isolation global_isolation_py join_semantics)
set(case_options "")
foreach(case IN LISTS cases)
  list(APPEND case_options --case ${case})
endforeach()
execute_process(COMMAND "${PAREX}" export "${CATALOG}" --learner --out "${WORK}/edition" --without-parex-source
  RESULT_VARIABLE rc OUTPUT_QUIET)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "parex export failed")
endif()

# grade(<name>): grades ${WORK}/<name> into ${WORK}/<name>-results; sets `json` to submission.json.
# Every platform's results file is written too, and Gradescope's and PrairieLearn's agree with its score.
set(platforms gradescope prairielearn exercism classroom)
function(grade name)
  set(platform_options "")
  foreach(platform IN LISTS platforms)
    list(APPEND platform_options --${platform} "${WORK}/${name}-${platform}.json")
  endforeach()
  execute_process(COMMAND "${PAREX}" grade "${CATALOG}" --submission "${WORK}/${name}" --results "${WORK}/${name}-results"
    ${case_options} ${platform_options} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  message(STATUS "parex grade ${name} (exit ${rc}):\n${out}")
  if(NOT EXISTS "${WORK}/${name}-results/submission.json")
    message(FATAL_ERROR "parex grade ${name} wrote no submission.json")
  endif()
  file(READ "${WORK}/${name}-results/submission.json" content)
  foreach(platform IN LISTS platforms)
    if(NOT EXISTS "${WORK}/${name}-${platform}.json")
      message(FATAL_ERROR "parex grade ${name} --${platform} wrote nothing")
    endif()
  endforeach()
  string(JSON score GET "${content}" score)
  string(JSON max GET "${content}" max_score)
  file(READ "${WORK}/${name}-gradescope.json" gradescope)
  string(JSON gradescope_score GET "${gradescope}" score)
  string(REGEX REPLACE "\\.0+$" "" score "${score}")
  string(REGEX REPLACE "\\.0+$" "" max "${max}")
  string(REGEX REPLACE "\\.0+$" "" gradescope_score "${gradescope_score}")
  if(NOT gradescope_score STREQUAL score)
    message(FATAL_ERROR "${name}: Gradescope's score ${gradescope_score} is not submission.json's ${score}")
  endif()
  file(READ "${WORK}/${name}-prairielearn.json" prairielearn)
  string(JSON fraction GET "${prairielearn}" score)
  string(REGEX REPLACE "\\.0+$" "" fraction "${fraction}")
  if((score STREQUAL max AND NOT fraction STREQUAL "1") OR (score STREQUAL "0" AND NOT fraction STREQUAL "0"))
    message(FATAL_ERROR "${name}: PrairieLearn's score ${fraction} is not ${score}/${max}")
  endif()
  set(json "${content}" PARENT_SCOPE)
  set(out "${out}" PARENT_SCOPE)
endfunction()

# expect_case(<case> <status> <score or "max">)
function(expect_case case status score)
  string(JSON count LENGTH "${json}" cases)
  math(EXPR last "${count} - 1")
  foreach(i RANGE ${last})
    string(JSON name GET "${json}" cases ${i} case)
    if(name STREQUAL case)
      string(JSON got_status GET "${json}" cases ${i} status)
      string(JSON got_score GET "${json}" cases ${i} score)
      string(JSON max GET "${json}" cases ${i} max_score)
      if(score STREQUAL "max")
        set(score "${max}")
      endif()
      # JSON numbers come as 5.0: compare them as written without a zero fraction.
      string(REGEX REPLACE "\\.0+$" "" score "${score}")
      string(REGEX REPLACE "\\.0+$" "" got_score "${got_score}")
      if(NOT got_status STREQUAL status OR NOT got_score STREQUAL score)
        message(FATAL_ERROR "${case}: expected ${status} with ${score} points, got ${got_status} with ${got_score}")
      endif()
      return()
    endif()
  endforeach()
  message(FATAL_ERROR "${case} is not in submission.json")
endfunction()

# The references laid over the starters: full marks.
file(COPY "${WORK}/edition/cases/" DESTINATION "${WORK}/right")
file(COPY_FILE "${CATALOG}/square_cube/parallel.cpp" "${WORK}/right/square_cube/starter.cpp")
file(COPY_FILE "${CATALOG}/global_isolation/parallel.cpp" "${WORK}/right/global_isolation/starter.cpp")
file(COPY_FILE "${CATALOG}/global_isolation_py/parallel.py" "${WORK}/right/global_isolation_py/starter.py")
file(COPY_FILE "${CATALOG}/join_semantics/parallel.cpp" "${WORK}/right/join_semantics/starter.cpp")
grade(right)
foreach(case IN LISTS cases)
  expect_case(${case} pass max)
endforeach()
string(JSON score GET "${json}" score)
string(JSON max GET "${json}" max_score)
if(NOT score STREQUAL max OR max STREQUAL "0.0")
  message(FATAL_ERROR "the references scored ${score}/${max}")
endif()

# One case graded alone that includes another case's file (pool_bench: ../pool_map/work.hpp) still builds,
# and its baseline is the instructor's serial program: the reference scores full marks, the starter 0.
file(COPY "${WORK}/edition/cases/" DESTINATION "${WORK}/bench")
file(COPY_FILE "${CATALOG}/pool_bench/parallel.cpp" "${WORK}/bench/pool_bench/starter.cpp")
execute_process(COMMAND "${PAREX}" grade "${CATALOG}" --submission "${WORK}/bench" --results "${WORK}/bench-results"
  --case pool_bench RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(NOT out MATCHES "parex grade: 1/1 points \\(pool_bench 1/1\\)")
  message(FATAL_ERROR "pool_bench graded alone, its reference over the starter:\n${out}")
endif()

# An OpenMP case, built in the build jail with the library its sources ask for (#pragma omp): the reference over the
# starter scores full marks; the starter as handed out, whose threads race on the sum, fails on its sum.
file(COPY "${WORK}/edition/cases/" DESTINATION "${WORK}/omp")
file(COPY_FILE "${CATALOG}/omp_pool/parallel.cpp" "${WORK}/omp/omp_pool/starter.cpp")
execute_process(COMMAND "${PAREX}" grade "${CATALOG}" --submission "${WORK}/omp" --results "${WORK}/omp-results"
  --case omp_pool RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(NOT out MATCHES "parex grade: 2/2 points \\(omp_pool 2/2\\)")
  message(FATAL_ERROR "omp_pool graded alone, its reference over the starter:\n${out}")
endif()
execute_process(COMMAND "${PAREX}" grade "${CATALOG}" --submission "${WORK}/edition" --results "${WORK}/omp-handout"
  --case omp_pool RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(NOT out MATCHES "FAIL  same lines as serial" OR NOT out MATCHES "parex grade: 1/2 points \\(omp_pool 1/2\\)")
  message(FATAL_ERROR "omp_pool's starter as handed out must fail on its sum:\n${out}")
endif()

# An MPI case, built in the build jail with Open MPI (#include <mpi.h>) and run as ranks under mpirun in the run
# sandbox: the reference over the starter scores full marks; the starter as handed out, whose rank 0 adds every item
# while rank 1 waits, fails on speedup, with the case's hint.
file(COPY "${WORK}/edition/cases/" DESTINATION "${WORK}/mpi")
file(COPY_FILE "${CATALOG}/mpi_pool/parallel.cpp" "${WORK}/mpi/mpi_pool/starter.cpp")
execute_process(COMMAND "${PAREX}" grade "${CATALOG}" --submission "${WORK}/mpi" --results "${WORK}/mpi-results"
  --case mpi_pool RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(NOT out MATCHES "parex grade: 3/3 points \\(mpi_pool 3/3\\)")
  message(FATAL_ERROR "mpi_pool graded alone, its reference over the starter:\n${out}")
endif()
file(READ "${WORK}/mpi-results/mpi_pool/starter.json" json)
# Its graded run: 2 ranks, each with a line of its share, and the sum printed by rank 0, mpirun's tags stripped.
string(JSON ranks GET "${json}" runs 1 ranks)
string(JSON count LENGTH "${json}" runs 1 lines)
set(seen "")
math(EXPR last "${count} - 1")
foreach(i RANGE ${last})
  string(JSON rank GET "${json}" runs 1 lines ${i} rank)
  string(JSON text GET "${json}" runs 1 lines ${i} text)
  list(APPEND seen "${rank}:${text}")
endforeach()
if(NOT ranks EQUAL 2 OR NOT seen MATCHES "(^|;)0:sum: [0-9]+(;|$)" OR NOT seen MATCHES "(^|;)0:rank 0: added 5000 items"
   OR NOT seen MATCHES "(^|;)1:rank 1: added 5000 items")
  message(FATAL_ERROR "mpi_pool's graded run: ${ranks} ranks, lines (rank:text) ${seen}")
endif()
execute_process(COMMAND "${PAREX}" grade "${CATALOG}" --submission "${WORK}/edition" --results "${WORK}/mpi-handout"
  --case mpi_pool RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(NOT out MATCHES "FAIL  speedup vs serial" OR NOT out MATCHES "Only rank 0 works"
   OR NOT out MATCHES "parex grade: 2/3 points \\(mpi_pool 2/3\\)")
  message(FATAL_ERROR "mpi_pool's starter as handed out must fail on speedup, with the hint:\n${out}")
endif()

# A races check through the learner's path: the submission's own ThreadSanitizer build (made in the build jail beside
# its normal one) is run once; the reference over the starter scores full marks, the starter as handed out fails on
# its count and on races, the racing variable and its line named.
file(COPY "${WORK}/edition/cases/" DESTINATION "${WORK}/race")
file(COPY_FILE "${CATALOG}/race_counter/parallel.cpp" "${WORK}/race/race_counter/starter.cpp")
execute_process(COMMAND "${PAREX}" grade "${CATALOG}" --submission "${WORK}/race" --results "${WORK}/race-results"
  --case race_counter RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(NOT out MATCHES "PASS  no data races" OR NOT out MATCHES "parex grade: 2/2 points \\(race_counter 2/2\\)")
  message(FATAL_ERROR "race_counter graded alone, its reference over the starter:\n${out}")
endif()
execute_process(COMMAND "${PAREX}" grade "${CATALOG}" --submission "${WORK}/edition" --results "${WORK}/race-handout"
  --case race_counter RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(NOT out MATCHES "FAIL  same lines as serial" OR NOT out MATCHES "FAIL  no data races[^\n]*data race on `count` \\(starter.cpp:[0-9]+"
   OR NOT out MATCHES "parex grade: 0/2 points \\(race_counter 0/2\\)")
  message(FATAL_ERROR "race_counter's starter as handed out must fail on its count and on races, naming count:\n${out}")
endif()

# A starter that tells the TSan build from the graded one (__SANITIZE_THREAD__): atomic under TSan, racing otherwise.
# It forges the races verdict (the check is evidence, not proof: docs/process-control.md), its race's effect still
# fails same_lines, and the grader is warned, in the console and in the audit.
file(COPY "${WORK}/edition/cases/" DESTINATION "${WORK}/race-forged")
file(READ "${CATALOG}/race_counter/starter.cpp" starter)
string(REPLACE "long count = 0;" "#ifdef __SANITIZE_THREAD__\n#include <atomic>\nstd::atomic<long> count = 0;\n#else\nlong count = 0;\n#endif"
  starter "${starter}")
file(WRITE "${WORK}/race-forged/race_counter/starter.cpp" "${starter}")
execute_process(COMMAND "${PAREX}" grade "${CATALOG}" --submission "${WORK}/race-forged" --results "${WORK}/race-forged-results"
  --case race_counter RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
file(READ "${WORK}/race-forged-results/submission.json" json)
string(JSON warnings GET "${json}" audit warnings)
if(NOT out MATCHES "PASS  no data races" OR NOT out MATCHES "FAIL  same lines as serial"
   OR NOT out MATCHES "warning: race_counter/starter.cpp:[0-9]+: uses __SANITIZE_THREAD__" OR NOT warnings MATCHES "__SANITIZE_THREAD__")
  message(FATAL_ERROR "a starter that tests __SANITIZE_THREAD__: races forged, same_lines failed, the grader warned:\n${out}")
endif()

# The edition as handed out, a clone of it (cases/<case>/...): less, failed checks named.
file(COPY "${WORK}/edition/" DESTINATION "${WORK}/handout")
grade(handout)
expect_case(square_cube fail 3)  # of 6: the processes check fails too
expect_case(global_isolation fail 0)
if(NOT out MATCHES "FAIL  speedup vs serial" OR NOT out MATCHES "parex grade: 3/11 points")
  message(FATAL_ERROR "the handout's grade does not name its failed checks and its points")
endif()

# A compile error, a hang and a missing case: each 0 on its own case, the others still graded.
file(COPY "${WORK}/right/" DESTINATION "${WORK}/broken")
file(APPEND "${WORK}/broken/join_semantics/starter.cpp" "\nthis line is not C++;\n")
file(WRITE "${WORK}/broken/global_isolation/starter.cpp"
  "#include <unistd.h>\n#include <cstdio>\nint main() { std::puts(\"result: []\"); for (;;) pause(); }\n")
file(REMOVE_RECURSE "${WORK}/broken/global_isolation_py")
grade(broken)
expect_case(join_semantics build_error 0)
expect_case(global_isolation fail 0)
expect_case(global_isolation_py missing 0)
expect_case(square_cube pass max)
if(NOT out MATCHES "this line is not C\\+\\+" OR NOT out MATCHES "timed out")
  message(FATAL_ERROR "the grade does not show the compiler's error and the timeout")
endif()

# A starter that #includes a reference: beside it, in another case, by absolute path. None compiles.
file(COPY "${WORK}/right/" DESTINATION "${WORK}/attack")
file(WRITE "${WORK}/attack/square_cube/starter.cpp" "#include \"parallel.cpp\"\n")
file(WRITE "${WORK}/attack/join_semantics/starter.cpp" "#include \"../square_cube/parallel.cpp\"\n")
file(WRITE "${WORK}/attack/global_isolation/starter.cpp" "#include \"${CATALOG}/global_isolation/parallel.cpp\"\n")
grade(attack)
expect_case(square_cube build_error 0)
expect_case(join_semantics build_error 0)
expect_case(global_isolation build_error 0)
string(JSON sandbox GET "${json}" audit sandbox build)
message(STATUS "the build's sandbox: ${sandbox}")

# A starter that reads the reference while it runs, by absolute path: the run's sandbox hides it (as root).
file(COPY "${WORK}/right/" DESTINATION "${WORK}/peek")
file(WRITE "${WORK}/peek/join_semantics/starter.cpp" "#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
int main() {
  std::ifstream in(\"${CATALOG}/join_semantics/parallel.cpp\");
  std::string text((std::istreambuf_iterator<char>(in)), {});
  std::printf(\"%s\\n\", text.empty() ? \"could not read the reference\" : \"LEAKED the reference\");
}
")
grade(peek)
file(READ "${WORK}/peek-results/join_semantics/starter.json" peeked)
string(JSON runs_sandbox GET "${json}" audit sandbox runs)
message(STATUS "the runs' sandbox: ${runs_sandbox}")
if(runs_sandbox MATCHES "^none")
  message(STATUS "runs are not sandboxed here (not root): the run-time read is not checked")
elseif(peeked MATCHES "LEAKED the reference" OR NOT peeked MATCHES "could not read the reference")
  message(FATAL_ERROR "a sandboxed run read the instructor's reference")
endif()
