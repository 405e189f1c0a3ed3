#include "spawn.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <unordered_map>
#include <unordered_set>
#include <optional>
#include <span>
#include <sstream>

#include <arpa/inet.h>
#include <fcntl.h>
#include <sched.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <poll.h>
#include <pty.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/futex.h>
#include <termios.h>

#include <fmt/format.h>

#include "fd.hpp"

extern char** environ;

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;  // CLOCK_MONOTONIC on Linux, the clock probes stamp with

namespace parex {
namespace {

std::atomic<pid_t> g_current_pgid{0};
std::atomic<int> g_interrupt_signal{0};
volatile std::sig_atomic_t g_runner_continued = 0;  // SIGCONT came during the run: someone had stopped the runner

void on_continue(int) { g_runner_continued = 1; }
int g_interrupt_pipe[2] = {-1, -1};  // written by the signal handler, polled by the run loop

void on_interrupt(int signo) {
  int saved = errno;
  g_interrupt_signal = signo;
  if (pid_t pgid = g_current_pgid.load()) {
    ::kill(-pgid, SIGKILL);  // at once; the loop then kills what left the process group
    (void)!::write(g_interrupt_pipe[1], "!", 1);
  } else {
    ::signal(signo, SIG_DFL);
    ::raise(signo);
  }
  errno = saved;
}

double seconds_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

std::string read_small_file(const fs::path& path) {
  Fd fd(retry_eintr([&] { return ::open(path.c_str(), O_RDONLY | O_CLOEXEC); }));
  if (!fd) return {};
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = retry_eintr([&] { return ::read(fd.get(), buf, sizeof buf); });
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

struct ProcInfo {
  pid_t pid;
  pid_t ppid;
  char state;
};

std::optional<ProcInfo> read_proc_stat(pid_t pid) {
  std::string stat = read_small_file(fmt::format("/proc/{}/stat", pid));
  // "pid (comm) S ppid ...": comm may hold spaces and parentheses, so parse after the last ')'.
  auto close = stat.rfind(')');
  if (close == std::string::npos || close + 4 >= stat.size()) return std::nullopt;
  ProcInfo info{pid, 0, stat[close + 2]};
  info.ppid = static_cast<pid_t>(std::strtol(stat.c_str() + close + 4, nullptr, 10));
  return info;
}

std::vector<ProcInfo> read_proc_table() {
  std::vector<ProcInfo> table;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit)) continue;
    if (auto info = read_proc_stat(std::stoi(name))) table.push_back(*info);
  }
  return table;
}

// Live (non-zombie) descendants of `root`; with the runner a subreaper, orphans of the run stay below it.
std::vector<pid_t> live_descendants(pid_t root) {
  auto table = read_proc_table();
  std::vector<pid_t> frontier{root}, out;
  while (!frontier.empty()) {
    pid_t parent = frontier.back();
    frontier.pop_back();
    for (const auto& info : table)
      if (info.ppid == parent) {
        frontier.push_back(info.pid);
        if (info.state != 'Z' && info.state != 'X') out.push_back(info.pid);
      }
  }
  return out;
}

std::string command_line(pid_t pid) {
  std::string cmdline = read_small_file(fmt::format("/proc/{}/cmdline", pid));
  while (!cmdline.empty() && cmdline.back() == '\0') cmdline.pop_back();
  std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
  if (cmdline.empty()) cmdline = "[" + read_small_file(fmt::format("/proc/{}/comm", pid)) + "]";
  if (!cmdline.empty() && cmdline.back() == '\n') cmdline.pop_back();
  if (cmdline.size() > 200) cmdline = cmdline.substr(0, 200) + "…";
  return cmdline;
}

// Where per-run cgroups of one controller can be made on this machine, probed once.
struct CgroupBase {
  fs::path dir;
  int version = 0;
};

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

