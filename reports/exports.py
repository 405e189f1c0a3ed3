#!/usr/bin/env python3
"""Autograder exports: parex results in Gradescope's, PrairieLearn's, Exercism's and GitHub Classroom's formats.

Every format is built from one list of scored items (`scored_items`): one per declared check, one
per case that did not build or is missing, one per case that could not be graded, and one for a
case's run checks (no points, but a failed one zeroes its case). A hidden or after-due-date check
keeps its points everywhere. Only Gradescope, which applies `visibility` itself, receives its
name and messages; elsewhere it shows as "hidden check N" with its points alone.

A check's message, its details, a gate and a compiler's messages quote what the learner's program or
build printed, so each platform receives them as text it cannot mistake for markup: Gradescope's
Markdown in code blocks that nothing in them can close (`_md`), PrairieLearn and Exercism as text
without control characters (`_plain`), GitHub Classroom's Actions log without workflow commands (`_log`).
A failed check's `hint` (the case author's Markdown) follows its details, labelled "hint (from the case):",
and is quoted the same way: its Markdown source as text (only the HTML report renders it).

As a script it writes the files from results directories (what `parex grade --gradescope F` runs):
    exports.py RESULTS_DIR... [--gradescope F] [--prairielearn F] [--exercism F] [--classroom F]
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from atomic_files import write_atomically

# Limits, from each platform's documentation.
EXERCISM_MESSAGE_LIMIT = 65535     # the top-level message and a test's message
EXERCISM_OUTPUT_LIMIT = 500        # a test's output
PRAIRIELEARN_FILE_LIMIT = 1 << 20  # the whole results.json
NOT_SHOWN = ("hidden", "after_due_date")
HINT_LABEL = "hint (from the case):"  # the console's and the report's label too


@dataclass
class Item:
    """One scored line of a grade, in the platforms' common terms."""
    case_id: str            # "case/variant"
    number: str             # "3.1": case 3, its first declared check; "3.0": the case as a whole
    task: int               # the case's position, from 1
    name: str               # the check's real name
    what: str               # check | runs | build_error | missing | error
    score: float
    max_score: float
    passed: bool
    message: str = ""
    detail: str = ""        # program output, diagnostics or compiler messages: plain text
    gate: str = ""          # why the case scores 0 despite this check, when a run check failed
    hint: str = ""          # the case author's hint (Markdown), on a check that failed
    visibility: str = "visible"
    hidden_index: int = 0   # its number among the case's hidden checks
    kind: str = ""
    tags: list = field(default_factory=list)
    measured: float | None = None

    @property
    def shown(self):
        return self.visibility not in NOT_SHOWN

    @property
    def learner_name(self):
        """The name a learner may see: a hidden check's is only its number."""
        return f"{self.case_id}: {self.name}" if self.shown else f"{self.case_id}: hidden check {self.hidden_index}"

    @property
    def learner_summary(self):
        """The verdict a learner may see, without the program's output: a hidden check's is its points."""
        if not self.shown:
            return f"{self.score:g}/{self.max_score:g} points"
        return self.message + (f"\n{self.gate}" if self.gate else "")

    @property
    def labelled_hint(self):
        """The case author's hint under a failed check, labelled apart from parex's own "hint:" lines; else ""."""
        return f"{HINT_LABEL} {self.hint}" if self.hint and not self.passed else ""

    @property
    def learner_hint(self):
        """labelled_hint where a learner may see the check (a hidden check's is only its points)."""
        return self.labelled_hint if self.shown else ""

    @property
    def learner_message(self):
        """The verdict a learner may see, with the diagnostics and the hint of a check that did not pass."""
        parts = [self.learner_summary]
        if self.shown and self.detail and not self.passed:
            parts.append(self.detail)
        if self.learner_hint:
            parts.append(self.learner_hint)
        return "\n".join(parts)


def _check_score(check):
    """(score, max_score) of a check: from its result when scored (parex >= scores), else 1 point for a pass."""
    if check.get("max_score") is not None:
        return float(check.get("score") or 0.0), float(check["max_score"])
    return (1.0 if check.get("status") == "pass" else 0.0), 1.0


