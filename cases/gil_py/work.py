"""Two CPU-bound tasks, shared by the variants of this case: pure Python, so a thread holds the GIL while it runs."""
from parex_seed import seed

STEPS = 2_700_000  # about 0.3 s of one CPU here: start-up and the import of multiprocessing weigh less
_MASK = (1 << 64) - 1


def task(name):
    """A chain of dependent multiply-adds from a start the pair's seed chooses (0 and 1 when run by hand), so the
    only way to its line is to run it; prints it when done."""
    state = ((seed() or 0) * 2 + (0 if name == "A" else 1)) & _MASK
    total = 0
    for x in range(STEPS):
        state = (state * 6364136223846793005 + x) & _MASK
        total += state >> 33
    print(f"task {name}: {total}", flush=True)  # a pipe buffers stdout: flush, or a process's line may be lost
