// Connects to a server on the grader's loopback (the test listens on REDTEAM_PORT).
#include "attacks.hpp"

int main() {
  using namespace redteam;
  int sock = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(std::atoi(env("REDTEAM_PORT").c_str())));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(sock, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0) {
    (void)!::write(sock, "exfiltrated\n", 12);
    return succeeded("connected to the grader's 127.0.0.1");
  }
  return failed("connect to 127.0.0.1");
}
