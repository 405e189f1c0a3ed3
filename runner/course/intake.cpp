#include "course/intake.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

#include <fmt/format.h>

namespace parex {
namespace {

// openat2 beneath `dirfd`: no component may be a link, '..' may not climb out, no /proc magic link is followed.
int open_beneath(int dirfd, const std::string& path, int flags) {
  open_how how{};
  how.flags = static_cast<std::uint64_t>(flags | O_CLOEXEC | O_NOFOLLOW);
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  return static_cast<int>(::syscall(SYS_openat2, dirfd, path.c_str(), &how, sizeof how));
}

std::string megabytes(std::size_t bytes) { return fmt::format("{:g} MiB", static_cast<double>(bytes) / (1 << 20)); }

// Reads the regular file open as `fd`, at most `max_bytes`; nullopt with `why` otherwise.
std::optional<std::string> read_regular(int fd, std::size_t max_bytes, std::string& why) {
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return why = "not a regular file", std::nullopt;
  if (static_cast<std::size_t>(st.st_size) > max_bytes) return why = "over " + megabytes(max_bytes), std::nullopt;
  std::string content(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t got = 0;
  while (got < content.size()) {
    const ssize_t n = ::read(fd, content.data() + got, content.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  content.resize(got);
  return content;
}

struct Walk {
  const IntakeLimits& limits;
  std::size_t& total;
  CaseIntake& out;
  std::size_t entries = 0;

  void folder(int dirfd, const std::string& prefix, int depth) {
    const int listing = ::dup(dirfd);
    DIR* dir = listing >= 0 ? ::fdopendir(listing) : nullptr;
    if (!dir) {
      if (listing >= 0) ::close(listing);
      out.skipped.push_back(prefix + " (unreadable)");
      return;
    }
    std::vector<std::string> names;
    while (dirent* entry = ::readdir(dir))
      if (std::strcmp(entry->d_name, ".") != 0 && std::strcmp(entry->d_name, "..") != 0)
        names.emplace_back(entry->d_name);
    ::closedir(dir);
    std::sort(names.begin(), names.end());
    for (const auto& name : names) {
      const std::string relative = prefix.empty() ? name : prefix + "/" + name;
      if (++entries > limits.max_entries) {
        out.skipped.push_back(
            fmt::format("{} and what follows (over {} files and folders)", relative, limits.max_entries));
        return;
      }
      struct stat st {};
      if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
      if (S_ISLNK(st.st_mode)) {
        out.skipped.push_back(relative + " (a link)");
      } else if (S_ISDIR(st.st_mode)) {
        if (depth >= 16) {
          out.skipped.push_back(relative + " (too deep)");
          continue;
        }
        Fd sub(open_beneath(dirfd, name, O_RDONLY | O_DIRECTORY));
        if (!sub)
          out.skipped.push_back(fmt::format("{} ({})", relative, std::strerror(errno)));
        else
          folder(sub.get(), relative, depth + 1);
      } else if (!S_ISREG(st.st_mode)) {
        out.skipped.push_back(relative + " (not a regular file)");
      } else {
        // O_NONBLOCK: were it swapped for a FIFO since, the open does not wait for a writer.
        Fd file(open_beneath(dirfd, name, O_RDONLY | O_NONBLOCK));
        std::string why;
        std::optional<std::string> content;
        if (!file)
          why = std::strerror(errno);
        else
          content = read_regular(
              file.get(),
              std::min(limits.max_file_bytes, limits.max_total_bytes - std::min(total, limits.max_total_bytes)), why);
        if (!content) {
          if (why.starts_with("over ") && total + static_cast<std::size_t>(st.st_size) > limits.max_total_bytes &&
              static_cast<std::size_t>(st.st_size) <= limits.max_file_bytes)
            why = fmt::format("the submission's files are over {} together", megabytes(limits.max_total_bytes));
          out.skipped.push_back(fmt::format("{} ({})", relative, why));
          continue;
        }
        total += content->size();
        out.files.push_back({relative, std::move(*content)});
      }
    }
  }
};

}  // namespace

Fd open_submission(const std::filesystem::path& root) {
  Fd fd(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd)
    throw std::system_error(errno, std::generic_category(),
                            fmt::format("cannot open the submission {}", root.string()));
  return fd;
}

CaseIntake take_case_folder(int root_fd, const std::vector<std::string>& candidates, const IntakeLimits& limits,
                            std::size_t& total) {
  CaseIntake out;
  for (const auto& candidate : candidates) {
    Fd dir(open_beneath(root_fd, candidate, O_RDONLY | O_DIRECTORY));
    if (!dir) {
      const int error = errno;
      // A link as the last component fails as ENOTDIR or ELOOP: told apart from no folder by opening the name itself.
      if (error == ENOENT || (error == ENOTDIR && Fd(open_beneath(root_fd, candidate, O_PATH)).get() < 0)) continue;
      // ELOOP: a component is a link (RESOLVE_NO_SYMLINKS); EXDEV: it would leave the submission.
      out.refused =
          error == ELOOP || error == EXDEV || error == ENOTDIR
              ? fmt::format("{}/ is a link, or lies through one, or is no folder: links are not followed", candidate)
              : fmt::format("{}/ cannot be read: {}", candidate, std::strerror(error));
      return out;
    }
    out.folder = candidate;
    Walk{limits, total, out}.folder(dir.get(), "", 0);
    return out;
  }
  return out;
}

std::optional<std::string> read_beneath(int root_fd, const std::string& relative, std::size_t max_bytes,
                                        std::string& why) {
  Fd file(open_beneath(root_fd, relative, O_RDONLY | O_NONBLOCK));
  if (!file) {
    why = errno == ELOOP || errno == EXDEV ? "a link" : std::strerror(errno);
    return std::nullopt;
  }
  return read_regular(file.get(), max_bytes, why);
}

bool has_control_character(std::string_view name) {
  return std::any_of(name.begin(), name.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

}  // namespace parex
