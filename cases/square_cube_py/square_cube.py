"""The two tasks of the lesson, shared by the variants of this case.

Each tells the grader when it starts and ends, and in which process (task_start/task_end probes): the
"processes" check requires the two in processes of their own, at the same time."""
from parex_clock import sleep
from parex_probe import probe

NUMBERS = [2, 3, 8, 6, 7, 8]


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
