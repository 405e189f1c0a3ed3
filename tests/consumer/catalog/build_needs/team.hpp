// The OpenMP pragma is in this header, not in parallel.cpp: the variant's build still finds it.
#pragma once

#include <omp.h>

inline int team_size() {
  int size = 0;
#pragma omp parallel num_threads(2)
  {
#pragma omp single
    size = omp_get_num_threads();
  }
  return size;
}
