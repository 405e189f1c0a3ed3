// parex::Process: a function run in a child process, mirroring Python's multiprocessing.Process.
#pragma once

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <exception>
#include <functional>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <string>
#include <tuple>
#include <utility>

#include <sys/wait.h>
#include <unistd.h>

namespace parex {

// A process that runs target(args...) once started. As in Python, destroying a Process neither joins
// nor kills it: a child that is never joined outlives its parent, and the parex runner reports it as leaked.
class Process {
 public:
  template <typename F, typename... Args>
  explicit Process(F&& target, Args&&... args)
      : target_([fn = std::forward<F>(target), tuple = std::make_tuple(std::forward<Args>(args)...)]() mutable {
          std::apply(fn, tuple);
        }),
        name_("Process-" + std::to_string(++counter())) {}

  Process(Process&&) = default;
  Process& operator=(Process&&) = default;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  // Forks; the child runs the target and exits (1 if it threw, printing the exception).
  void start() {
    if (pid_ != 0) throw std::logic_error("cannot start a process twice");
    // Buffered output would be printed once by each process that inherits the buffer: flush it first.
    std::cout.flush();
    std::cerr.flush();
    std::fflush(nullptr);
    pid_t pid = ::fork();
    if (pid < 0) throw std::system_error(errno, std::generic_category(), "cannot start " + name_);
    if (pid == 0) {
      pid_ = ::getpid();
      in_child_ = true;
      int code = 0;
      try {
        target_();
      } catch (const std::exception& e) {
        std::fprintf(stderr, "Process %s: %s\n", name_.c_str(), e.what());
        code = 1;
      } catch (...) {
        std::fprintf(stderr, "Process %s: unknown exception\n", name_.c_str());
        code = 1;
      }
      std::cout.flush();
      std::fflush(nullptr);
      ::_exit(code);  // not exit(): the parent's atexit handlers and static destructors are not ours to run
    }
    pid_ = pid;
  }

  // Waits for the process to end; joining again is fine.
  void join() {
    if (pid_ == 0) throw std::logic_error("can only join a started process");
    if (in_child_) throw std::logic_error("cannot join the current process");
    if (exitcode_) return;
    int status = 0;
    pid_t waited;
    do waited = ::waitpid(pid_, &status, 0);
    while (waited < 0 && errno == EINTR);
    if (waited < 0) throw std::system_error(errno, std::generic_category(), "cannot join " + name_);
    record(status);
  }

  // True from start() until the process has ended.
  bool is_alive() {
    if (pid_ == 0 || exitcode_ || in_child_) return pid_ != 0 && !exitcode_;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) record(status);
    return !exitcode_;
  }

  // Sends SIGTERM, as Python's terminate().
  void terminate() {
    if (pid_ != 0 && !exitcode_ && !in_child_) ::kill(pid_, SIGTERM);
  }

  // 0 before start().
  pid_t pid() const { return pid_; }
  // Exit status once joined: the exit code, or -N when killed by signal N; nullopt before.
  std::optional<int> exitcode() const { return exitcode_; }
  const std::string& name() const { return name_; }

 private:
  static int& counter() {
    static int count = 0;
    return count;
  }
  void record(int status) {
    if (WIFEXITED(status)) exitcode_ = WEXITSTATUS(status);
    else if (WIFSIGNALED(status)) exitcode_ = -WTERMSIG(status);
  }

  std::function<void()> target_;
  std::string name_;
  pid_t pid_ = 0;
  bool in_child_ = false;
  std::optional<int> exitcode_;
};

}  // namespace parex
