#!/usr/bin/env python3
"""A synthetic `parex grade-class` output folder, for the class page's test and benchmark.

    make_class.py OUT --learners 300 --cases 7 [--results DIR]

Takes real results (DIR: a graded catalog, default the golden inputs), one per case, and gives each
of LEARNERS learners a result per case: full marks, some checks failed, a build error, or missing,
chosen per learner by a seeded generator. Writes OUT/class.json and OUT/learners/<l>/results/.
"""
import argparse
import json
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--learners", type=int, default=300)
    parser.add_argument("--cases", type=int, default=7)
    parser.add_argument("--results", type=Path, default=HERE / "inputs" / "good")
    args = parser.parse_args(argv)
    sources = []
    for path in sorted(args.results.glob("*/*.json")):
        try:
            result = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            continue
        if result.get("status") in ("pass", "fail") and result.get("checks"):
            sources.append(result)
    # One result per real case first, so the class has as many kinds of check as the catalog.
    firsts = list({r["case"]: r for r in reversed(sources)}.values())[::-1]
    sources = firsts + [r for r in sources if all(r is not f for f in firsts)]
    if not sources:
        sys.exit(f"make_class.py: no graded results in {args.results}")
    cases = [dict(sources[i % len(sources)], case=f"case{i + 1}", variant="starter") for i in range(args.cases)]
    learners = []
    for n in range(args.learners):
        name = f"learner{n:03d}"
        pick = random.Random(n)
        score = max_score = 0.0
        for case in cases:
            result = json.loads(json.dumps(case))
            checks = [c for c in result["checks"] if not c.get("implicit")]
            for check in checks:
                check["max_score"] = float(check.get("max_score") or 1.0)
                check["score"] = check["max_score"]
                check["status"] = "pass"
            kind = pick.choices(["right", "some", "build_error", "missing"], weights=[5, 4, 1, 0.5])[0]
            if kind == "some":
                for check in pick.sample(checks, k=pick.randint(1, len(checks))):
                    check["status"], check["score"] = "fail", 0.0
                    check["message"] = pick.choice(["line 3 differs from serial", "1.02x < 1.80x",
                                                    "expected string not found in input: cube 8"])
                    if check.get("kind") in ("speedup", "benchmark_speedup"):
                        check["measured"] = round(pick.uniform(0.9, 1.7), 3)
            total = sum(c["max_score"] for c in checks)
            if kind in ("build_error", "missing"):
                result.update(status=kind, checks=[], runs=[], score=0.0,
                              error="starter.cpp:3:1: error: expected ';'" if kind == "build_error" else "not handed in")
            else:
                result["score"] = sum(c["score"] for c in checks)
                result["status"] = "pass" if result["score"] == total else "fail"
            result["max_score"] = total
            score += result["score"]
            max_score += total
            folder = args.out / "learners" / name / "results" / result["case"]
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "starter.json").write_text(json.dumps(result), encoding="utf-8")
        learners.append({"learner": name, "score": score, "max_score": max_score, "flagged": False})
    (args.out / "class.json").write_text(json.dumps({
        "schema": "parex-class/1", "learners": learners,
        "timing": {"build_phase_s": 0.0, "timed_phase_s": 0.0, "graded": args.learners, "cached": 0}}), encoding="utf-8")
    print(f"make_class.py: {args.learners} learner(s) x {args.cases} case(s) -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
