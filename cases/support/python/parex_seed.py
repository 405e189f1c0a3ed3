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


_MASK = (1 << 64) - 1


def draw(seed, i):
    """The i-th number of a stream the seed determines (the i-th output of splitmix64 started at seed).

    The same as C++'s parex::draw, so that a case and its Python twin draw the same inputs for one seed."""
    z = (seed + (i + 1) * 0x9E3779B97F4A7C15) & _MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)
