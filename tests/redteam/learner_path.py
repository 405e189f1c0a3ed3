#!/usr/bin/env python3
"""One attack through a learner's own path (`parex grade --submission`, `parex grade-class`); passes when it failed.

    learner_path.py ATTACK --parex P --catalog C --build-dir B [--as-user UID] [--expect-success]

Each attack hands in a starter.cpp for tests/redteam/learner/attack (whose reference prints "done"). It tries to
read, at build time or at run time, a secret the test planted: the machine's password hashes, a file in /root,
parex's build tree, another learner's submission, the grade's output folder, the grader's environment, a key in
the kernel's keyrings. It failed when no secret shows in anything the grade wrote or printed (results, platform
exports, console), and nothing it should not change changed (the kernel's key counts). `endless_build` must be a
build_error within its limit instead.

--as-user grades as that uid (its files given to it): parex then sandboxes in a user namespace of its own.
--expect-success inverts the verdict: what each attack achieves on a parex without the defences.
"""
import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

INCBIN = r'''#include <cstdio>
asm(".section .rodata\n.global parex_stolen\nparex_stolen:\n.incbin \"{path}\"\n.byte 0\n.previous\n");
extern "C" const char parex_stolen[];
int main() {{ std::puts(parex_stolen); std::puts("done"); }}
'''
INCLUDE = '#include "{path}"\nint main() {{}}\n'
ENV = r'''#include <cstdio>
#include <cstdlib>
int main() { const char* v = std::getenv("GRADER_API_TOKEN"); std::printf("%s\ndone\n", v ? v : "(none)"); }
'''
# The first learner adds a key to its uid's user keyring; the next one looks for it there and in the session's.
KEY_ADD = r'''#include <cstdio>
#include <sys/syscall.h>
#include <unistd.h>
int main() {
  const char payload[] = "{token}";
  long id = syscall(SYS_add_key, "user", "parex-redteam", payload, sizeof payload - 1, -4 /* @u */);
  std::printf("add_key: %ld\ndone\n", id);
}
'''
KEY_READ = r'''#include <cstdio>
#include <initializer_list>
#include <sys/syscall.h>
#include <unistd.h>
int main() {
  for (long ring : {-4L /* @u */, -3L /* @s */, -5L /* @us */}) {
    long id = syscall(SYS_keyctl, 10 /* KEYCTL_SEARCH */, ring, "user", "parex-redteam", 0);
    char buffer[256] = {};
    if (id > 0 && syscall(SYS_keyctl, 11 /* KEYCTL_READ */, id, buffer, sizeof buffer - 1) > 0) std::printf("%s\n", buffer);
  }
  std::puts("done");
}
'''
# Compile-time work that ends only after about an hour: a thousand constant evaluations, each stopped by GCC's
# constexpr operation limit after seconds.
ENDLESS = r'''#include <utility>
template <int K> constexpr long spin() {
  long s = K;
  for (long i = 0; i < 2000; ++i)
    for (long j = 0; j < 2000; ++j) s += i ^ j;
  return s;
}
template <int K> struct Spun { static_assert(spin<K>() != 1); };
template <int... K> void all(std::integer_sequence<int, K...>) { (sizeof(Spun<K>), ...); }
int main() { all(std::make_integer_sequence<int, 1000>{}); }
'''


# A line of the attack case's hidden check (tests/redteam/learner/attack/case.toml): in the grader's copy alone.
HIDDEN_CHECK_MARKER = "parex-hidden-check-4b1d7e"
# The program finds its workspace from its own path (<work>/build/parex-bin/attack/starter) and prints its case.toml.
READ_CASE_TOML = r'''#include <fstream>
#include <iostream>
#include <string>
#include <unistd.h>
int main() {
  char exe[4096] = {};
  if (readlink("/proc/self/exe", exe, sizeof exe - 1) < 0) return 1;
  std::string work(exe);
  for (int i = 0; i < 4; ++i) work = work.substr(0, work.rfind('/'));
  for (const char* file : {"/catalog/attack/case.toml", "/learner-view/attack.toml"}) {
    std::ifstream in(work + file);
    if (in) std::cout << in.rdbuf() << '\n';
  }
  std::cout << "done" << std::endl;
}
'''


