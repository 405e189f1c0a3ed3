#include "spawn/seccomp.hpp"

#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <string>
#include <vector>

#include "base/fd.hpp"

namespace parex::spawn {
namespace {

struct Filter {
  std::vector<sock_filter> program;
  sock_fprog fprog{};
  std::string why_not;
};

Filter build_filter() {
  Filter filter;
  std::unique_ptr<void, void (*)(scmp_filter_ctx)> context(seccomp_init(SCMP_ACT_ALLOW), seccomp_release);
  if (!context) return filter.why_not = "seccomp_init failed", filter;
  for (int call : {SCMP_SYS(add_key), SCMP_SYS(request_key), SCMP_SYS(keyctl)})
    if (seccomp_rule_add(context.get(), SCMP_ACT_ERRNO(EPERM), call, 0) != 0)
      return filter.why_not = "seccomp_rule_add failed", filter;
  // libseccomp 2.5 exports the BPF program to a descriptor only: a memory file, read back.
  Fd memory(::memfd_create("parex-seccomp", MFD_CLOEXEC));
  if (!memory || seccomp_export_bpf(context.get(), memory.get()) != 0)
    return filter.why_not = "seccomp_export_bpf failed", filter;
  const off_t size = ::lseek(memory.get(), 0, SEEK_END);
  if (size <= 0 || size % sizeof(sock_filter) != 0)
    return filter.why_not = "seccomp_export_bpf wrote no program", filter;
  filter.program.resize(static_cast<std::size_t>(size) / sizeof(sock_filter));
  if (::pread(memory.get(), filter.program.data(), static_cast<std::size_t>(size), 0) != size)
    return filter.program.clear(), filter.why_not = "cannot read the exported program", filter;
  filter.fprog.len = static_cast<unsigned short>(filter.program.size());
  filter.fprog.filter = filter.program.data();
  return filter;
}

}  // namespace

const sock_fprog* keyring_filter(const char** why_not) {
  static const Filter filter = build_filter();
  if (why_not) *why_not = filter.why_not.c_str();
  return filter.program.empty() ? nullptr : &filter.fprog;
}

int load_filter(const sock_fprog* filter) {
  if (!filter) return EINVAL;
  return ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, filter, 0, 0) == 0 ? 0 : errno;
}

}  // namespace parex::spawn
