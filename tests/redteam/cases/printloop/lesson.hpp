// The square_cube lesson in small: six squares and six cubes, a (scaled) second of sleep before each.
#pragma once

#include <chrono>
#include <cstdio>
#include <thread>

inline const int kNumbers[] = {2, 3, 8, 6, 7, 8};

inline void nap(double seconds) { std::this_thread::sleep_for(std::chrono::duration<double>(seconds)); }
