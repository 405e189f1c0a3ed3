#!/usr/bin/env python3
"""Render the class page of `parex grade-class` (OUT/class.html) from OUT/class.json and the learners' results.

It shows each learner's score, the distribution of scores, each check's failure rate, each case's
speedups and the most common failure messages. It is the grader's page: each learner's own page
(OUT/learners/<learner>/report) shows that learner's results alone.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import class_model  # noqa: E402
import exports  # noqa: E402
import atomic_files  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", metavar="OUT", help="the folder parex grade-class wrote")
    args = parser.parse_args(argv)
    try:
        import jinja2
    except ImportError:
        print("class_report.py: needs Jinja2: apt-get install python3-jinja2", file=sys.stderr)
        return 2
    model = class_model.build_class_model(args.out)
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True)
    css = (HERE / "templates" / "report.css").read_text(encoding="utf-8")
    html = env.get_template("class.html.j2").render(css=css, **model)
    target = Path(args.out) / "class.html"
    atomic_files.write_atomically(target, html)
    print(f"class_report.py: {len(model['learners'])} learner(s) -> {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
