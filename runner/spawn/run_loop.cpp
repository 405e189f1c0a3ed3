// The run loop: starts a run (spawn/child), reads its output and probes as they come (spawn/channels), polices
// its tree (spawn/containment, spawn/fork_events) until its main process exits, then reaps, accounts and gives
// the run its outcome. Signals to the runner (SIGINT, SIGTERM, SIGHUP) kill the run's tree first.
#include "spawn/run_loop.hpp"

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
}  // namespace parex

namespace parex::spawn {

void RunLoop::open_pty() {
  int master, slave;
  if (::openpty(&master, &slave, nullptr, nullptr, nullptr) != 0) throw errno_error("cannot open a pseudo-terminal");
  pty_master_.reset(master);
  pty_slave_.reset(slave);
  ::fcntl(master, F_SETFD, FD_CLOEXEC);
  ::fcntl(slave, F_SETFD, FD_CLOEXEC);
  termios mode{};
  if (::tcgetattr(slave, &mode) == 0) {
    ::cfmakeraw(&mode);  // no "\r\n" translation, no echo: the bytes as written
    ::tcsetattr(slave, TCSANOW, &mode);
  }
}

bool RunLoop::start() {
  pty_ = request_.capture == Capture::pty;
  if (pty_) open_pty();
  channels_ = &Channels::reusable();
  Channels& channels = *channels_;
  // The last run's init may still be exiting: it must be gone before this one uses the stacks and the exit pipe.
  if (reap_exiting_init()) drain_exit_pipe(channels);
  // Before the run's clock and its fork events: a new plan forks a helper, which is not the run's.
  sandbox_ = &plan_for(request_.sandbox);
  const SandboxPlan& sandbox = *sandbox_;
  out_read_ = pty_ ? pty_master_.get() : channels.out_read.get();
  out_write_ = pty_ ? pty_slave_.get() : channels.out_write.get();
  err_read_ = channels.err_read.get(), probe_read_ = channels.probe_read.get();

  envp_ = build_environment(request_, env_strings_, fmt::format("PAREX_PROBE_FD={}", channels.probe_write.get()));
  argv_strings_ = request_.argv;
  argv_ = c_strings(argv_strings_);

  ignored_signals();
  dev_null();
  Containment& tree = tree_.emplace(request_.limits);
  // The CPUs the run is confined to, if not all of ours: an affinity, and a cpuset cgroup where there is one
  // (made at its first use, before the run's clock starts).
  CPU_ZERO(&affinity_);
  for (int cpu : request_.cpus)
    if (cpu >= 0 && cpu < CPU_SETSIZE) CPU_SET(cpu, &affinity_);
  cpuset_fd_ = request_.cpus.empty() ? -1 : cpuset_join_fd(request_.cpus);
  forks_ = &ForkWatch::instance();
  ForkWatch& forks = *forks_;
  clone_ns_ = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
  init_ = sandbox.active();
  setup_.request = &request_;
  setup_.argv = argv_.data();
  setup_.envp = envp_.data();
  setup_.out_fd = out_write_;
  setup_.err_fd = channels.err_write.get();
  setup_.probe_fd = channels.probe_write.get();
  setup_.pids_join_fd = tree.pids_join_fd();
  setup_.memory_join_fd = tree.memory_join_fd();
  setup_.memory_limited = tree.memory_limited();
  setup_.sandbox = &sandbox;
  setup_.runner_pidfd = runner_pidfd();
  setup_.exit_fd = channels.exit_write.get();
  if (!request_.cpus.empty()) {
    setup_.affinity = &affinity_;
    setup_.cpuset_join_fd = cpuset_fd_;
  }
  g_runner_continued = 0;
  int pidfd_number;
  // Without a sandbox, returns once the child has exec'd or died trying; with one, at once (its init runs on).
  pid_ = spawn_child(setup_, pidfd_number);
  if (pid_ < 0) throw errno_error("cannot start a process");
  pidfd_.reset(pidfd_number >= 0 ? pidfd_number : static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0)));
  init_guard_.pid = init_ ? pid_ : 0;
  if (init_ && !wait_for_start(setup_, pid_)) {
    init_guard_.reaped();
    setup_.exec_errno = ECHILD;
    setup_.failed_step = "start the run's init";
  }
  t0_ns_ = clone_ns_ + setup_.join_ns;  // from fork, less the cgroup joins (docs/extensions.md)
  t0_ = Clock::time_point{std::chrono::duration_cast<Clock::duration>(std::chrono::nanoseconds(t0_ns_))};
  g_current_pgid = pid_;
  forks.track(pid_, clone_ns_, !init_);
  main_pid_ = pid_;
  if (init_ && setup_.exec_errno == 0) {
    main_pid_ = forks.first_child();  // the init's fork is an event already: no /proc file to read
    if (main_pid_ == 0) main_pid_ = only_child_of(pid_);
  }
  run_.pid = init_ ? setup_.main_pid : pid_;
  run_.host_pid = main_pid_;
  if (init_) tree.exclude(pid_);
  pty_slave_.reset();
  if (setup_.exec_errno != 0) return spawn_failed();
  return true;
}

