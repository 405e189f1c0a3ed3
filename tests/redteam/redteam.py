#!/usr/bin/env python3
"""One red-team attack, graded by the real runner; passes when the attack failed.

    redteam.py --parex P --case C --bin-dir B ATTACK [--unsandboxed]

The attack (a variant of tests/redteam/cases/redteam) runs under `parex run` on private copies of its
case folder and binaries, with a decoy result beside its own. It failed when: its verdict is not pass
(a pass means it printed ATTACK SUCCEEDED), its result is no larger than 3 x the case's max_output_bytes
(what a run sends the runner is bounded by it, and so is what the runner writes of it), and nothing outside
the run changed. That is checked by hashing, before and after, the case, the binaries and the decoy result,
and by looking for what it might leave: files in /tmp, /dev/shm and /etc, a System V segment, a mount, a
connection to a listener on the loopback, a live process, the runner's cgroups.

--unsandboxed grades it with --no-sandbox and passes when the attack succeeded: what each defence is
for, shown (docs/process-control.md lists what that run gives).

--fails-on KIND asks more than "not pass": the case's check of that kind must be the one that failed (a forged
answer must fail on the output it forged, not on a timing check a busy machine might fail). --drop-inputs grades a
copy without the case's [inputs] and passes when the attack succeeded: the forged-work attack, before per-pair
seeds.
"""
import argparse
import hashlib
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

def tree_hash(root):
    digest = hashlib.sha256()
    for path in sorted(Path(root).rglob("*")):
        digest.update(str(path.relative_to(root)).encode())
        if path.is_file() and not path.is_symlink():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def shm_keys():
    try:
        lines = Path("/proc/sysvipc/shm").read_text().splitlines()[1:]
    except OSError:
        return set()
    return {int(line.split()[0]) for line in lines if line.split()}


def mount_points():
    """The machine's mount points, as this process sees them (the grader's mount namespace)."""
    points = set()
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        point = line.split()[4]
        points.add(point.encode().decode("unicode_escape"))
    return points


