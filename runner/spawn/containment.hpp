// Containment: the run's process tree and its limits. The runner's own pids and memory cgroups (made once,
// reused by every run, removed when it exits; a dead runner's are swept by the next) where the machine lets
// us make them; else fork events, else a /proc scan of the runner's descendants. Counters are per run.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "base/fd.hpp"
#include "data/record.hpp"
#include "spawn/fork_events.hpp"
#include "spawn/proc.hpp"

namespace parex::spawn {

namespace fs = std::filesystem;

// Where per-run cgroups of one controller can be made on this machine, probed once.
struct CgroupBase {
  fs::path dir;
  int version = 0;
};

// Where the runs' pids and memory cgroups go on this machine (probed once), or nullopt.
const std::optional<CgroupBase>& pids_base();
const std::optional<CgroupBase>& memory_base();
// Where the runs' cpuset cgroups go: cgroup v1 only (in v2 a process is in one cgroup, its pids one), or nullopt.
const std::optional<CgroupBase>& cpuset_base();

// Removes, once per runner, the cgroups of dead runners of both kinds (a runner killed by SIGKILL leaves its own;
// only a runner that uses the same kind would sweep it otherwise).
void sweep_dead_runners();

// A cgroup of the runner's own, made at first use and reused by every run (making and removing one per
// run costs more than the run of a small program); removed when the runner exits.
class RunnerCgroup {
 public:
  RunnerCgroup(const std::optional<CgroupBase>& base, std::string_view kind) {
    if (!base) return;
    sweep_dead_runners();
    fs::path dir = base->dir / fmt::format("parex-{}-{}", ::getpid(), kind);
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return;
    // A run's child joins by writing "0" before it execs, single-threaded. In cgroup v1 it writes to `tasks`: a
    // thread moving itself does not take the global lock that cgroup.procs takes, whose writer waits now and
    // then for an RCU grace period (10-30 ms here, in 1 to 2% of runs; more with a mount namespace per run).
    join_fd_ = Fd(::open((dir / (base->version == 1 ? "tasks" : "cgroup.procs")).c_str(), O_WRONLY | O_CLOEXEC));
    procs_fd_ = Fd(::open((dir / "cgroup.procs").c_str(), O_RDONLY | O_CLOEXEC));
    if (!join_fd_ || !procs_fd_) {
      ::rmdir(dir.c_str());
      return;
    }
    dir_ = dir;
    version_ = base->version;
  }
  ~RunnerCgroup() { remove(); }

  // Removes the cgroup (it must be empty: the runs' trees are dead); a runner dying of a signal calls it,
  // as a signal death runs no destructor.
  void remove() {
    if (dir_.empty()) return;
    join_fd_.reset();
    procs_fd_.reset();
    files_.clear();
    for (int attempt = 0; attempt < 200 && ::rmdir(dir_.c_str()) != 0 && errno == EBUSY; ++attempt) ::usleep(1000);
    dir_.clear();
  }
  RunnerCgroup(const RunnerCgroup&) = delete;
  RunnerCgroup& operator=(const RunnerCgroup&) = delete;

  // The cgroups of runners that died without removing theirs (SIGKILL, e.g. ctest's timeout): parex-<pid>-<kind>
  // (with `numbered`, parex-<pid>-<kind><n>) whose pid is gone. A cgroup with processes in it is not removed (rmdir
  // refuses), nor one of a live runner.
  static void sweep(const fs::path& base, std::string_view kind, bool numbered = false) {
    std::error_code ec;
    auto all_digits = [](std::string_view text) {
      return !text.empty() && text.find_first_not_of("0123456789") == text.npos;
    };
    for (const auto& entry : fs::directory_iterator(base, ec)) {
      const std::string name = entry.path().filename().string();
      const auto dash = name.find('-', 6);
      if (!name.starts_with("parex-") || dash == std::string::npos) continue;
      const std::string_view digits = std::string_view(name).substr(6, dash - 6),
                             rest = std::string_view(name).substr(dash + 1);
      if (!all_digits(digits) || !rest.starts_with(kind)) continue;
      if (numbered ? !all_digits(rest.substr(kind.size())) : rest.size() != kind.size()) continue;
      const pid_t owner = static_cast<pid_t>(std::stol(std::string(digits)));
      if (owner != ::getpid() && ::kill(owner, 0) != 0 && errno == ESRCH) ::rmdir(entry.path().c_str());
    }
  }

  explicit operator bool() const { return !dir_.empty(); }
  int version() const { return version_; }
  int join_fd() const { return join_fd_.get(); }

