#include "spawn/sysinfo.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <optional>

#include <sched.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "spawn/spawn.hpp"

namespace parex {
namespace {

// CPU quota in cores from cgroup v2 cpu.max or v1 cfs files; 0 when unlimited or unknown.
double cgroup_cpu_quota() {
  std::ifstream v2("/sys/fs/cgroup/cpu.max");
  std::string quota;
  long period = 0;
  if (v2 >> quota >> period && quota != "max" && period > 0) return std::stod(quota) / static_cast<double>(period);
  std::ifstream v1_quota("/sys/fs/cgroup/cpu/cpu.cfs_quota_us"), v1_period("/sys/fs/cgroup/cpu/cpu.cfs_period_us");
  long q = -1, p = 0;
  if (v1_quota >> q && v1_period >> p && q > 0 && p > 0) return static_cast<double>(q) / static_cast<double>(p);
  return 0;
}

// This process's CPU affinity, read once; nullopt where the kernel refuses it.
const std::optional<cpu_set_t>& affinity() {
  static const std::optional<cpu_set_t> set = []() -> std::optional<cpu_set_t> {
    cpu_set_t read;
    CPU_ZERO(&read);
    if (sched_getaffinity(0, sizeof read, &read) != 0) return std::nullopt;
    return read;
  }();
  return set;
}

MachineInfo read_machine_info() {
  MachineInfo info;
  info.cpus_online = static_cast<int>(std::max(1L, ::sysconf(_SC_NPROCESSORS_ONLN)));
  info.cores = affinity() ? CPU_COUNT(&*affinity()) : info.cpus_online;
  if (double quota = cgroup_cpu_quota(); quota > 0)
    info.cores = std::max(1, std::min(info.cores, static_cast<int>(std::floor(quota))));
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  info.hostname = host;
  utsname name{};
  if (::uname(&name) == 0) info.kernel = std::string(name.sysname) + " " + name.release;
  info.containment = containment_mechanism();
  return info;
}

}  // namespace

const MachineInfo& machine_info() {
  static const MachineInfo info = read_machine_info();
  return info;
}

CpuTimes cpu_times() {
  static const long ticks_per_second = ::sysconf(_SC_CLK_TCK);
  CpuTimes out;
  std::ifstream stat("/proc/stat");
  if (!stat || ticks_per_second <= 0) return out;
  // "cpuN user nice system idle iowait irq softirq steal guest guest_nice", after the line that sums them all.
  unsigned long long busy = 0, stolen = 0;
  for (std::string line; std::getline(stat, line);) {
    if (!line.starts_with("cpu")) break;
    int cpu = -1;
    unsigned long long f[8] = {};
    if (std::sscanf(line.c_str(), "cpu%d %llu %llu %llu %llu %llu %llu %llu %llu", &cpu, &f[0], &f[1], &f[2], &f[3],
                    &f[4], &f[5], &f[6], &f[7]) != 9 ||
        cpu < 0 || cpu >= CPU_SETSIZE || (affinity() && !CPU_ISSET(cpu, &*affinity())))
      continue;
    busy += f[0] + f[1] + f[2] + f[5] + f[6];
    stolen += f[7];
    ++out.cpus;
  }
  if (out.cpus == 0) return out;
  out.busy_s = static_cast<double>(busy) / static_cast<double>(ticks_per_second);
  out.stolen_s = static_cast<double>(stolen) / static_cast<double>(ticks_per_second);
  return out;
}

std::vector<int> usable_cpus() {
  std::vector<int> cpus;
  for (int cpu = 0; affinity() && cpu < CPU_SETSIZE; ++cpu)
    if (CPU_ISSET(cpu, &*affinity())) cpus.push_back(cpu);
  return cpus;
}

double own_cpu_seconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

std::string utc_timestamp() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buf;
}

}  // namespace parex
