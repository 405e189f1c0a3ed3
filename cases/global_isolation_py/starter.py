"""The seed's global list in Python: run calc_square in a child process and see the parent's copy stay empty."""
import multiprocessing

from parex_probe import probe

square_result = []
NUMBERS = [2, 3, 8, 6, 7, 8]


def calc_square(numbers):
    global square_result
    for n in numbers:
        print("square " + str(n * n))
        square_result.append(n * n)
    probe("square_result", square_result)


if __name__ == "__main__":
    probe("square_result", square_result)
    # Implement your code here: run calc_square(NUMBERS) in a multiprocessing.Process, start it and
    # join it. Until you do, the parent fills its own list:
    calc_square(NUMBERS)
    print("result:", str(square_result), flush=True)
    probe("square_result", square_result)
    calc_square(NUMBERS)
    print("results2:", str(square_result), flush=True)
