// Fork events: the processes a run creates, from the kernel's netlink proc connector (root only), with no
// /proc scan. Where the kernel or our rights refuse the subscription, counts are unknown rather than guessed.
#pragma once

#include <linux/netlink.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include <cstdint>
#include <optional>
#include <unordered_set>
#include <vector>

#include "base/fd.hpp"

namespace parex::spawn {

// Counts the processes a run creates from the kernel's fork events (the netlink proc connector,
// root only); with no such events, the count is unknown rather than guessed.
class ForkWatch {
 public:
  // The shared subscription, opened once; an invalid one when the kernel or our rights refuse it.
  static ForkWatch& instance();

  int fd() const { return socket_.get(); }

  // Starts following the tree of `main_pid`, started at or after `since_ns` (CLOCK_MONOTONIC). Events
  // still queued from before are ignored by their timestamp rather than drained first (a system call
  // less per run); those of the main process's first forks may already be queued, and are kept.
  // A sandboxed run's root is its init, which is not counted: only the processes it starts are.
  void track(pid_t root, std::int64_t since_ns, bool root_counts = true);

  // Reads pending events, counting new processes whose parent is in the run's tree.
  void poll_events();

  // The first process the root started (a sandboxed run's main process, under its init), after reading pending
  // events; 0 when unknown.
  pid_t first_child();

  // Processes created in the run (main included), or nullopt when events were unavailable or lost.
  std::optional<int> created() const;

  // The run's processes not yet seen to exit, after reading pending events; nullopt as for created().
  std::optional<std::vector<pid_t>> live();

  // Most processes of the run alive at once, or nullopt as for created().
  std::optional<int> peak() const;

 private:
  // Subscribes to the connector's fork and exit events, unless PAREX_NO_FORK_EVENTS is set.
  ForkWatch();

  // Reads every pending event, many per system call, and hands each to `on_event`.
  template <typename F>
  void drain(F&& on_event);

  static constexpr unsigned kBatch = 32;
  struct Batch {
    alignas(nlmsghdr) char buffers[kBatch][512];  // an event is 76 bytes
    iovec iov[kBatch];
    mmsghdr messages[kBatch];
  } batch_;
  Fd socket_;
  std::unordered_set<pid_t> tree_, live_;
  const pid_t runner_tgid_ = ::getpid();
  pid_t root_ = 0, first_child_ = 0;
  std::int64_t since_ns_ = 0;
  int created_ = 1;
  int peak_ = 1;
  bool overflowed_ = false;
};

// The live processes of the run from fork/exit events, when they are being watched.
std::optional<std::vector<pid_t>> watched_tree();

}  // namespace parex::spawn
