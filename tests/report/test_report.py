"""The report: model from golden results, merging, history, exports, and the rendered page."""
import html
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "reports"))

import exports  # noqa: E402
import history  # noqa: E402
import report_model  # noqa: E402

INPUTS = Path(__file__).parent / "inputs"
RENDER = ROOT / "reports" / "render.py"
REPORT_JS = ROOT / "reports" / "templates" / "report.js"


def named(table, values):
    """A row of the embedded details as a dict, by report_model.FIELDS."""
    assert len(values) == len(report_model.FIELDS[table]), f"a {table} row of {len(values)} values: {values}"
    return dict(zip(report_model.FIELDS[table], values))


def render(tmp_path, *args):
    return subprocess.run([sys.executable, str(RENDER), *map(str, args), "--out", str(tmp_path / "out")],
                          capture_output=True, text=True)


def test_load_skips_malformed_and_reports_it():
    loaded = report_model.load_results([INPUTS / "good"])
    ids = [f"{r['case']}/{r['variant']}" for r in loaded.results]
    assert ids == ["broken/parallel", "square_cube/parallel", "square_cube/starter"]
    assert len(loaded.problems) == 1 and loaded.problems[0][0].endswith("garbage.json")


def test_later_directory_wins_and_is_named():
    loaded = report_model.load_results([INPUTS / "good", INPUTS / "other"])
    parallel = next(r for r in loaded.results if r["variant"] == "parallel" and r["case"] == "square_cube")
    assert parallel["title"] == "from the other machine"
    assert loaded.overridden == ["square_cube/parallel"]


def test_model_counts_rows_and_speedup():
    model = report_model.build_model(report_model.load_results([INPUTS / "good"]))
    assert model["summary"] == {"total": 3, "pass": 2, "fail": 0, "error": 1, "build_error": 0, "missing": 0}
    row = next(r for r in model["rows"] if r["id"] == "square_cube/parallel")
    assert row["speedup"]["passed"] and row["speedup"]["measured"] > 1.8
    assert 0 < row["speedup"]["mark"] < row["speedup"]["bar"] <= 100
    starter = next(r for r in model["rows"] if r["id"] == "square_cube/starter")
    assert {c["kind"] for c in starter["failed_checks"]} == {"speedup", "interleaved"}


def test_header_machine_is_the_newest_runs():
    loaded = report_model.load_results([INPUTS / "good"])
    newest = max(loaded.results, key=lambda r: r.get("machine", {}).get("started_at", ""))
    newest["machine"]["started_at"] = "2099-01-01T00:00:00Z"
    newest["machine"]["hostname"] = "newest-host"
    loaded.results[0].setdefault("machine", {})["time_scale"] = 0.5
    newest["machine"]["time_scale"] = 0.05
    machine = report_model.build_model(loaded)["machine"]
    assert machine["hostname"] == "newest-host" and machine["time_scale"] == "per case"


def test_timeline_lanes_follow_interleaved_patterns():
    result = json.loads((INPUTS / "good/square_cube/parallel.json").read_text())
    timeline = report_model.timelines(result)
    runs = [named("run", run) for run in timeline["runs"]]
    graded = [named("line", line) for line in next(run["lines"] for run in runs if run["role"] == "graded")]
    assert timeline["lanes"][:2] == ["^square", "^cube"]
    assert {line["lane"] for line in graded if line["text"].startswith("square")} == {0}
    assert {line["lane"] for line in graded if line["text"].startswith("cube")} == {1}
    assert all(0 <= line["t_s"] <= timeline["longest"] for line in graded)
    assert timeline["longest"] == max(run["wall_s"] for run in runs if run["counted"])


def _embedded_details(page):
    start = page.index('id="parex-details">') + len('id="parex-details">')
    return json.loads(page[start:page.index("</script>", start)])


