// The measuring half of a hang's explanation: where each process of a run was when it timed out.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "record.hpp"

namespace parex::spawn {

// The signal a Python program's faulthandler dumps its stack on (cases/support/python/sitecustomize.py),
// told to it as PAREX_STACK_SIGNAL.
int python_stack_signal();

// For each process (the runner's pids), read before anything is killed: its state, the call it is blocked in
// with its descriptors decoded, its stack (libdw; a Python program's own traceback), all within `budget`.
// A process that was running is stopped for a moment to read where. Never throws: what cannot be read is said
// in the process's `error`.
Hang capture_hang(const std::vector<pid_t>& host_pids, std::chrono::milliseconds budget = std::chrono::milliseconds(1000));

}  // namespace parex::spawn
