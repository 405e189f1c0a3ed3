// Scaled sleeps: the lesson's seconds, shrunk by PAREX_TIME_SCALE so that a grade takes moments.
#pragma once

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

namespace parex {

// PAREX_TIME_SCALE, read once; 1.0 when unset, and 1.0 with a warning when it is not a positive number.
inline double time_scale() {
  static const double scale = [] {
    const char* text = std::getenv("PAREX_TIME_SCALE");
    if (!text || !*text) return 1.0;
    char* end = nullptr;
    double value = std::strtod(text, &end);
    if (end == text || *end != '\0' || !(value > 0)) {
      std::fprintf(stderr, "parex: ignoring PAREX_TIME_SCALE='%s' (not a positive number); using 1.0\n", text);
      return 1.0;
    }
    return value;
  }();
  return scale;
}

// Sleeps `duration` × time_scale().
template <typename Rep, typename Period>
void sleep_for(std::chrono::duration<Rep, Period> duration) {
  std::this_thread::sleep_for(std::chrono::duration<double>(duration) * time_scale());
}

}  // namespace parex
