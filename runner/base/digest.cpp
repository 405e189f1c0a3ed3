#include "base/digest.hpp"

#include <stdexcept>

#include <fmt/format.h>
#include <openssl/evp.h>

#include "base/files.hpp"

namespace parex {

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  if (!ctx_ || EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) != 1) throw std::runtime_error("sha256: cannot start");
}

Sha256::~Sha256() { EVP_MD_CTX_free(ctx_); }

void Sha256::update(std::string_view data) { EVP_DigestUpdate(ctx_, data.data(), data.size()); }

std::string Sha256::hex() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_DigestFinal_ex(ctx_, digest, &size);
  std::string out;
  for (unsigned int i = 0; i < size; ++i) out += fmt::format("{:02x}", digest[i]);
  return out;
}

void hash_files_below(Sha256& sha, const std::filesystem::path& dir, const std::string& prefix) {
  for (const auto& file : files_below(dir)) {
    const std::string content = read_file(dir / file);
    sha.update(fmt::format("{}{}\n{}\n", prefix, file.generic_string(), content.size()));
    sha.update(content);
  }
}

std::string files_digest(const std::filesystem::path& dir) {
  Sha256 sha;
  try {
    hash_files_below(sha, dir, "");
  } catch (const std::exception&) {
    return "";
  }
  return sha.hex();
}

}  // namespace parex
