#include <fmt/format.h>

int main() {
  // Implement your code here: square 1, 2, 3, 4 in a parex::Pool and print "squares: [...]".
  fmt::print("squares: ?\n");
}
