// What a sandboxed run applies: its init joins the runner's namespaces, empties the IPC one and copies its plan's
// template, with a fresh /proc, scratch and working folder; the program's process takes the unprivileged identity.
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/mount.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "spawn/sandbox.hpp"
#include "spawn/sandbox_mounts.hpp"
#include "spawn/seccomp.hpp"

namespace parex {
namespace {

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
  if (::mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0)
    return fail("mount a fresh /proc");
  // The folders the run needs under its scratch are taken along, read-only, before the scratch covers them.
  auto cover = [&] {
    for (const char* folder : scratch_)
      if (::mount("tmpfs", folder, "tmpfs", MS_NOSUID | MS_NODEV, scratch_options_) != 0)
        return fail("mount the run's scratch");
    return 0;
  };
  if (int error = cover_keeping(scratch_keeps_, cover, step); error != 0) return error;
  // The run's working folder, in its fresh /tmp: its own, with its files bound in read-only.
  if (workdir_) {
    for (const char* parent : work_parents_) ::mkdir(parent, 0755);  // EEXIST for /tmp itself
    if (::mkdir(workdir_, 0755) != 0 && errno != EEXIST) return fail("make the working folder");
    for (const auto& file : work_files_) {
      if (file.folder ? ::mkdir(file.target, 0755) != 0
                      : ::close(::open(file.target, O_CREAT | O_WRONLY | O_CLOEXEC, 0644)) != 0)
        return fail("make a mount point in the working folder");
      if (::mount(file.source, file.target, nullptr, MS_BIND | MS_REC, nullptr) != 0)
        return fail("bind a file into the working folder");
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
  if (int error = spawn::load_filter(keyring_filter_); error != 0)
    return errno = error, fail("refuse the keyrings (seccomp)");
  errno = 0;
  return 0;
}

}  // namespace parex
