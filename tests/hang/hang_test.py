#!/usr/bin/env python3
"""A hanging fixture, graded: its timeout must name every process's blocked call, its source line, and the cycle.

    hang_test.py VARIANT --parex PAREX --case DIR --bin-dir DIR [--python PY] [--no-sandbox] [--captures N]

Each process's `where` must point at a line of the variant's own source marked "blocks" (or the line
after it, where a loop's call is); the calls, the cycle and the explanation are what EXPECTED says.
With --captures N the variant is graded N times and every capture must say so: where a spinning
program is stopped is chance, and one capture can pass by luck.
"""
import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

# variant -> the calls its processes are blocked in (sorted), whether a wait-for cycle is named, and a phrase
# of the explanation. A running process has no call ("").
EXPECTED = {
    "spin_global": ([""], False, "was running, not waiting"),
    "pipe_unclosed": (["read", "wait4"], False, "holds a write end of it itself"),
    "pipe_cycle": (["read", "read"], True, "deadlock, a wait-for cycle"),
    "full_pipe": (["wait4", "write"], True, "deadlock, a wait-for cycle"),
    "spin_global_py": ([""], False, "was running, not waiting"),
    "pipe_unclosed_py": (["read", "wait4"], False, "holds a write end of it itself"),
    "pipe_cycle_py": (["read", "read"], True, "deadlock, a wait-for cycle"),
    "full_pipe_py": (["wait4", "write"], True, "deadlock, a wait-for cycle"),
    "pool_unclosed_py": (None, False, None),  # the pool's threads wait on locks: the calls and lines only
    "pool_blocked": (["poll", "read", "read"], True, "deadlock, a wait-for cycle"),  # a socketpair's peers
    # the time bound, on 201 processes: the parent waits for its children, which wait for it to write
    "many_children": (["read"] * 200 + ["wait4"], True, "deadlock, a wait-for cycle"),
}


def marked_lines(source):
    lines = source.read_text().splitlines()
    marked = {i + 1 for i, line in enumerate(lines) if "blocks here" in line or "blocks in write() once" in line or "blocks once" in line}
    return marked | {n + 1 for n in marked}


def grade_once(args, source):
    """Grades the variant once: the problems with its hang capture (none: it explained the hang as EXPECTED), and
    the console."""
    calls, cycle, phrase = EXPECTED[args.variant]
    with tempfile.TemporaryDirectory() as results:
        command = [args.parex, "run", str(args.case), "--bin-dir", args.bin_dir, "--variant", args.variant,
                   "--results", results]
        command += ["--python", args.python] if args.python else []
        command += ["--no-sandbox"] if args.no_sandbox else []
        console = subprocess.run(command, capture_output=True, text=True, timeout=60).stdout
        result = json.loads((Path(results) / args.case.name / f"{args.variant}.json").read_text())
    problems = []
    hang = result["runs"][0].get("hang")
    if not hang:
        return ["the run that timed out has no hang capture"], console
    where_ok = marked_lines(source)
    for p in hang["processes"]:
        if not p["where"] and "time bound" in p.get("error", ""):
            continue  # past the capture's bound: the call is known, the stack is not
        where = p["where"]
        file, _, rest = where.partition(":")
        line = int(rest.split()[0]) if rest else 0
        if file != source.name or line not in where_ok:
            problems.append(f"pid {p['pid']}: where is {where!r}, not a line of {source.name} marked 'blocks' "
                            f"({sorted(where_ok)})")
        if p["pid"] == hang["processes"][0]["pid"] and not p["command"]:
            problems.append("the main process has no command")
    if calls is not None and sorted(p["syscall"] for p in hang["processes"]) != calls:
        problems.append(f"calls {sorted(p['syscall'] for p in hang['processes'])}, expected {calls}")
    if bool(hang["cycle"]) != cycle:
        problems.append(f"cycle {hang['cycle']}, expected {'one' if cycle else 'none'}")
    if phrase and not any(phrase in line for line in hang["explanation"]):
        problems.append(f"the explanation {hang['explanation']} does not say {phrase!r}")
    if hang["capture_s"] > 1.5:
        problems.append(f"the capture took {hang['capture_s']} s (bound: about 1 s)")
    timeout = next(c for c in result["checks"] if c["kind"] == "timeout")
    for p in hang["processes"]:
        if p["where"] and p["where"] not in timeout["detail"]:
            problems.append(f"the timeout check's detail does not show {p['where']!r}")
    if hang["processes"] and hang["processes"][0]["where"] not in console:
        problems.append("the console does not show where the main process was")
    return problems, console


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("variant")
    parser.add_argument("--parex", required=True)
    parser.add_argument("--case", required=True, type=Path)
    parser.add_argument("--bin-dir", required=True)
    parser.add_argument("--python")
    parser.add_argument("--no-sandbox", action="store_true")
    parser.add_argument("--captures", type=int, default=1, help="grade it this many times; every capture must pass")
    args = parser.parse_args()
    source = args.case / (args.variant[:-3] + ".py" if args.variant.endswith("_py") else args.variant + ".cpp")
    failed = 0
    for capture in range(1, args.captures + 1):
        problems, console = grade_once(args, source)
        if capture == 1 or problems:
            print(console)
        for problem in problems:
            print(f"FAIL (capture {capture} of {args.captures}):", problem)
        failed += bool(problems)
    if args.captures > 1:
        print(f"{args.captures - failed} of {args.captures} captures explained the hang")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
