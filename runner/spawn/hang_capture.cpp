#include "spawn/hang_capture.hpp"

#include <cxxabi.h>
#include <dirent.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "spawn/proc.hpp"

namespace parex::spawn {
namespace {

using Clock = std::chrono::steady_clock;

enum class Kind { other, fd_in, fd_out, fd_other, wait_pid, poll };

struct CallName {
  const char* name;
  Kind kind;
};

// The calls a stuck process is commonly in, by number (this machine's numbering).
const std::map<long, CallName>& calls() {
  static const std::map<long, CallName> table = {
      {SYS_read, {"read", Kind::fd_in}},
      {SYS_readv, {"readv", Kind::fd_in}},
      {SYS_pread64, {"pread64", Kind::fd_in}},
      {SYS_recvfrom, {"recvfrom", Kind::fd_in}},
      {SYS_recvmsg, {"recvmsg", Kind::fd_in}},
      {SYS_write, {"write", Kind::fd_out}},
      {SYS_writev, {"writev", Kind::fd_out}},
      {SYS_pwrite64, {"pwrite64", Kind::fd_out}},
      {SYS_sendto, {"sendto", Kind::fd_out}},
      {SYS_sendmsg, {"sendmsg", Kind::fd_out}},
      {SYS_accept, {"accept", Kind::fd_other}},
      {SYS_accept4, {"accept4", Kind::fd_other}},
      {SYS_connect, {"connect", Kind::fd_other}},
      {SYS_flock, {"flock", Kind::fd_other}},
      {SYS_wait4, {"wait4", Kind::wait_pid}},
      {SYS_waitid, {"waitid", Kind::wait_pid}},
      {SYS_ppoll, {"ppoll", Kind::poll}},
      {SYS_pselect6, {"pselect6", Kind::other}},
      {SYS_epoll_pwait, {"epoll_pwait", Kind::other}},
      {SYS_futex, {"futex", Kind::other}},
      {SYS_clock_nanosleep, {"clock_nanosleep", Kind::other}},
      {SYS_nanosleep, {"nanosleep", Kind::other}},
      {SYS_rt_sigsuspend, {"rt_sigsuspend", Kind::other}},
      {SYS_rt_sigtimedwait, {"rt_sigtimedwait", Kind::other}},
      {SYS_openat, {"openat", Kind::other}},
      {SYS_msgrcv, {"msgrcv", Kind::other}},
      {SYS_semop, {"semop", Kind::other}},
      {SYS_semtimedop, {"semtimedop", Kind::other}},
#ifdef SYS_poll
      {SYS_poll, {"poll", Kind::poll}},
#endif
#ifdef SYS_select
      {SYS_select, {"select", Kind::other}},
#endif
#ifdef SYS_epoll_wait
      {SYS_epoll_wait, {"epoll_wait", Kind::other}},
#endif
#ifdef SYS_pause
      {SYS_pause, {"pause", Kind::other}},
#endif
  };
  return table;
}

std::string proc_path(pid_t pid, std::string_view rest) { return fmt::format("/proc/{}/{}", pid, rest); }

std::string read_link(const std::string& path) {
  char buffer[512];
  ssize_t n = ::readlink(path.c_str(), buffer, sizeof buffer - 1);
  return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : std::string();
}

// The descriptor's access mode from fdinfo's octal flags.
char end_of(pid_t pid, int fd) {
  std::istringstream info(read_small_file(proc_path(pid, fmt::format("fdinfo/{}", fd))));
  for (std::string line; std::getline(info, line);)
    if (line.starts_with("flags:")) {
      int flags = static_cast<int>(std::strtol(line.c_str() + 6, nullptr, 8));
      return (flags & O_ACCMODE) == O_WRONLY ? 'w' : (flags & O_ACCMODE) == O_RDWR ? 'b' : 'r';
    }
  return 'r';
}

// Pipes, sockets and FIFOs of a process (what other processes can wait on), and the memfd of a Python dump.
std::vector<HangDescriptor> descriptors_of(pid_t pid, int& python_dump_fd, int ns_pid) {
  std::vector<HangDescriptor> out;
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(proc_path(pid, "fd").c_str()), ::closedir);
  if (!dir) return out;
  const std::string dump_name = fmt::format("/memfd:parex-python-stack-{} (deleted)", ns_pid);
  while (dirent* entry = ::readdir(dir.get())) {
    int fd = 0;
    if (std::from_chars(entry->d_name, entry->d_name + std::strlen(entry->d_name), fd).ec != std::errc()) continue;
    std::string target = read_link(proc_path(pid, fmt::format("fd/{}", fd)));
    if (target == dump_name) {
      python_dump_fd = fd;
      continue;
    }
    bool fifo = false;
    if (target.starts_with("/")) {
      struct stat st {};
      fifo = ::stat(proc_path(pid, fmt::format("fd/{}", fd)).c_str(), &st) == 0 && S_ISFIFO(st.st_mode);
    }
    if (target.starts_with("pipe:") || target.starts_with("socket:") || fifo)
      out.push_back({fd, target, end_of(pid, fd), ""});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.fd < b.fd; });
  return out;
}

