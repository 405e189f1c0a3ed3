"""The report scripts' file helpers: what render.py, exports.py and class_report.py all write through."""
from __future__ import annotations

import os
from pathlib import Path


def write_atomically(path, text):
    """Writes text to path through a temporary file beside it: a reader never sees half of it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.tmp.{os.getpid()}")
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, path)
