"""Platform exports under attack: what a learner's program or build prints never becomes Markdown, HTML or a
workflow command on the platform's page. Issue 28."""
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "reports"))

import exports  # noqa: E402

# Markup a program may print: a fence of each length that could close ours, an image that calls home, a link that
# runs script, raw HTML, an OSC 8 terminal hyperlink, and GitHub Actions workflow commands.
PAYLOADS = ["```", "````", "![x](http://e/x.png)", "[click](javascript:alert(1))", "<img src=x onerror=alert(1)>"]
OSC8 = "\x1b]8;;javascript:alert(1)\x07click\x1b]8;;\x07"
COMMANDS = ["::error title=forged::click http://e", "##[error]forged"]
ATTACK = "\n".join(["before", *PAYLOADS, OSC8, *COMMANDS, "  " + COMMANDS[0], "after ```` and `` inline"])


# A races check quotes ThreadSanitizer's report, whose names (a variable's, a function's, a file's) are the program's.
RACE_VARIABLE = "a```b```` `c` <img src=x onerror=alert(1)> [click](javascript:alert(1)) ::error::forged"


def _race_check():
    """A failed races check: its message names the variable, its detail quotes TSan's report amid the program's own
    stderr (TSan writes to the same stream)."""
    message = (f"data race on `{RACE_VARIABLE}` (names.cpp:7, write by thread T1) and "
               "(names.cpp:9, read by main thread)")
    detail = "\n".join(["WARNING: ThreadSanitizer: data race (pid=51290)",
                        "  Write of size 8 at 0x55e1d2c3b010 by thread T1:",
                        "    #0 operator<<(Sink&, <b>bold</b>) /src/names```.cpp:7 (names+0x1391)",
                        f"  Location is global '{RACE_VARIABLE}' of size 8 at 0x55e1d2c3b010 (names+0x4158)",
                        ATTACK])
    race = {"variable": RACE_VARIABLE, "location": f"global '{RACE_VARIABLE}' of size 8", "reports": 1, "accesses": []}
    return {"kind": "races", "name": "no data races", "status": "fail", "message": message, "detail": detail,
            "data": {"races": [race], "other": ["ONLY IN DATA " + ATTACK], "warnings": 1, "exit_code": 66},
            "score": 0, "max_score": 2, "visibility": "visible"}


def _result(case, status, checks=(), gate=None, error=None, score=0, max_score=2):
    return {"schema": "parex-result/1", "case": case, "variant": "starter", "expect": "pass", "status": status,
            "score": score, "max_score": max_score, "score_gate": gate, "error": error, "duration_s": 1.0,
            "checks": list(checks), "runs": []}


def _attacked():
    """Every field a learner's program or build can reach: check messages and details, a run check's message (and
    the gate that quotes it), a races check's names from ThreadSanitizer's report, compiler messages, and a missing
    case's message; and a check's hint, the case author's text, which each platform quotes the same way."""
    checked = _result("square_cube", "fail", [
        {"kind": "filecheck", "name": "output", "status": "fail", "message": "run 1: " + ATTACK, "detail": ATTACK,
         "hint": "the case's hint, quoted like the rest: " + ATTACK, "score": 0, "max_score": 2,
         "visibility": "visible"},
        _race_check(),
        {"kind": "timeout", "name": "no timeout", "status": "fail", "message": ATTACK, "implicit": True}],
        gate="the run check 'no timeout' failed (" + ATTACK + "): the case scores 0")
    broken = _result("join_semantics", "build_error", error="starter.cpp:1:1: error: " + ATTACK)
    missing = _result("global_isolation", "missing", error="the submission holds no starter.cpp: " + ATTACK)
    return [checked, broken, missing]


def _lines(text):
    return re.split(r"\r\n|\r|\n", text)


def _outside_fences(markdown):
    """The lines of `markdown` that are not inside a backtick-fenced code block, as CommonMark reads them: a fence of
    N >= 3 backticks (at most 3 spaces in, no backtick after it) is closed only by a line of >= N backticks."""
    outside, fence = [], 0
    for line in _lines(markdown):
        if not fence:
            opening = re.fullmatch(r" {0,3}(`{3,})[^`]*", line)
            if opening:
                fence = len(opening.group(1))
            else:
                outside.append(line)
        elif re.fullmatch(r" {0,3}`{%d,}[ \t]*" % fence, line):
            fence = 0
    assert not fence, f"a fence is left open in {markdown!r}"
    return outside


