#!/bin/sh
# Records ThreadSanitizer's reports for races_test: each program here built with GCC's TSan, run with the options a
# races run gets (checks/races.hpp kTsanOptions), its stderr saved as <name>.stderr and how it ended as <name>.exit
# ("exit 66", "signal 11"). Sources are mapped to /src/tsan so that the files read the same wherever recorded.
# Usage: tests/unit/tsan/record.sh  (needs g++ with libtsan; writes beside itself). Which thread TSan catches first,
# and so a report's order, changes from run to run: races_test names what these recordings say, check it after one.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export TSAN_OPTIONS="report_bugs=1 halt_on_error=0 exitcode=66 log_path=stderr history_size=4 report_signal_unsafe=0 suppressions="
build() {  # build <source> <binary> [flags...]
  source=$1 binary=$2
  shift 2
  g++ -std=c++20 -O1 -fsanitize=thread -fdebug-prefix-map="$here"=/src/tsan "$@" "$here/$source" -o "$work/$binary"
}
record() {  # record <name> <binary> [ulimit -v KiB]: runs it from the work folder (the module is its name)
  name=$1 binary=$2 limit=${3:-unlimited}
  set +e
  (cd "$work" && ulimit -v "$limit" && exec "./$binary") >/dev/null 2>"$here/$name.stderr"
  status=$?
  set -e
  sed -i "s|$work|/src/tsan|g" "$here/$name.stderr"  # the binary's folder, in a summary without symbols
  if [ "$status" -gt 128 ]; then echo "signal $((status - 128))"; else echo "exit $status"; fi >"$here/$name.exit"
  echo "$name: $(cat "$here/$name.exit")"
}
for program in clean counter several heap fake stray leak segv delete; do
  build "$program.cpp" "$program" -g
  record "$program" "$program"
done
# No symbols: every frame is <null>, the module and offset are all there is.
build counter.cpp stripped
strip "$work/stripped"
record stripped stripped
# TSan cannot start: its shadow memory does not fit in 1 GiB of address space ("CHECK failed", then a crash), and
# an address space too large to lift the limit to ("ERROR: ThreadSanitizer setrlimit() failed").
record fatal counter 1048576
record fatal_setrlimit counter 137438953472
