#!/usr/bin/env python3
"""Differential test of `parex filecheck` against LLVM's FileCheck.

Runs both on every (check file, input) pair of a hand-written corpus and on randomly
generated pairs, and fails on any disagreement in verdict: match (exit 0), mismatch
(exit 1) or invalid check file / empty input (exit 2). Disagreeing pairs are saved for
reproduction.

A corpus pair may end with a '--- extension' section, 'parex-exit N: why': a documented
divergence (docs/authoring-cases.md). There parex must exit N and LLVM must not, so that
an annotation that no longer describes a divergence fails too.
"""
import argparse
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


def load_corpus(path):
    """Pairs from a corpus file: '=== name', then '--- check' and '--- input' sections."""
    pairs, name, section, parts = [], None, None, {}
    for line in Path(path).read_text(encoding="utf-8").splitlines(keepends=True):
        if line.startswith("=== "):
            if name:
                pairs.append((name, parts.get("check", ""), parts.get("input", ""), parts.get("extension")))
            name, section, parts = line[4:].strip(), None, {}
        elif line.startswith("--- ") and line[4:].strip() in ("check", "input", "extension"):
            section = line[4:].strip()
            parts[section] = ""
        elif section:
            parts[section] += line
    if name:
        pairs.append((name, parts.get("check", ""), parts.get("input", ""), parts.get("extension")))
    return pairs


WORDS = ["square", "cube", "4", "9", "8", "27", "result:", "[]", "[4, 9]", "done", "error", "ok", "a", "b"]
DIRECTIVES = ["CHECK", "CHECK", "CHECK", "CHECK-NEXT", "CHECK-SAME", "CHECK-NOT", "CHECK-DAG", "CHECK-DAG",
              "CHECK-LABEL", "CHECK-EMPTY", "CHECK-COUNT-2"]


def random_line(rng):
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 3)))


def random_pattern(rng, line):
    words = line.split(" ")
    start = rng.randrange(len(words))
    chosen = words[start:start + rng.randint(1, 2)]
    pattern = " ".join(chosen)
    roll = rng.random()
    if roll < 0.15 and pattern[-1:].isdigit():
        pattern = pattern.rstrip("0123456789") + "{{[0-9]+}}"
    elif roll < 0.25:
        pattern = pattern + "{{.*}}"
    elif roll < 0.3:
        pattern = "[[V" + str(rng.randint(0, 2)) + ":" + "[a-z]+]]" if pattern[0].isalpha() else pattern
    elif roll < 0.35:
        pattern = pattern + " [[V" + str(rng.randint(0, 2)) + "]]"
    if rng.random() < 0.1:
        pattern = pattern.replace(" ", "  ")
    return pattern


def random_pair(rng):
    lines = [random_line(rng) for _ in range(rng.randint(1, 8))]
    if rng.random() < 0.2:
        lines.insert(rng.randrange(len(lines) + 1), "")
    checks = []
    for index in range(rng.randint(1, 5)):
        # Mostly start with a plain CHECK, so that most files are valid and exercise matching.
        directive = "CHECK" if index == 0 and rng.random() < 0.7 else rng.choice(DIRECTIVES)
        source = rng.choice(lines) if rng.random() < 0.8 else random_line(rng)
        if directive == "CHECK-EMPTY":
            checks.append("CHECK-EMPTY:")
        else:
            checks.append(f"{directive}: {random_pattern(rng, source or 'ok')}")
    return "\n".join(checks) + "\n", "\n".join(lines) + ("\n" if rng.random() < 0.9 else "")


def verdict(command):
    done = subprocess.run(command, capture_output=True, text=True, timeout=30)
    return done.returncode, done.stderr


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parex", required=True)
    parser.add_argument("--filecheck", default="/usr/lib/llvm-14/bin/FileCheck")
    parser.add_argument("--corpus", required=True, help="corpus file of (check, input) pairs")
    parser.add_argument("--random", type=int, default=0, help="also test this many random pairs")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if not Path(args.filecheck).exists():
        print(f"differential.py: LLVM FileCheck not found at {args.filecheck}: apt-get install llvm-14-tools", file=sys.stderr)
        return 2

    pairs = load_corpus(args.corpus)
    rng = random.Random(args.seed)
    pairs += [(f"random-{i}", *random_pair(rng), None) for i in range(args.random)]
    work = Path(tempfile.mkdtemp(prefix="parex-differential-"))
    passed, failed, extensions, verdicts = 0, [], 0, {0: 0, 1: 0, 2: 0}
    for name, check, text, extension in pairs:
        check_file, input_file = work / "check.txt", work / "input.txt"
        check_file.write_text(check, encoding="utf-8")
        input_file.write_text(text, encoding="utf-8")
        llvm, llvm_err = verdict([args.filecheck, str(check_file), "--input-file", str(input_file)])
        ours, ours_err = verdict([args.parex, "filecheck", str(check_file), "--input", str(input_file)])
        verdicts[min(llvm, 2)] = verdicts.get(min(llvm, 2), 0) + 1
        if extension is not None:
            expected = int(extension.split(":", 1)[0].split()[-1])
            if ours == expected and llvm != expected:
                passed += 1
                extensions += 1
                continue
            print(f"EXTENSION NOT AS DOCUMENTED {name}: FileCheck exit {llvm}, parex exit {ours}, documented {extension.strip()}")
        elif llvm == ours:
            passed += 1
            continue
        keep = work / "disagreements" / name
        keep.mkdir(parents=True, exist_ok=True)
        shutil.copy(check_file, keep / "check.txt")
        shutil.copy(input_file, keep / "input.txt")
        failed.append(name)
        print(f"DISAGREE {name}: FileCheck exit {llvm}, parex exit {ours} (saved in {keep})")
        print("  check: " + check.replace("\n", "\n         ").rstrip())
        print("  input: " + text.replace("\n", "\n         ").rstrip())
        print("  FileCheck: " + (llvm_err.strip().splitlines() or [""])[0])
        print("  parex:     " + (ours_err.strip().splitlines() or [""])[0])
    print(f"FileCheck verdicts: {verdicts[0]} match, {verdicts[1]} mismatch, {verdicts[2]} invalid")
    print(f"{extensions} documented divergences (parex extensions) held")
    print(f"{passed} passed, {len(failed)} failed")
    if not failed:
        shutil.rmtree(work)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