def test_mpi_timeline_has_a_lane_per_rank_and_one_for_lines_without_a_rank(tmp_path):
    # Two ranks under mpirun, whose own message has no rank, beside a serial baseline without ranks. Ranks win over the
    # case's interleaved check: the lanes are who printed, not what.
    done = render(tmp_path, INPUTS / "mpi")
    assert done.returncode == 0, done.stderr
    variant = _embedded_details((tmp_path / "out" / "index.html").read_text(encoding="utf-8"))["variants"][0]
    lanes = variant["timeline"]["lanes"]
    assert lanes == ["rank 0", "rank 1", "other output"]
    result = json.loads((INPUTS / "mpi/ping_pong_mpi/parallel.json").read_text())
    for recorded, shown in zip(result["runs"], variant["timeline"]["runs"]):
        lines = [named("line", line) for line in named("run", shown)["lines"]]
        assert [line["text"] for line in lines] == [line["text"] for line in recorded["lines"]]
        for line, source in zip(lines, recorded["lines"]):
            assert lanes[line["lane"]] == (f"rank {source['rank']}" if "rank" in source else "other output"), line
            assert line["stream"] == (1 if source["stream"] == "stderr" else 0)  # a rank's stderr stays stderr
    graded = [named("line", line) for line in named("run", variant["timeline"]["runs"][1])["lines"]]
    assert {lanes[line["lane"]] for line in graded if line["text"].startswith("ping")} == {"rank 0"}
    assert {lanes[line["lane"]] for line in graded if line["text"].startswith("pong")} == {"rank 1"}
    assert [line["text"] for line in graded if lanes[line["lane"]] == "other output"] == \
        ["[vm:51304] 1 more process has sent help message help-mpi-btl-base.txt / btl:no-nics"]


def test_rank_lanes_take_only_small_whole_ranks_and_other_output_only_when_a_line_has_none():
    result = json.loads((INPUTS / "mpi/ping_pong_mpi/parallel.json").read_text())
    ranked = [run for run in result["runs"] if run["role"] == "graded"]
    for run in ranked:
        run["lines"] = [line for line in run["lines"] if "rank" in line]
    assert report_model.timelines(dict(result, runs=ranked))["lanes"] == ["rank 0", "rank 1"]
    # Ranks 0..63 get lanes, in rank order (10 after 9); any other value goes with the lines without a rank.
    lines = [{"t_s": 0.1, "stream": "stdout", "text": repr(rank), "rank": rank}
             for rank in [10, 9, 63, 64, -1, 10 ** 12, True, 1.0, "2", None, [3], {"r": 4}]]
    timeline = report_model.timelines({"runs": [{"variant": "p", "lines": lines}]})
    assert timeline["lanes"] == ["rank 9", "rank 10", "rank 63", "other output"]
    shown = [named("line", line) for line in named("run", timeline["runs"][0])["lines"]]
    lane_of = {line["text"]: timeline["lanes"][line["lane"]] for line in shown}
    assert lane_of == {"10": "rank 10", "9": "rank 9", "63": "rank 63", **{repr(v): "other output" for v in
                       [64, -1, 10 ** 12, True, 1.0, "2", None, [3], {"r": 4}]}}
    many = [{"t_s": 0.0, "stream": "stdout", "text": "x", "rank": rank} for rank in range(200)]
    assert len(report_model.timelines({"runs": [{"lines": many}]})["lanes"]) == report_model.MAX_RANK_LANES + 1


def test_details_are_embedded_once_and_safe_in_a_script():
    loaded = report_model.load_results([INPUTS / "good"])
    loaded.results[0]["checks"].append({"name": "x", "kind": "same_lines", "status": "fail",
                                        "message": "</script><script>alert(1)</script> & more", "detail": ""})
    text = report_model.build_model(loaded)["details_json"]
    assert "</script" not in text and "<" not in text and "&" not in text
    data = json.loads(text)
    assert len(data["variants"]) == 3
    assert named("check", data["variants"][0]["checks"][-1])["message"].startswith("</script>")
    # square_cube's two variants share one about text.
    assert len(data["abouts"]) < len(data["variants"])


def test_report_js_reads_the_fields_the_model_sends():
    # report.js names each table's fields in a rowReader("table", [...]) declaration; a field renamed, added or
    # dropped on one side only fails here (and on the page: rowReader throws on a field the model does not send).
    declared = {name: set(re.findall(r'"(\w+)"', fields))
                for name, fields in re.findall(r'rowReader\("(\w+)", \[([^\]]*)\]', REPORT_JS.read_text())}
    sent = {name: set(fields) for name, fields in report_model.FIELDS.items()}
    drift = {name: {"report.js only": sorted(declared.get(name, set()) - sent.get(name, set())),
                    "model only": sorted(sent.get(name, set()) - declared.get(name, set()))}
             for name in declared.keys() | sent.keys() if declared.get(name) != sent.get(name)}
    assert not drift, f"report.js and report_model.FIELDS name different fields: {drift}"