def key_users():
    try:
        return Path("/proc/key-users").read_text()
    except OSError:
        return ""


class Attack:
    """A grade to run and the secrets it must not reveal; `setup` plants them, `cleanup` removes them."""

    def __init__(self, work, args):
        self.work, self.args, self.token = work, args, "parex-secret-" + secrets.token_hex(8)
        self.tag = secrets.token_hex(4)  # names the planted files: a path in an error message is no leak
        self.secrets, self.planted, self.env = [self.token], [], {}
        self.class_mode, self.budget = False, None
        self.preexec = None  # run in the grade's process before it execs parex
        self.layout = None  # (work) -> None: what the attack makes of the class folder beyond its files
        self.check = None   # (work, done) -> [problem]: what else must hold
        self.must_run = []  # learners whose program must have run: an attack at run time that never ran proves nothing
        self.search = "."  # where in the output folder the secrets must not show: a victim's own results may hold them

    def plant(self, path, text):
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        self.planted.append(path)
        return path

    def cleanup(self):
        for path in self.planted:
            path.unlink(missing_ok=True)


def learners_for(name, attack):
    """{learner: starter.cpp source} for `name`; sets the attack's secrets and mode."""
    a = attack
    if name == "include_shadow" or name == "incbin_shadow":
        shadow = Path("/etc/shadow").read_text().splitlines()
        a.secrets = [line for line in shadow if line.split(":")[1:2] not in (["*"], ["!"], ["!*"], [""])] or shadow[:1]
        return {"alice": (INCLUDE if name == "include_shadow" else INCBIN).format(path="/etc/shadow")}
    # Each secret through both of the build's readers: the preprocessor (#include: the text shows in the compiler's
    # messages) and the assembler (.incbin: the bytes go into the program, which prints them).
    kind, _, target = name.partition("_")
    template = {"include": INCLUDE, "incbin": INCBIN}.get(kind)
    if template and target == "root":
        return {"alice": template.format(path=a.plant(f"/root/.parex-redteam-{a.tag}", a.token + "\n"))}
    if template and target == "build_tree":
        return {"alice": template.format(path=a.plant(Path(a.args.build_dir) / "CMakeFiles" / f"redteam-{a.tag}.o", a.token + "\n"))}
    if template and target == "output":
        a.class_mode = True
        return {"alice": template.format(path=a.plant(a.work / "out" / "grades.csv", f"{a.token},attack,1,1,pass\n"))}
    if template and target == "classmate":
        a.class_mode, a.search = True, "learners/alice"
        bob = a.work / "class" / "bob" / "attack" / "starter.cpp"
        return {"alice": template.format(path=bob),
                "bob": f'#include <cstdio>\nint main() {{ std::puts("{a.token}"); std::puts("done"); }}\n'}
    if name == "read_case_toml":  # at run time, the workspace's case.toml: the hidden checks are the grader's
        a.secrets, a.must_run = [HIDDEN_CHECK_MARKER], ["alice"]
        return {"alice": READ_CASE_TOML}
    if name == "env_secret":
        a.env, a.must_run = {"GRADER_API_TOKEN": a.token}, ["alice"]
        return {"alice": ENV}
    if name == "keyring":
        a.class_mode, a.must_run = True, ["alice", "bob"]
        return {"alice": KEY_ADD.replace("{token}", a.token), "bob": KEY_READ}
    if name == "no_namespaces":  # the kernel refuses namespaces: audited as none, refused on demand
        return no_namespaces(a)
    if name in ("case_folder_link", "learner_folder_link", "edition_json_proc", "control_char_name", "fifo_file"):
        return intake_attack(name, a)
    if name == "endless_build":  # `grade --budget 6`: the build is stopped when the budget runs out
        a.secrets, a.budget = [], int(os.environ.get("PAREX_ATTACK_BUDGET", "6"))
        return {"alice": ENDLESS}
    if name == "endless_build_class":  # grade-class: stopped at the case's build_timeout (15 s), bob graded meanwhile
        a.secrets, a.class_mode, a.must_run = [], True, ["bob"]

        def stopped(work, done):
            result = json.loads((work / "out/learners/alice/results/attack/starter.json").read_text())
            return [] if result["status"] == "build_error" and "took over 15 s" in result.get("error", "") else \
                [f"alice's endless build: {result['status']}, {result.get('error', '')[:200]!r}"]
        a.check = stopped
        return {"alice": ENDLESS, "bob": '#include <cstdio>\nint main() { std::puts("done"); }\n'}
    raise SystemExit(f"learner_path.py: no attack {name!r}")


