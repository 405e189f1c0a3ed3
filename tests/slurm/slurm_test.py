#!/usr/bin/env python3
"""parex grade-class --on slurm against the real one-node cluster of tests/slurm/cluster.sh.

  slurm_test.py class        --parex P --catalog CASES --work DIR
      10 generated submissions of one case (global_isolation: each task builds it), graded --on local and
      --on slurm --cpus 1: the two grades.csv must be the same, and say what each learner earned; every task
      left its record (node, the one CPU it was bound to) and each learner's submission.json names them.
  slurm_test.py node_failure --parex P --catalog CASES --work DIR
      3 slow submissions; while a task runs, its node is set DOWN, then RESUMEd: the task must be requeued
      (Restarts 1, its log says so) and grades.csv must hold exactly one row per learner and case.

  slurm_test.py mpi          --parex P --catalog CASES --work DIR
      mpi_pool's reference and its handout graded --on slurm --cpus 1: the tasks get the 2 cores the 2 ranks need,
      mpirun runs inside each (each rank's line carries its rank), the reference scores 3/3 and the handout 2/3,
      failing its speedup.

Exits 77 (skipped) when no cluster is up: cluster.sh up writes $PAREX_SLURM_DIR/env (it needs root).
"""
import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import time

CASE = "global_isolation"


