#include "spawn/child.hpp"

#include <fcntl.h>
#include <linux/futex.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <list>
#include <memory>

extern char** environ;

namespace parex::spawn {

namespace {

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
  if (setup.cpuset_join_fd >= 0) (void)!::write(setup.cpuset_join_fd, "0", 1);
  if (sandboxed) {
    if (int error = setup.sandbox->apply_identity(setup.failed_step); error != 0) {
      setup.exec_errno = error;
      ::_exit(127);
    }
  }
  if (setup.affinity) ::sched_setaffinity(0, sizeof(cpu_set_t), setup.affinity);
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
  if (!request.randomize_addresses) ::personality(ADDR_NO_RANDOMIZE);
  if (request.limits.memory_mb > 0 && !setup.memory_limited && request.limit_address_space) {
    rlim_t bytes = static_cast<rlim_t>(request.limits.memory_mb) << 20;
    rlimit memory{bytes, bytes};
    ::setrlimit(RLIMIT_AS, &memory);
  }
  if (request.max_file_bytes > 0) {
    rlimit file_size{static_cast<rlim_t>(request.max_file_bytes), static_cast<rlim_t>(request.max_file_bytes)};
    ::setrlimit(RLIMIT_FSIZE, &file_size);
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
    const long pid =
        quiet_syscall(SYS_wait4, -1, reinterpret_cast<long>(&status), flags, reinterpret_cast<long>(&usage));
    if (pid == main && main > 0) {
      setup.main_status = status;
      setup.main_usage = usage;
      setup.main_exited.store(1, std::memory_order_release);
      flags = __WALL | WNOHANG;  // anything left? reap what is dead without waiting, to know
    } else if (pid == -ECHILD && !told) {
      // Nothing of the run is left, nor can anything appear: the run is over, and so is its init. The runner is
      // told before we exit, not by our exit, which comes after the teardown of our namespaces. Once run_over is
      // set the runner may reuse `setup`: what follows uses only the descriptor loaded before.
      const long exit_fd = setup.exit_fd;
      quiet_syscall(SYS_getrusage, RUSAGE_CHILDREN, reinterpret_cast<long>(&setup.run_usage));
      setup.run_over.store(1, std::memory_order_release);
      quiet_syscall(SYS_write, exit_fd, reinterpret_cast<long>("x"), 1);
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

}  // namespace

std::vector<char*> build_environment(const SpawnRequest& request, std::vector<std::string>& owned, std::string extra) {
  auto named = [](std::string_view entry, std::string_view name) {
    return entry.size() > name.size() && entry[name.size()] == '=' && entry.starts_with(name);
  };
  std::vector<char*> env;
  for (char** entry = environ; *entry; ++entry) {
    std::string_view item(*entry);
    bool replaced =
        std::any_of(request.env.begin(), request.env.end(), [&](const auto& kv) { return named(item, kv.first); }) ||
        std::any_of(request.unset.begin(), request.unset.end(), [&](const auto& name) { return named(item, name); }) ||
        named(item, std::string_view(extra).substr(0, extra.find('=')));
    const bool passed = !request.pass_env || item.starts_with("PAREX_") ||
                        std::any_of(request.pass_env->begin(), request.pass_env->end(),
                                    [&](const auto& name) { return named(item, name); });
    if (!replaced && passed) env.push_back(*entry);
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

namespace {
pid_t g_exiting_init = 0;
}

void let_init_exit(pid_t init) { g_exiting_init = init; }

bool reap_exiting_init() {
  if (g_exiting_init <= 0) return false;
  while (::waitpid(g_exiting_init, nullptr, 0) < 0 && errno == EINTR) {
  }
  g_exiting_init = 0;
  return true;
}

const SandboxPlan& plan_for(const SandboxRequest& request) {
  // A speedup's runs alternate between two participants, and a plan costs a helper process: a few are kept.
  static std::list<std::pair<SandboxRequest, std::unique_ptr<SandboxPlan>>> plans;  // most recently used first
  auto it = std::find_if(plans.begin(), plans.end(), [&](const auto& entry) { return entry.first == request; });
  if (it == plans.end()) {
    if (plans.size() >= 8) plans.pop_back();
    plans.emplace_front(request, std::make_unique<SandboxPlan>(request));
  } else if (it != plans.begin()) {
    plans.splice(plans.begin(), plans, it);
  }
  return *plans.front().second;
}

int runner_pidfd() {
  static const int fd = static_cast<int>(::syscall(SYS_pidfd_open, ::getpid(), 0));
  return fd;
}

}  // namespace parex::spawn
