// What /proc says of processes: state and parent, the tree below one, command lines, pids in their own
// namespace. Reads only; a process that is gone gives an empty answer (nullopt, "", 0), never an error.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parex::spawn {

// A whole small file (/proc, cgroupfs), or "" when it cannot be read.
std::string read_small_file(const std::filesystem::path& path);

struct ProcInfo {
  pid_t pid;
  pid_t ppid;
  char state;
};

// A process's pid, parent and state letter from /proc/<pid>/stat.
std::optional<ProcInfo> read_proc_stat(pid_t pid);

// Every process of the machine (as this runner's /proc shows it).
std::vector<ProcInfo> read_proc_table();

// Live (non-zombie) descendants of `root`; with the runner a subreaper, orphans of the run stay below it.
std::vector<pid_t> live_descendants(pid_t root);

// A process's command line, spaces for NULs, cut to 200 characters; its [comm] when it has none.
std::string command_line(pid_t pid);

// The pid of `init`'s only child in the runner's view (the main process of a sandboxed run), 0 if unknown.
pid_t only_child_of(pid_t init);

// The value of `name` in the environment the process started with (/proc/<pid>/environ), nullopt when it has none
// or it cannot be read.
std::optional<std::string> environment_variable(pid_t pid, std::string_view name);

// The pid `host_pid` has in its own pid namespace (the last of NSpid), or 0 when it is gone.
pid_t namespace_pid(pid_t host_pid);

}  // namespace parex::spawn