// A cgroup of the runner's own, made at first use and reused by every run (making and removing one per
// run costs more than the run of a small program); removed when the runner exits.
class RunnerCgroup {
 public:
  RunnerCgroup(const std::optional<CgroupBase>& base, std::string_view kind) {
    if (!base) return;
    sweep(base->dir, kind);
    fs::path dir = base->dir / fmt::format("parex-{}-{}", ::getpid(), kind);
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return;
    join_fd_ = Fd(::open((dir / "cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC));
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
    return fd >= 0 && retry_eintr([&] { return ::pwrite(fd, text.data(), text.size(), 0); }) ==
                          static_cast<ssize_t>(text.size());
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

  // The cgroups of runners that died without removing theirs (SIGKILL, e.g. ctest's timeout): parex-<pid>-<kind>
  // whose pid is gone. A cgroup with processes in it is not removed (rmdir refuses), nor one of a live runner.
  static void sweep(const fs::path& base, std::string_view kind) {
    std::error_code ec;
    const std::string suffix = fmt::format("-{}", kind);
    for (const auto& entry : fs::directory_iterator(base, ec)) {
      const std::string name = entry.path().filename().string();
      if (!name.starts_with("parex-") || !name.ends_with(suffix)) continue;
      const std::string digits = name.substr(6, name.size() - 6 - suffix.size());
      if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) continue;
      const pid_t owner = static_cast<pid_t>(std::stol(digits));
      if (owner != ::getpid() && ::kill(owner, 0) != 0 && errno == ESRCH) ::rmdir(entry.path().c_str());
    }
  }

  fs::path dir_;
  int version_ = 0;
  Fd join_fd_, procs_fd_;
  std::map<std::string, Fd> files_;
};

RunnerCgroup& pids_cgroup() {
  static RunnerCgroup cgroup(pids_base(), "pids");
  return cgroup;
}

RunnerCgroup& memory_cgroup() {
  static RunnerCgroup cgroup(memory_base(), "memory");
  return cgroup;
}

// The live processes of the run from fork/exit events, when they are being watched; defined below.
std::optional<std::vector<pid_t>> watched_tree();

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
        if (memory.version() == 1) memory.write("memory.max_usage_in_bytes", "0");  // a per-run peak
        else memory.write("memory.peak", "reset");  // per-run peak where the kernel allows (6.12+)
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

  static inline int pids_max_ = -1;        // what the runner's cgroups are set to now
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

// Counts the processes a run creates from the kernel's fork events (the netlink proc connector,
// root only); with no such events, the count is unknown rather than guessed.
class ForkWatch {
 public:
  // The shared subscription, opened once; an invalid one when the kernel or our rights refuse it.
  static ForkWatch& instance() {
    static ForkWatch watch;
    return watch;
  }

  int fd() const { return socket_.get(); }

  // Starts following the tree of `main_pid`, started at or after `since_ns` (CLOCK_MONOTONIC). Events
  // still queued from before are ignored by their timestamp rather than drained first (a system call
  // less per run); those of the main process's first forks may already be queued, and are kept.
  // A sandboxed run's root is its init, which is not counted: only the processes it starts are.
  void track(pid_t root, std::int64_t since_ns, bool root_counts = true) {
    tree_ = {root};
    root_ = root;
    first_child_ = 0;
    live_.clear();
    if (root_counts) live_.insert(root);
    since_ns_ = since_ns;
    created_ = root_counts ? 1 : 0;
    peak_ = created_;
    overflowed_ = false;
  }

  // Reads pending events, counting new processes whose parent is in the run's tree.
  void poll_events() {
    drain([this](const proc_event& event) {
      if (static_cast<std::int64_t>(event.timestamp_ns) < since_ns_) return;  // of an earlier run, or none
      if (event.what == proc_event::PROC_EVENT_EXIT) {
        const auto& exit = event.event_data.exit;
        if (exit.process_pid == exit.process_tgid) live_.erase(exit.process_tgid);
        return;
      }
      if (event.what != proc_event::PROC_EVENT_FORK) return;
      const auto& fork = event.event_data.fork;
      if (fork.child_pid != fork.child_tgid) return;  // a new thread, not a process
      // clone(CLONE_PARENT) makes a sibling, a child of the runner, which starts nothing else during a run.
      const bool sibling = fork.parent_tgid == runner_tgid_;
      if ((!tree_.contains(fork.parent_tgid) && !sibling) || tree_.contains(fork.child_tgid)) return;
      if (fork.parent_tgid == root_ && first_child_ == 0) first_child_ = fork.child_tgid;
      tree_.insert(fork.child_tgid);
      live_.insert(fork.child_tgid);
      ++created_;
      peak_ = std::max(peak_, static_cast<int>(live_.size()));
    });
  }

  // The first process the root started (a sandboxed run's main process, under its init), after reading pending
  // events; 0 when unknown.
  pid_t first_child() {
    poll_events();
    return first_child_;
  }

  // Processes created in the run (main included), or nullopt when events were unavailable or lost.
  std::optional<int> created() const {
    if (!socket_ || overflowed_) return std::nullopt;
    return created_;
  }

  // The run's processes not yet seen to exit, after reading pending events; nullopt as for created().
  std::optional<std::vector<pid_t>> live() {
    poll_events();
    if (!socket_ || overflowed_) return std::nullopt;
    return std::vector<pid_t>(live_.begin(), live_.end());
  }

  // Most processes of the run alive at once, or nullopt as for created().
  std::optional<int> peak() const {
    if (!socket_ || overflowed_) return std::nullopt;
    return peak_;
  }

 private:
  ForkWatch() {
    if (const char* off = std::getenv("PAREX_NO_FORK_EVENTS"); off && *off && std::string_view(off) != "0") return;
    Fd sock(::socket(PF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_CONNECTOR));
    if (!sock) return;
    int buffer = 4 << 20;
    ::setsockopt(sock.get(), SOL_SOCKET, SO_RCVBUFFORCE, &buffer, sizeof buffer);
    sockaddr_nl addr{};
    addr.nl_family = AF_NETLINK;
    addr.nl_groups = CN_IDX_PROC;
    if (::bind(sock.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return;
    alignas(nlmsghdr) char message[NLMSG_SPACE(sizeof(cn_msg) + sizeof(proc_cn_mcast_op))] = {};
    auto* header = reinterpret_cast<nlmsghdr*>(message);
    auto* connector = static_cast<cn_msg*>(NLMSG_DATA(header));
    header->nlmsg_len = NLMSG_LENGTH(sizeof(cn_msg) + sizeof(proc_cn_mcast_op));
    header->nlmsg_type = NLMSG_DONE;
    connector->id.idx = CN_IDX_PROC;
    connector->id.val = CN_VAL_PROC;
    connector->len = sizeof(proc_cn_mcast_op);
    const proc_cn_mcast_op listen = PROC_CN_MCAST_LISTEN;
    std::memcpy(connector->data, &listen, sizeof listen);
    if (::send(sock.get(), message, header->nlmsg_len, 0) < 0) return;
    keep_only_fork_and_exit(sock.get());
    socket_ = std::move(sock);
  }

  // Lets the kernel drop every event but fork and exit (exec, setsid, comm... of the whole machine),
  // so that they neither wake nor cost us; without the filter we just read more.
  static void keep_only_fork_and_exit(int fd) {
    constexpr std::uint32_t what = NLMSG_LENGTH(0) + offsetof(cn_msg, data) + offsetof(proc_event, what);
    sock_filter code[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, what),  // loads in network order, hence htonl below
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htonl(proc_event::PROC_EVENT_FORK), 2, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htonl(proc_event::PROC_EVENT_EXIT), 1, 0),
        BPF_STMT(BPF_RET | BPF_K, 0),
        BPF_STMT(BPF_RET | BPF_K, 0xffffffff),
    };
    sock_fprog program{static_cast<unsigned short>(std::size(code)), code};
    ::setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof program);
  }

  // Reads every pending event, many per system call.
  template <typename F>
  void drain(F&& on_event) {
    if (!socket_) return;
    auto& [buffers, iov, messages] = batch_;
    for (;;) {
      for (unsigned i = 0; i < kBatch; ++i) {
        iov[i] = {buffers[i], sizeof buffers[i]};
        messages[i] = {};
        messages[i].msg_hdr.msg_iov = &iov[i];
        messages[i].msg_hdr.msg_iovlen = 1;
      }
      int received = ::recvmmsg(socket_.get(), messages, kBatch, MSG_DONTWAIT, nullptr);
      if (received < 0 && errno == EINTR) continue;
      if (received < 0) {
        if (errno == ENOBUFS) overflowed_ = true;  // the kernel dropped events: the count is no longer exact
        if (errno == ENOBUFS) continue;
        return;
      }
      for (int i = 0; i < received; ++i) {
        auto n = static_cast<unsigned>(messages[i].msg_len);
        for (auto* header = reinterpret_cast<nlmsghdr*>(buffers[i]); NLMSG_OK(header, n); header = NLMSG_NEXT(header, n)) {
          auto* connector = static_cast<cn_msg*>(NLMSG_DATA(header));
          if (connector->id.idx != CN_IDX_PROC || connector->id.val != CN_VAL_PROC) continue;
          proc_event event;
          std::memcpy(&event, connector->data, sizeof event);
          on_event(event);
        }
      }
      if (received < static_cast<int>(kBatch)) return;
    }
  }

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

std::optional<std::vector<pid_t>> watched_tree() { return ForkWatch::instance().live(); }

// Splits a byte stream into lines, each stamped with the arrival time of its newline.
class LineAssembler {
 public:
  LineAssembler(Stream stream, std::vector<Line>& out) : stream_(stream), out_(out) {}

  void feed(const char* data, std::size_t size, double t_s) {
    std::string_view chunk(data, size);
    while (!chunk.empty()) {
      auto newline = chunk.find('\n');
      if (newline == std::string_view::npos) {
        partial_.append(chunk);  // a line is kept whole, however long: max_output_bytes bounds it
        return;
      }
      partial_.append(chunk.substr(0, newline));
      flush(t_s);
      chunk.remove_prefix(newline + 1);
    }
  }

  void finish(double t_s) {
    if (!partial_.empty()) flush(t_s);
  }

 private:
  void flush(double t_s) {
    if (!partial_.empty() && partial_.back() == '\r') partial_.pop_back();  // a pty's newline is "\r\n"
    out_.push_back({t_s, stream_, std::move(partial_)});
    partial_.clear();
  }

  Stream stream_;
  std::vector<Line>& out_;
  std::string partial_;
};

std::string unescape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\' || i + 1 == text.size()) {
      out += text[i];
      continue;
    }
    switch (text[++i]) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      default: out += text[i];
    }
  }
  return out;
}