// Each Unix socket's peer (inode -> inode) in the network namespace `pid` is in: a sock_diag dump, asked from a
// thread that joins that namespace (a sandboxed run has its own). Empty when it cannot be asked.
std::map<unsigned, unsigned> unix_peers(pid_t pid) {
  std::map<unsigned, unsigned> peers;
  std::thread([&] {
    const int ns = ::open(proc_path(pid, "ns/net").c_str(), O_RDONLY | O_CLOEXEC);
    if (ns < 0) return;
    struct stat theirs {
    }, ours{};
    const bool same =
        ::fstat(ns, &theirs) == 0 && ::stat("/proc/thread-self/ns/net", &ours) == 0 && theirs.st_ino == ours.st_ino;
    const bool joined = same || ::setns(ns, CLONE_NEWNET) == 0;  // this thread only
    ::close(ns);
    if (!joined) return;
    const int sock = ::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (sock < 0) return;
    timeval patience{0, 200000};
    ::setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &patience, sizeof patience);
    struct {
      nlmsghdr header;
      unix_diag_req request;
    } ask{};
    ask.header.nlmsg_len = sizeof ask;
    ask.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    ask.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    ask.request.sdiag_family = AF_UNIX;
    ask.request.udiag_states = ~0u;
    ask.request.udiag_show = UDIAG_SHOW_PEER;
    if (::send(sock, &ask, sizeof ask, 0) == static_cast<ssize_t>(sizeof ask)) {
      alignas(nlmsghdr) char buffer[32768];
      for (bool done = false; !done;) {
        ssize_t n = ::recv(sock, buffer, sizeof buffer, 0);
        if (n <= 0) break;
        for (auto* h = reinterpret_cast<nlmsghdr*>(buffer); NLMSG_OK(h, static_cast<unsigned>(n));
             h = NLMSG_NEXT(h, n)) {
          if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR) {
            done = true;
            break;
          }
          const auto* message = static_cast<const unix_diag_msg*>(NLMSG_DATA(h));
          int length = static_cast<int>(h->nlmsg_len - NLMSG_LENGTH(sizeof *message));
          for (auto* attribute = reinterpret_cast<rtattr*>(const_cast<unix_diag_msg*>(message) + 1);
               RTA_OK(attribute, length); attribute = RTA_NEXT(attribute, length))
            if (attribute->rta_type == UNIX_DIAG_PEER)
              peers[message->udiag_ino] = *static_cast<const std::uint32_t*>(RTA_DATA(attribute));
        }
      }
    }
    ::close(sock);
  }).join();
  return peers;
}

std::string describe_fd(const HangProcess& process, int fd) {
  for (const auto& d : process.descriptors)
    if (d.fd == fd) {
      std::string end = d.object.starts_with("pipe:") ? (d.end == 'w'   ? ", write end"
                                                         : d.end == 'r' ? ", read end"
                                                                        : "")
                                                      : "";
      return fmt::format("fd {}: {}{}", fd, d.object, end);
    }
  std::string target = read_link(proc_path(process.host_pid, fmt::format("fd/{}", fd)));
  return target.empty() ? fmt::format("fd {}", fd) : fmt::format("fd {}: {}", fd, target);
}

