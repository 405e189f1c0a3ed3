// The measuring half of a hang's explanation: where each process of a run was when it timed out.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "data/record.hpp"

namespace parex::spawn {

// The signal a Python program's faulthandler dumps its stack on (cases/support/python/sitecustomize.py),
// told to it as PAREX_STACK_SIGNAL.
int python_stack_signal();

// For each process (the runner's pids), read before anything is killed: its state, the call it is blocked in
// with its descriptors decoded, its MPI rank (its environment's), its stack (libdw; a Python program's own
// traceback), all within `budget`.
// A process that was running is stopped for a moment to read where; its `where` is a line of a file below
// `source_roots` (the case's folders; empty: any file not a library's). Never throws: what cannot be read is
// said in the process's `error`.
Hang capture_hang(const std::vector<pid_t>& host_pids, const std::vector<std::filesystem::path>& source_roots = {},
                  std::chrono::milliseconds budget = std::chrono::milliseconds(1000));

// The innermost line of the program's own code on `stack` (innermost first), "starter.cpp:17 in main": a frame
// in `program`'s module (not a shared library's), of a file below one of `source_roots` (any when empty) that is
// not a library's header; a source file's line before a header's (a case helper inlined into the learner's
// line). "" when no frame is the program's own.
std::string where_in(const std::vector<HangFrame>& stack, const std::string& program,
                     const std::vector<std::filesystem::path>& source_roots);

}  // namespace parex::spawn
