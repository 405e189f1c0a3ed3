"""The two tasks of the lesson, shared by the variants of this case."""
from parex_clock import sleep

NUMBERS = [2, 3, 8, 6, 7, 8]


def calc_square(numbers):
    for n in numbers:
        sleep(1)
        print("square " + str(n * n), flush=True)  # a pipe buffers stdout: flush each line


def calc_cube(numbers):
    for n in numbers:
        sleep(1)
        print("cube " + str(n * n * n), flush=True)
