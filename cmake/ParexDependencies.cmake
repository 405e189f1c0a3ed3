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
  parex_require_package(OpenSSL libssl-dev)  # sha256 (libcrypto): catalog hashes of learner editions
  # RE2, the runner's one regex engine. Upstream installs a CMake config; Debian 12's package has
  # only pkg-config, so that is the fallback.
  find_package(re2 CONFIG QUIET)
  if(NOT re2_FOUND)
    find_package(PkgConfig QUIET)
    if(PkgConfig_FOUND)
      pkg_check_modules(RE2 QUIET IMPORTED_TARGET GLOBAL re2)
    endif()
    if(NOT RE2_FOUND)
      message(FATAL_ERROR "parex: dependency 're2' not found. On Debian/Ubuntu: apt-get install libre2-dev pkg-config")
    endif()
    add_library(re2::re2 ALIAS PkgConfig::RE2)
  endif()
  # elfutils' libdw: the stacks of a run that hangs (runner/spawn/hang.cpp). pkg-config only.
  find_package(PkgConfig QUIET)
  if(PkgConfig_FOUND)
    pkg_check_modules(LIBDW QUIET IMPORTED_TARGET GLOBAL libdw)
  endif()
  if(NOT LIBDW_FOUND)
    message(FATAL_ERROR "parex: dependency 'libdw' (elfutils) not found. On Debian/Ubuntu: apt-get install libdw-dev pkg-config")
  endif()
  # libseccomp: the filter that keeps runs and builds off the kernel's keyrings (runner/spawn/seccomp.cpp).
  if(PkgConfig_FOUND)
    pkg_check_modules(LIBSECCOMP QUIET IMPORTED_TARGET GLOBAL libseccomp)
  endif()
  if(NOT LIBSECCOMP_FOUND)
    message(FATAL_ERROR "parex: dependency 'libseccomp' not found. On Debian/Ubuntu: apt-get install libseccomp-dev pkg-config")
  endif()
endif()
if(PAREX_BUILD_TESTS)
  parex_require_package(GTest "libgtest-dev libgmock-dev" CONFIG)
endif()
parex_require_package(benchmark libbenchmark-dev CONFIG)
