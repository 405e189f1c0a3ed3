#!/usr/bin/env python3
"""parex's timing figures (issue 7), each printed with its target.

  overhead  per-run overhead of `parex run` on an empty program vs `hyperfine -N` on the same
  sandbox   what the sandbox adds per run: the same, sandboxed and with --no-sandbox
  capture   line-capture throughput (lines/s), timestamp accuracy (median, p99 error), start offset
  accuracy  square_cube graded N times at the catalog's time_scale: every measured speedup in 1.85-2.1
  flakes    each timing case of the default catalog graded N times: verdict flips

Run from the source tree after building: tests/bench/timing_bench.py SUBCOMMAND [--build build].
"""
import argparse
import json
import math
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def case_python(build):
    """The PAREX_CASE_PYTHON the build chose (what ctest passes as --python), or None."""
    cache = build / "CMakeCache.txt"
    for line in cache.read_text().splitlines() if cache.exists() else []:
        if line.startswith("PAREX_CASE_PYTHON:") and line.split("=", 1)[1]:
            return line.split("=", 1)[1]
    return None


def parex_run(build, case_dir, bin_dir, results, variant=None, extra=()):
    command = [str(build / "runner/parex"), "run", str(case_dir), "--bin-dir", str(bin_dir), "--results", str(results)]
    if python := case_python(build):
        command += ["--python", python]
    if variant:
        command += ["--variant", variant]
    return subprocess.run(command + list(extra), capture_output=True, text=True)


def scratch_case(directory, toml):
    directory.chmod(0o755)  # a sandboxed run's uid must reach the case (a temporary directory is 0700)
    case = directory / "bench_case"
    case.mkdir(parents=True, exist_ok=True)
    (case / "case.toml").write_text(toml)
    return case


def median_interval(values, confidence=0.95):
    """The median of `values` and a distribution-free interval for it (order statistics of a binomial)."""
    ordered, n = sorted(values), len(values)
    k, tail = 0, 0.5 ** n  # P(fewer than k+1 of n below the median)
    while k + 1 < n and tail + math.comb(n, k + 1) * 0.5 ** n <= (1 - confidence) / 2:
        k += 1
        tail += math.comb(n, k) * 0.5 ** n
    return statistics.median(ordered), ordered[k], ordered[n - 1 - k]


