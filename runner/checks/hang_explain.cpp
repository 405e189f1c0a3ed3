#include "checks/hang_explain.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <set>

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

// "pid 12 (starter)": the pid and the program's name, for sentences.
std::string name_of(const HangProcess& process) {
  std::string program = process.command.substr(0, process.command.find(' '));
  if (auto slash = program.rfind('/'); slash != std::string::npos) program = program.substr(slash + 1);
  if ((program.starts_with("python") || program.empty()) && process.command.find(' ') != std::string::npos) {
    std::string script = process.command.substr(process.command.find(' ') + 1);
    script = script.substr(0, script.find(' '));
    if (auto slash = script.rfind('/'); slash != std::string::npos) script = script.substr(slash + 1);
    if (!script.empty() && script[0] != '-') program = script;
  }
  return program.empty() ? fmt::format("pid {}", process.pid) : fmt::format("pid {} ({})", process.pid, program);
}

}  // namespace

void explain_hang(Hang& hang) {
  hang.edges.clear();
  hang.cycle.clear();
  hang.explanation.clear();
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
  for (const auto& p : hang.processes)
    if (p.state == 'R' && p.syscall.empty())
      hang.explanation.push_back(fmt::format(
          "{} was running, not waiting, {}: a loop that waits for a change no one makes? A variable another process "
          "sets changes in that process's copy only: processes share no memory",
          name_of(p), p.where.empty() ? "in code without line information" : "at " + p.where));
  if (hang.explanation.empty() && !hang.processes.empty())
    hang.explanation.push_back(hang.edges.empty()
                                   ? "every process was waiting, and none of them for another process of the run"
                                   : "no wait-for cycle the kernel shows (a lock or a thread may close one): each "
                                     "process waits for something the others never do; follow the waits above");
}

std::vector<std::string> describe_processes(const Hang& hang) {
  std::vector<std::string> out;
  for (const auto& p : hang.processes) {
    std::string doing;
    if (!p.syscall.empty())
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
