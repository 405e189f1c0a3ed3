// Mounts over the case folder, to show the grader a case.toml of its own.
#include "attacks.hpp"

int main() {
  using namespace redteam;
  if (::mount("tmpfs", case_dir().c_str(), "tmpfs", 0, nullptr) == 0) return succeeded("mounted over " + case_dir());
  return failed("mount over " + case_dir());
}