// /proc/<pid>/syscall: "<nr> <6 args> <sp> <pc>", "running", or "-1 <sp> <pc>" (not in a call).
void read_call(HangProcess& process) {
  std::istringstream in(read_small_file(proc_path(process.host_pid, "syscall")));
  std::string first;
  in >> first;
  if (first.empty() || first == "running" || first == "-1") return;
  long nr = std::strtol(first.c_str(), nullptr, 10);
  for (int i = 0; i < 6; ++i) {
    std::string arg;
    in >> arg;
    process.args.push_back(static_cast<long long>(std::strtoull(arg.c_str(), nullptr, 16)));
  }
  auto known = calls().find(nr);
  if (known == calls().end()) {
    process.syscall = fmt::format("syscall {}", nr);
    process.call = process.syscall;
    return;
  }
  const auto& [name, kind] = known->second;
  process.syscall = name;
  switch (kind) {
    case Kind::fd_in:
    case Kind::fd_out:
    case Kind::fd_other: {
      int fd = static_cast<int>(process.args[0]);
      process.fds.push_back(fd);
      process.call = fmt::format("{}({})", name, describe_fd(process, fd));
      break;
    }
    case Kind::wait_pid: {
      // wait4(pid, ...): pid > 0 one child, -1 any; waitid(idtype, id, ...): P_PID 1, P_ALL 0.
      long long target = nr == SYS_wait4 ? static_cast<int>(process.args[0])
                                         : (process.args[0] == 1 ? static_cast<int>(process.args[1]) : -1);
      process.wait_for = static_cast<int>(target > 0 ? target : -1);
      process.call = target > 0 ? fmt::format("{}(pid {})", name, target) : fmt::format("{}(any child)", name);
      break;
    }
    case Kind::poll: {  // the pollfd array, read from the process's memory
      std::size_t count = std::min<std::size_t>(static_cast<std::size_t>(process.args[1]), 16);
      std::vector<pollfd> polled(count);
      iovec local{polled.data(), count * sizeof(pollfd)};
      iovec remote{reinterpret_cast<void*>(process.args[0]), count * sizeof(pollfd)};
      std::vector<std::string> parts;
      if (count &&
          ::process_vm_readv(process.host_pid, &local, 1, &remote, 1, 0) == static_cast<ssize_t>(local.iov_len))
        for (const auto& p : polled) {
          if (p.fd < 0) continue;
          if (p.events & POLLIN) process.fds.push_back(p.fd);
          parts.push_back(describe_fd(process, p.fd));
        }
      process.call = fmt::format("{}({})", name, fmt::join(parts, "; "));
      break;
    }
    case Kind::other:
      process.call = name;
      break;
  }
}

// The process being unwound, and its executable as its maps name it: the one module whose debug info is read.
thread_local pid_t g_unwinding = 0;
thread_local std::string g_program;

// Modules as the process sees them: through its root (a sandbox's paths), else as libdwfl finds them.
int find_elf(Dwfl_Module* module, void** userdata, const char* name, Dwarf_Addr base, char** file_name, Elf** elf) {
  if (name && name[0] == '/') {
    std::string path = fmt::format("/proc/{}/root{}", g_unwinding, name);
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
      *file_name = ::strdup(path.c_str());
      return fd;
    }
  }
  return dwfl_linux_proc_find_elf(module, userdata, name, base, file_name, elf);
}

// Separate debug info (libc6-dbg's, say) for the graded program alone: a shared library's frames then carry no
// source file, so none can be taken for the program's own line, and the capture does not load megabytes of the
// C library's DWARF for each process (100 unwinds: 4.9 s with it, 0.6 s without).
int find_debuginfo(Dwfl_Module* module, void** userdata, const char* name, Dwarf_Addr base, const char* file_name,
                   const char* debuglink_file, GElf_Word debuglink_crc, char** debuginfo_file_name) {
  if (!name || g_program != name) return -1;
  return dwfl_standard_find_debuginfo(module, userdata, name, base, file_name, debuglink_file, debuglink_crc,
                                      debuginfo_file_name);
}

std::string demangle(const char* name) {
  if (!name) return "??";
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> plain(abi::__cxa_demangle(name, nullptr, nullptr, &status), std::free);
  return status == 0 && plain ? std::string(plain.get()) : std::string(name);
}

std::string die_name(Dwarf_Die* die) {
  Dwarf_Attribute attribute;
  const char* name = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_linkage_name, &attribute));
  if (!name) name = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_name, &attribute));
  return demangle(name);
}

