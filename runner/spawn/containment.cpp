#include "spawn/containment.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "spawn/proc.hpp"
#include "spawn/spawn.hpp"

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
      read_small_file(fs::path("/sys/fs/cgroup" + own[""]) / "cgroup.subtree_control").find(controller) !=
          std::string::npos)
    candidates.push_back({fs::path("/sys/fs/cgroup" + own[""]), 2});
  if (own.contains(controller)) candidates.push_back({fs::path("/sys/fs/cgroup/" + controller + own[controller]), 1});
  for (auto& candidate : candidates) {
    fs::path trial = candidate.dir / fmt::format("parex-probe-{}", ::getpid());
    if (::mkdir(trial.c_str(), 0755) != 0) continue;
    bool usable =
        fs::exists(trial / (candidate.version == 2 ? v2_file : v1_file)) && fs::exists(trial / "cgroup.procs");
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

const std::optional<CgroupBase>& cpuset_base() {
  static const std::optional<CgroupBase> base = [] {
    auto found = cgroups_disabled() ? std::nullopt : probe_cgroup_base("cpuset", "cpuset.cpus", "cpuset.cpus");
    return found && found->version == 1 ? found : std::nullopt;
  }();
  return base;
}

namespace {
// The cpuset cgroups made so far, by their CPU list ("0,1").
std::map<std::string, std::unique_ptr<RunnerCgroup>>& cpuset_cgroups() {
  static std::map<std::string, std::unique_ptr<RunnerCgroup>> made;
  return made;
}
}  // namespace

int cpuset_join_fd(const std::vector<int>& cpus) {
  const auto& base = cpuset_base();
  if (!base || cpus.empty()) return -1;
  const std::string list = fmt::format("{}", fmt::join(cpus, ","));
  auto& made = cpuset_cgroups();
  auto it = made.find(list);
  if (it == made.end()) {
    auto cgroup = std::make_unique<RunnerCgroup>(base, fmt::format("cpuset{}", made.size()));
    // A v1 cpuset takes tasks once it has memory nodes and CPUs: the parent's nodes, our CPUs.
    const std::string mems = read_small_file(base->dir / "cpuset.mems");
    if (*cgroup && !(cgroup->write("cpuset.mems", mems) && cgroup->write("cpuset.cpus", list))) cgroup->remove();
    it = made.emplace(list, std::move(cgroup)).first;
  }
  return *it->second ? it->second->join_fd() : -1;
}

void sweep_dead_runners() {
  static const bool swept = [] {
    if (const auto& base = pids_base()) RunnerCgroup::sweep(base->dir, "pids");
    if (const auto& base = memory_base()) RunnerCgroup::sweep(base->dir, "memory");
    if (const auto& base = cpuset_base()) RunnerCgroup::sweep(base->dir, "cpuset", true);
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
  std::string memory =
      memory_base() ? fmt::format("cgroup v{} memory", memory_base()->version) : "address-space rlimit";
  std::string cpus = cpuset_base() ? "cgroup v1 cpuset" : "CPU affinity";
  return processes + ", " + memory + ", " + cpus;
}

void remove_runner_cgroups() {
  pids_cgroup().remove();
  memory_cgroup().remove();
  for (auto& [list, cgroup] : cpuset_cgroups()) cgroup->remove();
}

}  // namespace parex
