// The measuring layer: start one program in its own session, capture and time its output, police its tree.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "data/record.hpp"
#include "spawn/sandbox.hpp"

namespace parex {

struct SpawnRequest {
  std::vector<std::string> argv;                         // argv[0] is looked up in PATH
  std::filesystem::path cwd;                             // empty: the runner's
  std::vector<std::pair<std::string, std::string>> env;  // set on top of the runner's environment
  std::vector<std::string> unset;                        // removed from it
  // Set: only these names of the runner's environment, and parex's own (PAREX_*), reach the program (an
  // allow-list: the grader's tokens and secrets stay the grader's); unset: all of it but `unset`.
  std::optional<std::vector<std::string>> pass_env;
  double timeout_s = 60;
  double kill_grace_s = 0.5;  // SIGTERM, then SIGKILL after this
  Limits limits;
  long long max_file_bytes = 0;  // the largest file it may write (RLIMIT_FSIZE); 0: no limit
  Capture capture = Capture::pipe;
  SandboxRequest sandbox;                           // what the run may see and change
  std::vector<int> cpus;                            // the CPUs the run may use (its affinity); empty: ours
  std::vector<std::filesystem::path> source_roots;  // the case's folders: a hang's `where` is a line of theirs
  // false: limits.memory_mb is the memory cgroup's alone, never RLIMIT_AS, which would stop a program that reserves
  // much more address space than it uses (ThreadSanitizer's shadow memory) at its start.
  bool limit_address_space = true;
  // false: the program runs with ASLR off (personality ADDR_NO_RANDOMIZE), as ThreadSanitizer needs where the
  // kernel's mmap randomisation is wider than it can map around.
  bool randomize_addresses = true;
};

// Runs `request` to completion and returns what it did; never throws for the program's faults
// (they are the Run's outcome), only for the runner's own (no descriptors left, fork failing).
Run spawn_and_record(const SpawnRequest& request);

// How process limits are enforced on this machine: "cgroup v2 pids", "cgroup v1 pids" or "process scan".
std::string containment_mechanism();

// Thrown by spawn_and_record when the runner got SIGINT, SIGTERM or SIGHUP mid-run, after the
// run's whole tree was killed; the caller should write nothing and die of `signo`.
struct Interrupted {
  int signo;
};

// Removes the runner's own cgroups now (a runner about to die of a signal: no destructor will).
void remove_runner_cgroups();

// Routes SIGINT, SIGTERM and SIGHUP through the run loop so that a run's tree never outlives the runner;
// between runs they end the runner at once.
void install_interrupt_handlers();

}  // namespace parex
