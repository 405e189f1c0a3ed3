// Floods the runner with probe records through the real probe API: 100 000 records of 4.7 KiB (458 MiB), each
// under the 64 KiB a record may have and together within the 100 000 records a run may keep. Their bytes were
// not counted: the run passed and its result was a 470 MiB JSON. It succeeds when nothing stopped it.
#include <string>

#include <parex/probe.hpp>

#include "attacks.hpp"

int main() {
  using namespace redteam;
  const std::string value(4800, 'x');
  for (int i = 0; i < 100000; ++i) parex::probe("flood", value);
  return succeeded("sent 100000 probe records of 4.7 KiB (458 MiB) and was not stopped");
}
