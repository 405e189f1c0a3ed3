"""Scaled sleeps for Python cases: the lesson's seconds, shrunk by PAREX_TIME_SCALE."""
import os
import sys
import time

_scale = None


def time_scale():
    """PAREX_TIME_SCALE, read once; 1.0 when unset or not a positive number."""
    global _scale
    if _scale is None:
        text = os.environ.get("PAREX_TIME_SCALE", "")
        try:
            _scale = float(text) if text else 1.0
            if not _scale > 0:
                raise ValueError(text)
        except ValueError:
            print(f"parex: ignoring PAREX_TIME_SCALE={text!r} (not a positive number); using 1.0", file=sys.stderr)
            _scale = 1.0
    return _scale


def sleep(seconds):
    """Sleeps seconds × time_scale()."""
    time.sleep(seconds * time_scale())
