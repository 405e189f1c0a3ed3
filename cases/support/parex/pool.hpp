// parex::Pool: a pool of worker processes mapping a function over inputs, like Python's multiprocessing.Pool.
#pragma once

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <vector>

#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

namespace parex {
namespace pool_detail {

// Serialisation of what crosses between processes: arithmetic types, std::string, std::vector of those.
template <typename T>
struct Codec;

template <typename T>
  requires std::is_arithmetic_v<T>
struct Codec<T> {
  static void put(std::string& out, const T& value) { out.append(reinterpret_cast<const char*>(&value), sizeof value); }
  static T get(std::string_view& in) {
    if (in.size() < sizeof(T)) throw std::runtime_error("parex::Pool: truncated message");
    T value;
    std::memcpy(&value, in.data(), sizeof value);
    in.remove_prefix(sizeof value);
    return value;
  }
};

template <>
struct Codec<std::string> {
  static void put(std::string& out, const std::string& value) {
    Codec<std::uint64_t>::put(out, value.size());
    out += value;
  }
  static std::string get(std::string_view& in) {
    auto size = Codec<std::uint64_t>::get(in);
    if (in.size() < size) throw std::runtime_error("parex::Pool: truncated message");
    std::string value(in.substr(0, size));
    in.remove_prefix(size);
    return value;
  }
};

template <typename T>
struct Codec<std::vector<T>> {
  static void put(std::string& out, const std::vector<T>& values) {
    Codec<std::uint64_t>::put(out, values.size());
    for (const auto& value : values) Codec<T>::put(out, value);
  }
  static std::vector<T> get(std::string_view& in) {
    auto size = Codec<std::uint64_t>::get(in);
    std::vector<T> values;
    values.reserve(std::min<std::uint64_t>(size, in.size()));
    for (std::uint64_t i = 0; i < size; ++i) values.push_back(Codec<T>::get(in));
    return values;
  }
};

// Message headers. A task names the code to run by address: workers are forks of this program, so
// the addresses of its functions are the same in them.
struct TaskHeader {
  std::uint64_t generation;
  std::uintptr_t trampoline;  // std::string (*)(std::uintptr_t fn, std::string_view inputs, std::uint32_t count)
  std::uintptr_t fn;          // a function pointer's value; 0 for a captureless lambda
  std::uint32_t first, count;
};
struct ResultHeader {
  std::uint64_t generation;
  std::uint32_t first, count;
  std::uint32_t failed;  // the payload is the error text
};
constexpr std::size_t kMaxMessage = 60 * 1024;

using Trampoline = std::string (*)(std::uintptr_t, std::string_view, std::uint32_t);

// Runs fn over `count` serialised inputs in a worker; returns the serialised results.
template <typename F, typename T, typename R>
std::string run_chunk(std::uintptr_t fn_bits, std::string_view inputs, std::uint32_t count) {
  std::string out;
  for (std::uint32_t i = 0; i < count; ++i) {
    T input = Codec<T>::get(inputs);
    if constexpr (std::is_pointer_v<F>) Codec<R>::put(out, reinterpret_cast<F>(fn_bits)(input));
    else Codec<R>::put(out, F{}(input));
  }
  return out;
}

inline void send_all(int fd, const std::string& message) {
  ssize_t sent;
  do sent = ::send(fd, message.data(), message.size(), MSG_NOSIGNAL);
  while (sent < 0 && errno == EINTR);
  if (sent < 0) throw std::system_error(errno, std::generic_category(), "parex::Pool: cannot send");
}

// PAREX_CORES when the runner set it (affinity ∩ cgroup quota), else this process's CPU affinity.
inline std::uint32_t default_workers() {
  if (const char* text = std::getenv("PAREX_CORES"); text && *text) {
    char* end = nullptr;
    const long cores = std::strtol(text, &end, 10);
    if (*end == '\0' && cores > 0 && cores <= 4096) return static_cast<std::uint32_t>(cores);
  }
  cpu_set_t set;
  CPU_ZERO(&set);
  return sched_getaffinity(0, sizeof set, &set) == 0 ? static_cast<std::uint32_t>(std::max(1, CPU_COUNT(&set))) : 1;
}

}  // namespace pool_detail

// Worker processes, forked at construction, that map a function over inputs. As in Python: map(),
// then close() and join(); the destructor terminates and reaps workers still running, so a pool never
// leaves zombies (but a pool never closed and joined is a mistake the runner's leak check would not see).
class Pool {
 public:
  explicit Pool(int workers = 0) {
    const int count = workers > 0 ? workers : static_cast<int>(pool_detail::default_workers());
    int tasks[2], results[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, tasks) != 0 ||
        ::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, results) != 0)
      throw std::system_error(errno, std::generic_category(), "parex::Pool: cannot create channels");
    std::cout.flush();
    std::fflush(nullptr);
    for (int i = 0; i < count; ++i) {
      pid_t pid = ::fork();
      if (pid < 0) {
        terminate();
        throw std::system_error(errno, std::generic_category(), "parex::Pool: cannot start a worker");
      }
      if (pid == 0) {
        ::close(tasks[0]);
        ::close(results[0]);
        worker_loop(tasks[1], results[1]);
      }
      workers_.push_back(pid);
    }
    ::close(tasks[1]);
    ::close(results[1]);
    task_fd_ = tasks[0];
    result_fd_ = results[0];
  }

  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  ~Pool() {
    if (!workers_.empty()) terminate();
    close_fds();
  }

  int workers() const { return static_cast<int>(workers_.size()); }
  const std::vector<pid_t>& pids() const { return workers_; }

  // fn(input) for every input, computed by the workers; results in input order. fn must be a function
  // or a captureless lambda. Throws std::runtime_error with a worker's message if fn throws there.
  template <typename F, typename T>
  auto map(F fn, const std::vector<T>& inputs) -> std::vector<std::invoke_result_t<F&, const T&>> {
    using R = std::invoke_result_t<F&, const T&>;
    using Fn = std::conditional_t<std::is_function_v<std::remove_pointer_t<F>>, F, std::decay_t<F>>;
    static_assert(std::is_pointer_v<Fn> || (std::is_empty_v<Fn> && std::is_default_constructible_v<Fn>),
                  "Pool::map needs a function or a captureless lambda: workers are separate processes and cannot "
                  "see captured state");
    if (closed_) throw std::logic_error("Pool not running");
    const std::uint64_t generation = ++generation_;
    std::uintptr_t fn_bits = 0;
    if constexpr (std::is_pointer_v<Fn>) fn_bits = reinterpret_cast<std::uintptr_t>(fn);
    const auto trampoline = reinterpret_cast<std::uintptr_t>(&pool_detail::run_chunk<Fn, T, R>);

    // Chunks, as Python's chunksize: a few per worker, so 10 000 tiny items are not 10 000 round trips.
    std::vector<std::string> messages;
    const std::size_t per_chunk = std::max<std::size_t>(1, (inputs.size() + workers_.size() * 4 - 1) / (workers_.size() * 4));
    for (std::size_t first = 0; first < inputs.size();) {
      std::string payload;
      std::size_t count = 0;
      while (first + count < inputs.size() && count < per_chunk) {
        std::string item;
        pool_detail::Codec<T>::put(item, inputs[first + count]);
        if (count > 0 && payload.size() + item.size() > pool_detail::kMaxMessage) break;
        payload += item;
        ++count;
      }
      pool_detail::TaskHeader header{generation, trampoline, fn_bits, static_cast<std::uint32_t>(first),
                                     static_cast<std::uint32_t>(count)};
      messages.push_back(std::string(reinterpret_cast<const char*>(&header), sizeof header) + payload);
      first += count;
    }

    std::vector<R> results(inputs.size());
    std::size_t next = 0, done = 0;
    std::vector<char> buffer(1 << 20);
    while (done < messages.size()) {
      pollfd fds[2] = {{result_fd_, POLLIN, 0}, {task_fd_, static_cast<short>(next < messages.size() ? POLLOUT : 0), 0}};
      int ready = ::poll(fds, 2, 100);
      if (ready < 0 && errno != EINTR) throw std::system_error(errno, std::generic_category(), "parex::Pool: poll");
      if (ready <= 0) {
        check_workers();
        continue;
      }
      if (fds[1].revents & POLLOUT) {
        try {
          pool_detail::send_all(task_fd_, messages[next++]);
        } catch (const std::system_error& e) {  // EPIPE: every worker's end of the task socket is closed
          fail_for_lost_workers(e.what());
        }
      }
      if (!(fds[0].revents & (POLLIN | POLLHUP))) continue;
      ssize_t n = ::recv(result_fd_, buffer.data(), buffer.size(), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= static_cast<ssize_t>(sizeof(pool_detail::ResultHeader))) fail_for_lost_workers("parex::Pool: the workers are gone");
      pool_detail::ResultHeader header;
      std::memcpy(&header, buffer.data(), sizeof header);
      std::string_view payload(buffer.data() + sizeof header, static_cast<std::size_t>(n) - sizeof header);
      if (header.generation != generation) continue;  // left over from a map that failed
      if (header.failed) throw std::runtime_error(std::string(payload));
      for (std::uint32_t i = 0; i < header.count; ++i) results[header.first + i] = pool_detail::Codec<R>::get(payload);
      ++done;
    }
    return results;
  }

  // No more tasks: the workers exit once idle.
  void close() {
    if (closed_) return;
    closed_ = true;
    if (task_fd_ >= 0) ::shutdown(task_fd_, SHUT_WR);
  }

  // Waits for the workers to exit; the pool must be closed (or terminated) first.
  void join() {
    if (!closed_) throw std::logic_error("Pool is still running");
    for (pid_t pid : workers_) {
      int status;
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
    }
    workers_.clear();
  }

  // Stops the workers at once (SIGTERM) and reaps them.
  void terminate() {
    closed_ = true;
    for (pid_t pid : workers_) ::kill(pid, SIGTERM);
    for (pid_t pid : workers_) {
      int status;
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
    }
    workers_.clear();
  }

 private:
  [[noreturn]] static void worker_loop(int task_fd, int result_fd) {
    std::vector<char> buffer(1 << 20);
    for (;;) {
      ssize_t n = ::recv(task_fd, buffer.data(), buffer.size(), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n < static_cast<ssize_t>(sizeof(pool_detail::TaskHeader))) break;  // closed: no more tasks
      pool_detail::TaskHeader task;
      std::memcpy(&task, buffer.data(), sizeof task);
      std::string_view inputs(buffer.data() + sizeof task, static_cast<std::size_t>(n) - sizeof task);
      pool_detail::ResultHeader header{task.generation, task.first, task.count, 0};
      std::string payload;
      try {
        payload = reinterpret_cast<pool_detail::Trampoline>(task.trampoline)(task.fn, inputs, task.count);
      } catch (const std::exception& e) {
        header.failed = 1;
        payload = std::string("parex::Pool worker ") + std::to_string(::getpid()) + ": " + e.what();
      } catch (...) {
        header.failed = 1;
        payload = "parex::Pool worker " + std::to_string(::getpid()) + ": unknown exception";
      }
      try {
        pool_detail::send_all(result_fd, std::string(reinterpret_cast<const char*>(&header), sizeof header) + payload);
      } catch (...) {
        break;
      }
    }
    std::cout.flush();
    std::fflush(nullptr);
    ::_exit(0);
  }

  // Throws if a worker died: map would otherwise wait for its results forever.
  void check_workers() {
    for (auto it = workers_.begin(); it != workers_.end(); ++it) {
      int status;
      if (::waitpid(*it, &status, WNOHANG) != *it) continue;
      pid_t pid = *it;
      workers_.erase(it);
      std::string how = WIFSIGNALED(status) ? "was killed by signal " + std::to_string(WTERMSIG(status))
                                             : "exited with code " + std::to_string(WEXITSTATUS(status));
      throw std::runtime_error("parex::Pool: worker " + std::to_string(pid) + " " + how + " during map");
    }
  }

  // The workers' sockets closed: name the worker that died. A dying process closes its descriptors a
  // moment before it can be reaped, so wait for that moment (up to a second) before the generic message.
  [[noreturn]] void fail_for_lost_workers(const std::string& otherwise) {
    for (int attempt = 0; attempt < 100; ++attempt) {
      check_workers();
      ::usleep(10000);
    }
    throw std::runtime_error(otherwise);
  }

  void close_fds() {
    if (task_fd_ >= 0) ::close(task_fd_);
    if (result_fd_ >= 0) ::close(result_fd_);
    task_fd_ = result_fd_ = -1;
  }

  std::vector<pid_t> workers_;
  int task_fd_ = -1, result_fd_ = -1;
  bool closed_ = false;
  std::uint64_t generation_ = 0;
};

}  // namespace parex
