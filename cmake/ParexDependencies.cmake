# Finds every dependency of parex; a missing one stops configure naming the Debian package.
include_guard(GLOBAL)

# parex_require_package(<Package> <debian-package> [find_package args...])
# parex_require_pkg_config(<PREFIX> <module> <debian-package> <what>): a pkg-config module as the GLOBAL imported
# target PkgConfig::<PREFIX>; a missing one stops configure naming <what> ("'re2'") and the package.
function(parex_require_pkg_config prefix module debian_package what)
  find_package(PkgConfig QUIET)
  if(PkgConfig_FOUND)
    pkg_check_modules(${prefix} QUIET IMPORTED_TARGET GLOBAL ${module})
  endif()
  if(NOT ${prefix}_FOUND)
    message(FATAL_ERROR "parex: dependency ${what} not found. On Debian/Ubuntu: apt-get install ${debian_package} pkg-config")
  endif()
endfunction()

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
  parex_require_package(OpenSSL libssl-dev)  # sha256 (libcrypto): catalog hashes of learner editions
  # RE2, the runner's one regex engine. Upstream installs a CMake config; Debian 12's package has
  # only pkg-config, so that is the fallback.
  find_package(re2 CONFIG QUIET)
  if(NOT re2_FOUND)
    parex_require_pkg_config(RE2 re2 libre2-dev "'re2'")
    add_library(re2::re2 ALIAS PkgConfig::RE2)
  endif()
  # elfutils' libdw: the stacks of a run that hangs (runner/spawn/hang_capture.cpp). pkg-config only.
  parex_require_pkg_config(LIBDW libdw libdw-dev "'libdw' (elfutils)")
  # libseccomp: the filter that keeps runs and builds off the kernel's keyrings (runner/spawn/seccomp.cpp).
  parex_require_pkg_config(LIBSECCOMP libseccomp libseccomp-dev "'libseccomp'")
endif()
if(PAREX_BUILD_TESTS)
  parex_require_package(GTest "libgtest-dev libgmock-dev" CONFIG)
endif()
parex_require_package(benchmark libbenchmark-dev CONFIG)