def scored_items(results):
    """The items of a grade, in results order.

    Scores come from the results (points, bands, run checks that gate), not from a variant meeting
    its `expect`: a solved starter scores full marks. A case that could not be graded (status
    error) is worth 0 of 0: it is never scored, so no points are lost, and its message says why.
    """
    items = []
    for task, result in enumerate(results, start=1):
        case_id = f"{result.get('case')}/{result.get('variant')}"
        status = result.get("status")
        tags = [result.get("case", "")] + list(result.get("tags", []))
        if status == "error":
            items.append(Item(case_id, f"{task}.0", task, "not graded", "error", 0.0, 0.0, False,
                              "could not be graded, through no fault of the submission: "
                              + (result.get("error") or "unknown") + "; it will be graded again", tags=tags))
            continue
        if status in ("build_error", "missing"):
            built = status == "build_error"
            items.append(Item(case_id, f"{task}.0", task, "build" if built else "missing", status, 0.0,
                              float(result.get("max_score") or 0.0), False,
                              "the submission did not compile:" if built
                              else result.get("error") or "the submission does not hold this exercise",
                              detail=(result.get("error") or "") if built else "", tags=tags + [status]))
            continue
        gate = result.get("score_gate") or ""
        checks = result.get("checks", [])
        hidden = 0
        for index, check in enumerate((c for c in checks if not c.get("implicit")), start=1):
            score, max_score = _check_score(check)
            visibility = check.get("visibility", "visible")
            hidden += visibility in NOT_SHOWN
            items.append(Item(case_id, f"{task}.{index}", task, check.get("name", ""), "check",
                              0.0 if gate else score, max_score, check.get("status") == "pass",
                              check.get("message", ""), detail=check.get("detail") or "", gate=gate,
                              hint=(check.get("hint") or "").strip() if check.get("status") != "pass" else "",
                              visibility=visibility, hidden_index=hidden, kind=check.get("kind", ""),
                              tags=tags + [check.get("kind", "")], measured=check.get("measured")))
        runs = [c for c in checks if c.get("implicit")]
        if runs:
            failed = [c for c in runs if c.get("status") != "pass"]
            items.append(Item(case_id, f"{task}.0", task, "the runs (exit, timeout, limits, leaks)", "runs",
                              0.0, 0.0, not failed,
                              "\n".join(f"{c.get('name')}: {c.get('message')}" for c in failed) or "every run ended cleanly",
                              tags=tags))
    return items


# C0 and C1 control characters but tab and line feed: ESC starts terminal sequences (colours, OSC 8 links, which
# ANSI-to-HTML converters such as PrairieLearn's turn into markup), and CR ends a line in an Actions log.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _plain(text):
    """text with each control character but tab and line feed written as its escape (ESC as \\x1b)."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text.replace("\r\n", "\n"))


def _md(text):
    """Program output and diagnostics as a Markdown code block (they are not Markdown).

    CommonMark closes a fence of N backticks only with a line of N or more, so the fence is one longer than the
    longest run of backticks in the text (3 at least): nothing in it ends the block, and none of it is read as
    Markdown or HTML.
    """
    if not text:
        return ""
    text = _plain(text)
    fence = "`" * max(3, max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    return f"{fence}\n{text}\n{fence}"


def _log(text):
    """Text for a GitHub Actions log, where the grading reporter prints it: a line that starts with "::" (after
    blanks) or holds "##[" anywhere would be a workflow command (an annotation, a mask, stopped commands), so the
    one gets a backslash before its "::" and the other is written "#\\#["."""
    lines = []
    for line in _plain(text).split("\n"):
        blanks = len(line) - len(line.lstrip())
        if line[blanks:].startswith("::"):
            line = line[:blanks] + "\\" + line[blanks:]
        lines.append(line.replace("##[", "#\\#["))
    return "\n".join(lines)


def _cut(text, limit):
    """text within limit characters, its cut said at its end."""
    if len(text) <= limit:
        return text
    note = f"\n[... {len(text) - limit} more characters]"
    return text[:max(limit - len(note), 0)] + note


def _totals(items):
    return sum(i.score for i in items), sum(i.max_score for i in items)


def gradescope(results):
    """Gradescope autograder results.json: one test per declared check, worth its points, with its visibility.

    Gradescope applies visibility itself, so hidden tests keep their names and messages here.
    """
    items = scored_items(results)
    tests, leaderboard = [], []
    for item in items:
        # The message and the gate quote the program's lines too: every part is a code block of its own; the
        # hint's label is parex's own text, outside one.
        parts = [_md(item.message), _md(item.detail) if item.detail and not item.passed else "",
                 f"{HINT_LABEL}\n\n{_md(item.hint)}" if item.labelled_hint else "", _md(item.gate)]
        output = "\n\n".join(part for part in parts if part)
        tests.append({"name": f"{item.case_id}: {item.name}", "number": item.number, "score": item.score,
                      "max_score": item.max_score, "status": "passed" if item.passed else "failed", "output": output,
                      "output_format": "md", "visibility": item.visibility, "tags": item.tags})
        if item.kind in ("speedup", "benchmark_speedup") and item.measured is not None:
            leaderboard.append({"name": f"{item.case_id} speedup", "value": item.measured, "order": "desc"})
    score, max_score = _totals(items)
    return {"score": score,
            "execution_time": round(sum(r.get("duration_s", 0) for r in results)),
            "output": f"parex: {score:g}/{max_score:g} points over {len(results)} graded variant(s)",
            "output_format": "md", "tests": tests, "leaderboard": leaderboard}


def _nothing_built(results):
    return bool(results) and all(r.get("status") in ("build_error", "missing") for r in results)


def prairielearn(results):
    """PrairieLearn external grader results.json: score in [0, 1], tests with points and max_points.

    `gradable` is false only when nothing built (every case a build error or missing): PrairieLearn
    then charges no attempt. A case that could not be graded is left out of score and max alike,
    and the message names it.
    """
    items = scored_items(results)
    score, max_score = _totals(items)
    ungraded = [i.case_id for i in items if i.what == "error"]
    message = f"{score:g}/{max_score:g} points"
    if ungraded:
        message += f"; not graded (a grader fault, to be graded again): {', '.join(ungraded)}"
    if _nothing_built(results):
        errors = [_plain(f"{i.case_id}: {i.message}\n{i.detail}".strip()) for i in items]
        return {"gradable": False, "message": "nothing built", "format_errors": errors}
    tests = [{"name": item.learner_name, "description": item.kind or item.what, "points": item.score,
              "max_points": item.max_score, "message": _plain(item.message if item.shown else item.learner_message),
              "output": _plain("\n".join(part for part in (item.detail if item.shown and not item.passed else "",
                                                            item.learner_hint, item.gate) if part))}
             for item in items]
    out = {"gradable": True, "score": score / max_score if max_score else 0.0, "message": message, "tests": tests}
    # The whole file must stay under 1 MB: outputs are cut, longest first, until it fits.
    while len(json.dumps(out).encode()) > PRAIRIELEARN_FILE_LIMIT:
        longest = max(tests, key=lambda t: len(t["output"]))
        longest["output"] = _cut(longest["output"], len(longest["output"]) // 2)
    return out


def _test_code(item):
    """Exercism's test_code: what the test checks, as the case.toml declaration it comes from."""
    if item.what == "check":
        return f'[[checks]]\nkind = "{item.kind}"  # {item.name if item.shown else "hidden"}'
    return {"runs": "# every run: exit code, timeout, limits, leaked processes",
            "build_error": "# the build", "missing": "# the submission's files", "error": "# not graded"}[item.what]


