// The races check over ThreadSanitizer reports recorded for real (tests/unit/tsan/record.sh: GCC 12's TSan, the
// options a races run gets), and a few hand-written lines for the forms no small program here produces.
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "checks/checks.hpp"
#include "checks/races.hpp"

using namespace parex;

namespace {

std::vector<std::string> recorded_stderr(const std::string& name) {
  std::ifstream in(std::string(PAREX_TSAN_DATA) + "/" + name + ".stderr");
  EXPECT_TRUE(in) << name << ".stderr";
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// A races run as the runner records it: stderr's lines, and how it ended.
Run run_of(const std::vector<std::string>& err, std::optional<int> exit_code, std::optional<int> signal = {}) {
  parex::Run run;
  run.role = Role::races;
  run.exit_code = exit_code;
  run.signal = signal;
  run.outcome = signal ? Outcome::signal : exit_code == 0 ? Outcome::ok : Outcome::exit_nonzero;
  for (const auto& text : err) run.lines.push_back({0.1, Stream::err, text});
  return run;
}

// The recording `name` as a run: its stderr and its <name>.exit ("exit 66", "signal 11").
Run recorded_run(const std::string& name) {
  std::ifstream in(std::string(PAREX_TSAN_DATA) + "/" + name + ".exit");
  std::string how;
  int value = 0;
  in >> how >> value;
  EXPECT_TRUE(how == "exit" || how == "signal") << name << ".exit";
  if (how == "signal") return run_of(recorded_stderr(name), std::nullopt, value);
  return run_of(recorded_stderr(name), value);
}

CheckResult races_check(std::optional<Run> run) {
  CheckSpec check;
  check.kind = CheckKind::races;
  check.name = "no data races";
  check.hint = "guard the counter";
  Evidence evidence;
  evidence.races = std::move(run);
  return evaluate(check, evidence);
}

}  // namespace

TEST(ParseTsan, CleanProgramHasNoReport) {
  const TsanReports reports = parse_tsan(recorded_stderr("clean"));
  EXPECT_EQ(reports.warnings, 0);
  EXPECT_TRUE(reports.races.empty());
  EXPECT_TRUE(reports.other.empty());
  EXPECT_EQ(reports.fatal, "");
  EXPECT_EQ(reports.reported, -1);
}

TEST(ParseTsan, OneRaceOnAGlobal) {
  const TsanReports reports = parse_tsan(recorded_stderr("counter"));
  ASSERT_EQ(reports.races.size(), 1u);
  EXPECT_EQ(reports.warnings, 1);
  EXPECT_EQ(reports.reported, 1);
  const TsanRace& race = reports.races[0];
  EXPECT_EQ(race.variable, "counter");
  EXPECT_EQ(race.location, "global 'counter' of size 8");
  EXPECT_EQ(race.reports, 1);
  ASSERT_EQ(race.accesses.size(), 2u);
  EXPECT_EQ(race.accesses[0].kind, "read");
  EXPECT_EQ(race.accesses[0].size, 8);
  EXPECT_EQ(race.accesses[0].thread, "T2");
  EXPECT_EQ(race.accesses[1].kind, "write");
  EXPECT_EQ(race.accesses[1].thread, "T1");
  // The stacks stop at the blank line: the threads' creation stacks below are not theirs.
  const auto& stack = race.accesses[0].stack;
  ASSERT_EQ(stack.size(), 7u);
  EXPECT_EQ(stack[0].function, "work(int)");
  EXPECT_EQ(stack[0].file, "/src/tsan/counter.cpp");
  EXPECT_EQ(stack[0].line, 8);
  EXPECT_EQ(stack[0].module, "counter");
  EXPECT_EQ(stack[0].offset, "0x1245");
  // A function with spaces, templates and parentheses, read from the right.
  EXPECT_EQ(stack[1].function,
            "void std::__invoke_impl<void, void (*)(int), int>(std::__invoke_other, void (*&&)(int), int&&)");
  EXPECT_EQ(stack[1].file, "/usr/include/c++/12/bits/invoke.h");
  EXPECT_EQ(stack[1].line, 61);
  EXPECT_EQ(stack[6].function, "");
  EXPECT_EQ(stack[6].file, "");
  EXPECT_EQ(stack[6].line, 0);
  EXPECT_EQ(stack[6].module, "libstdc++.so.6");
  EXPECT_EQ(own_location(stack), "counter.cpp:8");
}

TEST(ParseTsan, MergesReportsOfTheSameTwoLines) {
  // bump() raced on `left` from one caller and on `right` from another: two reports, one pair of lines.
  const TsanReports reports = parse_tsan(recorded_stderr("several"));
  EXPECT_EQ(reports.warnings, 4);
  EXPECT_EQ(reports.reported, 4);
  ASSERT_EQ(reports.races.size(), 3u);
  EXPECT_EQ(reports.races[0].variable, "left");
  EXPECT_EQ(reports.races[0].reports, 2);
  EXPECT_EQ(own_location(reports.races[0].accesses[0].stack), "several.cpp:13");
  EXPECT_EQ(reports.races[0].accesses[0].stack[1].function, "from_left()");
  // One side under a mutex: "by thread T5 (mutexes: write M9):".
  const TsanRace& hits = reports.races[1];
  EXPECT_EQ(hits.variable, "hits");
  EXPECT_EQ(hits.reports, 1);
  ASSERT_EQ(hits.accesses.size(), 2u);
  EXPECT_EQ(hits.accesses[1].thread, "T5");
  EXPECT_EQ(hits.accesses[1].kind, "write");
  EXPECT_EQ(own_location(hits.accesses[1].stack), "several.cpp:21");
  // "Previous atomic write" against a plain read by the main thread.
  const TsanRace& ready = reports.races[2];
  EXPECT_EQ(ready.variable, "ready");
  ASSERT_EQ(ready.accesses.size(), 2u);
  EXPECT_EQ(ready.accesses[0].thread, "main thread");
  EXPECT_EQ(ready.accesses[1].kind, "atomic write");
  EXPECT_EQ(ready.accesses[1].size, 4);
}

TEST(ParseTsan, StrippedBinaryIsPlacedByModuleAndOffset) {
  const TsanReports reports = parse_tsan(recorded_stderr("stripped"));
  ASSERT_EQ(reports.races.size(), 1u);
  const TsanRace& race = reports.races[0];
  EXPECT_EQ(race.variable, "");
  EXPECT_EQ(race.location, "global at stripped+0x40a0");
  ASSERT_EQ(race.accesses.size(), 2u);
  EXPECT_EQ(race.accesses[0].stack[0].function, "");
  EXPECT_EQ(race.accesses[0].stack[0].file, "");
  EXPECT_EQ(own_location(race.accesses[0].stack), "stripped+0x1245");
  EXPECT_EQ(own_location(race.accesses[1].stack), "stripped+0x126e");
}

TEST(ParseTsan, HeapBlockHasNoVariable) {
  const TsanReports reports = parse_tsan(recorded_stderr("heap"));
  ASSERT_EQ(reports.races.size(), 1u);
  const TsanRace& race = reports.races[0];
  EXPECT_EQ(race.variable, "");
  EXPECT_EQ(race.location, "heap block of size 4");
  ASSERT_EQ(race.accesses.size(), 2u);
  EXPECT_EQ(race.accesses[0].size, 4);
  // The allocation's stack (operator new, main) follows the location, not the previous access.
  EXPECT_EQ(race.accesses[1].stack.size(), 7u);
  EXPECT_EQ(own_location(race.accesses[0].stack), "heap.cpp:8");
  EXPECT_EQ(own_location(race.accesses[1].stack), "heap.cpp:7");
}

TEST(ParseTsan, OwnLocationSkipsTsansOwnFrames) {
  // main deletes what a thread reads: the write's innermost frame is TSan's operator delete.
  const TsanReports reports = parse_tsan(recorded_stderr("delete"));
  ASSERT_EQ(reports.races.size(), 1u);
  ASSERT_EQ(reports.races[0].accesses.size(), 2u);
  const auto& write = reports.races[0].accesses[0];
  EXPECT_EQ(write.stack[0].function, "operator delete(void*, unsigned long)");
  EXPECT_EQ(write.stack[0].module, "libtsan.so.2");
  EXPECT_EQ(own_location(write.stack), "delete.cpp:11");
  EXPECT_EQ(reports.races[0].location, "");  // TSan gave none: the block was freed
}

TEST(ParseTsan, ProgramLinesOutsideAReportAreNotOne) {
  // fake.cpp prints a WARNING, an access, a frame and a SUMMARY of its own, then a lone delimiter.
  const TsanReports reports = parse_tsan(recorded_stderr("fake"));
  EXPECT_EQ(reports.warnings, 0);
  EXPECT_TRUE(reports.races.empty());
  EXPECT_TRUE(reports.other.empty());
  // The same lines inside TSan's delimiters are a report: the frame is what makes the difference.
  std::vector<std::string> framed = recorded_stderr("fake");
  framed.insert(framed.begin(), "==================");
  EXPECT_EQ(parse_tsan(framed).races.size(), 1u);
}

TEST(ParseTsan, LoneDelimiterDoesNotHideTheNextReport) {
  // stray.cpp prints "==================" itself, then races: TSan's report follows the program's delimiter.
  const TsanReports reports = parse_tsan(recorded_stderr("stray"));
  ASSERT_EQ(reports.races.size(), 1u);
  EXPECT_EQ(reports.races[0].variable, "counter");
  EXPECT_EQ(own_location(reports.races[0].accesses[0].stack), "stray.cpp:10");
}

TEST(ParseTsan, OtherKindsAreNotRaces) {
  const TsanReports reports = parse_tsan(recorded_stderr("leak"));
  EXPECT_TRUE(reports.races.empty());
  EXPECT_EQ(reports.warnings, 1);
  ASSERT_EQ(reports.other.size(), 1u);
  EXPECT_EQ(reports.other[0].title, "thread leak");
  EXPECT_EQ(reports.other[0].where, "leak.cpp:9");
}

TEST(ParseTsan, CaughtCrashIsTheProgramsNotFatal) {
  const TsanReports reports = parse_tsan(recorded_stderr("segv"));
  EXPECT_EQ(reports.fatal, "");
  ASSERT_TRUE(reports.crash);
  EXPECT_EQ(reports.crash->title, "SEGV on unknown address 0x000000000000");
  EXPECT_EQ(reports.crash->where, "segv.cpp:7");
}

TEST(ParseTsan, FatalWhenTsanCannotStart) {
  const TsanReports check_failed = parse_tsan(recorded_stderr("fatal"));  // under a 1 GiB RLIMIT_AS
  EXPECT_TRUE(check_failed.fatal.starts_with("ThreadSanitizer: CHECK failed: sanitizer_allocator_primary64.h:131 "))
      << check_failed.fatal;
  EXPECT_EQ(check_failed.warnings, 0);
  // "==16880==WARNING: Program is run with limited virtual address space" is no report; the pid goes.
  const TsanReports setrlimit = parse_tsan(recorded_stderr("fatal_setrlimit"));
  EXPECT_EQ(setrlimit.fatal, "ERROR: ThreadSanitizer setrlimit() failed 22");
  EXPECT_EQ(setrlimit.warnings, 0);
  // Forms not recorded here (a kernel's high ASLR entropy, an mmap refused), as sanitizer_common prints them.
  EXPECT_EQ(parse_tsan({"FATAL: ThreadSanitizer: unexpected memory mapping 0x7f4d9c6d1000-0x7f4d9c6f2000"}).fatal,
            "FATAL: ThreadSanitizer: unexpected memory mapping 0x7f4d9c6d1000-0x7f4d9c6f2000");
  EXPECT_EQ(parse_tsan({"==12==ERROR: ThreadSanitizer failed to allocate 0x1000 (4096) bytes of sync allocator (error "
                        "code: 12)"})
                .fatal,
            "ERROR: ThreadSanitizer failed to allocate 0x1000 (4096) bytes of sync allocator (error code: 12)");
}

TEST(ParseTsan, HandWrittenForms) {
  // Columns, a capitalised "Atomic write" under mutexes, the vptr race, a program's line inside a stack, a
  // library's header innermost, and a lock-order inversion in a program linked with -static-libtsan (TSan's frames
  // in the program's module): forms the recordings above do not have.
  const TsanReports reports = parse_tsan({
      "==================",
      "WARNING: ThreadSanitizer: data race on vptr (ctor/dtor vs virtual call) (pid=7)",
      "  Atomic write of size 8 at 0x7b0800000000 by thread T1 (mutexes: write M1, read M2):",
      "    #0 std::vector<int, std::allocator<int> >::size() const /usr/include/c++/12/bits/stl_vector.h:919:40 "
      "(c+0x11f0)",
      "    #1 Shape::~Shape() /home/me/shape.cpp:4:7 (c+0x121f)",
      "the program's own line, between TSan's",
      "    #2 main /home/me/shape.cpp:30:3 (c+0x1300)",
      "",
      "  Previous read of size 8 at 0x7b0800000000 by main thread:",
      "    #0 <null> <null> (c_stripped+0x121f)",
      "",
      "  Location is stack of thread T1.",
      "",
      "SUMMARY: ThreadSanitizer: data race on vptr (ctor/dtor vs virtual call) /home/me/shape.cpp:4:7 in Shape",
      "==================",
      "==================",
      "WARNING: ThreadSanitizer: lock-order-inversion (potential deadlock) (pid=7)",
      "  Cycle in lock order graph: M1 (0x000001) => M2 (0x000002) => M1",
      "",
      "  Mutex M2 acquired here while holding mutex M1 in main thread:",
      "    #0 pthread_mutex_lock ../../../../src/libsanitizer/tsan/tsan_interceptors_posix.cpp:1 (c+0x1)",
      "    #1 transfer(int, int) /home/me/bank.cpp:12 (c+0x1400)",
      "",
      "==================",
  });
  ASSERT_EQ(reports.races.size(), 1u);
  const TsanRace& race = reports.races[0];
  EXPECT_EQ(race.location, "stack of thread T1");
  ASSERT_EQ(race.accesses.size(), 2u);
  EXPECT_EQ(race.accesses[0].kind, "atomic write");
  EXPECT_EQ(race.accesses[0].thread, "T1");
  ASSERT_EQ(race.accesses[0].stack.size(), 3u);
  EXPECT_EQ(race.accesses[0].stack[0].function, "std::vector<int, std::allocator<int> >::size() const");
  EXPECT_EQ(race.accesses[0].stack[0].line, 919);
  EXPECT_EQ(race.accesses[0].stack[1].function, "Shape::~Shape()");
  EXPECT_EQ(race.accesses[0].stack[1].file, "/home/me/shape.cpp");
  EXPECT_EQ(race.accesses[0].stack[1].line, 4);
  EXPECT_EQ(race.accesses[0].stack[2].line, 30);
  EXPECT_EQ(own_location(race.accesses[0].stack), "shape.cpp:4");  // past the library's header
  EXPECT_EQ(race.accesses[1].thread, "main thread");
  EXPECT_EQ(own_location(race.accesses[1].stack), "c_stripped+0x121f");
  ASSERT_EQ(reports.other.size(), 1u);
  EXPECT_EQ(reports.other[0].title, "lock-order-inversion (potential deadlock)");
  EXPECT_EQ(reports.other[0].where, "bank.cpp:12");
  EXPECT_EQ(reports.warnings, 2);
}

TEST(RacesCheck, PassesWhenTsanReportsNothing) {
  const CheckResult result = races_check(recorded_run("clean"));
  EXPECT_TRUE(result.passed) << result.message;
  EXPECT_FALSE(result.cannot_judge);
  EXPECT_EQ(result.message, "ThreadSanitizer reported nothing");
  EXPECT_EQ(*result.measured, 0);
  EXPECT_EQ(result.data, nlohmann::json::parse(R"({"races": [], "other": [], "warnings": 0, "exit_code": 0})"));
}

TEST(RacesCheck, FailsNamingTheVariableAndBothAccesses) {
  const CheckResult result = races_check(recorded_run("counter"));
  EXPECT_FALSE(result.passed);
  EXPECT_FALSE(result.cannot_judge);
  EXPECT_EQ(result.message,
            "data race on `counter` (counter.cpp:8, read by thread T2) and (counter.cpp:8, write by thread T1)");
  EXPECT_EQ(result.hint, "guard the counter");
  EXPECT_EQ(*result.measured, 1);
  // The report draws this shape: exactly these keys.
  const nlohmann::json& data = result.data;
  EXPECT_EQ(data["warnings"], 1);
  EXPECT_EQ(data["exit_code"], 66);
  EXPECT_EQ(data["other"], nlohmann::json::array());
  ASSERT_EQ(data["races"].size(), 1u);
  const nlohmann::json& race = data["races"][0];
  EXPECT_EQ(race["variable"], "counter");
  EXPECT_EQ(race["location"], "global 'counter' of size 8");
  EXPECT_EQ(race["reports"], 1);
  ASSERT_EQ(race["accesses"].size(), 2u);
  nlohmann::json write = race["accesses"][1];
  EXPECT_EQ(write["stack"].size(), 7u);
  const nlohmann::json innermost = {
      {"function", "work(int)"}, {"file", "/src/tsan/counter.cpp"}, {"line", 8}, {"module", "counter"}};
  EXPECT_EQ(write["stack"][0], innermost);
  write.erase("stack");
  const nlohmann::json access = {{"kind", "write"}, {"size", 8}, {"thread", "T1"}, {"where", "counter.cpp:8"}};
  EXPECT_EQ(write, access);
  EXPECT_EQ(data.size(), 4u);
  EXPECT_EQ(race.size(), 4u);
  // The detail: both accesses with their innermost frames.
  EXPECT_NE(result.detail.find("data race on `counter` (global 'counter' of size 8):\n  read of size 8 by thread T2:\n"
                               "    #0 work(int) counter.cpp:8\n"),
            std::string::npos)
      << result.detail;
  EXPECT_NE(result.detail.find("  previous write of size 8 by thread T1:\n    #0 work(int) counter.cpp:8\n"),
            std::string::npos)
      << result.detail;
  // std::thread's templates and libstdc++ below work(int) are left out.
  EXPECT_NE(result.detail.find("    #0 work(int) counter.cpp:8\n    (6 more frames in libraries or further out)"),
            std::string::npos)
      << result.detail;
}

TEST(RacesCheck, CountsDistinctRaces) {
  const CheckResult result = races_check(recorded_run("several"));
  EXPECT_FALSE(result.passed);
  EXPECT_EQ(
      result.message,
      "data race on `left` (several.cpp:13, read by thread T2) and (several.cpp:13, write by thread T1) + 2 more");
  EXPECT_EQ(*result.measured, 3);
  EXPECT_EQ(result.data["warnings"], 4);
  EXPECT_EQ(result.data["races"][0]["reports"], 2);
  EXPECT_EQ(result.data["races"][2]["accesses"][1]["kind"], "atomic write");
  EXPECT_NE(result.detail.find("data race on `left` (global 'left' of size 8) (2 reports):"), std::string::npos)
      << result.detail;
  EXPECT_NE(result.detail.find("data race on `ready`"), std::string::npos) << result.detail;
}

TEST(RacesCheck, HeapStrippedAndUnlocatedRaces) {
  EXPECT_EQ(races_check(recorded_run("heap")).message,
            "data race on a heap block of size 4 (heap.cpp:8, read by thread T2) and (heap.cpp:7, write by thread T1)");
  EXPECT_EQ(races_check(recorded_run("stripped")).message,
            "data race on a global at stripped+0x40a0 (stripped+0x1245, read by thread T2) and (stripped+0x126e, write "
            "by thread T1)");
  EXPECT_EQ(races_check(recorded_run("delete")).message,
            "data race (delete.cpp:11, write by main thread) and (delete.cpp:18, read by thread T1)");
}

TEST(RacesCheck, StacksInDataStopAtEight) {
  std::vector<std::string> err = {"==================", "WARNING: ThreadSanitizer: data race (pid=3)",
                                  "  Write of size 4 at 0x10 by thread T1:"};
  for (int f = 0; f < 12; ++f)
    err.push_back("    #" + std::to_string(f) + " level" + std::to_string(f) +
                  "() /src/deep.cpp:" + std::to_string(100 + f) + " (deep+0x" + std::to_string(1000 + f) + ")");
  err.push_back("==================");
  const CheckResult result = races_check(run_of(err, 66));
  ASSERT_EQ(result.data["races"].size(), 1u);
  EXPECT_EQ(result.data["races"][0]["accesses"][0]["stack"].size(), 8u);
  EXPECT_EQ(result.message, "data race (deep.cpp:100, write by thread T1)");
  EXPECT_NE(result.detail.find("    #4 level4() deep.cpp:104\n    (7 more frames in libraries or further out)"),
            std::string::npos)
      << result.detail;
}

TEST(RacesCheck, ProgramsFakeReportOutsideABlockPasses) {
  const CheckResult result = races_check(recorded_run("fake"));
  EXPECT_TRUE(result.passed) << result.message;
}

TEST(RacesCheck, ReadsStderrOnly) {
  // TSan writes to stderr: the same report on stdout is the program's, and exit code 66 then says it was lost.
  parex::Run run = recorded_run("counter");
  for (auto& line : run.lines) line.stream = Stream::out;
  const CheckResult result = races_check(run);
  EXPECT_FALSE(result.passed);
  EXPECT_FALSE(result.cannot_judge);
  EXPECT_EQ(result.message, "ThreadSanitizer found something but its report was lost (exit code 66)");
  EXPECT_EQ(*result.measured, 0);
}

TEST(RacesCheck, OtherReportsAndCrashesFail) {
  const CheckResult leak = races_check(recorded_run("leak"));
  EXPECT_FALSE(leak.passed);
  EXPECT_FALSE(leak.cannot_judge);
  EXPECT_EQ(leak.message, "no data race, but ThreadSanitizer reported: thread leak at leak.cpp:9");
  EXPECT_EQ(leak.data["other"], nlohmann::json::parse(R"(["thread leak"])"));
  const CheckResult segv = races_check(recorded_run("segv"));
  EXPECT_FALSE(segv.passed);
  EXPECT_FALSE(segv.cannot_judge);
  EXPECT_EQ(segv.message,
            "the program crashed under ThreadSanitizer: SEGV on unknown address 0x000000000000 at "
            "segv.cpp:7");
}

TEST(RacesCheck, CannotJudgeWhenTsanCannotRunTheProgram) {
  const CheckResult crashed = races_check(recorded_run("fatal"));  // CHECK failed, then SIGSEGV
  EXPECT_FALSE(crashed.passed);
  EXPECT_TRUE(crashed.cannot_judge);
  EXPECT_TRUE(crashed.message.starts_with(
      "ThreadSanitizer could not run the program: ThreadSanitizer: CHECK failed: sanitizer_allocator_primary64.h:131"))
      << crashed.message;
  EXPECT_EQ(crashed.hint, "");  // not the program's fault
  // Exit code 66 there is TSan dying, not a lost report.
  const CheckResult setrlimit = races_check(recorded_run("fatal_setrlimit"));
  EXPECT_TRUE(setrlimit.cannot_judge);
  EXPECT_EQ(setrlimit.message,
            "ThreadSanitizer could not run the program: ERROR: ThreadSanitizer setrlimit() failed 22");
  EXPECT_TRUE(setrlimit.detail.starts_with("==16880==WARNING: Program is run with limited virtual address space"))
      << setrlimit.detail;
}

TEST(RacesCheck, ReportsStandBesideAFatalLine) {
  // TSan failed after it reported (the race it found is real): the race is the verdict.
  std::vector<std::string> err = recorded_stderr("counter");
  err.push_back("ThreadSanitizer: CHECK failed: tsan_rtl.cpp:123 \"((x)) != (0)\" (0x0, 0x0) (tid=1)");
  const CheckResult result = races_check(run_of(err, std::nullopt, 11));
  EXPECT_FALSE(result.passed);
  EXPECT_FALSE(result.cannot_judge) << result.message;
  EXPECT_TRUE(result.message.starts_with("data race on `counter`")) << result.message;
}

TEST(RacesCheck, FatalLineOfAProgramThatExitedZeroIsItsOwn) {
  const CheckResult result =
      races_check(run_of({"FATAL: ThreadSanitizer: unexpected memory mapping 0x7f4d9c6d1000-0x7f4d9c6f2000"}, 0));
  EXPECT_TRUE(result.passed) << result.message;
}

TEST(RacesCheck, CannotJudgeARunKilledBeforeItReported) {
  parex::Run timed_out = run_of({}, std::nullopt, 9);
  timed_out.outcome = Outcome::timeout;
  timed_out.error = "timed out after 300 s";
  CheckResult result = races_check(timed_out);
  EXPECT_TRUE(result.cannot_judge);
  EXPECT_EQ(result.message,
            "the ThreadSanitizer build timed out after 300 s before it reported anything: no verdict on data races");
  // Killed by a signal with TSan's word on stderr.
  result = races_check(run_of({"ThreadSanitizer:DEADLYSIGNAL"}, std::nullopt, 11));
  EXPECT_TRUE(result.cannot_judge);
  EXPECT_EQ(result.message, "ThreadSanitizer could not run the program: ThreadSanitizer:DEADLYSIGNAL");
  // A race reported before the kill stands.
  parex::Run raced = recorded_run("counter");
  raced.outcome = Outcome::timeout;
  raced.exit_code.reset();
  result = races_check(raced);
  EXPECT_FALSE(result.cannot_judge);
  EXPECT_EQ(*result.measured, 1);
}

TEST(RacesCheck, ExitCode66WithoutAReportFails) {
  const CheckResult result = races_check(run_of({"the program's own line"}, 66));
  EXPECT_FALSE(result.passed);
  EXPECT_FALSE(result.cannot_judge);
  EXPECT_EQ(result.message, "ThreadSanitizer found something but its report was lost (exit code 66)");
  // Another exit code is the program's own.
  EXPECT_TRUE(races_check(run_of({}, 3)).passed);
}

TEST(RacesCheck, CannotJudgeWithoutARun) {
  CheckResult result = races_check(std::nullopt);
  EXPECT_FALSE(result.passed);
  EXPECT_TRUE(result.cannot_judge);
  EXPECT_EQ(result.message, "the ThreadSanitizer build was not run");
  parex::Run missing;
  missing.outcome = Outcome::spawn_error;
  missing.error = "/bin/starter.tsan is missing: the case's build makes it for a races check (rebuild the catalog)";
  result = races_check(missing);
  EXPECT_TRUE(result.cannot_judge);
  EXPECT_EQ(result.message, "ThreadSanitizer could not run the program: " + missing.error);
}
