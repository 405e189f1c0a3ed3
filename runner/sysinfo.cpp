#include "sysinfo.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <fstream>

#include <sched.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "spawn.hpp"

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

MachineInfo read_machine_info() {
  MachineInfo info;
  cpu_set_t set;
  CPU_ZERO(&set);
  info.cpus_online = static_cast<int>(std::max(1L, ::sysconf(_SC_NPROCESSORS_ONLN)));
  info.cores = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : info.cpus_online;
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

double stolen_cpu_seconds() {
  // The first line sums every CPU: "cpu  user nice system idle iowait irq softirq steal guest guest_nice".
  std::ifstream stat("/proc/stat");
  std::string label;
  unsigned long long fields[8] = {};
  if (!(stat >> label) || label != "cpu") return -1;
  for (auto& field : fields)
    if (!(stat >> field)) return -1;
  static const long ticks_per_second = ::sysconf(_SC_CLK_TCK);
  return ticks_per_second > 0 ? static_cast<double>(fields[7]) / static_cast<double>(ticks_per_second) : -1;
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
