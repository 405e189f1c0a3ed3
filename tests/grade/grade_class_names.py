#!/usr/bin/env python3
"""grades.csv under attack (issue 28): learner folders named like spreadsheet formulas, or holding a comma, a quote,
a tab or a line break, go through `parex grade-class` and its grades.csv is read back with Python's csv module: one
row per learner, each learner's name as it is (a formula's behind a leading '), no cell a formula, scores plain numbers.
A name with a control character (the tab, the line break) is refused, with a message, and has no row.

    grade_class_names.py PAREX CATALOG WORK
"""
import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

CASE = "join_semantics"
RIGHT = '=HYPERLINK("evil.example","x")'  # a folder name cannot hold '/', so no "http://"
# Each learner and what it must earn: the formula hands in the reference; the others the starter, or nothing.
LEARNERS = {RIGHT: ("1", "pass"), "+1+1": ("0", "fail"), "-2": ("0", "missing"), "@SUM(A1)": ("0", "missing"),
            "a,b": ("0", "fail"), 'say "hi"': ("0", "missing"), "\t=1+1": ("0", "missing"),
            "line\nbreak": ("0", "missing"), "plain": ("0", "missing")}
REFUSED = {"\t=1+1", "line\nbreak"}  # control characters: refused on every path
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


def fail(message):
    print(f"FAIL: {message}")
    sys.exit(1)


def main(parex, catalog, work):
    work = Path(work)
    shutil.rmtree(work, ignore_errors=True)
    edition, submissions, out = work / "edition", work / "class", work / "out"
    subprocess.run([parex, "export", catalog, "--learner", "--out", str(edition), "--without-parex-source"],
                   check=True, stdout=subprocess.DEVNULL)
    for learner, (_, status) in LEARNERS.items():
        folder = submissions / learner
        folder.mkdir(parents=True)
        if status != "missing":
            shutil.copytree(edition / "cases" / CASE, folder / CASE)
    shutil.copyfile(Path(catalog) / CASE / "parallel.cpp", submissions / RIGHT / CASE / "starter.cpp")

    done = subprocess.run([parex, "grade-class", catalog, str(submissions), "--out", str(out), "--case", CASE,
                           "--no-pages"], capture_output=True, text=True)
    print(done.stdout, done.stderr)
    if done.returncode not in (0, 1):
        fail(f"parex grade-class exited {done.returncode}")

    raw = (out / "grades.csv").read_bytes().decode()
    print(raw)
    rows = list(csv.reader(io.StringIO(raw, newline="")))
    if rows[0] != ["learner", "case", "score", "max_score", "status"]:
        fail(f"the header is {rows[0]}")
    for learner in REFUSED:
        if f"refused {json.dumps(learner)}" not in done.stderr:
            fail(f"{learner!r} was not refused with a message")
    if len(rows) - 1 != len(LEARNERS) - len(REFUSED):
        fail(f"{len(rows) - 1} rows for {len(LEARNERS) - len(REFUSED)} learners: a name forged a row, or lost one")
    for row in rows:
        if len(row) != 5:
            fail(f"a row of {len(row)} cells: {row}")
        for cell in row:
            if cell.startswith(FORMULA_LEADS):
                fail(f"a cell a spreadsheet would read as a formula: {cell!r}")
    got = {row[0]: row[1:] for row in rows[1:]}
    for learner, (score, status) in LEARNERS.items():
        if learner in REFUSED:
            continue
        shown = "'" + learner if learner.startswith(FORMULA_LEADS) else learner
        if got.get(shown) != [CASE, score, "1", status]:
            fail(f"{learner!r}: expected {[shown, CASE, score, '1', status]}, got {got.get(shown)}")
    # The numbers parex writes stay numbers, unquoted; a formula's name is quoted behind its '.
    if f'"\'{RIGHT.replace(chr(34), 2 * chr(34))}",{CASE},1,1,pass\n' not in raw:
        fail("the formula's row is not written as RFC 4180 and OWASP's rule say")
    print(f"OK: {len(LEARNERS)} learners, {len(REFUSED)} refused, {len(rows) - 1} rows, no formula")


if __name__ == "__main__":
    main(*sys.argv[1:])
