// The case support library: scaled clock, probe wire format, parex::Process semantics.
#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <parex/clock.hpp>
#include <parex/probe.hpp>
#include <parex/process.hpp>

namespace {

// Runs `body` in a child (so that once-read environment variables can be set first); returns its exit code.
template <typename F>
int in_child(F body) {
  pid_t pid = ::fork();
  if (pid == 0) {
    ::_exit(body());
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status);
}

std::vector<std::string> receive_all(int fd) {
  std::vector<std::string> out;
  char buf[70000];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT)) > 0;)
    out.emplace_back(buf, static_cast<std::size_t>(n));
  return out;
}

}  // namespace

TEST(Clock, ScalesSleeps) {
  EXPECT_EQ(in_child([] {
              ::setenv("PAREX_TIME_SCALE", "0.01", 1);
              auto start = std::chrono::steady_clock::now();
              parex::sleep_for(std::chrono::seconds(1));
              double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
              return parex::time_scale() == 0.01 && took >= 0.01 && took < 0.5 ? 0 : 1;
            }),
            0);
}

TEST(Clock, InvalidScaleFallsBackToOne) {
  EXPECT_EQ(in_child([] {
              ::setenv("PAREX_TIME_SCALE", "fast", 1);
              return parex::time_scale() == 1.0 ? 0 : 1;
            }),
            0);
}

TEST(Probe, WireFormatEscapesAndCarriesPidAndTid) {
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
  EXPECT_EQ(in_child([&] {
              ::setenv("PAREX_PROBE_FD", std::to_string(sv[1]).c_str(), 1);
              parex::probe("square_result", std::vector<int>{4, 9});
              parex::probe("odd\tname", std::string("a\nb\\c"));
              return 0;
            }),
            0);
  auto records = receive_all(sv[0]);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_TRUE(records[0].starts_with("P\t"));
  EXPECT_NE(records[0].find("\tsquare_result\t[4, 9]\t"), std::string::npos) << records[0];
  EXPECT_TRUE(records[0].ends_with("\n"));
  EXPECT_NE(records[1].find("\todd\\tname\ta\\nb\\\\c\t"), std::string::npos) << records[1];
  ::close(sv[0]);
  ::close(sv[1]);
}

TEST(Probe, ConcurrentWritersNeverMix) {
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
  ::setenv("PAREX_PROBE_FD", std::to_string(sv[1]).c_str(), 1);
  std::vector<parex::Process> writers;
  for (int w = 0; w < 4; ++w)
    writers.emplace_back(
        [](int id) {
          for (int i = 0; i < 50; ++i) parex::probe("v", std::string(2000, static_cast<char>('a' + id)));
        },
        w);
  for (auto& writer : writers) writer.start();
  std::vector<std::string> records;
  char buf[70000];
  while (records.size() < 200) {  // read while they write: a full socket blocks the writers
    ssize_t n = ::recv(sv[0], buf, sizeof buf, 0);
    ASSERT_GT(n, 0);
    records.emplace_back(buf, static_cast<std::size_t>(n));
  }
  for (auto& writer : writers) writer.join();
  ASSERT_EQ(records.size(), 200u);
  for (const auto& record : records) {
    auto value_at = record.find("\tv\t") + 3;
    char letter = record[value_at];
    EXPECT_EQ(record.find_first_not_of(letter, value_at), record.find('\t', value_at)) << "a record was torn";
  }
  ::unsetenv("PAREX_PROBE_FD");
  ::close(sv[0]);
  ::close(sv[1]);
}

TEST(Probe, NoOpWithoutChannel) {
  EXPECT_EQ(in_child([] {
              ::unsetenv("PAREX_PROBE_FD");
              parex::probe("x", 1);
              return parex::detail::probe_fd() == -1 ? 0 : 1;
            }),
            0);
}

TEST(Process, RunsTargetWithArgumentsAndReportsExitCode) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  parex::Process p([](int fd, std::string text) { (void)!::write(fd, text.data(), text.size()); }, fds[1],
                   std::string("hi"));
  EXPECT_FALSE(p.exitcode());
  p.start();
  EXPECT_GT(p.pid(), 0);
  p.join();
  p.join();  // joining twice is fine
  EXPECT_EQ(p.exitcode(), 0);
  EXPECT_FALSE(p.is_alive());
  ::close(fds[1]);
  char buf[8] = {};
  EXPECT_EQ(::read(fds[0], buf, sizeof buf), 2);
  EXPECT_STREQ(buf, "hi");
  ::close(fds[0]);
}

