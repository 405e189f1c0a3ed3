#include "spawn/channels.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <utility>

namespace parex::spawn {

namespace {

std::string unescape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\' || i + 1 == text.size()) {
      out += text[i];
      continue;
    }
    switch (text[++i]) {
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case 'r':
        out += '\r';
        break;
      default:
        out += text[i];
    }
  }
  return out;
}

}  // namespace

std::optional<ProbeRecord> parse_probe(std::string_view message, std::int64_t t0_ns) {
  if (!message.empty() && message.back() == '\n') message.remove_suffix(1);
  std::vector<std::string_view> fields;
  for (int i = 0; i < 4; ++i) {
    auto tab = message.find('\t');
    if (tab == std::string_view::npos) return std::nullopt;
    fields.push_back(message.substr(0, tab));
    message.remove_prefix(tab + 1);
  }
  fields.push_back(message);
  if (fields[0] != "P") return std::nullopt;
  ProbeRecord record;
  record.pid = std::atoi(std::string(fields[1]).c_str());
  std::int64_t t_ns = std::strtoll(std::string(fields[2]).c_str(), nullptr, 10);
  record.t_s = static_cast<double>(t_ns - t0_ns) / 1e9;
  record.name = unescape(fields[3]);
  // An optional sixth field carries the writer's thread id.
  auto tab = fields[4].find('\t');
  record.value = unescape(fields[4].substr(0, tab));
  record.tid = tab == std::string_view::npos ? record.pid : std::atoi(std::string(fields[4].substr(tab + 1)).c_str());
  return record;
}

void drain_exit_pipe(Channels& channels) {
  char bytes[16];
  while (::read(channels.exit_read.get(), bytes, sizeof bytes) > 0) {
  }
}

bool Channels::tampered() const {
  return ::fcntl(out_write.get(), F_GETFL) != write_flags_[0] || ::fcntl(err_write.get(), F_GETFL) != write_flags_[1] ||
         ::fcntl(probe_write.get(), F_GETFL) != write_flags_[2];
}

Channels& Channels::reusable() {
  static Channels channels;
  if (channels.dirty) channels = make();
  channels.dirty = true;  // until the run using them has read them empty
  return channels;
}

Channels Channels::make() {
  Channels made;
  int fds[2];
  for (auto [read_end, write_end] :
       {std::pair{&made.out_read, &made.out_write}, std::pair{&made.err_read, &made.err_write}}) {
    if (::pipe2(fds, O_CLOEXEC) != 0) throw errno_error("cannot create pipe");
    read_end->reset(fds[0]);
    write_end->reset(fds[1]);
    ::fcntl(fds[0], F_SETFL, O_NONBLOCK);  // the last reads of a run stop at "empty"
  }
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) != 0)
    throw errno_error("cannot create probe channel");
  // Each record arrives with its sender's credentials, as the kernel knows them (SCM_CREDENTIALS): a record
  // is attributed to the process that sent it, not to the pid it names.
  const int on = 1;
  ::setsockopt(fds[0], SOL_SOCKET, SO_PASSCRED, &on, sizeof on);
  made.probe_read.reset(fds[0]);
  made.probe_write.reset(fds[1]);
  if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) throw errno_error("cannot create pipe");
  made.exit_read.reset(fds[0]);
  made.exit_write.reset(fds[1]);
  made.write_flags_[0] = ::fcntl(made.out_write.get(), F_GETFL);
  made.write_flags_[1] = ::fcntl(made.err_write.get(), F_GETFL);
  made.write_flags_[2] = ::fcntl(made.probe_write.get(), F_GETFL);
  return made;
}

}  // namespace parex::spawn
