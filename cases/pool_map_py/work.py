"""The seed's do_work, made impossible to shortcut, shared by the variants of this case."""
from parex_seed import seed

ITEMS = 10000
STEPS = 350  # 10 000 items take about 0.32 s serially here, as the seed's sum of squares did

_MASK = (1 << 64) - 1
# Item n's value: n, as in the seed's lesson, when run by hand; under parex, a stretch of values the runner's seed
# for this pair chooses (case.toml's [inputs]), so that the checksum is one no program can know before it runs. The
# variants keep mapping over range(ITEMS): the seed is read here, in the instructor's code, not in theirs.
_OFFSET = ((seed() or 0) * ITEMS) & _MASK


def do_work(n):
    """A chain of dependent multiply-adds started at item n's value: no closed form (the seed's sum(x*x) + n had one),
    so the only way to the checksum is to run it."""
    state, total = (_OFFSET + n) & _MASK, 0
    for x in range(STEPS):
        state = (state * 6364136223846793005 + x) & _MASK
        total += state >> 33
    return total


def checksum(results):
    value = 0
    for i, result in enumerate(results):
        value ^= result * (i + 1)
    return value