// Code inlined at `at` as frames of their own, innermost first, each at the line it was stopped on or called
// from (DW_AT_call_file/line): that is how a lambda's, a helper's or an atomic's code shows the learner's line.
// `file` and `line` come in as the address's own line and leave as the outermost call site's.
void push_inlined(Dwfl_Module* module, Dwarf_Addr at, std::vector<HangFrame>& stack, std::string& file, int& line,
                  const std::string& module_name) {
  Dwarf_Addr bias = 0;
  Dwarf_Die* unit = dwfl_module_addrdie(module, at, &bias);
  if (!unit) return;
  Dwarf_Die* found = nullptr;
  const int count = dwarf_getscopes(unit, at - bias, &found);
  if (count <= 0) return std::free(found);
  // dwarf_getscopes continues from an inlined function into its abstract origin's scopes, where it was
  // defined, not into the code it was inlined in; the chain of call sites is the innermost scope's own parents,
  // as eu-addr2line -i walks them.
  Dwarf_Die innermost;
  Dwarf* dwarf = dwfl_module_getdwarf(module, &bias);
  const bool have = dwarf && dwarf_offdie(dwarf, dwarf_dieoffset(&found[0]), &innermost) != nullptr;
  std::free(found);
  Dwarf_Die* scopes = nullptr;
  const int depth = have ? dwarf_getscopes_die(&innermost, &scopes) : 0;
  Dwarf_Files* files = nullptr;
  if (depth > 1 && dwarf_getsrcfiles(unit, &files, nullptr) != 0) files = nullptr;
  for (int i = 0; i < depth - 1 && files; ++i) {
    if (dwarf_tag(&scopes[i]) != DW_TAG_inlined_subroutine) continue;
    stack.push_back({die_name(&scopes[i]), file, line, module_name});
    Dwarf_Attribute attribute;
    Dwarf_Word call_file = 0, call_line = 0;
    if (dwarf_formudata(dwarf_attr(&scopes[i], DW_AT_call_file, &attribute), &call_file) != 0 ||
        dwarf_formudata(dwarf_attr(&scopes[i], DW_AT_call_line, &attribute), &call_line) != 0) {
      file.clear(), line = 0;
      break;
    }
    const char* caller = dwarf_filesrc(files, call_file, nullptr, nullptr);
    file = caller ? caller : "";
    line = static_cast<int>(call_line);
  }
  std::free(scopes);
}

int on_frame(Dwfl_Frame* frame, void* arg) {
  auto& stack = *static_cast<std::vector<HangFrame>*>(arg);
  Dwarf_Addr pc = 0;
  bool activation = false;
  if (!dwfl_frame_pc(frame, &pc, &activation)) return DWARF_CB_ABORT;
  const Dwarf_Addr at = activation ? pc : pc - 1;  // a return address points after its call
  Dwfl* dwfl = dwfl_thread_dwfl(dwfl_frame_thread(frame));
  Dwfl_Module* module = dwfl_addrmodule(dwfl, at);
  if (!module) {
    stack.push_back({fmt::format("{:#x}", pc), "", 0, ""});
    return stack.size() < 48 ? DWARF_CB_OK : DWARF_CB_ABORT;
  }
  const char* name = dwfl_module_info(module, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr);
  const std::string module_name = name ? name : "";
  std::string file;
  int line = 0;
  if (Dwfl_Line* source = dwfl_module_getsrc(module, at))
    if (const char* path = dwfl_lineinfo(source, nullptr, &line, nullptr, nullptr, nullptr)) file = path;
  push_inlined(module, at, stack, file, line, module_name);
  stack.push_back({demangle(dwfl_module_addrname(module, at)), file, line, module_name});
  return stack.size() < 48 ? DWARF_CB_OK : DWARF_CB_ABORT;
}

// The main thread's stack, by libdwfl: it attaches (ptrace) for the moment of the unwind, then lets go.
// `program`: its executable as its maps name it.
std::vector<HangFrame> native_stack(pid_t pid, const std::string& program, std::string& error) {
  static const Dwfl_Callbacks callbacks = {find_elf, find_debuginfo, nullptr, nullptr};
  std::vector<HangFrame> stack;
  g_unwinding = pid;
  g_program = program;
  std::unique_ptr<Dwfl, void (*)(Dwfl*)> dwfl(dwfl_begin(&callbacks), dwfl_end);
  if (!dwfl) return error = "libdwfl: cannot start", stack;
  if (dwfl_linux_proc_report(dwfl.get(), pid) != 0 || dwfl_report_end(dwfl.get(), nullptr, nullptr) != 0)
    return error = fmt::format("cannot read its maps: {}", dwfl_errmsg(-1)), stack;
  if (int failed = dwfl_linux_proc_attach(dwfl.get(), pid, false); failed != 0)
    return error = fmt::format("cannot attach to unwind it: {}", failed > 0 ? std::strerror(failed) : dwfl_errmsg(-1)),
           stack;
  if (dwfl_getthread_frames(dwfl.get(), pid, on_frame, &stack) != 0 && stack.empty())
    error = fmt::format("cannot unwind it: {}", dwfl_errmsg(-1));
  return stack;
}

