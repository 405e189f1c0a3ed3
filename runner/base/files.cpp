#include "base/files.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include "base/fd.hpp"

namespace fs = std::filesystem;

namespace parex {

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void write_file(const fs::path& path, std::string_view text) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

void write_file_atomically(const fs::path& path, std::string_view text) {
  fs::create_directories(path.parent_path());
  fs::path temp = path;
  temp += fmt::format(".tmp.{}", ::getpid());
  {
    Fd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!fd) throw errno_error(fmt::format("cannot write {}", temp.string()));
    while (!text.empty()) {
      ssize_t n = retry_eintr([&] { return ::write(fd.get(), text.data(), text.size()); });
      if (n < 0) {
        int saved = errno;
        ::unlink(temp.c_str());
        errno = saved;
        throw errno_error(fmt::format("cannot write {}", temp.string()));
      }
      text.remove_prefix(static_cast<std::size_t>(n));
    }
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    int saved = errno;
    ::unlink(temp.c_str());
    errno = saved;
    throw errno_error(fmt::format("cannot rename {} to {}", temp.string(), path.string()));
  }
}

std::vector<fs::path> files_below(const fs::path& dir) {
  std::vector<fs::path> out;
  for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator(); ++it) {
    const auto name = it->path().filename().string();
    if (it->is_directory() && (name == "__pycache__" || name.starts_with("."))) {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file() && !name.ends_with(".pyc")) out.push_back(fs::relative(it->path(), dir));
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace parex
