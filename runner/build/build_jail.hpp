// A learner's build, jailed: configure and compile run as the sandbox's uid in an allow-list root (the
// toolchain, parex's CMake package and support headers, the workspace), in their own pid, mount, network and IPC
// namespaces, with a scrubbed environment and limits on time, memory, processes, output and file size
// (docs/process-control.md, "What a build may see"). Each build runs in a helper process of its own
// (`parex jailed-build`, the measuring layer's spawn_and_record there), so that grade-class's parallel builds
// share nothing of the runner's.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "build/build.hpp"
#include "spawn/spawn.hpp"

namespace parex {

struct BuildJail {
  std::filesystem::path workspace;  // holds CMakeLists.txt and catalog/ (read-only there) and build/ (writable)
  double timeout_s = 60;            // wall time, enforced while it runs
  bool sandbox = true;              // false: the limits and the scrubbed environment only (--no-sandbox)
  Limits limits{.max_processes = 256, .max_output_bytes = 4LL << 20, .memory_mb = 2048};
  long long max_file_bytes = 512LL << 20;  // the largest file the build may write (an object, an executable)
  std::string timeout_reason;              // why `timeout_s` is what it is, for the message: "the case's build_timeout"
  // More of the root, after the workspace: each case's learner view of case.toml over the grading copy (its hidden
  // checks are the grader's; the build needs the variants alone).
  std::vector<SandboxRequest::Bind> also;
};

// What a jailed build of `jail` may see: the toolchain (/usr, /lib*, /bin, /sbin, /etc/alternatives,
// /etc/ld.so.cache, and the prefixes of `tools` outside /usr), parex's CMake package and support headers, and
// the workspace. Nothing else of the machine: no /etc/shadow, no /root, no other learner, no results.
std::vector<SandboxRequest::Bind> build_root(const BuildJail& jail, const std::vector<std::filesystem::path>& tools);

// The request a jailed build of `args` is run with (what `parex jailed-build` is given).
SpawnRequest jailed_request(std::vector<std::string> args, const BuildJail& jail);

// Runs `args` (cmake's configure or build) jailed, in a helper process, and waits for it. A limit that stops it is
// a failed outcome whose messages a learner understands ("the build took over 60 s and was stopped").
BuildOutcome run_jailed_build(std::vector<std::string> args, const BuildJail& jail);

// `parex jailed-build`: reads a SpawnRequest (JSON) on stdin, runs it, writes {"run": Run, "sandbox": words} on
// stdout. Returns the exit status: 0 when the request was run, whatever the build did; 2 on a bad request.
int serve_jailed_build();

nlohmann::json to_json(const SpawnRequest& request);
SpawnRequest spawn_request_from_json(const nlohmann::json& json);

}  // namespace parex
