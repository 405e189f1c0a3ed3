// The mount calls a sandbox is built with: the new mount API's system calls, a folder taken read-only and put back.
#include "spawn/sandbox_mounts.hpp"

#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace fs = std::filesystem;

namespace parex {

int open_tree(int dirfd, const char* path, unsigned flags) {
  return static_cast<int>(::syscall(SYS_open_tree, dirfd, path, flags));
}
int move_mount(int from_dirfd, const char* from, int to_dirfd, const char* to, unsigned flags) {
  return static_cast<int>(::syscall(SYS_move_mount, from_dirfd, from, to_dirfd, to, flags));
}
int mount_setattr(int dirfd, const char* path, unsigned flags, mount_attr* attr) {
  return static_cast<int>(::syscall(SYS_mount_setattr, dirfd, path, flags, attr, sizeof *attr));
}

int failed(const char*& step, const char* what) {
  step = what;
  return errno ? errno : EPERM;
}

int take_read_only(const char* path) {
  int fd = open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
  if (fd < 0) return -1;
  mount_attr read_only{};
  read_only.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
  if (mount_setattr(fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &read_only) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

int put_back(int kept, const KeptFolder& folder, const char*& step) {
  for (const char* parent : folder.parents)
    if (::mkdir(parent, 0755) != 0 && errno != EEXIST) return failed(step, "make a kept folder's parents");
  if (::mkdir(folder.path, 0755) != 0 && errno != EEXIST) return failed(step, "make a kept folder's mount point");
  if (move_mount(kept, "", AT_FDCWD, folder.path, MOVE_MOUNT_F_EMPTY_PATH) != 0)
    return failed(step, "put a kept folder back");
  ::close(kept);
  return 0;
}

bool below(const fs::path& path, const fs::path& folder) {
  auto [end, _] = std::mismatch(folder.begin(), folder.end(), path.begin(), path.end());
  return end == folder.end() && path.lexically_normal() != folder.lexically_normal();
}

}  // namespace parex
