"""Autograder exports: the same results in Gradescope's and Exercism's results.json formats."""
from __future__ import annotations


def _output(result):
    failed = [c for c in result.get("checks", []) if c.get("status") != "pass"]
    if result.get("status") == "error":
        return result.get("error") or "could not be graded"
    lines = [f"{c.get('name')}: {c.get('message')}" + (f"\n{c['detail']}" if c.get("detail") else "") for c in failed]
    return "\n".join(lines) or "all checks passed"


def gradescope(results):
    """Gradescope autograder results: one test per graded variant, full marks when it met its expect."""
    tests = []
    for result in results:
        passed = result.get("status") == "pass"
        tests.append({"name": f"{result.get('case')}/{result.get('variant')}", "score": 1.0 if passed else 0.0,
                      "max_score": 1.0, "status": "passed" if passed else "failed", "output": _output(result)})
    return {"score": sum(t["score"] for t in tests), "tests": tests}


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
