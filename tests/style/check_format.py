#!/usr/bin/env python3
"""One layout for parex's own C++: every file of runner/ and of the harness's tests is as .clang-format lays it out.

Case programs and test fixtures are left out: their layout is part of what they test (a hang's line numbers, the
learner's view of a starter). Prints each file that differs, with clang-format's first complaint, and exits 1.
"""
import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PATTERNS = ["runner/**/*.cpp", "runner/**/*.hpp", "tests/unit/*.cpp", "tests/integration/integration_test.cpp",
            "tests/bench/*.cpp", "tests/utf8.hpp"]


def sources(root):
    """The files the layout holds for, sorted."""
    return sorted({path for pattern in PATTERNS for path in root.glob(pattern)})


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clang-format", default="clang-format", help="the clang-format to run")
    parser.add_argument("--root", type=Path, default=ROOT, help="the tree to check (default: this one)")
    args = parser.parse_args()
    files = sources(args.root)
    differ = []
    for path in files:
        done = subprocess.run([args.clang_format, "--dry-run", "--Werror", "--style=file", str(path)],
                              capture_output=True, text=True)
        if done.returncode != 0:
            first = next((line for line in done.stderr.splitlines() if "error:" in line), done.stderr.strip())
            differ.append(f"{path.relative_to(args.root)}: {first}")
    for line in differ:
        print(line)
    if differ:
        print(f"{len(differ)} of {len(files)} files are not laid out as .clang-format says: "
              f"clang-format -i --style=file <file>")
        return 1
    print(f"{len(files)} files laid out as .clang-format says")
    return 0


if __name__ == "__main__":
    sys.exit(main())