TEST(Process, ErrorsMirrorPython) {
  parex::Process p([] {});
  try {
    p.join();
    FAIL() << "joining an unstarted process must throw";
  } catch (const std::logic_error& e) {
    EXPECT_STREQ(e.what(), "can only join a started process");
  }
  p.start();
  try {
    p.start();
    FAIL() << "starting twice must throw";
  } catch (const std::logic_error& e) {
    EXPECT_STREQ(e.what(), "cannot start a process twice");
  }
  p.join();
}

TEST(Process, JoiningItselfThrowsInTheChild) {
  static parex::Process* self = nullptr;
  parex::Process p([] {
    try {
      self->join();
    } catch (const std::logic_error& e) {
      ::_exit(std::string(e.what()) == "cannot join the current process" ? 7 : 8);
    }
    ::_exit(9);
  });
  self = &p;
  p.start();
  p.join();
  EXPECT_EQ(p.exitcode(), 7);
}

TEST(Process, ThrowingTargetExitsOneAndSignalIsNegative) {
  parex::Process thrower([] { throw std::runtime_error("boom"); });
  thrower.start();
  thrower.join();
  EXPECT_EQ(thrower.exitcode(), 1);
  parex::Process killed([] { ::raise(SIGKILL); });
  killed.start();
  killed.join();
  EXPECT_EQ(killed.exitcode(), -SIGKILL);
}

TEST(Process, FlushesBufferedOutputBeforeForking) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  EXPECT_EQ(in_child([&] {
              ::dup2(fds[1], STDOUT_FILENO);
              std::printf("x");  // unflushed: would be printed by the child too without the flush in start()
              parex::Process p([] {});
              p.start();
              p.join();
              std::fflush(stdout);
              return 0;
            }),
            0);
  ::close(fds[1]);
  char buf[8] = {};
  EXPECT_EQ(::read(fds[0], buf, sizeof buf), 1) << "got '" << buf << "'";
  ::close(fds[0]);
}

#include <parex/pool.hpp>

namespace {

long square(long n) { return n * n; }

std::vector<std::string> split_words(const std::string& text) {
  std::vector<std::string> words;
  std::string word;
  for (char c : text) {
    if (c == ' ')
      words.push_back(std::exchange(word, {}));
    else
      word += c;
  }
  words.push_back(word);
  return words;
}

int children_left() {
  int count = 0;
  while (::waitpid(-1, nullptr, WNOHANG) > 0) ++count;  // zombies the pool failed to reap
  return count;
}

}  // namespace

TEST(Pool, MapKeepsInputOrderOverManyItems) {
  parex::Pool pool(3);
  std::vector<long> inputs(10000);
  for (long i = 0; i < 10000; ++i) inputs[static_cast<std::size_t>(i)] = i;
  auto results = pool.map(square, inputs);
  ASSERT_EQ(results.size(), 10000u);
  for (long i = 0; i < 10000; ++i) EXPECT_EQ(results[static_cast<std::size_t>(i)], i * i);
  pool.close();
  pool.join();
  EXPECT_EQ(children_left(), 0);
}

TEST(Pool, WorkIsSpreadOverWorkerProcesses) {
  parex::Pool pool(2);
  auto pids = pool.map(
      [](int) {
        ::usleep(2000);
        return static_cast<int>(::getpid());
      },
      std::vector<int>(40, 0));
  std::sort(pids.begin(), pids.end());
  pids.erase(std::unique(pids.begin(), pids.end()), pids.end());
  EXPECT_EQ(pids.size(), 2u);
  EXPECT_EQ(std::count(pids.begin(), pids.end(), ::getpid()), 0);
}

TEST(Pool, DefaultSizeFollowsTheRunnersCoresThenAffinity) {
  ::setenv("PAREX_CORES", "3", 1);
  {
    parex::Pool pool;
    EXPECT_EQ(pool.workers(), 3);
  }
  ::setenv("PAREX_CORES", "lots", 1);  // not a number: fall back to this process's affinity
  cpu_set_t set;
  CPU_ZERO(&set);
  ASSERT_EQ(::sched_getaffinity(0, sizeof set, &set), 0);
  {
    parex::Pool pool;
    EXPECT_EQ(pool.workers(), CPU_COUNT(&set));
  }
  ::unsetenv("PAREX_CORES");
  EXPECT_EQ(children_left(), 0);
}

