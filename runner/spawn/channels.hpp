// Channels: how a run's output and probe records reach the runner. Reused pipes for stdout and stderr, a
// SOCK_SEQPACKET probe socket whose records carry their sender as the kernel knows it (SCM_CREDENTIALS), the
// init's exit pipe; lines stamped on arrival; probe records parsed; what a run sends counted against its limit.
#pragma once

#include <fcntl.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/fd.hpp"
#include "data/record.hpp"

namespace parex::spawn {

// Splits a byte stream into lines, each stamped with the arrival time of its newline.
class LineAssembler {
 public:
  LineAssembler(Stream stream, std::vector<Line>& out) : stream_(stream), out_(out) {}

  void feed(const char* data, std::size_t size, double t_s) {
    std::string_view chunk(data, size);
    while (!chunk.empty()) {
      auto newline = chunk.find('\n');
      if (newline == std::string_view::npos) {
        partial_.append(chunk);  // a line is kept whole, however long: max_output_bytes bounds it
        return;
      }
      partial_.append(chunk.substr(0, newline));
      flush(t_s);
      chunk.remove_prefix(newline + 1);
    }
  }

  void finish(double t_s) {
    if (!partial_.empty()) flush(t_s);
  }

 private:
  void flush(double t_s) {
    if (!partial_.empty() && partial_.back() == '\r') partial_.pop_back();  // a pty's newline is "\r\n"
    out_.push_back({t_s, stream_, std::move(partial_)});
    partial_.clear();
  }

  Stream stream_;
  std::vector<Line>& out_;
  std::string partial_;
};

// What a run may send the runner: its output (stdout and stderr) and its probe records together count towards one
// limit, max_output_bytes, so that neither can make the run's result larger than a few times it. Counts what
// arrives and says what of it to keep; passing the limit is an output flood, and the run is stopped.
class SendBudget {
 public:
  // A probe record counts this much more than its bytes: about what the result adds to each (its times, pids and
  // keys), so that a flood of tiny records is bounded as surely as one of large ones.
  static constexpr std::size_t kProbeRecordOverhead = 64;
  enum class Passed { no, by_output, by_probes };

  explicit SendBudget(std::size_t limit) : limit_(limit) {}

  // A line of output counts this much more than its bytes, at its line break: about what a line costs the runner's
  // memory and the result (its time, its stream, the JSON around its text), so that a flood of empty lines is
  // bounded as surely as one of long lines (8 MiB of them: 8 million lines, a 600 MB result, 7.5 GiB of memory).
  static constexpr std::size_t kLineOverhead = 32;

  // Counts the `size` bytes of output at `data`, each line break kLineOverhead more; returns how many of them to keep
  // (those within the limit).
  std::size_t take_output(const char* data, std::size_t size) {
    const std::size_t room = left();
    const auto breaks = static_cast<std::size_t>(std::count(data, data + size, '\n'));
    output_bytes_ += size;
    line_charge_ += breaks * kLineOverhead;
    if (size + breaks * kLineOverhead <= room) return size;
    pass(Passed::by_output);
    std::size_t used = 0, keep = 0;
    for (; keep < size; ++keep) {
      used += 1 + (data[keep] == '\n' ? kLineOverhead : 0);
      if (used > room) break;
    }
    return keep;
  }

  // Counts a probe record of `size` bytes; whether to keep it: only whole, and only within the limit.
  bool take_probe(std::size_t size) {
    const std::size_t room = left(), counted = size + kProbeRecordOverhead;
    probe_bytes_ += counted;
    if (counted <= room) return true;
    pass(Passed::by_probes);
    return false;
  }

  // Whether the limit was passed, and by what first.
  Passed passed() const { return passed_; }
  std::size_t output_bytes() const { return output_bytes_; }
  // What the output's line breaks counted beyond its bytes (kLineOverhead each).
  std::size_t line_charge() const { return line_charge_; }
  // The probe records' bytes, each with kProbeRecordOverhead.
  std::size_t probe_bytes() const { return probe_bytes_; }

 private:
  std::size_t left() const {
    const std::size_t used = output_bytes_ + line_charge_ + probe_bytes_;
    return used >= limit_ ? 0 : limit_ - used;
  }
  void pass(Passed by) {
    if (passed_ == Passed::no) passed_ = by;
  }

  std::size_t limit_;
  std::size_t output_bytes_ = 0, line_charge_ = 0, probe_bytes_ = 0;
  Passed passed_ = Passed::no;
};

// Parses "P\t<pid>\t<t_ns>\t<name>\t<value>\n" (cases/support/parex/probe.hpp); nullopt if malformed.
std::optional<ProbeRecord> parse_probe(std::string_view message, std::int64_t t0_ns);

// The runs' stdout and stderr pipes and probe channel, made once and reused (making and closing them
// cost nine system calls a run). The runner keeps the write ends, so a run's output never ends in
// end-of-file: a run is over when its tree is dead and everything it wrote has been read, which is
// exact, as no process outside the tree holds them. A run that did not get there (an exception) leaves
// them dirty, and the next one makes new ones. capture = "pty" uses a terminal of its own per run.
struct Channels {
  Fd out_read, out_write, err_read, err_write, probe_read, probe_write;
  Fd exit_read, exit_write;  // a sandboxed run's init says here that the main process exited
  bool dirty = true;

  // Whether the run's programs changed what the next run's would inherit: the write ends' file status
  // flags are shared with every process holding them (an event loop may make its stdout O_NONBLOCK).
  bool tampered() const;

  // The channels for the next run: the last ones if they were left clean, else new ones.
  static Channels& reusable();

 private:
  static Channels make();
  int write_flags_[3] = {};
};

// Empties the pipe where a run's init reports the main process's exit, for the next run.
void drain_exit_pipe(Channels& channels);

}  // namespace parex::spawn
