// The mount calls a sandbox is built with, internal to spawn/sandbox*.cpp: the new mount API, folders kept through
// a cover, and a failure as an errno with the step that failed.
#pragma once

#include <fcntl.h>
#include <linux/mount.h>

#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <vector>

#include "spawn/sandbox.hpp"

namespace parex {

// glibc 2.36 has no wrappers for the new mount API.
int open_tree(int dirfd, const char* path, unsigned flags);
int move_mount(int from_dirfd, const char* from, int to_dirfd, const char* to, unsigned flags);
int mount_setattr(int dirfd, const char* path, unsigned flags, mount_attr* attr);

// Sets `step` to `what` and returns errno (EPERM when errno is 0): a sandbox step's failure.
int failed(const char*& step, const char* what);

// A detached, read-only copy of the folder at `path` (with what is mounted below it), or -1.
int take_read_only(const char* path);

// Puts a folder taken by take_read_only back in the cover that replaced it, making its parents.
int put_back(int kept, const KeptFolder& folder, const char*& step);

// Mounts covers (`cover()`, which returns 0 or an errno) over folders holding `keeps`: each is taken along before, as
// a detached read-only copy, and put back after. Returns 0, or an errno with `step` naming what failed.
template <typename Cover>
int cover_keeping(const std::vector<KeptFolder>& keeps, Cover&& cover, const char*& step) {
  constexpr std::size_t kMaxKeep = 16;
  int kept[kMaxKeep];
  const std::size_t count = std::min(keeps.size(), kMaxKeep);
  for (std::size_t i = 0; i < count; ++i) {
    kept[i] = keeps[i].as_is ? open_tree(AT_FDCWD, keeps[i].path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE)
                             : take_read_only(keeps[i].path);
    if (kept[i] < 0) return failed(step, "take a folder the run needs");
  }
  if (int error = cover(); error != 0) return error;
  for (std::size_t i = 0; i < count; ++i)
    if (int error = put_back(kept[i], keeps[i], step); error != 0) return error;
  return 0;
}

// Whether `path` lies strictly below `folder`.
bool below(const std::filesystem::path& path, const std::filesystem::path& folder);

}  // namespace parex
