// SHA-256 (OpenSSL's libcrypto), for catalog hashes and the grade cache's keys, and digests of folders.
#pragma once

#include <filesystem>
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

// Adds every file below dir (as files_below lists them) to sha: "<prefix><path>\n<size>\n" and its bytes, in path
// order; throws when one cannot be listed.
void hash_files_below(Sha256& sha, const std::filesystem::path& dir, const std::string& prefix);

// sha256 of the files below dir as files_below lists them (paths and contents), as hex; "" if unreadable.
std::string files_digest(const std::filesystem::path& dir);

}  // namespace parex
