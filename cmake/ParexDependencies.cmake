# Finds every dependency of parex; a missing one stops configure naming the Debian package.
include_guard(GLOBAL)

# parex_require_package(<Package> <debian-package> [find_package args...])
function(parex_require_package package debian_package)
  find_package(${package} ${ARGN} QUIET)
  if(NOT ${package}_FOUND)
    message(FATAL_ERROR
      "parex: dependency '${package}' not found. "
      "On Debian/Ubuntu: apt-get install ${debian_package}")
  endif()
endfunction()

parex_require_package(fmt libfmt-dev CONFIG)
parex_require_package(Threads libc6-dev)

if(PAREX_BUILD_RUNNER)
  parex_require_package(tomlplusplus libtomlplusplus-dev CONFIG)
  parex_require_package(nlohmann_json nlohmann-json3-dev CONFIG)
  parex_require_package(CLI11 libcli11-dev CONFIG)
endif()
if(PAREX_BUILD_TESTS)
  parex_require_package(GTest "libgtest-dev libgmock-dev" CONFIG)
endif()
parex_require_package(benchmark libbenchmark-dev CONFIG)

# The report needs a Python 3 that can import jinja2. The first python3 on PATH may lack it
# (pyenv builds do), so probe the candidates in order and keep the first that has it.
function(parex_find_report_python out_var)
  if(PAREX_PYTHON)
    set(candidates "${PAREX_PYTHON}")
  else()
    find_program(_parex_path_python3 NAMES python3 NO_CACHE)
    set(candidates ${_parex_path_python3} /usr/bin/python3 /usr/local/bin/python3)
    list(REMOVE_DUPLICATES candidates)
  endif()
  foreach(candidate IN LISTS candidates)
    if(candidate AND EXISTS "${candidate}")
      execute_process(COMMAND "${candidate}" -c "import jinja2"
        RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
      if(rc EQUAL 0)
        set(${out_var} "${candidate}" PARENT_SCOPE)
        return()
      endif()
      list(APPEND rejected "${candidate}")
    endif()
  endforeach()
  set(${out_var} "" PARENT_SCOPE)
  string(REPLACE ";" ", " rejected "${rejected}")
  message(${PAREX_REPORT_REQUIREMENT}
    "parex: no Python 3 interpreter with Jinja2 found (tried: ${rejected}). "
    "The HTML report needs it: apt-get install python3-jinja2, "
    "or pass -DPAREX_PYTHON=/path/to/python3 that can 'import jinja2'.")
endfunction()
