#include "spawn/sandbox.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/mount.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "spawn/seccomp.hpp"

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

int failed(const char*& step, const char* what) {
  step = what;
  return errno ? errno : EPERM;
}

// A detached, read-only copy of the folder at `path` (with what is mounted below it), or -1.
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

// Puts a folder taken by take_read_only back in the cover that replaced it, making its parents.
int put_back(int kept, const KeptFolder& folder, const char*& step) {
  for (const char* parent : folder.parents)
    if (::mkdir(parent, 0755) != 0 && errno != EEXIST) return failed(step, "make a kept folder's parents");
  if (::mkdir(folder.path, 0755) != 0 && errno != EEXIST) return failed(step, "make a kept folder's mount point");
  if (move_mount(kept, "", AT_FDCWD, folder.path, MOVE_MOUNT_F_EMPTY_PATH) != 0) return failed(step, "put a kept folder back");
  ::close(kept);
  return 0;
}

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
    // A mount of the new IPC namespace's mqueue file system, for the runs' inits to empty it.
    int mqueue = -1;
    if (status == 0) {
      int context = static_cast<int>(::syscall(SYS_fsopen, "mqueue", FSOPEN_CLOEXEC));
      if (context < 0 || ::syscall(SYS_fsconfig, context, FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) != 0 ||
          (mqueue = static_cast<int>(::syscall(SYS_fsmount, context, FSMOUNT_CLOEXEC, 0))) < 0)
        status = 6;
    }
    if (status == 0) {
      int sock = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
      ifreq lo{};
      std::strncpy(lo.ifr_name, "lo", IFNAMSIZ - 1);
      if (sock < 0 || ::ioctl(sock, SIOCGIFFLAGS, &lo) != 0) status = 2;
      lo.ifr_flags |= IFF_UP;
      if (status == 0 && ::ioctl(sock, SIOCSIFFLAGS, &lo) != 0) status = 2;
      if (status == 0 && ::sethostname("parex", 5) != 0) status = 4;
    }
    char message[1 + sizeof mqueue];
    message[0] = status;
    std::memcpy(message + 1, &mqueue, sizeof mqueue);
    (void)!::write(ready[1], message, sizeof message);
    ::pause();
    ::_exit(0);
  }
  ::close(ready[1]);
  char status = 3;
  int mqueue = -1;
  char message[1 + sizeof mqueue];
  if (helper < 0 || ::read(ready[0], message, sizeof message) != sizeof message) message[0] = 3;
  status = message[0];
  std::memcpy(&mqueue, message + 1, sizeof mqueue);
  ::close(ready[0]);
  if (status == 0) {
    s.net_fd = ::open(fmt::format("/proc/{}/ns/net", helper).c_str(), O_RDONLY | O_CLOEXEC);
    s.uts_fd = ::open(fmt::format("/proc/{}/ns/uts", helper).c_str(), O_RDONLY | O_CLOEXEC);
    s.cgroup_fd = ::open(fmt::format("/proc/{}/ns/cgroup", helper).c_str(), O_RDONLY | O_CLOEXEC);
    s.ipc_fd = ::open(fmt::format("/proc/{}/ns/ipc", helper).c_str(), O_RDONLY | O_CLOEXEC);
    s.mqueue_fd = ::open(fmt::format("/proc/{}/fd/{}", helper, mqueue).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (s.user_namespace) s.user_fd = ::open(fmt::format("/proc/{}/ns/user", helper).c_str(), O_RDONLY | O_CLOEXEC);
  }
  if (helper > 0) {
    ::kill(helper, SIGKILL);
    ::waitpid(helper, nullptr, 0);
  }
  if (status == 1) s.why_not = fmt::format("namespaces refused ({}): a container's seccomp profile?", std::strerror(EPERM));
  else if (status == 2) s.why_not = "cannot bring up the loopback of a new network namespace";
  else if (status == 4) s.why_not = "cannot name the host of a new UTS namespace";
  else if (status == 6) s.why_not = "cannot mount the mqueue file system of a new IPC namespace";
  else if (status == 5) s.why_not = "unprivileged user namespaces refused (kernel.unprivileged_userns_clone, a seccomp profile?)";
  else if (status == 3 || s.net_fd < 0 || s.uts_fd < 0 || s.cgroup_fd < 0) s.why_not = "cannot make the runner's namespaces";
  else if (s.ipc_fd < 0 || s.mqueue_fd < 0) s.why_not = "cannot keep the runner's IPC namespace";
  if (s.why_not.empty() && s.user_namespace) {
    if (s.user_fd < 0) s.why_not = "cannot keep the runner's user namespace";
    else if (::setns(s.user_fd, CLONE_NEWUSER) != 0)  // refused to a process with threads: called before any
      s.why_not = fmt::format("cannot enter the runner's user namespace: {}", std::strerror(errno));
  }
  return s.why_not.empty();
}