// Parses "P\t<pid>\t<t_ns>\t<name>\t<value>\n" (cases/support/parex/probe.hpp); nullopt if malformed.
std::optional<ProbeRecord> parse_probe(std::string_view message, std::int64_t t0_ns) {
  if (!message.empty() && message.back() == '\n') message.remove_suffix(1);
  std::vector<std::string_view> fields;
  for (int i = 0; i < 4; ++i) {
    auto tab = message.find('\t');
    if (tab == std::string_view::npos) return std::nullopt;
    fields.push_back(message.substr(0, tab));
    message.remove_prefix(tab + 1);
  }
  fields.push_back(message);
  if (fields[0] != "P") return std::nullopt;
  ProbeRecord record;
  record.pid = std::atoi(std::string(fields[1]).c_str());
  std::int64_t t_ns = std::strtoll(std::string(fields[2]).c_str(), nullptr, 10);
  record.t_s = static_cast<double>(t_ns - t0_ns) / 1e9;
  record.name = unescape(fields[3]);
  // An optional sixth field carries the writer's thread id.
  auto tab = fields[4].find('\t');
  record.value = unescape(fields[4].substr(0, tab));
  record.tid = tab == std::string_view::npos ? record.pid : std::atoi(std::string(fields[4].substr(tab + 1)).c_str());
  return record;
}

// The child's environment: ours, less what the request unsets or overrides, plus its overrides and
// `extra`. Inherited entries point into `environ` (no copies: a run costs no allocation per variable);
// `owned` keeps the new ones alive.
std::vector<char*> build_environment(const SpawnRequest& request, std::vector<std::string>& owned, std::string extra) {
  auto named = [](std::string_view entry, std::string_view name) {
    return entry.size() > name.size() && entry[name.size()] == '=' && entry.starts_with(name);
  };
  std::vector<char*> env;
  for (char** entry = environ; *entry; ++entry) {
    std::string_view item(*entry);
    bool replaced = std::any_of(request.env.begin(), request.env.end(), [&](const auto& kv) { return named(item, kv.first); }) ||
                    std::any_of(request.unset.begin(), request.unset.end(), [&](const auto& name) { return named(item, name); }) ||
                    named(item, std::string_view(extra).substr(0, extra.find('=')));
    if (!replaced) env.push_back(*entry);
  }
  owned.clear();
  owned.reserve(request.env.size() + 1);
  for (const auto& [name, value] : request.env) owned.push_back(name + "=" + value);
  owned.push_back(std::move(extra));
  for (auto& entry : owned) env.push_back(entry.data());
  env.push_back(nullptr);
  return env;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Signals the runner ignores, read once before the first fork (reading them in the child costs a
// system call per signal on every run).
const std::vector<int>& ignored_signals() {
  static const std::vector<int> ignored = [] {
    std::vector<int> out;
    for (int signo = 1; signo < NSIG; ++signo) {
      struct sigaction action {};
      if (signo != SIGKILL && signo != SIGSTOP && ::sigaction(signo, nullptr, &action) == 0 &&
          action.sa_handler == SIG_IGN)
        out.push_back(signo);
    }
    return out;
  }();
  return ignored;
}

int dev_null() {
  static const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  return fd;
}

// System calls of a sandboxed run's init, which runs beside the runner in its memory: unlike glibc's wrappers they
// leave errno alone (it is the runner's, the init has no thread of its own).
long quiet_syscall(long number, long a = 0, long b = 0, long c = 0, long d = 0) {
#if defined(__x86_64__)
  long ret;
  register long r10 __asm__("r10") = d;
  __asm__ volatile("syscall" : "=a"(ret) : "a"(number), "D"(a), "S"(b), "d"(c), "r"(r10) : "rcx", "r11", "memory");
  return ret;
#elif defined(__aarch64__)
  register long x8 __asm__("x8") = number;
  register long x0 __asm__("x0") = a;
  register long x1 __asm__("x1") = b;
  register long x2 __asm__("x2") = c;
  register long x3 __asm__("x3") = d;
  __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3) : "memory");
  return x0;
#else
  const int saved = errno;  // not exact (another thread may read errno meanwhile), but the best we have here
  long ret = ::syscall(number, a, b, c, d);
  if (ret < 0) ret = -errno;
  errno = saved;
  return ret;
#endif
}

