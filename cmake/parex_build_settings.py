"""Prints a case.toml's [build] and [variants.V.build] tables for parex_add_catalog (cmake/ParexCatalog.cmake).

CMake cannot read TOML, and a variant's compile options and libraries must be known when CMake configures, before
the runner (which validates every case.toml at build time, with file:line:col messages) is built. So CMake asks
Python's tomllib, a real TOML parser, for these two tables only, and only for a case that has one.

Output: one line per value, `<variant or CASE>\t<compile_options|link_libraries>\t<value>`. Exit 1 with a message on
stderr when the file cannot be read as TOML or a value is not a list of strings (the runner says more).
"""
import sys

try:
    import tomllib
except ModuleNotFoundError:  # Python < 3.11
    sys.exit("parex: reading [build] needs Python 3.11 or later (tomllib)")

KEYS = ("compile_options", "link_libraries")


def values(table, where):
    for key in KEYS:
        items = table.get(key, [])
        if not isinstance(items, list) or not all(isinstance(item, str) and item for item in items):
            sys.exit(f"parex: {where}.{key} must be a list of non-empty strings")
        for item in items:
            if any(c in item for c in ";\n\t"):
                sys.exit(f"parex: {where}.{key}: '{item}' has a ';', tab or line break")
            yield key, item


def main(path):
    try:
        with open(path, "rb") as f:
            case = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as e:
        sys.exit(f"parex: {path}: {e}")
    if isinstance(case.get("build"), dict):
        for key, item in values(case["build"], "[build]"):
            print(f"CASE\t{key}\t{item}")
    variants = case.get("variants", {})
    for name, variant in variants.items() if isinstance(variants, dict) else ():
        if isinstance(variant, dict) and isinstance(variant.get("build"), dict):
            for key, item in values(variant["build"], f"[variants.{name}.build]"):
                print(f"{name}\t{key}\t{item}")


if __name__ == "__main__":
    main(sys.argv[1])
