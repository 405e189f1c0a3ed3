// The seccomp filter of a sandboxed process (a run's program, a build): the kernel's keyrings are refused.
// A key a run adds to its uid's user keyring would outlive it and reach the next learner's run under the same uid,
// and a process that only changed its uid can still read its parent's session keyring: add_key, request_key and
// keyctl fail with EPERM instead (docs/process-control.md, "Sandbox").
#pragma once

#include <linux/filter.h>

namespace parex::spawn {

// The filter, built once by libseccomp for this machine's architecture (another architecture's system calls are
// refused); nullptr, with `why_not`, when it cannot be built. Call it before forking: the child only loads it.
const sock_fprog* keyring_filter(const char** why_not = nullptr);

// Loads `filter` into the calling thread (it needs no_new_privs, or CAP_SYS_ADMIN). Returns 0 or an errno.
// Async-signal-safe: one system call, no allocation (a sandboxed child shares the runner's memory).
int load_filter(const sock_fprog* filter);

}  // namespace parex::spawn