// The child could not exec, or the init could not set the sandbox up: a spawn_error that says which.
bool RunLoop::spawn_failed() {
  if (init_guard_.pid) ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  init_guard_.reaped();
  g_current_pgid = 0;
  run_.outcome = Outcome::spawn_error;
  run_.error =
      setup_.failed_step
          ? fmt::format("cannot sandbox '{}': {}: {}", request_.argv[0], setup_.failed_step,
                        std::strerror(setup_.exec_errno))
          : fmt::format("cannot run '{}': {}{}", request_.argv[0], std::strerror(setup_.exec_errno),
                        setup_.exec_errno == EACCES && sandbox_->active()
                            ? fmt::format(" as the sandbox's uid {}: the program, its folders and what it reads "
                                          "must be readable by others (or grade with --no-sandbox)",
                                          sandbox_support().uid)
                            : "");
  run_.wall_s = seconds_between(t0_, Clock::now());
  drain_exit_pipe(*channels_);
  channels_->dirty = false;  // the child never got to write
  return false;
}

void RunLoop::stop_tree(Outcome why, int signo) {
  if (!verdict_) verdict_ = why;
  tree_->kill_all(pid_, signo);
  if (signo == SIGTERM && !kill_at_) kill_at_ = Clock::now() + grace_;
}

void RunLoop::stop_at_flood() {
  if (flooded_ || budget_.passed() == SendBudget::Passed::no) return;
  flooded_ = true;
  // Read after the main process was reaped (the channels' last records), the tree is dead or killed already,
  // and its pid and group may be another's: only the verdict is left to give.
  if (reaped_)
    verdict_ = verdict_.value_or(Outcome::output_limit);
  else
    stop_tree(Outcome::output_limit, SIGKILL);
}

// Reads what is there; false when nothing was (empty, or the end).
bool RunLoop::read_stream(int fd, LineAssembler& lines, bool& open) {
  ssize_t n = retry_eintr([&] { return ::read(fd, buffer_.data(), buffer_.size()); });
  double t_s = seconds_between(t0_, Clock::now());
  if (n < 0 && errno == EAGAIN) return false;
  if (n <= 0) {  // EOF, or EIO from a pty whose last writer closed
    lines.finish(t_s);
    open = false;
    return false;
  }
  const std::size_t keep = budget_.take_output(buffer_.data(), static_cast<std::size_t>(n));
  if (keep < static_cast<std::size_t>(n)) run_.output_truncated = true;
  stop_at_flood();
  if (keep > 0) lines.feed(buffer_.data(), keep, t_s);
  return true;
}

bool RunLoop::read_probes() {
  iovec data{buffer_.data(), buffer_.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(ucred))];
  msghdr message{};
  message.msg_iov = &data;
  message.msg_iovlen = 1;
  message.msg_control = control;
  message.msg_controllen = sizeof control;
  ssize_t n = retry_eintr([&] { return ::recvmsg(probe_read_, &message, MSG_DONTWAIT); });
  if (n == 0 || (n < 0 && errno != EAGAIN)) probe_open_ = false;
  if (n <= 0) return false;
  std::optional<pid_t> sender;
  for (cmsghdr* c = CMSG_FIRSTHDR(&message); c; c = CMSG_NXTHDR(&message, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
      ucred credentials;
      std::memcpy(&credentials, CMSG_DATA(c), sizeof credentials);
      sender = credentials.pid;
    }
  // Every record counts, kept or not; one past the limit is not kept, and stops the run.
  const bool within = budget_.take_probe(static_cast<std::size_t>(n));
  stop_at_flood();
  if (within && run_.probes.size() < 100000)
    if (auto record = parse_probe(std::string_view(buffer_.data(), static_cast<std::size_t>(n)), t0_ns_)) {
      // The kernel gives the sender in our view of pids; the record names it in the run's. With a pid namespace
      // the two meet through /proc while the sender exists; a record of a sender gone by then is kept, and
      // still attributed to its real sender (host_pid), which is what the checks compare.
      pid_t claimed_as = sender.value_or(record->pid);
      if (sender && init_) {
        auto [it, fresh] = namespace_pids_.try_emplace(*sender, 0);
        if (fresh) it->second = *sender == main_pid_ ? run_.pid : namespace_pid(*sender);
        claimed_as = it->second ? it->second : record->pid;
      }
      record->host_pid = sender.value_or(0);
      record->arrived_s = seconds_between(t0_, Clock::now());
      if (claimed_as != record->pid)
        ++run_.probes_forged;
      else
        run_.probes.push_back(std::move(*record));
    }
  return true;
}

