// Prints argv[1] lines argv[2] ms apart, each right after a probe stamped with the writer's clock:
// the runner's arrival time minus the probe's time is its timestamp error.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include <parex/probe.hpp>

int main(int argc, char** argv) {
  long count = argc > 1 ? std::atol(argv[1]) : 200;
  long gap_ms = argc > 2 ? std::atol(argv[2]) : 5;
  for (long i = 0; i < count; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(gap_ms));
    parex::probe("line", i);
    std::printf("line %ld\n", i);
    std::fflush(stdout);
  }
}