// What the child needs between clone and exec; it shares the runner's memory, so it only reads this
// (and writes exec_errno), makes system calls and never allocates.
struct ChildSetup {
  const SpawnRequest* request;
  char* const* argv;
  char* const* envp;
  int out_fd, err_fd, probe_fd, pids_join_fd, memory_join_fd;
  bool memory_limited;
  const SandboxPlan* sandbox = nullptr;  // applied when active, by an init of the run's pid namespace
  int runner_pidfd = -1;                 // the runner, polled by the init: it must not outlive it
  int exit_fd = -1;                      // the init writes a byte here when the main process has exited
  int exec_errno = 0;                    // set by the child when it could not exec
  const char* failed_step = nullptr;     // what the child was doing when it gave up, if not exec
  std::int64_t join_ns = 0;  // how long the child took to join its cgroups and enter its sandbox, set by the child
  // Written by the init, read by the runner: the main process started (or failed to), and how it ended.
  std::atomic<int> started{0};
  std::atomic<int> main_exited{0};
  pid_t main_pid = 0;  // in the run's pid namespace
  int main_status = 0;
  rusage main_usage{};
};

std::int64_t monotonic_ns() {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<std::int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

int child_main(void* raw) {
  auto& setup = *static_cast<ChildSetup*>(raw);
  const bool sandboxed = setup.sandbox && setup.sandbox->active();
  if (!sandboxed) ::setsid();  // a sandboxed program is in its init's session
  // Join the run's cgroups before exec, so that nothing the program does happens outside them.
  // "0" is the writer itself: no getpid(), no formatting. The join is timed, to be left out of the
  // run's time: it can wait ~10 ms for an RCU grace period, which is the harness's time, not the program's.
  const std::int64_t join_start = monotonic_ns();
  if (setup.pids_join_fd >= 0) (void)!::write(setup.pids_join_fd, "0", 1);
  if (setup.memory_join_fd >= 0) (void)!::write(setup.memory_join_fd, "0", 1);
  if (sandboxed) {
    if (int error = setup.sandbox->apply_identity(setup.failed_step); error != 0) {
      setup.exec_errno = error;
      ::_exit(127);
    }
  }
  // Inheritable per-process state the grader does not vouch for: the timer slack is the kernel's default.
  ::prctl(PR_SET_TIMERSLACK, 50'000);
  setup.join_ns += monotonic_ns() - join_start;
  // Our handlers must not run in a child sharing our memory: default them before unblocking signals.
  // exec resets caught signals by itself, so beyond those only the ignored ones need resetting.
  for (int signo : {SIGINT, SIGTERM, SIGHUP, SIGCONT}) ::signal(signo, SIG_DFL);
  for (int signo : ignored_signals()) ::signal(signo, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);

  ::dup2(dev_null(), STDIN_FILENO);
  ::dup2(setup.out_fd, STDOUT_FILENO);
  ::dup2(setup.err_fd, STDERR_FILENO);
  ::fcntl(setup.probe_fd, F_SETFD, 0);  // the one runner descriptor the program may keep

  rlimit no_core{0, 0};
  ::setrlimit(RLIMIT_CORE, &no_core);
  const SpawnRequest& request = *setup.request;
  if (request.limits.memory_mb > 0 && !setup.memory_limited) {
    rlim_t bytes = static_cast<rlim_t>(request.limits.memory_mb) << 20;
    rlimit memory{bytes, bytes};
    ::setrlimit(RLIMIT_AS, &memory);
  }
  if (!request.cwd.empty() && ::chdir(request.cwd.c_str()) != 0) {
    setup.exec_errno = errno;
    ::_exit(127);
  }
  ::execvpe(setup.argv[0], setup.argv, setup.envp);
  setup.exec_errno = errno;
  ::_exit(127);
}

// pid 1 of a sandboxed run's pid namespace: stays root (the program cannot signal or trace it), builds the run's
// file system, starts the program as pid 2, tells the runner how it ended, and reaps the run's orphans. Every
// process of the run dies with it (the kernel kills a pid namespace with its init), and it dies with the runner.
int init_main(void* raw) {
  auto& setup = *static_cast<ChildSetup*>(raw);
  ::setsid();
  const std::int64_t start = monotonic_ns();
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  pollfd runner{setup.runner_pidfd, POLLIN, 0};
  if (setup.runner_pidfd >= 0 && ::poll(&runner, 1, 0) != 0) ::_exit(127);  // the runner died before the line above
  int error = setup.sandbox->apply_namespaces(setup.failed_step);
  setup.join_ns = monotonic_ns() - start;
  pid_t main = -1;
  if (error == 0) {
    alignas(64) static char stack[64 * 1024];
    main = ::clone(child_main, stack + sizeof stack, CLONE_VM | CLONE_VFORK | SIGCHLD, raw);  // back once it exec'd
    if (main < 0) error = errno;
  } else {
    setup.exec_errno = error;
  }
  if (error != 0 && setup.exec_errno == 0) setup.exec_errno = error;
  setup.main_pid = main;
  setup.started.store(1, std::memory_order_release);
  quiet_syscall(SYS_futex, reinterpret_cast<long>(&setup.started), FUTEX_WAKE, 1);
  // From here on the runner runs too: no errno, no library call.
  bool told = false;
  for (int flags = __WALL;;) {
    int status = 0;
    rusage usage{};
    const long pid = quiet_syscall(SYS_wait4, -1, reinterpret_cast<long>(&status), flags, reinterpret_cast<long>(&usage));
    if (pid == main && main > 0) {
      setup.main_status = status;
      setup.main_usage = usage;
      setup.main_exited.store(1, std::memory_order_release);
      flags = __WALL | WNOHANG;  // anything left? reap what is dead without waiting, to know
    } else if (pid == -ECHILD && !told) {
      // Nothing of the run is left, nor can anything appear: the run is over, and so is its init. The runner
      // learns it from our exit (one wake-up, where a message and a kill would cost three).
      quiet_syscall(SYS_exit, 0);
    } else if (pid == -ECHILD) {
      quiet_syscall(SYS_ppoll, 0, 0, 0, 0);  // the runner was told: it kills us when it has looked
    } else if (pid == 0 && !told) {
      // The main process is gone but others of the run live on: the runner looks for leaks before it kills us all.
      told = true;
      flags = __WALL;
      quiet_syscall(SYS_write, setup.exit_fd, reinterpret_cast<long>("x"), 1);
    }
  }
}

// The runs' stdout and stderr pipes and probe channel, made once and reused (making and closing them
// cost nine system calls a run). The runner keeps the write ends, so a run's output never ends in
// end-of-file: a run is over when its tree is dead and everything it wrote has been read, which is
// exact, as no process outside the tree holds them. A run that did not get there (an exception) leaves
// them dirty, and the next one makes new ones. capture = "pty" uses a terminal of its own per run.
struct Channels {
  Fd out_read, out_write, err_read, err_write, probe_read, probe_write;
  Fd exit_read, exit_write;  // a sandboxed run's init says here that the main process exited
  bool dirty = true;

  // Whether the run's programs changed what the next run's would inherit: the write ends' file status
  // flags are shared with every process holding them (an event loop may make its stdout O_NONBLOCK).
  bool tampered() const {
    return ::fcntl(out_write.get(), F_GETFL) != write_flags_[0] || ::fcntl(err_write.get(), F_GETFL) != write_flags_[1] ||
           ::fcntl(probe_write.get(), F_GETFL) != write_flags_[2];
  }

  static Channels& reusable() {
    static Channels channels;
    if (channels.dirty) channels = make();
    channels.dirty = true;  // until the run using them has read them empty
    return channels;
  }

 private:
  static Channels make() {
    Channels made;
    int fds[2];
    for (auto [read_end, write_end] : {std::pair{&made.out_read, &made.out_write}, std::pair{&made.err_read, &made.err_write}}) {
      if (::pipe2(fds, O_CLOEXEC) != 0) throw errno_error("cannot create pipe");
      read_end->reset(fds[0]);
      write_end->reset(fds[1]);
      ::fcntl(fds[0], F_SETFL, O_NONBLOCK);  // the last reads of a run stop at "empty"
    }
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) != 0) throw errno_error("cannot create probe channel");
    // Each record arrives with its sender's credentials, as the kernel knows them (SCM_CREDENTIALS): a record
    // is attributed to the process that sent it, not to the pid it names.
    const int on = 1;
    ::setsockopt(fds[0], SOL_SOCKET, SO_PASSCRED, &on, sizeof on);
    made.probe_read.reset(fds[0]);
    made.probe_write.reset(fds[1]);
    if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) throw errno_error("cannot create pipe");
    made.exit_read.reset(fds[0]);
    made.exit_write.reset(fds[1]);
    made.write_flags_[0] = ::fcntl(made.out_write.get(), F_GETFL);
    made.write_flags_[1] = ::fcntl(made.err_write.get(), F_GETFL);
    made.write_flags_[2] = ::fcntl(made.probe_write.get(), F_GETFL);
    return made;
  }
  int write_flags_[3] = {};
};