def test_every_embedded_row_has_its_tables_fields():
    loaded = report_model.load_results([INPUTS / "good"])
    loaded.results += report_model.load_results([INPUTS / "races"]).results
    hung = loaded.results[1]["runs"][0]
    hung["leaked"] = [{"pid": 7, "cmdline": "sleep 9"}]
    hung["hang"] = {"processes": [{"pid": 7, "ppid": 1, "command": "sleep 9", "syscall": "read", "state": "S"}],
                    "edges": [{"from": 7, "to": 8, "why": "read"}], "cycle": [], "explanation": ["waits"]}
    loaded.results[1]["checks"].append({"name": "scaling", "kind": "scaling", "status": "pass",
                                        "data": {"points": [{"workers": 1, "speedup": 1}, {"workers": 2, "speedup": 1.9}]}})
    trend = {"drop": None, "spark": [], "points": [{"status": "pass", "speedup": 1.9}]}
    data = json.loads(report_model.build_model(loaded, {"square_cube/parallel": trend})["details_json"])
    assert data["fields"] == {name: list(fields) for name, fields in report_model.FIELDS.items()}
    seen = set()

    def rows(table, values):
        seen.add(table)
        return [named(table, row) for row in values]

    for variant in data["variants"]:
        for check in rows("check", variant["checks"]):
            if check["plot"]:
                rows("scaling_point", check["plot"]["points"])
            for race in rows("race", (check["races"] or {"races": []})["races"]):
                for access in rows("access", race["accesses"]):
                    rows("frame", access["stack"])
        for run in rows("run", variant["timeline"]["runs"]):
            rows("line", run["lines"])
            rows("leaked", run["leaked"])
            if run["hang"]:
                assert rows("process", run["hang"]["processes"])[0]["doing"] == "waits in read"
                assert rows("edge", run["hang"]["edges"])[0] == {"from_pid": 7, "to_pid": 8, "why": "read"}
        if "trend" in variant:
            rows("trend_point", variant["trend"]["points"])
    assert seen == set(report_model.FIELDS)


def _variant(model, variant_id):
    """A variant's embedded details, its checks as dicts."""
    data = json.loads(model["details_json"])
    index = next(i for i, row in enumerate(model["rows"]) if row["id"] == variant_id)
    return dict(data["variants"][index], checks=[named("check", c) for c in data["variants"][index]["checks"]])


def test_a_hung_mpi_runs_ranks_show_their_mpi_call_and_the_launcher_its_role():
    # A rank waiting in MPI_Recv polls in user space: the kernel shows it running, no call; its stack shows MPI_Recv.
    hang = {"processes": [{"pid": 2, "ppid": 0, "command": "/usr/bin/mpirun -np 2 ./deadlock", "syscall": "poll",
                           "call": "poll(fd 3: pipe:[30], read end)", "state": "S", "launcher": True},
                          {"pid": 6, "ppid": 2, "command": "./deadlock", "syscall": "", "state": "R", "rank": 0,
                           "mpi_call": "MPI_Recv", "where": "deadlock.cpp:11 in main"}],
            "edges": [], "cycle": [], "explanation": ["every rank waits in an MPI call"]}
    doing = [named("process", p)["doing"] for p in report_model.hang_view(hang)["processes"]]
    assert doing == ["is the MPI launcher: it waits for its ranks to end", "rank 0: in MPI_Recv"]