// A header compiled into the program that is not the case's: the C++ library's, the C library's, parex's support
// headers (parex/*.hpp).
bool library_file(const std::string& file) {
  return file.empty() || file.starts_with("/usr/") || file.starts_with("./") || file.starts_with("../") ||
         file.find("/glibc") != std::string::npos || file.find("/sysdeps/") != std::string::npos ||
         (file.ends_with(".hpp") && file.find("/parex/") != std::string::npos);
}

// Whether `file` lies below one of `roots`, by its path as compiled or as it resolves.
bool below_any(const std::string& file, const std::vector<std::filesystem::path>& roots) {
  if (roots.empty()) return true;
  const auto below = [&](const std::filesystem::path& path) {
    return std::any_of(roots.begin(), roots.end(), [&](const std::filesystem::path& root) {
      auto [r, p] = std::mismatch(root.begin(), root.end(), path.begin(), path.end());
      return r == root.end() || (std::next(r) == root.end() && r->empty());  // a root may end in '/'
    });
  };
  const std::filesystem::path path = std::filesystem::path(file).lexically_normal();
  if (below(path)) return true;
  std::error_code ec;
  const auto resolved = std::filesystem::weakly_canonical(path, ec);
  return !ec && below(resolved);
}

// A name for people: "a lambda in main" for std::function's wrapper of main::{lambda()#1}; long names cut.
std::string readable_function(const std::string& name) {
  if (auto lambda = name.find("::{lambda("); lambda != std::string::npos) {
    auto start = name.find_last_of(" <(,", lambda);
    return "a lambda in " + name.substr(start == std::string::npos ? 0 : start + 1,
                                        lambda - (start == std::string::npos ? 0 : start + 1));
  }
  return name.size() > 80 ? name.substr(0, 77) + "..." : name;
}

// An MPI rank's number in MPI_COMM_WORLD, as its launcher told it: Open MPI's mpirun sets OMPI_COMM_WORLD_RANK,
// MPICH's Hydra PMI_RANK. nullopt for a process that is no rank (mpirun itself, a program without MPI).
std::optional<int> mpi_rank(pid_t pid) {
  for (const char* name : {"OMPI_COMM_WORLD_RANK", "PMI_RANK"})
    if (auto value = environment_variable(pid, name)) {
      int rank = -1;
      if (std::from_chars(value->data(), value->data() + value->size(), rank).ec == std::errc() && rank >= 0)
        return rank;
    }
  return std::nullopt;
}

std::string short_file(const std::string& file) {
  auto slash = file.rfind('/');
  return slash == std::string::npos ? file : file.substr(slash + 1);
}

// faulthandler's first frame of the thread it dumps first: `  File "x.py", line 17 in worker`.
std::string where_in_python(const std::string& dump) {
  std::istringstream in(dump);
  for (std::string line; std::getline(in, line);) {
    auto file = line.find("File \"");
    if (file == std::string::npos) continue;
    auto close = line.find('"', file + 6);
    auto number = line.find("line ", close);
    if (close == std::string::npos || number == std::string::npos) continue;
    std::string path = line.substr(file + 6, close - file - 6);
    if (path.find("/lib/python") != std::string::npos || path.starts_with("<")) continue;  // the interpreter's own code
    return fmt::format("{}:{}", short_file(path), line.substr(number + 5));
  }
  return {};
}

}  // namespace

int python_stack_signal() { return SIGRTMIN + 7; }