// Starts child_main like posix_spawn does: sharing our memory until it execs (no page tables to copy,
// no copy-on-write faults after), on a stack of its own, with our signals blocked meanwhile. `pidfd`
// receives a descriptor of the child from the same system call where the kernel allows (5.2+), else -1.
// A sandboxed run starts init_main instead, in new namespaces, which runs on beside us: it returns at once.
pid_t spawn_child(ChildSetup& setup, int& pidfd) {
  alignas(64) static char stack[256 * 1024];
  static bool with_pidfd = true;
  const bool init = setup.sandbox && setup.sandbox->active();
  sigset_t all, old;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &old);
  pidfd = -1;
  pid_t pid = -1;
  const int flags = CLONE_VM | SIGCHLD | (init ? sandbox_clone_flags() : CLONE_VFORK);
  int (*entry)(void*) = init ? init_main : child_main;
  if (with_pidfd) {
    pid = ::clone(entry, stack + sizeof stack, flags | CLONE_PIDFD, &setup, &pidfd);
    if (pid < 0 && errno == EINVAL) with_pidfd = false;
  }
  if (!with_pidfd) pid = ::clone(entry, stack + sizeof stack, flags, &setup);
  int saved = errno;
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  errno = saved;
  return pid;
}

// The plan of a sandbox request, made once for the runs of one participant (it looks up every hidden path).
const SandboxPlan& plan_for(const SandboxRequest& request) {
  static SandboxRequest planned;
  static std::unique_ptr<SandboxPlan> plan;
  if (!plan || !(planned == request)) {
    plan = std::make_unique<SandboxPlan>(request);
    planned = request;
  }
  return *plan;
}

// A descriptor of the runner itself, which a run's init polls to know it is not an orphan already.
int runner_pidfd() {
  static const int fd = static_cast<int>(::syscall(SYS_pidfd_open, ::getpid(), 0));
  return fd;
}

// Empties the pipe where a run's init reports the main process's exit, for the next run.
void drain_exit_pipe(Channels& channels) {
  char bytes[16];
  while (::read(channels.exit_read.get(), bytes, sizeof bytes) > 0) {}
}

// Waits until a sandboxed run's init has started the main process or given up; false when the init died first.
bool wait_for_start(ChildSetup& setup, pid_t init) {
  // It takes a few hundred microseconds, on another core where there is one: yielding meanwhile spares us the
  // wake-up from a sleep, which a virtual machine makes dear; a slow start still ends in a sleep.
  const std::int64_t spin_until = monotonic_ns() + 2'000'000;
  while (setup.started.load(std::memory_order_acquire) == 0 && monotonic_ns() < spin_until) ::sched_yield();
  while (setup.started.load(std::memory_order_acquire) == 0) {
    timespec slice{0, 50'000'000};
    quiet_syscall(SYS_futex, reinterpret_cast<long>(&setup.started), FUTEX_WAIT, 0, reinterpret_cast<long>(&slice));
    if (setup.started.load(std::memory_order_acquire) == 0 && ::waitpid(init, nullptr, WNOHANG) == init) return false;
  }
  return true;
}

// The pid of `init`'s only child in the runner's view (the main process of a sandboxed run), 0 if unknown.
pid_t only_child_of(pid_t init) {
  const std::string children = read_small_file(fmt::format("/proc/{}/task/{}/children", init, init));
  return static_cast<pid_t>(std::strtol(children.c_str(), nullptr, 10));
}

