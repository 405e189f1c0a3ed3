// The run loop's state and steps, internal to spawn/: spawn_and_record (spawn/spawn.hpp) makes a RunLoop and drives
// it through its steps, each a phase of one run.
#pragma once

#include <signal.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/fd.hpp"
#include "spawn/channels.hpp"
#include "spawn/child.hpp"
#include "spawn/containment.hpp"
#include "spawn/fork_events.hpp"
#include "spawn/spawn.hpp"

namespace parex::spawn {

using Clock = std::chrono::steady_clock;  // CLOCK_MONOTONIC on Linux, the clock probes stamp with

// The init shares our memory (setup, its stack): it must be dead before the run's ChildSetup is, whatever happens.
struct InitGuard {
  pid_t pid = 0;
  ~InitGuard() {
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  }
  void reaped() { pid = 0; }
};

// One run, from its start to its outcome. Its steps share the run's state (descriptors, tree, clock, verdict) and
// are called in this order: start, poll, reap_main, account, reap_rest, give_outcome.
class RunLoop {
 public:
  RunLoop(const SpawnRequest& request, Run& run)
      : request_(request),
        run_(run),
        out_lines_(Stream::out, run.lines),
        err_lines_(Stream::err, run.lines),
        budget_(static_cast<std::size_t>(request.limits.max_output_bytes)) {}

  // Starts the run's main process (under an init when sandboxed) and its clock; false when it could not start,
  // the run then saying why.
  bool start();
  // The event loop: reads output and probes as they come and polices the tree (deadline, process limit, a
  // signal to the runner) until the main process is reaped, and with a pty until its output ends.
  void poll();
  // Reaps the main process if the loop did not; it is reaped after this, whatever the loop ended on.
  void reap_main();
  // What the run used (CPU time, memory) and the limits its tree hit that the loop did not see.
  void account();
  // Kills and reaps what a verdict or a leak left behind, reads the channels to their end, reaps the orphans.
  void reap_rest();
  // Throws Interrupted if the runner was; else the run's process counts, its lines and probes in time order, and
  // its outcome.
  void give_outcome();

 private:
  void open_pty();
  bool spawn_failed();
  void enforce_limits(Clock::time_point now);
  void stop_tree(Outcome why, int signo);
  void stop_at_flood();
  bool read_stream(int fd, LineAssembler& lines, bool& open);
  bool read_probes();
  void check_exit(bool block);
  void on_main_exit();

  static constexpr auto kSampleEvery = std::chrono::milliseconds(20);

  const SpawnRequest& request_;
  Run& run_;
  // start()
  bool pty_ = false;
  Fd pty_master_, pty_slave_;
  Channels* channels_ = nullptr;
  const SandboxPlan* sandbox_ = nullptr;
  int out_read_ = -1, out_write_ = -1, err_read_ = -1, probe_read_ = -1;
  std::vector<std::string> env_strings_;
  std::vector<char*> envp_;
  std::vector<std::string> argv_strings_;
  std::vector<char*> argv_;
  std::optional<Containment> tree_;
  cpu_set_t affinity_;
  int cpuset_fd_ = -1;
  ForkWatch* forks_ = nullptr;
  std::int64_t clone_ns_ = 0;
  bool init_ = false;  // the run has a pid namespace, with our init as its pid 1
  ChildSetup setup_{};
  pid_t pid_ = 0;
  Fd pidfd_;
  InitGuard init_guard_;  // declared after what the init uses: destroyed, and the init with it, before them
  std::int64_t t0_ns_ = 0;
  Clock::time_point t0_;
  pid_t main_pid_ = 0;  // in the runner's view
  // poll() and after
  LineAssembler out_lines_, err_lines_;
  bool out_open_ = true, err_open_ = true, probe_open_ = true, reaped_ = false;
  int status_ = 0;
  rusage usage_{};       // the main process's and what it reaped; with an init, the init's: the whole run's
  rusage main_usage_{};  // with an init: the main process's, as the init reaped it
  bool init_reaped_ = false;
  std::unordered_map<pid_t, pid_t> namespace_pids_;  // sender (our view) -> its pid in the run's namespace
  std::optional<Outcome> verdict_;                   // set when we killed the tree for a reason of our own
  Clock::time_point deadline_;
  Clock::duration grace_{};
  std::optional<Clock::time_point> kill_at_, drain_until_;
  Clock::time_point next_sample_;  // the kernel enforces pids.max; sampling only stops it early
  std::unique_ptr<char[]> buffer_storage_;
  std::span<char> buffer_;
  // Output and probe records share max_output_bytes: the first byte past it stops the tree, once.
  SendBudget budget_;
  bool flooded_ = false;
  bool alone_ = false;  // the main process started nothing: no orphan, no event to wait for
};

}  // namespace parex::spawn
