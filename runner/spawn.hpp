// The measuring layer: start one program in its own session, capture and time its output, police its tree.
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "catalog.hpp"
#include "record.hpp"

namespace parex {

struct SpawnRequest {
  std::vector<std::string> argv;                          // argv[0] is looked up in PATH
  std::filesystem::path cwd;                              // empty: the runner's
  std::vector<std::pair<std::string, std::string>> env;   // set on top of the runner's environment
  double timeout_s = 60;
  double kill_grace_s = 0.5;                              // SIGTERM, then SIGKILL after this
  Limits limits;
  Capture capture = Capture::pipe;
};

// Runs `request` to completion and returns what it did; never throws for the program's faults
// (they are the Run's outcome), only for the runner's own (no descriptors left, fork failing).
Run spawn_and_record(const SpawnRequest& request);

// How process limits are enforced on this machine: "cgroup v2 pids", "cgroup v1 pids" or "process scan".
std::string containment_mechanism();

// Kills the tree of the run in progress, if any; async-signal-safe, for the runner's signal handlers.
void kill_current_run() noexcept;

}  // namespace parex