def refuse_namespaces():
    """In the child before exec: a seccomp filter (libseccomp, by ctypes) that refuses every new namespace, as a
    container's seccomp profile does: unshare and setns fail, clone with a CLONE_NEW* flag fails, clone3 is 'not
    implemented' (glibc falls back to clone)."""
    import ctypes

    class ArgCmp(ctypes.Structure):
        _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int), ("datum_a", ctypes.c_uint64), ("datum_b", ctypes.c_uint64)]

    lib = ctypes.CDLL("libseccomp.so.2")
    lib.seccomp_init.restype = ctypes.c_void_p
    context = ctypes.c_void_p(lib.seccomp_init(ctypes.c_uint32(0x7FFF0000)))  # SCMP_ACT_ALLOW
    eperm, enosys = ctypes.c_uint32(0x00050000 | 1), ctypes.c_uint32(0x00050000 | 38)
    number = lambda name: lib.seccomp_syscall_resolve_name(name.encode())
    for name in ("unshare", "setns"):
        lib.seccomp_rule_add_array(context, eperm, number(name), 0, None)
    lib.seccomp_rule_add_array(context, enosys, number("clone3"), 0, None)
    for flag in (0x20000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000):
        rule = ArgCmp(0, 7, flag, flag)  # SCMP_CMP_MASKED_EQ: flags & flag == flag
        lib.seccomp_rule_add_array(context, eperm, number("clone"), 1, ctypes.byref(rule))
    if lib.seccomp_load(context) != 0:
        raise OSError("seccomp_load failed")


def no_namespaces(a):
    """Where the kernel refuses namespaces (a seccomp profile), the build and the runs are not sandboxed: the audit
    says so, they keep their limits, and `--require-sandbox` refuses to grade at all."""
    a.secrets, a.must_run, a.preexec = [], ["alice"], refuse_namespaces

    def audited(work, done):
        problems = []
        audit = json.loads((work / "out" / "alice" / "submission.json").read_text())["audit"]["sandbox"]
        if not audit["build"].startswith("none"):
            problems.append(f"the build's audit says {audit['build']!r}, not none")
        command = [a.args.parex, "grade", str(work / "catalog"), "--submission", str(work / "class" / "alice"),
                   "--results", str(work / "out" / "required"), "--require-sandbox"]
        if a.args.as_user is not None:
            command = ["setpriv", f"--reuid={a.args.as_user}", f"--regid={a.args.as_user}", "--clear-groups", "--"] + command
        refused = subprocess.run(command, capture_output=True, text=True, env=dict(os.environ, HOME=str(work)),
                                 preexec_fn=refuse_namespaces)
        if refused.returncode == 0 or "cannot be sandboxed" not in refused.stderr or (work / "out" / "required").exists():
            problems.append(f"--require-sandbox graded (exit {refused.returncode}): {refused.stderr[-300:]!r}")
        return problems
    a.check = audited
    return {"alice": '#include <cstdio>\nint main() { std::puts("done"); }\n'}


