// What the runner sets up once for its sandboxed runs: the namespaces they share, made by a helper child and kept
// by descriptor; and what a run gets, in words.
#include "spawn/sandbox.hpp"

#include <fcntl.h>
#include <linux/mount.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

namespace parex {
namespace {

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
    if (s.user_namespace && (::unshare(CLONE_NEWUSER) != 0 || !write_file("/proc/self/setgroups", "deny") ||
                             !write_file("/proc/self/uid_map", fmt::format("{} {} 1", s.uid, outer_uid)) ||
                             !write_file("/proc/self/gid_map", fmt::format("{} {} 1", s.gid, outer_gid))))
      status = 5;
    if (status == 0 && ::unshare(CLONE_NEWNET | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP) != 0)
      status = 1;
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
  if (status == 1)
    s.why_not = fmt::format("namespaces refused ({}): a container's seccomp profile?", std::strerror(EPERM));
  else if (status == 2)
    s.why_not = "cannot bring up the loopback of a new network namespace";
  else if (status == 4)
    s.why_not = "cannot name the host of a new UTS namespace";
  else if (status == 6)
    s.why_not = "cannot mount the mqueue file system of a new IPC namespace";
  else if (status == 5)
    s.why_not = "unprivileged user namespaces refused (kernel.unprivileged_userns_clone, a seccomp profile?)";
  else if (status == 3 || s.net_fd < 0 || s.uts_fd < 0 || s.cgroup_fd < 0)
    s.why_not = "cannot make the runner's namespaces";
  else if (s.ipc_fd < 0 || s.mqueue_fd < 0)
    s.why_not = "cannot keep the runner's IPC namespace";
  if (s.why_not.empty() && s.user_namespace) {
    if (s.user_fd < 0)
      s.why_not = "cannot keep the runner's user namespace";
    else if (::setns(s.user_fd, CLONE_NEWUSER) != 0)  // refused to a process with threads: called before any
      s.why_not = fmt::format("cannot enter the runner's user namespace: {}", std::strerror(errno));
  }
  return s.why_not.empty();
}

}  // namespace

const SandboxSupport& sandbox_support() {
  static const SandboxSupport support = [] {
    SandboxSupport s;
    if (const char* uid = std::getenv("PAREX_SANDBOX_UID"); uid && *uid)
      s.uid = s.gid = static_cast<uid_t>(std::atol(uid));
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

std::string describe_sandbox(const SandboxRequest& request) {
  const SandboxSupport& support = sandbox_support();
  if (!request.enabled) return "none: turned off (--no-sandbox or the case's sandbox = false)";
  if (!support.available) return "none: " + support.why_not;
  if (!request.root.empty()) {
    const auto writable =
        std::count_if(request.root.begin(), request.root.end(), [](const auto& bind) { return bind.writable; });
    return fmt::format(
        "uid {}{} (no capabilities, no_new_privs, no keyrings); an allow-list root of {} path(s), {} of "
        "them writable, and /dev's null, zero, full, random and urandom; pid (an init as pid 1), mount, "
        "network (loopback only), UTS, cgroup and IPC namespaces; a fresh /proc, private /tmp and "
        "/dev/shm ({} MiB each)",
        support.uid, support.user_namespace ? " in a user namespace of the runner's" : "", request.root.size(),
        writable, request.scratch_mb);
  }
  return fmt::format(
             "uid {}{} (no capabilities, no_new_privs, no keyrings); per run: pid (an init as pid 1) and mount "
             "namespaces, a fresh /proc, private /tmp and /dev/shm ({} MiB each), the grader's home covered, "
             "every mount read-only, {} path(s) hidden; network (loopback only), UTS, cgroup and IPC "
             "namespaces (the IPC one emptied before each run)",
             support.uid,
             support.user_namespace ? " in a user namespace of the runner's (the grader's uid outside it)" : "",
             request.scratch_mb, request.hide.size()) +
         (request.workdir.empty() ? ""
                                  : fmt::format("; its working folder {} holds {} file(s) of its case, read-only",
                                                request.workdir.string(), request.work_files.size()));
}

}  // namespace parex
