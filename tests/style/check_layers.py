#!/usr/bin/env python3
"""Arrows only point down: checks the #include graph of runner/ against its layers (docs/architecture.md).

Each folder of runner/ is a layer; LAYERS lists them bottom to top, and the files at runner/'s top (cli, main) sit
above them all. A file may include a header of its own layer or of a lower one. A .cpp and its .hpp are one
component, so that "grade.cpp includes edition.hpp, edition.cpp includes grade.hpp" is the cycle it is; any cycle
between components fails too, inside a layer as well as across layers. Includes are paths from runner/
("spawn/proc.hpp"); one written any other way that names a runner file fails, so the graph cannot be hidden.
"""
import argparse
import os
import re
import sys
from pathlib import Path

LAYERS = ["base", "data", "match", "catalog", "spawn", "checks", "report", "build", "grade", "course", ""]
INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"', re.M)


def layer_of(path):
    """The layer of a runner-relative path: its first folder, "" for the top."""
    return path.parts[0] if len(path.parts) > 1 else ""


def component(path):
    """A .cpp and its .hpp are one node."""
    return path.with_suffix("")


def check(runner):
    """The problems in runner/'s include graph, one line each; none when every arrow points down."""
    files = sorted(p.relative_to(runner) for p in runner.rglob("*") if p.suffix in (".cpp", ".hpp"))
    known = set(files)
    problems, edges = [], {}
    for path in files:
        layer = layer_of(path)
        if layer not in LAYERS:
            problems.append(f"runner/{path}: folder '{layer}' is not a layer (tests/style/check_layers.py LAYERS)")
            continue
        text = (runner / path).read_text(encoding="utf-8", errors="replace")
        for number, name in ((text.count("\n", 0, m.start()) + 1, m.group(1)) for m in INCLUDE.finditer(text)):
            # A quoted include is looked up beside the including file first, as the compiler does.
            beside = Path(os.path.normpath(path.parent / name))
            if beside in known and beside != Path(name):
                problems.append(f"runner/{path}:{number}: include \"{name}\" as \"{beside}\" (a path from runner/)")
                continue
            target = Path(name)
            if target not in known:
                continue  # a system or third-party header, or a file outside runner/
            to = layer_of(target)
            if LAYERS.index(to) > LAYERS.index(layer):
                problems.append(f"runner/{path}:{number}: includes \"{name}\": layer '{layer or 'top'}' may not "
                                f"include '{to or 'top'}', a higher layer")
            if component(target) != component(path):
                edges.setdefault(component(path), set()).add(component(target))
    problems += [f"include cycle: {' -> '.join(map(str, cycle))}" for cycle in cycles(edges)]
    return problems


def cycles(edges):
    """One cycle through each strongly connected part of the graph that has one (Tarjan's algorithm)."""
    index, low, stack, on_stack, found, counter = {}, {}, [], set(), [], [0]

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for to in sorted(edges.get(node, ())):
            if to not in index:
                visit(to)
                low[node] = min(low[node], low[to])
            elif to in on_stack:
                low[node] = min(low[node], index[to])
        if low[node] == index[node]:
            part = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                part.add(member)
                if member == node:
                    break
            if len(part) > 1:
                found.append(path_within(part, edges))

    sys.setrecursionlimit(10000)
    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def path_within(part, edges):
    """A cycle inside one strongly connected part, from its smallest node back to it."""
    start = min(part)
    trail, seen = [start], {start}
    while True:
        step = min(to for to in edges.get(trail[-1], ()) if to in part)
        if step in seen:
            return trail[trail.index(step):] + [step]
        trail.append(step)
        seen.add(step)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runner", type=Path, nargs="?", default=Path(__file__).resolve().parents[2] / "runner",
                        help="the runner/ folder to check (default: this tree's)")
    args = parser.parse_args()
    problems = check(args.runner)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} layering problem(s); docs/architecture.md says which layer a file belongs in")
        return 1
    print(f"runner/: every include points down ({', '.join(l or 'top' for l in LAYERS)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
