#!/usr/bin/env python3
"""Render parex results (parex-result/1 JSON) into one self-contained HTML report.

Reads RESULTS_DIR/<case>/<variant>.json from each results directory (a later directory wins
on the same case/variant) and writes OUT/index.html: a summary, a filterable table of graded
variants, and per variant its checks with diagnostics, output timelines and repetition times.
"""
from __future__ import annotations

import argparse
import datetime
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import exports  # noqa: E402
import atomic_files  # noqa: E402
import history  # noqa: E402
import report_model  # noqa: E402


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results", nargs="+", metavar="RESULTS_DIR", help="directories of parex results")
    parser.add_argument("--out", required=True, metavar="DIR", help="where index.html is written")
    parser.add_argument("--history", metavar="FILE", help="append this run to FILE (JSON lines) and show trends")
    for name in exports.FORMATS:
        parser.add_argument(f"--{name}", metavar="FILE", help=f"also write {name}'s results.json")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    try:
        import jinja2
    except ImportError:
        print(f"render.py: error: Jinja2 is not importable by {sys.executable}; "
              "install Debian's python3-jinja2 and run with /usr/bin/python3", file=sys.stderr)
        return 2
    for directory in args.results:
        if not Path(directory).is_dir():
            print(f"render.py: error: {directory} is not a directory of results "
                  "(run ctest first: it writes <build>/parex-results)", file=sys.stderr)
            return 2

    loaded = report_model.load_results(args.results)
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    trends = {}
    if args.history:
        history.append(args.history, history.summarise(loaded.results, now))
        trends = history.trends(history.read(args.history))
    model = report_model.build_model(loaded, trends)
    model["generated_at"] = now

    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"),
                                     autoescape=True, trim_blocks=True, lstrip_blocks=True)
    environment.globals["inline"] = lambda name: (HERE / "templates" / name).read_text(encoding="utf-8")
    page = environment.get_template("index.html.j2").render(**model)
    out = Path(args.out) / "index.html"
    atomic_files.write_atomically(out, page)
    exports.write(loaded.results, {name: getattr(args, name) for name in exports.FORMATS})

    summary = model["summary"]
    others = "".join(f", {summary[k]} {k.replace('_', ' ')}" for k in ("build_error", "missing") if summary.get(k))
    print(f"render.py: {summary['total']} result(s): {summary['pass']} passed, {summary['fail']} failed, "
          f"{summary['error']} error(s){others} -> {out}")
    for path, problem in loaded.problems:
        print(f"render.py: warning: skipped {path}: {problem}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
