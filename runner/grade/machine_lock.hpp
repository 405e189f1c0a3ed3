// One timed grade at a time per machine: an flock on a well-known file, held while a variant with a timing check
// runs, so that the timed runs of separate parex processes (ctest -j in two build trees, grade-class beside a
// learner's ctest) never overlap and slow each other down.
#pragma once

#include <functional>
#include <string>

#include "base/fd.hpp"

namespace parex {

// The lock file: $PAREX_LOCK_FILE, else /tmp/parex-timed-runs.lock.
std::string machine_lock_path();

class MachineLock {
 public:
  MachineLock() = default;
  // Takes the lock, waiting while another runner holds it; `on_wait` is called once, before waiting. Where the
  // lock file cannot be opened or made, it goes on without the lock, and why_not() says so.
  static MachineLock acquire(const std::function<void()>& on_wait = {});
  double waited_s() const { return waited_s_; }
  const std::string& why_not() const { return why_not_; }
  bool held() const { return static_cast<bool>(fd_); }

 private:
  Fd fd_;  // the lock goes with the descriptor
  double waited_s_ = 0;
  std::string why_not_;
};

}  // namespace parex
