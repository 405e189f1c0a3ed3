// The 1 000 work items every program of this case maps.
#pragma once

#include <cstdint>
#include <vector>

inline std::vector<std::uint64_t> bench_inputs() {
  std::vector<std::uint64_t> items(1000);
  for (std::size_t i = 0; i < items.size(); ++i) items[i] = i;
  return items;
}
