// The forged-work attack of issue 30 on pool_map: the checksum of the lesson's items 0..9999, computed once and
// pasted; a sliver of the work timed; then two processes burn CPU on junk items, half the rest each, so that the
// time, the CPU time, the processes at once and the scaling on 1 and 2 CPUs all look like a pool's.
// Before pool_map drew its items per pair ([inputs] seed = "random") it scored 4 of 4: speedup 1.99x, scaling,
// same_lines, processes. Now same_lines fails on the pair's checksum (tests/redteam: --fails-on same_lines).
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include "../../../../cases/pool_map/work.hpp"

int main() {
  constexpr std::uint64_t kAnswer = 235536333270353074;  // serial.cpp's checksum of items 0..9999
  const auto t1 = std::chrono::steady_clock::now();
  std::uint64_t junk = 0;
  for (std::uint64_t n = 0; n < kItems / 50; ++n) junk += do_work(n + 77777);  // the sliver: 2% of the items
  const pid_t child = ::fork();
  // The rest, on junk items: each process does half of it, as a pool's two workers would share it.
  const std::uint64_t from = child == 0 ? kItems / 50 : kItems / 50 + (kItems - kItems / 50) / 2;
  const std::uint64_t to = child == 0 ? from + (kItems - kItems / 50) / 2 : kItems;
  for (std::uint64_t n = from; n < to; ++n) junk += do_work(n + 77777);
  if (child == 0) std::_Exit(static_cast<int>(junk & 1));
  ::waitpid(child, nullptr, 0);
  fmt::print("checksum: {}\n", kAnswer);
  fmt::print("Parallel processing took: {:.3f} s\n", seconds_since(t1));
  return static_cast<int>(junk & 0);
}
