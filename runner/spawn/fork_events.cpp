// Fork events (spawn/fork_events.hpp): the netlink subscription and its filter, and the counts of a run's
// processes kept from the events it delivers.
#include "spawn/fork_events.hpp"

#include <arpa/inet.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/filter.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace parex::spawn {
namespace {

// Lets the kernel drop every event but fork and exit (exec, setsid, comm... of the whole machine),
// so that they neither wake nor cost us; without the filter we just read more.
void keep_only_fork_and_exit(int fd) {
  constexpr std::uint32_t what = NLMSG_LENGTH(0) + offsetof(cn_msg, data) + offsetof(proc_event, what);
  sock_filter code[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, what),  // loads in network order, hence htonl below
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htonl(proc_event::PROC_EVENT_FORK), 2, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htonl(proc_event::PROC_EVENT_EXIT), 1, 0),
      BPF_STMT(BPF_RET | BPF_K, 0),
      BPF_STMT(BPF_RET | BPF_K, 0xffffffff),
  };
  sock_fprog program{static_cast<unsigned short>(std::size(code)), code};
  ::setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof program);
}

}  // namespace

ForkWatch& ForkWatch::instance() {
  static ForkWatch watch;
  return watch;
}

ForkWatch::ForkWatch() {
  if (const char* off = std::getenv("PAREX_NO_FORK_EVENTS"); off && *off && std::string_view(off) != "0") return;
  Fd sock(::socket(PF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_CONNECTOR));
  if (!sock) return;
  int buffer = 4 << 20;
  ::setsockopt(sock.get(), SOL_SOCKET, SO_RCVBUFFORCE, &buffer, sizeof buffer);
  sockaddr_nl addr{};
  addr.nl_family = AF_NETLINK;
  addr.nl_groups = CN_IDX_PROC;
  if (::bind(sock.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return;
  alignas(nlmsghdr) char message[NLMSG_SPACE(sizeof(cn_msg) + sizeof(proc_cn_mcast_op))] = {};
  auto* header = reinterpret_cast<nlmsghdr*>(message);
  auto* connector = static_cast<cn_msg*>(NLMSG_DATA(header));
  header->nlmsg_len = NLMSG_LENGTH(sizeof(cn_msg) + sizeof(proc_cn_mcast_op));
  header->nlmsg_type = NLMSG_DONE;
  connector->id.idx = CN_IDX_PROC;
  connector->id.val = CN_VAL_PROC;
  connector->len = sizeof(proc_cn_mcast_op);
  const proc_cn_mcast_op listen = PROC_CN_MCAST_LISTEN;
  std::memcpy(connector->data, &listen, sizeof listen);
  if (::send(sock.get(), message, header->nlmsg_len, 0) < 0) return;
  keep_only_fork_and_exit(sock.get());
  socket_ = std::move(sock);
}

void ForkWatch::track(pid_t root, std::int64_t since_ns, bool root_counts) {
  tree_ = {root};
  root_ = root;
  first_child_ = 0;
  live_.clear();
  if (root_counts) live_.insert(root);
  since_ns_ = since_ns;
  created_ = root_counts ? 1 : 0;
  peak_ = created_;
  overflowed_ = false;
}

template <typename F>
void ForkWatch::drain(F&& on_event) {
  if (!socket_) return;
  auto& [buffers, iov, messages] = batch_;
  for (;;) {
    for (unsigned i = 0; i < kBatch; ++i) {
      iov[i] = {buffers[i], sizeof buffers[i]};
      messages[i] = {};
      messages[i].msg_hdr.msg_iov = &iov[i];
      messages[i].msg_hdr.msg_iovlen = 1;
    }
    int received = ::recvmmsg(socket_.get(), messages, kBatch, MSG_DONTWAIT, nullptr);
    if (received < 0 && errno == EINTR) continue;
    if (received < 0) {
      if (errno == ENOBUFS) overflowed_ = true;  // the kernel dropped events: the count is no longer exact
      if (errno == ENOBUFS) continue;
      return;
    }
    for (int i = 0; i < received; ++i) {
      auto n = static_cast<unsigned>(messages[i].msg_len);
      for (auto* header = reinterpret_cast<nlmsghdr*>(buffers[i]); NLMSG_OK(header, n);
           header = NLMSG_NEXT(header, n)) {
        auto* connector = static_cast<cn_msg*>(NLMSG_DATA(header));
        if (connector->id.idx != CN_IDX_PROC || connector->id.val != CN_VAL_PROC) continue;
        proc_event event;
        std::memcpy(&event, connector->data, sizeof event);
        on_event(event);
      }
    }
    if (received < static_cast<int>(kBatch)) return;
  }
}

void ForkWatch::poll_events() {
  drain([this](const proc_event& event) {
    if (static_cast<std::int64_t>(event.timestamp_ns) < since_ns_) return;  // of an earlier run, or none
    if (event.what == proc_event::PROC_EVENT_EXIT) {
      const auto& exit = event.event_data.exit;
      if (exit.process_pid == exit.process_tgid) live_.erase(exit.process_tgid);
      return;
    }
    if (event.what != proc_event::PROC_EVENT_FORK) return;
    const auto& fork = event.event_data.fork;
    if (fork.child_pid != fork.child_tgid) return;  // a new thread, not a process
    // clone(CLONE_PARENT) makes a sibling, a child of the runner, which starts nothing else during a run.
    const bool sibling = fork.parent_tgid == runner_tgid_;
    if ((!tree_.contains(fork.parent_tgid) && !sibling) || tree_.contains(fork.child_tgid)) return;
    if (fork.parent_tgid == root_ && first_child_ == 0) first_child_ = fork.child_tgid;
    tree_.insert(fork.child_tgid);
    live_.insert(fork.child_tgid);
    ++created_;
    peak_ = std::max(peak_, static_cast<int>(live_.size()));
  });
}

pid_t ForkWatch::first_child() {
  poll_events();
  return first_child_;
}

std::optional<int> ForkWatch::created() const {
  if (!socket_ || overflowed_) return std::nullopt;
  return created_;
}

std::optional<std::vector<pid_t>> ForkWatch::live() {
  poll_events();
  if (!socket_ || overflowed_) return std::nullopt;
  return std::vector<pid_t>(live_.begin(), live_.end());
}

std::optional<int> ForkWatch::peak() const {
  if (!socket_ || overflowed_) return std::nullopt;
  return peak_;
}

std::optional<std::vector<pid_t>> watched_tree() { return ForkWatch::instance().live(); }

}  // namespace parex::spawn