def test_a_races_check_sends_each_race_with_both_accesses_and_their_stacks():
    model = report_model.build_model(report_model.load_results([INPUTS / "races"]))
    starter = _variant(model, "race_tally/starter")
    check = next(c for c in starter["checks"] if c["kind"] == "races")
    assert check["status"] == "fail" and check["message"].startswith("data race on `counter` (starter.cpp:14, write")
    view = check["races"]
    assert (view["other"], view["warnings"], view["exit_code"]) == (["thread leak"], 4, 66)
    counter, heap = (named("race", race) for race in view["races"])
    assert (counter["variable"], counter["location"], counter["reports"]) == \
        ("counter", "global 'counter' of size 8", 2)
    write, read = (named("access", access) for access in counter["accesses"])
    assert {k: write[k] for k in ("kind", "size", "thread", "where")} == \
        {"kind": "write", "size": 8, "thread": "T2", "where": "starter.cpp:14"}
    assert (read["kind"], read["thread"]) == ("read", "T3")
    # Innermost first; the headers under /usr/ and a shared library with no file are the system's; "??" where
    # TSan had no symbol.
    assert [named("frame", f) for f in write["stack"]] == [
        {"function": "work()", "where": "/src/cases/race_tally/starter.cpp:14", "system": 0},
        {"function": "void std::__invoke_impl<void, void (*)()>(std::__invoke_other, void (*&&)())",
         "where": "/usr/include/c++/12/bits/invoke.h:61", "system": 1},
        {"function": "std::thread::_State_impl<std::thread::_Invoker<std::tuple<void (*)()> > >::_M_run()",
         "where": "/usr/include/c++/12/bits/std_thread.h:210", "system": 1},
        {"function": "??", "where": "in libstdc++.so.6", "system": 1}]
    assert heap["variable"] == "" and heap["location"].startswith("heap block of size 40")
    assert named("frame", named("access", heap["accesses"][0])["stack"][0]) == \
        {"function": "std::ostream::operator<<(long)", "where": "/usr/include/c++/12/ostream:166", "system": 1}
    # Passed: nothing reported, and said so.
    reference = _variant(model, "race_tally/reference")
    passed = next(c for c in reference["checks"] if c["kind"] == "races")
    assert passed["status"] == "pass"
    assert passed["races"] == {"races": [], "other": [], "warnings": 0, "exit_code": 0}
    # Only a races check with TSan's data has a view: other checks, and a races check that could not run, have none.
    assert all(c["races"] is None for c in starter["checks"] if c["kind"] != "races")
    assert report_model.races_view({"kind": "races", "status": "error", "message": "not run"}) is None
    assert report_model.races_view({"kind": "same_lines", "data": {"races": []}}) is None


def test_the_thread_sanitizer_run_is_listed_but_never_timed():
    result = json.loads((INPUTS / "races/race_tally/starter.json").read_text())
    tsan = next(run for run in result["runs"] if run["role"] == "races")
    for counted in (False, True):  # a runner that marked it counted would not make it a timed run either
        tsan["counted"] = counted
        timeline = report_model.timelines(result)
        runs = [named("run", run) for run in timeline["runs"]]
        graded = [run for run in runs if run["role"] == "graded"]
        races = [run for run in runs if run["role"] == "races"]
        assert len(graded) == 3 and all(run["counted"] for run in graded)
        assert [(run["label"], run["counted"]) for run in races] == [("ThreadSanitizer run of starter", 0)]
        assert timeline["longest"] == max(run["wall_s"] for run in graded) < races[0]["wall_s"]
        assert any(named("line", line)["text"].startswith("WARNING: ThreadSanitizer") for line in races[0]["lines"])


def test_names_in_races_reach_the_page_only_inside_its_embedded_data(tmp_path):
    done = render(tmp_path, INPUTS / "races")
    assert done.returncode == 0, done.stderr
    page = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    details = page[page.index('id="parex-details">'):page.index("</script>", page.index('id="parex-details">'))]
    assert "\\u003cimg src=x onerror=alert(1)\\u003e" in details and "operator\\u003c\\u003c(Sink" in details
    assert "<img" not in page and "<b>bold" not in page and "alert(2)</script>" not in page
    # The check's message in the index's chips is escaped by the template.
    assert "data race on `&lt;img src=x onerror=alert(1)&gt;`" in page


def test_a_row_must_name_every_field_of_its_table():
    assert report_model.row("leaked", pid=1, cmdline="x") == [1, "x"]
    with pytest.raises(ValueError, match="leaked"):
        report_model.row("leaked", pid=1)
    with pytest.raises(ValueError, match="leaked"):
        report_model.row("leaked", pid=1, cmdline="x", command="y")


def test_markdown_escapes_html():
    assert report_model.markdown("a <b> `c` **d**") == "<p>a &lt;b&gt; <code>c</code> <strong>d</strong></p>"
    assert report_model.markdown("- x\n- y") == "<ul><li>x</li><li>y</li></ul>"


