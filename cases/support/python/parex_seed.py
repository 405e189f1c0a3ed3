"""The pair's input seed for Python cases: what the runner drew for this baseline/graded pair ([inputs])."""
import os
import sys

_unread = object()
_seed = _unread


def seed():
    """PAREX_SEED, read once: the same for both runs of a pair, new for the next pair.

    None when the case draws none (a case without [inputs], or a program run by hand), and with a warning when it
    is not a number.
    """
    global _seed
    if _seed is _unread:
        text = os.environ.get("PAREX_SEED", "")
        _seed = int(text) if text.isdigit() else None
        if text and _seed is None:
            print(f"parex: ignoring PAREX_SEED={text!r} (not a number)", file=sys.stderr)
    return _seed