  // Control files go through descriptors kept open, so that a read costs one pread and a per-run reset
  // one pwrite. One descriptor per file, read-write where the file allows: cgroup v2's memory.peak
  // resets only for reads through the descriptor that wrote "reset".
  std::string read(const std::string& file) { return pread_all(control(file)); }
  // cgroup v1 keeps the pid list an open descriptor first read (for about a second): reads through a descriptor
  // kept open would miss a process forked since, so v1's list is read through a fresh one each time.
  std::string procs() const {
    if (version_ != 1) return pread_all(procs_fd_.get());
    Fd fresh(::open((dir_ / "cgroup.procs").c_str(), O_RDONLY | O_CLOEXEC));
    return pread_all(fresh.get());
  }
  bool write(const std::string& file, std::string_view text) {
    const int fd = control(file);
    return fd >= 0 &&
           retry_eintr([&] { return ::pwrite(fd, text.data(), text.size(), 0); }) == static_cast<ssize_t>(text.size());
  }
  // The number after `key ` in a flat-keyed file such as pids.events or memory.oom_control.
  long long counter(const std::string& file, const std::string& key) {
    std::string text = read(file);
    auto pos = text.find(key + " ");
    return pos == std::string::npos ? 0 : std::strtoll(text.c_str() + pos + key.size() + 1, nullptr, 10);
  }

 private:
  int control(const std::string& file) {
    auto it = files_.find(file);
    if (it == files_.end()) {
      const std::string path = (dir_ / file).string();
      Fd fd(::open(path.c_str(), O_RDWR | O_CLOEXEC));
      if (!fd) fd = Fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
      if (!fd) fd = Fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
      it = files_.emplace(file, std::move(fd)).first;
    }
    return it->second.get();
  }
  static std::string pread_all(int fd) {
    std::string out;
    if (fd < 0) return out;
    char buf[4096];
    for (off_t offset = 0;;) {
      ssize_t n = retry_eintr([&] { return ::pread(fd, buf, sizeof buf, offset); });
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
      offset += n;
      if (static_cast<std::size_t>(n) < sizeof buf) break;  // cgroupfs hands over a small file in one read
    }
    return out;
  }

  fs::path dir_;
  int version_ = 0;
  Fd join_fd_, procs_fd_;
  std::map<std::string, Fd> files_;
};

// The descriptor through which a run's child joins a cpuset cgroup of the runner's holding exactly `cpus`
// (parex-<pid>-cpuset<n>, made at first use, reused, removed with the others): -1 where none can be made. An
// affinity alone the program may widen again with sched_setaffinity; a cpuset it cannot leave.
int cpuset_join_fd(const std::vector<int>& cpus);

// The runner's cgroups, made at first use; false (operator bool) where none could be made.
RunnerCgroup& pids_cgroup();
RunnerCgroup& memory_cgroup();

// The run's process tree: the runner's pids cgroup when the machine lets us make one, else the runner's
// descendants; plus the runner's memory cgroup for memory_mb when available. Counters are deltas over the run.
class Containment {
 public:
  explicit Containment(const Limits& limits) : max_processes_(limits.max_processes) {
    if (RunnerCgroup& pids = pids_cgroup()) {
      if (pids_max_ != limits.max_processes && pids.write("pids.max", std::to_string(limits.max_processes)))
        pids_max_ = limits.max_processes;
      pids_ = pids_max_ == limits.max_processes ? &pids : nullptr;
      if (pids_) {
        refused_forks_ = refused_forks_seen_ >= 0 ? refused_forks_seen_ : refused_fork_count();
        refused_forks_seen_ = -1;  // until finish() reads it again; a run cut short by an exception leaves it unknown
      }
    }
    if (RunnerCgroup& memory = memory_cgroup(); memory && limits.memory_mb > 0) {
      const long long bytes = static_cast<long long>(limits.memory_mb) << 20;
      if (memory_max_ != bytes) {
        bool set = memory.version() == 2 ? memory.write("memory.max", std::to_string(bytes))
                                         : memory.write("memory.limit_in_bytes", std::to_string(bytes));
        if (set && memory.version() == 2) memory.write("memory.swap.max", "0");
        memory_max_ = set ? bytes : 0;
      }
      if (memory_max_ == bytes) {
        memory_ = &memory;
        if (memory.version() == 1)
          memory.write("memory.max_usage_in_bytes", "0");  // a per-run peak
        else
          memory.write("memory.peak", "reset");  // per-run peak where the kernel allows (6.12+)
        oom_kills_ = oom_kills_seen_ >= 0 ? oom_kills_seen_ : oom_counter();
        oom_kills_seen_ = -1;
      }
    }
  }

  // A sandboxed run's init: of the tree, but not one of its processes.
  void exclude(pid_t pid) { excluded_ = pid; }
  // The sandboxed run's init was reaped: every process of the run is dead (and their pids free for others).
  void mark_dead() { dead_ = true; }

  int pids_join_fd() const { return pids_ ? pids_->join_fd() : -1; }
  int memory_join_fd() const { return memory_ ? memory_->join_fd() : -1; }
  // Whether memory_mb is enforced by a cgroup (else the child sets an address-space rlimit).
  bool memory_limited() const { return memory_ != nullptr; }