def _hinted(status, hint="Start **both** before `join()`: see [the lesson](https://example.org/l?a=1&b=2).\n\n"
                                   "<script>alert(1)</script> [no](javascript:alert(1))"):
    return {"kind": "interleaved", "name": "interleaved", "status": status, "message": "m", "detail": "", "hint": hint}


def test_a_failed_checks_hint_is_shown_as_safe_markdown_and_a_passed_ones_is_not(tmp_path):
    loaded = report_model.load_results([INPUTS / "good"])
    loaded.results[0]["checks"] += [_hinted("fail"), _hinted("pass", "never shown")]
    variant = json.loads(report_model.build_model(loaded)["details_json"])["variants"][0]
    failed, passed = (named("check", row) for row in variant["checks"][-2:])
    assert failed["hint"] == ('<p>Start <strong>both</strong> before <code>join()</code>: see '
                              '<a href="https://example.org/l?a=1&amp;b=2">the lesson</a>.</p>\n'
                              '<p>&lt;script&gt;alert(1)&lt;/script&gt; [no](javascript:alert(1))</p>')
    assert passed["hint"] == ""
    assert all(named("check", row)["hint"] == "" for row in variant["checks"][:-2])  # results without hints
    # The page carries it inside the embedded details, where no markup of it is live.
    results = tmp_path / "results" / "demo"
    results.mkdir(parents=True)
    (results / "starter.json").write_text(json.dumps({
        "schema": "parex-result/1", "case": "demo", "variant": "starter", "status": "fail", "checks": [_hinted("fail")],
        "runs": []}))
    assert render(tmp_path, tmp_path / "results").returncode == 0
    page = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert "\\u003cstrong\\u003eboth\\u003c/strong\\u003e" in page and "<script>alert" not in page


def test_history_flags_a_drop(tmp_path):
    path = tmp_path / "history.jsonl"
    for at, speedup, status in [("t1", 2.0, "pass"), ("t2", 1.98, "pass"), ("t3", 1.5, "pass")]:
        history.append(path, {"at": at, "results": {"c/v": {"status": status, "speedup": speedup}}})
    trend = history.trends(history.read(path))["c/v"]
    assert "below the earlier median" in trend["drop"]
    history.append(path, {"at": "t4", "results": {"c/v": {"status": "fail", "speedup": 1.5}}})
    assert history.trends(history.read(path))["c/v"]["drop"] == "was passing, now failing"


def test_exports_formats():
    results = report_model.load_results([INPUTS / "good"]).results
    grades = exports.gradescope(results)
    assert {"score", "execution_time", "output", "output_format", "tests", "leaderboard"} <= set(grades)
    assert all({"name", "number", "score", "max_score", "status", "output", "visibility", "tags"} <= set(t)
               for t in grades["tests"])
    assert all(t["status"] in ("passed", "failed") and t["visibility"] in ("visible", "hidden", "after_due_date")
               for t in grades["tests"])
    assert grades["score"] == sum(t["score"] for t in grades["tests"])
    assert any(t["name"].endswith(": not graded") and t["max_score"] == 0 for t in grades["tests"])
    assert grades["leaderboard"] and all(e["order"] == "desc" for e in grades["leaderboard"])
    exercism = exports.exercism(results)
    assert exercism["version"] == 3 and exercism["status"] == "fail"  # some tests ran: error is for none
    assert {"pass", "error"} <= {t["status"] for t in exercism["tests"]}
    assert all(t["task_id"] >= 1 and t["test_code"] for t in exercism["tests"])


def test_rendered_page_is_self_contained(tmp_path):
    done = render(tmp_path, INPUTS / "good", "--gradescope", tmp_path / "gs.json", "--exercism", tmp_path / "ex.json",
                  "--history", tmp_path / "h.jsonl")
    assert done.returncode == 0, done.stderr
    page = (tmp_path / "out" / "index.html").read_text()
    assert 'data-id="square_cube/parallel"' in page and 'data-status="error"' in page
    assert not re.search(r'(src|href)="(https?:)?//', page), "the report must load nothing from the network"
    assert "garbage.json" in page and "skipped" in done.stderr
    assert len(page.encode()) < 2_000_000
    assert json.loads((tmp_path / "gs.json").read_text())["tests"]
    assert (tmp_path / "h.jsonl").read_text().count("\n") == 1


