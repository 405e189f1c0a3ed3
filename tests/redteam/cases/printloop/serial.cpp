// The baseline: squares, then cubes, one after the other (0.6 s).
#include "lesson.hpp"

int main() {
  calc_square();
  calc_cube();
}
