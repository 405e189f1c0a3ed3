"""The cores a Python case may use: what the runner counts as available for its speedup thresholds."""
import os


def cores():
    """PAREX_CORES when the runner set it (CPU affinity ∩ cgroup quota), else this process's affinity.

    os.cpu_count(), which multiprocessing.Pool() uses by default, counts the host's CPUs even when a
    container or taskset allows fewer; a pool that large only adds start-up cost and contention.
    """
    text = os.environ.get("PAREX_CORES", "")
    if text.isdigit() and int(text) > 0:
        return int(text)
    return max(1, len(os.sched_getaffinity(0)))
