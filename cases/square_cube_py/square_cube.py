"""The two tasks of the lesson, shared by the variants of this case.

Each tells the grader when it starts and ends, and in which process (task_start/task_end probes): the
"processes" check requires the two in processes of their own, at the same time."""
from parex_clock import sleep
from parex_probe import probe
from parex_seed import draw, seed


def numbers():
    """The lesson's numbers when run by hand; under parex, six numbers from 2 to 9 that the pair's seed draws
    (case.toml's [inputs]), so that the lines are ones no program can know before it runs (the C++ case's for a seed)."""
    if seed() is None:
        return [2, 3, 8, 6, 7, 8]
    return [2 + draw(seed(), i) % 8 for i in range(6)]


NUMBERS = numbers()


def calc_square(numbers):
    probe("task_start", "square")
    for n in numbers:
        sleep(1)
        print("square " + str(n * n), flush=True)  # a pipe buffers stdout: flush each line
    probe("task_end", "square")


def calc_cube(numbers):
    probe("task_start", "cube")
    for n in numbers:
        sleep(1)
        print("cube " + str(n * n * n), flush=True)
    probe("task_end", "cube")
