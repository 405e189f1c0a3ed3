// explain_hang: the wait-for graph over captured processes (pure: no processes are started here).
#include "checks/hang_explain.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "spawn/hang_capture.hpp"

namespace parex {
namespace {

HangProcess process(int pid, int ppid, std::string syscall, std::vector<int> fds,
                    std::vector<HangDescriptor> descriptors) {
  HangProcess p;
  p.pid = pid;
  p.ppid = ppid;
  p.command = "./starter";
  p.state = syscall.empty() ? 'R' : 'S';
  p.syscall = std::move(syscall);
  p.fds = std::move(fds);
  p.descriptors = std::move(descriptors);
  return p;
}

HangProcess waiting(int pid, int ppid, int for_pid, std::vector<HangDescriptor> descriptors = {}) {
  HangProcess p = process(pid, ppid, "wait4", {}, std::move(descriptors));
  p.wait_for = for_pid;
  return p;
}

bool mentions(const Hang& hang, std::string_view text) {
  for (const auto& line : hang.explanation)
    if (line.find(text) != std::string::npos) return true;
  return false;
}

TEST(Hang, AReaderHoldingTheOnlyWriteEndIsAMissingClose) {
  Hang hang;
  hang.processes = {waiting(2, 0, 3),
                    process(3, 2, "read", {3}, {{3, "pipe:[10]", 'r', ""}, {4, "pipe:[10]", 'w', ""}})};
  explain_hang(hang);
  ASSERT_EQ(hang.edges.size(), 1u);
  EXPECT_EQ(hang.edges[0].from, 2);
  EXPECT_EQ(hang.edges[0].to, 3);
  EXPECT_TRUE(hang.cycle.empty());
  EXPECT_TRUE(mentions(hang, "holds a write end of it itself (fd 4)")) << hang.explanation.front();
}

TEST(Hang, AWriteEndHeldElsewhereIsNoMissingClose) {
  Hang hang;  // the parent still holds a write end: the reader waits for it, its own end is not the cause
  hang.processes = {process(2, 0, "futex", {}, {{4, "pipe:[10]", 'w', ""}}),
                    process(3, 2, "read", {3}, {{3, "pipe:[10]", 'r', ""}, {4, "pipe:[10]", 'w', ""}})};
  explain_hang(hang);
  ASSERT_EQ(hang.edges.size(), 1u);
  EXPECT_EQ(hang.edges[0].to, 2);
  EXPECT_FALSE(mentions(hang, "itself"));
}

TEST(Hang, TwoReadersOfEachOtherAreACycle) {
  Hang hang;
  hang.processes = {process(2, 0, "read", {5}, {{5, "pipe:[11]", 'r', ""}, {4, "pipe:[10]", 'w', ""}}),
                    process(3, 2, "read", {3}, {{3, "pipe:[10]", 'r', ""}, {6, "pipe:[11]", 'w', ""}})};
  explain_hang(hang);
  EXPECT_EQ(hang.cycle, (std::vector<int>{2, 3}));
  EXPECT_TRUE(mentions(hang, "deadlock, a wait-for cycle"));
}

TEST(Hang, AParentWaitingForAWriterOnAFullPipeIsACycle) {
  Hang hang;
  hang.processes = {waiting(2, 0, 3, {{3, "pipe:[10]", 'r', ""}}),
                    process(3, 2, "write", {4}, {{4, "pipe:[10]", 'w', ""}})};
  explain_hang(hang);
  EXPECT_EQ(hang.cycle, (std::vector<int>{2, 3}));
  EXPECT_NE(hang.edges[1].why.find("full pipe:[10]"), std::string::npos);
}

TEST(Hang, ASocketpairsOtherEndIsFoundByItsPeer) {
  Hang hang;  // the parent polls its end of a socketpair; the worker holds the other end and reads a pipe the parent
              // writes
  hang.processes = {process(2, 0, "poll", {5}, {{5, "socket:[20]", 'b', "socket:[21]"}, {4, "pipe:[10]", 'w', ""}}),
                    process(3, 2, "read", {3}, {{3, "pipe:[10]", 'r', ""}, {6, "socket:[21]", 'b', "socket:[20]"}})};
  explain_hang(hang);
  EXPECT_EQ(hang.cycle, (std::vector<int>{2, 3}));
  ASSERT_FALSE(hang.edges.empty());
  EXPECT_NE(hang.edges[0].why.find("poll on socket:[20], whose other end socket:[21] pid 3 holds"), std::string::npos)
      << hang.edges[0].why;
}

TEST(Hang, ASocketWithoutAKnownPeerAddsNoEdge) {
  Hang hang;  // sock_diag could not be asked (no peer): nothing is guessed
  hang.processes = {process(2, 0, "read", {5}, {{5, "socket:[20]", 'b', ""}}),
                    process(3, 2, "read", {6}, {{6, "socket:[21]", 'b', ""}})};
  explain_hang(hang);
  EXPECT_TRUE(hang.edges.empty());
}

TEST(Hang, WaitingForAnyChildWaitsForEachChild) {
  Hang hang;
  hang.processes = {waiting(2, 0, -1), process(3, 2, "read", {3}, {{3, "pipe:[10]", 'r', ""}}),
                    process(4, 2, "read", {3}, {{3, "pipe:[12]", 'r', ""}})};
  explain_hang(hang);
  ASSERT_EQ(hang.edges.size(), 2u);
  EXPECT_TRUE(mentions(hang, "no process holds its write end"));
}

TEST(Hang, ARunningProcessIsASpinningLoop) {
  Hang hang;
  HangProcess spinning = process(2, 0, "", {}, {});
  spinning.where = "spin.cpp:14 in main";
  hang.processes = {spinning};
  explain_hang(hang);
  EXPECT_TRUE(mentions(hang, "was running, not waiting, at spin.cpp:14 in main"));
  EXPECT_EQ(describe_processes(hang).front(), "pid 2 (starter) was running at spin.cpp:14 in main");
}

TEST(Hang, ProcessesWaitingOnNothingOfTheRunAreSaidSo) {
  Hang hang;
  hang.processes = {process(2, 0, "clock_nanosleep", {}, {})};
  explain_hang(hang);
  EXPECT_TRUE(hang.edges.empty());
  EXPECT_TRUE(mentions(hang, "none of them for another process of the run"));
}

// where_in: which captured frame is the learner's line (pure: frames as libdw gives them, innermost first).
using spawn::where_in;

const std::string kProgram = "/build/hang-bin/hang/spin_global";
const std::string kLibc = "/usr/lib/x86_64-linux-gnu/libc.so.6";
const std::vector<std::filesystem::path> kRoots = {"/src/cases/hang", "/src/cases"};

std::vector<HangFrame> libc_start() {
  return {{"__libc_start_call_main", "../sysdeps/nptl/libc_start_call_main.h", 58, kLibc},
          {"__libc_start_main@@GLIBC_2.34", "../csu/libc-start.c", 360, kLibc}};
}

std::vector<HangFrame> with_libc_start(std::vector<HangFrame> own) {
  for (auto& frame : libc_start()) own.push_back(frame);
  return own;
}

TEST(HangWhere, ASpinStoppedInsideAnInlinedAtomicNamesTheLoopsLine) {
  // The spin loop's load is std::atomic's, inlined twice into main: each inlined level is a frame at its call site.
  auto stack =
      with_libc_start({{"std::__atomic_base<bool>::load", "/usr/include/c++/12/bits/atomic_base.h", 488, kProgram},
                       {"std::atomic<bool>::operator bool", "/usr/include/c++/12/atomic", 87, kProgram},
                       {"main", "/src/cases/hang/spin_global.cpp", 14, kProgram}});
  EXPECT_EQ(where_in(stack, kProgram, kRoots), "spin_global.cpp:14 in main");
}

TEST(HangWhere, TheCLibrarysFramesAreNeverTheProgramsOwnLine) {
  // The stack the old scope walk gave (the call site of operator bool missing), with the C library's debug info.
  auto stack =
      with_libc_start({{"std::__atomic_base<bool>::load", "/usr/include/c++/12/bits/atomic_base.h", 488, kProgram},
                       {"main", "/usr/include/c++/12/atomic", 87, kProgram}});
  EXPECT_EQ(where_in(stack, kProgram, kRoots), "");
  // A library's frame whose file even looks like the case's is not the program's: its module says so.
  auto foreign = with_libc_start({{"helper", "/src/cases/hang/spin_global.cpp", 9, "/src/cases/hang/libhelper.so"}});
  EXPECT_EQ(where_in(foreign, kProgram, kRoots), "");
}

TEST(HangWhere, AStackWhoseOnlyOwnFrameIsInACaseHeaderNamesTheHeader) {
  // pool_bench's work lives in a sibling case's header; the pool and main are parex's support headers.
  auto stack = with_libc_start({{"do_work(long)", "/src/cases/pool_bench/../pool_map/work.hpp", 21, kProgram},
                                {"parex::Pool::map", "/src/cases/support/parex/pool.hpp", 140, kProgram},
                                {"main", "/src/cases/support/parex/benchmark_main.hpp", 3, kProgram}});
  EXPECT_EQ(where_in(stack, kProgram, {"/src/cases/pool_bench", "/src/cases"}), "work.hpp:21 in do_work(long)");
  // Without the catalog folder among the roots, the sibling's header is not the case's.
  EXPECT_EQ(where_in(stack, kProgram, {"/src/cases/pool_bench"}), "");
}

TEST(HangWhere, ASourceFilesLineComesBeforeACaseHeadersInlinedIntoIt) {
  auto stack = with_libc_start({{"ping_pong::receive", "/src/cases/hang/ping_pong.hpp", 30, kProgram},
                                {"main", "/src/cases/hang/starter.cpp", 17, kProgram}});
  EXPECT_EQ(where_in(stack, kProgram, kRoots), "starter.cpp:17 in main");
}

TEST(HangWhere, AStackWithNoOwnFrameHasNoWhere) {
  EXPECT_EQ(where_in(libc_start(), kProgram, kRoots), "");
  EXPECT_EQ(where_in({}, kProgram, kRoots), "");
  // A file of the program's module outside the case's folders (a vendored library) is not the learner's line.
  auto vendored = with_libc_start({{"vendor::spin", "/opt/vendor/spin.cpp", 5, kProgram}});
  EXPECT_EQ(where_in(vendored, kProgram, kRoots), "");
  EXPECT_EQ(where_in(vendored, kProgram, {}), "spin.cpp:5 in vendor::spin");  // no roots: any file not a library's
}

// MPI ranks: a rank waiting in a blocking call polls in user space (Open MPI's opal_progress), so the kernel shows
// it running; its stack shows the call. The stacks are as libdw gave them for tests/hang/mpi/deadlock.cpp.
const std::string kRankProgram = "/tmp/work/mpi/deadlock";

std::vector<HangFrame> in_mpi(std::string call, int line, std::string program = kRankProgram) {
  const std::string lib = "/usr/lib/x86_64-linux-gnu/openmpi/lib/";
  return {{"??", "", 0, lib + "openmpi3/mca_btl_vader.so"},
          {"opal_progress", "", 0, lib + "libopen-pal.so.40.30.2"},
          {"mca_pml_ob1_recv", "", 0, lib + "openmpi3/mca_pml_ob1.so"},
          {std::move(call), "", 0, lib + "libmpi.so.40.30.4"},
          {"main", "/src/tests/hang/mpi/deadlock.cpp", line, std::move(program)},
          {"__libc_start_main", "", 0, "/usr/lib/x86_64-linux-gnu/libc.so.6"}};
}

HangProcess rank(int pid, std::optional<int> number, std::string call, int line) {
  HangProcess p = process(pid, 2, "", {}, {});
  p.command = "./deadlock";
  p.rank = number;
  p.stack = in_mpi(std::move(call), line);
  p.where = fmt::format("deadlock.cpp:{} in main", line);
  return p;
}

// mpirun polls its own wakeup pipes (it holds both ends) and its ranks' output: none of it is the learner's.
HangProcess mpirun() {
  HangProcess p =
      process(2, 0, "poll", {3, 9}, {{3, "pipe:[30]", 'r', ""}, {4, "pipe:[30]", 'w', ""}, {9, "pipe:[31]", 'r', ""}});
  p.command = "/usr/bin/mpirun --oversubscribe --bind-to none --tag-output -np 2 ./deadlock";
  return p;
}

TEST(HangMpi, TwoRanksInABlockingReceiveAreADeadlockBetweenRanks) {
  Hang hang;
  hang.processes = {mpirun(), rank(7, 1, "PMPI_Recv", 12), rank(6, 0, "PMPI_Recv", 12)};
  hang.processes[1].descriptors = {{1, "pipe:[31]", 'w', ""}};  // its output, which mpirun reads
  explain_hang(hang);
  EXPECT_EQ(hang.processes[1].mpi_call, "MPI_Recv");  // Open MPI's PMPI_ name, as the learner wrote it
  EXPECT_TRUE(hang.processes[0].launcher);
  EXPECT_TRUE(hang.edges.empty());  // the launcher's waits are no learner's; MPI's polling shows the kernel none
  EXPECT_TRUE(hang.cycle.empty());
  ASSERT_EQ(hang.explanation.size(), 1u);
  EXPECT_EQ(hang.explanation[0],
            "every rank waits in an MPI call (rank 0 in MPI_Recv at deadlock.cpp:12, rank 1 in MPI_Recv at "
            "deadlock.cpp:12) and none returned before the timeout: a deadlock between ranks; each receives before it "
            "sends, so no rank ever sends: let one rank send first, or exchange with MPI_Sendrecv");
  EXPECT_EQ(describe_processes(hang),
            (std::vector<std::string>{"pid 2 (mpirun) is the MPI launcher: it waits for its 2 ranks to end",
                                      "rank 0 (pid 6, deadlock) waits in MPI_Recv at deadlock.cpp:12 in main",
                                      "rank 1 (pid 7, deadlock) waits in MPI_Recv at deadlock.cpp:12 in main"}));
}

TEST(HangMpi, RanksInDifferentCallsWaitForAMessageOrACollectiveNoOneSends) {
  Hang hang;  // no rank number in their environments (another MPI): named by pid, ordered as captured
  hang.processes = {mpirun(), rank(6, std::nullopt, "MPI_Barrier", 9), rank(7, std::nullopt, "PMPI_Send", 14)};
  explain_hang(hang);
  EXPECT_TRUE(mentions(hang,
                       "every rank waits in an MPI call (pid 6 in MPI_Barrier at deadlock.cpp:9, pid 7 in "
                       "MPI_Send at deadlock.cpp:14)"));
  EXPECT_TRUE(mentions(hang, "every rank reaches each collective"));
  EXPECT_EQ(describe_processes(hang)[1], "pid 6 (deadlock) waits in MPI_Barrier at deadlock.cpp:9 in main");
}

TEST(HangMpi, ARankOutsideMPIIsWhatTheOthersWaitFor) {
  Hang hang;
  HangProcess spinning = rank(7, 1, "", 20);
  spinning.stack = with_libc_start({{"main", "/src/tests/hang/mpi/deadlock.cpp", 20, kRankProgram}});
  hang.processes = {mpirun(), rank(6, 0, "PMPI_Recv", 12), spinning};
  explain_hang(hang);
  EXPECT_FALSE(mentions(hang, "every rank"));
  EXPECT_TRUE(mentions(hang,
                       "rank 0 in MPI_Recv at deadlock.cpp:12 waits in an MPI call, while rank 1 is not in a "
                       "blocking one"));
  EXPECT_TRUE(mentions(hang, "rank 1 (pid 7, deadlock) was running, not waiting, at deadlock.cpp:20 in main"));
  EXPECT_FALSE(mentions(hang, "rank 0 (pid 6, deadlock) was running"));  // a rank in MPI_Recv is no spinning loop
}

TEST(HangMpi, ACallThatReturnsAtOnceIsPollingNotWaiting) {
  Hang hang;
  hang.processes = {mpirun(), rank(6, 0, "PMPI_Test", 12), rank(7, 1, "PMPI_Recv", 15)};
  explain_hang(hang);
  EXPECT_EQ(hang.processes[1].mpi_call, "MPI_Test");
  EXPECT_EQ(describe_processes(hang)[1],
            "rank 0 (pid 6, deadlock) was running, in MPI_Test at deadlock.cpp:12 in main");
  EXPECT_TRUE(mentions(hang, "rank 1 in MPI_Recv at deadlock.cpp:15 waits in an MPI call, while rank 0 is not"));
}

TEST(HangMpi, ALauncherAloneHadStartedNoRank) {
  Hang hang;
  hang.processes = {mpirun()};
  explain_hang(hang);
  EXPECT_TRUE(mentions(hang, "only the MPI launcher was there: it had started no rank by the timeout"));
  EXPECT_FALSE(mentions(hang, "holds a write end of it itself"));
}

TEST(HangMpi, OnlyAnMpiLibrarysFrameIsAnMpiCall) {
  Hang hang;  // a learner's own function named MPI_like, in the program: not MPI's; and no launcher without ranks
  HangProcess own = process(2, 0, "", {}, {});
  own.stack = with_libc_start({{"MPI_exchange", "/src/tests/hang/mpi/deadlock.cpp", 5, kRankProgram}});
  own.where = "deadlock.cpp:5 in MPI_exchange";
  hang.processes = {own};
  explain_hang(hang);
  EXPECT_EQ(hang.processes[0].mpi_call, "");
  EXPECT_FALSE(hang.processes[0].launcher);
  EXPECT_TRUE(mentions(hang, "was running, not waiting"));
}

}  // namespace
}  // namespace parex