def timed(command, runs):
    """Wall and CPU (user + sys, children included) per run of one whole command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, capture_output=True, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return wall / runs, cpu / runs


def overhead(args):
    empty = args.build / "tests/bench_empty"
    hyperfine = shutil.which("hyperfine")
    if not hyperfine:
        print("timing_bench.py: hyperfine not found: apt-get install hyperfine", file=sys.stderr)
        return 2
    runs = args.runs
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        case = scratch_case(tmp, f'title = "empty"\nrepetitions = {runs}\n[variants.parallel]\ncommand = ["{empty}"]\nexpect = "pass"\n')
        parex = [str(args.build / "runner/parex"), "run", str(case), "--bin-dir", str(tmp), "--results", str(tmp / "results")]
        if args.no_sandbox:
            parex.append("--no-sandbox")
        bare = [hyperfine, "-N", "--runs", str(runs), "--style", "none", str(empty)]
        walls, cpus = [], []
        # The VM's speed drifts by +-15% over seconds: each round times both commands back to back, in
        # alternating order, and the figure is the median of the rounds' ratios.
        for round_ in range(args.rounds):
            if round_ % 2 == 0:
                p, h = timed(parex, runs), timed(bare, runs)
            else:
                h, p = timed(bare, runs), timed(parex, runs)
            walls.append(p[0] / h[0])
            cpus.append(p[1] / h[1])
            print(f"  round {round_ + 1:2}, {runs} runs each: parex {p[0] * 1e6:.0f} us/run, hyperfine -N {h[0] * 1e6:.0f} us/run, "
                  f"ratio {walls[-1]:.2f} (CPU {cpus[-1]:.2f})")
    ratio, low, high = median_interval(walls)
    cpu, cpu_low, cpu_high = median_interval(cpus)
    print(f"per-run overhead, parex / hyperfine -N (whole command, wall, median of {args.rounds} rounds): "
          f"{ratio:.2f}x [{low:.2f}, {high:.2f}] (target <= 1.1)")
    print(f"  the same in CPU time (user + sys of the command and its children): {cpu:.2f}x [{cpu_low:.2f}, {cpu_high:.2f}]")
    return 0 if ratio <= 1.1 else 1


def sandbox_cost(args):
    """What the sandbox adds per run: parex run on an empty program, sandboxed and with --no-sandbox."""
    empty = args.build / "tests/bench_empty"
    runs = args.runs
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        case = scratch_case(tmp, f'title = "empty"\nrepetitions = {runs}\n[variants.parallel]\ncommand = ["{empty}"]\nexpect = "pass"\n')
        parex = [str(args.build / "runner/parex"), "run", str(case), "--bin-dir", str(tmp), "--results", str(tmp / "results")]
        added, ratios = [], []
        for round_ in range(args.rounds):
            order = [parex, parex + ["--no-sandbox"]][:: 1 if round_ % 2 == 0 else -1]
            first, second = (timed(command, runs) for command in order)
            sandboxed, bare = (first, second) if round_ % 2 == 0 else (second, first)
            added.append(sandboxed[0] - bare[0])
            ratios.append(sandboxed[0] / bare[0])
            print(f"  round {round_ + 1:2}, {runs} runs each: sandboxed {sandboxed[0] * 1e6:.0f} us/run, "
                  f"--no-sandbox {bare[0] * 1e6:.0f} us/run, +{added[-1] * 1e6:.0f} us")
    cost, low, high = median_interval(added)
    ratio = statistics.median(ratios)
    print(f"the sandbox adds {cost * 1e6:.0f} us per run [{low * 1e6:.0f}, {high * 1e6:.0f}] (median of {args.rounds} rounds; "
          f"{ratio:.2f}x the unsandboxed run) (target <= 500 us)")
    return 0 if cost <= 500e-6 else 1


def capture(args):
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        flood = args.build / "tests/bench_lines_flood"
        lines = 1_000_000
        case = scratch_case(tmp, f'title = "flood"\nrepetitions = 3\n[limits]\nmax_output_bytes = 100000000\n'
                                 f'[variants.parallel]\ncommand = ["{flood}", "{lines}"]\nexpect = "pass"\n')
        parex_run(args.build, case, tmp, tmp / "results")
        result = json.loads((tmp / "results/bench_case/parallel.json").read_text())
        rates = [len(run["lines"]) / run["wall_s"] for run in result["runs"]]
        assert all(len(run["lines"]) == lines for run in result["runs"]), "lines were lost"
        rate = statistics.median(rates)

        timed = args.build / "tests/bench_lines_timed"
        case = scratch_case(tmp, f'title = "timed"\nrepetitions = 1\n[variants.parallel]\ncommand = ["{timed}", "300", "3"]\nexpect = "pass"\n')
        parex_run(args.build, case, tmp, tmp / "results")
        run = json.loads((tmp / "results/bench_case/parallel.json").read_text())["runs"][0]
        probe_t = {int(p["value"]): p["t_s"] for p in run["probes"]}
        errors = sorted(line["t_s"] - probe_t[int(line["text"].split()[1])] for line in run["lines"])
        median_us = statistics.median(errors) * 1e6
        p99_us = errors[int(len(errors) * 0.99) - 1] * 1e6

        # A run's time leaves out its cgroup joins: a probe 30 ms into the program should read 30 ms plus
        # fork, exec and the sleep's overshoot, whatever the joins cost (a cold one ~10 ms).
        case = scratch_case(tmp, f'title = "start"\nrepetitions = 20\n[variants.parallel]\ncommand = ["{timed}", "1", "30"]\nexpect = "pass"\n')
        parex_run(args.build, case, tmp, tmp / "results")
        runs = json.loads((tmp / "results/bench_case/parallel.json").read_text())["runs"]
        offsets = sorted((run["probes"][0]["t_s"] - 0.030) * 1e3 for run in runs)
    print(f"line capture: {rate / 1e6:.2f} M lines/s (median of 3 runs of {lines} lines; target >= 1 M lines/s)")
    print(f"timestamp error: median {median_us:.0f} us, p99 {p99_us:.0f} us over {len(errors)} lines (target median <= 100 us)")
    print(f"start offset (a probe 30 ms into the program, less 30 ms): median {statistics.median(offsets):.2f} ms, "
          f"max {offsets[-1]:.2f} ms over {len(offsets)} runs")
    return 0 if rate >= 1e6 and median_us <= 100 else 1


def accuracy(args):
    case = ROOT / "cases/square_cube"
    measured = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.runs):
            parex_run(args.build, case, args.build / "parex-bin/square_cube", tmp, "parallel")
            result = json.loads((Path(tmp) / "square_cube/parallel.json").read_text())
            measured.append(next(c["measured"] for c in result["checks"] if c["kind"] == "speedup"))
            print(f"  grade {i + 1:2}: {measured[-1]:.3f}x")
    inside = all(1.85 <= m <= 2.1 for m in measured)
    print(f"square_cube speedup over {len(measured)} grades at time_scale {result['machine']['time_scale']}: min {min(measured):.3f}x, "
          f"median {statistics.median(measured):.3f}x, max {max(measured):.3f}x; all within 1.85-2.1: {inside}")
    return 0 if inside else 1


def flakes(args):
    cases = []
    for case_dir in sorted((ROOT / "cases").iterdir()):
        toml = case_dir / "case.toml"
        if toml.exists() and ('"speedup"' in toml.read_text() or '"benchmark_speedup"' in toml.read_text()):
            cases.append(case_dir)
    if args.only:
        cases = [c for c in cases if c.name in args.only]
    total_flips = 0
    with tempfile.TemporaryDirectory() as tmp:
        for case_dir in cases:
            statuses, speedups, seconds, reused = {}, {}, {}, {}
            for i in range(args.runs):
                # the case's variants in one runner, in catalog order, sharing a results folder: as ctest grades them
                # (an expected-to-fail one reuses the baseline run the reference recorded)
                parex_run(args.build, case_dir, args.build / "parex-bin" / case_dir.name, tmp)
                for result_file in (Path(tmp) / case_dir.name).glob("*.json"):
                    result = json.loads(result_file.read_text())
                    statuses.setdefault(result_file.stem, []).append(result["status"])
                    seconds.setdefault(result_file.stem, []).append(result.get("duration_s", 0))
                    reused[result_file.stem] = reused.get(result_file.stem, 0) + any(r.get("reused_from") for r in result["runs"])
                    for check in result.get("checks", []):
                        if check.get("kind") in ("speedup", "benchmark_speedup") and check.get("measured") is not None:
                            speedups.setdefault(result_file.stem, []).append(check["measured"])
            for variant, seen in sorted(statuses.items()):
                majority = max(set(seen), key=seen.count)
                flips = sum(1 for s in seen if s != majority)
                total_flips += flips
                ratios = sorted(speedups.get(variant, []))
                spread = f", speedup {ratios[0]:.2f}-{ratios[-1]:.2f}x (median {ratios[len(ratios) // 2]:.2f}x)" if ratios else ""
                took = sorted(seconds[variant])
                print(f"  {case_dir.name}/{variant}: {len(seen)} grades, {seen.count('pass')} met the expectation, "
                      f"{flips} flip(s), {seen.count('error')} error(s){spread}; grade {took[0]:.2f}-{took[-1]:.2f} s "
                      f"(median {took[len(took) // 2]:.2f} s), a baseline run reused in {reused[variant]}", flush=True)
    print(f"verdict flips over {args.runs} grades of each timing case: {total_flips} (target 0)")
    return 0 if total_flips == 0 else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("figure", choices=["overhead", "sandbox", "capture", "accuracy", "flakes"])
    parser.add_argument("--build", type=Path, default=ROOT / "build")
    parser.add_argument("--runs", type=int, help="runs/grades per measurement")
    parser.add_argument("--rounds", type=int, default=20, help="overhead: rounds to take the median of")
    parser.add_argument("--only", nargs="*", help="flakes: only these cases")
    parser.add_argument("--no-sandbox", action="store_true", help="overhead: the runs unsandboxed (the sandbox's cost is `sandbox`)")
    args = parser.parse_args()
    args.build = args.build.resolve()
    args.runs = args.runs or {"overhead": 1000, "sandbox": 300, "capture": 3, "accuracy": 20, "flakes": 50}[args.figure]
    return {"overhead": overhead, "sandbox": sandbox_cost, "capture": capture, "accuracy": accuracy, "flakes": flakes}[args.figure](args)


if __name__ == "__main__":
    sys.exit(main())
