"""The report's model: pure functions from parex-result/1 JSON to what the templates show."""
from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

SCHEMA = "parex-result/1"
TIMELINE_WIDTH = 720  # px of the time axis in the SVG timelines

# The tables in the embedded details: a row is a list of its values in this order, the names travel once in the
# page as "fields", and report.js reads each row by name (its rowReader(...) declarations; tests/report checks
# that both sides name the same fields). Names on every row would take PERFORMANCE.md row 5's page of 1000
# results from 3.6 to 6.2 MB.
FIELDS = {
    "run": ("label", "role", "counted", "wall_s", "outcome", "cpu", "processes", "leaked", "omitted", "lines",
            "hang"),
    "line": ("t_s", "stream", "lane", "text"),  # stream 0 stdout, 1 stderr; lane an index into the lanes
    "leaked": ("pid", "cmdline"),
    "process": ("pid", "ppid", "command", "doing", "where", "stack", "error"),  # of a hung run
    "edge": ("from_pid", "to_pid", "why"),  # from_pid waits in why for to_pid
    # hint: HTML, markdown()'s; plot: scaling_plot()'s; races: races_view()'s, with the three tables below
    "check": ("name", "kind", "status", "message", "detail", "hint", "implicit", "plot", "races"),
    "race": ("variable", "location", "reports", "accesses"),  # of a races check; variable "" for heap or stack memory
    "access": ("kind", "size", "thread", "where", "stack"),  # one side of a race; its stack innermost first
    "frame": ("function", "where", "system"),  # system 1: the compiler's or the system's code, not the learner's
    "scaling_point": ("cpus", "speedup"),
    "trend_point": ("status", "speedup"),
}

_FIELD_SETS = {table: frozenset(fields) for table, fields in FIELDS.items()}


def row(table, **values):
    """One row of a FIELDS table from its values by name: every field, in the table's order, and no other."""
    if values.keys() != _FIELD_SETS[table]:
        raise ValueError(f"a {table} row has fields {sorted(values)}, not {list(FIELDS[table])}")
    return [values[name] for name in FIELDS[table]]


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


MAX_RANK_LANES = 64  # ranks 0..63 get a lane each; a line of any other rank goes to the "other output" lane


def _rank_of(line):
    """A line's MPI rank ("rank": R, which the runner takes from mpirun's [1,R] tag) when it may have a lane, else None.

    The value is read defensively: only a JSON integer in 0..MAX_RANK_LANES-1 is a rank here (not true, 1.0, "1",
    -1 or 10**12), so no input can make a lane of its own or more than MAX_RANK_LANES of them."""
    rank = line.get("rank")
    return rank if type(rank) is int and 0 <= rank < MAX_RANK_LANES else None


def _lanes_for(result):
    """Lane definitions for timelines, as (kind, key, label): one per MPI rank if any line has one, else an interleaved
    check's patterns if any, else the two streams.

    Ranks win over an interleaved check's patterns: in an MPI case who printed a line is the lesson, and the marks of
    two ranks that overlap in time show the interleaving as well. Rank lanes are "rank 0", "rank 1", ... for every rank
    seen in any run of the result, in rank order, then "other output" only when some line has none: mpirun's own
    messages, a run without ranks (a serial baseline), a rank beyond the cap or a value that is not a rank.
    """
    ranks, unranked = set(), False
    for run in result.get("runs", []):
        for line in run.get("lines", []):
            rank = _rank_of(line)
            if rank is None:
                unranked = True
            else:
                ranks.add(rank)
    if ranks:
        return [("rank", rank, f"rank {rank}") for rank in sorted(ranks)] + \
            ([("other", None, "other output")] if unranked else [])
    for check in result.get("checks", []):
        if check.get("kind") == "interleaved":
            spans = (check.get("data") or {}).get("runs") or []
            patterns = [span["pattern"] for span in spans[0]["spans"]] if spans else []
            if patterns:
                return [("pattern", p, p) for p in patterns] + [("other", None, "other output")]
    return [("stream", "stdout", "stdout"), ("stream", "stderr", "stderr")]


def _lane_of(line, lanes):
    rank = _rank_of(line) if lanes[0][0] == "rank" else None
    for index, (kind, key, _) in enumerate(lanes):
        if kind == "rank" and key == rank:
            return index
        if kind == "pattern" and re.search(key, line.get("text", "")):
            return index
        if kind == "stream" and line.get("stream") == key:
            return index
        if kind == "other":
            return index
    return len(lanes) - 1


def frame_line(frame):
    """One native frame for people: `main at /src/spin.cpp:14`, or `__libc_start_main in libc.so.6` without a file."""
    where = f" at {frame['file']}:{frame['line']}" if frame.get("file") else \
        (f" in {frame['module'].rsplit('/', 1)[-1]}" if frame.get("module") else "")
    return f"{frame.get('function', '??')}{where}"


