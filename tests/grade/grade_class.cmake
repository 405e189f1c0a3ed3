# parex grade-class on a generated class of the quick seed cases:
#   cmake -DPAREX=<parex> -DCATALOG=<cases> -DWORK=<dir> [-DPAGES=ON] -P grade_class.cmake
# right, as handed out, half right, a compile error, a fork bomb, an output flood, a reference
# #included, invalid UTF-8 and a missing case: grades.csv must say exactly what each earned; the pages
# exist; a second run grades nothing (unchanged), --regrade grades everything again.
cmake_minimum_required(VERSION 3.20)
file(REMOVE_RECURSE "${WORK}")
set(class "${WORK}/class")
execute_process(COMMAND "${PAREX}" export "${CATALOG}" --learner --out "${WORK}/edition" --without-parex-source
  RESULT_VARIABLE rc OUTPUT_QUIET)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "parex export failed")
endif()
set(cases global_isolation join_semantics global_isolation_py)
set(learners right handout half broken forkbomb flood include badutf8 missing)
foreach(learner IN LISTS learners)
  foreach(case IN LISTS cases)
    file(COPY "${WORK}/edition/cases/${case}" DESTINATION "${class}/${learner}")
  endforeach()
endforeach()
foreach(learner right half)
  file(COPY_FILE "${CATALOG}/global_isolation/parallel.cpp" "${class}/${learner}/global_isolation/starter.cpp")
endforeach()
file(COPY_FILE "${CATALOG}/join_semantics/parallel.cpp" "${class}/right/join_semantics/starter.cpp")
file(COPY_FILE "${CATALOG}/global_isolation_py/parallel.py" "${class}/right/global_isolation_py/starter.py")
file(APPEND "${class}/broken/join_semantics/starter.cpp" "\nthis line is not C++;\n")
file(WRITE "${class}/forkbomb/global_isolation/starter.cpp" "#include <unistd.h>\nint main() { for (;;) fork(); }\n")
file(WRITE "${class}/flood/join_semantics/starter.cpp"
  "#include <cstdio>\nint main() { for (;;) std::fputs(\"flood flood flood flood flood flood\\n\", stdout); }\n")
file(WRITE "${class}/include/global_isolation/starter.cpp" "#include \"parallel.cpp\"\n")
file(WRITE "${class}/badutf8/global_isolation_py/starter.py"
  "import sys\nsys.stdout.buffer.write(b'value \\xff\\xfe end\\n')\n")
file(REMOVE_RECURSE "${class}/missing/global_isolation_py")

set(case_options "")
foreach(case IN LISTS cases)
  list(APPEND case_options --case ${case})
endforeach()
if(NOT PAGES)
  list(APPEND case_options --no-pages)
endif()
function(grade_class)
  execute_process(COMMAND "${PAREX}" grade-class "${CATALOG}" "${class}" --out "${WORK}/out" ${case_options} ${ARGN}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  message(STATUS "parex grade-class ${ARGN} (exit ${rc}):\n${out}")
  set(out "${out}" PARENT_SCOPE)
endfunction()

grade_class()
file(READ "${WORK}/out/grades.csv" grades)
set(expected "learner,case,score,max_score,status
badutf8,global_isolation,0,2,fail
badutf8,global_isolation_py,0,2,fail
badutf8,join_semantics,0,1,fail
broken,global_isolation,0,2,fail
broken,global_isolation_py,0,2,fail
broken,join_semantics,0,1,build_error
flood,global_isolation,0,2,fail
flood,global_isolation_py,0,2,fail
flood,join_semantics,0,1,fail
forkbomb,global_isolation,0,2,fail
forkbomb,global_isolation_py,0,2,fail
forkbomb,join_semantics,0,1,fail
half,global_isolation,2,2,pass
half,global_isolation_py,0,2,fail
half,join_semantics,0,1,fail
handout,global_isolation,0,2,fail
handout,global_isolation_py,0,2,fail
handout,join_semantics,0,1,fail
include,global_isolation,0,2,build_error
include,global_isolation_py,0,2,fail
include,join_semantics,0,1,fail
missing,global_isolation,0,2,fail
missing,global_isolation_py,0,2,missing
missing,join_semantics,0,1,fail
right,global_isolation,2,2,pass
right,global_isolation_py,2,2,pass
right,join_semantics,1,1,pass
")
if(NOT grades STREQUAL expected)
  message(FATAL_ERROR "grades.csv is\n${grades}\nexpected\n${expected}")
endif()
if(NOT out MATCHES "9 learner\\(s\\): 9 graded, 0 unchanged")
  message(FATAL_ERROR "the first grade-class did not grade all 9")
endif()
file(READ "${WORK}/out/learners/forkbomb/results/global_isolation/starter.json" json)
string(JSON message GET "${json}" score_gate)
if(NOT message MATCHES "limit")
  message(FATAL_ERROR "the fork bomb's grade does not say a limit stopped it: ${message}")
endif()
if(PAGES)
  foreach(page class.html learners/right/report/index.html learners/badutf8/report/index.html)
    if(NOT EXISTS "${WORK}/out/${page}")
      message(FATAL_ERROR "no ${page}")
    endif()
  endforeach()
  file(READ "${WORK}/out/learners/half/report/index.html" page)
  if(page MATCHES "learners/right" OR NOT page MATCHES "global_isolation/starter")
    message(FATAL_ERROR "a learner's page shows more or less than that learner's results")
  endif()
endif()

# Nothing changed: nothing is graded again. --regrade: everything is.
grade_class()
if(NOT out MATCHES "9 learner\\(s\\): 0 graded, 9 unchanged")
  message(FATAL_ERROR "the second grade-class graded again what did not change")
endif()
file(APPEND "${class}/half/join_semantics/starter.cpp" "\n// an edit\n")
grade_class()
if(NOT out MATCHES "1 graded, 8 unchanged")
  message(FATAL_ERROR "an edited submission was not graded again, or others were")
endif()
grade_class(--regrade)
if(NOT out MATCHES "9 graded, 0 unchanged")
  message(FATAL_ERROR "--regrade did not grade everything")
endif()
