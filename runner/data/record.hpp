// What one run of one variant produced: the measuring layer's output, the checks' input.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parex {

// What a run asks for, as case.toml says it: how its output is captured, what it is expected to do, its limits.
enum class Capture { pipe, pty };
enum class Expect { pass, fail };

struct Limits {
  int max_processes = 64;
  long long max_output_bytes = 8LL << 20;
  int memory_mb = 1024;
};

std::string_view to_string(Capture capture);
std::string_view to_string(Expect expect);

enum class Stream { out, err };

// One captured output line, timed on arrival relative to the run's start.
struct Line {
  double t_s = 0;
  Stream stream = Stream::out;
  std::string text;
  std::optional<int> rank;  // an MPI run's line: the rank that printed it, as mpirun tagged it
};

// One probe record: a value some process of the run reported (see cases/support/parex/probe.hpp).
struct ProbeRecord {
  double t_s = 0;
  int pid = 0;  // the writer's process id, as it saw it (its pid namespace's)
  int tid = 0;  // the writer's thread id when it sent one (a thread of the main process has pid == main)
  std::string name;
  std::string value;
  int host_pid = 0;       // the sender's pid as the kernel attributed it, in the runner's view; 0: as pid
  double arrived_s = -1;  // when the runner received it, on the run's clock (t_s is the writer's word); -1: unknown
};

// When a record was sent, as far as the runner can vouch for it: its arrival, else the time it names.
inline double vouched_time(const ProbeRecord& record) { return record.arrived_s >= 0 ? record.arrived_s : record.t_s; }

// How a run ended; a closed set, the first that applies wins (limits before exit status).
enum class Outcome {
  ok,              // exited with code 0
  exit_nonzero,    // exited with another code
  signal,          // killed by a signal it did not get from us
  timeout,         // killed by the runner at the timeout
  output_limit,    // killed by the runner: max_output_bytes exceeded
  process_limit,   // killed by the runner: max_processes exceeded
  memory_limit,    // killed or starved by memory_mb
  spawn_error,     // could not be started at all
  runner_stopped,  // the runner itself was stopped (SIGSTOP) during the run: its timeout and clock cannot be trusted
};

struct LeakedProcess {
  int pid = 0;
  std::string cmdline;
};

// Where a process of a run was when the run timed out (captured before the kill; see runner/spawn/hang_capture.hpp).
struct HangFrame {
  std::string function;
  std::string file;  // the source file, "" without debug info
  int line = 0;
  std::string module;  // the executable or shared library it runs in, as the process maps it ("" unknown)
};

struct HangDescriptor {
  int fd = 0;
  std::string object;  // "pipe:[4471]", "socket:[4480]", a path
  char end = 'r';      // the access it was opened for: 'r', 'w' or 'b' (both)
  std::string peer;    // a connected Unix socket's other end, "socket:[4481]" (sock_diag); "" unknown or none
};

struct HangProcess {
  int pid = 0;       // as the program saw itself (its pid namespace's)
  int host_pid = 0;  // in the runner's view
  int ppid = 0;      // the parent, as pid; 0: outside the run
  std::string command;
  char state = '?';             // /proc's state letter: S sleeping, R running, D disk, T stopped, Z zombie
  std::string syscall;          // the call it was blocked in ("read", "wait4"); "" while it ran in user space
  std::vector<long long> args;  // that call's arguments
  std::string call;             // the call decoded: "read(fd 3: pipe:[4471], read end)"
  std::vector<int> fds;         // the descriptors the call waits on (one for read, several for poll)
  std::optional<int> wait_for;  // a wait's pid argument: > 0 that child, -1 any child
  std::vector<HangDescriptor> descriptors;  // its pipes and sockets
  std::vector<HangFrame> stack;             // innermost first
  std::string python_stack;                 // a Python program's own traceback (faulthandler), when it has one
  std::string where;                        // the innermost line of the program's own code: "starter.cpp:17 in main"
  std::string error;                        // what could not be captured, and why
  std::optional<int> rank;  // an MPI rank's number in MPI_COMM_WORLD, from its environment (OMPI_COMM_WORLD_RANK)
  // Filled by the explanation (checks/hang_explain.hpp), from what is above:
  std::string mpi_call;   // the MPI call the learner's code is in, "MPI_Recv" (its stack's MPI_/PMPI_ frame)
  bool launcher = false;  // mpirun (or mpiexec...): it starts the ranks and waits for them, no code of the learner's
};