void RunLoop::on_main_exit() {
  reaped_ = true;
  run_.wall_s = seconds_between(t0_, Clock::now());
  g_current_pgid = 0;
  // Anything of the tree still alive now outlived its main process: a leak, named and then killed.
  // When the fork events say the main process started nothing, nothing can have outlived it.
  forks_->poll_events();
  auto survivors = forks_->created() == 1 || init_reaped_ ? std::vector<pid_t>{} : tree_->live_members();
  if (!verdict_) {
    for (pid_t leaked : survivors) run_.leaked.push_back({leaked, command_line(leaked)});
    if (auto stuck = survivors; !stuck.empty()) {  // where the leaked ones are, before they are killed
      if (init_) std::erase(stuck, pid_);
      run_.hang = capture_hang(stuck, request_.source_roots);
      run_.hang->when = "leaked";
    }
    tree_->note_seen(static_cast<int>(run_.leaked.size()) + 1);
  }
  if (init_ && !init_reaped_) {  // the run is over: its init goes, and the kernel kills what is left of it
    ::kill(pid_, SIGKILL);
    retry_eintr([&] { return ::wait4(pid_, nullptr, 0, &usage_); });
    init_reaped_ = true;
    init_guard_.reaped();
    tree_->mark_dead();
  } else if (!survivors.empty()) {
    tree_->kill_all(pid_, SIGKILL);
  }
  drain_until_ = Clock::now() + std::chrono::seconds(2);
}

// Whether the main process is over, and if so, what follows; `block`: wait for it.
void RunLoop::check_exit(bool block) {
  if (!init_) {
    pid_t waited = retry_eintr([&] { return ::wait4(pid_, &status_, block ? 0 : WNOHANG, &usage_); });
    if (waited == pid_)
      on_main_exit();
    else if (waited < 0)
      throw errno_error("lost track of the main process");  // only a bug can do this
    return;
  }
  auto take_main = [&] {
    if (setup_.main_exited.load(std::memory_order_acquire) == 0) return false;
    status_ = setup_.main_status;
    main_usage_ = setup_.main_usage;
    return true;
  };
  // The init exits by itself when the main process was the last of the run, and says so first; else it says
  // that the main process exited, through the same pipe.
  if (setup_.run_over.load(std::memory_order_acquire) != 0) {
    take_main();
    usage_ = setup_.run_usage;
    init_reaped_ = true;
    init_guard_.reaped();
    let_init_exit(pid_);
    tree_->mark_dead();
    return on_main_exit();
  }
  pid_t waited = retry_eintr([&] { return ::wait4(pid_, nullptr, block ? 0 : WNOHANG, &usage_); });
  if (waited == pid_) {
    init_reaped_ = true;
    init_guard_.reaped();
    tree_->mark_dead();
    if (!take_main()) status_ = SIGKILL;  // the init died before the main process: only we kill it, and so the run
    return on_main_exit();
  }
  if (take_main()) on_main_exit();
}

// Before the main process is reaped: the deadline, the SIGKILL a grace after SIGTERM, the process limit at each
// sample.
void RunLoop::enforce_limits(Clock::time_point now) {
  if (now >= deadline_ && !verdict_) {
    run_.timed_out = true;
    // Where every process is stuck, read before the kill changes it; the main process first.
    auto members = tree_->live_members();
    if (init_) std::erase(members, pid_);  // a sandbox's init: not the program's
    std::stable_partition(members.begin(), members.end(), [&](pid_t member) { return member == main_pid_; });
    run_.hang = capture_hang(members, request_.source_roots);
    stop_tree(Outcome::timeout, SIGTERM);
  }
  if (kill_at_ && now >= *kill_at_) {
    tree_->kill_all(pid_, SIGKILL);
    kill_at_.reset();
  }
  if (now >= next_sample_) {
    next_sample_ = now + kSampleEvery;
    forks_->poll_events();  // buffered by the kernel: read at each sample, not on every event of the machine
    if (!verdict_ && tree_->over_limit()) stop_tree(Outcome::process_limit, SIGKILL);
  }
}