// The pid `host_pid` has in its own pid namespace (the last of NSpid), or 0 when it is gone.
pid_t namespace_pid(pid_t host_pid) {
  const std::string status = read_small_file(fmt::format("/proc/{}/status", host_pid));
  auto line = status.find("\nNSpid:");
  if (line == std::string::npos) return 0;
  auto end = status.find('\n', line + 1);
  auto last = status.find_last_of(" \t", end);
  return static_cast<pid_t>(std::strtol(status.c_str() + last + 1, nullptr, 10));
}

}  // namespace

std::string containment_mechanism() {
  std::string processes = pids_base() ? fmt::format("cgroup v{} pids", pids_base()->version) : "process scan";
  std::string memory = memory_base() ? fmt::format("cgroup v{} memory", memory_base()->version) : "address-space rlimit";
  return processes + ", " + memory;
}

void remove_runner_cgroups() {
  pids_cgroup().remove();
  memory_cgroup().remove();
}

void install_interrupt_handlers() {
  if (g_interrupt_pipe[0] < 0 && ::pipe2(g_interrupt_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
    throw errno_error("cannot create the interrupt pipe");
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  for (int signo : {SIGINT, SIGTERM, SIGHUP}) ::sigaction(signo, &action, nullptr);
}

Run spawn_and_record(const SpawnRequest& request) {
  Run run;
  run.capture = std::string(to_string(request.capture));
  if (request.argv.empty()) {
    run.outcome = Outcome::spawn_error;
    run.error = "empty command";
    return run;
  }
  static const bool subreaper = ::prctl(PR_SET_CHILD_SUBREAPER, 1) == 0;
  static const bool continue_watched = [] {
    struct sigaction action {};
    action.sa_handler = on_continue;
    action.sa_flags = SA_RESTART;
    sigemptyset(&action.sa_mask);
    return ::sigaction(SIGCONT, &action, nullptr) == 0;
  }();
  (void)subreaper;
  (void)continue_watched;

  const bool pty = request.capture == Capture::pty;
  Fd pty_master, pty_slave;
  if (pty) {
    int master, slave;
    if (::openpty(&master, &slave, nullptr, nullptr, nullptr) != 0) throw errno_error("cannot open a pseudo-terminal");
    pty_master.reset(master);
    pty_slave.reset(slave);
    ::fcntl(master, F_SETFD, FD_CLOEXEC);
    ::fcntl(slave, F_SETFD, FD_CLOEXEC);
    termios mode{};
    if (::tcgetattr(slave, &mode) == 0) {
      ::cfmakeraw(&mode);  // no "\r\n" translation, no echo: the bytes as written
      ::tcsetattr(slave, TCSANOW, &mode);
    }
  }
  Channels& channels = Channels::reusable();
  const int out_read = pty ? pty_master.get() : channels.out_read.get();
  const int out_write = pty ? pty_slave.get() : channels.out_write.get();
  const int err_read = channels.err_read.get(), probe_read = channels.probe_read.get();

  std::vector<std::string> env_strings;
  auto envp = build_environment(request, env_strings, fmt::format("PAREX_PROBE_FD={}", channels.probe_write.get()));
  auto argv_strings = request.argv;
  auto argv = c_strings(argv_strings);

  ignored_signals();
  dev_null();
  Containment tree(request.limits);
  ForkWatch& forks = ForkWatch::instance();
  const std::int64_t clone_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
  const SandboxPlan& sandbox = plan_for(request.sandbox);
  const bool init = sandbox.active();  // the run has a pid namespace, with our init as its pid 1
  ChildSetup setup{&request,  argv.data(), envp.data(), out_write, channels.err_write.get(), channels.probe_write.get(),
                   tree.pids_join_fd(), tree.memory_join_fd(), tree.memory_limited(), &sandbox, runner_pidfd(),
                   channels.exit_write.get()};
  g_runner_continued = 0;
  int pidfd_number;
  // Without a sandbox, returns once the child has exec'd or died trying; with one, at once (its init runs on).
  const pid_t pid = spawn_child(setup, pidfd_number);
  if (pid < 0) throw errno_error("cannot start a process");
  Fd pidfd(pidfd_number >= 0 ? pidfd_number : static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  // The init shares our memory (setup, its stack): it must be dead before this frame is, whatever happens.
  struct InitGuard {
    pid_t pid = 0;
    ~InitGuard() {
      if (pid > 0) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
      }
    }
    void reaped() { pid = 0; }
  } init_guard{init ? pid : 0};
  if (init && !wait_for_start(setup, pid)) {
    init_guard.reaped();
    setup.exec_errno = ECHILD;
    setup.failed_step = "start the run's init";
  }
  const std::int64_t t0_ns = clone_ns + setup.join_ns;  // from fork, less the cgroup joins (docs/extensions.md)
  const Clock::time_point t0{std::chrono::duration_cast<Clock::duration>(std::chrono::nanoseconds(t0_ns))};
  g_current_pgid = pid;
  forks.track(pid, clone_ns, !init);
  pid_t main_pid = pid;  // in the runner's view
  if (init && setup.exec_errno == 0) {
    main_pid = forks.first_child();  // the init's fork is an event already: no /proc file to read
    if (main_pid == 0) main_pid = only_child_of(pid);
  }
  run.pid = init ? setup.main_pid : pid;
  run.host_pid = main_pid;
  if (init) tree.exclude(pid);
  pty_slave.reset();

  if (setup.exec_errno != 0) {
    if (init_guard.pid) ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    init_guard.reaped();
    g_current_pgid = 0;
    run.outcome = Outcome::spawn_error;
    run.error = setup.failed_step
                    ? fmt::format("cannot sandbox '{}': {}: {}", request.argv[0], setup.failed_step, std::strerror(setup.exec_errno))
                    : fmt::format("cannot run '{}': {}{}", request.argv[0], std::strerror(setup.exec_errno),
                                  setup.exec_errno == EACCES && sandbox.active()
                                      ? fmt::format(" as the sandbox's uid {}: the program, its folders and what it reads "
                                                    "must be readable by others (or grade with --no-sandbox)",
                                                    sandbox_support().uid)
                                      : "");
    run.wall_s = seconds_between(t0, Clock::now());
    drain_exit_pipe(channels);
    channels.dirty = false;  // the child never got to write
    return run;
  }

  LineAssembler out_lines(Stream::out, run.lines), err_lines(Stream::err, run.lines);
  bool out_open = true, err_open = true, probe_open = true, reaped = false;
  int status = 0;
  rusage usage{};       // the main process's and what it reaped; with an init, the init's: the whole run's
  rusage main_usage{};  // with an init: the main process's, as the init reaped it
  bool init_reaped = false;
  std::unordered_map<pid_t, pid_t> namespace_pids;  // sender (our view) -> its pid in the run's namespace
  std::optional<Outcome> verdict;  // set when we killed the tree for a reason of our own
  const auto deadline = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(request.timeout_s));
  const auto grace = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(request.kill_grace_s));
  std::optional<Clock::time_point> kill_at, drain_until;
  auto next_sample = t0 + std::chrono::milliseconds(20);  // the kernel enforces pids.max; sampling only stops it early
  constexpr auto kSampleEvery = std::chrono::milliseconds(20);
  std::unique_ptr<char[]> buffer_storage(new char[1 << 16]);  // not zeroed: a run costs no memset
  std::span<char> buffer(buffer_storage.get(), 1 << 16);

  auto stop_tree = [&](Outcome why, int signo) {
    if (!verdict) verdict = why;
    tree.kill_all(pid, signo);
    if (signo == SIGTERM && !kill_at) kill_at = Clock::now() + grace;
  };

  // Reads what is there; false when nothing was (empty, or the end).
  auto read_stream = [&](int fd, LineAssembler& lines, bool& open) {
    ssize_t n = retry_eintr([&] { return ::read(fd, buffer.data(), buffer.size()); });
    double t_s = seconds_between(t0, Clock::now());
    if (n < 0 && errno == EAGAIN) return false;
    if (n <= 0) {  // EOF, or EIO from a pty whose last writer closed
      lines.finish(t_s);
      open = false;
      return false;
    }
    std::size_t keep = static_cast<std::size_t>(n);
    if (run.output_bytes + keep > static_cast<std::size_t>(request.limits.max_output_bytes)) {
      keep = static_cast<std::size_t>(request.limits.max_output_bytes) - std::min<std::size_t>(run.output_bytes, request.limits.max_output_bytes);
      if (!run.output_truncated) {
        run.output_truncated = true;
        stop_tree(Outcome::output_limit, SIGKILL);
      }
    }
    run.output_bytes += static_cast<std::size_t>(n);
    if (keep > 0) lines.feed(buffer.data(), keep, t_s);
    return true;
  };

  auto read_probes = [&] {
    iovec data{buffer.data(), buffer.size()};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(ucred))];
    msghdr message{};
    message.msg_iov = &data;
    message.msg_iovlen = 1;
    message.msg_control = control;
    message.msg_controllen = sizeof control;
    ssize_t n = retry_eintr([&] { return ::recvmsg(probe_read, &message, MSG_DONTWAIT); });
    if (n == 0 || (n < 0 && errno != EAGAIN)) probe_open = false;
    if (n <= 0) return false;
    std::optional<pid_t> sender;
    for (cmsghdr* c = CMSG_FIRSTHDR(&message); c; c = CMSG_NXTHDR(&message, c))
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
        ucred credentials;
        std::memcpy(&credentials, CMSG_DATA(c), sizeof credentials);
        sender = credentials.pid;
      }
    if (run.probes.size() < 100000)
      if (auto record = parse_probe(std::string_view(buffer.data(), static_cast<std::size_t>(n)), t0_ns)) {
        // The kernel gives the sender in our view of pids; the record names it in the run's. With a pid namespace
        // the two meet through /proc while the sender exists; a record of a sender gone by then is kept, and
        // still attributed to its real sender (host_pid), which is what the checks compare.
        pid_t claimed_as = sender.value_or(record->pid);
        if (sender && init) {
          auto [it, fresh] = namespace_pids.try_emplace(*sender, 0);
          if (fresh) it->second = *sender == main_pid ? run.pid : namespace_pid(*sender);
          claimed_as = it->second ? it->second : record->pid;
        }
        record->host_pid = sender.value_or(0);
        if (claimed_as != record->pid) ++run.probes_forged;
        else run.probes.push_back(std::move(*record));
      }
    return true;
  };

  auto on_main_exit = [&] {
    reaped = true;
    run.wall_s = seconds_between(t0, Clock::now());
    g_current_pgid = 0;
    // Anything of the tree still alive now outlived its main process: a leak, named and then killed.
    // When the fork events say the main process started nothing, nothing can have outlived it.
    forks.poll_events();
    auto survivors = forks.created() == 1 || init_reaped ? std::vector<pid_t>{} : tree.live_members();
    if (!verdict) {
      for (pid_t leaked : survivors) run.leaked.push_back({leaked, command_line(leaked)});
      tree.note_seen(static_cast<int>(run.leaked.size()) + 1);
    }
    if (init && !init_reaped) {  // the run is over: its init goes, and the kernel kills what is left of it
      ::kill(pid, SIGKILL);
      retry_eintr([&] { return ::wait4(pid, nullptr, 0, &usage); });
      init_reaped = true;
      init_guard.reaped();
      tree.mark_dead();
    } else if (!survivors.empty()) {
      tree.kill_all(pid, SIGKILL);
    }
    drain_until = Clock::now() + std::chrono::seconds(2);
  };

  // Whether the main process is over, and if so, what follows; `block`: wait for it.
  auto check_exit = [&](bool block) {
    if (!init) {
      pid_t waited = retry_eintr([&] { return ::wait4(pid, &status, block ? 0 : WNOHANG, &usage); });
      if (waited == pid) on_main_exit();
      else if (waited < 0) throw errno_error("lost track of the main process");  // only a bug can do this
      return;
    }
    auto take_main = [&] {
      if (setup.main_exited.load(std::memory_order_acquire) == 0) return false;
      status = setup.main_status;
      main_usage = setup.main_usage;
      return true;
    };
    // The init exits by itself when the main process was the last of the run; else it says so through the pipe.
    pid_t waited = retry_eintr([&] { return ::wait4(pid, nullptr, block ? 0 : WNOHANG, &usage); });
    if (waited == pid) {
      init_reaped = true;
      init_guard.reaped();
      tree.mark_dead();
      if (!take_main()) status = SIGKILL;  // the init died before the main process: only we kill it, and so the run
      return on_main_exit();
    }
    if (take_main()) on_main_exit();
  };

  // Once the main process is reaped (and what outlived it killed), only a pty is read on, to its end.
  while (!reaped || (pty && out_open)) {
    auto now = Clock::now();
    if (reaped && drain_until && now >= *drain_until) break;
    if (!reaped) {
      if (now >= deadline && !verdict) {
        run.timed_out = true;
        stop_tree(Outcome::timeout, SIGTERM);
      }
      if (kill_at && now >= *kill_at) {
        tree.kill_all(pid, SIGKILL);
        kill_at.reset();
      }
      if (now >= next_sample) {
        next_sample = now + kSampleEvery;
        forks.poll_events();  // buffered by the kernel: read at each sample, not on every event of the machine
        if (!verdict && tree.over_limit()) stop_tree(Outcome::process_limit, SIGKILL);
      }
    }
    auto wake = reaped ? *drain_until : std::min({deadline > now ? deadline : now + kSampleEvery, next_sample,
                                                  kill_at.value_or(Clock::time_point::max())});
    int timeout_ms = static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(wake - now).count());
    timeout_ms = std::clamp(timeout_ms, 0, 1000);

    pollfd fds[6];
    int count = 0;
    auto add = [&](int fd, bool wanted) {
      if (wanted && fd >= 0) fds[count++] = {fd, POLLIN, 0};
    };
    add(out_read, out_open);
    add(err_read, err_open && !reaped);
    add(probe_read, probe_open && !reaped);
    add(pidfd.get(), !reaped);
    add(channels.exit_read.get(), init && !reaped);
    add(g_interrupt_pipe[0], !reaped);
    if (!pidfd && !reaped) timeout_ms = std::min(timeout_ms, 2);  // no pidfd: poll for the exit instead
    int ready = ::poll(fds, count, timeout_ms);
    if (ready < 0 && errno != EINTR) throw errno_error("poll failed");

    for (int i = 0; i < count && ready > 0; ++i) {
      if (!fds[i].revents) continue;
      if (fds[i].fd == out_read) read_stream(out_read, out_lines, out_open);
      else if (fds[i].fd == err_read) read_stream(err_read, err_lines, err_open);
      else if (fds[i].fd == probe_read) read_probes();
      else if (fds[i].fd == g_interrupt_pipe[0]) stop_tree(Outcome::timeout, SIGKILL);
    }
    if (!reaped) check_exit(false);
  }
  if (!reaped) {  // unreachable in practice; keeps the invariant "main process reaped" unconditional
    if (init) ::kill(pid, SIGKILL);
    check_exit(true);
  }
  if (init) drain_exit_pipe(channels);
  run.user_s = usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6;
  run.sys_s = usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
  // The init's own maximum is the runner's (it shares our memory): the main process's is the run's.
  run.max_rss_kb = init ? main_usage.ru_maxrss : usage.ru_maxrss;
  run.peak_memory_kb = tree.peak_memory_kb();
  const auto counted = tree.finish();
  if (!verdict && counted.out_of_memory) verdict = Outcome::memory_limit;
  if (!verdict && counted.refused_forks) verdict = Outcome::process_limit;  // in a run too short to be sampled
  const bool alone = forks.created() == 1;  // the main process started nothing: no orphan, no event to wait for
  if (verdict || !run.leaked.empty()) {
    tree.kill_all(pid, SIGKILL);  // what a verdict or a leak left behind
    tree.finish();                // the counters again: the kill raced the tree's last forks
    tree.drain(&run.user_s, &run.sys_s);
  }
  // The tree is dead: all it wrote is in the reused channels, to be read until they are empty.
  if (!pty) while (out_open && read_stream(out_read, out_lines, out_open)) {}
  while (err_open && read_stream(err_read, err_lines, err_open)) {}
  while (probe_open && read_probes()) {}
  channels.dirty = !(pty || out_open) || !err_open || !probe_open || channels.tampered();
  out_lines.finish(seconds_between(t0, Clock::now()));
  err_lines.finish(seconds_between(t0, Clock::now()));
  if (!alone) tree.reap_zombies(&run.user_s, &run.sys_s);
  if (int signo = g_interrupt_signal.load()) throw Interrupted{signo};
  const bool runner_stopped = g_runner_continued != 0;
  if (!alone) forks.poll_events();
  run.processes_created = forks.created();
  run.peak_processes = std::max(forks.peak().value_or(1), tree.peak_seen());
  std::stable_sort(run.lines.begin(), run.lines.end(), [](const Line& a, const Line& b) { return a.t_s < b.t_s; });
  std::stable_sort(run.probes.begin(), run.probes.end(), [](const ProbeRecord& a, const ProbeRecord& b) { return a.t_s < b.t_s; });

  // Don't trust the exit status of a process we killed: the verdict is why we killed it.
  if (WIFEXITED(status)) run.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) run.signal = WTERMSIG(status);
  if (runner_stopped) {
    // Someone stopped the runner (SIGSTOP: only a program running as the grader's user can) and let it go on: while
    // it was stopped it enforced no timeout and its clock ran on. Nothing it measured in this run can be trusted.
    run.outcome = Outcome::runner_stopped;
    run.error = "the runner was stopped (SIGSTOP) during the run: its timeout and timings cannot be trusted";
  } else if (verdict) {
    run.outcome = *verdict;
    if (*verdict == Outcome::timeout)
      run.error = fmt::format("timed out after {:.3g} s", request.timeout_s);
    else if (*verdict == Outcome::output_limit)
      run.error = fmt::format("printed more than max_output_bytes = {} bytes", request.limits.max_output_bytes);
    else if (*verdict == Outcome::memory_limit)
      run.error = fmt::format("ran out of memory: the tree used more than memory_mb = {} MiB and was killed", request.limits.memory_mb);
    else if (*verdict == Outcome::process_limit)
      run.error = fmt::format("tried to run more than max_processes = {} processes at once", request.limits.max_processes);
  } else if (run.signal) {
    run.outcome = Outcome::signal;
  } else if (run.exit_code != 0) {
    run.outcome = Outcome::exit_nonzero;
  }
  return run;
}

}  // namespace parex