// Removes every System V object and POSIX message queue of the caller's IPC namespace (`mqueue`: a mount of its
// mqueue file system). Each kind is counted first: an empty namespace costs three system calls and a getdents.
bool empty_ipc_namespace(int mqueue) {
  bool ok = true;
  shm_info segments{};
  if (int last = ::shmctl(0, SHM_INFO, reinterpret_cast<shmid_ds*>(&segments)); last >= 0 && segments.used_ids > 0)
    for (int index = 0; index <= last; ++index) {
      shmid_ds segment;
      if (int id = ::shmctl(index, SHM_STAT_ANY, &segment); id >= 0) ok &= ::shmctl(id, IPC_RMID, nullptr) == 0;
    }
  seminfo sets{};
  if (int last = ::semctl(0, 0, SEM_INFO, &sets); last >= 0 && sets.semusz > 0)
    for (int index = 0; index <= last; ++index) {
      semid_ds set;
      if (int id = ::semctl(index, 0, SEM_STAT_ANY, &set); id >= 0) ok &= ::semctl(id, 0, IPC_RMID) == 0;
    }
  msginfo queues{};
  if (int last = ::msgctl(0, MSG_INFO, reinterpret_cast<msqid_ds*>(&queues)); last >= 0 && queues.msgpool > 0)
    for (int index = 0; index <= last; ++index) {
      msqid_ds queue;
      if (int id = ::msgctl(index, MSG_STAT_ANY, &queue); id >= 0) ok &= ::msgctl(id, IPC_RMID, nullptr) == 0;
    }
  alignas(8) char entries[1024];
  if (::lseek(mqueue, 0, SEEK_SET) != 0) return false;
  for (long n; (n = ::syscall(SYS_getdents64, mqueue, entries, sizeof entries)) > 0;)
    for (long at = 0; at < n;) {
      const auto* entry = reinterpret_cast<const dirent64*>(entries + at);
      at += entry->d_reclen;
      if (std::strcmp(entry->d_name, ".") != 0 && std::strcmp(entry->d_name, "..") != 0)
        ok &= ::unlinkat(mqueue, entry->d_name, 0) == 0;
    }
  return ok;
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

int sandbox_clone_flags() { return CLONE_NEWPID; }

namespace {

// A mount of the runner's namespace, from /proc/self/mountinfo: where, and of which file system type.
struct Mounted {
  fs::path point;
  std::string type;
};

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape_mountinfo(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 3 < text.size()) {
      out += static_cast<char>((text[i + 1] - '0') * 64 + (text[i + 2] - '0') * 8 + (text[i + 3] - '0'));
      i += 3;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::vector<Mounted> runner_mounts() {
  std::vector<Mounted> mounts;
  std::ifstream info("/proc/self/mountinfo");
  for (std::string line; std::getline(info, line);) {
    std::istringstream fields(line);
    std::string id, parent, device, root, point, skip;
    fields >> id >> parent >> device >> root >> point;
    while (fields >> skip && skip != "-") {}
    std::string type;
    fields >> type;
    if (!point.empty()) mounts.push_back({unescape_mountinfo(point), type});
  }
  return mounts;
}

bool at_or_below(const fs::path& path, const fs::path& folder) { return path == folder || below(path, folder); }

// What the helper making a template applies, every string in place before it forks (it only makes system calls).
struct TemplateSteps {
  std::vector<const char*> unmount;  // deepest first
  const char* home = nullptr;        // the grader's home, covered by an empty read-only tmpfs, or none
  std::vector<KeptFolder> home_keeps;
  std::vector<const char*> hide_dirs, hide_files;
  // An allow-list root instead (SandboxRequest::root): each entry taken from the runner's file system and put at
  // `staged`, below the folder the new root is assembled in (kRootStaging) before it becomes the root.
  struct RootEntry {
    const char* source;  // what is bound
    const char* staged;
    const char* link;  // a symbolic link made anew, pointing there; nullptr: a bind of `path`
    bool folder, writable, device;
  };
  std::vector<RootEntry> root;
  std::vector<const char*> root_folders;  // staged folders to make, parents first
};

// Where an allow-list root is assembled in the helper's own mount namespace: a tmpfs over /tmp there, mounted
// after every bind was taken, so that nothing below the runner's /tmp is covered before it is.
constexpr const char* kRootStaging = "/tmp";

// The new root, from `t.root`: a small tmpfs of mount points, each bind taken from the runner's file system
// (read-only unless writable; devices keep their nodes), then pivot_root into it, the old root detached, and
// the tmpfs itself made read-only. Returns 0, or an errno with `step` naming what failed.
int build_root(const TemplateSteps& t, const char*& step) {
  auto fail = [&](const char* what) { return failed(step, what); };
  constexpr std::size_t kMaxBinds = 64;
  if (t.root.size() > kMaxBinds) return errno = E2BIG, fail("take the root's folders (too many)");
  int taken[kMaxBinds];
  for (std::size_t i = 0; i < t.root.size(); ++i) {
    const auto& entry = t.root[i];
    taken[i] = -1;
    if (entry.link) continue;
    // /proc is the one exception: the runner's, alone (no submount), under the fresh one each run mounts, since in
    // a user namespace the kernel mounts a proc only where one is already fully visible.
    const bool proc = std::strcmp(entry.source, "/proc") == 0;
    taken[i] = open_tree(AT_FDCWD, entry.source, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (proc ? 0 : AT_RECURSIVE));
    if (taken[i] < 0) return fail("take a folder of the root");
    mount_attr attributes{};
    attributes.attr_set = proc ? MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC
                               : MOUNT_ATTR_NOSUID | (entry.device ? 0 : MOUNT_ATTR_NODEV) | (entry.writable ? 0 : MOUNT_ATTR_RDONLY);
    if (mount_setattr(taken[i], "", AT_EMPTY_PATH | AT_RECURSIVE, &attributes) != 0) return fail("set a root folder's flags");
  }
  if (::mount("tmpfs", kRootStaging, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755") != 0) return fail("make the root");
  for (const char* folder : t.root_folders)
    if (::mkdir(folder, 0755) != 0 && errno != EEXIST) return fail("make the root's folders");
  for (std::size_t i = 0; i < t.root.size(); ++i) {
    const auto& entry = t.root[i];
    if (entry.link) {
      if (::symlink(entry.link, entry.staged) != 0) return fail("make a link of the root");
      continue;
    }
    // A mount point, unless an earlier bind holds one there (a file bound over another's).
    if (::access(entry.staged, F_OK) != 0 &&
        (entry.folder ? ::mkdir(entry.staged, 0755) != 0 : ::close(::open(entry.staged, O_CREAT | O_WRONLY | O_CLOEXEC, 0644)) != 0))
      return fail("make a mount point in the root");
    if (move_mount(taken[i], "", AT_FDCWD, entry.staged, MOVE_MOUNT_F_EMPTY_PATH) != 0) return fail("bind a folder into the root");
    ::close(taken[i]);
  }
  const std::string old_root = std::string(kRootStaging) + "/.old-root";
  if (::mkdir(old_root.c_str(), 0700) != 0) return fail("make the old root's mount point");
  if (::syscall(SYS_pivot_root, kRootStaging, old_root.c_str()) != 0) return fail("pivot into the root");
  if (::chdir("/") != 0) return fail("enter the root");
  if (::umount2("/.old-root", MNT_DETACH) != 0) return fail("detach the old root");
  ::rmdir("/.old-root");
  mount_attr read_only{};
  read_only.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
  if (mount_setattr(AT_FDCWD, "/", 0, &read_only) != 0) return fail("make the root read-only");
  return 0;
}

// In a new mount namespace: everything of the run's file system that is the same for every run of a plan.
// Returns 0, or an errno with `step` naming what failed.
int build_template(const TemplateSteps& t, const char*& step) {
  auto fail = [&](const char* what) { return failed(step, what); };
  if (::unshare(CLONE_NEWNS) != 0) return fail("make a mount namespace");
  // Nothing mounted here reaches the runner's namespace.
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return fail("make the mounts private");
  if (!t.root.empty()) {
    if (int error = build_root(t, step); error != 0) return error;
    errno = 0;
    return 0;
  }
  // What no run sees, or sees fresh: each costs every run a copy and a teardown.
  for (const char* point : t.unmount) ::umount2(point, MNT_DETACH);
  // Every mount read-only, not / alone: a world-writable folder on a mount of its own (/var/tmp, /run/lock on
  // many machines) would outlive the run. What is mounted below (the scratch, the working folder) is the run's.
  mount_attr all_read_only{};
  all_read_only.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID;
  if (mount_setattr(AT_FDCWD, "/", AT_RECURSIVE, &all_read_only) != 0) return fail("make every mount read-only");
  if (t.home) {
    // The folders the run needs under the home are taken along, read-only, before it is covered.
    auto cover = [&] {
      return ::mount("tmpfs", t.home, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755") != 0 ? fail("cover the home") : 0;
    };
    if (int error = cover_keeping(t.home_keeps, cover, step); error != 0) return error;
    // Empty and read-only (in a user namespace the run would own its cover's root).
    if (::mount(nullptr, t.home, nullptr, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, "size=1m,mode=0755") != 0)
      return fail("make the covered home read-only");
  }
  // A hidden path that is gone already (ENOENT) needs no cover.
  for (const char* dir : t.hide_dirs)
    if (::mount("tmpfs", dir, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,mode=0555") != 0 &&
        errno != ENOENT)
      return fail("hide a folder");
  // A hidden file cannot be opened at all: a bind of /dev/null, remounted nodev (a device node on a merely
  // read-only mount can still be written).
  for (const char* file : t.hide_files) {
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

// A mount namespace built by a helper child, kept by descriptor; -1 with `error` and `step` set when refused.
int make_template(const TemplateSteps& steps, int& error, const char*& step) {
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) return error = errno, step = "make a pipe", -1;
  pid_t helper = ::fork();
  if (helper == 0) {
    const char* failed_step = nullptr;
    struct {
      int error;
      const char* step;  // a string literal: the same address in the parent
    } result{build_template(steps, failed_step), nullptr};
    result.step = failed_step;
    (void)!::write(report[1], &result, sizeof result);
    ::pause();
    ::_exit(0);
  }
  ::close(report[1]);
  struct {
    int error;
    const char* step;
  } result{ECHILD, "start the helper that builds the run's file system"};
  if (helper < 0 || ::read(report[0], &result, sizeof result) != sizeof result) result = {ECHILD, "build the run's file system"};
  ::close(report[0]);
  int fd = -1;
  if (result.error == 0) {
    fd = ::open(fmt::format("/proc/{}/ns/mnt", helper).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) result = {errno, "keep the run's file system"};
  }
  if (helper > 0) {
    ::kill(helper, SIGKILL);
    ::waitpid(helper, nullptr, 0);
  }
  error = result.error;
  step = result.step;
  return fd;
}

}  // namespace

SandboxPlan::SandboxPlan(const SandboxRequest& request) {
  active_ = request.enabled && sandbox_support().available;
  if (!active_) return;
  keyring_filter_ = spawn::keyring_filter();  // built here: the child only loads it
  if (!request.root.empty()) {
    plan_root(request);
    return;
  }
  // The run's scratch, fresh for each run; and the grader's home (its secrets, its tools), covered when it is a
  // folder of its own.
  const fs::path scratch_folders[] = {"/tmp", "/dev/shm"};
  auto in_scratch = [&](const fs::path& path) {
    return std::any_of(std::begin(scratch_folders), std::end(scratch_folders),
                       [&](const fs::path& folder) { return at_or_below(path, folder); });
  };
  fs::path home;
  if (const char* value = std::getenv("HOME"); value && *value) {
    const fs::path path = fs::path(value).lexically_normal();
    std::error_code ec;
    if (path.has_relative_path() && fs::is_directory(path, ec) && !in_scratch(path)) home = path;  // in /tmp: gone with it
  }
  struct Kept {
    fs::path path;
    std::vector<fs::path> parents;
  };
  std::vector<Kept> scratch_keeps, home_keeps;
  std::vector<fs::path> kept_paths;
  for (const auto& wanted : request.keep) {
    std::error_code ec;
    if (!fs::is_directory(wanted, ec)) continue;  // e.g. the bin folder of a case with no compiled variant
    const fs::path path = fs::absolute(wanted).lexically_normal();
    kept_paths.push_back(path);
    std::vector<fs::path> covers(std::begin(scratch_folders), std::end(scratch_folders));
    if (!home.empty()) covers.push_back(home);
    for (const auto& cover : covers) {
      if (!below(path, cover)) continue;
      Kept kept{path, {}};
      fs::path parent = cover;
      for (auto it = std::next(path.begin(), std::distance(cover.begin(), cover.end())); it != path.end(); ++it) {
        parent /= *it;
        if (parent != path) kept.parents.push_back(parent);
      }
      (cover == home ? home_keeps : scratch_keeps).push_back(std::move(kept));
      break;
    }
  }
  std::vector<std::pair<fs::path, bool>> hides;  // (path, is a folder)
  for (const auto& path : request.hide) {
    std::error_code ec;
    const auto status = fs::symlink_status(path, ec);
    if (!ec && fs::exists(status)) hides.emplace_back(fs::absolute(path).lexically_normal(), fs::is_directory(status));
  }
  // The runner's mounts that no run sees: /proc (each run mounts its own), what lies below /sys (cgroups, tracing)
  // and below a cover, and message queues (the host's IPC namespace). Kept: what holds a folder the run needs.
  std::vector<fs::path> unmount;
  for (const auto& mounted : runner_mounts()) {
    const fs::path& point = mounted.point;
    const bool unseen = at_or_below(point, "/proc") || below(point, "/sys") || in_scratch(point) ||
                        (!home.empty() && at_or_below(point, home)) || mounted.type == "mqueue";
    const bool needed = std::any_of(kept_paths.begin(), kept_paths.end(), [&](const fs::path& kept) {
      return at_or_below(kept, point) || below(point, kept);
    });
    if (unseen && !needed && point != "/") unmount.push_back(point);
  }
  std::sort(unmount.begin(), unmount.end(), [](const fs::path& a, const fs::path& b) {
    return std::distance(a.begin(), a.end()) > std::distance(b.begin(), b.end());  // deepest first
  });
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
  // The child reads these strings through pointers: a deque keeps them where they are as it grows.
  auto keep_string = [&](std::string text) { return strings_.emplace_back(std::move(text)).c_str(); };
  const char* scratch_options = keep_string(fmt::format("size={}m,mode=1777", request.scratch_mb));
  for (const auto& folder : scratch_folders) scratch_.push_back(keep_string(folder.string()));
  scratch_options_ = scratch_options;
  auto kept_folder = [&](const Kept& kept) {
    KeptFolder folder{keep_string(kept.path.string()), {}};
    for (const auto& parent : kept.parents) folder.parents.push_back(keep_string(parent.string()));
    return folder;
  };
  for (const auto& kept : scratch_keeps) scratch_keeps_.push_back(kept_folder(kept));
  if (!request.workdir.empty()) {
    workdir_ = keep_string(request.workdir.string());
    for (fs::path parent = request.workdir.parent_path(); parent.has_relative_path(); parent = parent.parent_path())
      work_parents_.insert(work_parents_.begin(), keep_string(parent.string()));
    for (const auto& bound : work)
      work_files_.push_back({keep_string(bound.source.string()), keep_string(bound.target.string()), bound.folder});
  }
  TemplateSteps steps;
  for (const auto& point : unmount) steps.unmount.push_back(keep_string(point.string()));
  if (!home.empty()) steps.home = keep_string(home.string());
  for (const auto& kept : home_keeps) steps.home_keeps.push_back(kept_folder(kept));
  for (const auto& [path, folder] : hides) (folder ? steps.hide_dirs : steps.hide_files).push_back(keep_string(path.string()));
  template_.reset(make_template(steps, template_error_, template_step_));
}

void SandboxPlan::plan_root(const SandboxRequest& request) {
  auto keep_string = [&](std::string text) { return strings_.emplace_back(std::move(text)).c_str(); };
  struct Entry {
    fs::path path, source;
    std::string link;
    bool folder = false, writable = false, device = false;
  };
  std::vector<Entry> entries;
  for (const auto& bind : request.root) {
    const fs::path path = fs::absolute(bind.path).lexically_normal();
    const fs::path source = bind.source.empty() ? path : fs::absolute(bind.source).lexically_normal();
    std::error_code ec;
    const auto status = fs::symlink_status(source, ec);
    if (ec || !fs::exists(status)) continue;  // e.g. /lib64 on a machine without one
    Entry entry{path, source, "", fs::is_directory(status), bind.writable, false};
    if (fs::is_symlink(status)) entry.link = fs::read_symlink(source, ec).string();
    if (!ec) entries.push_back(std::move(entry));
  }
  for (const char* device : {"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom"})
    entries.push_back({device, device, "", false, false, true});
  entries.push_back({"/proc", "/proc", "", true, false, false});  // covered by each run's own (build_root says why)
  for (const auto& [link, target] : std::initializer_list<std::pair<const char*, const char*>>{
           {"/dev/fd", "/proc/self/fd"}, {"/dev/stdin", "/proc/self/fd/0"}, {"/dev/stdout", "/proc/self/fd/1"},
           {"/dev/stderr", "/proc/self/fd/2"}})
    entries.push_back({link, link, target});
  // Outer paths first: a bind inside another bind's folder would need a mount point made in it.
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.path < b.path; });
  const auto staged = [](const fs::path& path) { return std::string(kRootStaging) + path.string(); };
  std::vector<std::string> folders;
  for (const char* folder : {"/tmp", "/dev", "/dev/shm"}) folders.push_back(staged(folder));
  for (const auto& entry : entries)
    for (fs::path parent = entry.path.parent_path(); parent.has_relative_path(); parent = parent.parent_path())
      folders.push_back(staged(parent));
  std::sort(folders.begin(), folders.end());  // a parent sorts before what is below it
  folders.erase(std::unique(folders.begin(), folders.end()), folders.end());
  TemplateSteps steps;
  for (const auto& folder : folders) steps.root_folders.push_back(keep_string(folder));
  for (const auto& entry : entries)
    steps.root.push_back({keep_string(entry.source.string()), keep_string(staged(entry.path)),
                          entry.link.empty() ? nullptr : keep_string(entry.link), entry.folder, entry.writable, entry.device});
  // Each run's fresh /tmp and /dev/shm cover what the root holds there (a workspace in /tmp): it is taken along,
  // as the root has it, and put back.
  const fs::path scratch_folders[] = {"/tmp", "/dev/shm"};
  for (const auto& folder : scratch_folders) scratch_.push_back(keep_string(folder.string()));
  scratch_options_ = keep_string(fmt::format("size={}m,mode=1777", request.scratch_mb));
  std::vector<fs::path> kept;
  for (const auto& entry : entries)
    for (const auto& folder : scratch_folders)
      if (below(entry.path, folder)) {
        const fs::path top = folder / *std::next(entry.path.begin(), std::distance(folder.begin(), folder.end()));
        if (std::find(kept.begin(), kept.end(), top) == kept.end()) kept.push_back(top);
      }
  for (const auto& path : kept) scratch_keeps_.push_back({keep_string(path.string()), {}, true});
  template_.reset(make_template(steps, template_error_, template_step_));
}

int SandboxPlan::apply_namespaces(const char*& step) const {
  const SandboxSupport& support = sandbox_support();
  auto fail = [&](const char* what) { return failed(step, what); };
  if (!template_) {
    step = template_step_;
    return template_error_ ? template_error_ : EPERM;
  }
  if (::setns(support.net_fd, CLONE_NEWNET) != 0) return fail("join the network namespace");
  if (::setns(support.uts_fd, CLONE_NEWUTS) != 0) return fail("join the UTS namespace");
  if (::setns(support.cgroup_fd, CLONE_NEWCGROUP) != 0) return fail("join the cgroup namespace");
  if (::setns(support.ipc_fd, CLONE_NEWIPC) != 0) return fail("join the IPC namespace");
  // The namespace is the runner's, kept between runs: whatever an earlier run left there goes first.
  if (!empty_ipc_namespace(support.mqueue_fd)) return fail("empty the IPC namespace");
  // The plan's file system, copied: what the run mounts stays its own, and goes with it.
  if (::setns(template_.get(), CLONE_NEWNS) != 0) return fail("enter the run's file system");
  if (::unshare(CLONE_NEWNS) != 0) return fail("copy the run's file system");
  // A /proc of the run's own pid namespace: the run's processes, none of the machine's.
  if (::mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0) return fail("mount a fresh /proc");
  // The folders the run needs under its scratch are taken along, read-only, before the scratch covers them.
  auto cover = [&] {
    for (const char* folder : scratch_)
      if (::mount("tmpfs", folder, "tmpfs", MS_NOSUID | MS_NODEV, scratch_options_) != 0) return fail("mount the run's scratch");
    return 0;
  };
  if (int error = cover_keeping(scratch_keeps_, cover, step); error != 0) return error;
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
  // No keyring: a key would outlive the run under its uid, and its parent's session keyring is still readable.
  if (int error = spawn::load_filter(keyring_filter_); error != 0) return errno = error, fail("refuse the keyrings (seccomp)");
  errno = 0;
  return 0;
}

std::string describe_sandbox(const SandboxRequest& request) {
  const SandboxSupport& support = sandbox_support();
  if (!request.enabled) return "none: turned off (--no-sandbox or the case's sandbox = false)";
  if (!support.available) return "none: " + support.why_not;
  if (!request.root.empty()) {
    const auto writable = std::count_if(request.root.begin(), request.root.end(), [](const auto& bind) { return bind.writable; });
    return fmt::format("uid {}{} (no capabilities, no_new_privs, no keyrings); an allow-list root of {} path(s), {} of "
                       "them writable, and /dev's null, zero, full, random and urandom; pid (an init as pid 1), mount, "
                       "network (loopback only), UTS, cgroup and IPC namespaces; a fresh /proc, private /tmp and "
                       "/dev/shm ({} MiB each)",
                       support.uid, support.user_namespace ? " in a user namespace of the runner's" : "",
                       request.root.size(), writable, request.scratch_mb);
  }
  return fmt::format("uid {}{} (no capabilities, no_new_privs, no keyrings); per run: pid (an init as pid 1) and mount "
                     "namespaces, a fresh /proc, private /tmp and /dev/shm ({} MiB each), the grader's home covered, "
                     "every mount read-only, {} path(s) hidden; network (loopback only), UTS, cgroup and IPC "
                     "namespaces (the IPC one emptied before each run)",
                     support.uid, support.user_namespace ? " in a user namespace of the runner's (the grader's uid outside it)" : "",
                     request.scratch_mb, request.hide.size()) +
         (request.workdir.empty() ? "" : fmt::format("; its working folder {} holds {} file(s) of its case, read-only",
                                                      request.workdir.string(), request.work_files.size()));
}

}  // namespace parex