std::string where_in(const std::vector<HangFrame>& stack, const std::string& program,
                     const std::vector<std::filesystem::path>& source_roots) {
  std::vector<std::filesystem::path> roots;
  for (const auto& root : source_roots) {
    roots.push_back(root.lexically_normal());
    std::error_code ec;
    if (auto resolved = std::filesystem::weakly_canonical(root, ec); !ec && resolved != roots.back())
      roots.push_back(resolved);
  }
  for (bool headers : {false, true})
    for (const auto& frame : stack) {
      const bool header = frame.file.ends_with(".hpp") || frame.file.ends_with(".h");
      if (header != headers || frame.line <= 0 || frame.module != program || library_file(frame.file)) continue;
      if (below_any(frame.file, roots))
        return fmt::format("{}:{} in {}", short_file(frame.file), frame.line, readable_function(frame.function));
    }
  return {};
}

Hang capture_hang(const std::vector<pid_t>& host_pids, const std::vector<std::filesystem::path>& source_roots,
                  std::chrono::milliseconds budget) {
  const auto t0 = Clock::now();
  const auto over = [&] { return Clock::now() - t0 > budget; };
  Hang hang;
  std::map<pid_t, int> ns_of;  // host pid -> pid in the run
  std::map<pid_t, pid_t> host_ppid;
  std::map<pid_t, int> python_dump;  // host pid -> its dump's descriptor
  // 1. What each process is blocked in, before anything is stopped or signalled.
  for (pid_t pid : host_pids) {
    auto stat = read_proc_stat(pid);
    if (!stat || stat->state == 'Z' || stat->state == 'X') continue;
    HangProcess process;
    process.host_pid = pid;
    process.pid = namespace_pid(pid);
    if (process.pid == 0) process.pid = pid;
    process.state = stat->state;
    process.command = command_line(pid);
    process.rank = mpi_rank(pid);
    int dump_fd = -1;
    process.descriptors = descriptors_of(pid, dump_fd, process.pid);
    if (dump_fd >= 0) python_dump[pid] = dump_fd;
    read_call(process);
    ns_of[pid] = process.pid;
    host_ppid[pid] = stat->ppid;
    hang.processes.push_back(std::move(process));
  }
  for (auto& process : hang.processes) {
    auto parent = ns_of.find(host_ppid[process.host_pid]);
    process.ppid = parent == ns_of.end() ? 0 : parent->second;
  }
  // The other ends of Unix sockets (a socketpair's two ends have two inodes), per network namespace.
  std::map<std::string, std::map<unsigned, unsigned>> peers_in;
  for (auto& process : hang.processes)
    for (auto& d : process.descriptors) {
      if (!d.object.starts_with("socket:[")) continue;
      const std::string net = read_link(proc_path(process.host_pid, "ns/net"));
      auto known = peers_in.find(net);
      if (known == peers_in.end()) known = peers_in.emplace(net, unix_peers(process.host_pid)).first;
      auto peer = known->second.find(static_cast<unsigned>(std::strtoul(d.object.c_str() + 8, nullptr, 10)));
      if (peer != known->second.end() && peer->second != 0) d.peer = fmt::format("socket:[{}]", peer->second);
    }
  // 2. Python programs dump their own stacks on a signal; they write while the native stacks are read.
  for (const auto& [pid, fd] : python_dump) ::kill(pid, python_stack_signal());
  // 3. Native stacks (not of Python programs: the interpreter's frames say nothing of the program's lines).
  for (auto& process : hang.processes) {
    if (python_dump.contains(process.host_pid)) continue;
    if (over()) {
      process.error = "no stack: the capture's time bound was reached";
      continue;
    }
    const std::string program = read_link(proc_path(process.host_pid, "exe"));
    process.stack = native_stack(process.host_pid, program, process.error);
    process.where = where_in(process.stack, program, source_roots);
  }
  // 4. The Python dumps, given up to 300 ms in all to arrive.
  const auto python_deadline = std::min(Clock::now() + std::chrono::milliseconds(300), t0 + budget);
  for (auto& process : hang.processes) {
    auto dump = python_dump.find(process.host_pid);
    if (dump == python_dump.end()) continue;
    const std::string path = proc_path(process.host_pid, fmt::format("fd/{}", dump->second));
    std::string text;
    do {
      text = read_small_file(path);
      if (!text.empty() && text.ends_with('\n')) {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));  // all threads: let it finish the rest
        text = read_small_file(path);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    } while (Clock::now() < python_deadline);
    process.python_stack = text;
    process.where = where_in_python(text);
    if (text.empty()) process.error = "its Python stack did not arrive in time";
  }
  hang.capture_s = std::chrono::duration<double>(Clock::now() - t0).count();
  return hang;
}

}  // namespace parex::spawn