void RunLoop::poll() {
  deadline_ = t0_ + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(request_.timeout_s));
  grace_ = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(request_.kill_grace_s));
  next_sample_ = t0_ + std::chrono::milliseconds(20);
  buffer_storage_.reset(new char[1 << 16]);  // not zeroed: a run costs no memset
  buffer_ = std::span<char>(buffer_storage_.get(), 1 << 16);

  // Once the main process is reaped (and what outlived it killed), only a pty is read on, to its end.
  while (!reaped_ || (pty_ && out_open_)) {
    auto now = Clock::now();
    if (reaped_ && drain_until_ && now >= *drain_until_) break;
    if (!reaped_) enforce_limits(now);
    auto wake = reaped_ ? *drain_until_
                        : std::min({deadline_ > now ? deadline_ : now + kSampleEvery, next_sample_,
                                    kill_at_.value_or(Clock::time_point::max())});
    int timeout_ms = static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(wake - now).count());
    timeout_ms = std::clamp(timeout_ms, 0, 1000);

    pollfd fds[6];
    int count = 0;
    auto add = [&](int fd, bool wanted) {
      if (wanted && fd >= 0) fds[count++] = {fd, POLLIN, 0};
    };
    add(out_read_, out_open_);
    add(err_read_, err_open_ && !reaped_);
    add(probe_read_, probe_open_ && !reaped_);
    add(pidfd_.get(), !reaped_);
    add(channels_->exit_read.get(), init_ && !reaped_);
    add(g_interrupt_pipe[0], !reaped_);
    if (!pidfd_ && !reaped_) timeout_ms = std::min(timeout_ms, 2);  // no pidfd: poll for the exit instead
    int ready = ::poll(fds, count, timeout_ms);
    if (ready < 0 && errno != EINTR) throw errno_error("poll failed");

    for (int i = 0; i < count && ready > 0; ++i) {
      if (!fds[i].revents) continue;
      if (fds[i].fd == out_read_)
        read_stream(out_read_, out_lines_, out_open_);
      else if (fds[i].fd == err_read_)
        read_stream(err_read_, err_lines_, err_open_);
      else if (fds[i].fd == probe_read_)
        read_probes();
      else if (fds[i].fd == g_interrupt_pipe[0])
        stop_tree(Outcome::timeout, SIGKILL);
      else if (fds[i].fd == channels_->exit_read.get())
        drain_exit_pipe(*channels_);  // what it says is in `setup_`
    }
    if (!reaped_) check_exit(false);
  }
}

void RunLoop::reap_main() {
  if (!reaped_) {  // unreachable in practice; keeps the invariant "main process reaped" unconditional
    if (init_) ::kill(pid_, SIGKILL);
    check_exit(true);
  }
  if (init_) drain_exit_pipe(*channels_);
}

void RunLoop::account() {
  run_.user_s = usage_.ru_utime.tv_sec + usage_.ru_utime.tv_usec / 1e6;
  run_.sys_s = usage_.ru_stime.tv_sec + usage_.ru_stime.tv_usec / 1e6;
  // The init's own maximum is the runner's (it shares our memory): the main process's is the run's.
  run_.max_rss_kb = init_ ? main_usage_.ru_maxrss : usage_.ru_maxrss;
  run_.peak_memory_kb = tree_->peak_memory_kb();
  const auto counted = tree_->finish();
  if (!verdict_ && counted.out_of_memory) verdict_ = Outcome::memory_limit;
  if (!verdict_ && counted.refused_forks) verdict_ = Outcome::process_limit;  // in a run too short to be sampled
}

