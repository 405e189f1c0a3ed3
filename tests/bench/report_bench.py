#!/usr/bin/env python3
"""How the report and the class page scale: rendered size and time, and (with --browser) opening time.

    /usr/bin/python3 tests/bench/report_bench.py [--results build/parex-results] [--only square_cube/parallel]
                                                 [--count 1000] [--learners 300] [--cases 7] [--browser]

The report: copies of the results of RESULTS (a graded catalog; the golden inputs when it has none),
or of ONLY alone, under new case names until COUNT exist, rendered once by reports/render.py. The class
page: LEARNERS x CASES results made by tests/report/make_class.py, rendered by reports/class_report.py.
Prints wall time and size of each; with --browser, how long headless Chromium takes to open them
(tests/report/browser: open_time.mjs, class_test.mjs, which also checks what the class page shows).
Targets: the report under 5 s and 5 MB; the class page under 5 MB, open in under 2 s. Exit 1 above one.
"""
import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BROWSER = ROOT / "tests" / "report" / "browser"


def timed(command):
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def node(script, *args):
    done = subprocess.run(["node", str(BROWSER / script), *map(str, args)], capture_output=True, text=True, cwd=BROWSER)
    print("  " + "\n  ".join(line for line in done.stdout.splitlines() if line.strip()))
    return done.returncode == 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=ROOT / "build" / "parex-results")
    parser.add_argument("--only", metavar="CASE/VARIANT", help="copy this one result (the issue's input: square_cube/parallel)")
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--learners", type=int, default=300)
    parser.add_argument("--cases", type=int, default=7)
    parser.add_argument("--browser", action="store_true", help="also time opening both pages in headless Chromium")
    args = parser.parse_args()

    sources = sorted(args.results.glob("*/*.json")) or sorted((ROOT / "tests/report/inputs/good").glob("*/*.json"))
    if args.only:
        sources = [p for p in sources if f"{p.parent.name}/{p.stem}" == args.only]
    templates = []
    for path in sources:
        try:
            templates.append(json.loads(path.read_text()))
        except ValueError:
            pass
    if not templates:
        sys.exit(f"report_bench.py: no results in {args.results}" + (f" for {args.only}" if args.only else ""))
    ok = True
    with tempfile.TemporaryDirectory(prefix="parex-report-bench-") as tmp:
        results = Path(tmp) / "results"
        for i in range(args.count):
            result = dict(templates[i % len(templates)])
            result["case"] = f"synthetic_{i:04d}"
            folder = results / result["case"]
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{result['variant']}.json").write_text(json.dumps(result))
        out = Path(tmp) / "report"
        seconds = timed([sys.executable, str(ROOT / "reports" / "render.py"), str(results), "--out", str(out)])
        size = (out / "index.html").stat().st_size
        what = args.only or f"{len(templates)} real ones"
        print(f"report of {args.count} results (copies of {what}): {seconds:.2f} s, index.html {size / 1e6:.2f} MB "
              f"(targets < 5 s, < 5 MB)")
        ok &= seconds < 5 and size < 5e6
        if args.browser:
            ok &= node("open_time.mjs", out / "index.html")

        klass = Path(tmp) / "class"
        subprocess.run([sys.executable, str(ROOT / "tests/report/make_class.py"), str(klass), "--learners",
                        str(args.learners), "--cases", str(args.cases), "--results", str(args.results)],
                       check=True, stdout=subprocess.DEVNULL)
        seconds = timed([sys.executable, str(ROOT / "reports" / "class_report.py"), str(klass)])
        size = (klass / "class.html").stat().st_size
        print(f"class page of {args.learners} learners x {args.cases} cases: {seconds:.2f} s, class.html "
              f"{size / 1e6:.2f} MB (target < 5 MB, opens < 2 s)")
        ok &= size < 5e6
        if args.browser:
            ok &= node("class_test.mjs", klass / "class.html", args.learners)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
