#!/usr/bin/env python3
"""How long the report takes for many results: N copies of real results (default 1000) rendered once.

    /usr/bin/python3 tests/bench/report_bench.py [--results build/parex-results] [--count 1000]

Copies each result of RESULTS (a graded catalog; the golden inputs when it has none) under new case
names until COUNT results exist, renders them with reports/render.py, and prints the wall time and
the size of index.html. Target: under 5 s for 1000 results.
"""
import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=ROOT / "build" / "parex-results")
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--target", type=float, default=5.0, help="seconds; exit 1 above it")
    args = parser.parse_args()

    sources = sorted(args.results.glob("*/*.json")) or sorted((ROOT / "tests/report/inputs/good").glob("*/*.json"))
    templates = []
    for path in sources:
        try:
            templates.append(json.loads(path.read_text()))
        except ValueError:
            pass
    if not templates:
        sys.exit(f"report_bench.py: no results in {args.results}")
    with tempfile.TemporaryDirectory(prefix="parex-report-bench-") as tmp:
        results = Path(tmp) / "results"
        for i in range(args.count):
            result = dict(templates[i % len(templates)])
            result["case"] = f"{result['case']}_{i // len(templates):04d}"
            folder = results / result["case"]
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{result['variant']}.json").write_text(json.dumps(result))
        out = Path(tmp) / "report"
        started = time.perf_counter()
        subprocess.run([sys.executable, str(ROOT / "reports" / "render.py"), str(results), "--out", str(out)],
                       check=True, stdout=subprocess.DEVNULL)
        seconds = time.perf_counter() - started
        size = (out / "index.html").stat().st_size
    print(f"report of {args.count} results (copies of {len(templates)} real ones): "
          f"{seconds:.2f} s, index.html {size / 1e6:.1f} MB (target < {args.target:.0f} s)")
    return 0 if seconds < args.target else 1


if __name__ == "__main__":
    sys.exit(main())
