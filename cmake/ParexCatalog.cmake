#[=======================================================================[.rst:
ParexCatalog
------------

The parex CMake API.

.. command:: parex_add_catalog

  Builds every case of a catalog and registers each graded variant with CTest::

    parex_add_catalog(<dir>
                      [BIN_ROOT <dir>]       # default: ${CMAKE_BINARY_DIR}/parex-bin
                      [RESULTS_DIR <dir>])   # default: ${CMAKE_BINARY_DIR}/parex-results

  Each folder ``<dir>/<case>/`` holding a ``case.toml`` is a case. Every ``*.cpp`` directly
  in it is a variant named after its stem, and each sub-folder holding ``.cpp`` files is one
  variant built from all of them; each is linked with ``parex::support``, with what its sources ask for
  (``#pragma omp``/``<omp.h>``: OpenMP, ``<tbb/...>``: TBB, ``<mpi.h>``: MPI, ``<benchmark/benchmark.h>``:
  Google Benchmark; a missing one fails configure naming its Debian package) and with the case's ``[build]``
  and ``[variants.V.build]`` tables (``compile_options``, ``link_libraries``), and built to
  ``<BIN_ROOT>/<case>/<variant>``, with its SHA-256 beside it in ``<variant>.sha256`` (the runner
  refuses a baseline that no longer matches it). The build then runs ``parex list --ctest``, which validates
  every ``case.toml`` (a catalog error fails the build with ``case.toml:LINE:COL`` messages)
  and registers one test ``<case>/<variant>`` per graded variant, labelled ``parex``, the
  case's tags, and ``timing`` when it has a speedup check (timing tests hold
  ``RESOURCE_LOCK parex_timing`` and run serially). Before them, a test ``<case>/build`` per case
  with compiled variants builds them (a CTest fixture the case's tests require, so ``ctest -R``
  builds too): ctest never grades an executable older than its sources, and a case that does not
  compile is ``build_error`` with the compiler's messages while the other cases still run. After
  the case tests, the test ``parex/report`` renders ``${CMAKE_BINARY_DIR}/report/index.html``.
#]=======================================================================]
# Script mode, run after each variant's link: `cmake -DPAREX_DIGEST_OF=<exe> -P ParexCatalog.cmake` records the
# executable's SHA-256 in <exe>.sha256, which the runner checks a baseline against before each of its runs.
if(CMAKE_SCRIPT_MODE_FILE AND DEFINED PAREX_DIGEST_OF)
  file(SHA256 "${PAREX_DIGEST_OF}" digest)
  file(WRITE "${PAREX_DIGEST_OF}.sha256.tmp" "${digest}\n")
  file(RENAME "${PAREX_DIGEST_OF}.sha256.tmp" "${PAREX_DIGEST_OF}.sha256")
  return()
endif()
include_guard(GLOBAL)
# A catalog's variants and the report step are CTest tests. enable_testing() only counts at directory
# scope (inside a function it is forgotten on return), so it is here, where find_package(parex) or
# include() brings the module in; a project calling parex_add_catalog() from another directory of its
# own calls enable_testing() there, as for any add_test().
enable_testing()

# A cache entry, not a variable: a project that brings parex in with add_subdirectory() (the learner edition's copy)
# calls parex_add_catalog() from its own directory, where a variable set in parex's directory is not seen.
set(_PAREX_CMAKE_DIR "${CMAKE_CURRENT_LIST_DIR}" CACHE INTERNAL "Where parex's CMake modules are")

# The interpreter for the `python3`/`python` commands of Python cases: PAREX_CASE_PYTHON, else the python3
# on PATH resolved to its real executable (sys.executable), since a pyenv shim costs ~0.2 s a start, on
# both sides of every speedup ratio. Empty when there is no python3: commands then run as PATH finds them.
function(_parex_case_python out_var)
  if(NOT DEFINED PAREX_CASE_PYTHON)
    find_program(_parex_case_python3 NAMES python3 NO_CACHE)
    set(resolved "")
    if(_parex_case_python3)
      execute_process(COMMAND "${_parex_case_python3}" -c "import sys; print(sys.executable)"
        OUTPUT_VARIABLE resolved OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE rc ERROR_QUIET)
      if(NOT rc EQUAL 0 OR NOT EXISTS "${resolved}")
        set(resolved "${_parex_case_python3}")
      endif()
    endif()
    set(PAREX_CASE_PYTHON "${resolved}" CACHE FILEPATH
      "Interpreter for the python3/python commands of Python cases (a real executable, not a pyenv shim)")
  endif()
  set(${out_var} "${PAREX_CASE_PYTHON}" PARENT_SCOPE)
