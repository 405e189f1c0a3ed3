#!/usr/bin/env python3
"""A busy machine never fails a right answer: each timing case's reference, graded beside a CPU hog.

    busy_machine.py --parex P --cases DIR --bin-root DIR [--python PY] [--only CASE ...] [--hogs N]

Grades the `parallel` variant of every catalog case with a speedup or benchmark_speedup check while N busy loops
(default 1) run on the machine. With parex's detection of other processes' load (the default) each reference must
be pass, or error ("the machine was busy ..."), never fail. The same grades with the detection turned off
(PAREX_NO_LOAD_DETECTION=1) show what it is for: the CPU-bound references fail (pool_map measured 0.94x beside one
busy loop on 2 cores), and the test requires that at least one does.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path


def timing_cases(cases_dir, only):
    for case_dir in sorted(Path(cases_dir).iterdir()):
        toml = case_dir / "case.toml"
        if not toml.exists() or (only and case_dir.name not in only):
            continue
        text = toml.read_text()
        if '"speedup"' in text or '"benchmark_speedup"' in text:
            yield case_dir


def grade(args, case_dir, results, detection):
    command = [args.parex, "run", str(case_dir), "--bin-dir", str(Path(args.bin_root) / case_dir.name),
               "--variant", "parallel", "--results", str(results)]
    if args.python:
        command += ["--python", args.python]
    env = dict(os.environ)
    if not detection:
        env["PAREX_NO_LOAD_DETECTION"] = "1"
    subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)
    result = json.loads((Path(results) / case_dir.name / "parallel.json").read_text())
    speedup = next((c for c in result.get("checks", []) if c.get("kind") in ("speedup", "benchmark_speedup")), {})
    shares = [run["foreign_share"] for run in result.get("runs", []) if "foreign_share" in run]
    return result["status"], speedup.get("message") or result.get("error") or "", shares


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parex", required=True)
    parser.add_argument("--cases", required=True)
    parser.add_argument("--bin-root", required=True)
    parser.add_argument("--python")
    parser.add_argument("--only", nargs="*")
    parser.add_argument("--hogs", type=int, default=1)
    args = parser.parse_args()

    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(args.hogs)]
    failures, undetected_failures = [], []
    try:
        with tempfile.TemporaryDirectory() as results:
            for case_dir in timing_cases(args.cases, args.only):
                status, message, shares = grade(args, case_dir, results, detection=True)
                busiest = f", foreign_share up to {max(shares):.2f}" if shares else ""
                print(f"{case_dir.name}/parallel beside {args.hogs} busy loop(s): {status}: {message}{busiest}", flush=True)
                if status == "fail":
                    failures.append(f"{case_dir.name}/parallel: {message}")
                status, message, _ = grade(args, case_dir, results, detection=False)
                print(f"  without the detection (PAREX_NO_LOAD_DETECTION=1): {status}: {message}", flush=True)
                if status == "fail":
                    undetected_failures.append(case_dir.name)
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()
    if failures:
        print("a busy machine failed a reference: " + "; ".join(failures))
        return 1
    if not undetected_failures:
        print("no reference failed without the detection either: this machine shows nothing (more --hogs?)")
        return 1
    print(f"no reference failed; without the detection {len(undetected_failures)} did: {', '.join(undetected_failures)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