def fail(message):
    print(f"FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def cluster_env():
    env_file = os.path.join(os.environ.get("PAREX_SLURM_DIR", "/tmp/parex-slurm"), "env")
    if not os.path.exists(env_file):
        print(f"skipped: no Slurm cluster is up ({env_file} is missing; tests/slurm/cluster.sh up needs root)")
        sys.exit(77)
    for line in open(env_file):
        line = line.strip()
        if line.startswith("export ") and "=" in line:
            name, value = line[len("export "):].split("=", 1)
            os.environ[name] = value.strip("'\"")
    if subprocess.run(["sinfo", "-h"], capture_output=True).returncode != 0:
        print("skipped: the Slurm cluster does not answer (sinfo)")
        sys.exit(77)


def run(cmd, **kwargs):
    print("$", " ".join(cmd), flush=True)
    done = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    print(done.stdout + done.stderr, flush=True)
    return done


def make_class(args, learners):
    """learners: {name: kind}, kind one of right, handout, threaded, broken, missing, slow."""
    edition = os.path.join(args.work, "edition")
    if run([args.parex, "export", args.catalog, "--learner", "--out", edition, "--without-parex-source"]).returncode:
        fail("parex export failed")
    reference = open(os.path.join(args.catalog, CASE, "parallel.cpp")).read()
    threaded = open(os.path.join(args.catalog, CASE, "threaded.cpp")).read()
    root = os.path.join(args.work, "class")
    for learner, kind in learners.items():
        folder = os.path.join(root, learner, CASE)
        shutil.copytree(os.path.join(edition, "cases", CASE), folder)
        starter = os.path.join(folder, "starter.cpp")
        if kind == "right":
            open(starter, "w").write(reference)
        elif kind == "threaded":
            open(starter, "w").write(threaded)
        elif kind == "broken":
            open(starter, "a").write("\nthis line is not C++;\n")
        elif kind == "missing":
            shutil.rmtree(folder)
            os.makedirs(os.path.join(root, learner, "notes"))
        elif kind == "slow":  # right, after 3 s: long enough for a node to fail under it
            open(starter, "w").write("#include <unistd.h>\nstatic const int slow_start = (::sleep(3), 0);\n" + reference)
    return root


def grade_class(args, root, out, *extra):
    cmd = [args.parex, "grade-class", args.catalog, root, "--out", out, "--case", CASE, "--no-pages", *extra]
    return run(cmd, timeout=900)


def rows(out):
    with open(os.path.join(out, "grades.csv")) as f:
        return list(csv.DictReader(f))


def test_class(args):
    learners = {f"learner{i:02d}": kind for i, kind in enumerate(
        ["right", "right", "handout", "right", "threaded", "handout", "broken", "right", "missing", "handout"])}
    root = make_class(args, learners)
    local, slurm = os.path.join(args.work, "local"), os.path.join(args.work, "slurm")
    # Bad input is a clear refusal, before anything is submitted: no Slurm commands, a time limit Slurm cannot read.
    refused = run([args.parex, "grade-class", args.catalog, root, "--out", slurm, "--case", CASE, "--on", "slurm"],
                  env={**os.environ, "PATH": "/nonexistent"})
    if refused.returncode != 2 or "sbatch is not on PATH" not in refused.stderr:
        fail("--on slurm without Slurm's commands did not refuse, naming sbatch")
    refused = grade_class(args, root, slurm, "--on", "slurm", "--time-limit", "5m")
    if refused.returncode != 2 or "--time-limit 5m: not a Slurm time" not in refused.stderr:
        fail("--time-limit 5m was not refused as not a Slurm time")
    started = time.monotonic()
    if grade_class(args, root, local).returncode != 0:
        fail("grade-class --on local failed")
    local_s = time.monotonic() - started
    started = time.monotonic()
    # --cpus 1: each task's grade is a job step bound to one core, and must say so (node_failure uses whole nodes)
    done = grade_class(args, root, slurm, "--on", "slurm", "--poll", "0.5", "--cpus", "1")
    slurm_s = time.monotonic() - started
    if done.returncode != 0:
        fail("grade-class --on slurm failed")
    if "10 learner(s): 10 graded, 0 unchanged" not in done.stdout:
        fail("the slurm grade did not grade all 10 learners")
    expected = {"right": ("2", "pass"), "handout": ("0", "fail"), "threaded": ("0", "fail"),
                "broken": ("0", "build_error"), "missing": ("0", "missing")}
    for row in rows(local):
        want = expected[learners[row["learner"]]]
        if (row["score"], row["status"]) != want:
            fail(f"--on local: {row} is not {want}")
    local_csv = open(os.path.join(local, "grades.csv")).read()
    slurm_csv = open(os.path.join(slurm, "grades.csv")).read()
    if local_csv != slurm_csv:
        fail(f"grades.csv differ:\n--on local:\n{local_csv}\n--on slurm:\n{slurm_csv}")
    if len(rows(slurm)) != 10:
        fail(f"grades.csv has {len(rows(slurm))} rows, not 10")
    for learner in learners:
        record = json.load(open(os.path.join(slurm, ".slurm", "tasks", learner + ".json")))
        if not record["node"] or record["job"] == "":
            fail(f"{learner}'s task record lacks its node or job: {record}")
        if len(record["cpus"]) != 1:
            fail(f"{learner}'s task was not bound to the one core --cpus 1 asks for: CPUs {record['cpus']}")
        audit = json.load(open(os.path.join(slurm, "learners", learner, "results", "submission.json")))["audit"]
        if audit.get("node") != record["node"] or audit.get("cpus") != record["cpus"]:
            fail(f"{learner}'s submission.json does not name the node and CPUs its task had: {audit.get('node')}, "
                 f"{audit.get('cpus')} vs {record}")
        if (audit.get("slurm") or {}).get("job") != record["job"]:
            fail(f"{learner}'s submission.json does not name its Slurm job: {audit.get('slurm')}")
    print(f"PASS: 10 learners, the same grades.csv on both back ends (local {local_s:.1f} s, slurm {slurm_s:.1f} s); "
          f"each task bound to 1 core, its node and CPU recorded")


def squeue_running():
    out = subprocess.run(["squeue", "-h", "-r", "-o", "%i %T"], capture_output=True, text=True).stdout.split()
    return [out[i] for i in range(0, len(out) - 1, 2) if out[i + 1] == "RUNNING"]


def test_node_failure(args):
    learners = {f"slow{i}": "slow" for i in range(3)}
    root = make_class(args, learners)
    out = os.path.join(args.work, "out")
    node = os.environ["PAREX_SLURM_NODE"]
    cmd = [args.parex, "grade-class", args.catalog, root, "--out", out, "--case", CASE, "--no-pages", "--on", "slurm",
           "--poll", "0.5"]
    print("$", " ".join(cmd), flush=True)
    grader = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    # Wait for a task to be well into its grade (its build done, its runs started), then fail its node.
    deadline = time.monotonic() + 120
    victim = None
    while time.monotonic() < deadline and victim is None:
        time.sleep(0.2)
        running = squeue_running()
        if running:
            victim = running[0]
    if victim is None:
        grader.kill()
        fail("no task ever ran")
    time.sleep(4)
    print(f"setting node {node} DOWN while task {victim} runs", flush=True)
    if run(["scontrol", "update", f"NodeName={node}", "State=DOWN", "Reason=parex-node-failure-test"]).returncode:
        grader.kill()
        fail("scontrol could not set the node DOWN")
    time.sleep(3)
    if run(["scontrol", "update", f"NodeName={node}", "State=RESUME"]).returncode:
        grader.kill()
        fail("scontrol could not RESUME the node")
    try:
        output, _ = grader.communicate(timeout=600)
    except subprocess.TimeoutExpired:
        grader.kill()
        fail("grade-class did not end within 600 s")
    print(output)
    if grader.returncode != 0:
        fail(f"grade-class exited {grader.returncode}")
    table = rows(out)
    keys = [(row["learner"], row["case"]) for row in table]
    if sorted(keys) != sorted((learner, CASE) for learner in learners):
        fail(f"grades.csv does not have exactly one row per learner and case: {keys}")
    if any(row["status"] != "pass" for row in table):
        fail(f"a slow but right submission did not pass: {table}")
    records = [json.load(open(os.path.join(out, ".slurm", "tasks", learner + ".json"))) for learner in learners]
    requeued = [r for r in records if r["restarts"] >= 1]
    if not requeued:
        fail(f"no task was requeued after its node failed: {records}")
    log = open(os.path.join(out, ".slurm", f"task-{requeued[0]['job']}_{requeued[0]['task']}.out")).read()
    if "restart 0" not in log or "restart 1" not in log:
        fail(f"the requeued task's log does not show both attempts:\n{log}")
    print(f"PASS: task {victim} was requeued when its node failed ({len(requeued)} task(s) restarted); grades.csv has "
          f"one row per learner and case, all pass")


def test_mpi(args):
    case = "mpi_pool"
    edition = os.path.join(args.work, "edition")
    if run([args.parex, "export", args.catalog, "--learner", "--out", edition, "--without-parex-source"]).returncode:
        fail("parex export failed")
    root = os.path.join(args.work, "class")
    for learner in ("right", "handout"):
        shutil.copytree(os.path.join(edition, "cases", case), os.path.join(root, learner, case))
    shutil.copy(os.path.join(args.catalog, case, "parallel.cpp"), os.path.join(root, "right", case, "starter.cpp"))
    out = os.path.join(args.work, "out")
    done = run([args.parex, "grade-class", args.catalog, root, "--out", out, "--case", case, "--no-pages", "--on",
                "slurm", "--poll", "0.5", "--cpus", "1"], timeout=900)
    if done.returncode != 0:
        fail("grade-class --on slurm failed")
    if "--cpus 1 raised to 2: a graded variant runs 2 MPI ranks" not in done.stderr:
        fail("--cpus 1 was not raised to the 2 cores mpi_pool's ranks need")
    scores = {row["learner"]: (row["score"], row["status"]) for row in rows(out)}
    if scores != {"right": ("3", "pass"), "handout": ("2", "fail")}:
        fail(f"mpi_pool on slurm: {scores}, not right 3/3 pass and handout 2/3 fail")
    for learner in ("right", "handout"):
        record = json.load(open(os.path.join(out, ".slurm", "tasks", learner + ".json")))
        if len(record["cpus"]) != 2:
            fail(f"{learner}'s task was not bound to 2 cores: CPUs {record['cpus']}")
        result = json.load(open(os.path.join(out, "learners", learner, "results", case, "starter.json")))
        graded = [r for r in result["runs"] if r["role"] == "graded"]
        if not graded or any(r.get("ranks") != 2 or r["leaked"] for r in graded):
            fail(f"{learner}'s graded runs did not run 2 ranks and leave nothing: {graded}")
        # each rank's line of its share carries that rank; the sum is rank 0's
        for line in (line for r in graded for line in r["lines"]):
            named = line["text"].split(":")[0]
            want = int(named.split()[1]) if named.startswith("rank ") else 0
            if line.get("rank") != want:
                fail(f"{learner}'s line {line['text']!r} carries rank {line.get('rank')}, not {want}")
        if learner == "right" and not any(line.get("rank") == 1 for r in graded for line in r["lines"]):
            fail(f"right's runs have no line of rank 1: {[r['lines'] for r in graded]}")
    failed = [c for c in json.load(open(os.path.join(out, "learners", "handout", "results", case, "starter.json")))
              ["checks"] if c["status"] == "fail"]
    if [c["kind"] for c in failed] != ["speedup"]:
        fail(f"the handout failed {[c['kind'] for c in failed]}, not the speedup alone")
    print("PASS: mpi_pool on slurm: tasks on 2 cores, mpirun inside each, right 3/3, handout 2/3 (speedup failed)")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("test", choices=["class", "node_failure", "mpi"])
    parser.add_argument("--parex", required=True)
    parser.add_argument("--catalog", required=True)
    parser.add_argument("--work", required=True)
    args = parser.parse_args()
    cluster_env()
    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)
    {"class": test_class, "node_failure": test_node_failure, "mpi": test_mpi}[args.test](args)


if __name__ == "__main__":
    main()