def hang_view(hang):
    """Where a run that timed out was stuck, for the page: processes, the wait-for edges, the cycle; else None."""
    if not hang or not hang.get("processes"):
        return None
    processes = []
    for p in hang["processes"]:
        stack = p.get("python_stack") or "\n".join(frame_line(f) for f in p.get("stack", []))
        doing = f"waits in {p.get('call') or p.get('syscall')}" if p.get("syscall") else \
            ("was running" if p.get("state") == "R" else f"was in state {p.get('state')}")
        if p.get("launcher"):
            doing = "is the MPI launcher: it waits for its ranks to end"
        elif p.get("mpi_call"):  # a rank polls in user space: its MPI call, not the kernel's, is what it waits in
            doing = f"in {p['mpi_call']}"
        if "rank" in p:
            doing = f"rank {p['rank']}: {doing}"
        processes.append(row("process", pid=p.get("pid"), ppid=p.get("ppid"), command=p.get("command", ""),
                             doing=doing, where=p.get("where", ""), stack=stack, error=p.get("error", "")))
    edges = [row("edge", from_pid=e["from"], to_pid=e["to"], why=e["why"]) for e in hang.get("edges", [])]
    return {"processes": processes, "edges": edges,
            "cycle": hang.get("cycle", []), "explanation": hang.get("explanation", []),
            "capture_s": hang.get("capture_s"), "when": hang.get("when", "timeout")}


def _system_frame(frame):
    """Whether a stack frame is the system's: a header or library under /usr/, or a shared library without a file."""
    file, module = frame.get("file") or "", frame.get("module") or ""
    if file:
        return file.startswith("/usr/")
    return module.startswith("/usr/") or re.search(r"\.so(\.\d+)*$", module) is not None


def races_view(check):
    """A races check's ThreadSanitizer reports for the page: "race" rows, their "access" rows side by side and each
    access's "frame" rows, the other warnings' titles, the count and the exit code; else None."""
    data = check.get("data") or {}
    if check.get("kind") != "races" or not isinstance(data.get("races"), list):
        return None

    def frame(f):
        where = (f"{f['file']}:{f['line']}" if f.get("line") else f["file"]) if f.get("file") else \
            (f"in {f['module']}" if f.get("module") else "")
        return row("frame", function=f.get("function") or "??", where=where, system=1 if _system_frame(f) else 0)

    races = [row("race", variable=r.get("variable", ""), location=r.get("location", ""), reports=r.get("reports", 1),
                 accesses=[row("access", kind=a.get("kind", ""), size=a.get("size"), thread=a.get("thread", ""),
                               where=a.get("where", ""), stack=[frame(f) for f in a.get("stack", [])])
                           for a in r.get("accesses", [])]) for r in data["races"]]
    return {"races": races, "other": [str(title) for title in data.get("other") or []],
            "warnings": data.get("warnings", 0), "exit_code": data.get("exit_code")}


def timelines(result):
    """The lanes of a result's timelines and its runs as FIELDS["run"] rows, each with its lines as "line" rows.

    Every run is kept (warmups and a races check's ThreadSanitizer run too), each with at most 2000 lines; the page
    draws the timed ones on demand on a shared time axis, `longest` seconds wide (the longest counted run or line).
    The ThreadSanitizer run (role "races") is never timed: it runs 5-15x slower, and neither the axis, the timelines
    nor the repetition times count it; it is listed with the runs as "ThreadSanitizer run of <variant>".
    """
    lanes = _lanes_for(result)
    runs, longest = [], 0.0
    for run in result.get("runs", []):
        shown = run.get("lines", [])[:2000]
        times = [round(line.get("t_s", 0), 4) for line in shown]
        lines = [row("line", t_s=t_s, stream=1 if line.get("stream") == "stderr" else 0, lane=_lane_of(line, lanes),
                     text=line.get("text", "")) for t_s, line in zip(times, shown)]
        cpu = run.get("cpu_utilisation")
        on = f" on {run['workers']} CPU{'s' if run['workers'] > 1 else ''}" if run.get("workers") else ""
        if run.get("reused_from"):  # a baseline run another grade of the case made (docs/extensions.md)
            on += f" (recorded by {run['reused_from']})"
        role, wall_s = run.get("role", "graded"), round(run.get("wall_s", 0), 4)
        counted = run.get("counted", True) and role != "races"
        label = f"{run.get('variant')} #{run.get('index', 0) + 1}{on}"
        if role == "races":
            label = f"ThreadSanitizer run of {run.get('variant')}"
        if counted:
            longest = max(longest, wall_s, *times)
        runs.append(row("run", label=label, role=role, counted=1 if counted else 0, wall_s=wall_s,
                        outcome=run.get("outcome", "ok"), cpu=None if cpu is None else round(cpu, 3),
                        processes=run.get("processes_created"),
                        leaked=[row("leaked", pid=p.get("pid"), cmdline=p.get("cmdline", ""))
                                for p in run.get("leaked", [])],
                        omitted=max(len(run.get("lines", [])) - 2000, 0) + (run.get("lines_omitted") or 0),
                        lines=lines, hang=hang_view(run.get("hang"))))
    return {"lanes": [label for _, _, label in lanes], "longest": longest or 1.0, "width": TIMELINE_WIDTH, "runs": runs}


