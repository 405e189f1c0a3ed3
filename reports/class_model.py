"""The class page's model: scores, check failure rates, speedups and common failures of a graded class."""
from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from pathlib import Path

import report_model


def _histogram(values, bins=10, top=None):
    """Counts of `values` in `bins` equal bins over [0, top]."""
    top = top or max(values or [1]) or 1
    counts = [0] * bins
    for value in values:
        counts[min(bins - 1, int(bins * value / top))] += 1
    return [{"low": top * i / bins, "high": top * (i + 1) / bins, "count": c} for i, c in enumerate(counts)]


def _shape(message):
    """A failure message with its numbers and quoted text left out, so that alike failures count together."""
    message = re.sub(r"'[^']*'", "'…'", message.split("\n")[0])
    return re.sub(r"\d+(\.\d+)?", "N", message)[:160]


def build_class_model(out_dir):
    """Everything class.html.j2 needs, from OUT/class.json and OUT/learners/*/results."""
    out_dir = Path(out_dir)
    summary = json.loads((out_dir / "class.json").read_text(encoding="utf-8"))
    learners = summary.get("learners", [])
    totals = [l["score"] for l in learners if l.get("score") is not None]
    top = max((l.get("max_score") or 0 for l in learners), default=0)
    checks = defaultdict(lambda: [0, 0])  # (case, check) -> [failed, graded]
    speedups = defaultdict(list)
    failures = Counter()
    statuses = Counter()
    for learner in learners:
        loaded = report_model.load_results([out_dir / "learners" / learner["learner"] / "results"])
        for result in loaded.results:
            statuses[result.get("status", "error")] += 1
            if result.get("status") in ("build_error", "missing"):
                failures[f"{result['case']}: {result['status'].replace('_', ' ')}"] += 1
            for check in result.get("checks", []):
                key = (result["case"], check.get("name", check.get("kind")))
                checks[key][1] += 1
                if check.get("status") != "pass":
                    checks[key][0] += 1
                    failures[f"{result['case']}: {check.get('name')}: {_shape(check.get('message', ''))}"] += 1
                if check.get("kind") in ("speedup", "benchmark_speedup") and check.get("measured") is not None:
                    speedups[result["case"]].append({"value": check["measured"], "bar": check.get("threshold")})
    rates = [{"case": case, "check": name, "failed": f, "graded": g, "rate": f / g if g else 0}
             for (case, name), (f, g) in sorted(checks.items())]
    strips = []
    for case, values in sorted(speedups.items()):
        high = max(max(v["value"] for v in values), max(v["bar"] or 0 for v in values)) * 1.1 or 1
        strips.append({"case": case, "bar": values[0]["bar"], "high": high,
                       "dots": [{"x": round(300 * v["value"] / high, 1), "value": v["value"]} for v in values]})
    return {
        "learners": sorted(learners, key=lambda l: l["learner"]),
        "top": top,
        "histogram": _histogram(totals, bins=10, top=top),
        "rates": rates,
        "speedups": strips,
        "failures": failures.most_common(10),
        "statuses": dict(statuses),
        "timing": summary.get("timing", {}),
    }
