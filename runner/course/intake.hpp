// Taking a learner's files: what a submission hands in is read beneath its folder, component by component, never
// through a link (openat2: RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS), regular files only, each and all of them capped.
// A link can name the reference, another learner's folder or anything else on the machine; a FIFO or a /proc file
// can block or grow a read without end.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/fd.hpp"

namespace parex {

struct IntakeLimits {
  std::size_t max_file_bytes = 1 << 20;    // one file
  std::size_t max_total_bytes = 16 << 20;  // every file taken from one submission
  std::size_t max_entries = 10000;         // files and folders looked at, per case folder
};

struct TakenFile {
  std::string relative;  // below the case folder, '/'-separated
  std::string content;
};

struct CaseIntake {
  std::string folder;                // the folder taken ("square_cube" or "cases/square_cube"); "" when none
  std::string refused;               // why the case's folder could not be taken ("square_cube/ is a link")
  std::vector<TakenFile> files;      // sorted by path
  std::vector<std::string> skipped;  // "x.cpp (a link)", "big.cpp (over 1 MiB)", "fifo (not a regular file)"
};

// Opens the submission's folder, as the grader named it, for the reads below. Throws when it is not a folder.
Fd open_submission(const std::filesystem::path& root);

// The first of `candidates` (folders below `root_fd`, e.g. {"square_cube", "cases/square_cube"}) that exists, and
// its files. `total` counts the bytes taken across calls, against limits.max_total_bytes.
CaseIntake take_case_folder(int root_fd, const std::vector<std::string>& candidates, const IntakeLimits& limits,
                            std::size_t& total);

// A small file below `root_fd`, read without following a link; nullopt with `why` when it is missing, a link, not a
// regular file or over `max_bytes`.
std::optional<std::string> read_beneath(int root_fd, const std::string& relative, std::size_t max_bytes,
                                        std::string& why);

// Whether `name` holds a control character (a line break forges a row of a list; an escape, a terminal's state).
bool has_control_character(std::string_view name);

}  // namespace parex
