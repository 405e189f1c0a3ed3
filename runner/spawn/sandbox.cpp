#include "sandbox.hpp"

#include <fcntl.h>
#include <grp.h>
#include <linux/mount.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <algorithm>

#include <fmt/format.h>

namespace fs = std::filesystem;

namespace parex {
namespace {

// glibc 2.36 has no wrappers for the new mount API.
int open_tree(int dirfd, const char* path, unsigned flags) {
  return static_cast<int>(::syscall(SYS_open_tree, dirfd, path, flags));
}
int move_mount(int from_dirfd, const char* from, int to_dirfd, const char* to, unsigned flags) {
  return static_cast<int>(::syscall(SYS_move_mount, from_dirfd, from, to_dirfd, to, flags));
}
int mount_setattr(int dirfd, const char* path, unsigned flags, mount_attr* attr) {
  return static_cast<int>(::syscall(SYS_mount_setattr, dirfd, path, flags, attr, sizeof *attr));
}

// Whether `path` lies strictly below `folder`.
bool below(const fs::path& path, const fs::path& folder) {
  auto [end, _] = std::mismatch(folder.begin(), folder.end(), path.begin(), path.end());
  return end == folder.end() && path.lexically_normal() != folder.lexically_normal();
}

// The namespaces every run joins, kept for the runner's lifetime: network (only a loopback, up), UTS and
// cgroup. Made by a helper child, kept open by descriptor; false with `why_not` when refused.
// With `s.user_namespace` (a runner that is not root) they belong to a new user namespace in which the runner's
// uid and gid are s.uid and s.gid, and the runner joins it: there it may make the runs' namespaces and mounts.
bool make_runner_namespaces(SandboxSupport& s) {
  int ready[2];
  if (::pipe2(ready, O_CLOEXEC) != 0) return s.why_not = "cannot make a pipe", false;
  const uid_t outer_uid = ::geteuid();
  const gid_t outer_gid = ::getegid();
  pid_t helper = ::fork();
  if (helper == 0) {
    char status = 0;
    auto write_file = [](const char* path, const std::string& text) {
      int fd = ::open(path, O_WRONLY | O_CLOEXEC);
      bool ok = fd >= 0 && ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
      if (fd >= 0) ::close(fd);
      return ok;
    };
    if (s.user_namespace &&
        (::unshare(CLONE_NEWUSER) != 0 || !write_file("/proc/self/setgroups", "deny") ||
         !write_file("/proc/self/uid_map", fmt::format("{} {} 1", s.uid, outer_uid)) ||
         !write_file("/proc/self/gid_map", fmt::format("{} {} 1", s.gid, outer_gid))))
      status = 5;
    if (status == 0 && ::unshare(CLONE_NEWNET | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP) != 0) status = 1;
    if (status == 0) {
      int sock = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
      ifreq lo{};
      std::strncpy(lo.ifr_name, "lo", IFNAMSIZ - 1);
      if (sock < 0 || ::ioctl(sock, SIOCGIFFLAGS, &lo) != 0) status = 2;
      lo.ifr_flags |= IFF_UP;
      if (status == 0 && ::ioctl(sock, SIOCSIFFLAGS, &lo) != 0) status = 2;
      if (status == 0 && ::sethostname("parex", 5) != 0) status = 4;
    }
    (void)!::write(ready[1], &status, 1);
    ::pause();
    ::_exit(0);
  }
  ::close(ready[1]);
  char status = 3;
  if (helper < 0 || ::read(ready[0], &status, 1) != 1) status = 3;
  ::close(ready[0]);
  if (status == 0) {
    s.net_fd = ::open(fmt::format("/proc/{}/ns/net", helper).c_str(), O_RDONLY | O_CLOEXEC);
    s.uts_fd = ::open(fmt::format("/proc/{}/ns/uts", helper).c_str(), O_RDONLY | O_CLOEXEC);
    s.cgroup_fd = ::open(fmt::format("/proc/{}/ns/cgroup", helper).c_str(), O_RDONLY | O_CLOEXEC);
    if (s.user_namespace) s.user_fd = ::open(fmt::format("/proc/{}/ns/user", helper).c_str(), O_RDONLY | O_CLOEXEC);
  }
  if (helper > 0) {
    ::kill(helper, SIGKILL);
    ::waitpid(helper, nullptr, 0);
  }
  if (status == 1) s.why_not = fmt::format("namespaces refused ({}): a container's seccomp profile?", std::strerror(EPERM));
  else if (status == 2) s.why_not = "cannot bring up the loopback of a new network namespace";
  else if (status == 4) s.why_not = "cannot name the host of a new UTS namespace";
  else if (status == 5) s.why_not = "unprivileged user namespaces refused (kernel.unprivileged_userns_clone, a seccomp profile?)";
  else if (status == 3 || s.net_fd < 0 || s.uts_fd < 0 || s.cgroup_fd < 0) s.why_not = "cannot make the runner's namespaces";
  if (s.why_not.empty() && s.user_namespace) {
    if (s.user_fd < 0) s.why_not = "cannot keep the runner's user namespace";
    else if (::setns(s.user_fd, CLONE_NEWUSER) != 0)  // refused to a process with threads: called before any
      s.why_not = fmt::format("cannot enter the runner's user namespace: {}", std::strerror(errno));
  }
  return s.why_not.empty();
}

}  // namespace

const SandboxSupport& sandbox_support() {
  static const SandboxSupport support = [] {
    SandboxSupport s;
    if (const char* uid = std::getenv("PAREX_SANDBOX_UID"); uid && *uid) s.uid = s.gid = static_cast<uid_t>(std::atol(uid));
    s.user_namespace = ::geteuid() != 0;
    if (s.uid == 0) {
      s.why_not = "PAREX_SANDBOX_UID is 0";
      return s;
    }
    s.available = make_runner_namespaces(s);
    return s;
  }();
  return support;
}

int sandbox_clone_flags() { return CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC; }

SandboxPlan::SandboxPlan(const SandboxRequest& request) {
  active_ = request.enabled && sandbox_support().available;
  if (!active_) return;
  // The grader's home is covered too (its secrets, its tools), when it is a folder of its own.
  struct Folder {
    fs::path path;
    std::string options;
    bool read_only = false;
  };
  const std::string scratch = fmt::format("size={}m,mode=1777", request.scratch_mb);
  std::vector<Folder> covers = {{"/tmp", scratch}, {"/dev/shm", scratch}};
  if (const char* home = std::getenv("HOME"); home && *home) {
    const fs::path path = fs::path(home).lexically_normal();
    std::error_code ec;
    const bool covered = std::any_of(covers.begin(), covers.end(), [&](const Folder& cover) {
      return path == cover.path || below(path, cover.path);  // a home in /tmp is gone with it already
    });
    if (path.has_relative_path() && fs::is_directory(path, ec) && !covered) covers.push_back({path, "size=1m,mode=0755", true});
  }
  struct Kept {
    fs::path path;
    std::vector<fs::path> parents;
  };
  std::vector<Kept> keeps;
  for (const auto& wanted : request.keep) {
    std::error_code ec;
    if (!fs::is_directory(wanted, ec)) continue;  // e.g. the bin folder of a case with no compiled variant
    const fs::path path = fs::absolute(wanted).lexically_normal();
    for (const auto& cover : covers) {
      if (!below(path, cover.path)) continue;
      Kept kept{path, {}};
      fs::path parent = cover.path;
      for (auto it = std::next(path.begin(), std::distance(cover.path.begin(), cover.path.end())); it != path.end(); ++it) {
        parent /= *it;
        if (parent != path) kept.parents.push_back(parent);
      }
      keeps.push_back(std::move(kept));
      break;
    }
  }
  std::vector<std::pair<fs::path, bool>> hides;  // (path, is a folder)
  for (const auto& path : request.hide) {
    std::error_code ec;
    const auto status = fs::symlink_status(path, ec);
    if (!ec && fs::exists(status)) hides.emplace_back(fs::absolute(path).lexically_normal(), fs::is_directory(status));
  }
  struct Bound {
    fs::path source, target;
    bool folder;
  };
  std::vector<Bound> work;
  if (!request.workdir.empty())
    for (const auto& file : request.work_files) {
      std::error_code ec;
      const auto status = fs::status(file, ec);
      if (!ec && fs::exists(status))
        work.push_back({fs::absolute(file).lexically_normal(), request.workdir / file.filename(), fs::is_directory(status)});
    }
  // Every string is stored before any pointer is taken: strings_ is sized once.
  std::size_t count = 2 * covers.size() + 2 * hides.size() + 1 + 2 * work.size();
  for (fs::path p = request.workdir; p.has_relative_path(); p = p.parent_path()) ++count;
  for (const auto& kept : keeps) count += 1 + kept.parents.size();
  strings_.reserve(count);
  auto keep_string = [&](std::string text) { return strings_.emplace_back(std::move(text)).c_str(); };
  for (const auto& cover : covers)
    covers_.push_back({keep_string(cover.path.string()), keep_string(cover.options), cover.read_only});
  for (const auto& kept : keeps) {
    Keep keep{keep_string(kept.path.string()), {}};
    for (const auto& parent : kept.parents) keep.parents.push_back(keep_string(parent.string()));
    keeps_.push_back(std::move(keep));
  }
  for (const auto& [path, folder] : hides) (folder ? hide_dirs_ : hide_files_).push_back(keep_string(path.string()));
  if (!request.workdir.empty()) {
    workdir_ = keep_string(request.workdir.string());
    for (fs::path parent = request.workdir.parent_path(); parent.has_relative_path(); parent = parent.parent_path())
      work_parents_.insert(work_parents_.begin(), keep_string(parent.string()));
    for (const auto& bound : work)
      work_files_.push_back({keep_string(bound.source.string()), keep_string(bound.target.string()), bound.folder});
  }
}

namespace {
int failed(const char*& step, const char* what) {
  step = what;
  return errno ? errno : EPERM;
}
}  // namespace

int SandboxPlan::apply_namespaces(const char*& step) const {
  const SandboxSupport& support = sandbox_support();
  auto fail = [&](const char* what) { return failed(step, what); };
  if (::setns(support.net_fd, CLONE_NEWNET) != 0) return fail("join the network namespace");
  if (::setns(support.uts_fd, CLONE_NEWUTS) != 0) return fail("join the UTS namespace");
  if (::setns(support.cgroup_fd, CLONE_NEWCGROUP) != 0) return fail("join the cgroup namespace");
  // Nothing mounted here reaches the runner's namespace, and the root file system is read-only.
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return fail("make the mounts private");
  // Every mount read-only, not / alone: a world-writable folder on a mount of its own (/var/tmp, /run/lock on
  // many machines) would outlive the run. What is mounted below (the scratch, the working folder) is the run's.
  mount_attr all_read_only{};
  all_read_only.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID;
  if (mount_setattr(AT_FDCWD, "/", AT_RECURSIVE, &all_read_only) != 0) return fail("make every mount read-only");
  // A /proc of the run's own pid namespace: the run's processes, none of the machine's.
  if (::mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0) return fail("mount a fresh /proc");
  // The folders the run needs under a covered one are taken along (detached copies), read-only, before it is covered.
  constexpr std::size_t kMaxKeep = 16;
  int kept[kMaxKeep];
  const std::size_t keeps = std::min(keeps_.size(), kMaxKeep);
  for (std::size_t i = 0; i < keeps; ++i) {
    kept[i] = open_tree(AT_FDCWD, keeps_[i].path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
    if (kept[i] < 0) return fail("take a folder the run needs");
    mount_attr read_only{};
    read_only.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
    if (mount_setattr(kept[i], "", AT_EMPTY_PATH | AT_RECURSIVE, &read_only) != 0) return fail("make a kept folder read-only");
  }
  for (const auto& cover : covers_)
    if (::mount("tmpfs", cover.path, "tmpfs", MS_NOSUID | MS_NODEV, cover.options) != 0) return fail("cover a folder");
  for (std::size_t i = 0; i < keeps; ++i) {
    for (const char* parent : keeps_[i].parents)
      if (::mkdir(parent, 0755) != 0 && errno != EEXIST) return fail("make a kept folder's parents");
    if (::mkdir(keeps_[i].path, 0755) != 0 && errno != EEXIST) return fail("make a kept folder's mount point");
    if (move_mount(kept[i], "", AT_FDCWD, keeps_[i].path, MOVE_MOUNT_F_EMPTY_PATH) != 0) return fail("put a kept folder back");
    ::close(kept[i]);
  }
  // The grader's home stays empty and read-only (in a user namespace the run would own its cover's root).
  for (const auto& cover : covers_)
    if (cover.read_only &&
        ::mount(nullptr, cover.path, nullptr, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, cover.options) != 0)
      return fail("make a covered folder read-only");
  // The run's working folder, in its fresh /tmp: its own, with its files bound in read-only.
  if (workdir_) {
    for (const char* parent : work_parents_) ::mkdir(parent, 0755);  // EEXIST for /tmp itself
    if (::mkdir(workdir_, 0755) != 0 && errno != EEXIST) return fail("make the working folder");
    for (const auto& file : work_files_) {
      if (file.folder ? ::mkdir(file.target, 0755) != 0 : ::close(::open(file.target, O_CREAT | O_WRONLY | O_CLOEXEC, 0644)) != 0)
        return fail("make a mount point in the working folder");
      if (::mount(file.source, file.target, nullptr, MS_BIND | MS_REC, nullptr) != 0) return fail("bind a file into the working folder");
      if (::mount(nullptr, file.target, nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, nullptr) != 0)
        return fail("make a working folder's file read-only");
    }
    if (::chown(workdir_, support.uid, support.gid) != 0) return fail("give the working folder to the run");
  }
  // A hidden path under the old /tmp is gone already (ENOENT): nothing to cover.
  for (const char* dir : hide_dirs_)
    if (::mount("tmpfs", dir, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,mode=0555") != 0 &&
        errno != ENOENT)
      return fail("hide a folder");
  // A hidden file cannot be opened at all: a bind of /dev/null, remounted nodev (a device node on a merely
  // read-only mount can still be written).
  for (const char* file : hide_files_) {
    if (::mount("/dev/null", file, nullptr, MS_BIND, nullptr) != 0) {
      if (errno == ENOENT) continue;
      return fail("hide a file");
    }
    if (::mount(nullptr, file, nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOEXEC | MS_NODEV, nullptr) != 0)
      return fail("make a hidden file read-only");
  }
  errno = 0;
  return 0;
}

int SandboxPlan::apply_identity(const char*& step) const {
  const SandboxSupport& support = sandbox_support();
  auto fail = [&](const char* what) { return failed(step, what); };
  // An identity that owns nothing of the grader's, with no way back to privileges.
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return fail("set no_new_privs");
  // In a user namespace setgroups is denied (what makes its gid map possible): the groups are the grader's.
  if (!support.user_namespace && ::setgroups(0, nullptr) != 0) return fail("drop supplementary groups");
  if (::setresgid(support.gid, support.gid, support.gid) != 0) return fail("set the sandbox gid");
  if (::setresuid(support.uid, support.uid, support.uid) != 0) return fail("set the sandbox uid");
  errno = 0;
  return 0;
}

std::string describe_sandbox(const SandboxRequest& request) {
  const SandboxSupport& support = sandbox_support();
  if (!request.enabled) return "none: turned off (--no-sandbox or the case's sandbox = false)";
  if (!support.available) return "none: " + support.why_not;
  return fmt::format("uid {}{} (no capabilities, no_new_privs); per run: pid (an init as pid 1), mount and IPC "
                     "namespaces, a fresh /proc, private /tmp and /dev/shm ({} MiB each), the grader's home covered, "
                     "every mount read-only, {} path(s) hidden; network (loopback only), UTS and cgroup namespaces",
                     support.uid, support.user_namespace ? " in a user namespace of the runner's (the grader's uid outside it)" : "",
                     request.scratch_mb, request.hide.size()) +
         (request.workdir.empty() ? "" : fmt::format("; its working folder {} holds {} file(s) of its case, read-only",
                                                      request.workdir.string(), request.work_files.size()));
}

}  // namespace parex
