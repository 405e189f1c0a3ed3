#include "checks/hang_explain.hpp"

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string_view>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace parex {
namespace {

bool reads(const std::string& call) {
  static const std::set<std::string> names = {"read", "readv", "pread64", "recvfrom", "recvmsg", "poll", "ppoll"};
  return names.contains(call);
}

bool writes(const std::string& call) {
  static const std::set<std::string> names = {"write", "writev", "pwrite64", "sendto", "sendmsg"};
  return names.contains(call);
}

const HangDescriptor* descriptor(const HangProcess& process, int fd) {
  for (const auto& d : process.descriptors)
    if (d.fd == fd) return &d;
  return nullptr;
}

// The file name of the first word of a command line: "/usr/bin/mpirun -np 2" -> "mpirun".
std::string first_program(std::string_view words) {
  std::string_view program = words.substr(0, words.find(' '));
  if (auto slash = program.rfind('/'); slash != std::string_view::npos) program.remove_prefix(slash + 1);
  return std::string(program);
}

// "pid 12 (starter)", "rank 0 (pid 6, deadlock)": the pid and the program's name, for sentences.
std::string name_of(const HangProcess& process) {
  std::string program = first_program(process.command);
  if ((program.starts_with("python") || program.empty()) && process.command.find(' ') != std::string::npos) {
    std::string script = first_program(std::string_view(process.command).substr(process.command.find(' ') + 1));
    if (!script.empty() && script[0] != '-') program = script;
  }
  if (process.rank)
    return program.empty() ? fmt::format("rank {} (pid {})", *process.rank, process.pid)
                           : fmt::format("rank {} (pid {}, {})", *process.rank, process.pid, program);
  return program.empty() ? fmt::format("pid {}", process.pid) : fmt::format("pid {} ({})", process.pid, program);
}

// MPI ranks (docs/process-control.md, "When a run hangs"). A rank waiting in a blocking call is running: MPI polls
// for its messages in user space (Open MPI's opal_progress), so the kernel shows no call and no wait-for edge; its
// stack shows the MPI call, and the learner's line below it.

// The launchers that start ranks and wait for them: none of their waits is the learner's.
bool launcher_program(const std::string& command) {
  static const std::set<std::string> names = {"mpirun",         "mpiexec",         "orterun",       "prterun",
                                              "mpirun.openmpi", "mpiexec.openmpi", "mpiexec.hydra", "mpirun.mpich",
                                              "mpiexec.mpich",  "hydra_pmi_proxy", "orted",         "prted"};
  return names.contains(first_program(command));
}

// The MPI call a stack is in: its outermost frame in a shared library named MPI_* or PMPI_* (Open MPI exports
// each call as PMPI_*, with MPI_* a weak alias of it), named MPI_*; "" when it is in none.
std::string mpi_call_in(const std::vector<HangFrame>& stack) {
  std::string call;
  for (const auto& frame : stack) {  // innermost first: the last one found is the call the learner's code made
    if (frame.module.find(".so") == std::string::npos) continue;
    std::string_view name = frame.function;
    name = name.substr(0, name.find('@'));  // a versioned symbol's "@@VERSION"
    if (name.starts_with("PMPI_")) name.remove_prefix(1);
    if (name.starts_with("MPI_")) call = std::string(name);
  }
  return call;
}

// Whether an MPI call returns at once (a test, a probe that does not wait, a nonblocking start such as MPI_Isend):
// a rank found in one was polling in a loop, not waiting in the call.
bool returns_at_once(const std::string& call) {
  static const std::set<std::string> polls = {"MPI_Test",     "MPI_Testall", "MPI_Testany",
                                              "MPI_Testsome", "MPI_Iprobe",  "MPI_Improbe",
                                              "MPI_Wtime",    "MPI_Wtick",   "MPI_Request_get_status"};
  if (polls.contains(call)) return true;
  // MPI_Isend, MPI_Irecv, MPI_Ibarrier, MPI_Iallreduce...; not MPI_Init, MPI_Info_*, MPI_Intercomm_*,
  // MPI_Is_thread_main
  return call.size() > 5 && call.starts_with("MPI_I") && std::islower(static_cast<unsigned char>(call[5])) &&
         (call[5] != 'n' || call.starts_with("MPI_Ineighbor")) && !call.starts_with("MPI_Is_");
}

bool waits_in_mpi(const HangProcess& process) {
  return !process.mpi_call.empty() && !returns_at_once(process.mpi_call);
}

bool is_rank(const HangProcess& process) { return !process.launcher && (process.rank || !process.mpi_call.empty()); }

// Each process's MPI call, and which processes are launchers: a launcher's name, or the parent of a rank that is no
// rank itself.
void find_mpi_roles(Hang& hang) {
  for (auto& p : hang.processes) p.mpi_call = mpi_call_in(p.stack);
  for (auto& p : hang.processes)
    p.launcher = !p.rank && p.mpi_call.empty() &&
                 (launcher_program(p.command) ||
                  std::any_of(hang.processes.begin(), hang.processes.end(),
                              [&](const HangProcess& q) { return q.rank && q.ppid == p.pid && q.pid != p.pid; }));
}

// "rank 0 in MPI_Recv at deadlock.cpp:12", for a list of ranks.
std::string rank_in_call(const HangProcess& p) {
  std::string who = p.rank ? fmt::format("rank {}", *p.rank) : fmt::format("pid {}", p.pid);
  std::string line = p.where.substr(0, p.where.find(" in "));
  return fmt::format("{} in {}{}", who, p.mpi_call, line.empty() ? "" : " at " + line);
}

// What the ranks' MPI calls say: every rank waiting in one is a deadlock between ranks (the kernel cannot show
// which rank waits for which: no cycle is claimed); some waiting while others are elsewhere, a call never matched.
std::optional<std::string> explain_ranks(const Hang& hang) {
  std::vector<const HangProcess*> ranks, waiting, elsewhere;
  for (const auto& p : hang.processes)
    if (is_rank(p)) ranks.push_back(&p);
  std::stable_sort(ranks.begin(), ranks.end(),
                   [](const auto* a, const auto* b) { return a->rank.value_or(1 << 30) < b->rank.value_or(1 << 30); });
  for (const auto* p : ranks) (waits_in_mpi(*p) ? waiting : elsewhere).push_back(p);
  if (waiting.empty()) return std::nullopt;
  std::vector<std::string> calls;
  for (const auto* p : waiting) calls.push_back(rank_in_call(*p));
  if (!elsewhere.empty()) {
    std::vector<std::string> others;
    for (const auto* p : elsewhere)
      others.push_back(p->rank ? fmt::format("rank {}", *p->rank) : fmt::format("pid {}", p->pid));
    return fmt::format(
        "{} {} in an MPI call, while {} {} not in a blocking one (above): a blocked call waits for a rank that never "
        "reaches the matching send, receive or collective",
        fmt::join(calls, ", "), waiting.size() == 1 ? "waits" : "wait", fmt::join(others, ", "),
        others.size() == 1 ? "is" : "are");
  }
  const auto all_of_these = [&](std::initializer_list<std::string_view> names) {
    return std::all_of(waiting.begin(), waiting.end(), [&](const auto* p) {
      return std::find(names.begin(), names.end(), p->mpi_call) != names.end();
    });
  };
  std::string hint =
      all_of_these({"MPI_Recv", "MPI_Probe", "MPI_Mprobe"})
          ? "each receives before it sends, so no rank ever sends: let one rank send first, or exchange with "
            "MPI_Sendrecv"
      : all_of_these({"MPI_Send", "MPI_Ssend"})
          ? "each sends before it receives, and a send may wait for its matching receive (a large message always "
            "does): let one rank receive first, or exchange with MPI_Sendrecv"
          : "each waits for a message or a collective that no other rank sends or joins: check that every send has a "
            "receive of the same source, tag and communicator, and that every rank reaches each collective";
  return fmt::format(
      "every rank waits in an MPI call ({}) and none returned before the timeout: a deadlock between "
      "ranks; {}",
      fmt::join(calls, ", "), hint);
}

}  // namespace

void explain_hang(Hang& hang) {
  hang.edges.clear();
  hang.cycle.clear();
  hang.explanation.clear();
  find_mpi_roles(hang);
  std::map<int, const HangProcess*> by_pid;
  for (const auto& p : hang.processes) by_pid[p.pid] = &p;
  auto holding = [&](const std::string& object, bool write_end) {
    std::vector<const HangProcess*> out;
    for (const auto& q : hang.processes)
      for (const auto& d : q.descriptors)
        if (d.object == object && (d.end == 'b' || (d.end == 'w') == write_end)) {
          out.push_back(&q);
          break;
        }
    return out;
  };

  std::vector<std::string> missing_close;
  for (const auto& p : hang.processes) {
    if (p.launcher) continue;  // it polls its own pipes and its ranks' output by design
    if (p.wait_for) {
      for (const auto& q : hang.processes)
        if ((*p.wait_for > 0 && q.pid == *p.wait_for) || (*p.wait_for < 0 && q.ppid == p.pid))
          hang.edges.push_back({p.pid, q.pid, fmt::format("{} for pid {} to exit", p.syscall, q.pid)});
      continue;
    }
    const bool in = reads(p.syscall), out = writes(p.syscall);
    if (!in && !out) continue;
    for (int fd : p.fds) {
      const HangDescriptor* d = descriptor(p, fd);
      if (!d) continue;
      if (d->object.starts_with("socket:")) {  // a socketpair: the other end has its own inode, found by sock_diag
        if (d->peer.empty()) continue;
        std::vector<const HangProcess*> others;
        for (const auto& q : hang.processes)
          if (std::any_of(q.descriptors.begin(), q.descriptors.end(),
                          [&](const auto& e) { return e.object == d->peer; }))
            others.push_back(&q);
        for (const auto* q : others)
          if (q->pid != p.pid)
            hang.edges.push_back({p.pid, q->pid,
                                  fmt::format("{} on {}, whose other end {} pid {} holds",
                                              in ? p.syscall : "write to the full", d->object, d->peer, q->pid)});
        if (in && !others.empty() &&
            std::all_of(others.begin(), others.end(), [&](const auto* q) { return q->pid == p.pid; }))
          missing_close.push_back(
              fmt::format("{} reads {} but holds its other end ({}) itself, and no other process "
                          "does: nothing will ever arrive",
                          name_of(p), d->object, d->peer));
        continue;
      }
      auto others = holding(d->object, in);  // a reader waits for writers; a writer, on a full pipe, for readers
      for (const auto* q : others) {
        if (q->pid == p.pid) continue;
        hang.edges.push_back(
            {p.pid, q->pid,
             in ? fmt::format("{} on {}, whose write end pid {} holds", p.syscall, d->object, q->pid)
                : fmt::format("write to the full {}, whose read end pid {} holds", d->object, q->pid)});
      }
      if (in) {
        const HangDescriptor* own = nullptr;
        for (const auto& e : p.descriptors)
          if (e.object == d->object && e.end != 'r') own = &e;
        if (own && std::all_of(others.begin(), others.end(), [&](const auto* q) { return q->pid == p.pid; }))
          missing_close.push_back(fmt::format(
              "{} reads {} but holds a write end of it itself (fd {}): a read sees the end of a pipe only when every "
              "write end is closed, its own included. Close the ends a process does not use, right after fork.",
              name_of(p), d->object, own->fd));
        else if (others.empty())
          missing_close.push_back(fmt::format(
              "{} reads {}, and no process holds its write end: nothing will ever arrive", name_of(p), d->object));
      }
    }
  }

  // A cycle, found from the processes in their order (the main process first).
  std::map<int, std::vector<const HangEdge*>> out_of;
  for (const auto& e : hang.edges) out_of[e.from].push_back(&e);
  std::map<int, int> colour;  // 0 new, 1 on the path, 2 done
  std::vector<const HangEdge*> path, cycle;
  std::function<bool(int)> visit = [&](int pid) {
    colour[pid] = 1;
    for (const auto* e : out_of[pid]) {
      path.push_back(e);
      if (colour[e->to] == 1) {
        auto start = std::find_if(path.begin(), path.end(), [&](const HangEdge* x) { return x->from == e->to; });
        cycle.assign(start, path.end());
        return true;
      }
      if (colour[e->to] == 0 && visit(e->to)) return true;
      path.pop_back();
    }
    colour[pid] = 2;
    return false;
  };
  for (const auto& p : hang.processes)
    if (colour[p.pid] == 0 && visit(p.pid)) break;

  if (!cycle.empty()) {
    std::vector<std::string> steps;
    for (const auto* e : cycle) {
      hang.cycle.push_back(e->from);
      steps.push_back(fmt::format("{} waits in {}", name_of(*by_pid[e->from]), e->why));
    }
    hang.explanation.push_back(
        fmt::format("deadlock, a wait-for cycle: {}; none of them can go on", fmt::join(steps, "; ")));
  }
  for (auto& line : missing_close) hang.explanation.push_back(std::move(line));
  if (auto ranks = explain_ranks(hang)) hang.explanation.push_back(std::move(*ranks));
  for (const auto& p : hang.processes)
    if (p.state == 'R' && p.syscall.empty() && !p.launcher && p.mpi_call.empty())
      hang.explanation.push_back(fmt::format(
          "{} was running, not waiting, {}: a loop that waits for a change no one makes? A variable another process "
          "sets changes in that process's copy only: processes share no memory",
          name_of(p), p.where.empty() ? "in code without line information" : "at " + p.where));
  const bool launchers_only = !hang.processes.empty() && std::all_of(hang.processes.begin(), hang.processes.end(),
                                                                     [](const auto& p) { return p.launcher; });
  if (hang.explanation.empty() && launchers_only)
    hang.explanation.push_back(
        "only the MPI launcher was there: it had started no rank by the timeout (it could not start them, or "
        "took longer than the timeout)");
  else if (hang.explanation.empty() && !hang.processes.empty())
    hang.explanation.push_back(hang.edges.empty()
                                   ? "every process was waiting, and none of them for another process of the run"
                                   : "no wait-for cycle the kernel shows (a lock or a thread may close one): each "
                                     "process waits for something the others never do; follow the waits above");
}

std::vector<std::string> describe_processes(const Hang& hang) {
  std::vector<const HangProcess*> ordered;  // as captured (the main process first), then the ranks by number
  for (const auto& p : hang.processes) ordered.push_back(&p);
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const auto* a, const auto* b) { return a->rank.value_or(-1) < b->rank.value_or(-1); });
  std::vector<std::string> out;
  for (const auto* process : ordered) {
    const HangProcess& p = *process;
    std::string doing;
    if (p.launcher) {
      const auto ranks = std::count_if(hang.processes.begin(), hang.processes.end(),
                                       [&](const HangProcess& q) { return is_rank(q) && q.ppid == p.pid; });
      doing = ranks
                  ? fmt::format("is the MPI launcher: it waits for its {} rank{} to end", ranks, ranks == 1 ? "" : "s")
                  : "is the MPI launcher: it waits for its ranks to end";
    } else if (!p.mpi_call.empty())
      doing = returns_at_once(p.mpi_call) ? fmt::format("was running, in {}", p.mpi_call)
                                          : fmt::format("waits in {}", p.mpi_call);
    else if (!p.syscall.empty())
      doing = fmt::format("waits in {}", p.call.empty() ? p.syscall : p.call);
    else if (p.state == 'R')
      doing = "was running";
    else if (p.state == 'T' || p.state == 't')
      doing = "was stopped";
    else
      doing = fmt::format("was in state {}", p.state);
    out.push_back(fmt::format("{} {}{}", name_of(p), doing, p.where.empty() ? "" : " at " + p.where));
  }
  return out;
}

}  // namespace parex