  std::vector<pid_t> live_members() const {
    if (!pids_) {
      if (auto watched = watched_tree()) {  // exact and cheap; a /proc scan reads every process on the machine
        std::erase_if(*watched, [&](pid_t pid) {
          auto info = read_proc_stat(pid);
          return pid == excluded_ || !info || info->state == 'Z' || info->state == 'X';
        });
        return *watched;
      }
      auto scanned = live_descendants(runner_pid());
      std::erase(scanned, excluded_);
      return scanned;
    }
    std::vector<pid_t> out;
    std::istringstream procs(pids_->procs());
    for (pid_t pid; procs >> pid;)
      if (auto info = read_proc_stat(pid); info && info->state != 'Z' && info->state != 'X') out.push_back(pid);
    return out;
  }

  // Samples the tree; true when it went over max_processes (the kernel refused a fork, or we saw too many).
  bool over_limit() {
    if (pids_) return refused_fork_count() > refused_forks_;
    auto members = live_members();
    note_seen(static_cast<int>(members.size()));
    return static_cast<int>(members.size()) > max_processes_;
  }

  // What the kernel's counters say once the tree is gone. They are also where the next run starts (no
  // process is left to change them in between), so that it need not read them before it starts.
  struct Counted {
    bool refused_forks = false;  // the kernel refused a fork at max_processes
    bool out_of_memory = false;  // the OOM killer acted
  };
  Counted finish() {
    Counted out;
    if (pids_) out.refused_forks = (refused_forks_seen_ = refused_fork_count()) > refused_forks_;
    if (memory_) out.out_of_memory = (oom_kills_seen_ = oom_counter()) > oom_kills_;
    return out;
  }

  // Peak memory of the whole tree in KiB, 0 when unknown.
  long peak_memory_kb() {
    if (!memory_) return 0;
    std::string peak = memory_->read(memory_->version() == 2 ? "memory.peak" : "memory.max_usage_in_bytes");
    return peak.empty() ? 0 : static_cast<long>(std::strtoll(peak.c_str(), nullptr, 10) / 1024);
  }

  int peak_seen() const { return peak_seen_; }
  void note_seen(int count) { peak_seen_ = std::max(peak_seen_, count); }

  // Sends `signo` to every live member, repeating for SIGKILL until none is left (a fork loop races us).
  void kill_all(pid_t pgid, int signo) {
    if (dead_) return;  // a sandboxed run's init is reaped: its pid and group may be another's now
    if (excluded_ && signo == SIGKILL) ::kill(excluded_, SIGKILL);  // its init: the kernel kills the rest
    for (int round = 0; round < 100; ++round) {
      ::kill(-pgid, signo);
      auto members = live_members();
      for (pid_t pid : members) ::kill(pid, signo);
      if (signo != SIGKILL || members.empty()) return;
      ::usleep(1000);  // zombies are not members; they are reaped only once the main process has been
    }
  }

  // Waits, bounded to 2 s, until the tree's pids cgroup is empty, reaping the zombies handed to us. A killed
  // process counts against max_processes until it is reaped: a runner that lives on (grade-class) would
  // otherwise start its next run with a fork bomb's dying processes still counted, and refuse its forks.
  void drain(double* user_s, double* sys_s) {
    for (int round = 0; round < 2000; ++round) {
      reap_zombies(user_s, sys_s);
      if (!pids_ || std::strtoll(pids_->read("pids.current").c_str(), nullptr, 10) <= 0) return;
      ::usleep(1000);
    }
  }

  // Reaps whatever of the tree has died and was handed to us; adds their CPU time.
  void reap_zombies(double* user_s = nullptr, double* sys_s = nullptr) {
    for (;;) {
      int status;
      rusage usage{};
      pid_t pid = ::wait4(-1, &status, WNOHANG, &usage);
      if (pid <= 0) return;
      if (user_s) *user_s += usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6;
      if (sys_s) *sys_s += usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
    }
  }

 private:
  static pid_t runner_pid() {
    static const pid_t pid = ::getpid();
    return pid;
  }
  long long oom_counter() {
    return memory_->version() == 2 ? memory_->counter("memory.events", "oom_kill")
                                   : memory_->counter("memory.oom_control", "oom_kill");
  }
  long long refused_fork_count() { return pids_->counter("pids.events", "max"); }

  static inline int pids_max_ = -1;  // what the runner's cgroups are set to now
  static inline long long memory_max_ = -1;
  static inline long long refused_forks_seen_ = -1;  // the counters when the last run finished; -1: unknown
  static inline long long oom_kills_seen_ = -1;
  int max_processes_;
  pid_t excluded_ = 0;
  bool dead_ = false;
  int peak_seen_ = 1;
  RunnerCgroup* pids_ = nullptr;
  RunnerCgroup* memory_ = nullptr;
  long long refused_forks_ = 0;
  long long oom_kills_ = 0;
};

}  // namespace parex::spawn