def csv_rows(work):
    import csv
    with open(work / "out" / "grades.csv", newline="") as f:
        return list(csv.DictReader(f))


def intake_attack(name, a):
    """Intake: what a submission's folders and files are, not what they hold."""
    bob_source = f'#include <cstdio>\nint main() {{ std::puts("{a.token}"); std::puts("done"); }}\n'
    a.class_mode = True
    if name == "case_folder_link":  # alice's case folder is a link to bob's: bob's marks, bob's code
        a.search = "learners/alice"
        a.layout = lambda work: (work / "class" / "alice" / "attack").symlink_to("../bob/attack")

        def refused(work, done):
            row = next(r for r in csv_rows(work) if r["learner"] == "alice")
            error = json.loads((work / "out/learners/alice/results/attack/starter.json").read_text()).get("error", "")
            return [] if row["status"] == "missing" and "link" in error else [f"alice's linked case folder: {row}, {error!r}"]
        a.check = refused
        return {"alice": None, "bob": bob_source}
    if name == "learner_folder_link":  # a learner folder that is a link to another's
        a.search = "learners/carol"
        a.layout = lambda work: (work / "class" / "carol").symlink_to("bob")
        a.check = lambda work, done: ([] if "refused" in done.stderr and all(r["learner"] != "carol" for r in csv_rows(work))
                                      else ["the linked learner folder carol was graded"])
        return {"bob": bob_source}
    if name == "control_char_name":  # a line break in a folder's name forges a row of every list
        a.secrets = []
        a.check = lambda work, done: ([] if "refused" in done.stderr and len(csv_rows(work)) == 1
                                      else [f"the folder named with a line break was graded: {csv_rows(work)}"])
        return {"bob": bob_source, "eve\nmallory,attack,1,1,pass": bob_source}
    if name == "edition_json_proc":  # parex-edition.json as a link to a /proc file: the grade must not die
        a.class_mode, a.must_run = False, ["alice"]
        a.layout = lambda work: (work / "class" / "alice" / "parex-edition.json").symlink_to("/proc/self/mem")

        def survived(work, done):
            submission = work / "out" / "alice" / "submission.json"
            if done.returncode == 2 or not submission.exists():
                return [f"the grade died (exit {done.returncode}) or wrote no submission.json"]
            audit = json.loads(submission.read_text())["audit"]
            return [] if "unreadable" in str(audit.get("submission_edition_hash")) else [f"audit: {audit}"]
        a.check = survived
        return {"alice": bob_source.replace(a.token, "alice")}
    if name == "fifo_file":  # a FIFO among the files: reading it would wait for a writer for ever
        a.class_mode, a.must_run = False, ["alice"]
        a.layout = lambda work: os.mkfifo(work / "class" / "alice" / "attack" / "helper.hpp")
        a.check = lambda work, done: [] if "helper.hpp (not a regular file)" in done.stdout else ["the FIFO was not named"]
        return {"alice": bob_source.replace(a.token, "alice")}
    raise SystemExit(f"learner_path.py: no attack {name!r}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("attack")
    parser.add_argument("--parex", required=True)
    parser.add_argument("--catalog", required=True, type=Path)
    parser.add_argument("--build-dir", required=True, help="parex's build tree (its CMakeFiles hold references)")
    parser.add_argument("--as-user", type=int, metavar="UID")
    parser.add_argument("--expect-success", action="store_true")
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("learner_path.py: skipped: needs root (to plant secrets and to grade as another uid)")
        return 77
    work = Path(tempfile.mkdtemp(prefix="parex-learner-path-"))
    attack = Attack(work, args)
    try:
        learners = learners_for(args.attack, attack)
        catalog = work / "catalog"
        shutil.copytree(args.catalog, catalog / "attack")
        for learner, source in learners.items():
            (work / "class" / learner).mkdir(parents=True)
            if source is not None:
                (work / "class" / learner / "attack").mkdir()
                (work / "class" / learner / "attack" / "starter.cpp").write_text(source)
        if attack.layout:
            attack.layout(work)
        (work / "out").mkdir(exist_ok=True)
        (work / "tmp").mkdir()  # the grade's TMPDIR: its workspace, and whether it is left, are this test's alone
        if attack.class_mode:
            command = [args.parex, "grade-class", str(catalog), str(work / "class"), "--out", str(work / "out"),
                       "--no-pages", "--jobs", "2"]
        else:
            command = [args.parex, "grade", str(catalog), "--submission", str(work / "class" / "alice"),
                       "--results", str(work / "out" / "alice"), "--gradescope", str(work / "out" / "gradescope.json")]
            if attack.budget:
                command += ["--budget", str(attack.budget)]
        env = dict(os.environ, TMPDIR=str(work / "tmp"), **attack.env)
        if args.as_user is not None:
            for path in [work, *work.rglob("*")]:
                if path not in attack.planted:
                    os.chown(path, args.as_user, args.as_user, follow_symlinks=False)
            work.chmod(0o755)
            env["HOME"] = str(work)
            command = ["setpriv", f"--reuid={args.as_user}", f"--regid={args.as_user}", "--clear-groups", "--"] + command
        keys_before = key_users()

        started = time.monotonic()
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300, preexec_fn=attack.preexec)
        took = time.monotonic() - started
        print(" ".join(command), f"-> exit {done.returncode} in {took:.1f} s")
        print(done.stdout[-4000:], done.stderr[-4000:])
        written = "".join(p.read_text(errors="replace") for p in (work / "out" / attack.search).rglob("*")
                          if p.is_file() and p not in attack.planted)
        everything = written + (done.stdout + done.stderr if attack.search == "." else "")
        problems = [f"the secret {s[:40]!r} shows in what the grade wrote or printed" for s in attack.secrets if s in everything]
        if args.attack == "keyring" and key_users() != keys_before:
            problems.append(f"/proc/key-users changed:\n{keys_before}->\n{key_users()}")
        if args.attack == "endless_build_class" and took > 15 + 20:
            problems.append(f"grade-class took {took:.1f} s: it waited on the endless build past its 15 s")
        if args.attack == "endless_build":
            results = json.loads((work / "out" / "alice" / "attack" / "starter.json").read_text())
            if results["status"] != "build_error" or "took over" not in results.get("error", "") + json.dumps(results):
                problems.append(f"the endless build is {results['status']}, not a build_error that says it took too long")
            if took > attack.budget + 5:
                problems.append(f"grade --budget {attack.budget} took {took:.1f} s")
        if attack.check:
            problems += attack.check(work, done)
        leftover = list((work / "tmp").glob("parex-grade-*"))
        if leftover:
            problems.append(f"the grade left its workspace: {sorted(map(str, leftover))}")
        for learner in attack.must_run:
            result = work / "out" / (f"learners/{learner}/results" if attack.class_mode else learner) / "attack" / "starter.json"
            status = json.loads(result.read_text())["status"] if result.exists() else "no result"
            if status in ("build_error", "error", "missing", "no result"):
                problems.append(f"{learner}'s program did not run ({status}): the attack proves nothing")
        if args.as_user is None and not attack.class_mode and not written:
            problems.append("the grade wrote nothing")
        if args.expect_success:
            print("the attack succeeded:" if problems else "the attack FAILED (expected to succeed)", *problems, sep="\n  ")
            return 0 if problems else 1
        for problem in problems:
            print("ATTACK SUCCEEDED:", problem)
        return 1 if problems else 0
    finally:
        attack.cleanup()
        if os.environ.get("PAREX_KEEP_ATTACK"):
            print("kept:", work)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
