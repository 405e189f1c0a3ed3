#include <fmt/format.h>
#include <parex/pool.hpp>

#include "work.hpp"

int main() {
  const auto t1 = std::chrono::steady_clock::now();
  parex::Pool pool;  // one worker per core
  auto results = pool.map(do_work, inputs());
  pool.close();  // good practice, as in Python: no more work, then wait for the workers to exit
  pool.join();
  fmt::print("checksum: {}\n", checksum(results));
  fmt::print("Pool took: {:.3f} s\n", seconds_since(t1));
}