def live(needle):
    """Pids of live processes whose command line holds needle (the attack's private folder)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if ") Z " in (proc / "stat").read_text():
                continue
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if needle in cmdline:
            found.append(f"{proc.name}: {cmdline.strip()}")
    return found


def leftovers_of(marker):
    """Where attacks leave files for the machine to keep."""
    home = os.environ.get("HOME", "/root")
    return [f"{folder}/parex-redteam-{marker}" for folder in ("/tmp", "/dev/shm", "/etc", home)]


def max_output_bytes(case):
    """The case's [limits] max_output_bytes (runner/catalog/catalog.hpp's default when it sets none)."""
    found = re.search(r"^\s*max_output_bytes\s*=\s*(\d+)", (case / "case.toml").read_text(), re.MULTILINE)
    return int(found.group(1)) if found else 8 << 20


def all_runner_cgroups():
    """Every parex-<pid>-<kind> cgroup on the machine."""
    return cgroups_named("parex-")


def cgroups_named(prefix):
    """The cgroup folders whose names start with prefix. Another test's runner may remove its cgroups while this
    walks the tree (ctest -j): a folder gone under the walk is skipped, not an error."""
    found = []
    for root, dirs, _ in os.walk("/sys/fs/cgroup", onerror=lambda error: None):
        found += [os.path.join(root, d) for d in dirs if d.startswith(prefix)]
    return found


def pid_alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def cgroups_of(pid):
    return cgroups_named(f"parex-{pid}-")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("attack")
    parser.add_argument("--parex", required=True)
    parser.add_argument("--case", required=True, type=Path)
    parser.add_argument("--bin-dir", required=True, type=Path)
    parser.add_argument("--unsandboxed", action="store_true")
    parser.add_argument("--fails-on", metavar="KIND", help="the check kind whose failure stops the attack")
    parser.add_argument("--drop-inputs", action="store_true", help="grade without the case's [inputs] table")
    parser.add_argument("--as-user", type=int, metavar="UID",
                        help="run parex as this uid (not root: its sandbox is a user namespace); it owns the copies")
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("redteam.py: skipped: it needs root (to copy the grade, hash the machine, and run parex as another user)")
        return 77

    work = Path(tempfile.mkdtemp(prefix="parex-redteam-"))
    marker = f"{os.getpid()}-{random.randrange(1 << 30)}"
    try:
        case, bins, results = work / args.case.name, work / "bin", work / "results"
        shutil.copytree(args.case, case)
        if args.drop_inputs:
            toml = (case / "case.toml").read_text()
            (case / "case.toml").write_text(re.sub(r"(?ms)^\[inputs\]\n.*?(?=^\[|\Z)", "", toml))
        shutil.copytree(args.bin_dir, bins)
        (results / "decoy").mkdir(parents=True)
        (results / "decoy" / "parallel.json").write_text('{"status": "fail"}\n')
        shm_key = random.randrange(0x10000, 0x7fffffff)
        server = socket.socket()
        server.bind(("127.0.0.1", 0))
        server.listen(4)
        connections = []
        threading.Thread(target=lambda: connections.append(server.accept()), daemon=True).start()
        env = dict(os.environ, REDTEAM_BIN_DIR=str(bins), REDTEAM_CASE_DIR=str(case), REDTEAM_RESULTS=str(results),
                   REDTEAM_MARKER=marker, REDTEAM_PORT=str(server.getsockname()[1]), REDTEAM_SHM_KEY=f"{shm_key:x}",
                   REDTEAM_PAREX=str(Path(args.parex).resolve()), REDTEAM_HOME=os.environ.get("HOME", "/root"))
        command = [args.parex, "run", str(case), "--bin-dir", str(bins), "--variant", args.attack, "--results", str(results)]
        if args.as_user is not None:
            # Everything of the grade belongs to the runner's user, as on a machine without root: only the sandbox's
            # namespaces and mounts stand between the attack and the grader's files.
            for path in [work, *work.rglob("*")]:
                os.chown(path, args.as_user, args.as_user, follow_symlinks=False)
            work.chmod(0o755)
            command = ["setpriv", f"--reuid={args.as_user}", f"--regid={args.as_user}", "--clear-groups", "--"] + command
            # Through a shell: setpriv's own exec reaches a binary in a folder the uid cannot search (CI's clones lie
            # under a 0700 mktemp folder), but parex then cannot reach the support files beside it or in the source.
            beside, source = Path(args.parex).resolve().parent.parent, Path(__file__).resolve().parents[2]
            probe = subprocess.run(command[:5] + ["/bin/sh", "-c", 'test -x "$0" && "$0" --version && cd "$1" && cd "$2"',
                                                  args.parex, str(beside), str(source)], capture_output=True)
            if probe.returncode != 0:
                print(f"redteam.py: skipped: uid {args.as_user} cannot run {args.parex} here")
                return 77
        before = {"case": tree_hash(case), "binaries": tree_hash(bins), "decoy result": tree_hash(results / "decoy")}
        keys_before = shm_keys()
        mounts_before = mount_points()

        if args.unsandboxed:
            command.append("--no-sandbox")
        cgroups_before = set(all_runner_cgroups())
        runner = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        output, _ = runner.communicate(timeout=120)
        time.sleep(0.5)  # a daemon left behind would have struck by now

        harm = []
        result_file = results / args.case.name / f"{args.attack}.json"
        size, bound = (result_file.stat().st_size if result_file.exists() else 0), 3 * max_output_bytes(case)
        if size > bound:  # not read: a flood's result may be hundreds of MiB
            harm.append(f"its result is {size / 2**20:.1f} MiB, more than 3 x max_output_bytes ({bound / 2**20:.1f} MiB)")
        result = json.loads(result_file.read_text()) if result_file.exists() and size <= bound else {}
        printed = [line.get("text", "") for run in result.get("runs", []) for line in run.get("lines", [])]
        if result.get("status") == "pass":
            harm.append("its verdict is pass (" + next((l for l in printed if "ATTACK SUCCEEDED" in l), "") + ")")
        if not result_file.exists():
            harm.append("no result was written")
        if args.fails_on and result:
            judged = [c for c in result.get("checks", []) if c.get("kind") == args.fails_on]
            if not judged or any(c.get("status") != "fail" for c in judged):
                harm.append(f"its {args.fails_on} check did not fail: " +
                            "; ".join(f"{c.get('name')}: {c.get('status')} ({c.get('message')})" for c in judged))
        after = {"case": tree_hash(case), "binaries": tree_hash(bins), "decoy result": tree_hash(results / "decoy")}
        harm += [f"the {what} changed" for what in before if before[what] != after[what]]
        for place in leftovers_of(marker):
            if os.path.exists(place):
                harm.append(f"{place} was left on the machine")
                os.remove(place)
        if shm_key in shm_keys() - keys_before or shm_key in shm_keys():
            harm.append(f"a System V segment (key {shm_key:#x}) was left on the machine")
            subprocess.run(["ipcrm", "-M", str(shm_key)], check=False)
        for point in sorted(mount_points() - mounts_before, key=len, reverse=True):
            harm.append(f"a mount was left on the machine at {point}")
            subprocess.run(["umount", "-l", point], check=False)
        if connections:
            harm.append("it connected to a listener on the grader's loopback")
        alive = live(str(work))
        if alive:
            harm.append("processes were left running: " + "; ".join(alive))
            for line in alive:
                try:
                    os.kill(int(line.split(":")[0]), 9)
                except OSError:
                    pass
        # Pids are reused quickly (pid_max may be 32768): only the cgroups this runner made count, and only while no
        # other process has its pid.
        leftovers = [c for c in cgroups_of(runner.pid) if c not in cgroups_before and not pid_alive(runner.pid)]
        if leftovers:
            harm.append("the runner's cgroups were left: " + ", ".join(leftovers))
            time.sleep(0.2)  # the processes killed above leave them empty
            for cgroup in leftovers:
                try:
                    os.rmdir(cgroup)
                except OSError:
                    pass
        sandbox = result.get("machine", {}).get("sandbox", "?")
        print(output.rstrip())
        print(f"sandbox: {sandbox}")
        if args.unsandboxed:
            print(f"redteam {args.attack}, unsandboxed: " + ("; ".join(harm) if harm else "no harm done"))
            return 0 if harm else 1
        if args.drop_inputs:
            print(f"redteam {args.attack}, without [inputs]: " + ("; ".join(harm) if harm else "the attack failed"))
            return 0 if result.get("status") == "pass" else 1
        print(f"redteam {args.attack}: " + ("; ".join(harm) if harm else "the attack failed, nothing changed"))
        return 1 if harm or sandbox.startswith("none") else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)
        for place in leftovers_of(marker):
            if os.path.exists(place):
                os.remove(place)


if __name__ == "__main__":
    sys.exit(main())
