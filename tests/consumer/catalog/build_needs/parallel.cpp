#include <fmt/format.h>
#include <openssl/crypto.h>

#include "team.hpp"

int main() {
  fmt::print("answer {}\n", ANSWER);                  // [build] compile_options
  fmt::print("openssl {}\n", OpenSSL_version_num());  // [build] link_libraries
  fmt::print("{} of {}\n", TEAM_WORD, team_size());   // [variants.parallel.build], and OpenMP from team.hpp
}
