"""Report history: one JSON line per report run, and what changed against the past."""
from __future__ import annotations

import json
import statistics
from pathlib import Path


def summarise(results, at):
    """The history record of one report run: per case/variant, status and measured speedup."""
    entry = {"at": at, "results": {}}
    for result in results:
        speedup = next((c.get("measured") for c in result.get("checks", [])
                        if c.get("kind") in ("speedup", "benchmark_speedup")), None)
        entry["results"][f"{result.get('case')}/{result.get('variant')}"] = {
            "status": result.get("status"), "speedup": speedup}
    return entry


def read(path):
    """Past records, oldest first; unreadable lines are skipped."""
    records = []
    if path and Path(path).exists():
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            try:
                records.append(json.loads(line))
            except ValueError:
                continue
    return records


def append(path, entry):
    with open(path, "a", encoding="utf-8") as history:
        history.write(json.dumps(entry, sort_keys=True) + "\n")


def trends(records):
    """Per case/variant: its series over the records and whether the latest run dropped.

    A drop is pass -> fail, or a speedup more than 10% below the median of the earlier runs.
    """
    series = {}
    for record in records:
        for key, value in record.get("results", {}).items():
            series.setdefault(key, []).append({"at": record.get("at"), **value})
    out = {}
    for key, points in series.items():
        latest, earlier = points[-1], points[:-1]
        drop = None
        if earlier and earlier[-1].get("status") == "pass" and latest.get("status") == "fail":
            drop = "was passing, now failing"
        speeds = [p["speedup"] for p in earlier if p.get("speedup") is not None]
        if latest.get("speedup") is not None and speeds:
            baseline = statistics.median(speeds)
            if latest["speedup"] < 0.9 * baseline:
                drop = drop or f"speedup {latest['speedup']:.2f}x is below the earlier median {baseline:.2f}x"
        values = [p.get("speedup") for p in points if p.get("speedup") is not None]
        top = max(values) if values else 1
        spark = [{"x": round(i * 100 / max(len(values) - 1, 1), 1), "y": round(20 - 18 * v / top, 1)}
                 for i, v in enumerate(values)]
        out[key] = {"points": points, "drop": drop, "spark": spark}
    return out