void RunLoop::reap_rest() {
  alone_ = forks_->created() == 1;
  if (verdict_ || !run_.leaked.empty()) {
    reap_exiting_init();             // its CPU time is counted already: tree.drain must not reap it as the tree's
    tree_->kill_all(pid_, SIGKILL);  // what a verdict or a leak left behind
    tree_->finish();                 // the counters again: the kill raced the tree's last forks
    tree_->drain(&run_.user_s, &run_.sys_s);
  }
  // The tree is dead: all it wrote is in the reused channels, to be read until they are empty.
  if (!pty_)
    while (out_open_ && read_stream(out_read_, out_lines_, out_open_)) {
    }
  while (err_open_ && read_stream(err_read_, err_lines_, err_open_)) {
  }
  while (probe_open_ && read_probes()) {
  }
  channels_->dirty = !(pty_ || out_open_) || !err_open_ || !probe_open_ || channels_->tampered();
  out_lines_.finish(seconds_between(t0_, Clock::now()));
  err_lines_.finish(seconds_between(t0_, Clock::now()));
  // A sandboxed run's orphans are its init's to reap: none come to us, and our only child may be its exiting init.
  if (!alone_ && !init_) tree_->reap_zombies(&run_.user_s, &run_.sys_s);
  run_.output_bytes = budget_.output_bytes();
  run_.probe_bytes = budget_.probe_bytes();
}

void RunLoop::give_outcome() {
  if (int signo = g_interrupt_signal.load()) throw Interrupted{signo};
  const bool runner_stopped = g_runner_continued != 0;
  if (!alone_) forks_->poll_events();
  run_.processes_created = forks_->created();
  run_.peak_processes = std::max(forks_->peak().value_or(1), tree_->peak_seen());
  std::stable_sort(run_.lines.begin(), run_.lines.end(), [](const Line& a, const Line& b) { return a.t_s < b.t_s; });
  std::stable_sort(run_.probes.begin(), run_.probes.end(),
                   [](const ProbeRecord& a, const ProbeRecord& b) { return a.t_s < b.t_s; });

  // Don't trust the exit status of a process we killed: the verdict is why we killed it.
  if (WIFEXITED(status_)) run_.exit_code = WEXITSTATUS(status_);
  if (WIFSIGNALED(status_)) run_.signal = WTERMSIG(status_);
  if (runner_stopped) {
    // Someone stopped the runner (SIGSTOP: only a program running as the grader's user can) and let it go on: while
    // it was stopped it enforced no timeout and its clock ran on. Nothing it measured in this run can be trusted.
    run_.outcome = Outcome::runner_stopped;
    run_.error = "the runner was stopped (SIGSTOP) during the run: its timeout and timings cannot be trusted";
  } else if (verdict_) {
    run_.outcome = *verdict_;
    if (*verdict_ == Outcome::timeout)
      run_.error = fmt::format("timed out after {:.3g} s", request_.timeout_s);
    else if (*verdict_ == Outcome::output_limit && budget_.probe_bytes() == 0)
      run_.error = fmt::format(
          "printed more than max_output_bytes = {} bytes ({} bytes in {} line(s), each line counting {} "
          "more)",
          request_.limits.max_output_bytes, budget_.output_bytes(), budget_.line_charge() / SendBudget::kLineOverhead,
          SendBudget::kLineOverhead);
    else if (*verdict_ == Outcome::output_limit)
      run_.error = fmt::format(
          "sent more than max_output_bytes = {} bytes of output and probe records: the {} passed it "
          "({} bytes of probe records, counting {} a record, and {} of output, counting {} a line)",
          request_.limits.max_output_bytes,
          budget_.passed() == SendBudget::Passed::by_probes ? "probe records" : "output", budget_.probe_bytes(),
          SendBudget::kProbeRecordOverhead, budget_.output_bytes(), SendBudget::kLineOverhead);
    else if (*verdict_ == Outcome::memory_limit)
      run_.error = fmt::format("ran out of memory: the tree used more than memory_mb = {} MiB and was killed",
                               request_.limits.memory_mb);
    else if (*verdict_ == Outcome::process_limit)
      run_.error =
          fmt::format("tried to run more than max_processes = {} processes at once", request_.limits.max_processes);
  } else if (run_.signal) {
    run_.outcome = Outcome::signal;
  } else if (run_.exit_code != 0) {
    run_.outcome = Outcome::exit_nonzero;
  }
}

}  // namespace parex::spawn

namespace parex {

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

  RunLoop loop(request, run);
  if (!loop.start()) return run;  // a spawn_error, saying why
  loop.poll();
  loop.reap_main();
  loop.account();
  loop.reap_rest();
  loop.give_outcome();
  return run;
}

}  // namespace parex