def test_gradescope_keeps_program_output_inside_code_blocks():
    grades = exports.gradescope(_attacked())
    outputs = [grades["output"]] + [t["output"] for t in grades["tests"]]
    everything = "\n".join(outputs)
    for payload in PAYLOADS:
        assert payload in everything, payload  # not vacuous: the text reaches the grader, as text
    for output in outputs:
        outside = "\n".join(_outside_fences(output))
        for payload in PAYLOADS + COMMANDS:
            assert payload not in outside, (payload, output)
        # Nothing of the program's is left outside a fence to be read as Markdown or HTML.
        assert not re.search(r"[<>\[\]`!]", outside), (outside, output)
        assert "\x1b" not in output


def test_the_fence_outgrows_the_longest_backtick_run():
    block = exports._md("a ````` b\n```\n``````")
    assert block.startswith("```````\n") and block.endswith("\n```````")
    assert exports._md("no backticks").startswith("```\n")
    assert _outside_fences(block) == []


def test_plain_text_platforms_get_the_text_without_control_characters():
    # PrairieLearn and Exercism show these fields as text (PrairieLearn through ansi2html, which escapes HTML):
    # escaping HTML here would show "&lt;"; a terminal escape, though, must not reach an ANSI-to-HTML converter.
    results = _attacked()
    pl = exports.prairielearn(results)
    ex = exports.exercism(results)
    texts = [pl["message"]] + [t[k] for t in pl["tests"] for k in ("message", "output")]
    texts += [t.get(k, "") for t in ex["tests"] for k in ("message", "output")]
    assert "<img src=x onerror=alert(1)>" in "\n".join(texts)
    assert not any("\x1b" in text or "\x07" in text for text in texts)
    broken_only = results[1:]
    for out in (exports.prairielearn(broken_only), exports.exercism(broken_only)):
        text = json.dumps(out, ensure_ascii=False)
        assert "\\u001b" not in text and "\\u0007" not in text and "error title=forged" in text


def test_classroom_messages_raise_no_workflow_command():
    # The grading reporter prints each message to the Actions log, where a line starting with "::" (after blanks)
    # or holding "##[" anywhere is a workflow command: an annotation, a mask, a stopped command stream.
    for results in (_attacked(), _attacked()[1:]):
        for test in exports.classroom(results)["tests"]:
            for line in _lines(test["message"]):
                assert not line.lstrip().startswith("::"), line
                assert "##[" not in line, line
                assert "\x1b" not in line
    assert "error title=forged" in json.dumps(exports.classroom(_attacked()))


def test_every_platform_receives_the_hint_under_the_failure():
    # Not vacuous: the hint reaches each platform, labelled, after the details.
    results = _attacked()
    gs = exports.gradescope(results)["tests"][0]["output"]
    assert exports.HINT_LABEL in _outside_fences(gs) and gs.index("the case's hint") > gs.index(exports.HINT_LABEL)
    pl = exports.prairielearn(results)["tests"][0]["output"]
    ex = exports.exercism(results)["tests"][0]["message"]
    cl = exports.classroom(results)["tests"][0]["message"]
    for text in (pl, ex, cl):
        assert f"{exports.HINT_LABEL} the case's hint, quoted like the rest: before" in text, text


def test_a_races_checks_names_are_quoted_like_any_output():
    # The variable's name, with its backticks, fences, HTML, link and workflow command, reaches every platform as text.
    results = _attacked()
    gs = next(t["output"] for t in exports.gradescope(results)["tests"] if t["name"].endswith(": no data races"))
    assert RACE_VARIABLE in gs and "operator<<(Sink&, <b>bold</b>)" in gs
    outside = _outside_fences(gs)
    assert not re.search(r"[<>\[\]`!:]", "\n".join(outside)), outside
    pl = next(t for t in exports.prairielearn(results)["tests"] if t["name"].endswith(": no data races"))
    ex = next(t for t in exports.exercism(results)["tests"] if t["name"].endswith(": no data races"))
    cl = next(t for t in exports.classroom(results)["tests"] if t["name"].endswith(": no data races"))
    for text in (pl["message"], pl["output"], ex["message"], cl["message"]):
        assert RACE_VARIABLE in text and "\x1b" not in text, text
    assert ex["output"].startswith("WARNING: ThreadSanitizer: data race")  # cut to 500 characters, as text
    for line in _lines(cl["message"]):
        assert not line.lstrip().startswith("::") and "##[" not in line, line
    # TSan's structured data is the HTML report's: no export sends it (only the message and the detail).
    assert all("ONLY IN DATA" not in json.dumps(exports.FORMATS[name](results)) for name in exports.FORMATS)
