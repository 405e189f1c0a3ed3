// SHA-256 (OpenSSL's libcrypto), for catalog hashes and the grade cache's keys.
#pragma once

#include <memory>
#include <string>
#include <string_view>

struct evp_md_ctx_st;

namespace parex {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(std::string_view data);
  std::string hex();  // the digest of everything updated so far, in lowercase hex; ends this hash

 private:
  evp_md_ctx_st* ctx_;
};

}  // namespace parex
