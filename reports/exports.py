"""Autograder exports: the same results in Gradescope's and Exercism's results.json formats."""
from __future__ import annotations


def _output(result):
    failed = [c for c in result.get("checks", []) if c.get("status") != "pass"]
    if result.get("status") == "error":
        return result.get("error") or "could not be graded"
    lines = [f"{c.get('name')}: {c.get('message')}" + (f"\n{c['detail']}" if c.get("detail") else "") for c in failed]
    return "\n".join(lines) or "all checks passed"


def _check_score(check):
    """(score, max_score) of a check: from its result when scored (parex >= scores), else 1 point for a pass."""
    if check.get("max_score") is not None:
        return float(check.get("score") or 0.0), float(check["max_score"])
    return (1.0 if check.get("status") == "pass" else 0.0), 1.0


def _md(text):
    """Program output and diagnostics as a Markdown code block (they are not Markdown)."""
    return "```\n" + text.replace("```", "`\u200b``") + "\n```" if text else ""


def gradescope(results):
    """Gradescope autograder results.json: one test per declared check, worth its points, with its visibility.

    Scores come from the results (points, bands, run checks that gate), not from a variant meeting its
    `expect`: a solved starter scores full marks. A build error or a missing case is one test worth the
    case's points, scored 0. A variant that could not be graded (status error) is
    one test worth 0 of 0 points: not scored, so no points lost, and its output says why.
    """
    tests, leaderboard = [], []
    for number, result in enumerate(results, start=1):
        case_id = f"{result.get('case')}/{result.get('variant')}"
        status = result.get("status")
        tags = [result.get("case", "")] + list(result.get("tags", []))
        if status == "error":
            tests.append({"name": f"{case_id}: not graded", "number": f"{number}", "score": 0.0, "max_score": 0.0,
                          "status": "failed", "output": "could not be graded, through no fault of the submission: "
                          + (result.get("error") or "unknown") + "; it will be graded again",
                          "output_format": "md", "visibility": "visible", "tags": tags})
            continue
        gate = result.get("score_gate")
        declared = [c for c in result.get("checks", []) if not c.get("implicit")]
        runs = [c for c in result.get("checks", []) if c.get("implicit")]
        if status in ("build_error", "missing"):
            what = ("the submission did not compile:\n" + _md(result.get("error") or "") if status == "build_error"
                    else result.get("error") or "the submission does not hold this exercise")
            tests.append({"name": f"{case_id}: {'build' if status == 'build_error' else 'missing'}", "number": f"{number}.0",
                          "score": 0.0, "max_score": float(result.get("max_score") or 0.0), "status": "failed",
                          "output": what, "output_format": "md", "visibility": "visible", "tags": tags + [status]})
            continue
        for index, check in enumerate(declared, start=1):
            score, max_score = _check_score(check)
            if gate:
                score = 0.0
            passed = check.get("status") == "pass"
            output = check.get("message", "")
            if check.get("detail") and not passed:
                output += "\n" + _md(check["detail"])
            if gate:
                output += f"\n\n*{gate}*"
            tests.append({"name": f"{case_id}: {check.get('name')}", "number": f"{number}.{index}", "score": score,
                          "max_score": max_score, "status": "passed" if passed else "failed", "output": output,
                          "output_format": "md", "visibility": check.get("visibility", "visible"),
                          "tags": tags + [check.get("kind", "")]})
            if check.get("kind") in ("speedup", "benchmark_speedup") and check.get("measured") is not None:
                leaderboard.append({"name": f"{case_id} speedup", "value": check["measured"], "order": "desc"})
        failed_runs = [c for c in runs if c.get("status") != "pass"]
        if runs:
            tests.append({"name": f"{case_id}: the runs (exit, timeout, limits, leaks)", "number": f"{number}.0",
                          "score": 0.0, "max_score": 0.0, "status": "failed" if failed_runs else "passed",
                          "output": "\n".join(f"{c.get('name')}: {c.get('message')}" for c in failed_runs)
                          or "every run ended cleanly", "output_format": "md", "visibility": "visible", "tags": tags})
    score = sum(t["score"] for t in tests)
    max_score = sum(t["max_score"] for t in tests)
    return {"score": score,
            "execution_time": round(sum(r.get("duration_s", 0) for r in results)),
            "output": f"parex: {score:g}/{max_score:g} points over {len(results)} graded variant(s)",
            "output_format": "md", "tests": tests, "leaderboard": leaderboard}


def exercism(results):
    """Exercism test-runner results (version 2)."""
    tests = []
    for result in results:
        status = {"pass": "pass", "fail": "fail"}.get(result.get("status"), "error")
        test = {"name": f"{result.get('case')}/{result.get('variant')}", "status": status}
        if status != "pass":
            test["message"] = _output(result)
        tests.append(test)
    overall = "error" if any(t["status"] == "error" for t in tests) else (
        "fail" if any(t["status"] == "fail" for t in tests) else "pass")
    return {"version": 2, "status": overall, "tests": tests}