endfunction()

# Every function and loop of a variant at the start of a 64-byte line. The same loop compiled into two executables
# otherwise runs at a speed that depends on where the linker happened to put it (pool_map's do_work ran 12% slower
# 32 bytes into a line than 16 bytes in), and a speedup between the two would count it. Flags the compiler lacks
# are left out.
function(_parex_alignment_flags out_var)
  include(CheckCXXCompilerFlag)
  set(flags "")
  foreach(flag -falign-functions=64 -falign-loops=64)
    string(MAKE_C_IDENTIFIER "PAREX_CXX_HAS${flag}" has_flag)
    check_cxx_compiler_flag("${flag}" ${has_flag})
    if(${has_flag})
      list(APPEND flags "${flag}")
    endif()
  endforeach()
  set(${out_var} "${flags}" PARENT_SCOPE)
endfunction()

# _parex_scan_build_needs(<out_var> <source>...): the libraries a variant's sources ask for by what they write
# (docs/authoring-cases.md, "Build needs"): `#pragma omp` or <omp.h> -> openmp, <tbb/...> or <oneapi/tbb...> -> tbb,
# <mpi.h> -> mpi, <benchmark/benchmark.h> -> benchmark. The case's own headers a source includes ("work.hpp",
# "../pool_map/work.hpp") are read too, since a pragma there is compiled into the variant. The runner's
# catalog/build_needs.cpp applies the same rules to name the Debian packages a catalog needs.
function(_parex_scan_build_needs out_var)
  set(pending ${ARGN})
  set(seen "")
  set(needs "")
  while(pending)
    list(POP_FRONT pending file)
    if(file IN_LIST seen OR NOT EXISTS "${file}" OR IS_DIRECTORY "${file}")
      continue()
    endif()
    list(APPEND seen "${file}")
    file(STRINGS "${file}" lines REGEX "^[ \t]*#[ \t]*(pragma[ \t]+omp|include)")
    foreach(line IN LISTS lines)
      if(line MATCHES "^[ \t]*#[ \t]*pragma[ \t]+omp" OR line MATCHES "<omp\\.h>")
        list(APPEND needs openmp)
      elseif(line MATCHES "<(tbb|oneapi/tbb)[/.]")
        list(APPEND needs tbb)
      elseif(line MATCHES "<mpi\\.h>")
        list(APPEND needs mpi)
      elseif(line MATCHES "<benchmark/benchmark\\.h>")
        list(APPEND needs benchmark)
      elseif(line MATCHES "#[ \t]*include[ \t]*\"([^\"]+)\"")
        get_filename_component(dir "${file}" DIRECTORY)
        get_filename_component(included "${CMAKE_MATCH_1}" ABSOLUTE BASE_DIR "${dir}")
        list(APPEND pending "${included}")
      endif()
    endforeach()
  endwhile()
  list(REMOVE_DUPLICATES needs)
  set(${out_var} "${needs}" PARENT_SCOPE)
endfunction()

# _parex_link_build_need(<target> <need> <what>): links the library a need names, or fails configure naming the
# Debian package that provides it.
function(_parex_link_build_need target need what)
  if(need STREQUAL "openmp")
    find_package(OpenMP QUIET COMPONENTS CXX)
    set(library OpenMP::OpenMP_CXX)
    set(package "libgomp1 (with GCC; Clang needs libomp-dev)")
    set(why "uses OpenMP (#pragma omp or <omp.h>)")
  elseif(need STREQUAL "tbb")
    find_package(TBB CONFIG QUIET)
    set(library TBB::tbb)
    set(package libtbb-dev)
    set(why "includes oneTBB's headers (<tbb/...>)")
  elseif(need STREQUAL "mpi")
    find_package(MPI QUIET COMPONENTS CXX)
    set(library MPI::MPI_CXX)
    set(package "libopenmpi-dev openmpi-bin")
    set(why "includes <mpi.h>")
  elseif(need STREQUAL "benchmark")
    find_package(benchmark CONFIG QUIET)
    set(library benchmark::benchmark)
    set(package libbenchmark-dev)
    set(why "includes <benchmark/benchmark.h>")
  endif()
  if(NOT TARGET ${library})
    message(FATAL_ERROR "parex_add_catalog: ${what} ${why}, and ${library} was not found: apt-get install ${package}")
  endif()
  target_link_libraries(${target} PRIVATE ${library})
