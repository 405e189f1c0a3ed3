// Leaves a System V shared memory segment behind, for a later run to find.
#include "attacks.hpp"

int main() {
  using namespace redteam;
  key_t key = static_cast<key_t>(std::strtoul(env("REDTEAM_SHM_KEY").c_str(), nullptr, 16));
  int id = ::shmget(key, 4096, IPC_CREAT | 0666);
  std::printf("%s\n", id >= 0 ? "made a segment" : "could not make a segment");
  return failed("(the test looks for it on the machine)");
}
