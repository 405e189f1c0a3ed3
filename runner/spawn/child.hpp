// The child side of a run: what happens between clone and exec. Unsandboxed, one child shares our memory
// until it execs (posix_spawn's way); sandboxed, an init (pid 1 of the run's pid namespace, root, in our
// memory) builds the run's file system and starts the program as pid 2, then reaps and reports. Both only
// read their ChildSetup, make system calls, and never allocate.
#pragma once

#include <sched.h>
#include <sys/resource.h>
#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "spawn/sandbox.hpp"
#include "spawn/spawn.hpp"

namespace parex::spawn {

// The child's environment: ours, less what the request unsets or overrides, plus its overrides and
// `extra`. Inherited entries point into `environ` (no copies: a run costs no allocation per variable);
// `owned` keeps the new ones alive.
std::vector<char*> build_environment(const SpawnRequest& request, std::vector<std::string>& owned, std::string extra);

// `strings` as a NULL-ended argv (pointing into them).
std::vector<char*> c_strings(std::vector<std::string>& strings);

// Signals the runner ignores, read once before the first fork (reading them in the child costs a
// system call per signal on every run).
const std::vector<int>& ignored_signals();

// /dev/null, opened once: a run's stdin.
int dev_null();

// What the child needs between clone and exec; it shares the runner's memory, so it only reads this
// (and writes exec_errno), makes system calls and never allocates.
struct ChildSetup {
  const SpawnRequest* request;
  char* const* argv;
  char* const* envp;
  int out_fd, err_fd, probe_fd, pids_join_fd, memory_join_fd;
  bool memory_limited;
  const SandboxPlan* sandbox = nullptr;  // applied when active, by an init of the run's pid namespace
  int runner_pidfd = -1;                 // the runner, polled by the init: it must not outlive it
  int exit_fd = -1;                      // the init writes a byte here when the main process has exited
  const cpu_set_t* affinity = nullptr;   // the CPUs the program may use, set before exec; null: ours
  int cpuset_join_fd = -1;               // and the cpuset cgroup that holds it to them, where there is one
  int exec_errno = 0;                    // set by the child when it could not exec
  const char* failed_step = nullptr;     // what the child was doing when it gave up, if not exec
  std::int64_t join_ns = 0;  // how long the child took to join its cgroups and enter its sandbox, set by the child
  // Written by the init, read by the runner: the main process started (or failed to), and how it ended.
  std::atomic<int> started{0};
  std::atomic<int> main_exited{0};
  // Set by the init when nothing of the run is left, just before it exits: the run is over, `run_usage` holds what
  // its processes used, and the runner need not wait for the namespaces' teardown (see reap_exiting_init).
  std::atomic<int> run_over{0};
  pid_t main_pid = 0;  // in the run's pid namespace
  int main_status = 0;
  rusage main_usage{};
  rusage run_usage{};
};

// Starts child_main like posix_spawn does: sharing our memory until it execs (no page tables to copy,
// no copy-on-write faults after), on a stack of its own, with our signals blocked meanwhile. `pidfd`
// receives a descriptor of the child from the same system call where the kernel allows (5.2+), else -1.
// A sandboxed run starts init_main instead, in new namespaces, which runs on beside us: it returns at once.
pid_t spawn_child(ChildSetup& setup, int& pidfd);

// Waits until a sandboxed run's init has started the main process or given up; false when the init died first.
bool wait_for_start(ChildSetup& setup, pid_t init);

// An init that said the run is over exits by itself: `let_init_exit` leaves it to finish (its pid namespace's
// teardown, which can take tens of microseconds) while the runner goes on; `reap_exiting_init` waits for it, and
// must be called before the next init starts (they share the stacks). True when there was one.
void let_init_exit(pid_t init);
bool reap_exiting_init();

// The plan of a sandbox request, made once for the runs of one participant (it looks up every hidden path and
// builds the run's file system) and kept for the next few participants' runs.
const SandboxPlan& plan_for(const SandboxRequest& request);

// A descriptor of the runner itself, which a run's init polls to know it is not an orphan already.
int runner_pidfd();

}  // namespace parex::spawn
