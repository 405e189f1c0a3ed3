// Runs the real `parex run` on fixture cases and asserts the verdicts in its console output and JSON.
#include <fcntl.h>
#include <sys/file.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "../utf8.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct Graded {
  int exit_code = -1;
  std::string console;
  json result;
  std::map<std::string, json> checks;   // by name
  std::map<std::string, json> by_kind;  // first check of each kind
};

const fs::path& results_dir() {
  static const fs::path results = fs::temp_directory_path() / ("parex-integration-" + std::to_string(::getpid()));
  return results;
}

// Removes the results the suite wrote, once every test has run.
class CleanResults : public ::testing::Environment {
 public:
  void TearDown() override { fs::remove_all(results_dir()); }
};
const auto* const kCleanResults = ::testing::AddGlobalTestEnvironment(new CleanResults);

// `parex run <fixture case> --variant V`, the binaries from `bin_root`/<fixture>; returns the console output and
// the result JSON (grade() takes the fixtures' own binaries).
Graded grade_into(const fs::path& results, const fs::path& bin_root, const std::string& fixture,
                  const std::string& variant, const std::string& extra = "") {
  std::string command = std::string(PAREX_EXE) + " run " + PAREX_FIXTURES + "/" + fixture + " --bin-dir " +
                        (bin_root / fixture).string() + " --variant " + variant + " --results " + results.string() +
                        " " + extra + " 2>&1";
  Graded graded;
  FILE* pipe = ::popen(command.c_str(), "r");
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, pipe)) graded.console.append(buf, n);
  int status = ::pclose(pipe);
  graded.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream in(results / fixture / (variant + ".json"));
  if (in) graded.result = json::parse(in);
  if (!graded.result.is_object()) return graded;  // no result written: each test's assertions say what is missing
  for (const auto& check : graded.result.value("checks", json::array())) {
    graded.checks[check["name"]] = check;
    if (!graded.by_kind.contains(check["kind"])) graded.by_kind[check["kind"]] = check;
  }
  return graded;
}

Graded grade_in(const fs::path& bin_root, const std::string& fixture, const std::string& variant,
                const std::string& extra = "") {
  return grade_into(results_dir(), bin_root, fixture, variant, extra);
}

Graded grade(const std::string& fixture, const std::string& variant, const std::string& extra = "") {
  return grade_in(PAREX_FIXTURE_BIN, fixture, variant, extra);
}

std::string status_of(const Graded& graded, const std::string& kind) {
  auto it = graded.by_kind.find(kind);
  return it == graded.by_kind.end() ? "absent" : it->second["status"].get<std::string>();
}

// Live (non-zombie) processes whose command line contains `needle`, as "pid: cmdline".
std::vector<std::string> live_processes_matching(const std::string& needle) {
  std::vector<std::string> out;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string pid = entry.path().filename().string();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string text, stat_text;
    try {  // a process may exit while we read it: libstdc++ then throws (ESRCH)
      std::ifstream cmdline(entry.path() / "cmdline"), stat(entry.path() / "stat");
      text.assign(std::istreambuf_iterator<char>(cmdline), {});
      stat_text.assign(std::istreambuf_iterator<char>(stat), {});
    } catch (const std::exception&) {
      continue;
    }
    if (stat_text.find(") Z ") != std::string::npos) continue;
    if (text.find(needle) != std::string::npos) out.push_back(pid + ": " + text);
  }
  return out;
}

