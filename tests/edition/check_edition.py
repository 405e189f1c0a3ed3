#!/usr/bin/env python3
"""Checks by content that a learner edition holds no reference solution.

The hidden sources are found from the instructor's catalog on their own terms (DESIGN's default:
every variant but the starter and the baselines that checks name, unless [submission] says
otherwise). No file of the edition, and no member of an archive it carries, may hold a run of
200 bytes of any hidden source (a shorter source: the whole of it), unless the run is also in
a file learners are meant to get (the starter's scaffolding, a shared header). Exit 1 naming
each leak.
"""
import argparse
import io
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

RUN = 200


def hidden_sources(case_dir):
    """The files of the variants learners must not receive."""
    spec = tomllib.loads((case_dir / "case.toml").read_text(encoding="utf-8"))
    variants = {p.stem: [p] for p in case_dir.glob("*.cpp")}
    variants.update({d.name: sorted(d.rglob("*.cpp")) for d in case_dir.iterdir() if d.is_dir() and any(d.rglob("*.cpp"))})
    for name, table in spec.get("variants", {}).items():
        files = [case_dir / arg for arg in table.get("command", []) if "/" not in arg and (case_dir / arg).is_file()]
        if files:
            variants[name] = files
    submission = spec.get("submission", {})
    edited = submission.get("variant", "starter")
    if edited not in variants:
        return []
    if "hidden_variants" in submission:
        hidden = submission["hidden_variants"]
    else:
        baselines = {c.get("baseline") for c in spec.get("checks", []) if c.get("kind") in ("speedup", "same_lines", "in_order")}
        baselines |= {c.get("baseline_variant") for c in spec.get("checks", []) if c.get("kind") == "benchmark_speedup"}
        hidden = [v for v in variants if v != edited and v not in baselines]
    return [f for v in hidden for f in variants.get(v, [])]


def contents(path):
    """(name, bytes) of a file, and of each member when it is a tar or zip archive."""
    data = path.read_bytes()
    yield str(path), data
    stream = io.BytesIO(data)
    if zipfile.is_zipfile(stream):
        with zipfile.ZipFile(stream) as archive:
            for member in archive.namelist():
                yield f"{path}!{member}", archive.read(member)
        return
    try:
        with tarfile.open(fileobj=io.BytesIO(data)) as archive:
            for member in archive.getmembers():
                if member.isfile():
                    yield f"{path}!{member.name}", archive.extractfile(member).read()
    except tarfile.TarError:
        pass


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--edition", required=True, type=Path)
    parser.add_argument("--catalog", required=True, type=Path, action="append")
    args = parser.parse_args()

    runs, whole = {}, {}
    for catalog in args.catalog:
        for case_toml in sorted(catalog.glob("*/case.toml")):
            hidden = hidden_sources(case_toml.parent)
            public = b"\0".join(p.read_bytes() for p in case_toml.parent.rglob("*")
                                 if p.is_file() and p not in hidden and p.name != "case.toml")
            for source in hidden:
                data = source.read_bytes()
                if len(data) < RUN and data not in public:
                    whole[data] = source
                for i in range(len(data) - RUN + 1):
                    if data[i:i + RUN] not in public:
                        runs.setdefault(data[i:i + RUN], source)
    if not runs and not whole:
        print("check_edition.py: no hidden source found: is this the instructor's catalog?", file=sys.stderr)
        return 2
    leaks = []
    files = [p for p in args.edition.rglob("*") if p.is_file()]
    for path in files:
        for name, data in contents(path):
            found = next((runs[data[i:i + RUN]] for i in range(len(data) - RUN + 1) if data[i:i + RUN] in runs), None)
            found = found or next((source for text, source in whole.items() if text and text in data), None)
            if found:
                leaks.append(f"{name} holds {RUN} bytes or more of {found}")
    for leak in leaks:
        print("LEAK", leak)
    print(f"check_edition.py: {len(files)} files against {len(runs)} runs of hidden sources: {len(leaks)} leak(s)")
    return 1 if leaks else 0


if __name__ == "__main__":
    sys.exit(main())
