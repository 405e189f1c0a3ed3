// explain_hang: the wait-for graph over captured processes (pure: no processes are started here).
#include "hang.hpp"

#include <gtest/gtest.h>

namespace parex {
namespace {

HangProcess process(int pid, int ppid, std::string syscall, std::vector<int> fds, std::vector<HangDescriptor> descriptors) {
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
  hang.processes = {waiting(2, 0, 3), process(3, 2, "read", {3}, {{3, "pipe:[10]", 'r', ""}, {4, "pipe:[10]", 'w', ""}})};
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
  hang.processes = {waiting(2, 0, 3, {{3, "pipe:[10]", 'r', ""}}), process(3, 2, "write", {4}, {{4, "pipe:[10]", 'w', ""}})};
  explain_hang(hang);
  EXPECT_EQ(hang.cycle, (std::vector<int>{2, 3}));
  EXPECT_NE(hang.edges[1].why.find("full pipe:[10]"), std::string::npos);
}

TEST(Hang, ASocketpairsOtherEndIsFoundByItsPeer) {
  Hang hang;  // the parent polls its end of a socketpair; the worker holds the other end and reads a pipe the parent writes
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

}  // namespace
}  // namespace parex