def test_header_says_whether_runs_were_sandboxed_and_how(tmp_path):
    import shutil
    for sandbox, shown in [("uid 60000 (no capabilities, no_new_privs); per run: pid (an init as pid 1)", "sandboxed"),
                           ("none: turned off (--no-sandbox or the case's sandbox = false)", "not sandboxed")]:
        inputs = tmp_path / shown.replace(" ", "_")
        shutil.copytree(INPUTS / "good", inputs)
        for path in inputs.rglob("*.json"):
            try:
                result = json.loads(path.read_text())
            except ValueError:
                continue  # the inputs' deliberately malformed result
            if isinstance(result, dict) and "machine" in result:
                result["machine"]["sandbox"] = sandbox
                path.write_text(json.dumps(result))
        done = subprocess.run([sys.executable, str(RENDER), str(inputs), "--out", str(inputs / "out")],
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        page = (inputs / "out" / "index.html").read_text()
        span = re.search(r'<span class="sandbox" title="([^"]*)">([^<]*)</span>', page)
        assert span and span.group(2) == shown and html.unescape(span.group(1)) == sandbox, span


def test_empty_results_say_what_to_do(tmp_path):
    (tmp_path / "empty").mkdir()
    done = render(tmp_path, tmp_path / "empty")
    assert done.returncode == 0
    assert "No results yet" in (tmp_path / "out" / "index.html").read_text()


def test_missing_directory_is_a_usage_error(tmp_path):
    done = render(tmp_path, tmp_path / "nope")
    assert done.returncode == 2 and "is not a directory of results" in done.stderr


def test_without_jinja2_says_what_to_install(tmp_path):
    blocker = tmp_path / "block"
    blocker.mkdir()
    (blocker / "jinja2.py").write_text("raise ImportError('blocked for the test')\n")
    done = subprocess.run([sys.executable, str(RENDER), str(INPUTS / "good"), "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, env={"PYTHONPATH": str(blocker)})
    assert done.returncode == 2
    assert "Jinja2 is not importable" in done.stderr and "python3-jinja2" in done.stderr


def test_a_build_error_is_counted_and_shows_the_compiler_messages(tmp_path):
    results = tmp_path / "results" / "demo"
    results.mkdir(parents=True)
    (results / "starter.json").write_text(json.dumps({
        "schema": "parex-result/1", "case": "demo", "variant": "starter", "expect": "pass", "status": "build_error",
        "error": "starter.cpp:3:1: error: expected ';' before '}' token", "checks": [], "runs": [],
        "machine": {"cores": 2}}))
    model = report_model.build_model(report_model.load_results([tmp_path / "results"]))
    assert model["summary"]["build_error"] == 1 and model["summary"]["fail"] == 0
    out = tmp_path / "report"
    subprocess.run([sys.executable, str(RENDER), str(tmp_path / "results"), "--out", str(out)], check=True)
    html = (out / "index.html").read_text(encoding="utf-8")
    assert '<pre class="build-error">starter.cpp:3:1: error: expected &#39;;&#39; before &#39;}&#39; token</pre>' in html
    assert "0/1 points" not in html  # no score in this result: no points shown


def _scored(case, variant, status, checks, score, max_score, gate=None):
    return {"schema": "parex-result/1", "case": case, "variant": variant, "expect": "fail", "status": status,
            "score": score, "max_score": max_score, "score_gate": gate, "duration_s": 1.5, "checks": checks, "runs": []}


def test_gradescope_scores_points_not_expectations():
    # A solved starter in the instructor's edition "fails its expect" yet earns every point.
    solved = _scored("square_cube", "starter", "fail", [
        {"kind": "speedup", "name": "speedup vs serial", "status": "pass", "message": "1.97x >= 1.80x",
         "measured": 1.97, "score": 4, "max_score": 4, "visibility": "visible"},
        {"kind": "same_lines", "name": "same lines", "status": "pass", "message": "12 line(s)", "score": 1,
         "max_score": 1, "visibility": "hidden"},
        {"kind": "timeout", "name": "no timeout", "status": "pass", "message": "3 run(s)", "implicit": True}], 5, 5)
    hung = _scored("pool_map", "starter", "fail", [
        {"kind": "same_lines", "name": "same lines", "status": "pass", "message": "ok", "score": 0, "max_score": 2},
        {"kind": "timeout", "name": "no timeout", "status": "fail", "message": "run 1 timed out after 10 s",
         "implicit": True}], 0, 2, gate="the run check 'no timeout' failed (run 1 timed out after 10 s): the case scores 0")
    broken = _scored("join_semantics", "starter", "build_error", [], 0, 3)
    broken["error"] = "starter.cpp:3:1: error: expected ';'"
    missing = _scored("global_isolation_py", "starter", "missing", [], 0, 2)
    grades = exports.gradescope([solved, hung, broken, missing])
    by_name = {t["name"]: t for t in grades["tests"]}
    assert by_name["square_cube/starter: speedup vs serial"]["score"] == 4
    assert by_name["square_cube/starter: same lines"]["visibility"] == "hidden"
    assert by_name["pool_map/starter: same lines"]["score"] == 0
    assert "scores 0" in by_name["pool_map/starter: same lines"]["output"]
    assert by_name["pool_map/starter: the runs (exit, timeout, limits, leaks)"]["status"] == "failed"
    assert by_name["join_semantics/starter: build"]["max_score"] == 3 and "expected ';'" in by_name["join_semantics/starter: build"]["output"]
    assert by_name["global_isolation_py/starter: missing"]["max_score"] == 2
    assert grades["score"] == 5 and grades["output"].startswith("parex: 5/12 points")
    assert grades["leaderboard"] == [{"name": "square_cube/starter speedup", "value": 1.97, "order": "desc"}]


SCHEMAS = Path(__file__).parent / "schemas"


def _class_results():
    """A solved case with a hidden check, a hung case, a build error, a missing case and an ungraded one."""
    solved = _scored("square_cube", "starter", "fail", [
        {"kind": "speedup", "name": "speedup vs serial", "status": "pass", "message": "1.97x >= 1.80x",
         "measured": 1.97, "score": 4, "max_score": 4, "visibility": "visible"},
        {"kind": "same_lines", "name": "secret lines SECRET", "status": "fail", "message": "line 3 differs: SECRET",
         "detail": "SECRET OUTPUT " * 100, "score": 0, "max_score": 1, "visibility": "hidden"}], 4, 5)
    hung = _scored("pool_map", "starter", "fail", [
        {"kind": "same_lines", "name": "same lines", "status": "pass", "message": "ok", "score": 0, "max_score": 2},
        {"kind": "timeout", "name": "no timeout", "status": "fail", "message": "run 1 timed out", "implicit": True}],
        0, 2, gate="the run check 'no timeout' failed: the case scores 0")
    broken = _scored("join_semantics", "starter", "build_error", [], 0, 3)
    broken["error"] = "starter.cpp:3:1: error: expected ';'"
    missing = _scored("global_isolation_py", "starter", "missing", [], 0, 2)
    ungraded = _scored("pool_map_py", "starter", "error", [], None, None)
    ungraded["error"] = "the machine was too busy"
    return [solved, hung, broken, missing, ungraded]


@pytest.mark.parametrize("name,schema", [("gradescope", "gradescope"), ("prairielearn", "prairielearn"),
                                         ("exercism", "exercism-v3"), ("classroom", "classroom")])
def test_every_export_matches_its_platforms_documented_format(name, schema):
    import jsonschema  # Debian: python3-jsonschema (run.sh test installs it)
    validator = jsonschema.Draft202012Validator(json.loads((SCHEMAS / f"{schema}.schema.json").read_text()))
    broken_only = _class_results()[2:4]
    for results in (report_model.load_results([INPUTS / "good"]).results, _class_results(), broken_only, []):
        out = exports.FORMATS[name](results)
        errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(out)]
        assert not errors, errors
    # The schema is not a rubber stamp: a wrong status fails it.
    bad = exports.FORMATS[name](_class_results())
    bad.get("tests", [{}])[0]["status"] = "ok"
    assert list(validator.iter_errors(bad))


def test_scores_agree_across_formats_and_error_is_never_scored():
    results = _class_results()
    gs, pl, cl = exports.gradescope(results), exports.prairielearn(results), exports.classroom(results)
    assert gs["score"] == 4 and sum(t["max_score"] for t in gs["tests"]) == 12  # 5 + 2 + 3 + 2; the error is 0/0
    assert pl["gradable"] and pl["score"] == pytest.approx(4 / 12) and "pool_map_py/starter" in pl["message"]
    assert sum(t["score"] for t in cl["tests"]) == 4 and cl["max_score"] == 12
    assert exports.exercism(results)["status"] == "fail"


def test_hidden_checks_show_only_their_points_outside_gradescope():
    results = _class_results()
    for name in ("prairielearn", "exercism", "classroom"):
        text = json.dumps(exports.FORMATS[name](results))
        assert "SECRET" not in text, name
        assert "square_cube/starter: hidden check 1" in text, name
    assert "SECRET" in json.dumps(exports.gradescope(results))  # Gradescope hides it itself, by visibility
    hidden = next(t for t in exports.gradescope(results)["tests"] if t["visibility"] == "hidden")
    assert hidden["max_score"] == 1


def test_a_failed_checks_hint_follows_its_details_in_every_export_and_a_passed_ones_nowhere():
    hint = "Start **both** processes before you `join()` either."
    visible = dict(_hinted("fail", hint), detail="run 1: squares then cubes", score=0, max_score=2,
                   visibility="visible")
    hidden = dict(_hinted("fail", "HIDDEN HINT"), name="hidden one", score=0, max_score=1, visibility="hidden")
    passed = dict(_hinted("pass", "PASSED HINT"), name="passed one", score=1, max_score=1, visibility="visible")
    results = [_scored("square_cube", "starter", "fail", [visible, hidden, passed], 1, 4)]
    label = f"{exports.HINT_LABEL} {hint}"
    gs = {t["name"]: t["output"] for t in exports.gradescope(results)["tests"]}
    out = gs["square_cube/starter: interleaved"]
    # Gradescope: the label, then the hint in a code block of its own, after the details' block.
    assert out.endswith(f"{exports.HINT_LABEL}\n\n```\n{hint}\n```") and out.index("squares then") < out.index(hint)
    assert "HIDDEN HINT" in gs["square_cube/starter: hidden one"]  # Gradescope applies visibility itself
    pl = exports.prairielearn(results)["tests"]
    assert pl[0]["output"] == f"run 1: squares then cubes\n{label}"
    ex = exports.exercism(results)["tests"]
    assert ex[0]["message"] == f"m\n{label}" and ex[0]["output"] == "run 1: squares then cubes"
    cl = exports.classroom(results)["tests"]
    assert cl[0]["message"] == f"m\nrun 1: squares then cubes\n{label}"
    for name in exports.FORMATS:
        text = json.dumps(exports.FORMATS[name](results))
        assert "PASSED HINT" not in text, name
        assert ("HIDDEN HINT" in text) == (name == "gradescope"), name


def test_nothing_built_is_not_gradable_and_an_exercism_error():
    results = _class_results()[2:4]
    pl = exports.prairielearn(results)
    assert pl["gradable"] is False and "score" not in pl and any("expected ';'" in e for e in pl["format_errors"])
    ex = exports.exercism(results)
    assert ex["status"] == "error" and "expected ';'" in ex["message"]
    assert exports.classroom(results)["status"] == "error"


def test_platform_size_limits_hold_for_a_flood():
    flood = _scored("square_cube", "starter", "fail", [
        {"kind": "same_lines", "name": f"lines {i}", "status": "fail", "message": "differs", "detail": "x" * 400_000,
         "score": 0, "max_score": 1} for i in range(5)], 0, 5)
    assert len(json.dumps(exports.prairielearn([flood])).encode()) <= exports.PRAIRIELEARN_FILE_LIMIT
    assert all(len(t.get("output", "")) <= 500 for t in exports.exercism([flood])["tests"])


def test_exports_script_writes_every_format(tmp_path):
    targets = {name: tmp_path / f"{name}.json" for name in exports.FORMATS}
    args = [a for name, path in targets.items() for a in (f"--{name}", str(path))]
    done = subprocess.run([sys.executable, str(ROOT / "reports" / "exports.py"), str(INPUTS / "good"), *args],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert all(json.loads(path.read_text()) for path in targets.values())
    assert json.loads(targets["exercism"].read_text())["version"] == 3
