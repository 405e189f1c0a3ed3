"""The report's model: pure functions from parex-result/1 JSON to what the templates show."""
from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

SCHEMA = "parex-result/1"
TIMELINE_WIDTH = 720  # px of the time axis in the SVG timelines
LANE_HEIGHT = 14


@dataclass
class Loaded:
    results: list = field(default_factory=list)   # result dicts, later directories winning
    problems: list = field(default_factory=list)  # (path, message) of files that could not be read
    overridden: list = field(default_factory=list)  # "case/variant" given by more than one directory


def load_results(directories):
    """Reads every <case>/<variant>.json below each directory; a later directory wins on the same id."""
    loaded = Loaded()
    by_id = {}
    for directory in directories:
        for path in sorted(Path(directory).glob("*/*.json")):
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as error:
                loaded.problems.append((str(path), f"unreadable: {error}"))
                continue
            if not isinstance(data, dict) or data.get("schema") != SCHEMA:
                loaded.problems.append((str(path), f"not a {SCHEMA} result"))
                continue
            key = f"{data.get('case', path.parent.name)}/{data.get('variant', path.stem)}"
            if key in by_id:
                loaded.overridden.append(key)
            by_id[key] = data
    loaded.results = [by_id[key] for key in sorted(by_id)]
    return loaded


def markdown(text):
    """A small, safe Markdown subset: paragraphs, `code`, **bold**, lists, [links](url). Escapes everything else."""
    blocks, out = re.split(r"\n\s*\n", (text or "").strip()), []
    for block in blocks:
        if not block:
            continue
        lines = block.splitlines()
        if all(re.match(r"\s*[-*] ", line) for line in lines):
            items = "".join("<li>" + _inline(re.sub(r"^\s*[-*] ", "", line)) + "</li>" for line in lines)
            out.append(f"<ul>{items}</ul>")
        elif block.startswith("#"):
            level = min(len(block) - len(block.lstrip("#")) + 2, 6)
            out.append(f"<h{level}>{_inline(block.lstrip('#').strip())}</h{level}>")
        else:
            out.append(f"<p>{_inline(' '.join(lines))}</p>")
    return "\n".join(out)


def _inline(text):
    text = html.escape(text)
    text = re.sub(r"`([^`]+)`", r"<code>\1</code>", text)
    text = re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", text)
    return re.sub(r"\[([^\]]+)\]\((https?://[^)\s]+)\)", r'<a href="\2">\1</a>', text)


def _speedup(result):
    for check in result.get("checks", []):
        if check.get("kind") in ("speedup", "benchmark_speedup") and check.get("measured") is not None:
            measured, threshold = float(check["measured"]), float(check.get("threshold") or 0)
            scale = max(measured, threshold) * 1.25 or 1
            return {"measured": measured, "threshold": threshold, "passed": check.get("status") == "pass",
                    "bar": round(100 * measured / scale, 1), "mark": round(100 * threshold / scale, 1),
                    "interval": (check.get("data") or {}).get("interval")}
    return None


def _lanes_for(result):
    """Lane definitions for timelines: an interleaved check's patterns if any, else the two streams."""
    for check in result.get("checks", []):
        if check.get("kind") == "interleaved":
            spans = (check.get("data") or {}).get("runs") or []
            patterns = [span["pattern"] for span in spans[0]["spans"]] if spans else []
            if patterns:
                return [("pattern", p) for p in patterns] + [("other", "other output")]
    return [("stream", "stdout"), ("stream", "stderr")]


def _lane_of(line, lanes):
    for index, (kind, label) in enumerate(lanes):
        if kind == "pattern" and re.search(label, line.get("text", "")):
            return index
        if kind == "stream" and line.get("stream") == label:
            return index
        if kind == "other":
            return index
    return len(lanes) - 1


