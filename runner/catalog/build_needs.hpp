// What a case's compiled variants need beyond parex, read from their sources by the rules parex_add_catalog links
// by (cmake/ParexCatalog.cmake, _parex_scan_build_needs), so that an autograder image or a learner's machine can
// install it before anything is built.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "catalog/catalog.hpp"

namespace parex {

// The needs of the case's compiled variants: "openmp" (#pragma omp, <omp.h>), "tbb" (<tbb/...>, <oneapi/tbb...>),
// "mpi" (<mpi.h>), "benchmark" (<benchmark/benchmark.h>), also through the case's own headers they include; and
// "tsan" for a case with a races check (its variants are built again with ThreadSanitizer).
std::set<std::string> build_needs(const CaseSpec& spec);

// The Debian packages that provide `needs`, in a stable order.
std::vector<std::string> debian_packages_for(const std::set<std::string>& needs);

}  // namespace parex