def scaling_plot(check):
    """A scaling check's curve for the page: its "scaling_point" rows, the fitted serial fraction and its bar; else None."""
    data = check.get("data") or {}
    if check.get("kind") != "scaling" or not data.get("points"):
        return None
    return {"points": [row("scaling_point", cpus=p.get("workers"), speedup=round(p.get("speedup", 0), 4))
                       for p in data["points"]],
            "f": data.get("serial_fraction"), "max": data.get("max_serial_fraction"), "interval": data.get("interval")}


def hint_html(check):
    """A failed check's hint (the case author's Markdown) as safe HTML for the page; "" on a pass or without one."""
    return markdown(check.get("hint") or "") if check.get("status") != "pass" else ""


def details(result, about_index, trend):
    """What the page draws when a variant's section is shown, its checks as "check" rows: it is embedded once, as JSON."""
    checks = [row("check", name=c.get("name", c.get("kind")), kind=c.get("kind"), status=c.get("status"),
                  message=c.get("message", ""), detail=c.get("detail", ""), hint=hint_html(c),
                  implicit=bool(c.get("implicit", False)), plot=scaling_plot(c), races=races_view(c))
              for c in result.get("checks", [])]
    config = result.get("config", {})
    out = {"title": result.get("title", ""), "about": about_index, "expect": result.get("expect", "pass"),
           "tags": result.get("tags", []), "repetitions": config.get("repetitions"), "capture": config.get("capture"),
           "error": result.get("error"), "checks": checks, "timeline": timelines(result)}
    if trend:
        out["trend"] = {"drop": trend.get("drop"), "spark": trend.get("spark", []), "count": len(trend.get("points", [])),
                        "points": [row("trend_point", status=p.get("status"), speedup=p.get("speedup"))
                                   for p in trend.get("points", [])[-8:]]}
    return out


def script_json(value):
    """value as JSON that is safe inside <script type="application/json">: no '<', '>' or '&' in it."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def build_model(loaded, history=None):
    """Everything the templates need, computed from the loaded results."""
    results = loaded.results
    counts = {"pass": 0, "fail": 0, "error": 0, "build_error": 0, "missing": 0}
    rows, details_of, abouts = [], [], {}
    for result in results:
        status = result.get("status", "error")
        counts[status if status in counts else "error"] += 1
        checks = [{"name": c.get("name", c.get("kind")), "kind": c.get("kind"), "status": c.get("status"),
                   "message": c.get("message", "")} for c in result.get("checks", [])]
        case, variant = result.get("case", "?"), result.get("variant", "?")
        row_id = f"{case}/{variant}"
        rows.append({
            "id": row_id, "anchor": f"{case}--{variant}", "case": case, "variant": variant,
            "title": result.get("title", ""), "tags": result.get("tags", []), "expect": result.get("expect", "pass"),
            "status": status, "score": result.get("score"), "max_score": result.get("max_score"),
            "error": result.get("error"), "checks": checks,
            "failed_checks": [c for c in checks if c["status"] != "pass"],
            "speedup": _speedup(result), "duration_s": result.get("duration_s", 0),
        })
        # The variants of a case share its about: each text is embedded once.
        about = markdown(result.get("about", ""))
        details_of.append(details(result, abouts.setdefault(about, len(abouts)), (history or {}).get(row_id)))
    # The newest run's machine (merged directories may come from several); time scales differ per case.
    machines = [r.get("machine", {}) for r in results]
    machine = dict(max(machines, key=lambda m: m.get("started_at", ""), default={}))
    scales = {m.get("time_scale") for m in machines if m.get("time_scale") is not None}
    machine["time_scale"] = scales.pop() if len(scales) == 1 else "per case" if scales else None
    tags = sorted({tag for row in rows for tag in row["tags"]})
    return {"summary": {"total": len(rows), **counts}, "machine": machine, "rows": rows, "tags": tags,
            "problems": loaded.problems, "overridden": loaded.overridden,
            "details_json": script_json({"fields": FIELDS, "abouts": list(abouts), "variants": details_of})}