TEST(Pool, StringsAndVectorsRoundTrip) {
  parex::Pool pool(2);
  auto words = pool.map(split_words, std::vector<std::string>{"a b", "", "square cube"});
  EXPECT_EQ(words[0], (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(words[1], (std::vector<std::string>{""}));
  EXPECT_EQ(words[2], (std::vector<std::string>{"square", "cube"}));
  auto sums = pool.map([](const std::vector<double>& v) { return v.empty() ? 0.0 : v[0] + v.back(); },
                       std::vector<std::vector<double>>{{1.5, 2.5}, {}, {4}});
  EXPECT_EQ(sums, (std::vector<double>{4.0, 0.0, 8.0}));
}

TEST(Pool, WorkerExceptionBecomesMapError) {
  parex::Pool pool(2);
  try {
    pool.map(
        [](int x) -> int {
          if (x == 7) throw std::invalid_argument("seven is not allowed");
          return x;
        },
        std::vector<int>{1, 2, 7, 4});
    FAIL() << "map must throw";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("seven is not allowed"), std::string::npos) << e.what();
  }
  // The pool still works, and no result of the failed map leaks into the next one.
  EXPECT_EQ(pool.map([](int x) { return x + 1; }, std::vector<int>{1, 2}), (std::vector<int>{2, 3}));
}

TEST(Pool, DeadWorkerDoesNotHangMap) {
  parex::Pool pool(2);
  try {
    pool.map(
        [](int) -> int {
          ::raise(SIGKILL);
          return 0;
        },
        std::vector<int>{1, 2, 3});
    FAIL() << "map must throw";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("was killed by signal 9"), std::string::npos) << e.what();
  }
}

TEST(Pool, JoinNeedsCloseAndDestructorReapsWorkers) {
  {
    parex::Pool pool(2);
    EXPECT_THROW(pool.join(), std::logic_error);
  }
  EXPECT_EQ(children_left(), 0);
  parex::Pool pool(1);
  pool.close();
  EXPECT_THROW(pool.map(square, std::vector<long>{1}), std::logic_error);
  pool.join();
}

#include <cstdio>

#include <parex/seed.hpp>

TEST(Seed, ReadsThePairsSeedAndIgnoresWhatIsNotANumber) {
  EXPECT_EQ(in_child([] {
              ::setenv("PAREX_SEED", "9007199254740991", 1);
              return parex::seed() == 9007199254740991ULL ? 0 : 1;
            }),
            0);
  for (const char* text : {"", "12x", "-3", "seed"}) {
    EXPECT_EQ(in_child([text] {
                ::setenv("PAREX_SEED", text, 1);
                return parex::seed() ? 1 : 0;
              }),
              0)
        << text;
  }
  EXPECT_EQ(in_child([] {
              ::unsetenv("PAREX_SEED");
              return parex::seed() ? 1 : 0;
            }),
            0);
}

TEST(Seed, DrawIsSplitmix64) {
  // splitmix64's published first outputs from state 0 (Vigna's splitmix64.c; the test vectors of many ports)
  EXPECT_EQ(parex::draw(0, 0), 0xE220A8397B1DCDAFULL);
  EXPECT_EQ(parex::draw(0, 1), 0x6E789E6AA1B965F4ULL);
  EXPECT_EQ(parex::draw(0, 2), 0x06C45D188009454FULL);
  EXPECT_NE(parex::draw(1, 0), parex::draw(0, 0));
}

#ifdef PAREX_TEST_PYTHON
// Python cases draw their inputs with parex_seed.draw: the same stream, so a C++ case and its Python twin print the
// same lines for one seed (square_cube, square_cube_py).
TEST(Seed, PythonTwinDrawsTheSameStream) {
  const std::string command = std::string(PAREX_TEST_PYTHON) + " -c 'import sys; sys.path.insert(0, \"" +
                              PAREX_SUPPORT_PYTHON +
                              "\"); import parex_seed\n"
                              "for s in (0, 1, 815, 2**53 - 1):\n"
                              "    for i in range(4): print(parex_seed.draw(s, i))'";
  FILE* python = ::popen(command.c_str(), "r");
  ASSERT_NE(python, nullptr);
  std::string expected, got;
  for (std::uint64_t s : {0ULL, 1ULL, 815ULL, (1ULL << 53) - 1})
    for (std::uint64_t i = 0; i < 4; ++i) expected += std::to_string(parex::draw(s, i)) + "\n";
  char buf[256];
  while (std::fgets(buf, sizeof buf, python)) got += buf;
  EXPECT_EQ(::pclose(python), 0);
  EXPECT_EQ(got, expected);
}
#endif