// An edge of the wait-for graph: `from` cannot go on until `to` acts (exits, writes, reads).
struct HangEdge {
  int from = 0;
  int to = 0;
  std::string why;
};

struct Hang {
  std::string when = "timeout";  // "timeout": the run's tree at its timeout; "leaked": what outlived the main process
  double capture_s = 0;          // the capture's own time (bounded: about 1 s at most)
  std::vector<HangProcess> processes;
  std::vector<HangEdge> edges;
  std::vector<int> cycle;                // pids of a wait-for cycle, in order; empty: none
  std::vector<std::string> explanation;  // for people: the cycle, the missing close, the spinning loop
};

// races: the graded variant's ThreadSanitizer build, run once and untimed for a `races` check (never counted).
enum class Role { graded, baseline, races };

struct Run {
  std::string variant;
  Role role = Role::graded;
  int index = 0;        // position among this variant's runs of its role, warmups first
  bool counted = true;  // false for warmup runs
  std::string capture = "pipe";
  int pid = 0;       // the main process, as it saw itself (2 in a sandbox's pid namespace)
  int host_pid = 0;  // the main process in the runner's view; 0: as pid
  int workers = 0;   // a scaling check's run: the CPUs it was confined to (0: not one)
  int ranks = 0;     // an MPI variant's run: the ranks mpirun started, besides itself (0: not one)

  double wall_s = 0;  // fork to reaping the main process, CLOCK_MONOTONIC
  double user_s = 0;  // CPU of the whole tree (main process and everything it reaped or we reaped)
  double sys_s = 0;
  std::optional<int> exit_code;
  std::optional<int> signal;
  bool timed_out = false;
  Outcome outcome = Outcome::ok;
  std::string error;  // why it could not be started, or what a limit verdict says

  std::vector<LeakedProcess> leaked;
  std::optional<int> processes_created;  // from kernel fork events; unknown without them
  int peak_processes = 1;
  long max_rss_kb = 0;      // the largest single process (rusage)
  long peak_memory_kb = 0;  // the whole tree at its peak, when a memory cgroup measured it
  bool output_truncated = false;
  std::size_t output_bytes = 0;
  std::size_t probe_bytes = 0;  // probe records', 64 more each; with output_bytes, what max_output_bytes bounds
  // Shares of the capacity of the CPUs the run could use (CPUs x wall time), while it ran; timing cases only:
  // what the hypervisor took (steal), what other processes used (the run's and the runner's own CPU time left
  // out), and what everything used, the run included. From /proc/stat's 10 ms ticks: about +-0.01 / wall_s.
  std::optional<double> stolen_share;
  std::optional<double> foreign_share;
  std::optional<double> load_share;

  std::vector<Line> lines;
  std::vector<ProbeRecord> probes;
  int probes_forged = 0;     // records dropped: the kernel says another process sent them than the one they name
  std::optional<Hang> hang;  // a run that timed out (or left processes behind): where each of them was
  std::string reused_from;   // a baseline run another grade made and recorded ("<case>/<variant>"): not run again
  std::optional<std::uint64_t> seed;  // its pair's seed ([inputs] seed = "random"), given as PAREX_SEED and {seed}
};

// Who wrote a probe record, and who the run's main process is, in one (the runner's) view of pids.
inline int writer_of(const ProbeRecord& record) { return record.host_pid ? record.host_pid : record.pid; }
inline int main_of(const Run& run) { return run.host_pid ? run.host_pid : run.pid; }

std::string_view to_string(Outcome outcome);
std::string_view to_string(Stream stream);
std::string_view to_string(Role role);

// "SIGSEGV" for 11; "signal 99" for unknown numbers.
std::string signal_name(int signo);
// 11 for "SIGSEGV" or "SEGV"; nullopt when unknown.
std::optional<int> signal_number(std::string_view name);

// The stdout lines of a run, in arrival order; with `rank`, only that MPI rank's where the run had it (a run of
// fewer ranks, or of none, gives all its lines: a serial baseline is every rank's reference).
std::vector<std::string> stdout_lines(const Run& run, std::optional<int> rank = std::nullopt);

}  // namespace parex
