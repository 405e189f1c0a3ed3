#!/usr/bin/env python3
"""The build phase of `parex grade --submission`: the default catalog's reference submission graded N times.

    submission_build_bench.py --parex P --catalog CASES [--runs 5] [--parex-before OLD]

The submission is each case's reference (parallel.cpp or parallel.py) handed in as its starter. Each grade's
`audit.build_s` (configure and every case's build, in the workspace) is printed with the median; with
--parex-before the same for another parex, graded alternately, and the ratio of the medians (PERFORMANCE row 11).
"""
import argparse
import json
import shutil
import statistics
import subprocess
import tempfile
from pathlib import Path


def reference_submission(catalog, into):
    for case in sorted(Path(catalog).iterdir()):
        for source, target in (("parallel.cpp", "starter.cpp"), ("parallel.py", "starter.py")):
            if (case / source).is_file() and (case / "case.toml").is_file():
                (into / case.name).mkdir(parents=True, exist_ok=True)
                shutil.copyfile(case / source, into / case.name / target)


def grade(parex, catalog, submission, results):
    shutil.rmtree(results, ignore_errors=True)
    subprocess.run([parex, "grade", catalog, "--submission", str(submission), "--results", str(results)],
                   check=False, capture_output=True, text=True)
    report = json.loads((results / "submission.json").read_text())
    return report["audit"]["build_s"], report["score"], report["max_score"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parex", required=True)
    parser.add_argument("--parex-before")
    parser.add_argument("--catalog", required=True)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        reference_submission(args.catalog, work / "submission")
        builds = {name: [] for name, parex in (("before", args.parex_before), ("after", args.parex)) if parex}
        for i in range(args.runs):
            for name, parex in (("before", args.parex_before), ("after", args.parex)):
                if not parex:
                    continue
                build_s, score, max_score = grade(parex, args.catalog, work / "submission", work / f"results-{name}")
                builds[name].append(build_s)
                print(f"{name} #{i + 1}: build phase {build_s:.2f} s, {score:g}/{max_score:g} points", flush=True)
        for name, values in builds.items():
            print(f"{name}: median {statistics.median(values):.2f} s over {len(values)} ({min(values):.2f}-{max(values):.2f})")
        if len(builds) == 2:
            print(f"after / before: {statistics.median(builds['after']) / statistics.median(builds['before']):.3f}")


if __name__ == "__main__":
    main()
