// Rewrites the case's case.toml to lower the bar for the next grade.
#include "attacks.hpp"

int main() {
  using namespace redteam;
  std::string path = case_dir() + "/case.toml";
  if (scribble(path, "", O_WRONLY | O_APPEND)) return succeeded("opened " + path + " for writing");
  return failed("open " + path + " for writing");
}
