#include "containment.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <sstream>

#include <fmt/format.h>

#include "../spawn.hpp"
#include "proc.hpp"

namespace fs = std::filesystem;

namespace parex::spawn {

// Our cgroup paths from /proc/self/cgroup: v1 per controller, v2 under "".
std::map<std::string, std::string> own_cgroups() {
  std::map<std::string, std::string> out;
  std::istringstream lines(read_small_file("/proc/self/cgroup"));
  std::string line;
  while (std::getline(lines, line)) {
    auto first = line.find(':'), second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    std::istringstream controllers(line.substr(first + 1, second - first - 1));
    std::string controller;
    if (line.substr(first + 1, second - first - 1).empty()) out[""] = line.substr(second + 1);
    while (std::getline(controllers, controller, ',')) out[controller] = line.substr(second + 1);
  }
  return out;
}

// A cgroup directory we may create children in, for `controller` ("pids" or "memory"), whose
// children get `probe_file` (e.g. pids.max); v2 first, then v1.
std::optional<CgroupBase> probe_cgroup_base(const std::string& controller, const std::string& v1_file,
                                            const std::string& v2_file) {
  auto own = own_cgroups();
  std::vector<CgroupBase> candidates;
  if (own.contains("") && fs::exists("/sys/fs/cgroup/cgroup.controllers") &&
      read_small_file(fs::path("/sys/fs/cgroup" + own[""]) / "cgroup.subtree_control").find(controller) != std::string::npos)
    candidates.push_back({fs::path("/sys/fs/cgroup" + own[""]), 2});
  if (own.contains(controller)) candidates.push_back({fs::path("/sys/fs/cgroup/" + controller + own[controller]), 1});
  for (auto& candidate : candidates) {
    fs::path trial = candidate.dir / fmt::format("parex-probe-{}", ::getpid());
    if (::mkdir(trial.c_str(), 0755) != 0) continue;
    bool usable = fs::exists(trial / (candidate.version == 2 ? v2_file : v1_file)) && fs::exists(trial / "cgroup.procs");
    ::rmdir(trial.c_str());
    if (usable) return candidate;
  }
  return std::nullopt;
}

bool cgroups_disabled() {
  const char* off = std::getenv("PAREX_NO_CGROUP");
  return off && *off && std::string_view(off) != "0";
}

const std::optional<CgroupBase>& pids_base() {
  static const std::optional<CgroupBase> base =
      cgroups_disabled() ? std::nullopt : probe_cgroup_base("pids", "pids.max", "pids.max");
  return base;
}

const std::optional<CgroupBase>& memory_base() {
  static const std::optional<CgroupBase> base =
      cgroups_disabled() ? std::nullopt : probe_cgroup_base("memory", "memory.limit_in_bytes", "memory.max");
  return base;
}

void sweep_dead_runners() {
  static const bool swept = [] {
    if (const auto& base = pids_base()) RunnerCgroup::sweep(base->dir, "pids");
    if (const auto& base = memory_base()) RunnerCgroup::sweep(base->dir, "memory");
    return true;
  }();
  (void)swept;
}

RunnerCgroup& pids_cgroup() {
  static RunnerCgroup cgroup(pids_base(), "pids");
  return cgroup;
}

RunnerCgroup& memory_cgroup() {
  static RunnerCgroup cgroup(memory_base(), "memory");
  return cgroup;
}

}  // namespace parex::spawn


namespace parex {

using namespace spawn;

std::string containment_mechanism() {
  std::string processes = pids_base() ? fmt::format("cgroup v{} pids", pids_base()->version) : "process scan";
  std::string memory = memory_base() ? fmt::format("cgroup v{} memory", memory_base()->version) : "address-space rlimit";
  return processes + ", " + memory;
}

void remove_runner_cgroups() {
  pids_cgroup().remove();
  memory_cgroup().remove();
}

}  // namespace parex