// The cgroups a runner made (parex-<pid>-<kind>) that still exist, anywhere under /sys/fs/cgroup.
std::vector<std::string> cgroups_of(pid_t runner) {
  std::vector<std::string> out;
  std::error_code ec;
  const std::string prefix = "parex-" + std::to_string(runner) + "-";
  for (auto it = fs::recursive_directory_iterator("/sys/fs/cgroup", fs::directory_options::skip_permission_denied, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (it.depth() > 4) it.disable_recursion_pending();
    if (it->is_directory(ec) && it->path().filename().string().starts_with(prefix)) out.push_back(it->path().string());
  }
  return out;
}

// The stdout lines of a graded variant's run (its first by default), each ended by a newline.
std::string stdout_of(const Graded& graded, std::size_t run = 0) {
  std::string out;
  for (const auto& line : graded.result["runs"][run]["lines"])
    if (line.value("stream", "stdout") == "stdout") out += line["text"].get<std::string>() + "\n";
  return out;
}

// The lines of `stream` the graded variant's first run printed (not a baseline's), each ended by a newline.
std::string graded_output(const Graded& graded, const std::string& stream) {
  std::string out;
  for (const auto& run : graded.result.value("runs", json::array())) {
    if (run.value("role", "") != "graded") continue;
    for (const auto& line : run["lines"])
      if (line.value("stream", "stdout") == stream) out += line["text"].get<std::string>() + "\n";
    break;
  }
  return out;
}
std::string stderr_of(const Graded& graded) { return graded_output(graded, "stderr"); }

// The live processes of the runfail fixture's `stubborn` variant: a main process and a daemonised grandchild.
std::size_t stubborn_alive() { return live_processes_matching("runfail/stubborn").size(); }

// Starts `parex run runfail --variant stubborn` (with `--results results` unless empty) and waits, up to a second,
// until both of its processes are up; returns the runner's pid.
pid_t start_stubborn_runner(const std::string& results = "") {
  pid_t runner = ::fork();
  if (runner == 0) {
    std::string fixture = std::string(PAREX_FIXTURES) + "/runfail", bin = std::string(PAREX_FIXTURE_BIN) + "/runfail";
    if (results.empty())
      ::execl(PAREX_EXE, PAREX_EXE, "run", fixture.c_str(), "--bin-dir", bin.c_str(), "--variant", "stubborn",
              static_cast<char*>(nullptr));
    else
      ::execl(PAREX_EXE, PAREX_EXE, "run", fixture.c_str(), "--bin-dir", bin.c_str(), "--variant", "stubborn",
              "--results", results.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  for (int i = 0; i < 100 && stubborn_alive() < 2; ++i) ::usleep(10000);
  return runner;
}

// Whether runs are sandboxed here: as root, unless PAREX_SANDBOX_UID=0 (integration_test.unsandboxed) turns it off.
bool sandboxed_here() {
  const char* uid = std::getenv("PAREX_SANDBOX_UID");
  return ::geteuid() == 0 && !(uid && std::string_view(uid) == "0");
}

#define EXPECT_CONSOLE_HAS(graded, text) \
  EXPECT_NE((graded).console.find(text), std::string::npos) << "console output:\n" << (graded).console

}  // namespace

// A baseline changed since the build (a graded program can do it where the bin folder is writable to it, as
// without the sandbox) is refused before it runs: the grade is an error, never a speedup against another program.
TEST(TwoTasks, ABaselineChangedSinceTheBuildIsRefused) {
  const fs::path bin = fs::temp_directory_path() / ("parex-digest-" + std::to_string(::getpid()));
  fs::remove_all(bin);
  fs::create_directories(bin);
  fs::copy(fs::path(PAREX_FIXTURE_BIN) / "twotasks", bin / "twotasks", fs::copy_options::recursive);
  auto intact = grade_in(bin, "twotasks", "parallel", "--no-sandbox");
  EXPECT_EQ(intact.result["status"], "pass") << intact.console;
  // The attack: `serial` swapped for a slower program (here the fixture's `sequential`).
  fs::copy_file(bin / "twotasks" / "sequential", bin / "twotasks" / "serial", fs::copy_options::overwrite_existing);
  auto swapped = grade_in(bin, "twotasks", "parallel", "--no-sandbox");
  EXPECT_EQ(swapped.result["status"], "error") << swapped.console;
  EXPECT_CONSOLE_HAS(swapped, "baseline 'serial' is not the program the build made");
  EXPECT_TRUE(swapped.result["runs"].empty()) << "nothing ran against the swapped baseline";
  fs::remove_all(bin);
}

// Timed runs of separate runners never overlap (ctest -j in two build trees, grade-class beside a learner's ctest):
// the second waits for the machine's lock while the first grades, and says so.
TEST(MachineLock, TheTimedRunsOfTwoRunnersTakeTurns) {
  const std::string lock = (fs::temp_directory_path() / ("parex-lock-" + std::to_string(::getpid()))).string();
  const fs::path first_results = fs::temp_directory_path() / ("parex-lock-first-" + std::to_string(::getpid()));
  ::setenv("PAREX_LOCK_FILE", lock.c_str(), 1);
  const pid_t first = ::fork();
  if (first == 0) {
    const std::string fixture = std::string(PAREX_FIXTURES) + "/twotasks",
                      bin = std::string(PAREX_FIXTURE_BIN) + "/twotasks";
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, STDOUT_FILENO);
    ::dup2(null, STDERR_FILENO);
    ::execl(PAREX_EXE, PAREX_EXE, "run", fixture.c_str(), "--bin-dir", bin.c_str(), "--variant", "parallel",
            "--repetitions", "4", "--results", first_results.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  // Until the first runner holds the lock (our own try must not keep it).
  bool held = false;
  for (int i = 0; i < 300 && !held; ++i) {
    const int fd = ::open(lock.c_str(), O_RDONLY | O_CLOEXEC);
    held = fd >= 0 && ::flock(fd, LOCK_EX | LOCK_NB) != 0;
    if (fd >= 0) ::close(fd);
    if (!held) ::usleep(10000);
  }
  ASSERT_TRUE(held) << "the first runner never took " << lock;
  auto second = grade("twotasks", "parallel");
  int status = 0;
  ::waitpid(first, &status, 0);
  ::unsetenv("PAREX_LOCK_FILE");
  std::ifstream first_result(first_results / "twotasks" / "parallel.json");
  const json first_graded = json::parse(first_result, nullptr, false);
  fs::remove_all(first_results);
  fs::remove(lock);
  EXPECT_EQ(second.result["status"], "pass") << second.console;
  EXPECT_CONSOLE_HAS(second, "twotasks/parallel: waiting for another parex's timed runs to end");
  EXPECT_GT(second.result["machine"]["lock_wait_s"].get<double>(), 0.1) << second.result["machine"];
  ASSERT_TRUE(first_graded.is_object());
  EXPECT_EQ(first_graded["status"], "pass");
  EXPECT_EQ(first_graded["machine"]["lock_wait_s"], 0.0);  // it found the machine free
}

TEST(TwoTasks, ParallelPassesEveryCheck) {
  auto graded = grade("twotasks", "parallel");
  EXPECT_EQ(graded.exit_code, 0) << graded.console;
  EXPECT_EQ(graded.result["schema"], "parex-result/1");
  EXPECT_EQ(graded.result["status"], "pass");
  for (const auto& [name, check] : graded.checks)
    EXPECT_EQ(check["status"], "pass") << name << ": " << check["message"];
  EXPECT_GT(graded.by_kind["speedup"]["measured"].get<double>(), 1.6);
  // runs alternate baseline, graded, ...: 3 pairs, or more when noise or steal left the verdict undecided
  const auto& runs = graded.result["runs"];
  const int pairs = graded.result["config"]["pairs"].get<int>();
  EXPECT_GE(pairs, 3);
  ASSERT_EQ(runs.size(), 2u * static_cast<unsigned>(pairs));
  EXPECT_EQ(runs[0]["variant"], "serial");
  EXPECT_EQ(runs[1]["variant"], "parallel");
  EXPECT_EQ(runs[1]["lines"].size(), 10u);
  if (!runs[1]["processes_created"].is_null()) {  // the proc connector needs root
    EXPECT_EQ(runs[1]["processes_created"], 3);   // main and its two children
    EXPECT_EQ(runs[0]["processes_created"], 1);
  }
}

TEST(TwoTasks, FakeParallelFailsSpeedup) {
  auto graded = grade("twotasks", "fake");
  EXPECT_EQ(graded.result["status"], "pass");  // expect = "fail", and it does
  EXPECT_EQ(status_of(graded, "speedup"), "fail");
  EXPECT_LT(graded.by_kind["speedup"]["measured"].get<double>(), 1.2);
  EXPECT_EQ(status_of(graded, "interleaved"), "fail");
  EXPECT_EQ(status_of(graded, "same_lines"), "pass");
  EXPECT_CONSOLE_HAS(graded, "FAIL  speedup vs serial");
  EXPECT_CONSOLE_HAS(graded, "failed as expected");
}

TEST(TwoTasks, SequentialFailsInterleaved) {
  auto graded = grade("twotasks", "sequential");
  EXPECT_EQ(status_of(graded, "interleaved"), "fail");
  EXPECT_CONSOLE_HAS(graded, "overlap 0% of the shorter span");
  EXPECT_CONSOLE_HAS(graded, "one finished before the other started");
  // Its first pair sealed the verdict (interleaved must hold on every run): the other two of 3 were not run.
  EXPECT_EQ(graded.result["config"]["pairs"], 1);
  EXPECT_EQ(graded.result["runs"].size(), 2u);
  EXPECT_NE(graded.result["config"]["stopped_early"].get<std::string>().find("'interleaved "), std::string::npos);
  EXPECT_CONSOLE_HAS(graded, "note: 1 of 3 pairs run: 'interleaved ");
  // Its speedup, on one pair, is shown but not judged (nor scored).
  EXPECT_EQ(status_of(graded, "speedup"), "fail");
  EXPECT_NE(
      graded.by_kind["speedup"]["message"].get<std::string>().find("not judged: 1 of 3 pairs ran, as 'interleaved "),
      std::string::npos)
      << graded.by_kind["speedup"]["message"];
}

// A starter sealed on its first pair needs of that pair's baseline run only what it printed: the run the case's
// reference grade recorded moments ago serves (docs/extensions.md, "Reused baseline runs").
TEST(ReusedBaseline, AnExpectedFailureSealedOnItsFirstRunReusesTheBaselineRunItsCaseRecorded) {
  const fs::path results = fs::temp_directory_path() / ("parex-reuse-" + std::to_string(::getpid()));
  const auto in_results = [&](const std::string& variant, const std::string& extra = "") {
    return grade_into(results, PAREX_FIXTURE_BIN, "twotasks", variant, extra);
  };
  auto reused_from = [](const Graded& graded) {
    std::vector<std::string> from;
    for (const auto& run : graded.result["runs"]) from.push_back(run.value("reused_from", ""));
    return from;
  };
  // Run alone, a starter runs its baseline: there is no record yet.
  auto alone = in_results("sequential");
  ASSERT_EQ(alone.result["runs"].size(), 2u) << alone.console;
  EXPECT_EQ(reused_from(alone), (std::vector<std::string>{"", ""}));
  fs::remove_all(results);

  auto reference = in_results("parallel");
  EXPECT_EQ(reference.result["status"], "pass") << reference.console;
  EXPECT_EQ(reused_from(reference), std::vector<std::string>(reference.result["runs"].size(), ""));
  EXPECT_TRUE(fs::exists(results / "twotasks" / ".baselines" / "serial.json"));

  auto starter = in_results("sequential");
  ASSERT_EQ(starter.result["runs"].size(), 2u) << starter.console;
  EXPECT_EQ(starter.result["runs"][0]["variant"], "serial");
  EXPECT_EQ(reused_from(starter), (std::vector<std::string>{"twotasks/parallel", ""}));
  EXPECT_CONSOLE_HAS(
      starter, "note: baseline 'serial' was not run again: its run is the one twotasks/parallel's grade recorded");
  // The same evidence as a baseline run of its own: its output checks judged, its speedup shown, not judged.
  EXPECT_EQ(starter.result["status"], "pass");  // expect = "fail", and it does
  EXPECT_EQ(status_of(starter, "interleaved"), "fail");
  EXPECT_EQ(status_of(starter, "same_lines"), "pass");
  EXPECT_EQ(status_of(starter, "in_order"), "pass");
  EXPECT_NE(starter.by_kind["speedup"]["message"].get<std::string>().find("not judged: 1 of 3 pairs ran"),
            std::string::npos);
  EXPECT_LT(starter.by_kind["speedup"]["measured"].get<double>(), 1.2);

  // Another time scale is another run of the baseline: not reused.
  auto rescaled = in_results("sequential", "--time-scale 0.5");
  EXPECT_EQ(reused_from(rescaled), (std::vector<std::string>{"", ""})) << rescaled.console;

  // A foil whose first run seals nothing runs its baseline after it, and every pair as always: nothing reused is
  // judged.
  in_results("parallel");
  auto laggard = in_results("laggard");
  EXPECT_EQ(laggard.result["status"], "pass") << laggard.console;  // it fails its speedup, as expected
  EXPECT_EQ(laggard.result["config"]["stopped_early"], nullptr);
  const auto& runs = laggard.result["runs"];
  ASSERT_EQ(runs.size(), 2u * laggard.result["config"]["pairs"].get<unsigned>()) << laggard.console;
  EXPECT_EQ(runs[0]["variant"], "laggard");
  EXPECT_EQ(runs[1]["variant"], "serial");
  EXPECT_EQ(reused_from(laggard), std::vector<std::string>(runs.size(), ""));
  EXPECT_EQ(status_of(laggard, "speedup"), "fail");
  EXPECT_EQ(laggard.by_kind["speedup"]["message"].get<std::string>().find("not judged"), std::string::npos);
  EXPECT_EQ(status_of(laggard, "interleaved"), "pass");
  fs::remove_all(results);
}

TEST(TwoTasks, ReorderedFailsInOrder) {
  auto graded = grade("twotasks", "reordered");
  EXPECT_EQ(status_of(graded, "in_order"), "fail");
  EXPECT_EQ(status_of(graded, "same_lines"), "pass");
  EXPECT_CONSOLE_HAS(graded, "line 1 of /^A/ is 'A 2', expected 'A 1'");
}

TEST(TwoTasks, BufferedOutputIsDiagnosed) {
  auto graded = grade("twotasks", "buffered");
  EXPECT_EQ(status_of(graded, "interleaved"), "fail");
  EXPECT_CONSOLE_HAS(graded, "arrived within 1 ms");
  EXPECT_CONSOLE_HAS(graded, "capture = \"pty\"");
}

TEST(TwoTasks, DuplicatedBufferAfterForkIsDiagnosed) {
  auto graded = grade("twotasks", "duplicate");
  EXPECT_EQ(status_of(graded, "same_lines"), "fail");
  EXPECT_CONSOLE_HAS(graded, "(2x printed, 1x expected)");
  EXPECT_CONSOLE_HAS(graded, "flush stdout");
}

TEST(Inputs, EachPairRunsOnASeedOfItsOwnGivenAsEnvironmentAndArgument) {
  auto graded = grade("seeded", "parallel");
  EXPECT_EQ(graded.result["status"], "pass") << graded.console;
  std::set<std::uint64_t> seeds;
  for (const auto& run : graded.result["runs"]) {
    const auto seed = run["inputs"]["seed"].get<std::uint64_t>();
    seeds.insert(seed);
    std::string out;
    for (const auto& line : run["lines"]) out += line["text"].get<std::string>() + "\n";
    EXPECT_EQ(out, fmt::format("env {0}\narg {0}\n", seed));
  }
  EXPECT_EQ(seeds.size(), 3u) << "a seed per pair, the same for both runs of it";
}

TEST(Inputs, AProgramPrintingAFixedAnswerFailsItsPair) {
  auto graded = grade("seeded", "fixed");
  EXPECT_EQ(status_of(graded, "same_lines"), "fail") << graded.console;
  EXPECT_NE(graded.by_kind["same_lines"]["detail"].get<std::string>().find("its pair, on the same seed"),
            std::string::npos);
}

TEST(Inputs, TheSeedOptionReplaysAPair) {
  auto graded = grade("seeded", "parallel", "--seed 987654321");
  EXPECT_EQ(graded.result["status"], "pass") << graded.console;
  for (const auto& run : graded.result["runs"]) EXPECT_EQ(run["inputs"]["seed"], 987654321u);
  EXPECT_EQ(stdout_of(graded), "env 987654321\narg 987654321\n");
}

TEST(RunFail, CleanRunPasses) {
  auto graded = grade("runfail", "tidy");
  EXPECT_EQ(graded.exit_code, 0) << graded.console;
  EXPECT_EQ(graded.result["status"], "pass");
}

TEST(RunFail, ARunDoesNotInheritTheOutputFlagsOfTheOneBefore) {
  auto graded = grade("runfail", "nonblocking", "--repetitions 3");
  ASSERT_EQ(graded.result["runs"].size(), 3u) << graded.console;
  for (const auto& run : graded.result["runs"]) {
    ASSERT_EQ(run["lines"].size(), 1u) << run.dump();
    EXPECT_EQ(run["lines"][0]["text"], "stdout blocking") << "run #" << run["index"];
  }
}

TEST(RunFail, RunsGetTheDocumentedEnvironmentAndNoStdin) {
  auto graded = grade("runfail", "environment", "--time-scale 0.5");
  EXPECT_EQ(graded.exit_code, 0) << graded.console;  // `cat` ends at once: stdin is /dev/null
  const int cores = graded.result["machine"]["cores"].get<int>();
  ASSERT_GE(cores, 1);
  ASSERT_EQ(graded.result["runs"][0]["lines"].size(), 1u) << graded.result["runs"][0].dump();
  EXPECT_EQ(graded.result["runs"][0]["lines"][0]["text"], "scale=0.5 cores=" + std::to_string(cores));
}

TEST(RunFail, CrashIsNamed) {
  auto graded = grade("runfail", "crash");
  EXPECT_EQ(graded.exit_code, 0) << graded.console;  // expect = "fail" met
  EXPECT_EQ(graded.result["runs"][0]["signal"], "SIGSEGV");
  EXPECT_EQ(graded.result["runs"][0]["outcome"], "signal");
  EXPECT_CONSOLE_HAS(graded, "was killed by SIGSEGV");
}

TEST(RunFail, ExitCodeIsReported) {
  auto graded = grade("runfail", "exitcode");
  EXPECT_EQ(graded.result["runs"][0]["exit_code"], 3);
  EXPECT_CONSOLE_HAS(graded, "exited with code 3, expected exit code 0");
  EXPECT_CONSOLE_HAS(graded, "something went wrong");
}

TEST(RunFail, HangIsKilledAfterTimeoutEvenIgnoringSigterm) {
  auto graded = grade("runfail", "hang");
  EXPECT_EQ(status_of(graded, "timeout"), "fail");
  EXPECT_EQ(graded.result["runs"][0]["outcome"], "timeout");
  EXPECT_LT(graded.result["runs"][0]["wall_s"].get<double>(), 1.0 + 0.5 + 0.5);  // timeout + grace + slack
  EXPECT_CONSOLE_HAS(graded, "timed out after 1 s");
  EXPECT_CONSOLE_HAS(graded, "last words");
}

// A run that timed out decided the verdict: the variant is not run again (three repetitions would take 3 s more).
TEST(RunFail, AVariantThatTimedOutIsNotRunAgain) {
  auto graded = grade("runfail", "hang", "--repetitions 3");
  EXPECT_EQ(status_of(graded, "timeout"), "fail");
  EXPECT_EQ(graded.result["runs"].size(), 1u) << graded.console;
}

TEST(RunFail, LeakedChildIsNamedAndKilled) {
  auto graded = grade("runfail", "leak");
  EXPECT_EQ(status_of(graded, "no_leaks"), "fail");
  ASSERT_EQ(graded.result["runs"][0]["leaked"].size(), 1u);
  int pid = graded.result["runs"][0]["leaked"][0]["pid"];
  EXPECT_NE(graded.result["runs"][0]["leaked"][0]["cmdline"].get<std::string>().find("leak"), std::string::npos);
  EXPECT_NE(::kill(pid, 0), 0) << "leaked pid " << pid << " is still alive";
  EXPECT_CONSOLE_HAS(graded, "join() every process you start");
  // Where it was when it was found, read before the kill: asleep in the fixture's nap (or, on a loaded machine,
  // not yet there: running).
  const auto& hang = graded.result["runs"][0]["hang"];
  ASSERT_TRUE(hang.is_object()) << graded.console;
  EXPECT_EQ(hang["when"], "leaked");
  ASSERT_EQ(hang["processes"].size(), 1u);
  const auto& leaked = hang["processes"][0];
  EXPECT_TRUE(leaked["syscall"] == "clock_nanosleep" || (leaked["syscall"] == "" && leaked["state"] == "R"))
      << leaked.dump();
  EXPECT_CONSOLE_HAS(graded, "where they were:");
}

TEST(RunFail, ATimeoutSaysWhereTheProgramWas) {
  auto graded = grade("runfail", "hang", "--repetitions 1");
  EXPECT_EQ(status_of(graded, "timeout"), "fail");
  const auto& hang = graded.result["runs"][0]["hang"];
  ASSERT_TRUE(hang.is_object()) << graded.console;
  EXPECT_EQ(hang["when"], "timeout");
  ASSERT_GE(hang["processes"].size(), 1u);
  EXPECT_NE(hang["processes"][0]["where"].get<std::string>().find("hang.cpp:"), std::string::npos) << hang.dump();
  EXPECT_CONSOLE_HAS(graded, "where each process was when it timed out:");
}

TEST(RunFail, DaemonisedOrphanIsFound) {
  auto graded = grade("runfail", "orphan");
  EXPECT_EQ(status_of(graded, "no_leaks"), "fail");
  EXPECT_EQ(graded.result["runs"][0]["leaked"].size(), 1u);
}

TEST(RunFail, SiblingStartedWithCloneParentIsFound) {
  auto graded = grade("runfail", "sibling");
  EXPECT_EQ(status_of(graded, "no_leaks"), "fail");
  ASSERT_EQ(graded.result["runs"][0]["leaked"].size(), 1u);
  int pid = graded.result["runs"][0]["leaked"][0]["pid"];
  EXPECT_NE(::kill(pid, 0), 0) << "leaked pid " << pid << " is still alive";
  if (!graded.result["runs"][0]["processes_created"].is_null()) {
    EXPECT_EQ(graded.result["runs"][0]["processes_created"], 2);
  }
}

TEST(RunFail, ForkBombIsStopped) {
  auto graded = grade("runfail", "forkbomb");
  EXPECT_EQ(status_of(graded, "limits"), "fail");
  EXPECT_EQ(graded.result["runs"][0]["outcome"], "process_limit");
  EXPECT_LT(graded.result["runs"][0]["wall_s"].get<double>(), 1.0);
  EXPECT_CONSOLE_HAS(graded, "more than max_processes = 16");
  // A pids cgroup refuses the 17th fork; a /proc scan can only notice the excess after the fact.
  if (graded.result["machine"]["containment"].get<std::string>().find("pids") != std::string::npos) {
    EXPECT_LE(graded.result["runs"][0]["peak_processes"].get<int>(), 16);
  }
}

// The run is over in a few milliseconds, before the first 20 ms sample: only the kernel's count of refused
// forks, read when the run ends, can tell. Only a pids cgroup refuses forks; the fallbacks see a run this
// short only if a sample falls into it.
TEST(RunFail, ForkRefusedInAShortRunIsAProcessLimit) {
  auto graded = grade("runfail", "refused");
  const auto& run = graded.result["runs"][0];
  if (graded.result["machine"]["containment"].get<std::string>().find("pids") == std::string::npos)
    GTEST_SKIP() << "no pids cgroup here: " << graded.result["machine"]["containment"];
  EXPECT_EQ(run["outcome"], "process_limit");
  EXPECT_EQ(status_of(graded, "limits"), "fail");
  EXPECT_CONSOLE_HAS(graded, "more than max_processes = 16");
}

TEST(RunFail, OutputFloodIsStopped) {
  auto graded = grade("runfail", "flood");
  EXPECT_EQ(graded.result["runs"][0]["outcome"], "output_limit");
  EXPECT_TRUE(graded.result["runs"][0]["output_truncated"].get<bool>());
  std::size_t kept = 0;
  for (const auto& line : graded.result["runs"][0]["lines"]) kept += line["text"].get<std::string>().size() + 1;
  EXPECT_LE(kept, 100000u + 1);
  EXPECT_CONSOLE_HAS(graded, "printed more than max_output_bytes = 100000 bytes");
}

// Probe records count towards max_output_bytes with output (docs/process-control.md, "Verdicts"): a program that
// sends them without end is stopped as an output flood is, and its result stays within a few times the limit (a
// red-team program made a 470 MiB result of 100 000 records of 4.7 KiB; tests/redteam probe_flood).
void expect_probe_flood_stopped(const std::string& variant) {
  auto graded = grade("runfail", variant);
  ASSERT_TRUE(graded.result.is_object()) << graded.console;
  const json& run = graded.result["runs"][0];
  EXPECT_EQ(run["outcome"], "output_limit");
  EXPECT_EQ(graded.result["status"], "pass");  // it failed, as expected
  EXPECT_GT(run["output_bytes"].get<std::size_t>() + run.value("probe_bytes", std::size_t{0}),
            100000u);  // what arrived
  std::size_t kept = 0;
  for (const auto& record : run["probes"]) kept += record["value"].get<std::string>().size();
  EXPECT_LE(kept, 100000u);
  EXPECT_LT(fs::file_size(results_dir() / "runfail" / (variant + ".json")), 3u * 100000);
  EXPECT_CONSOLE_HAS(graded, "sent more than max_output_bytes = 100000 bytes of output and probe records");
}

TEST(RunFail, AProbeFloodIsStoppedAtTheOutputLimit) { expect_probe_flood_stopped("probeflood"); }

TEST(RunFail, AFloodOfTinyProbeRecordsIsStoppedAtTheOutputLimit) { expect_probe_flood_stopped("probedust"); }

// Each line counts SendBudget::kLineOverhead more than its bytes: 50 000 empty lines (50 000 bytes, half the limit)
// are a flood. Before, such a run passed, and 8 MiB of empty lines made a 608 MB result and 7.5 GiB of memory.
TEST(RunFail, AFloodOfEmptyLinesIsStoppedAtTheOutputLimit) {
  auto graded = grade("runfail", "linedust");
  ASSERT_TRUE(graded.result.is_object()) << graded.console;
  const json& run = graded.result["runs"][0];
  EXPECT_EQ(run["outcome"], "output_limit");
  EXPECT_EQ(graded.result["status"], "pass");  // it failed, as expected
  EXPECT_LT(run["lines"].size(), 100000u / 32);
  EXPECT_LT(fs::file_size(results_dir() / "runfail" / "linedust.json"), 3u * 100000);
  EXPECT_CONSOLE_HAS(graded, "printed more than max_output_bytes = 100000 bytes");
  EXPECT_CONSOLE_HAS(graded, "each line counting 32 more");
}

TEST(RunFail, MemoryHogIsRefused) {
  auto graded = grade("runfail", "memhog");
  EXPECT_EQ(graded.result["status"], "pass");  // it failed, as expected
  // A memory cgroup gives a definitive verdict; the address-space rlimit fallback makes malloc fail instead.
  if (graded.result["machine"]["containment"].get<std::string>().find("memory") != std::string::npos) {
    EXPECT_EQ(graded.result["runs"][0]["outcome"], "memory_limit");
    EXPECT_CONSOLE_HAS(graded, "ran out of memory");
  } else {
    EXPECT_EQ(graded.result["runs"][0]["outcome"], "exit_nonzero");
    EXPECT_CONSOLE_HAS(graded, "out of memory after");
  }
}

TEST(RunFail, InterruptedRunnerKillsTheTreeAndWritesNothing) {
  const fs::path results = fs::temp_directory_path() / ("parex-interrupt-" + std::to_string(::getpid()));
  const pid_t runner = start_stubborn_runner(results.string());
  ASSERT_EQ(stubborn_alive(), 2u) << "the fixture did not start its daemon";
  ::kill(runner, SIGTERM);
  int status = 0;
  ::waitpid(runner, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM) << "status " << status;
  for (int i = 0; i < 100 && stubborn_alive() > 0; ++i) ::usleep(10000);
  EXPECT_EQ(stubborn_alive(), 0u) << "the interrupted run's processes outlived the runner";
  EXPECT_FALSE(fs::exists(results / "runfail" / "stubborn.json"));
  EXPECT_EQ(cgroups_of(runner), std::vector<std::string>{}) << "an interrupted runner removes its cgroups";
  fs::remove_all(results);
}

// A program that stops its runner (SIGSTOP) and lets it go on later: the runner enforced no timeout and its clock
// ran on meanwhile. Unsandboxed (the program runs as the grader's user) that can happen, and the run is an error,
// never a pass; sandboxed, the program cannot signal the runner at all.
TEST(RunFail, AStoppedRunnerReportsAnErrorNotAVerdict) {
  auto unsandboxed = grade("runfail", "stopper", "--no-sandbox");
  EXPECT_EQ(unsandboxed.result["status"], "error") << unsandboxed.console;
  EXPECT_EQ(unsandboxed.result["runs"][0]["outcome"], "runner_stopped");
  EXPECT_CONSOLE_HAS(unsandboxed, "the runner was stopped (SIGSTOP)");
  if (!sandboxed_here()) GTEST_SKIP() << "runs are sandboxed only as root (and PAREX_SANDBOX_UID is not 0)";
  auto sandboxed = grade("runfail", "stopper");
  EXPECT_EQ(sandboxed.result["runs"][0]["outcome"], "ok") << sandboxed.console;
  EXPECT_EQ(stdout_of(sandboxed), "cannot stop the runner\ndone\n");
}

// A script variant runs in a working folder of its own: its script and the case's shared files, read-only, and
// room to write; not its neighbours' sources, nor case.toml. Unsandboxed it runs in the case folder (DESIGN).
TEST(RunFail, AScriptVariantGetsAWorkingFolderOfItsOwn) {
  if (!sandboxed_here()) GTEST_SKIP() << "runs are sandboxed only as root (and PAREX_SANDBOX_UID is not 0)";
  auto graded = grade("runfail", "workdir");
  EXPECT_EQ(graded.result["runs"][0]["outcome"], "ok") << graded.console;
  EXPECT_EQ(stdout_of(graded), "cwd holds ['shared_mod.py', 'workdir.py']\nwrote shared\n");
  EXPECT_FALSE(fs::exists(fs::path(PAREX_FIXTURES) / "runfail" / "scratch.txt")) << "the case folder was written";
  EXPECT_NE(
      graded.result["machine"]["sandbox"].get<std::string>().find("working folder /tmp/work/runfail holds 2 file(s)"),
      std::string::npos)
      << graded.result["machine"]["sandbox"];
}

// A variant imports what learners also have (docs/extensions.md): the reference's `from serial import sq` finds the
// baseline's module, sandboxed (its working folder holds serial.py) and not; in a case without a [submission] too,
// whose baselines are what hidden_variants would leave learners.
TEST(Imports, AReferenceImportsItsBaselinesModule) {
  for (const std::string fixture : {"imports", "imports_local"})
    for (const std::string extra : {"", "--no-sandbox"}) {
      auto graded = grade(fixture, "parallel", extra);
      EXPECT_EQ(graded.result["status"], "pass") << fixture << " " << extra << "\n" << graded.console;
      EXPECT_EQ(graded_output(graded, "stdout"), "square 1 = 1\nsquare 2 = 4\nsquare 3 = 9\nsquare 4 = 16\n")
          << fixture << " " << extra;
      EXPECT_EQ(stderr_of(graded), "") << fixture << " " << extra;
    }
}

// Importing a hidden variant's module fails with parex's diagnostic naming the rule, in the run's stderr and in the
// exit check's detail: sandboxed, where the sandbox leaves the module out, and not, where it lies beside the script.
// A case without a [submission] hides what hidden_variants would default to: its reference too.
TEST(Imports, ImportingAHiddenVariantNamesTheRule) {
  const std::string head =
      "ModuleNotFoundError: parex: 'parallel' is a hidden variant (held out from learners: "
      "[submission] hidden_variants); a variant imports only what learners also have: ";
  for (const auto& [fixture, importable] : std::vector<std::pair<std::string, std::string>>{
           {"imports", "serial, starter, shared modules"}, {"imports_local", "serial, shared modules"}})
    for (const std::string extra : {"", "--no-sandbox"}) {
      auto graded = grade(fixture, "peek", extra);
      const std::string context = fixture + " " + extra, err = stderr_of(graded);
      const std::string detail = graded.checks["exit code 0"].value("detail", "");
      EXPECT_EQ(graded.result["status"], "pass") << context << "\n" << graded.console;  // expect = "fail" met
      EXPECT_EQ(graded.checks["exit code 0"]["status"], "fail") << context;
      EXPECT_NE(err.find(head + importable + "\n"), std::string::npos) << context << "\n" << err;
      EXPECT_NE(detail.find(head + importable), std::string::npos) << context << "\n" << detail;
    }
}

// The learner's variant imports the baseline's module too, and is told nothing of what is held out: no names of
// hidden variants in its environment, and sandboxed no reference in its working folder (nor, /dev/null, in the case
// folder: tests/redteam's read_reference).
TEST(Imports, TheSubmissionVariantIsNotToldWhatIsHeldOut) {
  auto graded = grade("imports", "starter");
  EXPECT_EQ(graded.result["status"], "pass") << graded.console;
  EXPECT_NE(stderr_of(graded).find("told of hidden variants: None\n"), std::string::npos) << stderr_of(graded);
  if (sandboxed_here()) {
    EXPECT_NE(stderr_of(graded).find("reference beside it: False\n"), std::string::npos) << stderr_of(graded);
  }
}

// A python3 on PATH that is a shim (pyenv's runs the interpreter as a child, for ~0.2 s a start) is resolved once per
// runner to the interpreter it runs: a run starts the interpreter itself, one process, and times the program alone.
TEST(RunFail, APythonShimOnPathIsResolvedToTheRealInterpreter) {
  if (!fs::exists("/usr/bin/python3")) GTEST_SKIP() << "no /usr/bin/python3 for the shim to run";
  const fs::path shim_dir = results_dir() / "shim";
  fs::create_directories(shim_dir);
  {
    std::ofstream shim(shim_dir / "python3");
    shim << "#!/bin/sh\n# a shim, as pyenv's: the interpreter runs as its child\n/usr/bin/python3 \"$@\"\n";
  }
  fs::permissions(shim_dir / "python3", fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
  const std::string path = std::getenv("PATH") ? std::getenv("PATH") : "/usr/bin:/bin";
  ::setenv("PATH", (shim_dir.string() + ":" + path).c_str(), 1);
  auto graded = grade("runfail", "which_python", "--no-sandbox");  // sandboxed, the private /tmp would hide the shim
  ::setenv("PATH", path.c_str(), 1);
  ASSERT_EQ(graded.result["status"], "pass") << graded.console;
  const std::string executable = stdout_of(graded);
  EXPECT_EQ(executable.find(shim_dir.string()), std::string::npos) << executable;
  const auto& run = graded.result["runs"][0];
  const int processes =
      run["processes_created"].is_null() ? run["peak_processes"].get<int>() : run["processes_created"].get<int>();
  EXPECT_EQ(processes, 1) << "the shim ran: " << run.dump();
}

// A sandboxed run is a pid namespace whose init dies with the runner: a runner killed outright (ctest's timeout)
// takes every process of its run along, a daemon that left the run's session and process group included.
TEST(RunFail, ASandboxedRunDiesWithItsRunner) {
  if (!sandboxed_here()) GTEST_SKIP() << "runs are sandboxed only as root (and PAREX_SANDBOX_UID is not 0)";
  const pid_t runner = start_stubborn_runner();
  ASSERT_EQ(stubborn_alive(), 2u) << "the fixture did not start its daemon";
  ::kill(runner, SIGKILL);
  ::waitpid(runner, nullptr, 0);
  for (int i = 0; i < 100 && stubborn_alive() > 0; ++i) ::usleep(10000);
  EXPECT_EQ(stubborn_alive(), 0u) << "the run outlived its killed runner";
  for (const auto& line : live_processes_matching("runfail/stubborn")) ::kill(std::stoi(line), SIGKILL);
}

// Sandboxed runs share their runner's IPC namespace (one per run would cost each run ~70 us): a run must not find
// what the one before it left there, System V objects or a POSIX message queue.
TEST(RunFail, ARunFindsNothingAnEarlierRunLeftInTheIpcNamespace) {
  if (!sandboxed_here()) GTEST_SKIP() << "runs are sandboxed only as root (and PAREX_SANDBOX_UID is not 0)";
  auto graded = grade("runfail", "ipc_leftover", "--repetitions 3");
  ASSERT_EQ(graded.result["runs"].size(), 3u) << graded.console;
  for (std::size_t r = 0; r < 3; ++r) {
    EXPECT_EQ(stdout_of(graded, r), "clean\nleft one of each\n") << "run " << r + 1 << "\n" << graded.console;
  }
}
// ctest's timeout SIGKILLs a runner: its cgroups stay behind until the next runner sweeps them.
TEST(RunFail, AKilledRunnersCgroupsAreSweptByTheNext) {
  if (::geteuid() != 0) GTEST_SKIP() << "cgroups of the runner's own need root here";
  const pid_t runner = start_stubborn_runner();
  ::kill(runner, SIGKILL);
  ::waitpid(runner, nullptr, 0);
  for (const auto& line : live_processes_matching("runfail/stubborn")) ::kill(std::stoi(line), SIGKILL);
  for (int i = 0; i < 100 && stubborn_alive() > 0; ++i) ::usleep(10000);
  if (cgroups_of(runner).empty()) GTEST_SKIP() << "no cgroups of the runner's own on this machine";
  auto graded = grade("runfail", "tidy");
  EXPECT_EQ(cgroups_of(runner), std::vector<std::string>{}) << graded.console;
}

// A scaling check's run on 1 CPU cannot widen its affinity back to more (to look faster there, or on a bigger
// machine at 2 of 16): a cpuset cgroup holds it. With an affinity alone (no cgroups: without_cgroups) it can.
TEST(Scaling, ARunConfinedToOneCpuCannotWidenItsAffinity) {
  auto graded = grade("scaling", "widen");
  ASSERT_TRUE(graded.result.is_object()) << graded.console;
  const bool cpuset = graded.result["machine"]["containment"].get<std::string>().find("cpuset") != std::string::npos;
  int confined = 0;
  for (const auto& run : graded.result["runs"]) {
    if (run.value("workers", 0) != 1) continue;
    ++confined;
    const std::string printed = run["lines"][0]["text"];
    if (cpuset) {
      EXPECT_EQ(printed, "cpus 1") << graded.console;
    } else {
      EXPECT_NE(printed, "cpus 1") << "the attack: an affinity alone is widened back";
    }
  }
  // Once, or again while disturbed: one 10 ms tick of steal is over 10% of a 2 ms run (OnTwoCpusTheOneCpuPoint…).
  EXPECT_GE(confined, 1) << graded.console;
}

// On 2 CPUs the fit has 2 points and no interval: its 1-CPU point runs once, whatever `repetitions`, and again only
// while the hypervisor or other processes disturb it.
TEST(Scaling, OnTwoCpusTheOneCpuPointRunsOnceUnlessDisturbed) {
  auto graded = grade("scaling", "widen", "--repetitions 3");
  ASSERT_TRUE(graded.result.is_object()) << graded.console;
  if (graded.result["machine"]["cores"] != 2) GTEST_SKIP() << "a 2-CPU machine's case";
  std::vector<json> lone;
  for (const auto& run : graded.result["runs"])
    if (run.value("workers", 0) == 1) lone.push_back(run);
  ASSERT_GE(lone.size(), 1u) << graded.console;
  ASSERT_LE(lone.size(), 3u) << graded.console;
  for (std::size_t r = 0; r + 1 < lone.size(); ++r)
    EXPECT_TRUE(lone[r].value("stolen_share", 0.0) > 0.1 || lone[r].value("foreign_share", 0.0) > 0.1)
        << "a quiet 1-CPU run was run again: " << lone[r].dump();
  EXPECT_EQ(graded.result["config"]["pairs"], 3);
}

// A case that grades `workers = 1` runs on one CPU of this machine's two, baselines too, and is told so
// (PAREX_CORES); held there by a cpuset where there is one. One CPU cannot be graded for speed: `error`.
TEST(Confined, ACaseThatNamesItsWorkersRunsOnThatManyCpus) {
  auto graded = grade("confined", "parallel");
  ASSERT_TRUE(graded.result.is_object()) << graded.console;
  if (graded.result["machine"]["cpus_online"].get<int>() < 2) GTEST_SKIP() << "one CPU here: nothing to confine";
  EXPECT_EQ(graded.result["machine"]["cores"], 1);
  EXPECT_EQ(graded.result["machine"]["cpus"].size(), 1u) << graded.result["machine"];
  const bool cpuset = graded.result["machine"]["containment"].get<std::string>().find("cpuset") != std::string::npos;
  for (const auto& run : graded.result["runs"]) {
    const std::string printed = run["lines"][0]["text"];
    EXPECT_EQ(printed.substr(0, 8), "cores 1 ") << printed;
    if (cpuset) {
      EXPECT_EQ(printed, "cores 1 cpus 1") << run["variant"];
    }
  }
  EXPECT_EQ(graded.result["status"], "error");
  EXPECT_CONSOLE_HAS(graded, "needs 2 CPUs: this machine gives the runs 1");
}

TEST(Pty, UnflushedOutputInterleavesOnATerminal) {
  auto graded = grade("ptycase", "parallel");
  EXPECT_EQ(graded.exit_code, 0) << graded.console;
  EXPECT_EQ(graded.result["config"]["capture"], "pty");
  EXPECT_EQ(graded.result["runs"][0]["capture"], "pty");
  EXPECT_EQ(graded.result["runs"][0]["lines"][0]["text"], "stdout: terminal");  // no "\r": raw mode
  EXPECT_EQ(status_of(graded, "interleaved"), "pass");
}

TEST(Timing, UnreachableThresholdIsAnErrorNotAFailure) {
  auto graded = grade("cpubound", "parallel");
  EXPECT_EQ(graded.exit_code, 2) << graded.console;
  EXPECT_EQ(graded.result["status"], "error");
  EXPECT_TRUE(graded.by_kind["speedup"]["data"]["unreachable"].get<bool>());
  EXPECT_CONSOLE_HAS(graded, "cannot be graded: ");
}

// A learner's benchmark program can slow its own baseline: read from the graded program, BM_Serial forges a
// 3x speedup; read from the instructor's serial (baseline_variant), the same program is 1x and fails.
TEST(BenchmarkBaseline, AForgedBaselineInTheProgramPassesButTheInstructorsDoesNot) {
  auto graded = grade("benchbaseline", "forged");
  ASSERT_TRUE(graded.result.is_object()) << graded.console;
  const auto& forged = graded.checks["baseline in the graded program"];
  const auto& instructor = graded.checks["baseline from the instructor's serial"];
  EXPECT_EQ(forged["status"], "pass") << forged["message"];
  EXPECT_GT(forged["measured"].get<double>(), 2.0);
  EXPECT_EQ(instructor["status"], "fail") << instructor["message"];
  EXPECT_LT(instructor["measured"].get<double>(), 1.5);
  EXPECT_EQ(instructor["data"]["baseline_variant"], "serial");
  EXPECT_NE(instructor["message"].get<std::string>().find("BM_Serial of 'serial'"), std::string::npos);
  // A benchmark baseline runs once with the graded program, not once per repetition; the two run again together
  // only when steal or other processes disturbed every run so far (kMaxQuietTries: it happened in a CI run).
  std::vector<json> serial, forged_runs;
  for (const auto& run : graded.result["runs"]) (run["variant"] == "serial" ? serial : forged_runs).push_back(run);
  ASSERT_EQ(serial.size(), forged_runs.size()) << graded.console;
  auto shaken = [](const json& run) {
    return run.value("stolen_share", 0.0) > 0.1 || run.value("foreign_share", 0.0) > 0.1;
  };
  for (std::size_t r = 0; r + 1 < serial.size(); ++r)
    EXPECT_TRUE(shaken(serial[r]) || shaken(forged_runs[r]))
        << "a benchmark run again, undisturbed: " << serial[r].dump() << forged_runs[r].dump();
}

TEST(CrashExpected, ExitCheckAcceptsTheSignal) {
  auto graded = grade("crash_expected", "crash");
  EXPECT_EQ(graded.exit_code, 0) << graded.console;
  EXPECT_EQ(status_of(graded, "exit"), "pass");
}

TEST(Cli, MissingExecutableIsAnErrorResult) {
  std::string command =
      std::string(PAREX_EXE) + " run " + PAREX_FIXTURES + "/twotasks --bin-dir /nonexistent --variant parallel 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  std::string out;
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
  int status = ::pclose(pipe);
  EXPECT_EQ(WEXITSTATUS(status), 2);
  EXPECT_NE(out.find("ERROR twotasks/parallel: no executable /nonexistent/serial"), std::string::npos) << out;
}

// Output that is large, binary or not UTF-8, under greedy patterns (`.*` in every check). Whatever a program
// prints, parex gives a verdict and writes its result: it never crashes, hangs or floods the console.
namespace {

// What any grade of the bigoutput fixture must show: parex ended by itself (0 or 1, not 134 or 139 from an
// abort or a stack overflow, not -1 from a signal) and wrote a result that met the variant's expect.
void expect_verdict(const Graded& graded) {
  EXPECT_TRUE(graded.exit_code == 0 || graded.exit_code == 1)
      << "parex exit code " << graded.exit_code << "; console tail:\n"
      << graded.console.substr(graded.console.size() > 2000 ? graded.console.size() - 2000 : 0);
  ASSERT_TRUE(graded.result.is_object()) << "no result JSON was written";
  EXPECT_EQ(graded.result["status"], "pass") << "expect " << graded.result["expect"];
  EXPECT_EQ(graded.exit_code, 0);
  // Every check here is decided; a check's diagnostic quotes excerpts of output, never whole lines.
  EXPECT_LT(graded.console.size(), 64u * 1024) << "console output is " << graded.console.size() << " bytes";
}

// Expects each of the case's checks (and the implicit run checks) to pass, except those in `failing`.
void expect_checks(const Graded& graded, const std::set<std::string>& failing = {}) {
  for (const auto& kind : {"filecheck", "in_order", "interleaved", "exit", "timeout", "limits", "no_leaks", "baseline"})
    EXPECT_EQ(status_of(graded, kind), failing.contains(kind) ? "fail" : "pass")
        << kind << ": " << (graded.by_kind.contains(kind) ? graded.by_kind.at(kind)["message"].dump() : "");
}

// The graded run's stdout, line by line.
std::vector<std::string> stdout_texts(const Graded& graded) {
  std::vector<std::string> out;
  for (const auto& run : graded.result["runs"])
    if (run["role"] == "graded")
      for (const auto& line : run["lines"])
        if (line["stream"] == "stdout") out.push_back(line["text"]);
  return out;
}

}  // namespace

// 4 MiB of 'x' on one line: every greedy pattern is searched in it. filecheck and interleaved pass; in_order fails
// as the variant expects, on the end of the long line, and its diagnostic must quote an excerpt of it.
TEST(BigOutput, LongLineGetsAVerdictAndAShortDiagnostic) {
  auto graded = grade("bigoutput", "longline");
  ASSERT_NO_FATAL_FAILURE(expect_verdict(graded));
  expect_checks(graded, {"in_order"});
  EXPECT_CONSOLE_HAS(graded, "failed as expected");
  // The line is recorded whole, as the program printed it.
  auto texts = stdout_texts(graded);
  ASSERT_EQ(texts.size(), 2u);
  EXPECT_EQ(texts[0], "result: " + std::string(std::size_t{4} << 20, 'x') + " done");
  EXPECT_EQ(texts[1], "end");
  const auto& in_order = graded.by_kind["in_order"];
  EXPECT_LT(in_order["message"].get<std::string>().size() + in_order["detail"].get<std::string>().size(), 8u * 1024)
      << "the in_order diagnostic quotes whole lines";
}

// A line of 1000 NUL bytes passes every check and is kept whole in the results.
TEST(BigOutput, NulBytesAreKeptAndPass) {
  auto graded = grade("bigoutput", "nul");
  ASSERT_NO_FATAL_FAILURE(expect_verdict(graded));
  expect_checks(graded);
  auto texts = stdout_texts(graded);
  ASSERT_EQ(texts.size(), 2u);
  EXPECT_EQ(texts[0], "nul:" + std::string(1000, '\0') + ":lun");
  EXPECT_EQ(texts[1], "end");
}

// Bytes that are not UTF-8 reach the results as U+FFFD; the result is written and the console stays readable.
TEST(BigOutput, InvalidUtf8IsReplacedInTheResults) {
  auto graded = grade("bigoutput", "badutf8");
  ASSERT_NO_FATAL_FAILURE(expect_verdict(graded));
  expect_checks(graded);
  const std::string replacement = "\xEF\xBF\xBD";
  auto texts = stdout_texts(graded);
  ASSERT_EQ(texts.size(), 3u);
  EXPECT_EQ(texts[0], "value " + replacement + replacement + " end");
  EXPECT_EQ(texts[1], "overlong " + replacement + replacement + " truncated " + replacement);
  EXPECT_EQ(texts[2], "end");
  EXPECT_TRUE(valid_utf8(graded.console)) << graded.console;
  EXPECT_CONSOLE_HAS(graded, "PASS bigoutput/badutf8: all");
  EXPECT_EQ(graded.console.find("internal error"), std::string::npos) << graded.console;
}

// Terminal control sequences a program prints reach the console as visible escapes, never raw: a quoted line
// cannot erase the verdict above it or forge a PASS line.
TEST(BigOutput, ControlSequencesInQuotedOutputAreShownNotObeyed) {
  auto graded = grade("bigoutput", "escapes");
  ASSERT_NO_FATAL_FAILURE(expect_verdict(graded));
  expect_checks(graded, {"in_order"});
  EXPECT_EQ(graded.console.find('\x1b'), std::string::npos) << graded.console;
  EXPECT_EQ(graded.console.find('\r'), std::string::npos) << graded.console;
  EXPECT_CONSOLE_HAS(graded, "\\x1b[1A\\x1b[2K\\x0dPASS bigoutput/escapes");
  EXPECT_CONSOLE_HAS(graded, "\\x9b31m x done");  // a lone C1 byte (CSI) too
  EXPECT_TRUE(valid_utf8(graded.console)) << graded.console;
  // The results keep the line as printed (JSON escapes it); only what a terminal shows is made safe.
  EXPECT_EQ(stdout_texts(graded)[0].substr(0, 4), "\x1b[1A");
}

// 100 000 lines in one burst: every line is recorded and every check passes.
TEST(BigOutput, ManyLinesPass) {
  auto graded = grade("bigoutput", "manylines");
  ASSERT_NO_FATAL_FAILURE(expect_verdict(graded));
  expect_checks(graded);
  auto texts = stdout_texts(graded);
  ASSERT_EQ(texts.size(), 100001u);
  EXPECT_EQ(texts[0], "line 0");
  EXPECT_EQ(texts[99999], "line 99999");
  EXPECT_EQ(texts[100000], "end");
  EXPECT_FALSE(graded.result["runs"].back()["output_truncated"].get<bool>());
}

// Last: nothing any fixture started may still be running.
TEST(ZZ_Hygiene, NoStrayProcesses) {
  auto strays = live_processes_matching(PAREX_FIXTURE_BIN);
  EXPECT_TRUE(strays.empty()) << "still running: " << strays.size() << " e.g. " << (strays.empty() ? "" : strays[0]);
}
