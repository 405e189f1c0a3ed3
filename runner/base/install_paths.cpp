#include "base/install_paths.hpp"

#include <cstdlib>

namespace fs = std::filesystem;

namespace parex {
namespace {

// env when set; else <prefix>/share/parex/<installed> beside the running parex; else the source tree's.
fs::path locate(const char* env, const char* installed, const fs::path& in_source) {
  if (const char* dir = std::getenv(env)) return dir;
  std::error_code ec, unreachable;  // a folder this user cannot reach is not there: what needs it says so, as data
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  const fs::path share = exe.parent_path().parent_path() / "share/parex" / installed;
  if (!ec && fs::is_directory(share, unreachable)) return share;
  return in_source;
}

}  // namespace

fs::path support_python_dir() {
  static const fs::path dir =
      locate("PAREX_SUPPORT_PYTHON", "python", fs::path(PAREX_SOURCE_DIR) / "cases/support/python");
  return dir;
}

fs::path parex_source_release() { return locate("PAREX_SOURCE_RELEASE", "source", PAREX_SOURCE_DIR); }

fs::path reports_dir() { return locate("PAREX_REPORTS", "reports", fs::path(PAREX_SOURCE_DIR) / "reports"); }

}  // namespace parex
