#!/usr/bin/env python3
"""Every compiled variant of a catalog starts its functions at a 64-byte line (parex_add_catalog's alignment flags).

    aligned_loops.py BIN_ROOT

The same loop compiled into two variants ran up to 14% apart where the linker happened to put it
(docs/authoring-cases.md, "The same loop, the same speed"), and a speedup between them would count it.
Reads each executable's symbols with nm: `main`, and every function the case's own headers define
(pool_map's do_work), must sit at an address that is a multiple of 64.
"""
import subprocess
import sys
from pathlib import Path

SHARED_WORK = {"do_work(unsigned long)"}  # the catalog's shared hot functions, where a variant has them out of line


def functions(executable):
    """{demangled name: address} of the text symbols nm lists."""
    out = subprocess.run(["nm", "-C", "--defined-only", str(executable)], capture_output=True, text=True, check=True).stdout
    symbols = {}
    for line in out.splitlines():
        parts = line.split(" ", 2)
        if len(parts) == 3 and parts[1] in ("T", "t", "W"):
            symbols[parts[2]] = int(parts[0], 16)
    return symbols


def main():
    root = Path(sys.argv[1])
    executables = [p for p in sorted(root.glob("*/*")) if p.is_file() and p.suffix == "" and p.stat().st_mode & 0o111]
    if not executables:
        print(f"no executables under {root}")
        return 1
    misaligned, checked = [], 0
    for executable in executables:
        symbols = functions(executable)
        for name in ["main", *sorted(SHARED_WORK & symbols.keys())]:
            if name not in symbols:
                misaligned.append(f"{executable.relative_to(root)}: no {name}")
                continue
            checked += 1
            if symbols[name] % 64:
                misaligned.append(f"{executable.relative_to(root)}: {name} at {symbols[name]:#x}, {symbols[name] % 64} bytes into a line")
    print(f"{checked} functions in {len(executables)} executables")
    for line in misaligned:
        print("misaligned:", line)
    return 1 if misaligned else 0


if __name__ == "__main__":
    sys.exit(main())