endfunction()

# _parex_read_build_settings(<case.toml> <case>): reads the case's [build] and [variants.V.build] tables, if it has
# any, into the caller's _parex_build_<case>_<variant or CASE>_<key> variables (cmake/parex_build_settings.py says why
# through Python). A case without such a table costs one file(STRINGS).
function(_parex_read_build_settings case_file case)
  file(STRINGS "${case_file}" tables REGEX "^[ \t]*(\\[[^]]*build[ \t]*\\]|build[ \t]*=)")
  if(NOT tables)
    return()
  endif()
  _parex_case_python(python)
  if(NOT python)
    message(FATAL_ERROR "parex_add_catalog: ${case_file} has a [build] table, which needs Python 3.11 or later to "
      "read: apt-get install python3")
  endif()
  execute_process(COMMAND "${python}" "${_PAREX_CMAKE_DIR}/parex_build_settings.py" "${case_file}"
    OUTPUT_VARIABLE lines ERROR_VARIABLE error RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    string(STRIP "${error}" error)
    message(FATAL_ERROR "parex_add_catalog: ${case_file}: ${error} (parex check says where)")
  endif()
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${case_file}")
  string(REPLACE "\n" ";" lines "${lines}")
  foreach(line IN LISTS lines)
    if(line MATCHES "^([^\t]+)\t([a-z_]+)\t(.+)$")
      list(APPEND _parex_build_${case}_${CMAKE_MATCH_1}_${CMAKE_MATCH_2} "${CMAKE_MATCH_3}")
      set(_parex_build_${case}_${CMAKE_MATCH_1}_${CMAKE_MATCH_2} "${_parex_build_${case}_${CMAKE_MATCH_1}_${CMAKE_MATCH_2}}"
        PARENT_SCOPE)
    endif()
  endforeach()
endfunction()

# _parex_apply_build_settings(<target> <case> <variant>): the case's [build], then the variant's: compile options
# as written; each of link_libraries a CMake target (`TBB::tbb`, found by find_package(TBB) when not yet defined)
# or a pkg-config name.
function(_parex_apply_build_settings target case variant)
  foreach(scope CASE "${variant}")
    if(_parex_build_${case}_${scope}_compile_options)
      target_compile_options(${target} PRIVATE ${_parex_build_${case}_${scope}_compile_options})
    endif()
    foreach(library IN LISTS _parex_build_${case}_${scope}_link_libraries)
      if(library MATCHES "^([A-Za-z0-9_]+)::")
        if(NOT TARGET ${library})
          find_package(${CMAKE_MATCH_1} QUIET)
        endif()
        if(NOT TARGET ${library})
          message(FATAL_ERROR "parex_add_catalog: case '${case}', variant '${variant}': [build] link_libraries names "
            "the CMake target ${library}, which find_package(${CMAKE_MATCH_1}) did not define: install the Debian "
            "package that provides ${CMAKE_MATCH_1}'s CMake files")
        endif()
        target_link_libraries(${target} PRIVATE ${library})
      else()
        find_package(PkgConfig QUIET)
        string(MAKE_C_IDENTIFIER "_parex_pc_${library}" prefix)
        if(PKG_CONFIG_FOUND)
          pkg_check_modules(${prefix} QUIET IMPORTED_TARGET GLOBAL "${library}")
        endif()
        if(NOT TARGET PkgConfig::${prefix})
          message(FATAL_ERROR "parex_add_catalog: case '${case}', variant '${variant}': [build] link_libraries names "
            "'${library}', which pkg-config does not know: install its -dev package (and pkg-config)")
        endif()
        target_link_libraries(${target} PRIVATE PkgConfig::${prefix})
      endif()
    endforeach()
  endforeach()
endfunction()

# The report needs a Python 3 that can import jinja2. The first python3 on PATH may lack it
# (pyenv builds do), so probe the candidates in order and keep the first that has it.
function(parex_find_report_python out_var)
  # More modules the interpreter must have (the report's tests want pytest too): the first that has them all.
  set(modules jinja2 ${ARGN})
  string(REPLACE ";" ", " imports "${modules}")
  if(PAREX_PYTHON)
    set(candidates "${PAREX_PYTHON}")
  else()
    find_program(_parex_path_python3 NAMES python3 NO_CACHE)
    set(candidates ${_parex_path_python3} /usr/bin/python3 /usr/local/bin/python3)
    list(REMOVE_DUPLICATES candidates)
  endif()
  foreach(candidate IN LISTS candidates)
    if(candidate AND EXISTS "${candidate}")
      execute_process(COMMAND "${candidate}" -c "import ${imports}"
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
  if(ARGN)
    return()  # the caller says what is missing
  endif()
  message(WARNING
    "parex: no Python 3 interpreter with Jinja2 found (tried: ${rejected}). "
    "The HTML report needs it: apt-get install python3-jinja2, "
    "or pass -DPAREX_PYTHON=/path/to/python3 that can 'import jinja2'.")
endfunction()

# The runner executable target: parex (build tree) or parex::runner (installed package).
function(_parex_runner_target out_var)
  if(TARGET parex::runner)
    set(${out_var} parex::runner PARENT_SCOPE)
  else()
    message(FATAL_ERROR "parex_add_catalog: the parex runner target is missing; "
      "add_subdirectory(parex) or find_package(parex CONFIG REQUIRED) first")
  endif()
endfunction()

# Registers the report step once: a CTest test that runs after every case test (fixture cleanup).
function(_parex_add_report_step results_dir)
  get_property(done GLOBAL PROPERTY _PAREX_REPORT_STEP)
  if(done)
    return()
  endif()
  set_property(GLOBAL PROPERTY _PAREX_REPORT_STEP TRUE)
  parex_find_report_python(PAREX_REPORT_PYTHON)  # every configure: installing Jinja2 later must be noticed
  if(NOT PAREX_REPORT_PYTHON)
    # Keep the step, failing loudly: a missing report must not pass unnoticed.
    add_test(NAME parex/report COMMAND "${CMAKE_COMMAND}" -E echo
      "parex: no Python 3 with Jinja2, so no report: apt-get install python3-jinja2, then re-run cmake (or -DPAREX_PYTHON=...)")
    set_tests_properties(parex/report PROPERTIES FIXTURES_CLEANUP parex_report LABELS "parex;report" WILL_FAIL TRUE)
    return()
  endif()
  if(NOT PAREX_REPORT_SCRIPT)
    set(PAREX_REPORT_SCRIPT "${_PAREX_CMAKE_DIR}/../reports/render.py")
  endif()
  add_test(NAME parex/report
    COMMAND "${PAREX_REPORT_PYTHON}" "${PAREX_REPORT_SCRIPT}" "${results_dir}"
            --out "${CMAKE_BINARY_DIR}/report")
  set_tests_properties(parex/report PROPERTIES FIXTURES_CLEANUP parex_report LABELS "parex;report")
endfunction()

# _parex_build_catalog(<dir> <bin_root> <out_targets>): builds every variant of every case of a
# catalog to <bin_root>/<case>/<variant>; sets <out_targets> to the executable targets.
function(_parex_build_catalog dir bin_root out_targets)
  file(GLOB case_files CONFIGURE_DEPENDS "${dir}/*/case.toml")
  list(SORT case_files)
  set(targets "")
  _parex_alignment_flags(alignment_flags)
  foreach(case_file IN LISTS case_files)
    get_filename_component(case_dir "${case_file}" DIRECTORY)
    get_filename_component(case "${case_dir}" NAME)
    if(NOT case MATCHES "^[a-z0-9_]+$")
      message(FATAL_ERROR "parex_add_catalog: case folder '${case_dir}': a case name must match [a-z0-9_]+")
    endif()
    get_property(other GLOBAL PROPERTY _PAREX_CASE_${case})
    if(other)
      message(FATAL_ERROR "parex_add_catalog: case '${case}' is in two catalogs: '${other}' and '${case_dir}'; "
        "case names are unique across catalogs")
    endif()
    set_property(GLOBAL PROPERTY _PAREX_CASE_${case} "${case_dir}")

    _parex_read_build_settings("${case_file}" "${case}")
    # A races check wants each variant built again with ThreadSanitizer (<variant>.tsan, run once by the runner).
    file(STRINGS "${case_file}" races_checks REGEX "^[ \t]*kind[ \t]*=[ \t]*[\"']races[\"']")
    # Variants by convention: <variant>.cpp, or a folder <variant>/ of .cpp files.
    file(GLOB single_sources CONFIGURE_DEPENDS "${case_dir}/*.cpp")
    file(GLOB entries LIST_DIRECTORIES true "${case_dir}/*")
    set(variants "")
    foreach(source IN LISTS single_sources)
      get_filename_component(variant "${source}" NAME_WE)
      list(APPEND variants "${variant}")
      set(sources_${variant} "${source}")
    endforeach()
    foreach(entry IN LISTS entries)
      if(IS_DIRECTORY "${entry}")
        file(GLOB_RECURSE folder_sources CONFIGURE_DEPENDS "${entry}/*.cpp")
        if(folder_sources)
          get_filename_component(variant "${entry}" NAME)
          list(APPEND variants "${variant}")
          set(sources_${variant} ${folder_sources})
        endif()
      endif()
    endforeach()
    foreach(variant IN LISTS variants)
      set(target "parex_${case}_${variant}")
      if(TARGET "${target}")
        continue()  # <variant>.cpp beside <variant>/: parex check reports it
      endif()
      add_executable(${target} ${sources_${variant}})
      # Debug info whatever the build type: a run that hangs shows each process's source line. -g does not
      # change the generated code, so timings are the same. The alignment flags: see _parex_alignment_flags.
      target_compile_options(${target} PRIVATE -g ${alignment_flags})
      _parex_configure_variant(${target} "${case}" "${variant}" "${variant}" "${bin_root}")
      # Its digest, as built: a baseline replaced or changed since is refused before it runs.
      add_custom_command(TARGET ${target} POST_BUILD
        COMMAND "${CMAKE_COMMAND}" "-DPAREX_DIGEST_OF=$<TARGET_FILE:${target}>" -P "${_PAREX_CMAKE_DIR}/ParexCatalog.cmake"
        VERBATIM)
      list(APPEND targets ${target})
      if(races_checks)
        _parex_add_tsan_variant(${target} "${case}" "${variant}" "${bin_root}")
        list(APPEND targets ${target}_tsan)
      endif()
      unset(sources_${variant})
    endforeach()
  endforeach()

  set(${out_targets} ${targets} PARENT_SCOPE)
endfunction()

# <target>_tsan: the variant's sources again, instrumented by ThreadSanitizer, as <bin_root>/<case>/<variant>.tsan
# (a races check's one untimed run). -O1 keeps TSan's stacks readable and its run short; the build needs and [build]
# settings are the variant's own. A compiler without TSan's runtime fails configure with its Debian package.
function(_parex_add_tsan_variant target case variant bin_root)
  if(NOT DEFINED CACHE{_PAREX_TSAN_WORKS})
    include(CheckCXXSourceCompiles)
    set(CMAKE_REQUIRED_FLAGS -fsanitize=thread)
    set(CMAKE_REQUIRED_LINK_OPTIONS -fsanitize=thread)
    set(CMAKE_REQUIRED_QUIET TRUE)
    check_cxx_source_compiles("int main() { return 0; }" _PAREX_TSAN_WORKS)
  endif()
  if(NOT _PAREX_TSAN_WORKS)
    message(FATAL_ERROR "parex_add_catalog: case '${case}' has a races check, which builds its variants with "
      "ThreadSanitizer (-fsanitize=thread), and this compiler cannot link it: apt-get install libtsan2 (GCC 12)")
  endif()
  get_target_property(sources ${target} SOURCES)
  add_executable(${target}_tsan ${sources})
  target_compile_options(${target}_tsan PRIVATE -fsanitize=thread -g -O1)
  target_link_options(${target}_tsan PRIVATE -fsanitize=thread)
  _parex_configure_variant(${target}_tsan "${case}" "${variant}" "${variant}.tsan" "${bin_root}")
endfunction()

# What every build of a variant gets (its executable, its ThreadSanitizer build): parex::support, the needs its
# sources (and the case headers they include) show, linked without a line of CMake, its [build] settings, and
# <bin_root>/<case>/<output_name> as its path.
function(_parex_configure_variant target case variant output_name bin_root)
  target_link_libraries(${target} PRIVATE parex::support)
  get_target_property(sources ${target} SOURCES)
  _parex_scan_build_needs(needs ${sources})
  foreach(need IN LISTS needs)
    _parex_link_build_need(${target} ${need} "case '${case}': variant '${variant}'")
  endforeach()
  _parex_apply_build_settings(${target} "${case}" "${variant}")
  set_target_properties(${target} PROPERTIES
    OUTPUT_NAME "${output_name}"
    RUNTIME_OUTPUT_DIRECTORY "${bin_root}/${case}")
  # Multi-config generators would add a per-config folder; the runner expects <bin-root>/<case>/<variant>.
  foreach(config IN LISTS CMAKE_CONFIGURATION_TYPES)
    string(TOUPPER "${config}" config)
    set_target_properties(${target} PROPERTIES RUNTIME_OUTPUT_DIRECTORY_${config} "${bin_root}/${case}")
  endforeach()
endfunction()

function(parex_add_catalog dir)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "BIN_ROOT;RESULTS_DIR" "")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "parex_add_catalog: unknown arguments: ${arg_UNPARSED_ARGUMENTS}")
  endif()
  get_filename_component(dir "${dir}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  if(NOT IS_DIRECTORY "${dir}")
    message(FATAL_ERROR "parex_add_catalog: catalog '${dir}' is not a directory")
  endif()
  if(NOT arg_BIN_ROOT)
    set(arg_BIN_ROOT "${CMAKE_BINARY_DIR}/parex-bin")
  endif()
  if(NOT arg_RESULTS_DIR)
    set(arg_RESULTS_DIR "${CMAKE_BINARY_DIR}/parex-results")
  endif()
  _parex_runner_target(runner)
  get_target_property(runner_imported ${runner} IMPORTED)
  if(runner_imported)
    set(runner_dependency "$<TARGET_FILE:${runner}>")  # a file: an imported target is not buildable
  else()
    set(runner_dependency ${runner})
  endif()

  _parex_build_catalog("${dir}" "${arg_BIN_ROOT}" variant_targets)
  file(GLOB case_files CONFIGURE_DEPENDS "${dir}/*/case.toml")

  # One CTest include file per catalog, written by the runner itself at build time: the runner is
  # the one parser of case.toml, so a catalog error fails the build with its file:line:col message.
  string(MD5 key "${dir}")
  string(SUBSTRING "${key}" 0 8 key)
  get_filename_component(catalog_name "${dir}" NAME)
  set(stem "${CMAKE_CURRENT_BINARY_DIR}/parex_catalog_${catalog_name}_${key}")
  set(generated "${stem}_tests.cmake")
  set(include_file "${stem}_include.cmake")
  _parex_case_python(case_python)
  set(python_option "")
  if(case_python)
    set(python_option --python "${case_python}")
  endif()
  add_custom_command(
    OUTPUT "${generated}"
    COMMAND "$<TARGET_FILE:${runner}>" list "${dir}" --ctest "${generated}" --bin-root "${arg_BIN_ROOT}" --results "${arg_RESULTS_DIR}"
            --build-dir "${CMAKE_BINARY_DIR}" --cmake "${CMAKE_COMMAND}" ${python_option}
    DEPENDS ${runner_dependency} ${case_files}
    COMMENT "parex: checking catalog ${dir}"
    VERBATIM)
  add_custom_target(parex_catalog_${catalog_name}_${key} ALL DEPENDS "${generated}" ${variant_targets})
  file(WRITE "${include_file}"
    "if(EXISTS \"${generated}\")\n"
    "  include(\"${generated}\")\n"
    "else()\n"
    "  add_test(parex_catalog_${catalog_name}_NOT_BUILT \"${CMAKE_COMMAND}\" -E echo \"parex: catalog ${dir} is not built yet: run cmake --build first\")\n"
    "  set_tests_properties(parex_catalog_${catalog_name}_NOT_BUILT PROPERTIES WILL_FAIL TRUE)\n"
    "endif()\n")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${include_file}")
  _parex_add_report_step("${arg_RESULTS_DIR}")
endfunction()
