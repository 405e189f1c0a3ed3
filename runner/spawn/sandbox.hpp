// The sandbox of a run: what a graded program may see and change (docs/process-control.md, "Sandbox").
// Made of four parts:
//  - what the runner sets up once: network, UTS, cgroup and IPC namespaces, the unprivileged identity (a runner
//    that is not root, a user namespace of its own first);
//  - what a plan (the runs of one participant) builds once: a template mount namespace, read-only, with the
//    grader's home covered, the hidden paths covered and the mounts no run sees (/proc, /sys's, the scratch's) gone;
//  - what the run's init (pid 1 of its own pid namespace, a helper that keeps the runner's privileges) applies
//    after clone: the shared namespaces joined, the IPC one emptied, a copy of the template, a fresh /proc, a
//    private /tmp and /dev/shm, the working folder;
//  - what the program's process applies before exec: the identity.
// sandbox.cpp makes the runner's namespaces; sandbox_template.cpp a plan's template, sandbox_root.cpp an allow-list
// root instead; sandbox_apply.cpp what a run applies; sandbox_mounts.hpp holds the mount calls they share.
#pragma once

#include <linux/filter.h>
#include <sys/types.h>

#include <cstdint>
#include <deque>
#include <filesystem>
#include <string>
#include <vector>

#include "base/fd.hpp"

namespace parex {

// What a run asks of its sandbox.
struct SandboxRequest {
  bool enabled = false;                     // false: the run is not sandboxed
  std::vector<std::filesystem::path> hide;  // made invisible: a folder gets an empty read-only tmpfs, a file /dev/null
  // Folders the run needs that lie under a covered folder (/tmp, the grader's home): its executable's, its case's,
  // its interpreter's: kept visible, read-only.
  std::vector<std::filesystem::path> keep;
  std::int64_t scratch_mb = 256;  // size of the private /tmp and of /dev/shm, each
  // A working folder made for the run in its private /tmp (empty: none), owned by the run's uid, holding read-only
  // binds of `work_files` (files or folders) under their own names: a script variant's script and its case's
  // shared files, and nothing else of its case folder.
  std::filesystem::path workdir;
  std::vector<std::filesystem::path> work_files;
  // An allow-list root, as bubblewrap's --ro-bind builds one (a build's): when not empty, the run's / is an empty
  // read-only tmpfs holding only these paths, each at its own path (a symbolic link as the same link; a `source`
  // bound over what an earlier one holds there), read-only unless `writable`; and a fresh /proc, /tmp and /dev/shm, and
  // /dev's null, zero, full, random and urandom. `hide` and `keep` are then moot: nothing else is there to hide.
  struct Bind {
    std::filesystem::path path;
    bool writable = false;
    std::filesystem::path source;  // what is bound there; empty: `path` itself
    bool operator==(const Bind&) const = default;
  };
  std::vector<Bind> root;
  bool operator==(const SandboxRequest&) const = default;
};

// What this runner can apply, probed once: root, and namespaces not refused (e.g. by a seccomp profile).
struct SandboxSupport {
  bool available = false;
  std::string why_not;  // when not available
  int net_fd = -1;      // the runner's network namespace with only a loopback, joined by every run
  int uts_fd = -1;      // its UTS namespace (host name "parex") and cgroup namespace (rooted at the runner's)
  int cgroup_fd = -1;
  // Its IPC namespace, which runs share: each run's init first empties it (System V objects, and the POSIX message
  // queues of `mqueue_fd`, a mount of its mqueue file system), so that no run finds what another left.
  int ipc_fd = -1;
  int mqueue_fd = -1;
  // A runner that is not root: the namespaces above belong to a user namespace of its own, which it joined, where
  // its uid is `uid`. A run's program then is the grader outside it, confined by the namespaces and mounts alone.
  bool user_namespace = false;
  int user_fd = -1;
  uid_t uid = 60000;  // the unprivileged identity runs get (PAREX_SANDBOX_UID; isolate's convention)
  gid_t gid = 60000;
};
const SandboxSupport& sandbox_support();

// A folder under a cover (the scratch, the grader's home) that a run needs: taken along and put back read-only,
// with the parents to make in the cover.
struct KeptFolder {
  const char* path;
  std::vector<const char*> parents;
  bool as_is = false;  // taken with its mounts' flags as they are (an allow-list root's binds), not made read-only
};

// A request turned into what the child applies without allocating (it shares the runner's memory).
class SandboxPlan {
 public:
  SandboxPlan() = default;
  explicit SandboxPlan(const SandboxRequest& request);
  SandboxPlan(const SandboxPlan&) = delete;  // the child's pointers point into strings_
  SandboxPlan& operator=(const SandboxPlan&) = delete;
  bool active() const { return active_; }
  // Applied by the run's init after clone(sandbox_clone_flags()): the namespaces and the file system. Returns 0,
  // or an errno with `step` naming what failed.
  int apply_namespaces(const char*& step) const;
  // Applied by the program's process before exec: the unprivileged identity. Returns 0 or an errno, as above.
  int apply_identity(const char*& step) const;

 private:
  void plan_root(const SandboxRequest& request);  // an allow-list root's plan (SandboxRequest::root)
  bool active_ = false;
  const sock_fprog* keyring_filter_ = nullptr;  // the seccomp filter the program's process loads (spawn/seccomp.hpp)
  std::deque<std::string> strings_;             // owns every path and option string below, where they stay
  // What is the same for every run (the read-only root, the home covered, the hidden paths; the mounts no run
  // sees gone): a mount namespace, made once, which each run copies. Its copy costs a run less than building it.
  Fd template_;
  int template_error_ = 0;  // why there is no template
  const char* template_step_ = nullptr;
  std::vector<const char*> scratch_;  // /tmp and /dev/shm: a fresh tmpfs each, per run
  const char* scratch_options_ = nullptr;
  std::vector<KeptFolder> scratch_keeps_;  // under the scratch
  const char* workdir_ = nullptr;
  std::vector<const char*> work_parents_;  // the working folder's parents, outermost first
  struct WorkFile {
    const char* source;
    const char* target;
    bool folder;
  };
  std::vector<WorkFile> work_files_;
};

// The clone flags of a sandboxed run's init: its own pid namespace (it makes its mount namespace itself, a copy of
// its plan's template).
int sandbox_clone_flags();

// What a sandboxed run gets, in words, for machine.sandbox in the results; or why runs are not sandboxed.
std::string describe_sandbox(const SandboxRequest& request);

}  // namespace parex