def exercism(results):
    """Exercism test runner results.json, version 3: one test per check, its case as its task.

    Overall status is error only when no test ran (nothing built), with the compiler's messages.
    """
    items = scored_items(results)
    if _nothing_built(results):
        text = _plain("\n\n".join(f"{i.case_id}: {i.message}\n{i.detail}".strip() for i in items))
        return {"version": 3, "status": "error", "message": _cut(text, EXERCISM_MESSAGE_LIMIT), "tests": []}
    tests = []
    for item in items:
        status = "pass" if item.passed else ("error" if item.what in ("build_error", "missing", "error") else "fail")
        test = {"name": item.learner_name, "status": status, "test_code": _test_code(item), "task_id": item.task}
        if status != "pass":
            # The details go to `output` (500 characters); the hint, which is not cut there, to the message.
            message = "\n".join(p for p in (item.learner_summary, item.learner_hint) if p) if item.what == "check" \
                else item.learner_message
            test["message"] = _cut(_plain(message), EXERCISM_MESSAGE_LIMIT)
        if item.shown and item.detail and not item.passed and item.what == "check":
            test["output"] = _cut(_plain(item.detail), EXERCISM_OUTPUT_LIMIT)
        tests.append(test)
    overall = "pass" if all(t["status"] == "pass" for t in tests) else "fail"
    return {"version": 3, "status": overall, "tests": tests}


def classroom(results):
    """GitHub Classroom's runner result (what autograding-grading-reporter reads, base64-encoded).

    `max_score` and each test's `score` are points, so the reporter's "Points N/M" is parex's.
    """
    items = scored_items(results)
    score, max_score = _totals(items)
    tests = [{"name": item.learner_name, "status": "pass" if item.passed else ("error" if item.what == "error" else "fail"),
              "message": _log(item.learner_message), "score": item.score, "max_score": item.max_score,
              "test_code": _test_code(item)} for item in items]
    status = "pass" if all(t["status"] == "pass" for t in tests) else "fail"
    if _nothing_built(results):
        status = "error"
    return {"version": 1, "status": status, "max_score": max_score, "tests": tests}


FORMATS = {"gradescope": gradescope, "prairielearn": prairielearn, "exercism": exercism, "classroom": classroom}


def write(results, targets):
    """Writes each format named in targets ({format: path}) for results."""
    for name, path in targets.items():
        if path:
            write_atomically(path, json.dumps(FORMATS[name](results), indent=1, ensure_ascii=False))


def main(argv=None):
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import report_model

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results", nargs="+", metavar="RESULTS_DIR", help="directories of parex results")
    for name in FORMATS:
        parser.add_argument(f"--{name}", metavar="FILE", help=f"write {name}'s results.json here")
    args = parser.parse_args(argv)
    for directory in args.results:
        if not Path(directory).is_dir():
            print(f"exports.py: error: {directory} is not a directory of results", file=sys.stderr)
            return 2
    loaded = report_model.load_results(args.results)
    for path, problem in loaded.problems:
        print(f"exports.py: warning: {path}: {problem}", file=sys.stderr)
    write(loaded.results, {name: getattr(args, name) for name in FORMATS})
    return 0


if __name__ == "__main__":
    sys.exit(main())