def timelines(result):
    """One SVG-ready timeline per counted run, baseline and graded interleaved, on a shared time axis."""
    runs = [run for run in result.get("runs", []) if run.get("counted", True)]
    if not runs:
        return {"runs": [], "axis": []}
    lanes = _lanes_for(result)
    longest = max([run.get("wall_s", 0) for run in runs] + [line.get("t_s", 0) for run in runs for line in run.get("lines", [])])
    longest = longest or 1.0
    out = []
    for run in runs:
        marks = []
        for line in run.get("lines", [])[:2000]:
            lane = _lane_of(line, lanes)
            marks.append({"x": round(TIMELINE_WIDTH * line.get("t_s", 0) / longest, 1), "lane": lane,
                          "y": lane * LANE_HEIGHT + LANE_HEIGHT // 2, "t": line.get("t_s", 0),
                          "text": line.get("text", ""), "stream": line.get("stream", "stdout")})
        used = sorted({mark["lane"] for mark in marks}) or [0]
        out.append({
            "label": f"{run.get('variant')} #{run.get('index', 0) + 1}",
            "role": run.get("role", "graded"),
            "wall_s": run.get("wall_s", 0),
            "end_x": round(TIMELINE_WIDTH * run.get("wall_s", 0) / longest, 1),
            "lanes": [{"label": lanes[i][1], "y": i * LANE_HEIGHT} for i in range(len(lanes)) if i in used],
            "height": len(lanes) * LANE_HEIGHT,
            "marks": marks,
            "outcome": run.get("outcome", "ok"),
        })
    ticks = 5
    axis = [{"x": round(TIMELINE_WIDTH * i / ticks, 1), "label": f"{longest * i / ticks:.2f}s"} for i in range(ticks + 1)]
    return {"runs": out, "axis": axis, "width": TIMELINE_WIDTH}


def _durations(result):
    """Wall times per variant for the repetition strip plot."""
    by_variant = {}
    for run in result.get("runs", []):
        if run.get("counted", True):
            by_variant.setdefault(run.get("variant"), []).append(run.get("wall_s", 0))
    longest = max([t for times in by_variant.values() for t in times] or [1]) or 1
    return [{"variant": variant, "dots": [{"x": round(300 * t / longest, 1), "t": t} for t in times]}
            for variant, times in by_variant.items()]


def build_model(loaded, history=None):
    """Everything the templates need, computed from the loaded results."""
    results = loaded.results
    counts = {"pass": 0, "fail": 0, "error": 0, "build_error": 0, "missing": 0}
    rows = []
    for result in results:
        status = result.get("status", "error")
        counts[status if status in counts else "error"] += 1
        checks = [{"name": c.get("name", c.get("kind")), "kind": c.get("kind"), "status": c.get("status"),
                   "message": c.get("message", ""), "detail": c.get("detail", ""), "implicit": c.get("implicit", False)}
                  for c in result.get("checks", [])]
        case, variant = result.get("case", "?"), result.get("variant", "?")
        rows.append({
            "id": f"{case}/{variant}", "anchor": f"{case}--{variant}", "case": case, "variant": variant,
            "title": result.get("title", ""), "about": markdown(result.get("about", "")),
            "tags": result.get("tags", []), "expect": result.get("expect", "pass"), "status": status,
            "score": result.get("score"), "max_score": result.get("max_score"),
            "error": result.get("error"), "checks": checks,
            "failed_checks": [c for c in checks if c["status"] != "pass"],
            "speedup": _speedup(result), "duration_s": result.get("duration_s", 0),
            "timelines": timelines(result), "durations": _durations(result),
            "runs": [{"label": f"{r.get('variant')} #{r.get('index', 0) + 1}{'' if r.get('counted', True) else ' (warmup)'}",
                      "role": r.get("role", "graded"), "wall_s": r.get("wall_s", 0), "outcome": r.get("outcome", "ok"),
                      "cpu": r.get("cpu_utilisation"), "processes": r.get("processes_created"),
                      "stdout": "\n".join(l.get("text", "") for l in r.get("lines", []) if l.get("stream") == "stdout"),
                      "stderr": "\n".join(l.get("text", "") for l in r.get("lines", []) if l.get("stream") == "stderr"),
                      "leaked": r.get("leaked", [])}
                     for r in result.get("runs", [])],
            "config": result.get("config", {}),
        })
    # The newest run's machine (merged directories may come from several); time scales differ per case.
    machines = [r.get("machine", {}) for r in results]
    machine = dict(max(machines, key=lambda m: m.get("started_at", ""), default={}))
    scales = {m.get("time_scale") for m in machines if m.get("time_scale") is not None}
    machine["time_scale"] = scales.pop() if len(scales) == 1 else "per case" if scales else None
    tags = sorted({tag for row in rows for tag in row["tags"]})
    return {"summary": {"total": len(rows), **counts}, "machine": machine, "rows": rows, "tags": tags,
            "problems": loaded.problems, "overridden": loaded.overridden, "history": history or {}}
