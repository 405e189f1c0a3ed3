// The run loop: starts a run (spawn/child), reads its output and probes as they come (spawn/channels), polices
// its tree (spawn/containment, spawn/fork_events) until its main process exits, then reaps, accounts and gives
// the run its outcome. Signals to the runner (SIGINT, SIGTERM, SIGHUP) kill the run's tree first.
#include "spawn/spawn.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <unordered_map>

#include <fmt/format.h>

#include "base/fd.hpp"
#include "spawn/channels.hpp"
#include "spawn/child.hpp"
#include "spawn/containment.hpp"
#include "spawn/fork_events.hpp"
#include "spawn/hang_capture.hpp"
#include "spawn/proc.hpp"

using Clock = std::chrono::steady_clock;  // CLOCK_MONOTONIC on Linux, the clock probes stamp with

namespace parex {
namespace {

using namespace spawn;

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

}  // namespace

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
  // The last run's init may still be exiting: it must be gone before this one uses the stacks and the exit pipe.
  if (reap_exiting_init()) drain_exit_pipe(channels);
  // Before the run's clock and its fork events: a new plan forks a helper, which is not the run's.
  const SandboxPlan& sandbox = plan_for(request.sandbox);
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
  // The CPUs the run is confined to, if not all of ours: an affinity, and a cpuset cgroup where there is one
  // (made at its first use, before the run's clock starts).
  cpu_set_t affinity;
  CPU_ZERO(&affinity);
  for (int cpu : request.cpus)
    if (cpu >= 0 && cpu < CPU_SETSIZE) CPU_SET(cpu, &affinity);
  const int cpuset_fd = request.cpus.empty() ? -1 : cpuset_join_fd(request.cpus);
  ForkWatch& forks = ForkWatch::instance();
  const std::int64_t clone_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
  const bool init = sandbox.active();  // the run has a pid namespace, with our init as its pid 1
  ChildSetup setup{&request,  argv.data(), envp.data(), out_write, channels.err_write.get(), channels.probe_write.get(),
                   tree.pids_join_fd(), tree.memory_join_fd(), tree.memory_limited(), &sandbox, runner_pidfd(),
                   channels.exit_write.get()};
  if (!request.cpus.empty()) {
    setup.affinity = &affinity;
    setup.cpuset_join_fd = cpuset_fd;
  }
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

  // Output and probe records share max_output_bytes: the first byte past it stops the tree, once.
  SendBudget budget(static_cast<std::size_t>(request.limits.max_output_bytes));
  bool flooded = false;
  auto stop_at_flood = [&] {
    if (flooded || budget.passed() == SendBudget::Passed::no) return;
    flooded = true;
    // Read after the main process was reaped (the channels' last records), the tree is dead or killed already,
    // and its pid and group may be another's: only the verdict is left to give.
    if (reaped) verdict = verdict.value_or(Outcome::output_limit);
    else stop_tree(Outcome::output_limit, SIGKILL);
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
    const std::size_t keep = budget.take_output(buffer.data(), static_cast<std::size_t>(n));
    if (keep < static_cast<std::size_t>(n)) run.output_truncated = true;
    stop_at_flood();
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
    // Every record counts, kept or not; one past the limit is not kept, and stops the run.
    const bool within = budget.take_probe(static_cast<std::size_t>(n));
    stop_at_flood();
    if (within && run.probes.size() < 100000)
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
        record->arrived_s = seconds_between(t0, Clock::now());
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
      if (auto stuck = survivors; !stuck.empty()) {  // where the leaked ones are, before they are killed
        if (init) std::erase(stuck, pid);
        run.hang = capture_hang(stuck, request.source_roots);
        run.hang->when = "leaked";
      }
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
    // The init exits by itself when the main process was the last of the run, and says so first; else it says
    // that the main process exited, through the same pipe.
    if (setup.run_over.load(std::memory_order_acquire) != 0) {
      take_main();
      usage = setup.run_usage;
      init_reaped = true;
      init_guard.reaped();
      let_init_exit(pid);
      tree.mark_dead();
      return on_main_exit();
    }
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
        // Where every process is stuck, read before the kill changes it; the main process first.
        auto members = tree.live_members();
        if (init) std::erase(members, pid);  // a sandbox's init: not the program's
        std::stable_partition(members.begin(), members.end(), [&](pid_t member) { return member == main_pid; });
        run.hang = capture_hang(members, request.source_roots);
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
      else if (fds[i].fd == channels.exit_read.get()) drain_exit_pipe(channels);  // what it says is in `setup`
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
    reap_exiting_init();  // its CPU time is counted already: tree.drain must not reap it as the tree's
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
  // A sandboxed run's orphans are its init's to reap: none come to us, and our only child may be its exiting init.
  if (!alone && !init) tree.reap_zombies(&run.user_s, &run.sys_s);
  run.output_bytes = budget.output_bytes();
  run.probe_bytes = budget.probe_bytes();
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
    else if (*verdict == Outcome::output_limit && budget.probe_bytes() == 0)
      run.error = fmt::format("printed more than max_output_bytes = {} bytes ({} bytes in {} line(s), each line counting {} "
                              "more)",
                              request.limits.max_output_bytes, budget.output_bytes(),
                              budget.line_charge() / SendBudget::kLineOverhead, SendBudget::kLineOverhead);
    else if (*verdict == Outcome::output_limit)
      run.error = fmt::format("sent more than max_output_bytes = {} bytes of output and probe records: the {} passed it "
                              "({} bytes of probe records, counting {} a record, and {} of output, counting {} a line)",
                              request.limits.max_output_bytes,
                              budget.passed() == SendBudget::Passed::by_probes ? "probe records" : "output",
                              budget.probe_bytes(), SendBudget::kProbeRecordOverhead, budget.output_bytes(),
                              SendBudget::kLineOverhead);
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
